package diagram

import (
	"sort"

	"github.com/intercloud/intercloud/internal/topology"
)

// view is the model reduced to what the renderers draw, in a fixed order.
// Building it once keeps the formats in agreement and keeps the renderers
// free of model-lookup code. Dangling references (a link to a node that is
// not in the model) are dropped here rather than failing: a diagram is a
// debugging aid and must draw whatever it is given.
type view struct {
	m        *topology.Model
	title    string
	nodes    []*vnode // model order
	byName   map[string]*vnode
	links    []*vlink // model order, drawable links only
	sessions []*vsession
	areas    []*varea  // ascending area id; core nodes only
	clouds   []*vcloud // model order, clouds whose node exists
	kinds    []topology.SessionKind
}

type vnode struct {
	idx   int
	n     *topology.Node
	name  string
	role  topology.Role
	rr    bool // role rr, or a p/pe with rr: true
	core  bool
	area  topology.Area // meaningful when core
	cloud *vcloud       // set on the node that stands for a cloud
}

type vcloud struct {
	c        *topology.Cloud // nil for a cloud node with no clouds: entry
	name     string
	node     *vnode
	computes []*topology.Compute
	// inner are the cloud's other routers, drawn in its box after the
	// computes (an sdn cloud's control node): see innerRouters.
	inner []*topology.Node
}

type vlink struct {
	idx   int // index in view.links
	l     *topology.Link
	a, b  *vnode
	label string
}

// endpoint is a session end: a node, or one compute node inside a cloud
// (BGPVPN compute nodes act as PEs and hold their own sessions).
type endpoint struct {
	node    *vnode
	compute int // index into node.cloud.computes, then .inner; -1 for the node itself
}

type vsession struct {
	s    *topology.Session
	a, b endpoint
	// members are the sessions a bundle stands for (s is the first):
	// one per compute node of a cloud to the same peer, drawn as one
	// line from the cloud (bundleSessions). Nil for a single session.
	members []*topology.Session
	cloudB  bool // a bundle's cloud is its b end
}

type varea struct {
	id    topology.Area
	nodes []*vnode // model order
}

// title picks the heading: the option, else the model's name.
func titleOf(m *topology.Model, o Options) string {
	switch {
	case o.Title != "":
		return o.Title
	case m != nil && m.Name != "":
		return m.Name
	}
	return "topology"
}

func newView(m *topology.Model, o Options) *view {
	v := &view{m: m, title: titleOf(m, o), byName: map[string]*vnode{}}
	if m == nil {
		return v
	}
	inner := innerRouters(m)
	for _, n := range m.Nodes {
		if n == nil || n.Role == topology.RoleCompute || inner[n] != "" {
			continue // drawn inside its cloud's box, with its underlay link
		}
		if _, dup := v.byName[n.Name]; dup {
			continue
		}
		vn := &vnode{
			idx:  len(v.nodes),
			n:    n,
			name: n.Name,
			role: n.Role,
			rr:   n.RouteReflector || n.Role == topology.RoleRR,
			core: n.Role.IsCore(),
			area: n.Area,
		}
		v.nodes = append(v.nodes, vn)
		v.byName[n.Name] = vn
	}

	// Clouds: attach each cloud entry to the node standing for it.
	for _, c := range m.Clouds {
		if c == nil {
			continue
		}
		vn := v.byName[c.Node]
		if vn == nil {
			vn = v.byName[c.Name]
		}
		if vn == nil || vn.cloud != nil {
			continue
		}
		vc := &vcloud{c: c, name: c.Name, node: vn, computes: c.Computes}
		vn.cloud = vc
		v.clouds = append(v.clouds, vc)
	}
	// A cloud-role node without an entry still draws as a cloud.
	for _, vn := range v.nodes {
		if vn.role == topology.RoleCloud && vn.cloud == nil {
			vn.cloud = &vcloud{name: vn.name, node: vn}
			v.clouds = append(v.clouds, vn.cloud)
		}
	}
	sort.SliceStable(v.clouds, func(i, j int) bool { return v.clouds[i].node.idx < v.clouds[j].node.idx })
	for _, n := range m.Nodes {
		if n == nil || inner[n] == "" {
			continue
		}
		if vn := v.byName[inner[n]]; vn != nil && vn.cloud != nil {
			vn.cloud.inner = append(vn.cloud.inner, n)
		}
	}

	for _, l := range m.Links {
		if l == nil {
			continue
		}
		a, b := v.byName[l.A.Node], v.byName[l.B.Node]
		if a == nil || b == nil || a == b {
			continue
		}
		v.links = append(v.links, &vlink{idx: len(v.links), l: l, a: a, b: b, label: linkLabel(l)})
	}

	seenKind := map[topology.SessionKind]bool{}
	for i := range m.Sessions {
		s := &m.Sessions[i]
		a, aok := v.endpoint(s.A)
		b, bok := v.endpoint(s.B)
		if !aok || !bok || a == b {
			continue
		}
		v.sessions = append(v.sessions, &vsession{s: s, a: a, b: b})
		seenKind[s.Kind] = true
	}
	v.sessions = bundleSessions(v.sessions)
	for _, k := range sessionKinds {
		if seenKind[k.Kind] {
			v.kinds = append(v.kinds, k.Kind)
			delete(seenKind, k.Kind)
		}
	}
	var other []topology.SessionKind
	for k := range seenKind {
		other = append(other, k)
	}
	sort.Slice(other, func(i, j int) bool { return other[i] < other[j] })
	v.kinds = append(v.kinds, other...)

	byArea := map[topology.Area]*varea{}
	for _, vn := range v.nodes {
		if !vn.core {
			continue
		}
		a := byArea[vn.area]
		if a == nil {
			a = &varea{id: vn.area}
			byArea[vn.area] = a
			v.areas = append(v.areas, a)
		}
		a.nodes = append(a.nodes, vn)
	}
	sort.Slice(v.areas, func(i, j int) bool { return v.areas[i].id < v.areas[j].id })
	return v
}

// endpoint resolves a session end: a node name, else a compute node's name
// (first cloud in model order wins), else a cloud's name.
func (v *view) endpoint(name string) (endpoint, bool) {
	if vn := v.byName[name]; vn != nil {
		return endpoint{node: vn, compute: -1}, true
	}
	for _, c := range v.clouds {
		for i, cp := range c.computes {
			if cp != nil && cp.Name == name {
				return endpoint{node: c.node, compute: i}, true
			}
		}
		for i, n := range c.inner {
			if n.Name == name {
				return endpoint{node: c.node, compute: len(c.computes) + i}, true
			}
		}
	}
	for _, c := range v.clouds {
		if c.name == name {
			return endpoint{node: c.node, compute: -1}, true
		}
	}
	return endpoint{}, false
}

// displayName is the first line of a node's label. A cloud shows its cloud
// name, and its node's name too when they differ.
func (vn *vnode) displayName() string {
	if vn.cloud != nil && vn.cloud.name != vn.name {
		return vn.cloud.name + " · " + vn.name
	}
	return vn.name
}

// innerRouters finds the routers the model adds inside a cloud besides its
// computes (an sdn cloud's control node): a node of a role no topology
// file declares whose links all go to one cloud's node. It maps each to
// that node's name. New cloud-internal routers are drawn in their cloud's
// box this way without the diagram knowing their role.
func innerRouters(m *topology.Model) map[*topology.Node]string {
	cloudNode := map[string]bool{}
	for _, c := range m.Clouds {
		if c != nil {
			cloudNode[c.Node], cloudNode[c.Name] = true, true
		}
	}
	declared := map[topology.Role]bool{topology.RoleCompute: true}
	for _, r := range topology.Roles {
		declared[r] = true
	}
	peer := map[string]string{} // candidate -> its one neighbour, "" when several
	for _, n := range m.Nodes {
		if n != nil && !declared[n.Role] {
			peer[n.Name] = "?"
		}
	}
	for _, l := range m.Links {
		if l == nil {
			continue
		}
		for _, e := range [][2]string{{l.A.Node, l.B.Node}, {l.B.Node, l.A.Node}} {
			p, ok := peer[e[0]]
			switch {
			case !ok:
			case p == "?":
				peer[e[0]] = e[1]
			case p != e[1]:
				peer[e[0]] = ""
			}
		}
	}
	out := map[*topology.Node]string{}
	for _, n := range m.Nodes {
		if n == nil {
			continue
		}
		if p := peer[n.Name]; p != "" && p != "?" && cloudNode[p] {
			out[n] = p
		}
	}
	return out
}

// bundleMin is the number of a cloud's computes peering alike from which
// their sessions are drawn as one: two lines per reflector still read,
// a dozen fan into a knot.
const bundleMin = 3

// bundleSessions draws the sessions of a cloud's compute nodes to one
// peer (a bgpvpn cloud's computes are PEs, each with a session to every
// reflector) as one line from the cloud when there are bundleMin or more,
// keeping the first one's place in the order.
func bundleSessions(in []*vsession) []*vsession {
	type key struct {
		kind  topology.SessionKind
		vrf   string
		cloud *vnode
		peer  endpoint
	}
	keyOf := func(s *vsession) (key, bool) {
		switch {
		case s.a.compute >= 0 && s.b.compute < 0:
			return key{s.s.Kind, s.s.VRF, s.a.node, s.b}, true
		case s.b.compute >= 0 && s.a.compute < 0:
			return key{s.s.Kind, s.s.VRF, s.b.node, s.a}, true
		}
		return key{}, false
	}
	count := map[key]int{}
	for _, s := range in {
		if k, ok := keyOf(s); ok {
			count[k]++
		}
	}
	bundles := map[key]*vsession{}
	var out []*vsession
	for _, s := range in {
		k, ok := keyOf(s)
		if !ok || count[k] < bundleMin {
			out = append(out, s)
			continue
		}
		if b := bundles[k]; b != nil {
			b.members = append(b.members, s.s)
			continue
		}
		b := &vsession{s: s.s, a: s.a, b: s.b, members: []*topology.Session{s.s}}
		if b.a.compute >= 0 {
			b.a.compute = -1
		} else {
			b.b.compute, b.cloudB = -1, true
		}
		bundles[k] = b
		out = append(out, b)
	}
	return out
}
