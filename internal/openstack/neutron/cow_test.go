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

// TestCopyOnWriteMapKeysWithEqualHashes drives keys whose hashes agree
// in every bit, or in all but their last bits, through sets, deletes and
// copies: the trie keeps them apart in its deepest nodes and every
// version still reads as a plain map.
func TestCopyOnWriteMapKeysWithEqualHashes(t *testing.T) {
	hashOf := func(k int) uint64 {
		switch k % 3 {
		case 0:
			return 0xdeadbeefcafef00d // all the same
		case 1:
			return 0x0123456789abcdef ^ uint64(k%4)<<60 // differ in the last level's bits only
		}
		return uint64(k) * 0x9e3779b97f4a7c15 // spread
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var m cowMap[int, int]
	want := map[int]int{}
	type version struct {
		m    cowMap[int, int]
		want map[int]int
	}
	var versions []version
	for round := range 200 {
		o := &txn{}
		w, nw := m, maps.Clone(want)
		for range 1 + rng.IntN(20) {
			k := rng.IntN(60)
			if rng.IntN(3) == 0 {
				w.delHashed(o, hashOf(k), k)
				delete(nw, k)
			} else {
				w.setHashed(o, hashOf(k), k, round)
				nw[k] = round
			}
		}
		m, want = w, nw
		versions = append(versions, version{m, nw})
	}
	for i, v := range versions {
		if v.m.len() != len(v.want) {
			t.Fatalf("version %d: %d keys, want %d", i, v.m.len(), len(v.want))
		}
		for k := range 60 {
			got, ok := v.m.getHashed(hashOf(k), k)
			if w, wok := v.want[k]; ok != wok || got != w {
				t.Fatalf("version %d: key %d = %d, %v; want %d, %v", i, k, got, ok, w, wok)
			}
		}
		seen := map[int]int{}
		v.m.each(func(k, val int) bool { seen[k] = val; return true })
		if !maps.Equal(seen, v.want) {
			t.Fatalf("version %d: each gave %v, want %v", i, seen, v.want)
		}
	}
}

// TestCopyOnWriteMapWriteCopiesAPath checks what makes a write's cost
// independent of the region's size: setting one key of a committed map
// of 100,000 keys copies only the few nodes on that key's path, and
// deleting every key leaves the map empty.
func TestCopyOnWriteMapWriteCopiesAPath(t *testing.T) {
	var m cowMap[string, int]
	o := &txn{}
	for i := range 100000 {
		m.set(o, fmt.Sprint("port", i), i)
	}
	w := &txn{}
	c := m
	c.set(w, "new port", 1)
	c.set(w, "port17", -17)
	copied, total := 0, 0
	var walk func(n *cowNode[string, int])
	walk = func(n *cowNode[string, int]) {
		total++
		if n.owner == w {
			copied++
		}
		for _, ch := range n.children {
			walk(ch)
		}
	}
	walk(c.root)
	if copied > 12 { // two paths of at most 6 levels for 100k keys
		t.Errorf("two sets copied %d of %d nodes, want a path's worth each", copied, total)
	}
	if v, _ := m.get("port17"); v != 17 {
		t.Errorf("committed map's port17 = %d after a later write, want 17", v)
	}
	if v, _ := c.get("port17"); v != -17 || c.len() != 100001 || m.len() != 100000 {
		t.Errorf("written copy: port17 = %d, len %d (committed %d); want -17, 100001 (100000)", v, c.len(), m.len())
	}
	d := &txn{}
	for i := range 100000 {
		c.del(d, fmt.Sprint("port", i))
	}
	c.del(d, "new port")
	if c.len() != 0 || c.root != nil {
		t.Errorf("after deleting every key: len %d, root %v; want an empty map", c.len(), c.root)
	}
	if m.len() != 100000 {
		t.Errorf("committed map has %d keys after a later write deleted them all, want 100000", m.len())
	}
}

// BenchmarkCowMapWrite measures one write's cost to a committed map of
// 1k, 10k, 50k and 100k keys, as a port create changes the region's id
// map: a new write adds a key and changes an existing one, and commits.
// Flat across sizes is the goal: a write pays for what it changes.
func BenchmarkCowMapWrite(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000, 100000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			var m cowMap[string, int]
			o := &txn{}
			for i := range n {
				m.set(o, fmt.Sprint("id", i), i)
			}
			keys := make([]string, b.N)
			for i := range keys {
				keys[i] = fmt.Sprint("new", i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w := &txn{}
				c := m
				c.set(w, keys[i], i)
				c.set(w, fmt.Sprint("id", (i*7919)%n), i)
				m = c
			}
		})
	}
}
