package topology

import (
	"hash/fnv"
	"regexp"
	"strconv"
)

// slotAllocator hands out numbered slots of a pool so that the result for
// one item depends on that item alone, as far as collisions allow: an item
// first tries its "natural" slot (role block + the number its name ends
// with, so pe2 gets the second address of the PE block) or else a slot
// hashed from its name, and takes the first free slot from there on
// (wrapping at the end of the pool). Adding an item therefore does not
// renumber the others, unlike allocating in file order.
//
// Finding that first free slot by probing one slot at a time is quadratic
// once a role's block is full (a 100,000-router chain took minutes), so
// every taken slot remembers a later slot up to which all slots are taken
// too: runs of taken slots are skipped, and the runs walked are shortened
// for the next search (path compression, as in union-find). The slot found
// is exactly the one probing would find.
type slotAllocator struct {
	size   uint64 // number of slots
	blocks uint64 // role blocks the pool is split into for natural slots
	// skip holds the taken slots; skip[s] is a slot such that every slot
	// from s up to it (cyclically, itself excluded) is taken.
	skip map[uint64]uint64
}

func newSlotAllocator(size uint64, blocks uint64) *slotAllocator {
	return &slotAllocator{size: size, blocks: blocks, skip: map[uint64]uint64{}}
}

// reserve marks a pinned slot as taken; it reports false when it already was.
func (a *slotAllocator) reserve(slot uint64) bool {
	if _, taken := a.skip[slot]; taken {
		return false
	}
	a.mark(slot)
	return true
}

func (a *slotAllocator) mark(slot uint64) {
	next := slot + 1
	if next >= a.size {
		next = 0
	}
	a.skip[slot] = next
}

func (a *slotAllocator) full() bool { return uint64(len(a.skip)) >= a.size }

// take allocates a slot for key; block is the role block (or -1 for none)
// and n the number the name ends with (or -1).
func (a *slotAllocator) take(key string, block int, n int) (uint64, bool) {
	if a.full() {
		return 0, false
	}
	start := a.preferred(key, block, n)
	free := a.firstFree(start)
	a.mark(free)
	return free, true
}

// firstFree is the first slot not taken from start on, wrapping; the pool
// must not be full.
func (a *slotAllocator) firstFree(start uint64) uint64 {
	s := start
	for {
		next, taken := a.skip[s]
		if !taken {
			break
		}
		s = next
	}
	// Point every slot walked straight at the free one.
	for t := start; t != s; {
		next := a.skip[t]
		a.skip[t] = s
		t = next
	}
	return s
}

// preferred is the natural slot, or a hashed slot inside the role's block
// (so a node's role can still be read off its address), or, for items
// without a role block, a hashed slot anywhere in the pool.
func (a *slotAllocator) preferred(key string, block int, n int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	if block >= 0 && a.blocks > 0 && a.size/a.blocks > 1 {
		bsize := a.size / a.blocks
		if n > 0 && uint64(n) < bsize {
			return uint64(block)*bsize + uint64(n)
		}
		return uint64(block)*bsize + 1 + h.Sum64()%(bsize-1)
	}
	return h.Sum64() % a.size
}

var trailingNumber = regexp.MustCompile(`(\d+)$`)

// nameNumber is the number a name ends with ("pe12" -> 12), or -1.
func nameNumber(name string) int {
	m := trailingNumber.FindString(name)
	if m == "" || len(m) > 9 {
		return -1
	}
	n, _ := strconv.Atoi(m)
	return n
}

// roleBlock orders the blocks of the loopback pool and the SRGB so that a
// node's role can be read off its address: p, pe, rr, ce, cloud, compute, host.
func roleBlock(r Role) int {
	switch r {
	case RoleP:
		return 0
	case RolePE:
		return 1
	case RoleRR:
		return 2
	case RoleCE:
		return 3
	case RoleCloud:
		return 4
	case RoleCompute, RoleControl:
		return 5
	case RoleHost:
		return 6
	}
	return 7
}

const roleBlocks = 8
