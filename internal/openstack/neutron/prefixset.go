package neutron

import (
	"math/bits"
	"net/netip"
	"slices"
)

// IPv4 prefix sets, as netaddr's IPSet serves Neutron's subnet pools: a
// pool's prefixes are kept as the fewest CIDRs that cover them, so
// 10.0.0.0/24 and 10.0.1.0/24 are 10.0.0.0/23.

// span is an inclusive range of IPv4 addresses, widened so the end of
// the space does not overflow.
type span struct{ lo, hi uint64 }

func spansOf(ps []netip.Prefix) []span {
	out := make([]span, 0, len(ps))
	for _, p := range ps {
		lo := uint64(u32(p.Masked().Addr()))
		out = append(out, span{lo, lo + 1<<(32-p.Bits()) - 1})
	}
	slices.SortFunc(out, func(a, b span) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	// Merge what overlaps or touches.
	var merged []span
	for _, s := range out {
		if n := len(merged); n > 0 && s.lo <= merged[n-1].hi+1 {
			merged[n-1].hi = max(merged[n-1].hi, s.hi)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// cidrsOf is the fewest CIDRs covering the spans, in address order.
func cidrsOf(spans []span) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range spans {
		for lo := s.lo; lo <= s.hi; {
			// The largest block aligned at lo that fits before hi.
			size := uint64(1) << 32
			if lo != 0 {
				size = uint64(1) << bits.TrailingZeros64(lo)
			}
			for lo+size-1 > s.hi {
				size >>= 1
			}
			a := netip.AddrFrom4([4]byte{byte(lo >> 24), byte(lo >> 16), byte(lo >> 8), byte(lo)})
			out = append(out, netip.PrefixFrom(a, 32-bits.TrailingZeros64(size)))
			lo += size
		}
	}
	return out
}

// compactPrefixes is ps as the fewest CIDRs, in address order.
func compactPrefixes(ps []netip.Prefix) []netip.Prefix { return cidrsOf(spansOf(ps)) }

// subtractPrefixes is what of have is not in gone, as the fewest CIDRs.
func subtractPrefixes(have, gone []netip.Prefix) []netip.Prefix {
	rest := spansOf(have)
	for _, g := range spansOf(gone) {
		var next []span
		for _, s := range rest {
			if g.hi < s.lo || g.lo > s.hi {
				next = append(next, s)
				continue
			}
			if s.lo < g.lo {
				next = append(next, span{s.lo, g.lo - 1})
			}
			if s.hi > g.hi {
				next = append(next, span{g.hi + 1, s.hi})
			}
		}
		rest = next
	}
	return cidrsOf(rest)
}

// prefixesOverlap reports whether any prefix of a overlaps one of b.
func prefixesOverlap(a, b []netip.Prefix) bool {
	for _, x := range a {
		if slices.ContainsFunc(b, x.Overlaps) {
			return true
		}
	}
	return false
}
