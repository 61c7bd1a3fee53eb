package l3vpn

import (
	"net/netip"
	"slices"
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
		a := r.Attrs
		a.NextHop = r.NextHop // as a speaker's routes have it
		got := (&Node{}).vpnNexthop([]uint32{r.Label}, &a)
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

// A compute node configured with MPLS-in-UDP and MPLS-in-GRE exports its
// VMs' routes with both Encapsulation communities; pe2, which has no LSP
// to it, imports them with an MPLS-in-UDP tunnel nexthop to the compute's
// underlay address under the compute's VPN label, and the compute imports
// pe2's routes (offering nothing) over plain next hops.
func TestComputeEncapsulationsReachThePEAsATunnelNexthop(t *testing.T) {
	g := newVPNRig(t, false)
	under := a("10.0.9.1")
	r := g.net.AddRouter("cn1", netip.MustParsePrefix("10.255.160.1/32"))
	static(r, "", "0.0.0.0/0")
	static(g.r["pe2"], "", "10.0.9.0/31")
	g.r["cn1"] = r
	cn, err := New(Config{Env: r, Mode: Provider, NextHop: under, OnDemandVRFs: true,
		Encapsulations: []bgp.TunnelType{bgp.TunnelMPLSInUDP, bgp.TunnelMPLSInGRE},
		Speaker: bgp.Config{ASN: 65000, RouterID: r.RouterID(), Families: []bgp.Family{bgp.VPNv4},
			Transport: g.core, ListenAddr: netip.AddrPortFrom(under, 179), Clock: g.net.Clock}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cn.Close)
	r.Do(cn.Start)
	if err := cn.Speaker().AddPeer(bgp.PeerConfig{Addr: lo2, ASN: 65000, LocalAddr: under}); err != nil {
		t.Fatal(err)
	}
	if err := g.pe2.Speaker().AddPeer(bgp.PeerConfig{Addr: under, ASN: 65000, LocalAddr: lo2, RRClient: true}); err != nil {
		t.Fatal(err)
	}
	vm := netip.MustParsePrefix("100.67.0.5/32")
	attach(g, cn, "bgpvpn-1", "10.0.9.1:1", rt1, Attached{Prefix: vm})
	label := cn.VPNLabel("bgpvpn-1")
	want := router.Nexthop{Addr: under, Labels: []uint32{label}, Tunnel: &router.Tunnel{Encap: router.EncapMPLSInUDP, UnlessLSP: true, Src: netip.Addr{}}}
	g.until("pe2 imports the VM's /32 with a tunnel nexthop", func() bool {
		rt, ok := route(g.r["pe2"], router.ProtoIBGP, "red", vm)
		return ok && len(rt.Nexthops) == 1 && rt.Nexthops[0].Tunnel != nil
	})
	rt, _ := route(g.r["pe2"], router.ProtoIBGP, "red", vm)
	if got := rt.Nexthops[0]; got.Addr != want.Addr || !slices.Equal(got.Labels, want.Labels) || *got.Tunnel != *want.Tunnel {
		t.Errorf("pe2's nexthop for the VM %+v (tunnel %+v), want %+v (tunnel %+v)", got, got.Tunnel, want, want.Tunnel)
	}
	var vpn *bgp.Route
	for _, br := range g.pe2.Speaker().Routes(bgp.VPNv4) {
		if br.Key.Prefix == vm {
			vpn = &br
		}
	}
	if vpn == nil || len(vpn.Attrs.Tunnels()) != 2 {
		t.Fatalf("pe2's VPN route for the VM %+v, want two encapsulations", vpn)
	}
	g.until("the compute imports ce1's route", func() bool { _, ok := route(g.r["cn1"], router.ProtoIBGP, "bgpvpn-1", pfx1); return ok })
	back, _ := route(g.r["cn1"], router.ProtoIBGP, "bgpvpn-1", pfx1)
	if back.Nexthops[0].Tunnel != nil {
		t.Errorf("pe1 offers no tunnel, yet the compute's nexthop has one: %+v", back.Nexthops[0].Tunnel)
	}
	if got := cn.Encapsulations(); len(got) != 2 {
		t.Errorf("Encapsulations() = %v", got)
	}
}
