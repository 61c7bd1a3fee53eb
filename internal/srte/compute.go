package srte

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router"
)

// Segment is one SID of a segment list: a node SID, with the label the
// headend pushes for it (for the first, the first hop's; for the others,
// the SRGB of the node before + the index).
type Segment struct {
	Node  netip.Addr `json:"node"`
	Name  string     `json:"name,omitempty"`
	Index uint32     `json:"sid_index"`
	Label uint32     `json:"label"`
	// Adjacency marks an adjacency SID (RFC 8402): Label is the local
	// label the router before pops to send out the link whose address
	// is Link; Node is the router at the other end.
	Adjacency bool       `json:"adjacency,omitempty"`
	Link      netip.Addr `json:"link,omitzero"`
}

// result is a candidate path as computed.
type result struct {
	valid    bool
	reason   string // why not valid
	segments []Segment
	hops     []netip.Addr // dynamic: the routers the path crosses
	cost     uint64       // dynamic: the path's metric
	nexthops []router.Nexthop
}

// env is what a computation reads: the TEDB indexed, the headend's SR
// bindings, and its identity.
type env struct {
	db       *igp.TEDB
	g        *graph
	self     int32
	selfAddr netip.Addr
	bindings map[netip.Prefix]igp.SRBinding
	adj      map[netip.Addr]igp.AdjSID // by the advertising router's interface address; read on first need
	adjSIDs  func() []igp.AdjSID
	ifaces   map[netip.Addr]string // the headend's interface names by address
	ifNets   []netip.Prefix        // the headend's interface subnets
	igpTrees map[int32]*tree
	name     func(netip.Addr) string
}

func (x *env) igpTree(from int32) *tree {
	t := x.igpTrees[from]
	if t == nil {
		t = x.g.spf(from, igpWeight)
		x.igpTrees[from] = t
	}
	return t
}

// owner is the router owning a node SID's loopback.
func (x *env) owner(a netip.Addr) (int32, igp.TENodeSID, bool) {
	sid, ok := x.db.NodeSIDs[a]
	if !ok {
		return 0, sid, false
	}
	i, ok := x.g.ids[sid.Owner]
	return i, sid, ok
}

func (x *env) nameOf(a netip.Addr) string {
	if x.name == nil {
		return ""
	}
	return x.name(a)
}

func (x *env) label(a netip.Addr) string {
	if n := x.nameOf(a); n != "" {
		return n
	}
	return a.String()
}

func invalid(format string, args ...any) result {
	return result{reason: fmt.Sprintf(format, args...)}
}

// compute evaluates one candidate path of the policy to endpoint.
func (x *env) compute(c *CandidatePath, endpoint netip.Addr, attrs func(netip.Addr) LinkAttrs) result {
	if x.self < 0 {
		return invalid("the headend is not in the topology database yet")
	}
	if c.Dynamic != nil {
		return x.dynamic(c.Dynamic, endpoint)
	}
	return x.explicit(c, endpoint)
}

// explicit checks an explicit segment list and labels it.
func (x *env) explicit(c *CandidatePath, endpoint netip.Addr) result {
	segs := slices.Clone(c.Explicit)
	for len(segs) > 0 && segs[0] == x.selfAddr {
		segs = segs[1:]
	}
	if len(segs) == 0 || segs[len(segs)-1] != endpoint {
		segs = append(segs, endpoint)
	}
	prev := x.self
	out := make([]Segment, 0, len(segs))
	for _, a := range segs {
		i, sid, ok := x.owner(a)
		if !ok {
			return invalid("segment %s: no node SID in the topology database", x.label(a))
		}
		t := x.igpTree(prev)
		if !t.reached(i) {
			return invalid("segment %s: unreachable from %s", x.label(a), x.label(x.g.rid[prev]))
		}
		if c.Strict && !x.onlyLink(prev, i) {
			return invalid("strict hop %s: not reached from %s over their link as the only shortest path", x.label(a), x.label(x.g.rid[prev]))
		}
		out = append(out, Segment{Node: a, Name: x.nameOf(a), Index: sid.Index})
		prev = i
	}
	return x.labelled(out)
}

// onlyLink reports whether the IGP's only shortest path from a to b is
// one link between them.
func (x *env) onlyLink(a, b int32) bool {
	t := x.igpTree(a)
	return t.prev[b] == a && t.count[b] == 1
}

// dynamic runs CSPF to the endpoint and encodes the path as node SIDs.
func (x *env) dynamic(d *Dynamic, endpoint netip.Addr) result {
	dst, _, ok := x.owner(endpoint)
	if !ok {
		return invalid("endpoint %s: no node SID in the topology database", x.label(endpoint))
	}
	weight := func(e *edge) (uint64, bool) {
		for _, a := range e.affinity {
			if slices.Contains(d.ExcludeAny, a) {
				return 0, false
			}
		}
		if d.Metric == MetricLatency {
			return e.latency, true
		}
		return uint64(e.igp), true
	}
	t := x.g.spf(x.self, weight)
	if !t.reached(dst) {
		return invalid("no path to %s within the constraints", x.label(endpoint))
	}
	nodes, edges := x.g.path(t, dst)
	r := result{cost: t.dist[dst]}
	for _, v := range nodes {
		r.hops = append(r.hops, x.g.rid[v])
	}
	segs, err := x.encode(nodes, edges)
	if err != nil {
		return invalid("%v", err)
	}
	lr := x.labelled(segs)
	lr.hops, lr.cost = r.hops, r.cost
	return lr
}

// encode turns a path into the fewest node SIDs whose IGP shortest paths
// follow it: from each segment's start, the farthest router on the path
// that the IGP reaches only along the path.
func (x *env) encode(nodes []int32, edges []*edge) ([]Segment, error) {
	loopOf := map[netip.Addr]netip.Addr{}
	for lo, sid := range x.db.NodeSIDs {
		if cur, ok := loopOf[sid.Owner]; !ok || lo.Compare(cur) < 0 {
			loopOf[sid.Owner] = lo
		}
	}
	var segs []Segment
	for a := 0; a < len(nodes)-1; {
		t := x.igpTree(nodes[a])
		var cum uint64
		b := a
		for j := a + 1; j < len(nodes); j++ {
			cum += uint64(edges[j-1].igp)
			v := nodes[j]
			if t.dist[v] != cum || t.count[v] != 1 || t.prev[v] != nodes[j-1] {
				break
			}
			if _, ok := loopOf[x.g.rid[v]]; ok {
				b = j
			}
		}
		if b == a {
			// The IGP does not take this link from here: pin it with its
			// adjacency SID, when its router advertises one.
			e := edges[a]
			sid, ok := x.adjacency(e.ifAddr)
			if !ok {
				return nil, fmt.Errorf("the link %s-%s is not the IGP's only shortest path there and has no adjacency SID",
					x.label(x.g.rid[nodes[a]]), x.label(x.g.rid[nodes[a+1]]))
			}
			to := x.g.rid[nodes[a+1]]
			lo, ok := loopOf[to]
			if !ok {
				lo = to
			}
			segs = append(segs, Segment{Node: lo, Name: x.nameOf(lo), Label: sid.Label, Adjacency: true, Link: e.ifAddr})
			a++
			continue
		}
		lo := loopOf[x.g.rid[nodes[b]]]
		segs = append(segs, Segment{Node: lo, Name: x.nameOf(lo), Index: x.db.NodeSIDs[lo].Index})
		a = b
	}
	return segs, nil
}

// adjacency is the adjacency SID advertised for the interface address
// ifAddr; the IGP's list is read the first time one is needed.
func (x *env) adjacency(ifAddr netip.Addr) (igp.AdjSID, bool) {
	if x.adj == nil {
		x.adj = map[netip.Addr]igp.AdjSID{}
		if x.adjSIDs != nil {
			for _, a := range x.adjSIDs() {
				x.adj[a.IfAddr] = a
			}
		}
	}
	a, ok := x.adj[ifAddr]
	return a, ok
}

// ownLink is the first hop out of the headend's interface whose address
// is ifAddr: the interface and the neighbour's address on its subnet.
func (x *env) ownLink(ifAddr netip.Addr) (router.Nexthop, bool) {
	name, ok := x.ifaces[ifAddr]
	if !ok || x.self < 0 {
		return router.Nexthop{}, false
	}
	for _, e := range x.g.adj[x.self] {
		if e.ifAddr != ifAddr {
			continue
		}
		for _, back := range x.g.adj[e.to] {
			for _, n := range x.ifNets {
				if n.Contains(ifAddr) && n.Contains(back.ifAddr) && back.ifAddr != ifAddr {
					return router.Nexthop{Addr: back.ifAddr, Iface: name}, true
				}
			}
		}
	}
	return router.Nexthop{}, false
}

// labelled gives each segment its label and the path its first hops:
// the headend's SR LSP to the first segment, then SRGB(previous
// segment's node) + index for each other one.
func (x *env) labelled(segs []Segment) result {
	if len(segs) == 0 {
		return invalid("empty segment list")
	}
	rest := make([]uint32, 0, len(segs)-1)
	for i := 1; i < len(segs); i++ {
		if segs[i].Adjacency {
			rest = append(rest, segs[i].Label) // the router before's own label
			continue
		}
		prev := x.db.NodeSIDs[segs[i-1].Node].Owner
		n := x.db.Routers[prev]
		if n == nil || n.SRGB == nil || segs[i].Index >= n.SRGB.Size {
			return invalid("segment %s: %s has no SRGB for index %d", x.label(segs[i].Node), x.label(segs[i-1].Node), segs[i].Index)
		}
		segs[i].Label = n.SRGB.Base + segs[i].Index
		rest = append(rest, segs[i].Label)
	}
	if segs[0].Adjacency {
		// The headend's own adjacency: out of that link, nothing pushed
		// for it.
		nh, ok := x.ownLink(segs[0].Link)
		if !ok {
			return invalid("first segment: adjacency %v is not the headend's", segs[0].Link)
		}
		nh.Labels = rest
		return result{valid: true, segments: segs, nexthops: []router.Nexthop{nh}}
	}
	b, ok := x.bindings[netip.PrefixFrom(segs[0].Node, 32)]
	if !ok || len(b.Nexthops) == 0 {
		return invalid("first segment %s: unresolvable (no SR path from the headend)", x.label(segs[0].Node))
	}
	segs[0].Label = b.Nexthops[0].OutLabel
	r := result{valid: true, segments: segs}
	for _, h := range b.Nexthops {
		var stack []uint32
		if h.OutLabel != router.LabelImplicitNull {
			stack = append(stack, h.OutLabel)
		}
		stack = append(stack, rest...)
		r.nexthops = append(r.nexthops, router.Nexthop{Addr: h.Addr, Iface: h.Iface, Labels: stack})
	}
	return r
}
