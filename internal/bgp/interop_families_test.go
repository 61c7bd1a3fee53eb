package bgp

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/testpeer"
)

// Interop for IPv6 unicast, VPNv6 and IPv4 labelled unicast: with
// Debian's gobgpd both ways, and FRR's bgpd reflecting VPNv6 between two
// of our speakers.

// gobgpRoute is one path of `gobgp global rib -a FAMILY -j`, read loosely.
type gobgpRoute struct {
	NLRI  map[string]any   `json:"nlri"`
	Attrs []map[string]any `json:"attrs"`
}

func (r gobgpRoute) attr(typ int) map[string]any {
	for _, a := range r.Attrs {
		if t, _ := a["type"].(float64); int(t) == typ {
			return a
		}
	}
	return nil
}

func (g *gobgpd) ribOf(family string) map[string][]gobgpRoute {
	out, err := g.cli("global", "rib", "-a", family, "-j")
	if err != nil {
		g.t.Logf("%v", err)
		return nil
	}
	rib := map[string][]gobgpRoute{}
	if err := json.Unmarshal(out, &rib); err != nil {
		g.t.Logf("gobgp rib json: %v: %s", err, out)
		return nil
	}
	return rib
}

func TestInteropGobgpdNewFamilies(t *testing.T) {
	s, err := New(Config{
		ASN: 65000, RouterID: addr("10.255.0.1"), Families: []Family{IPv6Unicast, VPNv6, IPv4LabeledUnicast},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	peer := s.ListenAddr()
	g := startGobgpdConf(t, "127.0.0.2", testpeer.GobgpdConfig{AS: 65000, RouterID: "10.255.0.2", Listen: "127.0.0.2",
		Neighbors: []testpeer.GobgpdNeighbor{{Addr: peer.Addr().String(), AS: 65000, RemotePort: int(peer.Port()),
			FastTimers: true, GracefulRestart: true, Families: []string{"ipv6-unicast", "l3vpn-ipv6-unicast", "ipv4-labelled-unicast"}}}}.TOML)
	if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.2"), Port: uint16(g.bgpPort), ASN: 65000, LocalAddr: addr("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "session with gobgpd", func() bool { return s.PeerState(addr("127.0.0.2")) == Established })
	// gobgpd sends End-of-RIB (graceful restart on) for each family.
	waitFor(t, 10*time.Second, "gobgpd's End-of-RIBs", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.peers[addr("127.0.0.2")]
		return p.eorIn[IPv6Unicast] && p.eorIn[VPNv6] && p.eorIn[IPv4LabeledUnicast]
	})

	// intercloud -> gobgpd.
	rts := PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})
	k6 := RouteKey{Prefix: pfx("2001:db8:1::/48")}
	k6m := RouteKey{Prefix: pfx("2001:db8:2::/48")}
	kv := vpnKey(t, "65000:1", "2001:db8:3::/64")
	kl := RouteKey{Prefix: pfx("10.9.0.0/16")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Originate(IPv6Unicast, k6, 0, Attrs{NextHop: addr("2001:db8::1"), MED: 7, HasMED: true}))
	must(s.Originate(IPv6Unicast, k6m, 0, Attrs{NextHop: addr("127.0.0.1")}))
	must(s.Originate(VPNv6, kv, 1001, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: rts}))
	must(s.Originate(IPv4LabeledUnicast, kl, 16, Attrs{NextHop: addr("127.0.0.1")}))
	waitFor(t, 10*time.Second, "gobgpd to receive our routes", func() bool {
		return len(g.ribOf("ipv6")) == 2 && len(g.ribOf("vpnv6")) == 1 && len(g.ribOf("ipv4-mpls")) == 1
	})
	mpNH := func(r gobgpRoute) string {
		a := r.attr(14)
		if a == nil {
			return ""
		}
		nh, _ := a["nexthop"].(string)
		return nh
	}
	noLegacy := func(what string, r gobgpRoute) {
		if r.attr(3) != nil {
			t.Errorf("%s: gobgpd got a NEXT_HOP attribute: %v", what, r.Attrs)
		}
	}
	ipv6 := g.ribOf("ipv6")
	if r := ipv6["2001:db8:1::/48"]; len(r) != 1 || mpNH(r[0]) != "2001:db8::1" || r[0].attr(4) == nil {
		t.Errorf("gobgpd's 2001:db8:1::/48: %+v", r)
	} else {
		noLegacy("ipv6", r[0])
	}
	// gobgpd 3.10 keeps next hops as Go net.IPs, which print an
	// IPv4-mapped address as the IPv4 one: "127.0.0.1" is how it shows
	// the ::ffff:127.0.0.1 we send (the octets are checked by
	// TestNewFamiliesCodecRoundTrip).
	if r := ipv6["2001:db8:2::/48"]; len(r) != 1 || mpNH(r[0]) != "127.0.0.1" {
		t.Errorf("gobgpd's 2001:db8:2::/48 (IPv4-mapped next hop): %+v", r)
	}
	vpn6 := g.ribOf("vpnv6")
	if r := vpn6["65000:1:2001:db8:3::/64"]; len(r) != 1 {
		t.Errorf("gobgpd's VPNv6 RIB: %v", vpn6)
	} else {
		js, _ := json.Marshal(r[0])
		for _, want := range []string{`"labels":[1001]`, `"afi":2,"nexthop":"127.0.0.1","safi":128`, `"rd":{"admin":65000,"assigned":1,"type":0}`, `"value":"65000:100"`} {
			if !strings.Contains(string(js), want) {
				t.Errorf("gobgpd's VPNv6 route lacks %s: %s", want, js)
			}
		}
		noLegacy("vpnv6", r[0])
	}
	lu := g.ribOf("ipv4-mpls")
	if r := lu["10.9.0.0/16"]; len(r) != 1 || mpNH(r[0]) != "127.0.0.1" {
		t.Errorf("gobgpd's labelled unicast RIB: %+v", lu)
	} else {
		js, _ := json.Marshal(r[0])
		if !strings.Contains(string(js), `"labels":[16]`) {
			t.Errorf("gobgpd's labelled route lacks label 16: %s", js)
		}
		noLegacy("ipv4-mpls", r[0])
	}
	out, _ := g.cli("global", "rib", "-a", "vpnv6")
	t.Logf("gobgpd vpnv6:\n%s", out)

	// gobgpd -> intercloud.
	for _, args := range [][]string{
		{"-a", "ipv6", "add", "2001:db8:a::/48", "nexthop", "2001:db8::2"},
		{"-a", "ipv6", "add", "2001:db8:b::/48", "nexthop", "::ffff:127.0.0.2"},
		{"-a", "vpnv6", "add", "2001:db8:c::/64", "label", "2002", "rd", "65000:2", "rt", "65000:200", "nexthop", "::ffff:127.0.0.2"},
		{"-a", "ipv4-mpls", "add", "10.10.0.0/16", "2003", "nexthop", "127.0.0.2"},
	} {
		if _, err := g.cli(append([]string{"global", "rib"}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	ka := RouteKey{Prefix: pfx("2001:db8:a::/48")}
	kb := RouteKey{Prefix: pfx("2001:db8:b::/48")}
	kc := vpnKey(t, "65000:2", "2001:db8:c::/64")
	kd := RouteKey{Prefix: pfx("10.10.0.0/16")}
	waitFor(t, 10*time.Second, "gobgpd's routes", func() bool {
		return bestOf(s.Routes(IPv6Unicast), ka) != nil && bestOf(s.Routes(IPv6Unicast), kb) != nil &&
			bestOf(s.Routes(VPNv6), kc) != nil && bestOf(s.Routes(IPv4LabeledUnicast), kd) != nil
	})
	if r := bestOf(s.Routes(IPv6Unicast), ka); r.NextHop != addr("2001:db8::2") {
		t.Errorf("IPv6 route from gobgpd: next hop %v", r.NextHop)
	}
	if r := bestOf(s.Routes(IPv6Unicast), kb); r.NextHop != addr("127.0.0.2") {
		t.Errorf("IPv6 route from gobgpd with an IPv4-mapped next hop: %v", r.NextHop)
	}
	if r := bestOf(s.Routes(VPNv6), kc); r.Label != 2002 || r.NextHop != addr("127.0.0.2") || len(r.Attrs.RouteTargets()) != 1 || r.Attrs.RouteTargets()[0].String() != "RT:65000:200" {
		t.Errorf("VPNv6 route from gobgpd: label %d next hop %v RTs %v", r.Label, r.NextHop, r.Attrs.RouteTargets())
	}
	if r := bestOf(s.Routes(IPv4LabeledUnicast), kd); r.Label != 2003 || r.NextHop != addr("127.0.0.2") {
		t.Errorf("labelled route from gobgpd: label %d next hop %v", r.Label, r.NextHop)
	}
	var b strings.Builder
	s.WriteRoutes(&b, VPNv6)
	t.Logf("our vpnv6 table:\n%s", b.String())

	// Withdraws, both ways.
	for _, c := range []struct {
		f Family
		k RouteKey
	}{{IPv6Unicast, k6}, {IPv6Unicast, k6m}, {VPNv6, kv}, {IPv4LabeledUnicast, kl}} {
		must(s.Withdraw(c.f, c.k))
	}
	waitFor(t, 10*time.Second, "gobgpd to drop our routes", func() bool {
		return len(g.ribOf("ipv6")) == 2 && len(g.ribOf("vpnv6")) == 1 && len(g.ribOf("ipv4-mpls")) == 1 &&
			len(g.ribOf("vpnv6")["65000:1:2001:db8:3::/64"]) == 0
	})
	for _, args := range [][]string{
		{"-a", "ipv6", "del", "2001:db8:a::/48"},
		{"-a", "vpnv6", "del", "2001:db8:c::/64", "label", "2002", "rd", "65000:2", "rt", "65000:200", "nexthop", "::ffff:127.0.0.2"},
		{"-a", "ipv4-mpls", "del", "10.10.0.0/16", "2003", "nexthop", "127.0.0.2"},
	} {
		if _, err := g.cli(append([]string{"global", "rib"}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "gobgpd's withdrawals", func() bool {
		return bestOf(s.Routes(IPv6Unicast), ka) == nil && bestOf(s.Routes(VPNv6), kc) == nil && bestOf(s.Routes(IPv4LabeledUnicast), kd) == nil
	})
	if bestOf(s.Routes(IPv6Unicast), kb) == nil {
		t.Error("a route gobgpd kept was withdrawn")
	}
	if st := s.PeerState(addr("127.0.0.2")); st != Established {
		t.Fatalf("session %v", st)
	}
}

// TestInteropFRRReflectsVPNv6: FRR's bgpd reflects VPNv6 routes between
// two of our PEs. One route has an IPv6 next hop, one the PE's IPv4
// loopback (sent IPv4-mapped, RFC 4659 3.2.1.1).
func TestInteropFRRReflectsVPNv6(t *testing.T) {
	f, pe1, pe2 := frrReflectorPEs(t, []string{"ipv6 vpn", "ipv6 unicast"}, []Family{IPv6Unicast, VPNv6})
	rts := PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})
	k6 := vpnKey(t, "65000:1", "2001:db8:1::/64")
	k4 := vpnKey(t, "65000:2", "2001:db8:2::/64")
	ku := RouteKey{Prefix: pfx("2001:db8:9::/48")}
	if err := pe1.Originate(VPNv6, k6, 1001, Attrs{NextHop: addr("2001:db8::1"), ExtCommunities: rts}); err != nil {
		t.Fatal(err)
	}
	if err := pe1.Originate(VPNv6, k4, 1002, Attrs{NextHop: addr("10.255.0.1"), ExtCommunities: rts}); err != nil {
		t.Fatal(err)
	}
	if err := pe1.Originate(IPv6Unicast, ku, 0, Attrs{NextHop: addr("2001:db8::1")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "pe2 to get pe1's IPv6-next-hop routes through FRR", func() bool {
		return bestOf(pe2.Routes(VPNv6), k6) != nil && bestOf(pe2.Routes(IPv6Unicast), ku) != nil
	})
	checkReflected(t, bestOf(pe2.Routes(VPNv6), k6), 1001, addr("2001:db8::1"))

	// FRR's own view.
	out, err := f.vtysh("show bgp ipv6 vpn rd all json")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FRR show bgp ipv6 vpn rd all json:\n%s", out)
	var all struct {
		Routes struct {
			RDs map[string]map[string]json.RawMessage `json:"routeDistinguishers"`
		} `json:"routes"`
	}
	if err := json.Unmarshal(out, &all); err != nil {
		t.Fatalf("FRR json: %v", err)
	}
	type frrPath struct {
		Nexthops []struct {
			IP  string `json:"ip"`
			AFI string `json:"afi"`
		} `json:"nexthops"`
	}
	var paths []frrPath
	if rd, ok := all.Routes.RDs["65000:1"]; !ok {
		t.Errorf("FRR has no RD 65000:1")
	} else if err := json.Unmarshal(rd["2001:db8:1::/64"], &paths); err != nil || len(paths) != 1 || len(paths[0].Nexthops) == 0 || paths[0].Nexthops[0].IP != "2001:db8::1" {
		t.Errorf("FRR's 65000:1:2001:db8:1::/64 (%v): %+v", err, paths)
	}
	out, _ = f.vtysh("show bgp ipv6 vpn rd 65000:1 2001:db8:1::/64 json")
	if !strings.Contains(string(out), `"remoteLabel":1001`) || !strings.Contains(string(out), "RT:65000:100") {
		t.Errorf("FRR's path detail lacks label or RT:\n%s", out)
	}

	// The IPv4-mapped next hop: FRR 8.4 takes it as an IPv6 next hop
	// (shown in JSON as ::ffff:aff:1, in text as ::ffff:10.255.0.1),
	// resolves it without zebra and reflects it unchanged; pe2 holds it
	// as the IPv4 address.
	waitFor(t, 10*time.Second, "pe2 to get the route with the IPv4-mapped next hop", func() bool { return bestOf(pe2.Routes(VPNv6), k4) != nil })
	if r := bestOf(pe2.Routes(VPNv6), k4); r.NextHop != addr("10.255.0.1") || r.Label != 1002 {
		t.Errorf("reflected route with an IPv4-mapped next hop: next hop %v label %d", r.NextHop, r.Label)
	}
	out, _ = f.vtysh("show bgp ipv6 vpn rd 65000:2 2001:db8:2::/64 json")
	if !strings.Contains(string(out), `"ip":"::ffff:aff:1"`) || !strings.Contains(string(out), `"remoteLabel":1002`) {
		t.Errorf("FRR on the route with next hop ::ffff:10.255.0.1:\n%s", out)
	}
	out, _ = f.vtysh("show bgp ipv6 vpn")
	t.Logf("FRR show bgp ipv6 vpn:\n%s", out)
	var b strings.Builder
	pe2.WriteRoutes(&b, VPNv6)
	t.Logf("pe2 show bgp ipv6 vpn:\n%s", b.String())

	pe1.Withdraw(VPNv6, k6)
	pe1.Withdraw(VPNv6, k4)
	pe1.Withdraw(IPv6Unicast, ku)
	waitFor(t, 10*time.Second, "withdraw to reach pe2", func() bool {
		return len(pe2.Routes(VPNv6)) == 0 && len(pe2.Routes(IPv6Unicast)) == 0
	})
}
