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
}

// fib is a longest-prefix-match table for IPv4. The prefixes are flattened
// into disjoint address ranges, each with the entry of the longest prefix
// covering it, so a lookup is one binary search for the last range
// starting at or below the address. Big tables add an index on the top 16
// bits that narrows the search to the ranges of one /16. It is immutable:
// lookups need no lock.
type fib struct {
	starts  []uint32 // ascending; starts[0] == 0
	vals    []int32  // entry index for each range, -1 for none
	index   []uint32 // nil, or len 1<<16+1: range holding each /16's first address
	entries []fibEntry
}

// indexThreshold is the number of ranges from which the /16 index (256 KB)
// pays for itself; a binary search over fewer is a handful of steps.
const indexThreshold = 512

func (t *fib) lookup(a uint32) *fibEntry {
	if t == nil {
		return nil
	}
	lo, hi := 0, len(t.starts)
	if t.index != nil {
		h := a >> 16
		lo, hi = int(t.index[h]), int(t.index[h+1])+1
	}
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if t.starts[mid] <= a {
			lo = mid
		} else {
			hi = mid
		}
	}
	if v := t.vals[lo]; v >= 0 {
		return &t.entries[v]
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

// buildFIB flattens entries (one per prefix) into ranges.
func buildFIB(entries []fibEntry) *fib {
	t := &fib{entries: entries}
	type span struct {
		lo, hi uint32
		bits   int
		idx    int32
	}
	spans := make([]span, len(entries))
	for i, e := range entries {
		spans[i] = span{lo32(e.prefix), hi32(e.prefix), e.prefix.Bits(), int32(i)}
	}
	// Covering prefixes come before the prefixes they cover.
	slices.SortFunc(spans, func(x, y span) int {
		if c := cmp.Compare(x.lo, y.lo); c != 0 {
			return c
		}
		return cmp.Compare(x.bits, y.bits)
	})
	t.emit(0, -1)
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
			if end == 0xffffffff {
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
	close(1 << 32)
	if len(t.starts) > indexThreshold {
		t.index = make([]uint32, 1<<16+1)
		j := 0
		for h := range 1 << 16 {
			a := uint32(h) << 16
			for j+1 < len(t.starts) && t.starts[j+1] <= a {
				j++
			}
			t.index[h] = uint32(j)
		}
		t.index[1<<16] = uint32(len(t.starts) - 1)
	}
	return t
}

// emit appends a range starting at start with value v, merging it into
// the previous range when that starts at the same address or has the same
// value.
func (t *fib) emit(start uint32, v int32) {
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
