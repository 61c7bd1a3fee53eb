package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/secgroup"
	"github.com/intercloud/intercloud/internal/topology"
)

// A cloud's node stands for its network node: the Neutron routers, their
// tenant subnets and the VMs behind them. What a cloud's Neutron holds
// reaches the lab through ApplyCloud (internal/cloud translates Neutron's
// state into a CloudConfig), which the lab applies by difference, so
// applying the same state twice changes nothing:
//
//   - routers' addresses become the cloud node's own and VMs' addresses
//     their compute node's (they answer ping, traceroute and UDP; the
//     cloud node routes each VM to its compute, cloudvm.go), tenant and
//     external subnets end on the cloud node (an absent VM is
//     unreachable, not routed back out);
//   - a router gateway's external subnet is a provider network on the
//     cloud's uplink: the attach node routes it to the cloud node
//     statically, so a BGP next hop in it (the gateway) resolves there;
//   - a BGP speaker that Neutron scheduled on the cloud's dragent runs
//     on the cloud node (cloudbgp.go).

// CloudConfig is what a cloud's Neutron asks of the data plane and BGP.
type CloudConfig struct {
	// Addresses the cloud node answers for: router ports' (and VM ports'
	// the caller hosts there itself).
	Addresses []netip.Addr
	// VMs are the VM ports' addresses, which live on the cloud's compute
	// nodes by their binding (cloudvm.go).
	VMs []CloudVM
	// Subnets that end on the cloud node: tenant subnets behind its
	// routers and the routers' external subnets.
	Subnets []netip.Prefix
	// Uplink are external subnets on the cloud's uplink, which the attach
	// node routes to the cloud node.
	Uplink []netip.Prefix
	// Speaker is the BGP speaker a dragent of the cloud hosts; nil when
	// Neutron has none to run.
	Speaker *CloudSpeaker
	// FloatingIPs are the floating IPs associated with a port, and the
	// fixed IP each stands for. In a cloud joining by floating-ip the
	// node NATs each to its fixed IP (router.SetNAT), which it answers
	// for; in others it answers the floating IP itself.
	FloatingIPs []CloudFloatingIP
	// Ports are the VMs' addresses the node filters with their ports'
	// security groups (statefully, internal/secgroup); an address not
	// listed is not filtered.
	Ports []secgroup.Port
	// BGPVPNs are the cloud's l3 BGPVPNs with their networks' VM ports:
	// in a cloud joining by bgpvpn, the computes hosting those ports
	// are PEs (computepe.go).
	BGPVPNs []CloudBGPVPN
	// L2VPNs are its l2 BGPVPNs with their networks' VM ports: their
	// computes run an EVPN instance each (l2vpn.go).
	L2VPNs []CloudL2VPN
}

// CloudFloatingIP is an associated floating IP.
type CloudFloatingIP struct {
	Floating, Fixed netip.Addr
}

// CloudSpeaker is a neutron-dynamic-routing speaker as the lab runs it.
type CloudSpeaker struct {
	Name    string
	LocalAS uint32
	// Agent is the host of the dragent that runs it. When it changes,
	// the speaker restarts in RFC 4724's restarting role, so the attach
	// node keeps its routes (stale) and traffic flows.
	Agent string
	// Unhosted: no enabled dragent hosts it (its agents are disabled, or
	// it is unscheduled). A running speaker then goes down as a dead
	// dragent's does, without a NOTIFICATION, so the attach node keeps
	// its routes as stale for the restart time; an agent taking it again
	// restarts it in the restarting role.
	Unhosted bool
	Peers    []CloudPeer
	// Routes are what it advertises (get_advertised_routes).
	Routes []CloudRoute
}

// CloudPeer is one of the speaker's BGP peers.
type CloudPeer struct {
	Addr netip.Addr
	ASN  uint32
}

// CloudRoute is an advertised route: a destination and its next hop (the
// Neutron router's gateway address).
type CloudRoute struct {
	Prefix  netip.Prefix
	NextHop netip.Addr
}

// cloudRun is what the lab applied for one cloud.
type cloudRun struct {
	c    *topology.Cloud
	node *Node
	sess *cloudSession // nil when the cloud has no dynamic-routing session

	mu     sync.Mutex // serializes ApplyCloud for the cloud
	addrs  map[netip.Addr]bool
	nets   map[netip.Prefix]bool
	uplink map[netip.Prefix]bool
	sp     *dragent // the running speaker, nil when none
	// idle says why a speaker Neutron has does not run, as last logged.
	idle string

	annMu     sync.Mutex            // guards announced alone (ceOriginates reads it)
	announced map[netip.Prefix]bool // uplink subnets the attach CE originates

	filter *secgroup.Filter // the VMs' security groups, made on first use

	vms    map[netip.Addr]string // VM addresses on computes -> compute (cloudvm.go)
	failed map[netip.Addr]string // VMs bound to no compute -> their host, as last logged

	pes        map[string]*computePE // compute name -> its PE state (computepe.go)
	nn         *computePE            // the network node's PE state for router associations, nil when it runs none (netnodepe.go)
	nnIdle     bool                  // router associations it cannot serve were logged
	bgpvpnIdle bool                  // BGPVPNs this cloud cannot run were logged
	l2Idle     bool                  // likewise its l2 BGPVPNs (l2vpn.go)
}

// cloudRunFor returns (creating it) the record of cloud name.
func (l *Lab) cloudRunFor(name string) (*cloudRun, error) {
	l.bgpMu.Lock()
	defer l.bgpMu.Unlock()
	if cr := l.clouds[name]; cr != nil {
		return cr, nil
	}
	for _, c := range l.Model.Clouds {
		if c.Name != name {
			continue
		}
		n := l.nodes[c.Node]
		if n == nil {
			return nil, fmt.Errorf("cloud %s has no node", name)
		}
		if l.clouds == nil {
			l.clouds = map[string]*cloudRun{}
		}
		cr := &cloudRun{c: c, node: n, addrs: map[netip.Addr]bool{}, nets: map[netip.Prefix]bool{}, uplink: map[netip.Prefix]bool{}, vms: map[netip.Addr]string{}}
		l.clouds[name] = cr
		return cr, nil
	}
	return nil, fmt.Errorf("no cloud %q", name)
}

// ApplyCloud brings cloud name's node, its attach node and its dragent
// speaker in line with cfg. It is idempotent and safe from any goroutine
// except with a router's control lock held.
func (l *Lab) ApplyCloud(name string, cfg CloudConfig) error {
	cr, err := l.cloudRunFor(name)
	if err != nil {
		return err
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	r := cr.node.Router
	space := cr.node.Model.Space
	want := setOf(cfg.Addresses)
	// The filter goes first: a VM must not answer before its groups apply.
	if cr.filter == nil && len(cfg.Ports) > 0 {
		cr.filter = secgroup.New(l.clk.Now)
		r.SetFilter(cr.filter)
		for _, cn := range l.computeNodes(cr.c) {
			cn.Router.SetFilter(cr.filter) // it filters the VMs' own addresses only
		}
	}
	if cr.filter != nil {
		cr.filter.Set(cfg.Ports)
	}
	onNode, err := l.syncVMs(cr, cfg.VMs)
	if err != nil {
		return err
	}
	for _, a := range onNode {
		want[a] = true
	}
	var nat []router.NAT1to1
	for _, f := range cfg.FloatingIPs {
		switch {
		case !cr.c.Joins(topology.JoinFloatingIP):
			want[f.Floating] = true // answered as is (a dynamic-routing host route)
		case slices.ContainsFunc(nat, func(n router.NAT1to1) bool { return n.Outside == f.Floating || n.Inside == f.Fixed }):
			// one rule per address: Neutron allows a fixed IP one floating IP
		default:
			nat = append(nat, router.NAT1to1{Outside: f.Floating, Inside: f.Fixed})
			if _, onCompute := cr.vms[f.Fixed]; !onCompute {
				want[f.Fixed] = true // else routed on to its compute
			}
		}
	}
	if err := r.SetNAT("", nat); err != nil {
		return err
	}
	for a := range cr.addrs {
		if !want[a] {
			r.RemoveLocal("", netip.PrefixFrom(a, 32))
			l.disown(a, cr.node.Model.Name, space)
			delete(cr.addrs, a)
		}
	}
	for _, a := range sortedKeys(want, netip.Addr.Compare) {
		if cr.addrs[a] {
			continue
		}
		if err := r.AddLocal("", netip.PrefixFrom(a, 32)); err != nil {
			return err
		}
		l.own(a, cr.node.Model.Name, space)
		cr.addrs[a] = true
	}
	if err := syncSet(cr.nets, cfg.Subnets,
		func(p netip.Prefix) error { return r.AddLocal("", p) },
		func(p netip.Prefix) { r.RemoveLocal("", p) }); err != nil {
		return err
	}
	if err := l.syncUplink(cr, cfg.Uplink); err != nil {
		return err
	}
	if err := l.syncComputePEs(cr, cfg.BGPVPNs); err != nil {
		return err
	}
	if err := l.syncL2VPNs(cr, cfg.L2VPNs); err != nil {
		return err
	}
	return l.syncDragent(cr, cfg.Speaker)
}

// syncUplink routes the cloud's external subnets from the attach node to
// the cloud node's uplink address.
func (l *Lab) syncUplink(cr *cloudRun, want []netip.Prefix) error {
	if cr.c.LinkID < 0 {
		return nil
	}
	link := l.Model.Links[cr.c.LinkID]
	att := l.nodes[cr.c.Attach]
	via := farEnd(link, cr.c.Attach)
	vrf := ""
	if ifc := l.attachIface(cr.c); ifc != nil {
		vrf = ifc.VRF
	}
	if err := syncSet(cr.uplink, want,
		func(p netip.Prefix) error { return att.Router.AddStatic(vrf, p, via) },
		func(p netip.Prefix) { att.Router.RemoveStatic(vrf, p, via) }); err != nil {
		return err
	}
	return l.syncAnnounced(cr, att, vrf)
}

// syncAnnounced has a CE that a floating-ip cloud hangs from announce the
// cloud's external subnets (its floating ranges) to its PE, as a provider
// redistributes a customer's static routes, so other sites reach the
// floating IPs. Only subnets inside the cloud's allocated prefix are
// announced; others stay local to the CE (an event says so).
func (l *Lab) syncAnnounced(cr *cloudRun, att *Node, vrf string) error {
	sp := att.BGP()
	if !cr.c.Joins(topology.JoinFloatingIP) || vrf != "" || att.Model.Role != topology.RoleCE || sp == nil {
		return nil
	}
	var want []netip.Prefix
	for p := range cr.uplink {
		if cr.c.Prefix.Bits() <= p.Bits() && cr.c.Prefix.Contains(p.Addr()) {
			want = append(want, p)
		} else if !cr.announced[p] {
			att.Router.Event("cloud-uplink", fmt.Sprintf("%v of cloud %s not announced: outside its prefix %v", p, cr.c.Name, cr.c.Prefix))
		}
	}
	for i, p := range want {
		want[i] = p.Masked()
	}
	cr.annMu.Lock()
	cr.announced = setOf(want)
	cr.annMu.Unlock()
	return att.bgp.vpn.Announce() // the CE's whole set: ceOriginates
}

// cloudAnnounced is what node originates for the clouds hanging from it
// (syncAnnounced), for ceOriginates.
func (l *Lab) cloudAnnounced(node string) []netip.Prefix {
	l.bgpMu.Lock()
	defer l.bgpMu.Unlock()
	var out []netip.Prefix
	for _, cr := range l.clouds {
		if cr.c.Attach != node {
			continue
		}
		cr.annMu.Lock()
		for p := range cr.announced {
			out = append(out, p)
		}
		cr.annMu.Unlock()
	}
	return out
}

// attachIface is the attach node's interface on the cloud's uplink.
func (l *Lab) attachIface(c *topology.Cloud) *topology.Interface {
	for _, ifc := range l.nodes[c.Attach].Model.Interfaces {
		if ifc.LinkID == c.LinkID {
			return ifc
		}
	}
	return nil
}

// syncSet makes have hold exactly want, adding and removing through the
// callbacks (in a stable order, so runs repeat).
func syncSet(have map[netip.Prefix]bool, want []netip.Prefix, add func(netip.Prefix) error, remove func(netip.Prefix)) error {
	w := map[netip.Prefix]bool{}
	for _, p := range want {
		w[p.Masked()] = true
	}
	for p := range have {
		if !w[p] {
			remove(p)
			delete(have, p)
		}
	}
	for _, p := range sortedKeys(w, comparePrefix) {
		if have[p] {
			continue
		}
		if err := add(p); err != nil {
			return err
		}
		have[p] = true
	}
	return nil
}

func setOf[T comparable](xs []T) map[T]bool {
	m := make(map[T]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// sortedKeys are a set's members in order.
func sortedKeys[T comparable](m map[T]bool, cmp func(a, b T) int) []T {
	out := make([]T, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, cmp)
	return out
}

// cloudSpeaker is the dragent speaker running on node, if any (show).
func (l *Lab) cloudSpeaker(node string) *bgp.Speaker {
	l.bgpMu.Lock()
	defer l.bgpMu.Unlock()
	for _, cr := range l.clouds {
		if cr.node.Model.Name == node && cr.sess != nil {
			return cr.sess.bs.bSp
		}
	}
	return nil
}

// CloudSpeaker is the dragent speaker running on a cloud's node, nil
// while none runs (none scheduled, or its agent down).
func (l *Lab) CloudSpeaker(node string) *bgp.Speaker { return l.cloudSpeaker(node) }
