package l3vpn

import (
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// IP tunnels for VPN traffic (RFC 9012 with RFC 7510 and RFC 4023): an
// egress not on the core's LSPs — a cloud's compute node acting as PE —
// offers MPLS-in-UDP or MPLS-in-GRE with its VPN routes, and an ingress
// without a transport LSP to the route's next hop sends the VPN-labelled
// packets in that tunnel across plain IP (router.Tunnel).
//
// Advertising: Config.Encapsulations puts one Encapsulation extended
// community per tunnel type on every VPN route the Node's VRFs export.
// Accepting: every VPN route imported into a VRF whose egress offers
// MPLS-in-UDP or MPLS-in-GRE — by the Tunnel Encapsulation attribute or
// the extended community — gets a nexthop with a router.Tunnel whose
// UnlessLSP is set: the RIB uses the LSP to the next hop when there is
// one, the tunnel otherwise. Routes offering neither go over the LSP as
// before.

// encapCommunities are the Encapsulation extended communities for ts, in
// order, without repeats.
func encapCommunities(ts []bgp.TunnelType) []bgp.ExtCommunity {
	var out []bgp.ExtCommunity
	for _, t := range ts {
		if e := bgp.EncapsulationCommunity(t); !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// exportCommunities are what a VPN route of v is exported with: the
// VRF's route targets (and color), then the Node's encapsulations.
func (n *Node) exportCommunities(v *vrf) []bgp.ExtCommunity {
	ecs := v.exportCommunities()
	if len(n.encaps) == 0 {
		return ecs
	}
	return append(slices.Clone(ecs), n.encaps...)
}

// Encapsulations are the tunnel types the Node advertises.
func (n *Node) Encapsulations() []bgp.TunnelType {
	out := make([]bgp.TunnelType, 0, len(n.encaps))
	for _, e := range n.encaps {
		t, _ := e.Encapsulation()
		out = append(out, t)
	}
	return out
}

// routerEncap is the data plane's name for a BGP tunnel type it can
// send into; false for the types it cannot (VXLAN carries Ethernet, not
// labels).
func routerEncap(t bgp.TunnelType) (router.Encap, bool) {
	switch t {
	case bgp.TunnelMPLSInUDP:
		return router.EncapMPLSInUDP, true
	case bgp.TunnelMPLSInGRE, bgp.TunnelGRE:
		// GRE carrying a labelled payload is MPLS-in-GRE (RFC 9012
		// 3.2.1: the protocol type follows the payload); bagpipe-bgp's
		// OVS driver advertises it so.
		return router.EncapMPLSInGRE, true
	}
	return 0, false
}

// ChooseTunnel picks the tunnel a VPN route's packets take when its next
// hop is on no LSP, and where it ends. The Tunnel Encapsulation
// attribute's TLVs come first, in the advertiser's order (RFC 9012
// section 6); then the Encapsulation extended communities, an unordered
// set, of which MPLS-in-UDP is preferred to MPLS-in-GRE (it spreads
// flows over the underlay's ECMP paths by its source port). false when
// the route offers neither.
func ChooseTunnel(r *bgp.Route) (router.Encap, netip.Addr, bool) {
	return chooseTunnel(&r.Attrs, r.NextHop)
}

// chooseTunnel is ChooseTunnel for attributes a and next hop nh.
func chooseTunnel(a *bgp.Attrs, nh netip.Addr) (router.Encap, netip.Addr, bool) {
	if a.TunnelEncap != "" {
		tlvs, _ := bgp.ParseTunnelEncap([]byte(a.TunnelEncap))
		for _, t := range tlvs {
			e, ok := routerEncap(t.Type)
			if !ok || t.Unusable != "" || t.Endpoint.Is6() {
				continue
			}
			end := t.Endpoint
			if !end.IsValid() {
				end = nh
			}
			return e, end, true
		}
	}
	var gre bool
	for _, ec := range a.ExtCommunityList() {
		t, ok := ec.Encapsulation()
		if !ok {
			continue
		}
		switch e, _ := routerEncap(t); e {
		case router.EncapMPLSInUDP:
			return e, nh, true
		case router.EncapMPLSInGRE:
			gre = true
		}
	}
	return router.EncapMPLSInGRE, nh, gre
}

// vpnNexthop is how a VRF reaches an imported VPN route: its VPN label
// (labels, the one) to its next hop, over the LSP there, or in the
// tunnel the egress offers when there is no LSP. The tunnel starts from
// the address the Node exports its own routes with (Config.NextHop: a
// compute node's underlay address), else the router's loopback.
func (n *Node) vpnNexthop(labels []uint32, a *bgp.Attrs) router.Nexthop {
	nh := router.Nexthop{Addr: a.NextHop, Labels: labels}
	if e, end, ok := chooseTunnel(a, a.NextHop); ok && end.Is4() {
		nh.Addr = end
		nh.Tunnel = n.tunnelOf(e)
	}
	return nh
}

// tunnelOf is the tunnel a VPN route's nexthop falls back to, one per
// encapsulation for every route (control lock held): most VPN routes
// offer one, and nobody changes a Tunnel once made.
func (n *Node) tunnelOf(e router.Encap) *router.Tunnel {
	for _, t := range n.tunnels {
		if t.Encap == e {
			return t
		}
	}
	t := &router.Tunnel{Encap: e, Src: n.nextHop, UnlessLSP: true}
	n.tunnels = append(n.tunnels, t)
	return t
}
