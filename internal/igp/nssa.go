package igp

import (
	"net/netip"
	"slices"
	"time"
)

// Not-so-stubby areas (RFC 3101). No AS-external LSA (type 5) enters an
// NSSA. A router redistributing prefixes from inside one originates them
// as NSSA-external LSAs (type 7) flooded through that area only, with the
// P-bit set and its loopback as forwarding address when all its areas are
// NSSAs; the area's routers compute type-2 external routes from them. One
// border router of each NSSA — the reachable one with the highest router
// id, RFC 3101 3.1's election without the Nt-bit and without the
// stability interval: the translator — turns the P-bit type 7s into type
// 5s for the rest of the AS. The area's ranges aggregate them: a type 7
// inside a range is not translated on its own, the range is, once, at the
// largest of the type-2 metrics it holds and without forwarding address
// (RFC 3101 3.2). Into the NSSA, every border router sends a default
// route: a type-3 0.0.0.0/0 into a totally NSSA (no_summary: Cisco's and
// FRR's way), in place of every other summary but those of prefixes with
// SIDs (area.go: an SR LSP to another area needs its /32); a type-7 0.0.0.0/0 without
// the P-bit into a plain NSSA, beside the usual summaries. No
// ASBR-summary (type 4) goes into an NSSA, nor describes an ASBR whose
// externals are type 7s.

// defaultRoute is 0.0.0.0/0.
var defaultRoute = netip.PrefixFrom(netip.IPv4Unspecified(), 0)

// defaultMetric is the metric of the default routes a border router
// sends into an NSSA.
const defaultMetric = 1

// translation is a type 5 a translator originates for its NSSA's type 7s.
type translation struct {
	prefix  netip.Prefix
	metric  uint32
	forward netip.Addr // the type 7's; none for an aggregated range
}

// onlyNSSA reports whether every area the router attaches to is an NSSA:
// its redistributed prefixes then go out as type 7s only, with the P-bit.
func (in *Instance) onlyNSSA() bool {
	for _, a := range in.areas {
		if !a.nssa {
			return false
		}
	}
	return len(in.areas) > 0
}

// forwardAddr is the forwarding address of our type 7s: the loopback.
func (in *Instance) forwardAddr() netip.Addr {
	if in.cfg.Loopback.IsValid() {
		return in.cfg.Loopback.Addr()
	}
	return in.rid
}

// nssaInto lists the NSSA-external LSAs we originate into NSSA a: our
// redistributed prefixes, and as a border router of a plain NSSA the
// type-7 default.
func (in *Instance) nssaInto(a *area) []*LSA {
	var out []*LSA
	p := in.onlyNSSA()
	for _, x := range in.cfg.Redistribute {
		x = x.Masked()
		out = append(out, &LSA{Type: TypeNSSA, ID: x.Addr(), AdvRouter: in.rid, Prefix: x, Metric: in.cfg.ExternalMetric,
			Forward: in.forwardAddr(), Propagate: p})
	}
	if !a.noSummary && in.isABR() {
		out = append(out, &LSA{Type: TypeNSSA, ID: defaultRoute.Addr(), AdvRouter: in.rid, Prefix: defaultRoute, Metric: defaultMetric})
	}
	return out
}

// nssaRoutes adds the type-2 external routes of the NSSAs' type 7s (RFC
// 3101 2.5) through their originators, which SPF must have reached in the
// area. A border router ignores the others' type-7 defaults: it is a way
// out of the area itself.
func (in *Instance) nssaRoutes(tab *table, now time.Time) {
	abr := in.isABR()
	for _, a := range in.areas {
		if !a.nssa {
			continue
		}
		for _, l := range a.db {
			if l.Type != TypeNSSA || l.AdvRouter == in.rid || l.Metric >= LSInfinity || !l.usable(now) {
				continue
			}
			if abr && l.Prefix.Bits() == 0 {
				continue
			}
			if v := a.spf.reached(u32(l.AdvRouter)); v != nil {
				tab.offer(l.Prefix, ExternalE2, a.id, v.dist, l.Metric, v.nh, -1, v.rid)
			}
		}
	}
}

// electTranslators decides, after SPF, which NSSAs we translate: those
// where we are a border router and no other border router SPF reached
// has a higher router id.
func (in *Instance) electTranslators() {
	abr := in.isABR()
	for _, a := range in.areas {
		a.translator = false
		if !a.nssa || !abr || !a.active() {
			continue
		}
		a.translator = true
		s := &a.spf
		for i := 1; i < len(s.v); i++ {
			if v := &s.v[i]; v.done && v.lsa.Flags&FlagABR != 0 && v.rid > in.ridU {
				a.translator = false
				break
			}
		}
	}
}

// translations lists the type 5s we originate as translator for the
// type 7s with the P-bit of our NSSAs: one per prefix outside the area's
// ranges (lowest metric, its forwarding address), one per active range
// (highest metric, none).
func (in *Instance) translations(now time.Time) []translation {
	var out []translation
	for _, a := range in.areas {
		if !a.translator {
			continue
		}
		alone := map[netip.Prefix]int{}
		ranges := map[netip.Prefix]int{}
		for _, l := range a.db {
			if l.Type != TypeNSSA || !l.Propagate || l.AdvRouter == in.rid || l.Metric >= LSInfinity || !l.usable(now) || l.Prefix.Bits() == 0 {
				continue
			}
			if a.spf.reached(u32(l.AdvRouter)) == nil {
				continue
			}
			if rg, ok := in.rangeOf(a.id, l.Prefix); ok {
				if i, seen := ranges[rg]; !seen {
					ranges[rg] = len(out)
					out = append(out, translation{prefix: rg, metric: l.Metric})
				} else {
					out[i].metric = max(out[i].metric, l.Metric)
				}
				continue
			}
			if i, seen := alone[l.Prefix]; !seen {
				alone[l.Prefix] = len(out)
				out = append(out, translation{prefix: l.Prefix, metric: l.Metric, forward: l.Forward})
			} else if t := &out[i]; l.Metric < t.metric || l.Metric == t.metric && u32(l.Forward) < u32(t.forward) {
				t.metric, t.forward = l.Metric, l.Forward
			}
		}
	}
	slices.SortFunc(out, func(a, b translation) int { return comparePrefix(a.prefix, b.prefix) })
	// A prefix translated from two NSSAs goes out once.
	return slices.CompactFunc(out, func(a, b translation) bool { return a.prefix == b.prefix })
}

// translated are the type 5s of the translations, for desiredExternal.
func (in *Instance) translated() []*LSA {
	out := make([]*LSA, 0, len(in.translate))
	for _, t := range in.translate {
		out = append(out, &LSA{Type: TypeExternal, ID: t.prefix.Addr(), AdvRouter: in.rid, Prefix: t.prefix, Metric: t.metric, Forward: t.forward})
	}
	return out
}

// lookupForward finds the intra- or inter-area route a type 5's forwarding
// address resolves through (RFC 2328 16.4 step 3): the longest match in
// the table being built, never a directly attached one.
func (tab *table) lookupForward(fa netip.Addr) (candidate, bool) {
	for bits := 32; bits >= 0; bits-- {
		i, ok := tab.index[prefixKey(netip.PrefixFrom(fa, bits).Masked())]
		if !ok {
			continue
		}
		c := tab.c[i]
		if c.typ > InterArea || c.cost >= LSInfinity || c.conn != -1 {
			return candidate{}, false
		}
		return c, true
	}
	return candidate{}, false
}
