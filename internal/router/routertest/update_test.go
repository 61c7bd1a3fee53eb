package routertest_test

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/router"
)

// TestRIBUpdateRoutes: UpdateRoutes changes only the prefixes it names,
// and WatchChanges hears which prefixes' best routes changed.
func TestRIBUpdateRoutes(t *testing.T) {
	_, a, _, _ := pair(t)
	rib := a.Table()
	var heard []string
	rib.WatchChanges(func(cs []router.RouteChange) { heard = append(heard, fmt.Sprint(cs)) })
	nh := []router.Nexthop{{Addr: netip.MustParseAddr("10.0.0.1"), Iface: "eth1"}}
	p1, p2 := netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24")
	rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{{Prefix: p1, Nexthops: nh}})
	rib.UpdateRoutes(router.ProtoOSPF, "", []router.Route{{Prefix: p2, Metric: 5, Nexthops: nh}}, nil)
	if _, ok := rib.Best("", p1); !ok {
		t.Error("UpdateRoutes of another prefix removed", p1)
	}
	rib.UpdateRoutes(router.ProtoOSPF, "", nil, []netip.Prefix{p1})
	if _, ok := rib.Best("", p1); ok {
		t.Error(p1, "still there after its withdrawal")
	}
	if r, ok := rib.Best("", p2); !ok || r.Metric != 5 {
		t.Errorf("%v: %+v %v", p2, r, ok)
	}
	want := fmt.Sprint([]string{
		fmt.Sprint([]router.RouteChange{{VRF: "", Prefixes: []netip.Prefix{p1}}}),
		fmt.Sprint([]router.RouteChange{{VRF: "", Prefixes: []netip.Prefix{p2}}}),
		fmt.Sprint([]router.RouteChange{{VRF: "", Prefixes: []netip.Prefix{p1}}}),
	})
	if got := fmt.Sprint(heard); got != want {
		t.Errorf("heard %s, want %s", got, want)
	}
}

// The double says how many prefixes a call changed as the RIB manager
// does (router's TestRIBCallsSayHowManyPrefixesTheyChanged, the same
// steps but one: the double keeps one route per prefix).
func TestRIBCallsSayHowManyPrefixesTheyChanged(t *testing.T) {
	_, r, _, _ := pair(t)
	rib := r.Table()
	nh := func(a, ifc string) []router.Nexthop {
		return []router.Nexthop{{Addr: netip.MustParseAddr(a), Iface: ifc}}
	}
	a := router.Route{Prefix: netip.MustParsePrefix("10.9.0.0/24"), Nexthops: nh("10.1.0.2", "eth0")}
	b := router.Route{Prefix: netip.MustParsePrefix("10.8.0.0/24"), Nexthops: nh("10.1.0.2", "eth0")}
	b2 := b
	b2.Metric = 5
	c := router.Route{Prefix: netip.MustParsePrefix("10.7.0.0/24"), Nexthops: nh("10.2.0.2", "eth1")}
	for i, step := range []struct {
		do   func() int
		want int
	}{
		{func() int { return rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{a, b}) }, 2},
		{func() int { return rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{b, a}) }, 0},
		{func() int { return rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{a, b2}) }, 1},
		{func() int { return rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{a}) }, 1},
		{func() int { return rib.UpdateRoutes(router.ProtoOSPF, "", []router.Route{a}, []netip.Prefix{c.Prefix}) }, 0},
		{func() int { return rib.UpdateRoutes(router.ProtoOSPF, "", []router.Route{c}, []netip.Prefix{a.Prefix}) }, 2},
		{func() int { return rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{c}) }, 0}, // one route a prefix here
		{func() int { return rib.ReplaceRoutes(router.ProtoOSPF, "", nil) }, 1},
	} {
		if got := step.do(); got != step.want {
			t.Errorf("step %d: %d prefixes changed, want %d", i, got, step.want)
		}
	}
}

// TestRIBKeepsItsOwnCopyOfWhatIsOffered: as the RIB manager does, the
// double keeps copies of the routes, LSPs and FEC labels a protocol
// offers, so that a protocol reusing its lists (LDP pools them) changes
// nothing it offered before.
func TestRIBKeepsItsOwnCopyOfWhatIsOffered(t *testing.T) {
	_, a, _, _ := pair(t)
	rib := a.Table()
	fec := netip.MustParsePrefix("10.255.0.9/32")
	nh := netip.MustParseAddr("10.0.0.1")
	hops := []router.LSPNexthop{{Addr: nh, Iface: "eth1", OutLabel: 200}}
	lsps := []router.LSP{{InLabel: 100, FEC: fec, Nexthops: hops}}
	labels := []router.FECLabel{{Prefix: fec, Nexthop: nh, OutLabel: 24000}}
	rib.UpdateLSPs(router.ProtoLDP, lsps, nil)
	rib.UpdateFECLabels(router.ProtoLDP, labels, nil)
	hops[0] = router.LSPNexthop{Addr: netip.MustParseAddr("10.9.9.9"), Iface: "eth9", OutLabel: 999}
	lsps[0].InLabel, labels[0].OutLabel = 555, 999
	if got := rib.LSPs(router.ProtoLDP); len(got) != 1 || got[0].InLabel != 100 || got[0].Nexthops[0].OutLabel != 200 || got[0].Nexthops[0].Iface != "eth1" {
		t.Errorf("after the caller reused its lists the LSPs are %+v, want 100 swapped to 200 out of eth1", got)
	}
	if got := rib.FECLabels(router.ProtoLDP); len(got) != 1 || got[0].OutLabel != 24000 {
		t.Errorf("after the caller reused its list the FEC labels are %+v, want 24000", got)
	}
	lsps[0] = router.LSP{InLabel: 101, FEC: fec, Nexthops: []router.LSPNexthop{{Addr: nh, Iface: "eth1", OutLabel: 201}}}
	rib.ReplaceLSPs(router.ProtoLDP, lsps)
	lsps[0].Nexthops[0].OutLabel = 999
	if got := rib.LSPs(router.ProtoLDP); len(got) != 1 || got[0].Nexthops[0].OutLabel != 201 {
		t.Errorf("after the caller reused its list the replaced LSPs are %+v, want 101 swapped to 201", got)
	}
	p1, p2 := netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24")
	for _, offer := range []func([]router.Route){
		func(rs []router.Route) { rib.ReplaceRoutes(router.ProtoOSPF, "", rs) },
		func(rs []router.Route) { rib.UpdateRoutes(router.ProtoOSPF, "", rs, nil) },
	} {
		routes := []router.Route{{Prefix: p1, Metric: 10, Nexthops: []router.Nexthop{{Addr: nh, Iface: "eth1", Labels: []uint32{16001}}}}}
		offer(routes)
		routes[0].Prefix, routes[0].Metric = p2, 99
		routes[0].Nexthops[0].Iface, routes[0].Nexthops[0].Labels[0] = "eth9", 999
		if r, ok := rib.Route(router.ProtoOSPF, p1); !ok || r.Metric != 10 || r.Nexthops[0].Iface != "eth1" || r.Nexthops[0].Labels[0] != 16001 {
			t.Errorf("after the caller reused its list the route to %v is %+v, %v; want metric 10 out of eth1 pushing 16001", p1, r, ok)
		}
		if _, ok := rib.Route(router.ProtoOSPF, p2); ok {
			t.Errorf("the caller's later write offered %v", p2)
		}
	}
}
