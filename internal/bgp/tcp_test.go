package bgp

import (
	"net/netip"
	"testing"
	"time"
)

// Two intercloud speakers over real TCP on loopback, each dialling the
// other at once: the collision resolves to one session, routes flow.
func TestTCPSessionBetweenSpeakers(t *testing.T) {
	mk := func(id, listen string) *Speaker {
		s, err := New(Config{ASN: 65000, RouterID: addr(id), Families: []Family{IPv4Unicast, VPNv4}, ListenAddr: netip.MustParseAddrPort(listen)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	a := mk("10.0.0.1", "127.0.0.1:0")
	b := mk("10.0.0.2", "127.0.0.6:0")
	if err := a.AddPeer(PeerConfig{Addr: addr("127.0.0.6"), Port: b.ListenAddr().Port(), ASN: 65000, LocalAddr: addr("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	if err := b.AddPeer(PeerConfig{Addr: addr("127.0.0.1"), Port: a.ListenAddr().Port(), ASN: 65000, LocalAddr: addr("127.0.0.6")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "both ends Established", func() bool {
		return a.PeerState(addr("127.0.0.6")) == Established && b.PeerState(addr("127.0.0.1")) == Established
	})
	k := vpnKey(t, "65000:9", "10.9.0.0/16")
	if err := a.Originate(VPNv4, k, 99, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:9")})}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the route at b", func() bool { return bestOf(b.Routes(VPNv4), k) != nil })
	if r := bestOf(b.Routes(VPNv4), k); r.Label != 99 || r.NextHop != addr("10.0.0.1") {
		t.Fatalf("route at b: %+v", r)
	}
	a.mu.Lock()
	n := len(a.peers[addr("127.0.0.6")].sessions)
	a.mu.Unlock()
	if n != 1 {
		t.Fatalf("a keeps %d connections after the collision, want 1", n)
	}
	// Closing a sends a Cease; b sees the session go and drops the route.
	a.Close()
	waitFor(t, 5*time.Second, "b to notice", func() bool {
		return b.PeerState(addr("127.0.0.1")) != Established && bestOf(b.Routes(VPNv4), k) == nil
	})
}
