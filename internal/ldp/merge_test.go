package ldp

import (
	"cmp"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// TestMergeFECsKeepsTheTableSorted: new FECs merged into the table in one
// pass leave it sorted, with every FEC of both.
func TestMergeFECsKeepsTheTableSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		seen := map[fecKey]bool{}
		var fecs, add []fec
		for range n % 23 {
			k := keyOf(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 255, byte(rng.IntN(4)), byte(rng.IntN(256))}), 32))
			if seen[k] {
				continue
			}
			seen[k] = true
			if rng.IntN(2) == 0 {
				fecs = append(fecs, fec{key: k, prefix: k.prefix()})
			} else {
				add = append(add, fec{key: k, prefix: k.prefix()})
			}
		}
		byKey := func(a, b fec) int { return cmp.Compare(a.key, b.key) }
		slices.SortFunc(fecs, byKey)
		slices.SortFunc(add, byKey)
		want := slices.SortedFunc(slices.Values(append(slices.Clone(fecs), add...)), byKey)
		got := mergeFECs(fecs, add)
		if !slices.EqualFunc(got, want, func(a, b fec) bool { return a.key == b.key && a.prefix == b.prefix }) {
			t.Fatalf("merge of %v and %v: %v, want %v", fecs, add, got, want)
		}
	}
}
