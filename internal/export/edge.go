package export

import (
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/topology"
)

// The edge (CEs, clouds, hosts) hangs off the core as trees, as the lab
// routes it (internal/lab/edge.go): a tree below a PE's VRF interface is a
// VPN site, routed by eBGP in the VRF; everything else is routed
// statically, each parent holding routes for the subtrees below it and each
// edge node a default route toward its parent. A cloud's compute nodes and
// underlay stay inside the cloud. The exported configurations carry the
// same static routes, so a real network routes as the lab does.

// edgeHop is how an edge node reaches its parent toward the core.
type edgeHop struct {
	parent string
	link   *topology.Link
}

// edgePlan is the static routing of the edge.
type edgePlan struct {
	up map[string]edgeHop
	// below maps a router to the static routes it holds toward its
	// children's subtrees.
	below map[string][]route
}

// route is a static route in the global table.
type route struct {
	prefix netip.Prefix
	via    netip.Addr
	to     string // the node the next hop belongs to, for the comment
}

func planEdge(m *topology.Model) *edgePlan {
	p := &edgePlan{up: map[string]edgeHop{}, below: map[string][]route{}}
	var queue []string
	seen := map[string]bool{}
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			queue = append(queue, n.Name)
			seen[n.Name] = true
		}
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, ifc := range m.Node(cur).Interfaces {
			peer := m.Node(ifc.Peer)
			if peer == nil || seen[peer.Name] || peer.Role.IsCore() {
				continue
			}
			seen[peer.Name] = true
			p.up[peer.Name] = edgeHop{parent: cur, link: m.Links[ifc.LinkID]}
			queue = append(queue, peer.Name)
		}
	}
	children := make([]string, 0, len(p.up))
	for c := range p.up {
		children = append(children, c)
	}
	slices.Sort(children)
	for _, child := range children {
		h := p.up[child]
		if p.vpnSite(m, child) {
			continue
		}
		via := farEnd(h.link, h.parent)
		for _, pre := range p.subtree(m, child) {
			p.below[h.parent] = append(p.below[h.parent], route{prefix: pre, via: via, to: child})
		}
	}
	return p
}

// vpnSite reports whether child hangs off a PE's VRF interface.
func (p *edgePlan) vpnSite(m *topology.Model, child string) bool {
	h, ok := p.up[child]
	if !ok {
		return false
	}
	for _, ifc := range m.Node(h.parent).Interfaces {
		if ifc.Peer == child && ifc.LinkID == h.link.ID && ifc.VRF != "" {
			return true
		}
	}
	return false
}

// subtree lists child's loopback, its descendants' and the links among
// them, leaving out clouds' compute nodes.
func (p *edgePlan) subtree(m *topology.Model, child string) []netip.Prefix {
	var out []netip.Prefix
	var walk func(string)
	walk = func(name string) {
		n := m.Node(name)
		out = append(out, n.Loopback)
		for _, ifc := range n.Interfaces {
			if peer := m.Node(ifc.Peer); peer == nil || peer.Role == topology.RoleCompute {
				continue
			}
			if h, ok := p.up[ifc.Peer]; ok && h.parent == name {
				out = append(out, h.link.Subnet)
				walk(ifc.Peer)
			}
		}
	}
	walk(child)
	return out
}

// farEnd is the address of the end of link that is not node.
func farEnd(l *topology.Link, node string) netip.Addr {
	if l.A.Node == node {
		return l.B.Addr
	}
	return l.A.Addr
}
