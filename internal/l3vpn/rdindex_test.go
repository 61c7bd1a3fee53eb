package l3vpn

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
)

// The RD index answers as a map of sets would, through random adds and
// removes of a few RDs on a few prefixes (two of them one address apart
// in length only, which the packed key tells apart).
func TestTheRDIndexHoldsEachPrefixsRDsAsASet(t *testing.T) {
	x := newRDIndex(0)
	want := map[netip.Prefix]map[bgp.RD]bool{}
	prefixes := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("192.0.2.1/32")}
	var rds []bgp.RD
	for _, s := range []string{"65000:1", "65000:2", "10.0.0.1:7"} {
		rd, err := bgp.ParseRD(s)
		if err != nil {
			t.Fatal(err)
		}
		rds = append(rds, rd)
	}
	rng := rand.New(rand.NewPCG(4, 5))
	for i := range 2000 {
		p, rd := prefixes[rng.IntN(len(prefixes))], rds[rng.IntN(len(rds))]
		if rng.IntN(2) == 0 {
			x.add(p, rd)
			if want[p] == nil {
				want[p] = map[bgp.RD]bool{}
			}
			want[p][rd] = true
		} else {
			x.remove(p, rd)
			delete(want[p], rd)
		}
		for _, q := range prefixes {
			got := x.rds(q, nil)
			var exp []bgp.RD
			for _, rd := range rds {
				if want[q][rd] {
					exp = append(exp, rd)
				}
			}
			cmp := func(a, b bgp.RD) int { return slices.Compare(a[:], b[:]) }
			slices.SortFunc(got, cmp)
			slices.SortFunc(exp, cmp)
			if !slices.Equal(got, exp) {
				t.Fatalf("step %d: %v has %v, want %v", i, q, got, exp)
			}
		}
	}
	if len(x.one) > len(prefixes) || len(x.more) > len(prefixes) {
		t.Errorf("the index holds %d and %d entries for %d prefixes", len(x.one), len(x.more), len(prefixes))
	}
	x.add(netip.MustParsePrefix("2001:db8::/32"), rds[0])
	if got := x.rds(netip.MustParsePrefix("2001:db8::/32"), nil); got != nil {
		t.Errorf("an IPv6 prefix is indexed: %v", got)
	}
}
