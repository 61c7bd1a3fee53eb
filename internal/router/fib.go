package router

import (
	"cmp"
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/packet"
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

// fibEntry is a FIB route: deliver locally, or forward by one of nhs.
type fibEntry struct {
	prefix netip.Prefix
	proto  Protocol
	local  bool
	nhs    []fwdNexthop
}

// fwdNexthop is one way out: the interface, the neighbour (zero on a
// connected route: the packet's own destination), and the label stack to
// push, outermost first, with TTL and S left for the push to fill.
type fwdNexthop struct {
	ifc    *iface
	gw     netip.Addr
	labels []packet.LabelEntry
	backup *fwdNexthop // fast reroute: taken while ifc has no carrier
	tunnel *tunnelHop  // an IP tunnel (tunnel.go): ifc is nil
}

// fib is a longest-prefix-match table for IPv4: a tree of 256-way nodes
// over the address's bytes whose leaves cover a /0, /8, /16 or /24 each.
// A leaf holds every prefix that overlaps its range and flattens them into
// disjoint address ranges, each with the entry of the longest prefix
// covering it, so a lookup is a walk of at most three nodes then a binary
// search for the last range starting at or below the address.
//
// A leaf is split once it holds more than leafMax prefixes, so that a
// change rebuilds one small leaf and copies the nodes above it (update),
// not the whole table: a table is never modified, lookups need no lock,
// and the old and new tables share every leaf the change did not touch.
// A prefix shorter than a leaf's range is copied into each leaf it
// covers; changing it rebuilds them all (a default route, say).
type fib struct {
	root *fibNode
}

// fibNode is a leaf (kids nil) or a node of 256 children by the byte at
// shift.
type fibNode struct {
	kids  *[256]*fibNode
	shift uint8
	// A leaf's ranges: starts ascending, the first at the leaf's first
	// address (or 0 in the shared empty leaf); vals index entries, -1 for
	// none.
	starts  []uint32
	vals    []int32
	entries []fibEntry
}

// leafMax is the most prefixes a leaf above /24 holds before it splits:
// a change then sorts and flattens at most this many.
const leafMax = 256

// emptyLeaf is every leaf with no prefix, shared.
var emptyLeaf = &fibNode{starts: []uint32{0}, vals: []int32{-1}}

func (t *fib) lookup(a uint32) *fibEntry {
	if t == nil {
		return nil
	}
	n := t.root
	for n.kids != nil {
		n = n.kids[a>>n.shift&0xff]
	}
	lo, hi := 0, len(n.starts)
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if n.starts[mid] <= a {
			lo = mid
		} else {
			hi = mid
		}
	}
	if v := n.vals[lo]; v >= 0 {
		return &n.entries[v]
	}
	return nil
}

func (t *fib) lookupAddr(a netip.Addr) *fibEntry {
	if !a.Is4() {
		return nil
	}
	b := a.As4()
	return t.lookup(binary.BigEndian.Uint32(b[:]))
}

// buildFIB builds a table from entries, one per prefix.
func buildFIB(entries []fibEntry) *fib {
	return &fib{root: buildNode(entries, 0, 0)}
}

// fibChange is one prefix's new entry, or its removal (entry nil).
type fibChange struct {
	prefix netip.Prefix
	entry  *fibEntry
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
// entries overlapping it.
func buildNode(entries []fibEntry, lo uint32, bits int) *fibNode {
	if len(entries) == 0 {
		return emptyLeaf
	}
	if len(entries) <= leafMax || bits >= 24 {
		return buildLeaf(entries, lo, bits)
	}
	shift := uint8(24 - bits)
	var buckets [256][]fibEntry
	for _, e := range entries {
		first, last := childSpan(e.prefix, lo, bits, shift)
		for i := first; i <= last; i++ {
			buckets[i] = append(buckets[i], e)
		}
	}
	n := &fibNode{kids: new([256]*fibNode), shift: shift}
	for i := range 256 {
		n.kids[i] = buildNode(buckets[i], lo|uint32(i)<<shift, bits+8)
	}
	return n
}

// childSpan is the children of a node (range of bits bits at lo, children
// by the byte at shift) that prefix p overlaps.
func childSpan(p netip.Prefix, lo uint32, bits int, shift uint8) (first, last int) {
	if p.Bits() <= bits {
		return 0, 255 // covers the whole node
	}
	return int(lo32(p) >> shift & 0xff), int(hi32(p) >> shift & 0xff)
}

// updateNode applies changes (each overlapping the node's range) to a
// node, copying what changes.
func updateNode(n *fibNode, lo uint32, bits int, changes []fibChange) *fibNode {
	if n.kids == nil {
		return buildNode(applyChanges(n.entries, changes), lo, bits)
	}
	var buckets [256][]fibChange
	for _, c := range changes {
		first, last := childSpan(c.prefix, lo, bits, n.shift)
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
	return &fibNode{kids: &kids, shift: n.shift}
}

// applyChanges returns a leaf's entries with changes applied.
func applyChanges(entries []fibEntry, changes []fibChange) []fibEntry {
	out := make([]fibEntry, 0, len(entries)+len(changes))
	if len(changes) <= 8 {
	scan:
		for _, e := range entries {
			for _, c := range changes {
				if c.prefix == e.prefix {
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
			if !gone[e.prefix] {
				out = append(out, e)
			}
		}
	}
	for _, c := range changes {
		if c.entry != nil {
			out = append(out, *c.entry)
		}
	}
	return out
}

// buildLeaf flattens entries (one per prefix, each overlapping the range
// of bits bits at lo) into the range's disjoint address ranges.
func buildLeaf(entries []fibEntry, lo uint32, bits int) *fibNode {
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
		spans[i] = span{max(lo32(e.prefix), lo), min(hi32(e.prefix), hi), e.prefix.Bits(), int32(i)}
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
	return t
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
