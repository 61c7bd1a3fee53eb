package l3vpn

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

func TestChooseTunnelFollowsTheAdvertiser(t *testing.T) {
	nh := netip.MustParseAddr("10.9.0.5")
	ecs := func(ts ...bgp.TunnelType) string {
		var out []bgp.ExtCommunity
		for _, tt := range ts {
			out = append(out, bgp.EncapsulationCommunity(tt))
		}
		return bgp.PackExtCommunities(out)
	}
	attr := func(tunnels ...bgp.Tunnel) string {
		a, err := bgp.Attrs{}.WithTunnels(tunnels)
		if err != nil {
			t.Fatal(err)
		}
		return a.TunnelEncap
	}
	other := netip.MustParseAddr("10.9.0.6")
	for _, tc := range []struct {
		name  string
		attrs bgp.Attrs
		ok    bool
		encap router.Encap
		end   netip.Addr
	}{
		{"none: the LSP", bgp.Attrs{}, false, 0, netip.Addr{}},
		{"plain mpls (bagpipe's dummy driver): the LSP", bgp.Attrs{ExtCommunities: ecs(bgp.TunnelMPLS)}, false, 0, netip.Addr{}},
		{"vxlan carries no labels", bgp.Attrs{ExtCommunities: ecs(bgp.TunnelVXLAN)}, false, 0, netip.Addr{}},
		{"both communities (bagpipe-style compute): udp", bgp.Attrs{ExtCommunities: ecs(bgp.TunnelMPLSInGRE, bgp.TunnelMPLSInUDP)}, true, router.EncapMPLSInUDP, nh},
		{"gre alone", bgp.Attrs{ExtCommunities: ecs(bgp.TunnelMPLSInGRE)}, true, router.EncapMPLSInGRE, nh},
		{"gre type 2 (bagpipe's OVS driver)", bgp.Attrs{ExtCommunities: ecs(bgp.TunnelGRE)}, true, router.EncapMPLSInGRE, nh},
		{"attribute order wins over communities", bgp.Attrs{ExtCommunities: ecs(bgp.TunnelMPLSInUDP),
			TunnelEncap: attr(bgp.NewTunnel(bgp.TunnelVXLAN, other), bgp.NewTunnel(bgp.TunnelMPLSInGRE, other))}, true, router.EncapMPLSInGRE, other},
		{"attribute without endpoint ends at the next hop", bgp.Attrs{TunnelEncap: attr(bgp.NewTunnel(bgp.TunnelMPLSInUDP, netip.Addr{}))}, true, router.EncapMPLSInUDP, nh},
		{"unusable TLV skipped", bgp.Attrs{TunnelEncap: attr(bgp.NewTunnel(bgp.TunnelMPLSInUDP, netip.IPv4Unspecified()), bgp.NewTunnel(bgp.TunnelMPLSInGRE, other))}, true, router.EncapMPLSInGRE, other},
	} {
		r := &bgp.Route{NextHop: nh, Label: 30005, Attrs: tc.attrs}
		e, end, ok := ChooseTunnel(r)
		if ok != tc.ok || ok && (e != tc.encap || end != tc.end) {
			t.Errorf("%s: ChooseTunnel = %v %v %v, want %v %v %v", tc.name, e, end, ok, tc.encap, tc.end, tc.ok)
			continue
		}
		got := vpnNexthop(r)
		if !ok && (got.Tunnel != nil || got.Addr != nh) || ok && (got.Tunnel == nil || !got.Tunnel.UnlessLSP || got.Addr != tc.end || got.Labels[0] != 30005) {
			t.Errorf("%s: nexthop %+v", tc.name, got)
		}
	}
}

func TestExportCommunitiesAddTheNodesEncapsulations(t *testing.T) {
	n := &Node{encaps: encapCommunities([]bgp.TunnelType{bgp.TunnelMPLSInUDP, bgp.TunnelMPLSInGRE, bgp.TunnelMPLSInUDP})}
	rt, _ := bgp.ParseRouteTarget("65000:1")
	v := &vrf{exports: []bgp.ExtCommunity{rt}}
	got := n.exportCommunities(v)
	want := []bgp.ExtCommunity{rt, bgp.EncapsulationCommunity(bgp.TunnelMPLSInUDP), bgp.EncapsulationCommunity(bgp.TunnelMPLSInGRE)}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%v, want %v", got, want)
		}
	}
	if len(v.exports) != 1 {
		t.Fatal("the VRF's own list was changed")
	}
	if ts := n.Encapsulations(); len(ts) != 2 || ts[0] != bgp.TunnelMPLSInUDP {
		t.Fatalf("Encapsulations %v", ts)
	}
}
