package l3vpn

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// An ASBR switches a route's label toward its next hop in the tunnel the
// route offers (a vRouter's MPLS-in-UDP, or a Tunnel Encapsulation
// attribute's endpoint), unless an LSP reaches it; a route offering no
// tunnel is switched as before.
func TestAnASBRSwapsIntoTheTunnelTheRoutesEgressOffers(t *testing.T) {
	nh := a("10.0.77.51")
	withECs := func(ts ...bgp.TunnelType) *bgp.Route {
		var ecs []bgp.ExtCommunity
		for _, tt := range ts {
			ecs = append(ecs, bgp.EncapsulationCommunity(tt))
		}
		return &bgp.Route{Family: bgp.VPNv4, NextHop: nh, Label: 24001, Attrs: bgp.Attrs{NextHop: nh, ExtCommunities: bgp.PackExtCommunities(ecs)}}
	}
	attr, err := bgp.Attrs{NextHop: nh}.WithTunnels([]bgp.Tunnel{bgp.NewTunnel(bgp.TunnelMPLSInGRE, a("192.0.2.7"))})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		r    *bgp.Route
		want router.LSPNexthop
	}{
		{"udp and gre offered", withECs(bgp.TunnelMPLSInGRE, bgp.TunnelMPLSInUDP),
			router.LSPNexthop{Addr: nh, OutLabel: 24001, Tunnel: &router.Tunnel{Encap: router.EncapMPLSInUDP, UnlessLSP: true}}},
		{"an attribute's endpoint", &bgp.Route{Family: bgp.VPNv4, NextHop: nh, Label: 24001, Attrs: attr},
			router.LSPNexthop{Addr: a("192.0.2.7"), OutLabel: 24001, Tunnel: &router.Tunnel{Encap: router.EncapMPLSInGRE, UnlessLSP: true}}},
		{"no tunnel", withECs(), router.LSPNexthop{Addr: nh, OutLabel: 24001}},
	} {
		a := c.r.Attrs
		a.NextHop = c.r.NextHop // as a speaker's routes have it
		got := asbrNexthop(c.r.Label, &a)
		if got.Addr != c.want.Addr || got.OutLabel != c.want.OutLabel || (got.Tunnel == nil) != (c.want.Tunnel == nil) ||
			got.Tunnel != nil && *got.Tunnel != *c.want.Tunnel {
			t.Errorf("%s: %+v (tunnel %+v), want %+v (tunnel %+v)", c.name, got, got.Tunnel, c.want, c.want.Tunnel)
		}
	}
}

// RT constraint: a PE asks for what its VRFs import, and so does an
// ASBR; what the ASBR's option B peers import reaches its reflector as
// their own membership, passed on (bgp's TestRTCMembershipCrossesAnASBR).
func TestAnASBRAsksForWhatItsVRFsImport(t *testing.T) {
	for _, asbr := range []bool{false, true} {
		g := newVPNRig(t, false)
		lo := a("10.255.0.9")
		r := g.net.AddRouter("pe9", netip.PrefixFrom(lo, 32))
		n, err := New(Config{Env: r, Mode: Provider, ASBR: asbr,
			Speaker: bgp.Config{ASN: 65000, RouterID: lo, Families: []bgp.Family{bgp.VPNv4}, Transport: g.core, ListenAddr: netip.AddrPortFrom(lo, 179), Clock: g.net.Clock}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(n.Close)
		rd, _ := bgp.ParseRD("10.255.0.9:1")
		if err := n.AddVRF(VRFConfig{Name: "red", RD: rd, Import: []bgp.ExtCommunity{rt1}, Export: []bgp.ExtCommunity{rt1},
			Speaker: bgp.Config{ASN: 65000, RouterID: lo, Transport: g.site1, Clock: g.net.Clock}}); err != nil {
			t.Fatal(err)
		}
		r.Do(n.Start)
		got := n.Speaker().ImportRTs()
		if len(got) != 1 || got[0] != rt1 {
			t.Errorf("ASBR %v: asks RT constraint for %v", asbr, got)
		}
	}
}
