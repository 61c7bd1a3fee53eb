package bgp

import (
	"net"
	"net/netip"
	"syscall"
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

// TestTCPLeavesKeepalivesToBGP: the hold timer and KEEPALIVEs watch a BGP
// session, so its connections, dialled and accepted, do without TCP's
// own keepalive, and a lab of thousands of sessions is spared four
// system calls per connection.
func TestTCPLeavesKeepalivesToBGP(t *testing.T) {
	var tr TCP
	accepted := make(chan Conn, 1)
	bound, stop, err := tr.Listen(netip.MustParseAddrPort("127.0.0.1:0"), func(c Conn) { accepted <- c })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	dialled := make(chan Conn, 1)
	tr.Dial(netip.Addr{}, bound, func(c Conn, err error) {
		if err != nil {
			t.Error(err)
		}
		dialled <- c
	})
	for _, end := range []struct {
		name string
		c    chan Conn
	}{{"dialled", dialled}, {"accepted", accepted}} {
		var c Conn
		select {
		case c = <-end.c:
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s connection", end.name)
		}
		if c == nil {
			t.Fatalf("no %s connection", end.name)
		}
		defer c.Close()
		raw, err := c.(*tcpConn).c.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var on int
		var serr error
		if err := raw.Control(func(fd uintptr) { on, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE) }); err != nil || serr != nil {
			t.Fatal(err, serr)
		}
		if on != 0 {
			t.Errorf("the %s connection has SO_KEEPALIVE on", end.name)
		}
	}
}
