package neutron

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestCopyOnWriteContainersKeepEveryVersion runs random writes through a
// chain of writes (each beginning from the last committed version) and
// checks that every committed version still reads exactly as it did when
// it was committed, and as a plain map and sorted slice would: a write
// never changes what readers of an earlier state see, and a write that
// is dropped leaves nothing behind.
func TestCopyOnWriteContainersKeepEveryVersion(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	type version struct {
		m     cowMap[string, int]
		l     *seqList
		wantM map[string]int
		wantL []int64
	}
	var m cowMap[string, int]
	var l *seqList
	wantM, wantL := map[string]int{}, []int64(nil)
	var versions []version
	for round := range 150 {
		o := &txn{}
		wm, wl := m, l.own(o)
		nm, nl := maps.Clone(wantM), slices.Clone(wantL)
		for range 1 + rng.IntN(40) {
			k := fmt.Sprint(rng.IntN(1000))
			switch rng.IntN(3) {
			case 0, 1:
				wm.set(o, k, round)
				nm[k] = round
			case 2:
				wm.del(o, k)
				delete(nm, k)
			}
			seq := int64(rng.IntN(3000))
			if i, found := slices.BinarySearch(nl, seq); found && rng.IntN(2) == 0 {
				wl.drop(o, seq)
				nl = slices.Delete(nl, i, i+1)
			} else if !found {
				wl.put(o, seq, fmt.Sprint(seq))
				nl = slices.Insert(nl, i, seq)
			}
		}
		if rng.IntN(5) == 0 {
			continue // a refused write: dropped
		}
		m, l, wantM, wantL = wm, wl, nm, nl
		versions = append(versions, version{m, l, nm, nl})
	}
	for i, v := range versions {
		if v.m.len() != len(v.wantM) {
			t.Fatalf("version %d: map has %d keys, want %d", i, v.m.len(), len(v.wantM))
		}
		for k, want := range v.wantM {
			if got, ok := v.m.get(k); !ok || got != want {
				t.Fatalf("version %d: map[%s] = %d, %v; want %d", i, k, got, ok, want)
			}
		}
		var seqs []int64
		v.l.each(func(id string) bool {
			var s int64
			fmt.Sscan(id, &s)
			seqs = append(seqs, s)
			return true
		})
		if !slices.Equal(seqs, v.wantL) || v.l.len() != len(v.wantL) {
			t.Fatalf("version %d: list %v (len %d), want %v", i, seqs, v.l.len(), v.wantL)
		}
	}
}
