package router

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

// A dependency set holds each prefix once, small or large, and forgets
// an address once its last prefix goes.
func TestDepIndexAddsOnceAndForgetsEmptyAddresses(t *testing.T) {
	for _, n := range []int{3, prefixSetMax, prefixSetMax + 1, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := depIndex{}
			a := netip.MustParseAddr("10.255.0.7")
			var want []netip.Prefix
			for i := range n {
				p := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16, byte(i), 0}), 24)
				want = append(want, p)
				d.add(a, p)
				d.add(a, p) // again: no duplicate
			}
			got := d[a].appendTo(nil)
			slices.SortFunc(got, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
			if !slices.Equal(got, want) {
				t.Fatalf("set = %v, want %v", got, want)
			}
			if deps := dependents(d, []netip.Prefix{netip.MustParsePrefix("10.255.0.0/16")}); len(deps) != n {
				t.Errorf("dependents of a covering change = %d prefixes, want %d", len(deps), n)
			}
			for _, p := range want[:n-1] {
				d.remove(a, p)
			}
			if got := d[a].appendTo(nil); !slices.Equal(got, want[n-1:]) {
				t.Fatalf("after removing all but the last: %v", got)
			}
			d.remove(a, want[n-1])
			if _, ok := d[a]; ok || len(d) != 0 {
				t.Errorf("an address with no prefix left is still indexed")
			}
		})
	}
}
