package igp

import (
	"math"
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// Loop-free alternates (RFC 5286), computed after each SPF run: for every
// route with one first hop E, a neighbour N whose own shortest path to the
// destination D does not come back through us,
//
//	dist(N,D) < dist(N,S) + dist(S,D)                   (inequality 1)
//
// preferring one that also avoids E itself (node protection),
//
//	dist(N,D) < dist(N,E) + dist(E,D)                   (inequality 3)
//
// then the cheapest. Routes with several equal-cost first hops are
// protected by each other. Distances from each neighbour come from one
// extra SPF rooted at it over the same database. A prefix is protected
// through the router whose advertisement gave the route (its owner, ABR
// or ASBR): for a prefix with one advertiser the inequalities for the
// router and for the prefix are the same.

// Protection is how a route is covered by fast reroute.
type Protection uint8

const (
	Unprotected Protection = iota
	ProtectLink            // an LFA that avoids the link to the primary first hop
	ProtectNode            // an LFA that avoids the primary first hop router too
	ProtectECMP            // several equal-cost first hops, each the other's backup
	Attached               // directly attached: nothing to protect
)

func (p Protection) String() string {
	return [...]string{"unprotected", "link", "node", "ecmp", "attached"}[p]
}

// Why an unprotected route is so.
const (
	whyNone     uint8 = iota
	whyNoLFA          // no neighbour satisfies inequality 1
	whyOneNbr         // no other neighbour in the area
	whyFar            // the advertising router is beyond the area's tree
	whyDisabled       // fast reroute turned off for the node
	whyNoRepair       // TI-LFA: no path avoids the link
	whyNoLabel        // TI-LFA: the repair path lacks a SID or SRGB, or is too long
	whyNoPQ           // remote LFA: no PQ node on the post-convergence path
	whyNoFEC          // remote LFA: LDP has no label for the prefix (not a /32)
)

var whyText = [...]string{"", "no loop-free alternate", "no other neighbour in the area", "advertised from beyond the area", "fast reroute off",
	"no path avoids the link", "no segment routing labels for the repair path", "no PQ node on the repair path",
	"no loop-free alternate, and LDP labels no tunnel to a PQ node for it (not a /32)"}

// lfaRun is what the LFA step computed that TI-LFA reuses: the SPF from
// each direct hop's router and the area graphs.
type lfaRun struct {
	dist   [][]uint32
	graphs map[*area]*areaGraph
}

const inf = math.MaxUint32

// computeLFA chooses each candidate's backup first hop.
func (in *Instance) computeLFA(tab *table, t *nhSets) lfaRun {
	// dist[d] is the SPF from the router behind direct hop d, indexed as
	// its area's tree from us; neighbours on parallel links share one.
	dist := make([][]uint32, len(t.direct))
	graphs := map[*area]*areaGraph{}
	for d, h := range t.direct {
		for e := range d {
			if t.direct[e].rid == h.rid && t.direct[e].ifc.area == h.ifc.area {
				dist[d] = dist[e]
			}
		}
		if dist[d] == nil {
			g := graphs[h.ifc.area]
			if g == nil {
				g = in.graphOf(h.ifc.area, t)
				graphs[h.ifc.area] = g
			}
			dist[d] = in.spfFrom(h.ifc.area, g, h.rid)
		}
	}
	for i := range tab.c {
		c := &tab.c[i]
		c.bk, c.prot, c.why, c.rep = -1, Unprotected, whyNone, -1
		switch members := t.sets[c.nh]; {
		case c.conn != -1 || len(members) == 0:
			c.prot = Attached
		case len(members) > 1:
			c.prot = ProtectECMP
		default:
			in.chooseLFA(c, t, dist, int(members[0]))
		}
	}
	return lfaRun{dist: dist, graphs: graphs}
}

// chooseLFA picks the backup of a route whose only first hop is e.
func (in *Instance) chooseLFA(c *candidate, t *nhSets, dist [][]uint32, e int) {
	a := t.direct[e].ifc.area
	ri, ok := a.spf.idx[c.adv]
	if !ok || int(ri) >= len(dist[e]) {
		c.why = whyFar
		return
	}
	sd := uint64(a.spf.v[ri].dist) // dist(S,D)
	ei := a.spf.idx[t.direct[e].rid]
	c.why = whyOneNbr
	best, bestNode, bestCost := -1, false, uint64(0)
	for d, n := range t.direct {
		if d == e || n.ifc.area != a {
			continue
		}
		c.why = whyNoLFA
		dn := dist[d]
		nd, ns := uint64(dn[ri]), uint64(dn[0])
		if nd >= inf || ns >= inf || nd >= ns+sd {
			continue // inequality 1: N may send it back through us
		}
		node := false
		if de := dist[e]; n.rid != t.direct[e].rid && ri != ei && int(ei) < len(dn) {
			ne, ed := uint64(dn[ei]), uint64(de[ri])
			node = ne < inf && ed < inf && nd < ne+ed // inequality 3
		}
		cost := uint64(max(n.ifc.cfg.Cost, 1)) + nd
		if best < 0 || node && !bestNode || node == bestNode && cost < bestCost {
			best, bestNode, bestCost = d, node, cost
		}
	}
	if best < 0 {
		return
	}
	c.bk, c.why, c.prot = int32(best), whyNone, ProtectLink
	if bestNode {
		c.prot = ProtectNode
	}
}

// areaGraph is an area's tree from us as arrays, built once per run for
// the neighbours' SPFs: edges of vertex i are adj[off[i]:off[i+1]], only
// two-way links between vertices we reached, and from us only links to
// Full neighbours, as our own SPF takes them.
type areaGraph struct {
	off  []int32
	adj  []graphEdge
	heap areaSPF // reused by each run
}

type graphEdge struct {
	to     int32
	metric uint32
	li     int32 // the link's index in the from-router's LSA
	dir    int32 // from us: the direct hop it is
}

func (in *Instance) graphOf(a *area, t *nhSets) *areaGraph {
	s := &a.spf
	g := &areaGraph{off: make([]int32, len(s.v)+1)}
	for i := range s.v {
		g.off[i] = int32(len(g.adj))
		if !s.v[i].done {
			continue
		}
		u := s.v[i].lsa
		for li := range u.Links {
			l := &u.Links[li]
			if l.Type != LinkP2P {
				continue
			}
			j, ok := s.idx[u32(l.Neighbor)]
			if !ok || !s.v[j].done || !linksBack(s.v[j].lsa, u.AdvRouter) {
				continue
			}
			dir := -1
			if i == 0 {
				if dir = in.directFor(a, t, l); dir < 0 {
					continue // our link to a neighbour no longer Full
				}
			}
			g.adj = append(g.adj, graphEdge{to: j, metric: max(l.Metric, 1), li: int32(li), dir: int32(dir)})
		}
	}
	g.off[len(s.v)] = int32(len(g.adj))
	return g
}

// spfFrom computes the distances from router rid to every router of our
// own tree in area a (indexed as a.spf.v) over graph g.
func (in *Instance) spfFrom(a *area, g *areaGraph, rid uint32) []uint32 {
	dist := make([]uint32, len(g.off)-1)
	for i := range dist {
		dist[i] = inf
	}
	start, ok := a.spf.idx[rid]
	if !ok {
		return dist
	}
	h := &g.heap
	h.heap = h.heap[:0]
	dist[start] = 0
	h.push(heapItem{0, start})
	for len(h.heap) > 0 {
		it := h.pop()
		if it.dist != dist[it.i] {
			continue // a stale entry: the vertex was reached cheaper
		}
		for _, e := range g.adj[g.off[it.i]:g.off[it.i+1]] {
			if nd := it.dist + e.metric; nd < dist[e.to] {
				dist[e.to] = nd
				h.push(heapItem{nd, e.to})
			}
		}
	}
	return dist
}

// protected returns the shared nexthops of first-hop set id with the
// backup of a route: direct hop bk for a single first hop, or for an
// ECMP set (prot ProtectECMP) each member backed by the next.
func (t *nhSets) protected(id int32, bk int32, prot Protection) []router.Nexthop {
	if bk < 0 && prot != ProtectECMP {
		return t.nexthops(id)
	}
	k := [2]int32{id, bk}
	if s, ok := t.backups[k]; ok {
		return s
	}
	base := t.nexthops(id)
	s := make([]router.Nexthop, len(base))
	for i := range base {
		s[i] = base[i]
		b := bk
		if bk < 0 {
			b = t.sets[id][(i+1)%len(base)]
		}
		s[i].Backup = &router.Nexthop{Addr: t.direct[b].addr, Iface: t.direct[b].ifc.name}
	}
	if t.backups == nil {
		t.backups = map[[2]int32][]router.Nexthop{}
	}
	t.backups[k] = s
	return s
}

// FRRRow is one first hop of a route and its fast reroute cover, for
// `show NODE frr`.
type FRRRow struct {
	Prefix      netip.Prefix `json:"prefix"`
	Nexthop     netip.Addr   `json:"nexthop"`
	Iface       string       `json:"iface"`
	Backup      netip.Addr   `json:"backup,omitzero"`
	BackupIface string       `json:"backup_iface,omitempty"`
	Protection  string       `json:"protection"` // node, link, ecmp or unprotected
	Why         string       `json:"why,omitempty"`
	// Repair is how the backup was found: "lfa" (RFC 5286), "ti-lfa"
	// (RFC 9855: Segments, possibly none, steer the packet along the
	// post-convergence path), "rlfa" (RFC 7490: LDP tunnels to PQ), or
	// "ecmp". BackupLabels are the repair
	// path's own labels, outermost first: a TI-LFA list and the
	// destination's label under it (an LFA's label is the neighbour's for
	// the prefix, as on a primary, and not listed here).
	Repair       string     `json:"repair,omitempty"`
	Segments     []Segment  `json:"segments,omitempty"`
	PQ           netip.Addr `json:"pq,omitzero"` // rlfa: the PQ node the backup tunnels to
	BackupLabels []uint32   `json:"backup_labels,omitempty"`
}

// FRR reports the fast reroute cover of every route that is not
// directly attached, by prefix.
func (in *Instance) FRR() []FRRRow {
	var out []FRRRow
	for i := range in.routes {
		r, x := &in.routes[i], &in.info[i]
		if x.prot == Attached || len(r.Nexthops) == 0 || !r.Nexthops[0].Addr.IsValid() {
			continue
		}
		for _, nh := range r.Nexthops {
			row := FRRRow{Prefix: r.Prefix, Nexthop: nh.Addr, Iface: nh.Iface, Protection: x.prot.String(), Why: whyText[x.why]}
			if b := nh.Backup; b != nil {
				row.Backup, row.BackupIface, row.BackupLabels = b.Addr, b.Iface, b.Labels
				switch {
				case x.prot == ProtectECMP:
					row.Repair = "ecmp"
				case x.rep >= 0 && in.repairs[x.rep].pq != 0:
					row.Repair, row.PQ = "rlfa", addr4(in.repairs[x.rep].pq)
				case x.rep >= 0:
					row.Repair, row.Segments = "ti-lfa", in.repairs[x.rep].segs
				default:
					row.Repair = "lfa"
				}
			}
			out = append(out, row)
		}
	}
	return out
}
