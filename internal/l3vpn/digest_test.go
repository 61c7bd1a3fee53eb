package l3vpn

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/router"
)

func TestTheDigestOfInstalledRoutesChangesWithAnyFieldTheRIBCompares(t *testing.T) {
	base := func() []router.Route {
		return []router.Route{{
			Prefix: netip.MustParsePrefix("10.0.0.0/24"), Metric: 10, Info: "vpn 65000:1",
			Nexthops: []router.Nexthop{{Addr: netip.MustParseAddr("192.0.2.1"), Iface: "eth0", Labels: []uint32{16, 24001},
				Tunnel: &router.Tunnel{Encap: router.EncapMPLSInUDP, Src: netip.MustParseAddr("192.0.2.9"), UnlessLSP: true}}},
		}}
	}
	if digestRoutes(nil) != (routesDigest{}) || digestRoutes([]router.Route{}) != (routesDigest{}) {
		t.Errorf("no routes digest to %+v, want the zero value (nothing installed)", digestRoutes(nil))
	}
	want := digestRoutes(base())
	if got := digestRoutes(base()); got != want {
		t.Errorf("equal routes digest to %+v and %+v", got, want)
	}
	for name, change := range map[string]func(r *router.Route){
		"prefix":        func(r *router.Route) { r.Prefix = netip.MustParsePrefix("10.0.0.0/25") },
		"metric":        func(r *router.Route) { r.Metric++ },
		"info":          func(r *router.Route) { r.Info += "x" },
		"next hop":      func(r *router.Route) { r.Nexthops[0].Addr = netip.MustParseAddr("192.0.2.2") },
		"mapped hop":    func(r *router.Route) { r.Nexthops[0].Addr = netip.MustParseAddr("::ffff:192.0.2.1") },
		"interface":     func(r *router.Route) { r.Nexthops[0].Iface = "eth1" },
		"labels":        func(r *router.Route) { r.Nexthops[0].Labels = []uint32{16} },
		"label value":   func(r *router.Route) { r.Nexthops[0].Labels[1] = 24002 },
		"no tunnel":     func(r *router.Route) { r.Nexthops[0].Tunnel = nil },
		"encap":         func(r *router.Route) { r.Nexthops[0].Tunnel.Encap = router.EncapMPLSInGRE },
		"tunnel source": func(r *router.Route) { r.Nexthops[0].Tunnel.Src = netip.Addr{} },
		"unless LSP":    func(r *router.Route) { r.Nexthops[0].Tunnel.UnlessLSP = false },
		"two next hops": func(r *router.Route) { r.Nexthops = append(r.Nexthops, router.Nexthop{}) },
	} {
		rs := base()
		change(&rs[0])
		if got := digestRoutes(rs); got == want {
			t.Errorf("a changed %s leaves the digest %+v", name, got)
		}
	}
	two := append(base(), base()...)
	two[1].Prefix = netip.MustParsePrefix("10.0.1.0/24")
	swapped := []router.Route{two[1], two[0]}
	if digestRoutes(two) != digestRoutes(swapped) {
		t.Error("two routes digest differently in the other order; a set is a set")
	}
	if digestRoutes(two) == digestRoutes(two[:1]) {
		t.Error("one route more leaves the digest")
	}
}
