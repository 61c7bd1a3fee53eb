package lab

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/topology"
)

// A VM lives on a compute node of its cloud: its port's address is the
// compute's own (it answers ping, traceroute and UDP there), one routed
// hop behind the compute (router.SetGuests), and the cloud's node — the
// network node, where the Neutron routers and their tenant subnets are —
// routes the address to the compute over the cloud's underlay. So
// traffic from the WAN reaches a VM through its cloud's node and then its
// compute, and traceroute shows both before the VM.
//
// Where a port lives is its binding:host_id (Nova sets it to the compute
// its scheduler chose; an admin may set it): a port bound to a compute of
// the cloud lives there. A port not bound yet lives on the compute its id
// hashes to, so that the place is deterministic and does not move when
// other ports come and go. A port bound to a host that is no compute of
// the cloud is a failed binding, as in Neutron: it lives nowhere. A cloud
// without computes keeps its VMs on its node.

// CloudVM is a VM port's address and where Neutron binds it.
type CloudVM struct {
	Addr netip.Addr
	Port string // the port's id, which places an unbound port
	Host string // binding:host_id, "" while unbound
}

// placeVM is the compute node vm lives on, "" for the cloud's node (a
// cloud without computes), or an error for a failed binding.
func placeVM(c *topology.Cloud, vm CloudVM) (string, error) {
	if len(c.Computes) == 0 {
		return "", nil
	}
	if vm.Host != "" {
		for _, cn := range c.Computes {
			if cn.Name == vm.Host {
				return cn.Name, nil
			}
		}
		return "", fmt.Errorf("port %s (%v) is bound to %q, which is no compute node of cloud %s", vm.Port, vm.Addr, vm.Host, c.Name)
	}
	h := fnv.New32a()
	h.Write([]byte(vm.Port))
	return c.Computes[int(h.Sum32()%uint32(len(c.Computes)))].Name, nil
}

// syncVMs hosts cfg's VMs on their computes and routes each from the
// cloud's node to its compute; it returns the VMs that stay on the
// cloud's node (none unless the cloud has no computes), which the caller
// adds to the node's own addresses.
func (l *Lab) syncVMs(cr *cloudRun, vms []CloudVM) ([]netip.Addr, error) {
	want := map[netip.Addr]string{}
	var onNode []netip.Addr
	failed := map[netip.Addr]string{}
	for _, vm := range vms {
		host, err := placeVM(cr.c, vm)
		switch {
		case err != nil:
			if h, was := cr.failed[vm.Addr]; !was || h != vm.Host {
				cr.node.Router.Event("port-binding", "binding failed: "+err.Error())
			}
			failed[vm.Addr] = vm.Host
		case host == "":
			onNode = append(onNode, vm.Addr)
		default:
			want[vm.Addr] = host
		}
	}
	cr.failed = failed
	space := cr.node.Model.Space
	for a, host := range cr.vms {
		if want[a] == host {
			continue
		}
		cn := l.nodes[host]
		cn.Router.RemoveLocal("", netip.PrefixFrom(a, 32))
		cr.node.Router.RemoveStatic("", netip.PrefixFrom(a, 32), underlayAddr(cn))
		l.disown(a, host, space)
		delete(cr.vms, a)
	}
	addrs := make([]netip.Addr, 0, len(want))
	for a := range want {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	for _, a := range addrs {
		host := want[a]
		if cr.vms[a] == host {
			continue
		}
		cn := l.nodes[host]
		if err := cn.Router.AddLocal("", netip.PrefixFrom(a, 32)); err != nil {
			return nil, err
		}
		if err := cr.node.Router.AddStatic("", netip.PrefixFrom(a, 32), underlayAddr(cn)); err != nil {
			return nil, err
		}
		l.ownGuest(a, host, space)
		cr.vms[a] = host
		cn.Router.Event("vm-port", fmt.Sprintf("%v of cloud %s lives here", a, cr.c.Name))
	}
	// The VMs are a routed hop behind their compute (traceroute shows
	// it), with those of its BGPVPN attachments (computepe.go).
	l.setGuests(cr)
	return onNode, nil
}

// underlayAddr is a compute node's address on its link to the cloud's node.
func underlayAddr(cn *Node) netip.Addr {
	return cn.Model.Interfaces[0].Addr.Addr()
}

// computeNodes are the cloud's compute nodes the lab runs.
func (l *Lab) computeNodes(c *topology.Cloud) []*Node {
	var out []*Node
	for _, cn := range c.Computes {
		if n := l.nodes[cn.Name]; n != nil {
			out = append(out, n)
		}
	}
	return out
}

// VMHost is the node a VM address of cloud lives on (a compute node, or
// the cloud's node for a cloud without computes); false when the cloud
// hosts no such VM.
func (l *Lab) VMHost(cloud string, a netip.Addr) (string, bool) {
	l.bgpMu.Lock()
	cr := l.clouds[cloud]
	l.bgpMu.Unlock()
	if cr == nil {
		return "", false
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if h, ok := cr.vms[a]; ok {
		return h, true
	}
	if cr.addrs[a] {
		return cr.node.Model.Name, true
	}
	return "", false
}
