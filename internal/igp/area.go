package igp

import (
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// summariesInto lists the summary LSAs an ABR originates into area a from
// its routing table (RFC 2328 12.4.3): intra-area routes of every other
// area, and — into non-backbone areas only — inter-area routes learned
// from the backbone, never back into the area they lead through. ASBRs
// get ASBR-summaries (type 4) by the same rules. A summarised prefix with
// a prefix SID keeps its SID in the new area (an extended prefix LSA);
// the ABR sets the NP flag unless the prefix is its own, so that the
// penultimate hop pops only before the real owner (RFC 8665).
//
// An intra-area route inside one of its area's ranges (Config.Ranges) is
// not summarised on its own: the range is, once, at the largest cost of
// the routes it holds, as long as it holds one (an active range). The
// exception is a prefix with a prefix SID: its summary and extended
// prefix LSA still go out as well, because a SID is bound to its own
// prefix and an SR LSP to a router in another area needs that router's
// /32 with its SID there; the range then only saves the routes without
// SIDs (transit subnets, LDP routers' loopbacks).
//
// Into a totally NSSA goes a default route and, by the same exception,
// the summaries of prefixes with SIDs only; into any NSSA no
// ASBR-summary, and into no area one for an ASBR reached through an NSSA
// (its externals are type 7s, translated by the border routers; nssa.go).
func (in *Instance) summariesInto(a *area) []*LSA {
	var out []*LSA
	total := a.nssa && a.noSummary
	if total {
		out = append(out, &LSA{Type: TypeSummary, ID: defaultRoute.Addr(), AdvRouter: in.rid, Prefix: defaultRoute, Metric: defaultMetric})
	}
	var ranges map[netip.Prefix]uint32 // active range -> its cost
	for i := range in.routes {
		r, x := &in.routes[i], &in.info[i]
		if total && x.sid < 0 || !in.summarise(a, x.typ, x.area, x.cost, r.Nexthops) {
			continue
		}
		alone := true // the prefix is summarised on its own
		if x.typ == IntraArea && !total {
			if rg, ok := in.rangeOf(x.area, r.Prefix); ok {
				if c, seen := ranges[rg]; !seen || x.cost > c {
					if ranges == nil {
						ranges = map[netip.Prefix]uint32{}
					}
					ranges[rg] = x.cost
				}
				// With a SID the prefix goes out on its own too, unless
				// it is the range itself.
				alone = x.sid >= 0 && rg != r.Prefix
			}
		}
		if alone {
			out = append(out, &LSA{Type: TypeSummary, ID: r.Prefix.Addr(), AdvRouter: in.rid, Prefix: r.Prefix, Metric: x.cost})
		}
		if x.sid >= 0 {
			out = append(out, in.extPrefix(r.Prefix, &PrefixSID{Index: uint32(x.sid), NoPHP: !x.sidOwn, Node: true}))
		}
	}
	for rg, cost := range ranges {
		out = append(out, &LSA{Type: TypeSummary, ID: rg.Addr(), AdvRouter: in.rid, Prefix: rg, Metric: cost})
	}
	for _, s := range in.asbrs {
		if a.nssa || total || in.nssaArea(s.area) || !in.summarise(a, s.typ, s.area, s.cost, s.hops) {
			continue
		}
		id := addr4(s.rid)
		out = append(out, &LSA{Type: TypeASBRSummary, ID: id, AdvRouter: in.rid, Prefix: netip.PrefixFrom(id, 32), Metric: s.cost})
	}
	return out
}

// nssaArea reports whether area id is one of our NSSAs.
func (in *Instance) nssaArea(id Area) bool {
	a := in.findArea(id)
	return a != nil && a.nssa
}

// rangeOf returns the longest of area a's ranges that holds p.
func (in *Instance) rangeOf(a Area, p netip.Prefix) (netip.Prefix, bool) {
	var best netip.Prefix
	for _, rg := range in.cfg.Ranges[a] {
		if rg.Bits() <= p.Bits() && rg.Contains(p.Addr()) && (!best.IsValid() || rg.Bits() > best.Bits()) {
			best = rg
		}
	}
	return best, best.IsValid()
}

// activeRanges are the ranges that hold at least one intra-area route of
// their area in the table being built, by prefixKey: an ABR ignores
// other ABRs' summaries of exactly these (RFC 2328 16.2 step 3), since
// it is itself the way into them. Nil when the router has no ranges.
func (in *Instance) activeRanges(tab *table) map[uint64]bool {
	if len(in.cfg.Ranges) == 0 {
		return nil
	}
	out := map[uint64]bool{}
	for i := range tab.c {
		c := &tab.c[i]
		if c.typ != IntraArea || c.cost >= LSInfinity {
			continue
		}
		if rg, ok := in.rangeOf(c.area, c.prefix()); ok {
			out[prefixKey(rg)] = true
		}
	}
	return out
}

// summarise applies the origination rules to one route.
func (in *Instance) summarise(into *area, typ PathType, from Area, cost uint32, hops []router.Nexthop) bool {
	if cost >= LSInfinity {
		return false
	}
	switch typ {
	case IntraArea:
		return from != into.id
	case InterArea:
		if into.id == Backbone {
			return false
		}
		for _, h := range hops {
			if ifc := in.ifByName[h.Iface]; ifc == nil || ifc.area != into {
				return true
			}
		}
		return false // every path leads through the area itself
	}
	return false
}
