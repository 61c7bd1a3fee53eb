package srte

import (
	"container/heap"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
)

// LinkAttrs are a link's TE attributes, as configured.
type LinkAttrs struct {
	Latency  time.Duration
	Affinity []string
}

// graph is the TEDB indexed for path computation: routers by number,
// each link with its IGP metric, latency and affinities.
type graph struct {
	ids map[netip.Addr]int32
	rid []netip.Addr
	adj [][]edge
}

type edge struct {
	to       int32
	igp      uint32
	latency  uint64 // microseconds, at least 1
	ifAddr   netip.Addr
	affinity []string
}

func newGraph(db *igp.TEDB, attrs func(netip.Addr) LinkAttrs) *graph {
	g := &graph{ids: make(map[netip.Addr]int32, len(db.Routers))}
	for rid := range db.Routers {
		g.rid = append(g.rid, rid)
	}
	slices.SortFunc(g.rid, netip.Addr.Compare)
	for i, rid := range g.rid {
		g.ids[rid] = int32(i)
	}
	g.adj = make([][]edge, len(g.rid))
	for i, rid := range g.rid {
		for _, l := range db.Routers[rid].Links {
			to, ok := g.ids[l.To]
			if !ok {
				continue
			}
			e := edge{to: to, igp: l.Metric, latency: 1, ifAddr: l.IfAddr}
			if attrs != nil {
				a := attrs(l.IfAddr)
				e.latency = max(uint64(a.Latency/time.Microsecond), 1)
				e.affinity = a.Affinity
			}
			g.adj[i] = append(g.adj[i], e)
		}
	}
	return g
}

// tree is a shortest-path tree from one router.
type tree struct {
	dist  []uint64
	tie   []uint64 // second key (IGP cost) for CSPF
	count []uint8  // shortest paths, capped at 2
	prev  []int32  // the router before, -1 at the root or unreached
	via   []int32  // index in adj[prev] of the edge taken
}

func (t *tree) reached(i int32) bool { return t.dist[i] != math.MaxUint64 }

// spf runs Dijkstra from src; weight gives an edge's cost and whether it
// may be used. tie breaks equal costs by the lower IGP sum, so that CSPF
// is deterministic; count is kept on the first key only (ECMP as the IGP
// sees it, when weight is the IGP metric).
func (g *graph) spf(src int32, weight func(e *edge) (uint64, bool)) *tree {
	n := len(g.rid)
	t := &tree{dist: make([]uint64, n), tie: make([]uint64, n), count: make([]uint8, n), prev: make([]int32, n), via: make([]int32, n)}
	for i := range t.dist {
		t.dist[i], t.tie[i], t.prev[i], t.via[i] = math.MaxUint64, math.MaxUint64, -1, -1
	}
	t.dist[src], t.tie[src], t.count[src] = 0, 0, 1
	done := make([]bool, n)
	q := &pq{{src, 0, 0}}
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		u := it.node
		if done[u] {
			continue
		}
		done[u] = true
		for k := range g.adj[u] {
			e := &g.adj[u][k]
			w, ok := weight(e)
			if !ok {
				continue
			}
			d, tb := t.dist[u]+w, t.tie[u]+uint64(e.igp)
			v := e.to
			switch {
			case d < t.dist[v] || d == t.dist[v] && tb < t.tie[v]:
				if d < t.dist[v] {
					t.count[v] = t.count[u]
				} else {
					t.count[v] = min(t.count[v]+t.count[u], 2)
				}
				t.dist[v], t.tie[v], t.prev[v], t.via[v] = d, tb, u, int32(k)
				heap.Push(q, item{v, d, tb})
			case d == t.dist[v]:
				t.count[v] = min(t.count[v]+t.count[u], 2)
			}
		}
	}
	return t
}

// path is the routers and edges from the tree's root to dst.
func (g *graph) path(t *tree, dst int32) (nodes []int32, edges []*edge) {
	for v := dst; v != -1; v = t.prev[v] {
		nodes = append(nodes, v)
		if p := t.prev[v]; p != -1 {
			edges = append(edges, &g.adj[p][t.via[v]])
		}
	}
	slices.Reverse(nodes)
	slices.Reverse(edges)
	return nodes, edges
}

func igpWeight(e *edge) (uint64, bool) { return uint64(e.igp), true }

type item struct {
	node   int32
	d, tie uint64
}

type pq []item

func (q pq) Len() int { return len(q) }
func (q pq) Less(i, j int) bool {
	return q[i].d < q[j].d || q[i].d == q[j].d && q[i].tie < q[j].tie
}
func (q pq) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pq) Push(x any)   { *q = append(*q, x.(item)) }
func (q *pq) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
