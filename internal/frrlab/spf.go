package frrlab

import (
	"container/heap"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/topology"
)

// LoopbackNexthops is what OSPF must compute in one area: for every core
// router, the equal-cost next hops (the neighbours' addresses on the
// first links of the shortest paths by the links' costs) to every other
// core router's loopback it can reach, with the links in down failed.
// Both the reference and intercloud are held to it, so a reconvergence
// is over when a router's table is this, not merely when it changed.
func LoopbackNexthops(m *topology.Model, down map[int]bool) map[string]map[netip.Prefix][]netip.Addr {
	type edge struct {
		to   string
		cost int
		via  netip.Addr // the far end's address on the link
	}
	adj := map[string][]edge{}
	var core []string
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			core = append(core, n.Name)
		}
	}
	addr := func(node string, id int) netip.Addr {
		for _, i := range m.Node(node).Interfaces {
			if i.LinkID == id {
				return i.Addr.Addr()
			}
		}
		return netip.Addr{}
	}
	for _, l := range m.Links {
		if !l.Core || l.InterAS || !l.Up || down[l.ID] {
			continue
		}
		c := max(l.Cost, 1)
		adj[l.A.Node] = append(adj[l.A.Node], edge{l.B.Node, c, addr(l.B.Node, l.ID)})
		adj[l.B.Node] = append(adj[l.B.Node], edge{l.A.Node, c, addr(l.A.Node, l.ID)})
	}
	out := map[string]map[netip.Prefix][]netip.Addr{}
	for _, src := range core {
		dist := map[string]int{src: 0}
		first := map[string]map[netip.Addr]bool{} // next hops of the shortest paths
		pq := &nodeHeap{{src, 0}}
		done := map[string]bool{}
		for pq.Len() > 0 {
			it := heap.Pop(pq).(nodeDist)
			if done[it.node] {
				continue
			}
			done[it.node] = true
			for _, e := range adj[it.node] {
				d := it.dist + e.cost
				var via map[netip.Addr]bool
				if it.node == src {
					via = map[netip.Addr]bool{e.via: true}
				} else {
					via = first[it.node]
				}
				old, seen := dist[e.to]
				switch {
				case !seen || d < old:
					dist[e.to] = d
					first[e.to] = copySet(via)
					heap.Push(pq, nodeDist{e.to, d})
				case d == old:
					for a := range via {
						first[e.to][a] = true
					}
				}
			}
		}
		routes := map[netip.Prefix][]netip.Addr{}
		for _, dst := range core {
			if dst == src || !done[dst] {
				continue
			}
			var nhs []netip.Addr
			for a := range first[dst] {
				nhs = append(nhs, a)
			}
			slices.SortFunc(nhs, netip.Addr.Compare)
			routes[m.Node(dst).Loopback.Masked()] = nhs
		}
		out[src] = routes
	}
	return out
}

func copySet(s map[netip.Addr]bool) map[netip.Addr]bool {
	c := make(map[netip.Addr]bool, len(s))
	for k := range s {
		c[k] = true
	}
	return c
}

type nodeDist struct {
	node string
	dist int
}

type nodeHeap []nodeDist

func (h nodeHeap) Len() int           { return len(h) }
func (h nodeHeap) Less(i, j int) bool { return h[i].dist < h[j].dist }
func (h nodeHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *nodeHeap) Push(x any)        { *h = append(*h, x.(nodeDist)) }
func (h *nodeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
