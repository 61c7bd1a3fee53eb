package bgp

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInteropGobgpdEncapsulation exchanges VPN routes carrying RFC 9012
// encapsulations with gobgpd: the Tunnel Encapsulation attribute and the
// Encapsulation extended communities a compute-node PE sends reach
// gobgpd intact (its CLI names them), and the ones gobgpd's CLI attaches
// reach us.
func TestInteropGobgpdEncapsulation(t *testing.T) {
	s, err := New(Config{
		ASN: 65000, RouterID: addr("10.255.0.1"), Families: []Family{IPv4Unicast, VPNv4},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := startGobgpd(t, 65000, "10.255.0.2", "127.0.0.2", s.ListenAddr(), 65000)
	if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.2"), Port: uint16(g.bgpPort), ASN: 65000, LocalAddr: addr("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "session with gobgpd", func() bool { return s.PeerState(addr("127.0.0.2")) == Established })

	// intercloud -> gobgpd.
	a, err := Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100"),
		EncapsulationCommunity(TunnelMPLSInUDP), EncapsulationCommunity(TunnelMPLSInGRE)})}.
		WithTunnels([]Tunnel{NewTunnel(TunnelMPLSInUDP, addr("192.0.2.9"))})
	if err != nil {
		t.Fatal(err)
	}
	kv := vpnKey(t, "65000:1", "192.168.1.0/24")
	if err := s.Originate(VPNv4, kv, 1001, a); err != nil {
		t.Fatal(err)
	}
	var text string
	waitFor(t, 10*time.Second, "gobgpd to show the route with its encapsulations", func() bool {
		out, _ := g.cli("global", "rib", "-a", "vpnv4")
		text = string(out)
		return strings.Contains(text, "65000:1:192.168.1.0/24")
	})
	// gobgp names the communities ("[MPLS in UDP]") and prints the
	// attribute's TLVs ("{TunnelEncap: {mpls-in-udp: {EgressEndpoint:
	// 192.0.2.9}}}").
	for _, want := range []string{"[65000:100]", "[MPLS in UDP]", "[MPLS in GRE]", "{TunnelEncap: {mpls-in-udp: {EgressEndpoint: 192.0.2.9}}}"} {
		if !strings.Contains(text, want) {
			t.Errorf("gobgpd's VPNv4 RIB lacks %q:\n%s", want, text)
		}
	}

	// gobgpd -> intercloud: its CLI's "encap" extended community.
	if _, err := g.cli("global", "rib", "-a", "vpnv4", "add", "172.16.5.0/24", "label", "2002", "rd", "65000:2", "rt", "65000:200",
		"encap", "mpls-in-gre", "nexthop", "127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	kvb := vpnKey(t, "65000:2", "172.16.5.0/24")
	waitFor(t, 10*time.Second, "gobgpd's route", func() bool { return bestOf(s.Routes(VPNv4), kvb) != nil })
	r := bestOf(s.Routes(VPNv4), kvb)
	if ts := r.Attrs.Tunnels(); len(ts) != 1 || ts[0].Type != TunnelMPLSInGRE {
		t.Errorf("gobgpd's route offers tunnels %v, want mpls-in-gre", ts)
	}
}

// TestInteropFRRReflectsEncapsulation has FRR's bgpd reflect a VPN route
// carrying the Encapsulation extended communities and a Tunnel
// Encapsulation attribute from pe1 to pe2: FRR decodes the communities
// (it prints them "ET:13", "ET:11"), and pe2 gets the same communities
// (FRR sorts them: a set) and the attribute byte for byte.
func TestInteropFRRReflectsEncapsulation(t *testing.T) {
	f, pe1, pe2 := frrReflectorPEs(t, []string{"ipv4 vpn"}, []Family{VPNv4})
	a, err := Attrs{NextHop: addr("10.255.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100"),
		EncapsulationCommunity(TunnelMPLSInUDP), EncapsulationCommunity(TunnelMPLSInGRE)})}.
		WithTunnels([]Tunnel{NewTunnel(TunnelMPLSInUDP, addr("10.255.0.1"))})
	if err != nil {
		t.Fatal(err)
	}
	kv := vpnKey(t, "65000:1", "192.168.1.0/24")
	if err := pe1.Originate(VPNv4, kv, 1001, a); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "pe2 to get pe1's route through FRR", func() bool { return bestOf(pe2.Routes(VPNv4), kv) != nil })
	got := bestOf(pe2.Routes(VPNv4), kv).Attrs
	sorted := func(ecs []ExtCommunity) []ExtCommunity {
		slices.SortFunc(ecs, func(x, y ExtCommunity) int { return bytes.Compare(x[:], y[:]) })
		return ecs
	}
	if g, w := sorted(got.ExtCommunityList()), sorted(a.ExtCommunityList()); !slices.Equal(g, w) {
		t.Errorf("communities came back as %v, want %v", g, w)
	}
	if got.TunnelEncap != a.TunnelEncap {
		t.Errorf("Tunnel Encapsulation attribute came back as % x, want % x", got.TunnelEncap, a.TunnelEncap)
	}
	out, err := f.vtysh("show bgp ipv4 vpn rd all 192.168.1.0/24")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "ET:13") || !strings.Contains(string(out), "ET:11") {
		t.Errorf("FRR does not show the encapsulations:\n%s", out)
	}
	t.Logf("FRR's view:\n%s\npe2's tunnels: %v (attribute %d octets)", out, got.Tunnels(), len(got.TunnelEncap))
}
