package igp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// Topology-independent loop-free alternates (RFC 9855), for routers that
// do segment routing. Where a loop-free alternate needs a neighbour whose
// own shortest path already avoids the failure, TI-LFA sends the packet
// along the post-convergence path (the path the router will use once the
// IGP has reconverged without the failed link or node), pushing the few
// segments that keep it on that path:
//
//   - the post-convergence path is one SPF from us per neighbour E with E
//     removed (node protection; the destination must not be E) or only
//     our link to E removed (link protection, when node protection finds
//     no path);
//   - walking that path from the repair neighbour, the furthest node the
//     current node reaches by its own shortest paths, every one of them
//     avoiding the failure and as long as the path, is where the next
//     node segment ends (the P node, then Q); where not even the next
//     node qualifies, an adjacency segment pins the hop (a link whose
//     metric no shortest path takes);
//   - the destination's own prefix SID goes under the repair segments, as
//     the node where they end reads it; a prefix without a SID is routed
//     there as IP.
//
// An empty segment list means the repair neighbour's shortest path is the
// post-convergence path: the backup is then an LFA chosen by TI-LFA.
// Distances from the neighbours come from the LFA step's SPFs; a node
// further along a repair path needs one more SPF, kept for the run.

// maxRepairSegments bounds a repair list: beyond it the route stays with
// its loop-free alternate, if any.
const maxRepairSegments = 5

// Segment is one segment of a TI-LFA repair list.
type Segment struct {
	// Adjacency: Router pops the label and sends the packet to Neighbor
	// over that one link; otherwise a node segment to Router.
	Adjacency bool       `json:"adjacency,omitempty"`
	Router    netip.Addr `json:"router"`
	Neighbor  netip.Addr `json:"neighbor,omitzero"`
	// Label is the label the segment is sent with: the node before it
	// reads it (the SRGB of that node for a node segment, the adjacency's
	// own label for an adjacency segment).
	Label uint32 `json:"label"`
}

func (s Segment) String() string {
	if s.Adjacency {
		return fmt.Sprintf("adj %s->%s (%d)", s.Router, s.Neighbor, s.Label)
	}
	return fmt.Sprintf("node %s (%d)", s.Router, s.Label)
}

// tiRepair is a route's TI-LFA backup, or its remote LFA.
type tiRepair struct {
	hop  int32     // direct hop the post-convergence path leaves by
	node bool      // node protection (else link)
	pq   uint32    // remote LFA: the PQ node (the list's one node segment)
	segs []Segment // shared by the routes to the same router
	push []uint32  // the segments' labels, outermost first (shared too)
	// out is the label of the route's SID as the node where the segments
	// end reads it, or implicit null when nothing goes under them.
	out uint32
}

// stack is what an ingress pushes for the route on the repair path.
func (r *tiRepair) stack() []uint32 {
	if r.out == router.LabelImplicitNull {
		return r.push
	}
	return append(append(make([]uint32, 0, len(r.push)+1), r.push...), r.out)
}

// tiPath is the repair computed for one (first hop, destination router)
// pair, shared by every prefix that router gives.
type tiPath struct {
	ok   bool
	hop  int32
	node bool
	segs []Segment
	push []uint32
	end  uint32 // router id of the node where the segments end
}

// tiRun is one TI-LFA computation's state over an area.
type tiRun struct {
	in    *Instance
	now   time.Time
	rlfa  bool // remote LFA: no labels, one node segment at most
	a     *area
	g     *areaGraph
	t     *nhSets
	self  []uint32            // our own distances, by vertex
	nbr   map[int32][]uint32  // the LFA step's SPFs, by the neighbour's vertex
	far   map[int32][]uint32  // SPFs from further nodes, made as needed
	trees map[[2]int32]pcTree // post-convergence trees by (direct hop or -1, removed vertex or -1)
	paths map[[2]int32]*tiPath
	nodes map[uint32]uint32 // node SID index by router
	adjs  map[[2]uint32]uint32
}

// pcTree is a shortest-path tree from us with a failure removed: the
// predecessor and the edge (into areaGraph.adj) that reach each vertex.
type pcTree struct {
	dist []uint32
	prev []int32
	edge []int32
}

// computeRepairs gives each route with one first hop the TI-LFA repair
// of its advertising router, replacing the loop-free alternate
// computeLFA chose. With rlfa (LDP), only routes without a loop-free
// alternate get one, and only a remote LFA (RFC 7490): a repair list of
// one node segment is a tunnel to a PQ node, which is in the extended
// P-space of the repair neighbour (it reaches the node by shortest paths
// that avoid the failure) and in the destination's Q-space (its own
// shortest paths to the destination avoid it). The PQ node is the one on
// the post-convergence path; where that path needs more segments, the
// route stays unprotected.
func (in *Instance) computeRepairs(tab *table, t *nhSets, lfa lfaRun, rlfa bool, now time.Time) {
	runs := map[*area]*tiRun{}
	repairs := in.scratch.repairs[:0]
	for i := range tab.c {
		c := &tab.c[i]
		c.rep = -1
		members := t.sets[c.nh]
		if c.conn != -1 || len(members) != 1 || rlfa && c.bk >= 0 {
			continue
		}
		if rlfa && c.key&0xff != 32 {
			// LDP labels host routes only: nothing could tunnel this one.
			if c.why == whyNoLFA {
				c.why = whyNoFEC
			}
			continue
		}
		e := members[0]
		a := t.direct[e].ifc.area
		run := runs[a]
		if run == nil {
			run = in.newTIRun(a, t, lfa, now)
			run.rlfa = rlfa
			runs[a] = run
		}
		ri, ok := a.spf.idx[c.adv]
		if !ok || int(ri) >= len(run.self) || run.self[ri] >= inf {
			continue
		}
		p := run.path(e, ri)
		if !p.ok {
			if c.bk < 0 && c.why == whyNoLFA { // (one neighbour says more)
				switch {
				case run.tree(e, -1).dist[ri] >= inf:
					c.why = whyNoRepair
				case rlfa:
					c.why = whyNoPQ // the path needs more than one node segment
				default:
					c.why = whyNoLabel // or more segments than maxRepairSegments
				}
			}
			continue
		}
		rep := tiRepair{hop: p.hop, node: p.node, segs: p.segs, push: p.push, out: router.LabelImplicitNull}
		if rlfa && len(p.segs) == 1 {
			rep.pq = u32(p.segs[0].Router)
		}
		if !rlfa && c.sid >= 0 && !(p.end == c.adv && in.pops(c, c.adv)) {
			g := run.srgb(p.end)
			if g == nil || uint32(c.sid) >= g.Size {
				if c.bk < 0 {
					c.why = whyNoLabel
				}
				continue
			}
			rep.out = g.Base + uint32(c.sid)
		}
		if !rlfa || rep.pq != 0 { // (a remote LFA without a PQ node is a plain LFA)
			c.rep = int32(len(repairs))
			repairs = append(repairs, rep)
		}
		c.bk, c.why, c.prot = p.hop, whyNone, ProtectLink
		if p.node {
			c.prot = ProtectNode
		}
	}
	in.scratch.repairs = repairs
}

func (in *Instance) newTIRun(a *area, t *nhSets, lfa lfaRun, now time.Time) *tiRun {
	g := lfa.graphs[a]
	if g == nil {
		g = in.graphOf(a, t)
	}
	r := &tiRun{in: in, now: now, a: a, g: g, t: t, nbr: map[int32][]uint32{}, far: map[int32][]uint32{},
		trees: map[[2]int32]pcTree{}, paths: map[[2]int32]*tiPath{}}
	r.self = make([]uint32, len(g.off)-1)
	for i := range r.self {
		r.self[i] = inf
		if v := &a.spf.v[i]; v.done {
			r.self[i] = v.dist
		}
	}
	for d, h := range t.direct {
		if h.ifc.area == a && lfa.dist[d] != nil {
			r.nbr[a.spf.idx[h.rid]] = lfa.dist[d]
		}
	}
	return r
}

// distFrom is the distance table from vertex v over the intact area.
func (r *tiRun) distFrom(v int32) []uint32 {
	if d := r.nbr[v]; d != nil {
		return d
	}
	if d := r.far[v]; d != nil {
		return d
	}
	d := r.in.spfFrom(r.a, r.g, r.a.spf.v[v].rid)
	r.far[v] = d
	return d
}

// tree is the post-convergence tree without direct hop d's link (vertex
// -1) or without vertex x (d -1).
func (r *tiRun) tree(d, x int32) pcTree {
	k := [2]int32{d, x}
	if tr, ok := r.trees[k]; ok {
		return tr
	}
	g := r.g
	n := len(g.off) - 1
	tr := pcTree{dist: make([]uint32, n), prev: make([]int32, n), edge: make([]int32, n)}
	for i := range tr.dist {
		tr.dist[i], tr.prev[i], tr.edge[i] = inf, -1, -1
	}
	h := &g.heap
	h.heap = h.heap[:0]
	tr.dist[0] = 0
	h.push(heapItem{0, 0})
	for len(h.heap) > 0 {
		it := h.pop()
		if it.dist != tr.dist[it.i] {
			continue
		}
		for ei := g.off[it.i]; ei < g.off[it.i+1]; ei++ {
			e := &g.adj[ei]
			if e.to == x || it.i == 0 && d >= 0 && e.dir == d {
				continue
			}
			if nd := it.dist + e.metric; nd < tr.dist[e.to] {
				tr.dist[e.to], tr.prev[e.to], tr.edge[e.to] = nd, it.i, ei
				h.push(heapItem{nd, e.to})
			}
		}
	}
	r.trees[k] = tr
	return tr
}

// path is the repair towards vertex ri for routes whose first hop is
// direct hop e: node protection if the area has a path without E, else
// link protection.
func (r *tiRun) path(e int32, ri int32) *tiPath {
	k := [2]int32{e, ri}
	if p := r.paths[k]; p != nil {
		return p
	}
	p := &tiPath{}
	r.paths[k] = p
	ei := r.a.spf.idx[r.t.direct[e].rid]
	if ri != ei {
		if tr := r.tree(-1, ei); tr.dist[ri] < inf && r.segments(p, tr, ri, e, ei, true) && r.acceptable(p) {
			return p
		}
	}
	*p = tiPath{}
	if tr := r.tree(e, -1); tr.dist[ri] < inf && r.segments(p, tr, ri, e, ei, false) && !r.acceptable(p) {
		*p = tiPath{}
	}
	return p
}

// acceptable reports whether the run can use repair p: any TI-LFA list,
// and for a remote LFA one node segment (the PQ node) or none.
func (r *tiRun) acceptable(p *tiPath) bool {
	return !r.rlfa || len(p.segs) == 0 || len(p.segs) == 1 && !p.segs[0].Adjacency
}

// segments fills p with the repair list along tree tr to ri, protecting
// against vertex ei (node) or our link of direct hop e to it.
func (r *tiRun) segments(p *tiPath, tr pcTree, ri, e, ei int32, node bool) bool {
	var path []int32 // vertices from us to ri
	for v := ri; v >= 0; v = tr.prev[v] {
		path = append(path, v)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	if len(path) < 2 {
		return false
	}
	dE := r.distFrom(ei)
	// The failed link's metric both ways, for the link inequalities.
	wSE := uint64(r.g.adj[r.edgeOfDirect(e)].metric)
	wES := uint64(r.reverseMetric(e, ei))
	avoids := func(dc []uint32, x int32) bool {
		dx := uint64(dc[x])
		if dx >= inf {
			return false
		}
		if node {
			return dc[ei] >= inf || dE[x] >= inf || dx < uint64(dc[ei])+uint64(dE[x])
		}
		viaSE := dc[0] >= inf || dE[x] >= inf || dx < uint64(dc[0])+wSE+uint64(dE[x])
		viaES := dc[ei] >= inf || r.self[x] >= inf || dx < uint64(dc[ei])+wES+uint64(r.self[x])
		return viaSE && viaES
	}
	k := len(path) - 1
	var segs []Segment
	var push []uint32
	cur := 1
	for cur < k {
		dc := r.distFrom(path[cur])
		best := -1
		for j := k; j > cur; j-- {
			if dc[path[j]] == tr.dist[path[j]]-tr.dist[path[cur]] && avoids(dc, path[j]) {
				best = j
				break
			}
		}
		if best == k {
			break
		}
		if len(segs) == maxRepairSegments {
			return false
		}
		at := r.a.spf.v[path[cur]].rid // the node that reads the next label
		if r.rlfa && len(segs) == 1 {
			return false // a remote LFA has one PQ node
		}
		if r.rlfa && best > cur {
			segs = append(segs, Segment{Router: addr4(r.a.spf.v[path[best]].rid)})
			cur = best
			continue
		}
		if r.rlfa {
			return false // no PQ node: the path needs an adjacency
		}
		if best > cur {
			to := r.a.spf.v[path[best]].rid
			idx, ok := r.nodeSID(to)
			g := r.srgb(at)
			if !ok || g == nil || idx >= g.Size {
				return false
			}
			segs = append(segs, Segment{Router: addr4(to), Label: g.Base + idx})
			push = append(push, g.Base+idx)
			cur = best
			continue
		}
		edge := &r.g.adj[tr.edge[path[cur+1]]]
		u := r.a.spf.v[path[cur]].lsa
		l := &u.Links[edge.li]
		label, ok := r.adjSID(at, l.IfAddr)
		if !ok {
			return false
		}
		segs = append(segs, Segment{Adjacency: true, Router: addr4(at), Neighbor: l.Neighbor, Label: label})
		push = append(push, label)
		cur++
	}
	first := r.g.adj[tr.edge[path[1]]].dir
	*p = tiPath{ok: true, hop: first, node: node, segs: segs, push: push, end: r.a.spf.v[path[cur]].rid}
	return true
}

// edgeOfDirect is the index in the graph of our edge for direct hop d.
func (r *tiRun) edgeOfDirect(d int32) int32 {
	for ei := r.g.off[0]; ei < r.g.off[1]; ei++ {
		if r.g.adj[ei].dir == d {
			return ei
		}
	}
	return r.g.off[0]
}

// reverseMetric is the metric E advertises for its side of our link of
// direct hop d (its link to us with the neighbour's interface address).
func (r *tiRun) reverseMetric(d, ei int32) uint32 {
	h := r.t.direct[d]
	w := uint32(inf)
	for _, l := range r.a.spf.v[ei].lsa.Links {
		if l.Type == LinkP2P && l.Neighbor == r.in.rid {
			if l.IfAddr == h.addr {
				return max(l.Metric, 1)
			}
			w = min(w, max(l.Metric, 1))
		}
	}
	return w
}

// srgb is the SRGB router rid advertises in the area, nil if none.
func (r *tiRun) srgb(rid uint32) *SRGB {
	l := r.a.db[key{typ: TypeOpaqueArea, bits: 32, id: OpaqueRouterInfo << 24, adv: rid}]
	if l == nil || l.SRGB == nil || !l.usable(r.now) {
		return nil
	}
	return l.SRGB
}

// nodeSID is the node SID index router rid advertises in the area.
func (r *tiRun) nodeSID(rid uint32) (uint32, bool) {
	if r.nodes == nil {
		r.nodes = map[uint32]uint32{}
		for _, l := range r.a.db {
			if l.Type == TypeOpaqueArea && l.SID != nil && l.SID.Node && !l.SID.NoPHP && l.usable(r.now) {
				if old, ok := r.nodes[u32(l.AdvRouter)]; !ok || l.SID.Index < old {
					r.nodes[u32(l.AdvRouter)] = l.SID.Index
				}
			}
		}
	}
	idx, ok := r.nodes[rid]
	return idx, ok
}

// adjSID is the adjacency SID router rid advertises for its interface
// ifAddr in the area.
func (r *tiRun) adjSID(rid uint32, ifAddr netip.Addr) (uint32, bool) {
	if r.adjs == nil {
		r.adjs = map[[2]uint32]uint32{}
		for _, l := range r.a.db {
			if l.Type == TypeOpaqueArea && l.Link != nil && l.usable(r.now) {
				r.adjs[[2]uint32{u32(l.AdvRouter), u32(l.Link.IfAddr)}] = l.Link.AdjSID
			}
		}
	}
	label, ok := r.adjs[[2]uint32{rid, u32(ifAddr)}]
	return label, ok
}
