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
	compute int // index into node.cloud.computes, or -1 for the node itself
}

type vsession struct {
	s    *topology.Session
	a, b endpoint
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
	for _, n := range m.Nodes {
		if n == nil || n.Role == topology.RoleCompute {
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
