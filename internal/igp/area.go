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
func (in *Instance) summariesInto(a *area) []*LSA {
	var out []*LSA
	for i := range in.routes {
		r, x := &in.routes[i], &in.info[i]
		if !in.summarise(a, x.typ, x.area, x.cost, r.Nexthops) {
			continue
		}
		out = append(out, &LSA{Type: TypeSummary, ID: r.Prefix.Addr(), AdvRouter: in.rid, Prefix: r.Prefix, Metric: x.cost})
		if x.sid >= 0 {
			out = append(out, in.extPrefix(r.Prefix, &PrefixSID{Index: uint32(x.sid), NoPHP: !x.sidOwn, Node: true}))
		}
	}
	for _, s := range in.asbrs {
		if !in.summarise(a, s.typ, s.area, s.cost, s.hops) {
			continue
		}
		id := addr4(s.rid)
		out = append(out, &LSA{Type: TypeASBRSummary, ID: id, AdvRouter: in.rid, Prefix: netip.PrefixFrom(id, 32), Metric: s.cost})
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
