package router

import (
	"net/netip"
	"slices"
)

// depIndex records which prefixes' recursive nexthops resolve through
// which address, so that a change of the route to an address redoes them.
// A VRF has one per address it resolves through, most with a handful of
// prefixes (a far PE's sites), a few with a whole table behind them.
type depIndex map[netip.Addr]*prefixSet

// prefixSet is a slice while small, a map once past prefixSetMax: a
// small map cost a 1,000-router lab three times the bytes per prefix, and
// a large slice would make each removal a scan.
type prefixSet struct {
	few  []netip.Prefix
	many map[netip.Prefix]struct{}
}

const prefixSetMax = 16

// add records that p resolves through a; true if a is new to the index.
func (d depIndex) add(a netip.Addr, p netip.Prefix) (fresh bool) {
	s := d[a]
	if s == nil {
		s = &prefixSet{}
		d[a] = s
		fresh = true
	}
	switch {
	case s.many != nil:
		s.many[p] = struct{}{}
	case slices.Contains(s.few, p):
	case len(s.few) < prefixSetMax:
		s.few = append(s.few, p)
	default:
		s.many = make(map[netip.Prefix]struct{}, 2*prefixSetMax)
		for _, q := range s.few {
			s.many[q] = struct{}{}
		}
		s.many[p] = struct{}{}
		s.few = nil
	}
	return fresh
}

// remove forgets that p resolves through a; true if a left the index.
func (d depIndex) remove(a netip.Addr, p netip.Prefix) (gone bool) {
	s := d[a]
	if s == nil {
		return false
	}
	if s.many != nil {
		delete(s.many, p)
	} else if i := slices.Index(s.few, p); i >= 0 {
		last := len(s.few) - 1
		s.few[i] = s.few[last]
		s.few = s.few[:last]
	}
	if len(s.few) == 0 && len(s.many) == 0 {
		delete(d, a)
		return true
	}
	return false
}

// appendTo appends the set's prefixes to out.
func (s *prefixSet) appendTo(out []netip.Prefix) []netip.Prefix {
	out = append(out, s.few...)
	for p := range s.many {
		out = append(out, p)
	}
	return out
}

// nexthopRefs counts, per address, the VRFs whose recursive routes
// resolve through the default VRF's route to it: the BGP next hops and
// tunnel endpoints a label protocol asking on demand must find labels
// for (RFC 7032: an access node asks its LDP neighbours for just these).
// touched lists the addresses whose count left or reached zero since the
// watchers last heard; reported says what they heard last.
type nexthopRefs struct {
	n       map[netip.Addr]*nexthopRef
	touched []netip.Addr
}

type nexthopRef struct {
	count    int32
	reported bool
}

func (r *nexthopRefs) inc(a netip.Addr) {
	if r.n == nil {
		r.n = map[netip.Addr]*nexthopRef{}
	}
	x := r.n[a]
	if x == nil {
		x = &nexthopRef{}
		r.n[a] = x
	}
	x.count++
	if x.count == 1 {
		r.touched = append(r.touched, a)
	}
}

func (r *nexthopRefs) dec(a netip.Addr) {
	x := r.n[a]
	if x == nil || x.count == 0 {
		return
	}
	x.count--
	if x.count == 0 {
		r.touched = append(r.touched, a)
	}
}

// changes returns what changed since the last call, sorted: each address
// that came into use or went out of it (a count that went to zero and
// back, or back and forth, is no change).
func (r *nexthopRefs) changes() []NexthopUse {
	if len(r.touched) == 0 {
		return nil
	}
	slices.SortFunc(r.touched, netip.Addr.Compare)
	var out []NexthopUse
	for i, a := range r.touched {
		if i > 0 && r.touched[i-1] == a {
			continue
		}
		x := r.n[a]
		used := x != nil && x.count > 0
		if x == nil || used == x.reported {
			if x != nil && !used {
				delete(r.n, a)
			}
			continue
		}
		x.reported = used
		out = append(out, NexthopUse{Addr: a, Used: used})
		if !used {
			delete(r.n, a)
		}
	}
	r.touched = r.touched[:0]
	return out
}

// inUse lists the addresses in use, sorted.
func (r *nexthopRefs) inUse() []netip.Addr {
	var out []netip.Addr
	for a, x := range r.n {
		if x.count > 0 {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// global is the index of t's dependencies on the default VRF's
// selection: its own for the default VRF, depsDef for the others.
func (t *vrfTable) global() depIndex {
	if t.idx == 0 {
		return t.deps
	}
	return t.depsDef
}
