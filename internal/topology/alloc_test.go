package topology

import (
	"fmt"
	"math/rand"
	"testing"
)

// probeAllocator is the definition the allocator must keep to: from the
// preferred slot, probe one slot at a time for the first free one. Every
// address ever allocated (and every golden file) follows this rule, so
// the fast allocator must give exactly the same slots.
type probeAllocator struct {
	size uint64
	used map[uint64]bool
}

func (p *probeAllocator) take(start uint64) (uint64, bool) {
	for i := uint64(0); i < p.size; i++ {
		s := (start + i) % p.size
		if !p.used[s] {
			p.used[s] = true
			return s, true
		}
	}
	return 0, false
}

// TestSlotsAreThoseOfProbingOneByOne replays random mixes of pins and
// allocations, in small pools that fill and wrap, against probing.
func TestSlotsAreThoseOfProbingOneByOne(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 300; round++ {
		size := uint64(1 + rng.Intn(200))
		blocks := uint64(rng.Intn(9))
		fast := newSlotAllocator(size, blocks)
		slow := &probeAllocator{size: size, used: map[uint64]bool{}}
		for op := 0; op < int(size)+20; op++ {
			if rng.Intn(5) == 0 {
				s := uint64(rng.Intn(int(size)))
				if got, want := fast.reserve(s), !slow.used[s]; got != want {
					t.Fatalf("round %d: reserve(%d) = %v, want %v", round, s, got, want)
				}
				slow.used[s] = true
				continue
			}
			key := fmt.Sprintf("node%d", rng.Intn(1000))
			block, n := rng.Intn(int(blocks)+1)-1, rng.Intn(60)-1
			got, gotOK := fast.take(key, block, n)
			want, wantOK := slow.take(fast.preferred(key, block, n))
			if got != want || gotOK != wantOK {
				t.Fatalf("round %d op %d (size %d): take(%s) = %d %v, probing gives %d %v", round, op, size, key, got, gotOK, want, wantOK)
			}
		}
	}
}

// TestFullBlockOverflowsIntoTheNextSlots: once the P block is full, more P
// routers take the first free slots after it, as probing always did.
func TestFullBlockOverflowsIntoTheNextSlots(t *testing.T) {
	a := newSlotAllocator(64, 8) // blocks of 8 slots
	for i := 1; i < 8; i++ {
		if s, _ := a.take(fmt.Sprintf("p%d", i), 0, i); s != uint64(i) {
			t.Fatalf("p%d got slot %d, want its natural slot %d", i, s, i)
		}
	}
	a.reserve(0)
	a.reserve(9) // a pinned router in the next block
	var got []uint64
	for i := 8; i < 12; i++ {
		s, _ := a.take(fmt.Sprintf("p%d", i), 0, i)
		got = append(got, s)
	}
	if want := []uint64{8, 10, 11, 12}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("overflowing P routers got %v, want %v", got, want)
	}
}
