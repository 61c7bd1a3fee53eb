package router

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"
)

// fwdState is what the data path reads: one immutable snapshot of every
// VRF's FIB and the LFIB, replaced as a whole by the RIB manager.
type fwdState struct {
	fibs []*fib // by VRF index; 0 is the default table
	lfib *lfib
}

func (s *fwdState) fib(vrf int) *fib {
	if vrf < len(s.fibs) {
		return s.fibs[vrf]
	}
	return nil
}

// A FIB route is the selected candidate itself (a copy only when some of
// its nexthops do not lead out: fibEntry): deliver locally, or forward by
// one of its nexthops, each the interface and the neighbour (zero on a
// connected route: the packet's own destination), or an IP tunnel, with
// the label stack to push, outermost first; a backup that is labelled is
// taken while the interface has no carrier (fast reroute). A candidate is
// never changed once a FIB holds it, so the FIB shares it: a pointer per
// prefix, not a copy of its prefix and nexthops in every leaf rebuilt.

// fib is a longest-prefix-match table for IPv4: a tree of 256-way nodes
// over the address's bytes whose leaves cover a /0, /8, /16 or /24 each.
// A prefix lives in the one node where it fits: as a leaf's entry if it
// lies inside the leaf's range and is longer, or as a cover of each node
// whose whole range it covers while not covering its parent's. A leaf
// flattens its entries into disjoint address ranges, each with the entry
// of the longest prefix covering it; a lookup walks at most four nodes,
// keeping the last cover it passed, then does a binary search for the
// last range starting at or below the address, falling back to the cover
// where no entry matches.
//
// A leaf is split once it holds more than leafMax prefixes, so that a
// change rebuilds one small leaf, or copies the few nodes a short prefix
// covers, and the nodes above them (update), never the whole table: a
// table is never modified, lookups need no lock, and the old and new
// tables share every node the change did not touch.
type fib struct {
	root *fibNode
}

// fibNode is a leaf (kids nil) or a node of 256 children by the byte at
// shift.
type fibNode struct {
	kids  *[256]*fibNode
	shift uint8
	// covers are the prefixes covering the whole node but not its
	// parent, longest first (at most 8); cover is the first of them.
	covers []*candidate
	cover  *candidate
	// A leaf's ranges: starts ascending, the first at the leaf's first
	// address (or 0 in the shared empty leaf); vals index entries, -1 for
	// none (the cover, if any).
	starts  []uint32
	vals    []int32
	entries []*candidate
	// index narrows a leaf's search by the 8 address bits below its
	// prefix (at shift sub): the ranges of block b are index[b] to
	// index[b+1], both included. Only leaves with more than indexMin
	// ranges have one: without it a lookup in a leaf of a 10k-prefix
	// table does a binary search of some 80 ranges, 4 times the cost of
	// the rest of the walk.
	index *[257]uint16
	sub   uint8
}

// indexMin is the most ranges a leaf searches without an index.
const indexMin = 8

// leafMax is the most prefixes a leaf above /24 holds before it splits:
// a change then sorts and flattens at most this many.
const leafMax = 256

// emptyLeaf is every leaf with no prefix, shared.
var emptyLeaf = &fibNode{starts: []uint32{0}, vals: []int32{-1}}

func (t *fib) lookup(a uint32) *candidate {
	if t == nil {
		return nil
	}
	n := t.root
	best := n.cover
	for n.kids != nil {
		n = n.kids[a>>n.shift&0xff]
		if n.cover != nil {
			best = n.cover
		}
	}
	lo, hi := 0, len(n.starts)
	if x := n.index; x != nil {
		b := a >> n.sub & 0xff
		lo, hi = int(x[b]), int(x[b+1])+1
	}
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if n.starts[mid] <= a {
			lo = mid
		} else {
			hi = mid
		}
	}
	if v := n.vals[lo]; v >= 0 {
		return n.entries[v]
	}
	return best
}

func (t *fib) lookupAddr(a netip.Addr) *candidate {
	if !a.Is4() {
		return nil
	}
	b := a.As4()
	return t.lookup(binary.BigEndian.Uint32(b[:]))
}

// buildFIB builds a table from entries, one per prefix.
func buildFIB(entries []*candidate) *fib {
	return &fib{root: buildNode(entries, 0, 0)}
}

// fibChange is one prefix's new entry, or its removal (entry nil).
type fibChange struct {
	prefix netip.Prefix
	entry  *candidate
}

// update returns the table with changes applied (one per prefix), sharing
// what they do not touch with t.
func (t *fib) update(changes []fibChange) *fib {
	if len(changes) == 0 {
		return t
	}
	root := emptyLeaf
	if t != nil {
		root = t.root
	}
	return &fib{root: updateNode(root, 0, 0, changes)}
}

// buildNode builds the node for the range of bits bits at lo from the
// entries overlapping it: those covering it all are its covers.
func buildNode(entries []*candidate, lo uint32, bits int) *fibNode {
	covers, inside := splitAt(entries, bits, func(e **candidate) netip.Prefix { return (*e).route.Prefix })
	var n *fibNode
	switch {
	case len(inside) == 0:
		n = emptyLeaf
	case len(inside) <= leafMax || bits >= 24:
		n = buildLeaf(inside, lo, bits)
	default:
		shift := uint8(24 - bits)
		var buckets [256][]*candidate
		for _, e := range inside {
			first, last := childSpan(e.route.Prefix, shift)
			for i := first; i <= last; i++ {
				buckets[i] = append(buckets[i], e)
			}
		}
		n = &fibNode{kids: new([256]*fibNode), shift: shift}
		for i := range 256 {
			n.kids[i] = buildNode(buckets[i], lo|uint32(i)<<shift, bits+8)
		}
	}
	return n.withCovers(covers)
}

// withCovers returns n with its covers set to cs (in any order).
func (n *fibNode) withCovers(cs []*candidate) *fibNode {
	if len(cs) == 0 && len(n.covers) == 0 {
		return n
	}
	cp := *n
	cp.covers, cp.cover = nil, nil
	if len(cs) > 0 {
		cp.covers = slices.Clone(cs)
		slices.SortFunc(cp.covers, func(x, y *candidate) int { return cmp.Compare(y.route.Prefix.Bits(), x.route.Prefix.Bits()) })
		cp.cover = cp.covers[0]
	}
	return &cp
}

// childSpan is the children, by the byte at shift, that a prefix longer
// than their parent overlaps.
func childSpan(p netip.Prefix, shift uint8) (first, last int) {
	return int(lo32(p) >> shift & 0xff), int(hi32(p) >> shift & 0xff)
}

// updateNode applies changes (each overlapping the node's range) to a
// node, copying what changes.
func updateNode(n *fibNode, lo uint32, bits int, changes []fibChange) *fibNode {
	mine, inside := splitAt(changes, bits, func(c *fibChange) netip.Prefix { return c.prefix })
	out := n
	switch {
	case len(inside) == 0:
	case n.kids == nil:
		// The covers are redone below, from n's.
		out = buildNode(applyChanges(n.entries, inside), lo, bits).withCovers(nil)
	case inOneChildEach(inside, n.shift):
		// The usual case, a few prefixes longer than the children: each
		// goes to one child, in runs once sorted by it.
		kid := func(c fibChange) uint32 { return lo32(c.prefix) >> n.shift & 0xff }
		run := inside
		if len(run) > 1 {
			run = slices.Clone(run)
			slices.SortFunc(run, func(x, y fibChange) int { return cmp.Compare(kid(x), kid(y)) })
		}
		kids := *n.kids
		for len(run) > 0 {
			i, j := kid(run[0]), 1
			for j < len(run) && kid(run[j]) == i {
				j++
			}
			kids[i] = updateNode(kids[i], lo|i<<n.shift, bits+8, run[:j])
			run = run[j:]
		}
		cp := *n
		cp.kids = &kids
		out = &cp
	default:
		var buckets [256][]fibChange
		for _, c := range inside {
			first, last := childSpan(c.prefix, n.shift)
			for i := first; i <= last; i++ {
				buckets[i] = append(buckets[i], c)
			}
		}
		kids := *n.kids
		for i := range 256 {
			if len(buckets[i]) > 0 {
				kids[i] = updateNode(kids[i], lo|uint32(i)<<n.shift, bits+8, buckets[i])
			}
		}
		cp := *n
		cp.kids = &kids
		out = &cp
	}
	covers := n.covers
	if len(mine) > 0 {
		covers = applyChanges(n.covers, mine)
	}
	if out == n && len(mine) == 0 {
		return n
	}
	return out.withCovers(covers)
}

// splitAt splits xs into those whose prefix is at most bits long (a
// node's covers) and the others, without copying when all are one or the
// other (the callers only read the parts).
func splitAt[T any](xs []T, bits int, prefix func(*T) netip.Prefix) (short, long []T) {
	n := 0
	for i := range xs {
		if prefix(&xs[i]).Bits() <= bits {
			n++
		}
	}
	switch n {
	case 0:
		return nil, xs
	case len(xs):
		return xs, nil
	}
	short, long = make([]T, 0, n), make([]T, 0, len(xs)-n)
	for i := range xs {
		if prefix(&xs[i]).Bits() <= bits {
			short = append(short, xs[i])
		} else {
			long = append(long, xs[i])
		}
	}
	return short, long
}

// inOneChildEach reports whether each change lies inside one child.
func inOneChildEach(changes []fibChange, shift uint8) bool {
	for _, c := range changes {
		if first, last := childSpan(c.prefix, shift); first != last {
			return false
		}
	}
	return true
}

// applyChanges returns a leaf's entries with changes applied.
func applyChanges(entries []*candidate, changes []fibChange) []*candidate {
	out := make([]*candidate, 0, len(entries)+len(changes))
	if len(changes) <= 8 {
	scan:
		for _, e := range entries {
			for _, c := range changes {
				if c.prefix == e.route.Prefix {
					continue scan
				}
			}
			out = append(out, e)
		}
	} else {
		gone := make(map[netip.Prefix]bool, len(changes))
		for _, c := range changes {
			gone[c.prefix] = true
		}
		for _, e := range entries {
			if !gone[e.route.Prefix] {
				out = append(out, e)
			}
		}
	}
	for _, c := range changes {
		if c.entry != nil {
			out = append(out, c.entry)
		}
	}
	return out
}

// buildLeaf flattens entries (one per prefix, each overlapping the range
// of bits bits at lo) into the range's disjoint address ranges.
func buildLeaf(entries []*candidate, lo uint32, bits int) *fibNode {
	hi := lo | uint32(uint64(1)<<(32-bits)-1)
	t := &fibNode{entries: entries}
	type span struct {
		lo, hi uint32
		bits   int
		idx    int32
	}
	spans := make([]span, len(entries))
	for i, e := range entries {
		// Clipped to the leaf: a prefix covering it spans all of it.
		p := e.route.Prefix
		spans[i] = span{max(lo32(p), lo), min(hi32(p), hi), p.Bits(), int32(i)}
	}
	// Covering prefixes come before the prefixes they cover.
	slices.SortFunc(spans, func(x, y span) int {
		if c := cmp.Compare(x.lo, y.lo); c != 0 {
			return c
		}
		return cmp.Compare(x.bits, y.bits)
	})
	t.emit(lo, -1)
	var stack []span // enclosing prefixes, innermost last
	// close pops the prefixes that end before a, resuming the enclosing
	// one's entry after each.
	close := func(a uint64) {
		for len(stack) > 0 {
			end := stack[len(stack)-1].hi
			if uint64(end) >= a {
				return
			}
			stack = stack[:len(stack)-1]
			if end == hi {
				continue
			}
			next := int32(-1)
			if len(stack) > 0 {
				next = stack[len(stack)-1].idx
			}
			t.emit(end+1, next)
		}
	}
	for _, sp := range spans {
		close(uint64(sp.lo))
		t.emit(sp.lo, sp.idx)
		stack = append(stack, sp)
	}
	close(uint64(hi) + 1)
	t.buildIndex(lo, bits)
	return t
}

// buildIndex indexes a leaf of the range of bits bits at lo by the next 8
// bits, when it has enough ranges to need it: index[b] is the range
// holding the first address of block b (the last starting at or below
// it), index[256] the last range.
func (t *fibNode) buildIndex(lo uint32, bits int) {
	if len(t.starts) <= indexMin || bits > 24 {
		return
	}
	t.sub = uint8(24 - bits)
	x := new([257]uint16)
	i := 0
	for b := range 256 {
		first := lo | uint32(b)<<t.sub
		for i+1 < len(t.starts) && t.starts[i+1] <= first {
			i++
		}
		x[b] = uint16(i)
	}
	x[256] = uint16(len(t.starts) - 1)
	t.index = x
}

// emit appends a range starting at start with value v, merging it into
// the previous range when that starts at the same address or has the same
// value.
func (t *fibNode) emit(start uint32, v int32) {
	n := len(t.starts)
	if n > 0 && t.starts[n-1] == start {
		t.vals[n-1] = v
		if n > 1 && t.vals[n-2] == v {
			t.starts, t.vals = t.starts[:n-1], t.vals[:n-1]
		}
		return
	}
	if n > 0 && t.vals[n-1] == v {
		return
	}
	t.starts = append(t.starts, start)
	t.vals = append(t.vals, v)
}

func lo32(p netip.Prefix) uint32 {
	b := p.Masked().Addr().As4()
	return binary.BigEndian.Uint32(b[:])
}

func hi32(p netip.Prefix) uint32 {
	return lo32(p) | uint32(uint64(1)<<(32-p.Bits())-1)
}

func addr32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}
