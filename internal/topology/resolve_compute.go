package topology

import (
	"net/netip"
	"slices"
	"strconv"
)

// addComputeNodes makes each cloud's compute nodes routers of the model:
// a node of role compute (its loopback is the one allocateLoopbacks gave
// it) and an underlay link from the cloud's node, which stands for the
// cloud's network node. They come after everything else — nodes, links,
// link subnets, interface names — so that adding or removing a compute
// renumbers nothing of the WAN: the underlay subnets are taken from the
// links pool once every other link has its own.
//
// The underlay is the cloud's data-centre network: no latency, no IGP;
// the lab routes it statically inside the cloud (internal/lab's edge).
func (r *resolver) addComputeNodes() {
	pool := r.m.Pools.Links
	a := newSlotAllocator(poolSize(pool, 31), 0)
	for _, l := range r.m.Links {
		if l.Subnet.IsValid() && pool.Contains(l.Subnet.Addr()) && l.Subnet.Bits() >= pool.Bits() {
			first := addrDiff(l.Subnet.Addr(), pool.Addr()) / 2
			for s := uint64(0); s < poolSize(l.Subnet, 31); s++ {
				a.reserve(first + s)
			}
		}
	}
	short := 0
	for _, c := range r.m.Clouds {
		cloud := r.nodes[c.Node]
		cs := r.cloudSpec(c.Name)
		if cloud == nil || cs == nil {
			continue
		}
		underlay := c.Computes
		if c.Control != nil {
			underlay = append(slices.Clone(underlay), c.Control) // an sdn cloud's control node (resolve_sdn.go)
		}
		for _, cn := range underlay {
			role := RoleCompute
			if cn == c.Control {
				role = RoleControl
			}
			n := r.addNode(&nodeSpec{Name: cn.Name, Role: role, at: at{pos: cs.where("computes")}})
			if n == nil {
				continue
			}
			n.Cloud = c.Name
			if role == RoleControl {
				n.ASN, n.RouteReflector, n.ClusterID = c.ASN, true, cn.Loopback.Addr()
				n.Auto = append(n.Auto, "asn", "cluster_id")
			}
			n.Loopback = cn.Loopback
			n.RouterID = cn.Loopback.Addr()
			n.Auto = append(n.Auto, "loopback", "router_id")
			l := r.addLink(&linkSpec{A: endpointSpec{Node: cloud.Name, pos: cs.pos}, B: endpointSpec{Node: n.Name, pos: cs.pos}, at: at{pos: cs.pos}})
			l.Latency, l.Jitter, l.Loss, l.Rate = 0, 0, 0, 0
			slot, ok := a.take(cloud.Name+"|"+n.Name+"#0", -1, -1)
			if !ok {
				short++
				continue
			}
			l.Subnet = netip.PrefixFrom(addrAdd(pool.Addr(), slot*2), 31)
			l.Auto = append(l.Auto, "subnet")
			for side, ep := range []*Endpoint{&l.A, &l.B} {
				node, peer := cloud, n
				if side == 1 {
					node, peer = n, cloud
				}
				ep.Interface = nextEth(node)
				ep.Addr = endAddr(l.Subnet, side)
				node.Interfaces = append(node.Interfaces, &Interface{Name: ep.Interface, Addr: netip.PrefixFrom(ep.Addr, l.Subnet.Bits()),
					LinkID: l.ID, Peer: peer.Name, Auto: []string{"name", "addr"}})
			}
		}
	}
	if short > 0 {
		r.poolTooSmall("links", pool.String(), "link subnets (compute underlay)", short)
	}
}

// nextEth is the first ethN the node does not use yet.
func nextEth(n *Node) string {
	used := map[string]bool{}
	for _, i := range n.Interfaces {
		used[i.Name] = true
	}
	for k := 1; ; k++ {
		if name := "eth" + strconv.Itoa(k); !used[name] {
			return name
		}
	}
}
