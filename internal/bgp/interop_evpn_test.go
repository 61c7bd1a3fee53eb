package bgp

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/testpeer"
)

// TestInteropGobgpdEVPN: EVPN MAC/IP and inclusive multicast routes
// both ways with Debian's gobgpd: ours reach its RIB with RD, MAC, IP,
// label, route target, MAC Mobility and PMSI tunnel; those added with
// its CLI reach us with theirs; withdrawals both ways.
func TestInteropGobgpdEVPN(t *testing.T) {
	s, err := New(Config{
		ASN: 65000, RouterID: addr("10.255.0.1"), Families: []Family{EVPN},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	peer := s.ListenAddr()
	g := startGobgpdConf(t, "127.0.0.2", testpeer.GobgpdConfig{AS: 65000, RouterID: "10.255.0.2", Listen: "127.0.0.2",
		Neighbors: []testpeer.GobgpdNeighbor{{Addr: peer.Addr().String(), AS: 65000, RemotePort: int(peer.Port()),
			FastTimers: true, Families: []string{"l2vpn-evpn"}}}}.TOML)
	if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.2"), Port: uint16(g.bgpPort), ASN: 65000, LocalAddr: addr("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "session with gobgpd", func() bool { return s.PeerState(addr("127.0.0.2")) == Established })

	// intercloud -> gobgpd.
	mac := macIP(t, "10.255.0.1:100", "10.1.0.5", 5010<<4)
	kMAC, lMAC, _ := mac.Key()
	mc := imet(t, "10.255.0.1:100", "127.0.0.1")
	kMC, _, _ := mc.Key()
	rts := []ExtCommunity{rt(t, "65000:100")}
	if err := s.Originate(EVPN, kMAC, lMAC, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities(append(rts, MACMobility(4, false)))}); err != nil {
		t.Fatal(err)
	}
	pmsi := PackPMSITunnel(PMSITunnel{TunnelType: PMSIIngressReplication, Label: 5000 << 4, TunnelID: addr("127.0.0.1").AsSlice()})
	if err := s.Originate(EVPN, kMC, 0, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities(rts), PMSITunnel: pmsi}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "gobgpd to receive our EVPN routes", func() bool { return len(g.ribOf("evpn")) == 2 })
	rib := g.ribOf("evpn")
	var all []string
	for k, rs := range rib {
		js, _ := json.Marshal(rs)
		all = append(all, k+" "+string(js))
	}
	got := strings.Join(all, "\n")
	for _, want := range []string{
		`"mac":"fa:16:3e:00:00:01"`, `"ip":"10.1.0.5"`, `"labels":[80160]`, `"rd":{"admin":"10.255.0.1","assigned":100,"type":1}`,
		`"value":"65000:100"`, `"sequence":4,"subtype":0,"type":6`,
		`"tunnel-type":6`, `"label":80000`, `"tunnel-id":"127.0.0.1"`, `"ip":"127.0.0.1"`, `"etag":10`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("gobgpd's EVPN RIB lacks %s:\n%s", want, got)
		}
	}
	out, _ := g.cli("global", "rib", "-a", "evpn")
	t.Logf("gobgpd evpn:\n%s", out)

	// gobgpd -> intercloud.
	for _, args := range [][]string{
		{"macadv", "aa:bb:cc:dd:ee:01", "10.2.0.7", "etag", "0", "label", "3000", "rd", "65000:7", "rt", "65000:200", "nexthop", "127.0.0.2"},
		{"multicast", "127.0.0.2", "etag", "20", "rd", "65000:7", "rt", "65000:200", "nexthop", "127.0.0.2"},
	} {
		if out, err := g.cli(append([]string{"global", "rib", "-a", "evpn", "add"}, args...)...); err != nil {
			t.Fatalf("gobgp %v: %v %s", args, err, out)
		}
	}
	theirMAC := EVPNRoute{Type: EVPNMACIP, RD: mustRD(t, "65000:7"), MAC: [6]byte{0xaa, 0xbb, 0xcc, 0xdd, 0xee, 1}, IP: addr("10.2.0.7"), Label1: 3000}
	tMAC, _, _ := theirMAC.Key()
	theirMC := EVPNRoute{Type: EVPNMulticast, RD: mustRD(t, "65000:7"), EthTag: 20, Originator: addr("127.0.0.2")}
	tMC, _, _ := theirMC.Key()
	waitFor(t, 10*time.Second, "gobgpd's EVPN routes", func() bool {
		return bestOf(s.Routes(EVPN), tMAC) != nil && bestOf(s.Routes(EVPN), tMC) != nil
	})
	for _, c := range []struct {
		k    RouteKey
		want EVPNRoute
	}{{tMAC, theirMAC}, {tMC, theirMC}} {
		r := bestOf(s.Routes(EVPN), c.k)
		e, err := EVPNRouteOf(r.Key, r.Label, r.Attrs.EVPNNonKey)
		if err != nil || e.String() != c.want.String() || r.NextHop != addr("127.0.0.2") {
			t.Errorf("from gobgpd: %v (%v) next hop %v, want %v", e, err, r.NextHop, c.want)
		}
		if rts := r.Attrs.RouteTargets(); len(rts) != 1 || rts[0].String() != "RT:65000:200" {
			t.Errorf("%v: route targets %v", e, rts)
		}
	}

	// Withdrawals both ways.
	if err := s.Withdraw(EVPN, kMAC); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "gobgpd to drop our MAC/IP route", func() bool {
		n := 0
		for _, rs := range g.ribOf("evpn") {
			n += len(rs)
		}
		return n == 3 // our multicast route and its own two
	})
	if out, err := g.cli("global", "rib", "-a", "evpn", "del", "macadv", "aa:bb:cc:dd:ee:01", "10.2.0.7", "etag", "0", "label", "3000", "rd", "65000:7"); err != nil {
		t.Fatalf("gobgp del: %v %s", err, out)
	}
	waitFor(t, 10*time.Second, "gobgpd's withdrawal", func() bool { return bestOf(s.Routes(EVPN), tMAC) == nil })
	if bestOf(s.Routes(EVPN), tMC) == nil || s.PeerState(addr("127.0.0.2")) != Established {
		t.Error("the multicast route or the session went too")
	}
}
