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
