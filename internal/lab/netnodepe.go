package lab

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// Router associations (networking-bgpvpn's router_associations) in a
// cloud joining by bgpvpn. A non-DVR Neutron router lives on the network
// node — the cloud's node — and is its VMs' gateway across the tenant
// network; with a router association the network node is the PE of the
// router's BGPVPN and the router its CE. The network node runs the same
// l3vpn.Node as a compute PE, with one attachment VRF per BGPVPN that has
// a router association: it exports the router's subnets (and, with
// advertise_extra_routes, its extra routes via its networks' VMs) with
// its own VPN label and its underlay address as next hop, on iBGP VPNv4
// with RT constraint to the reflectors of its ibgp-cloud sessions, and
// imports the BGPVPN's routes.
//
// The tenant network between the network node and the computes is an
// MPLS-in-UDP tunnel (RFC 7510) on the cloud's underlay, which keeps
// tenants apart as a VXLAN VNI would: the network node's VRF routes each
// VM's /32 (and each extra route) to the compute hosting it with the
// label of that compute's VRF for the BGPVPN, where the VM is (a route
// target-less attachment VRF: the compute does not export these VMs),
// and that VRF's default route goes back, in the same kind of tunnel,
// to the network node's VRF label — the router is the VMs' gateway. The
// default route is the simplest faithful choice: a VM sends everything
// off-link to its gateway, which holds the VPN's routes.
//
// Everything is by difference (syncComputePEs): the computes' VRFs first,
// whose labels the network node's tunnels take, then the network node's,
// then the computes' default routes to its labels.

// CloudRouterVPN is a router association's share of a BGPVPN.
type CloudRouterVPN struct {
	Router string
	// Subnets are the CIDRs of the subnets the router has an interface
	// on: what the network node exports.
	Subnets []netip.Prefix
	// Ports are the VM ports of those subnets' networks, placed on
	// computes as VMs are (cloudvm.go).
	Ports []CloudVM
	// Routes are the router's extra routes via those ports, when the
	// association says advertise_extra_routes.
	Routes []CloudVPNRoute
}

// planNetworkNodePE (from planComputePEs) gives bgpvpn cloud c's node its
// VPN speaker when the model gives it reflectors (ibgp-cloud sessions):
// no VRF and no session until a router association asks.
func (l *Lab) planNetworkNodePE(c *topology.Cloud) error {
	n := l.nodes[c.Node]
	rrs := l.reflectorsOf(c.Node)
	if n == nil || n.bgp != nil || len(rrs) == 0 {
		return nil
	}
	under := rrs[0].AAddr
	lt := &listeners{net: l.bgpNets[""], port: l.bgpPort()}
	lt.add(l.bgpNets[""], under)
	tr, listen, err := l.speakerTransport(c.Node, "", lt)
	if err != nil {
		return err
	}
	st := &bgpState{l: l, n: n, netNode: true}
	vpn, err := l3vpn.New(l3vpn.Config{
		Env: n.Router, Mode: l3vpn.Provider, NextHop: under, OnDemandVRFs: true, Encapsulations: ipTunnels,
		Speaker: bgp.Config{
			ASN: rrs[0].AASN, RouterID: n.Model.RouterID, Families: []bgp.Family{bgp.VPNv4},
			Transport: tr, ListenAddr: listen, Clock: l.clk, OnFiltered: st.filtered,
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Node, err)
	}
	st.vpn = vpn
	n.bgp = st
	return nil
}

// networkNodePE is the PE state of cr's network node, nil when it runs
// no VPN speaker.
func (l *Lab) networkNodePE(cr *cloudRun) *computePE {
	st := cr.node.bgp
	rrs := l.reflectorsOf(cr.node.Model.Name)
	if st == nil || !st.netNode || len(rrs) == 0 {
		return nil
	}
	return &computePE{node: cr.node, under: rrs[0].AAddr, vrfs: map[string]*attachment{}}
}

// cloudOfNode is the cloud whose node is name, "" when none.
func (l *Lab) cloudOfNode(name string) string {
	for _, c := range l.Model.Clouds {
		if c.Node == name {
			return c.Name
		}
	}
	return ""
}

// nnVRF is what the network node's VRF for one BGPVPN holds: the
// attachment (subnets ending there, exported routes) and its routes
// into the tunnels to the computes.
type nnVRF struct {
	at      *attachment
	tunnels []router.Route
}

// syncNetworkNode (cr.mu held, after the computes' VRFs) gives the
// network node exactly the VRFs its router associations ask for, then
// starts or stops its sessions.
func (l *Lab) syncNetworkNode(cr *cloudRun, vpns []CloudBGPVPN) error {
	nn := cr.nn
	if nn == nil {
		routers := slices.ContainsFunc(vpns, func(v CloudBGPVPN) bool { return len(v.Routers) > 0 })
		if routers && !cr.nnIdle {
			cr.node.Router.Event("bgpvpn", fmt.Sprintf("cloud %s's router associations stay in Neutron: its network node has no reflector to peer with", cr.c.Name))
		}
		cr.nnIdle = routers
		return nil
	}
	want, err := l.networkNodeWanted(cr, vpns)
	if err != nil {
		return err
	}
	r, vpn := nn.node.Router, nn.node.bgp.vpn
	for _, name := range sortedNames(nn.vrfs) {
		have := nn.vrfs[name]
		if w := want[name]; w != nil && sameVRF(have, w.at) {
			continue
		}
		r.Do(func() {
			vpn.RemoveVRF(name)
			r.RIB().ReplaceRoutes(router.ProtoStatic, name, nil)
		})
		for p := range have.nets {
			r.RemoveLocal(name, p)
		}
		delete(nn.vrfs, name)
		r.Event("bgpvpn", fmt.Sprintf("vrf %s (bgpvpn %s, router association) removed", name, have.bgpvpn))
	}
	for _, name := range sortedNames(want) {
		w := want[name]
		have := nn.vrfs[name]
		if have == nil {
			var err error
			if have, err = nn.addVRF(name, w.at, ", router association"); err != nil {
				return err
			}
			have.routed = true
		}
		// The subnets end here (an address no VM holds is unreachable),
		// the VMs' /32s and the extra routes go on to their computes.
		if err := syncNets(r, name, have.nets, w.at.nets); err != nil {
			return err
		}
		have.nets, have.routes = w.at.nets, w.at.routes
		routes, tunnels := w.at.routes, w.tunnels
		r.Do(func() {
			r.RIB().ReplaceRoutes(router.ProtoStatic, name, tunnels)
			vpn.SetAttached(name, routes)
		})
	}
	switch {
	case nn.attached() && nn.sessions == nil:
		return l.startComputeSessions(cr, nn)
	case !nn.attached() && nn.sessions != nil:
		l.stopComputeSessions(nn)
	}
	return nil
}

// networkNodeWanted is, per VRF name, what the network node's VRF for
// each BGPVPN with a router association holds.
func (l *Lab) networkNodeWanted(cr *cloudRun, vpns []CloudBGPVPN) (map[string]*nnVRF, error) {
	names := vrfNames(vpns)
	want := map[string]*nnVRF{}
	for _, v := range vpns {
		if len(v.Routers) == 0 {
			continue
		}
		rd, imports, exports, err := vpnTargets(v)
		if err != nil {
			return nil, err
		}
		name := names[v.ID]
		w := &nnVRF{at: &attachment{bgpvpn: v.ID, rd: rd, imports: imports, exput: exports, nets: map[netip.Prefix]bool{}}}
		seen := map[netip.Prefix]bool{}
		export := func(p netip.Prefix, pref uint32) {
			if !seen[p] {
				seen[p] = true
				w.at.routes = append(w.at.routes, l3vpn.Attached{Prefix: p, LocalPref: pref})
			}
		}
		routed := map[netip.Prefix]bool{}
		tunnel := func(p netip.Prefix, port CloudVM) {
			if nh, ok := l.toCompute(cr, v.ID, port); ok && !routed[p] {
				routed[p] = true
				w.tunnels = append(w.tunnels, router.Route{Prefix: p, Proto: router.ProtoStatic, Nexthops: []router.Nexthop{nh}})
			}
		}
		for _, rv := range v.Routers {
			for _, s := range rv.Subnets {
				if s = s.Masked(); s.Addr().Is4() {
					w.at.nets[s] = true
					export(s, v.LocalPref)
				}
			}
			for _, p := range rv.Ports {
				tunnel(netip.PrefixFrom(p.Addr, 32), p)
			}
			for _, rt := range rv.Routes {
				p := rt.Prefix.Masked()
				if !p.Addr().Is4() {
					continue
				}
				pref := rt.LocalPref
				if pref == 0 {
					pref = v.LocalPref
				}
				export(p, pref)
				tunnel(p, rt.Port)
			}
		}
		want[name] = w
	}
	return want, nil
}

// vpnTargets are a BGPVPN's route distinguisher (zero to allocate one)
// and route targets.
func vpnTargets(v CloudBGPVPN) (rd bgp.RD, imports, exports []bgp.ExtCommunity, err error) {
	if imports, err = parseRTs(v.Import); err == nil {
		exports, err = parseRTs(v.Export)
	}
	if err == nil && v.RD != "" {
		rd, err = bgp.ParseRD(v.RD)
	}
	if err != nil {
		return bgp.RD{}, nil, nil, fmt.Errorf("bgpvpn %s: %w", v.ID, err)
	}
	return rd, imports, exports, nil
}

// toCompute is the network node's way to port on the tenant network: an
// MPLS-in-UDP tunnel to the compute hosting it, with the label of that
// compute's VRF for BGPVPN bgpvpn's router-association VMs; false while
// the port lives nowhere or the compute has no such VRF.
func (l *Lab) toCompute(cr *cloudRun, bgpvpn string, port CloudVM) (router.Nexthop, bool) {
	host, err := placeVM(cr.c, port)
	pe := cr.pes[host]
	if err != nil || pe == nil {
		return router.Nexthop{}, false
	}
	vrf := pe.routedVRF(bgpvpn)
	if vrf == "" {
		return router.Nexthop{}, false
	}
	label := pe.node.bgp.vpn.VPNLabel(vrf)
	if label == 0 {
		return router.Nexthop{}, false
	}
	return router.Nexthop{Addr: pe.under, Labels: []uint32{label},
		Tunnel: &router.Tunnel{Encap: router.EncapMPLSInUDP, Src: cr.nn.under}}, true
}

// syncGateways (cr.mu held, after syncNetworkNode) gives each compute VRF
// holding a router association's VMs its default route to the network
// node's VRF of the same BGPVPN, in an MPLS-in-UDP tunnel with that
// VRF's label, and takes it away when there is none.
func (l *Lab) syncGateways(cr *cloudRun) {
	for _, host := range sortedNames(cr.pes) {
		pe := cr.pes[host]
		r := pe.node.Router
		for _, name := range sortedNames(pe.vrfs) {
			at := pe.vrfs[name]
			var label uint32
			if at.routed && cr.nn != nil {
				if gw := cr.nn.routedVRF(at.bgpvpn); gw != "" {
					label = cr.nn.node.bgp.vpn.VPNLabel(gw)
				}
			}
			if label == at.gwLabel {
				continue
			}
			var routes []router.Route
			if label != 0 {
				routes = []router.Route{{Prefix: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Proto: router.ProtoStatic, Nexthops: []router.Nexthop{{
					Addr: cr.nn.under, Labels: []uint32{label}, Tunnel: &router.Tunnel{Encap: router.EncapMPLSInUDP, Src: pe.under}}}}}
			}
			r.Do(func() { r.RIB().ReplaceRoutes(router.ProtoStatic, name, routes) })
			at.gwLabel = label
		}
	}
}
