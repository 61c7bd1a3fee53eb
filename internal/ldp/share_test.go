package ldp

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/router"
)

// TestEqualNexthopListsAreKeptOnce: the RIB hands each FEC's nexthops as
// a copy of its own; LDP keeps one of each equal list, so a core router's
// hundreds of FECs through the same neighbour cost one list, not hundreds.
func TestEqualNexthopListsAreKeptOnce(t *testing.T) {
	list := func(nb string, backup string) []router.Nexthop {
		nh := router.Nexthop{Addr: netip.MustParseAddr(nb), Iface: "eth0"}
		if backup != "" {
			nh.Backup = &router.Nexthop{Addr: netip.MustParseAddr(backup), Iface: "eth1"}
		}
		return []router.Nexthop{nh}
	}
	in := &Instance{}
	a := in.shareNexthops(list("10.0.0.1", "10.0.1.1"))
	if b := in.shareNexthops(list("10.0.0.1", "10.0.1.1")); &b[0] != &a[0] {
		t.Error("an equal list is kept twice")
	}
	if c := in.shareNexthops(list("10.0.0.1", "10.0.1.2")); &c[0] == &a[0] {
		t.Error("a list with another backup was taken for the first")
	}
	for i := range maxShared {
		in.shareNexthops(list(fmt.Sprintf("10.0.2.%d", i), ""))
	}
	if len(in.shared) != maxShared {
		t.Errorf("%d lists remembered, want at most %d", len(in.shared), maxShared)
	}
	if d := in.shareNexthops(list("10.0.0.1", "10.0.1.1")); &d[0] == &a[0] {
		t.Error("the oldest list is still remembered after maxShared others")
	}
}
