package lab

import (
	"net/netip"
	"sort"

	"github.com/intercloud/intercloud/internal/topology"
)

// The edge — CEs, clouds, hosts — hangs off the core as trees. A tree
// hanging off a PE's VRF interface is a VPN site: its CE and the PE speak
// eBGP in the VRF (bgp.go), so neither gets a static route for the other,
// and the CE announces its loopback, its links and what hangs below it.
// Everything else — below a CE, and trees in no VPN — is routed
// statically, as a provider would provision a customer
// without dynamic routing: each edge node has a default route toward its
// parent, and each router has static routes for the subtrees below it. A
// core router a static tree hangs from redistributes those routes into
// the IGP, and LDP terminates their /32s, so traffic between them crosses
// the core on LSPs in the global table. Clouds keep these routes for their
// own node and uplink (and the node routes its computes' loopbacks on the
// cloud's underlay); what their Neutron holds (tenant subnets, VMs) is
// added by ApplyCloud (cloud.go). With Options.StaticEdge every
// tree, VPN sites included, is routed this way.

// hop is how a node reaches its parent toward the core.
type hop struct {
	parent string
	link   *topology.Link
}

// edgeTree finds, by breadth-first search from every core node at once,
// each edge node's parent toward the core. Edge nodes not connected to the
// core have no entry.
func (l *Lab) edgeTree() map[string]hop {
	up := map[string]hop{}
	var queue []string
	for _, n := range l.order {
		if n.Model.Role.IsCore() {
			queue = append(queue, n.Model.Name)
		}
	}
	seen := map[string]bool{}
	for _, q := range queue {
		seen[q] = true
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, ifc := range l.nodes[cur].Model.Interfaces {
			peer := ifc.Peer
			if seen[peer] || l.nodes[peer].Model.Role.IsCore() {
				continue
			}
			seen[peer] = true
			up[peer] = hop{parent: cur, link: l.Model.Links[ifc.LinkID]}
			queue = append(queue, peer)
		}
	}
	return up
}

// farEnd returns the address of the end of link that is not node.
func farEnd(link *topology.Link, node string) netip.Addr {
	if link.A.Node == node {
		return link.B.Addr
	}
	return link.A.Addr
}

// subtree lists the prefixes below child: its loopback, the loopbacks of
// its descendants and the subnets of the links among them. A cloud's
// compute nodes and their underlay links are in no subtree but their own:
// the cloud's node routes to them, nothing above it does (the underlay is
// not leaked into the WAN) — but for the underlay links of a bgpvpn
// cloud's computes, which act as PEs.
func (l *Lab) subtree(child string, up map[string]hop) []netip.Prefix {
	var out []netip.Prefix
	var walk func(string)
	walk = func(n string) {
		out = append(out, l.nodes[n].Model.Loopback)
		for _, ifc := range l.nodes[n].Model.Interfaces {
			if peer := l.nodes[ifc.Peer].Model; peer.Role == topology.RoleControl {
				continue // an sdn cloud's control node: the underlay is the cloud's
			}
			if peer := l.nodes[ifc.Peer].Model; peer.Role == topology.RoleCompute {
				// A cloud's underlay stays inside the cloud, except where
				// its computes are PEs (bgpvpn): the WAN then routes their
				// underlay addresses — not in LDP, so VPN traffic reaches
				// them by IP tunnel (computepe.go).
				if h, ok := up[ifc.Peer]; ok && h.parent == n && l.computeIsPE(peer.Cloud) {
					out = append(out, h.link.Subnet)
				}
				continue
			}
			if h, ok := up[ifc.Peer]; ok && h.parent == n {
				out = append(out, h.link.Subnet)
				walk(ifc.Peer)
			}
		}
	}
	walk(child)
	return out
}

// edgeRoutes installs the edge's static routes.
func (l *Lab) edgeRoutes() error {
	up := l.edgeTree()
	l.edge = map[string][]netip.Prefix{}
	l.below = map[string][]netip.Prefix{}
	for _, n := range l.order {
		name := n.Model.Name
		if h, ok := up[name]; ok && !l.vpnSite(h, name) {
			if err := n.Router.AddStatic("", netip.MustParsePrefix("0.0.0.0/0"), farEnd(h.link, name)); err != nil {
				return err
			}
		}
	}
	children := make([]string, 0, len(up))
	for child := range up {
		children = append(children, child)
	}
	sort.Strings(children) // the same routes in the same order every run
	for _, child := range children {
		h := up[child]
		if l.vpnSite(h, child) {
			continue // BGP carries the site's routes, in the PE's VRF
		}
		parent := l.nodes[h.parent]
		via := farEnd(h.link, h.parent)
		for _, p := range l.subtree(child, up) {
			l.below[h.parent] = append(l.below[h.parent], p)
			if err := parent.Router.AddStatic("", p, via); err != nil {
				return err
			}
			if parent.Model.Role.IsCore() {
				l.edge[h.parent] = append(l.edge[h.parent], p)
			}
		}
	}
	return nil
}

// edgePrefixes is what a core router routes statically toward the edge.
func (l *Lab) edgePrefixes(n *Node) []netip.Prefix { return l.edge[n.Model.Name] }

// vpnSite reports whether child hangs off a PE's VRF interface: a VPN
// site, routed by eBGP in the VRF rather than statically (unless the lab
// runs without BGP).
func (l *Lab) vpnSite(h hop, child string) bool {
	if l.opts.StaticEdge {
		return false
	}
	parent := l.nodes[h.parent].Model
	for _, ifc := range parent.Interfaces {
		if ifc.Peer == child && ifc.LinkID == h.link.ID && ifc.VRF != "" {
			return true
		}
	}
	return false
}
