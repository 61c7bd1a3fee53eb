package topology

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// owned is an address block and who holds it, for the overlap check.
type owned struct {
	space  string // address space (Node.Space); blocks only clash within one
	p      netip.Prefix
	what   string // "loopback of", "link", "prefix of cloud"
	name   string // the owner, or a link's first end
	peer   string // a link's second end
	pos    Pos
	pinned bool
}

// owner names the holder of a block; it is only spelled out for an error,
// not for each of the 200,000 blocks of a large lab.
func (o *owned) owner() string {
	if o.peer != "" {
		return o.what + " " + o.name + "-" + o.peer
	}
	return o.what + " " + o.name
}

// checkAddresses finds any two loopbacks (compute nodes' included), link subnets or
// cloud prefixes of one address space that overlap. Allocation never makes
// such a pair, so at least one side is pinned, and the error points at the
// pin. Different VPNs may reuse addresses: their spaces never meet.
func (r *resolver) checkAddresses() {
	all := make([]owned, 0, len(r.m.Nodes)+len(r.m.Links)+len(r.m.Clouds))
	for _, n := range r.m.Nodes {
		if n.Loopback.IsValid() {
			ns := r.nspec[n.Name]
			all = append(all, owned{n.Space, n.Loopback.Masked(), "loopback of", n.Name, "", ns.where("loopback"), !n.IsAuto("loopback")})
		}
	}
	for i, l := range r.m.Links {
		if l.Subnet.IsValid() {
			ls := r.links[i]
			p := ls.where("subnet")
			if !ls.has("subnet") {
				p = ls.pos
			}
			all = append(all, owned{l.Space, l.Subnet, "link", l.A.Node, l.B.Node, p, !contains(l.Auto, "subnet")})
		}
	}
	for _, c := range r.m.Clouds {
		cs := r.cloudSpec(c.Name)
		space := ""
		if n := r.nodes[c.Node]; n != nil {
			space = n.Space
		}
		if c.Prefix.IsValid() {
			all = append(all, owned{space, c.Prefix, "prefix of cloud", c.Name, "", cs.where("prefix"), cs.has("prefix")})
		}
	}
	slices.SortStableFunc(all, func(x, y owned) int {
		if c := strings.Compare(x.space, y.space); c != 0 {
			return c
		}
		if c := x.p.Addr().Compare(y.p.Addr()); c != 0 {
			return c
		}
		return x.p.Bits() - y.p.Bits()
	})
	// Sweep in address order keeping the block reaching furthest.
	var open *owned
	for i := range all {
		cur := &all[i]
		if open != nil && open.space != cur.space {
			open = nil
		}
		if open != nil && open.p.Overlaps(cur.p) {
			at, other := cur, open
			if !cur.pinned || (open.pinned && open.pos.Line > cur.pos.Line) {
				at, other = open, cur
			}
			verb := "overlaps"
			if at.p == other.p {
				verb = "duplicates"
			}
			r.d.errorf(at.pos, "pick another address, or leave it out to have one allocated", "%s %s %s %s (%s)", at.owner(), at.p, verb, other.owner(), other.p)
		}
		if open == nil || lastAddr(cur.p).Compare(lastAddr(open.p)) > 0 {
			open = cur
		}
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	return addrAdd(p.Addr(), poolSize(p, 32)-1)
}

// components groups nodes connected by the links keep accepts: union-find
// over node indexes (union by size), so a 100,000-router chain stays cheap.
func components(nodes []*Node, links []*Link, keep func(*Link) bool) [][]*Node {
	index := make(map[string]int, len(nodes))
	parent := make([]int, len(nodes))
	size := make([]int, len(nodes))
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int) {
		ra, rb := find(a), find(b)
		if ra == rb {
			return
		}
		if size[ra] < size[rb] {
			ra, rb = rb, ra
		}
		parent[rb] = ra
		size[ra] += size[rb]
	}
	for i, n := range nodes {
		parent[i], size[i] = i, 1
		if j, dup := index[n.Name]; dup {
			union(i, j) // one name is one node
			continue
		}
		index[n.Name] = i
	}
	for _, l := range links {
		a, okA := index[l.A.Node]
		b, okB := index[l.B.Node]
		if okA && okB && keep(l) {
			union(a, b)
		}
	}
	// Groups in the order their first node is listed.
	slot := make([]int, len(nodes)) // root -> 1 + its group's index in out
	var out [][]*Node
	for i, n := range nodes {
		root := find(i)
		if slot[root] == 0 {
			out = append(out, nil)
			slot[root] = len(out)
		}
		out[slot[root]-1] = append(out[slot[root]-1], n)
	}
	// Largest first; ties in file order.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func nodeList(ns []*Node, most int) string {
	var names []string
	for i, n := range ns {
		if i == most {
			names = append(names, fmt.Sprintf("and %d more", len(ns)-most))
			break
		}
		names = append(names, n.Name)
	}
	return strings.Join(names, ", ")
}

// checkGraph checks what the IGP and BGP will need of the shape: a core in
// one piece, every PE able to reach a route reflector of its AS, and every
// OSPF area attached to the backbone.
func (r *resolver) checkGraph() {
	var core []*Node
	for _, n := range r.m.Nodes {
		if n.Role.IsCore() {
			core = append(core, n)
		}
	}
	if len(core) == 0 {
		return
	}
	// Each AS's core must be in one piece (ASes meet on inter-AS links,
	// which carry no IGP); the ASes themselves must all be linked.
	var parts [][]*Node
	split := false
	for _, as := range byASN(core) {
		asParts := components(as, r.m.Links, func(l *Link) bool { return l.Core })
		for _, part := range asParts[1:] {
			r.d.errorf(r.nspec[part[0].Name].pos, "link them to the rest of the core", "the core is partitioned: %s cannot reach %s", nodeList(part, 5), asParts[0][0].Name)
		}
		split = split || len(asParts) > 1
		if len(asParts) == 1 {
			up := components(as, r.m.Links, func(l *Link) bool { return l.Core && l.Up })
			for _, part := range up[1:] {
				r.d.warnf(r.nspec[part[0].Name].pos, "links with state: down start down", "with its down links the core starts partitioned: %s cannot reach %s", nodeList(part, 5), up[0][0].Name)
			}
		}
		parts = append(parts, asParts...)
	}
	if ases := components(core, r.m.Links, func(l *Link) bool { return l.Core || l.InterAS }); !split && len(ases) > 1 {
		for _, part := range ases[1:] {
			r.d.errorf(r.nspec[part[0].Name].pos, "link a PE of each AS to a PE of the other (an inter-AS link)", "AS %d is cut off: %s cannot reach %s", part[0].ASN, nodeList(part, 5), ases[0][0].Name)
		}
	}
	// PEs must reach a reflector of their own AS where the AS has any.
	hasRR := map[uint32]bool{}
	for _, n := range core {
		if n.RouteReflector {
			hasRR[n.ASN] = true
		}
	}
	for _, part := range parts {
		rrIn := map[uint32]bool{}
		for _, n := range part {
			if n.RouteReflector {
				rrIn[n.ASN] = true
			}
		}
		for _, n := range part {
			if n.Role == RolePE && !n.RouteReflector && hasRR[n.ASN] && !rrIn[n.ASN] {
				r.d.errorf(r.nspec[n.Name].pos, "its VPN routes could not be reflected; link it to the core", "pe %s has no path to a route reflector", n.Name)
			}
		}
	}
	r.checkAreas(core)
}

func (r *resolver) checkAreas(core []*Node) {
	areas := map[Area]bool{}
	var list []Area
	for _, l := range r.m.Links {
		if l.Core && !areas[l.Area] {
			areas[l.Area] = true
			list = append(list, l.Area)
		}
	}
	if len(list) < 2 {
		return
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	inArea := func(a Area) func(*Link) bool {
		return func(l *Link) bool { return l.Core && l.Area == a }
	}
	// Routers with an interface in each area.
	members := map[Area]map[string]bool{}
	firstLink := map[Area]int{}
	for i, l := range r.m.Links {
		if !l.Core {
			continue
		}
		if members[l.Area] == nil {
			members[l.Area] = map[string]bool{}
			firstLink[l.Area] = i
		}
		members[l.Area][l.A.Node] = true
		members[l.Area][l.B.Node] = true
	}
	if !areas[0] {
		r.d.errorf(r.links[firstLink[list[0]]].pos, "with several areas one must be 0, the backbone", "areas %s have no backbone area 0.0.0.0", areaList(list))
		return
	}
	pick := func(a Area) []*Node {
		var ns []*Node
		for _, n := range core {
			if members[a][n.Name] {
				ns = append(ns, n)
			}
		}
		return ns
	}
	backbone := components(pick(0), r.m.Links, inArea(0))
	for _, part := range backbone[1:] {
		r.d.errorf(r.nspec[part[0].Name].pos, "OSPF needs a contiguous backbone; virtual links are not supported", "area 0.0.0.0 is split: %s cannot reach %s within it", nodeList(part, 5), backbone[0][0].Name)
	}
	for _, a := range list[1:] {
		for _, part := range components(pick(a), r.m.Links, inArea(a)) {
			abr := false
			for _, n := range part {
				if members[0][n.Name] {
					abr = true
				}
			}
			if !abr {
				r.d.errorf(r.links[firstLink[a]].pos, "give one of its routers a link in area 0", "area %s (%s) has no border router to the backbone", a, nodeList(part, 5))
			}
		}
	}
}

func areaList(as []Area) string {
	var s []string
	for _, a := range as {
		s = append(s, a.String())
	}
	return strings.Join(s, ", ")
}

// byASN groups core nodes by AS, in AS order.
func byASN(core []*Node) [][]*Node {
	idx := map[uint32]int{}
	var out [][]*Node
	for _, n := range core {
		i, ok := idx[n.ASN]
		if !ok {
			i = len(out)
			idx[n.ASN] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], n)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][0].ASN < out[j][0].ASN })
	return out
}

// pick is a conditional expression, for messages.
func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}
