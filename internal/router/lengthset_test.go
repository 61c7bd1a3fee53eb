package router

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// TestLongestMatchTriesOnlyHeldLengthsAndFindsWhatAFullScanFinds: after
// any mix of entries added and removed, a longest match through the
// table's length set finds what trying all 33 lengths finds.
func TestLongestMatchTriesOnlyHeldLengthsAndFindsWhatAFullScanFinds(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tbl := &vrfTable{}
	tbl.reset()
	held := map[netip.Prefix]bool{}
	addr := func() netip.Addr {
		// Few distinct high bytes, so that prefixes nest.
		return netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(4)), byte(rng.IntN(8))})
	}
	full := func(a netip.Addr) *candidate {
		for bits := 32; bits >= 0; bits-- {
			p, _ := a.Prefix(bits)
			if c := tbl.bestOf(p); c != nil {
				return c
			}
		}
		return nil
	}
	for step := range 5000 {
		p, _ := addr().Prefix([]int{0, 8, 16, 22, 24, 30, 31, 32}[rng.IntN(8)])
		if held[p] && rng.IntN(2) == 0 {
			tbl.delEntry(p)
			delete(held, p)
		} else if !held[p] {
			tbl.setEntry(p, &prefixEntry{best: &candidate{route: &Route{Prefix: p}}})
			held[p] = true
		}
		for range 4 {
			a := addr()
			if got, want := lpm(sel{t: tbl}, a, netip.Prefix{}), full(a); got != want {
				t.Fatalf("step %d: longest match of %v found %v, a full scan %v", step, a, route(got), route(want))
			}
		}
	}
	for p := range held {
		tbl.delEntry(p)
	}
	if tbl.lens.mask != 0 {
		t.Errorf("lengths left in an empty table: %b", tbl.lens.mask)
	}
}

func route(c *candidate) any {
	if c == nil {
		return nil
	}
	return c.route.Prefix
}
