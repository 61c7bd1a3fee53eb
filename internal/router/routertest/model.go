package routertest

import (
	"github.com/intercloud/intercloud/internal/topology"
)

// FromModel builds a network with a router for every node of m and a link
// for every link, with the model's addresses, interface names, VRFs,
// latencies and link states. Which protocols run where is the test's
// business.
func FromModel(m *topology.Model) *Net {
	n := NewNet()
	for _, node := range m.Nodes {
		r := n.AddRouter(node.Name, node.Loopback)
		if node.RouterID.IsValid() {
			r.rid = node.RouterID
		}
	}
	for _, l := range m.Links {
		a, b := n.Router(l.A.Node), n.Router(l.B.Node)
		ia, ib := ifaceOf(m.Node(l.A.Node), l.A.Interface), ifaceOf(m.Node(l.B.Node), l.B.Interface)
		link := n.Connect(a, ia.Name, ia.Addr, b, ib.Name, ib.Addr, l.Latency)
		a.ifaces[len(a.ifaces)-1].VRF = ia.VRF
		b.ifaces[len(b.ifaces)-1].VRF = ib.VRF
		a.rib.setConnected(a.connectedRoutes())
		b.rib.setConnected(b.connectedRoutes())
		if !l.Up {
			link.SetUp(false)
		}
	}
	return n
}

func ifaceOf(n *topology.Node, name string) *topology.Interface {
	for _, i := range n.Interfaces {
		if i.Name == name {
			return i
		}
	}
	panic("routertest: model has no interface " + n.Name + ":" + name)
}
