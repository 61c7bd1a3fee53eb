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

func (d depIndex) add(a netip.Addr, p netip.Prefix) {
	s := d[a]
	if s == nil {
		s = &prefixSet{}
		d[a] = s
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
}

func (d depIndex) remove(a netip.Addr, p netip.Prefix) {
	s := d[a]
	if s == nil {
		return
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
	}
}

// appendTo appends the set's prefixes to out.
func (s *prefixSet) appendTo(out []netip.Prefix) []netip.Prefix {
	out = append(out, s.few...)
	for p := range s.many {
		out = append(out, p)
	}
	return out
}
