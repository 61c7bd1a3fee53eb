package gnmi

import (
	"strings"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
)

type (
	ocNeighbor     = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Neighbors_Neighbor
	ocSessionState = oc.E_OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Neighbors_Neighbor_State_SessionState
)

// speaker is the BGP speaker of a node's instance: the global one, or a
// PE's speaker for one VRF's CE sessions (nil when there is none).
func speaker(n *lab.Node, vrf string) *bgp.Speaker {
	if vrf == "" {
		return n.BGP()
	}
	return n.VRFBGP(vrf)
}

// afiSafi names a bgp family as OpenConfig's AFI_SAFI_TYPE does.
func afiSafi(f string) oc.E_OpenconfigBgpTypes_AFI_SAFI_TYPE {
	switch f {
	case bgp.IPv4Unicast.String():
		return oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_IPV4_UNICAST
	case bgp.VPNv4.String():
		return oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_L3VPN_IPV4_UNICAST
	case bgp.RTC.String():
		return oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_ROUTE_TARGET_CONSTRAINT
	}
	return oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_UNSET
}

// bgpTree renders a speaker's global settings, its neighbours (those
// shut down by gNMI Set too) and, when asked, its Loc-RIB.
func (s *Server) bgpTree(p *ocProtocol, n *lab.Node, vrf string, sp *bgp.Speaker, rib bool) {
	b := p.GetOrCreateBgp()
	g := b.GetOrCreateGlobal()
	as, rid := n.Model.ASN, n.Model.RouterID.String()
	g.GetOrCreateConfig().As, g.GetConfig().RouterId = ptr(as), ptr(rid)
	gs := g.GetOrCreateState()
	gs.As, gs.RouterId = ptr(as), ptr(rid)
	for _, nb := range sp.Summary() {
		e := neighbor(b.GetOrCreateNeighbors(), nb.Neighbor.String(), nb.AS, nb.Description, true)
		st := e.GetState()
		st.SessionState = enumNamed[ocSessionState](strings.ToUpper(nb.State))
		if nb.LastError != "" {
			st.LastError = ptr(nb.LastError)
		}
		d, ok := sp.NeighborInfo(nb.Neighbor)
		if !ok {
			continue // removed meanwhile
		}
		st.LocalAs = ptr(d.LocalAS)
		var counted []string
		for _, f := range d.Families {
			if f != bgp.RTC.String() {
				counted = append(counted, f)
			}
		}
		for _, f := range d.Families {
			name := afiSafi(f)
			if name == oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_UNSET {
				continue
			}
			af := e.GetOrCreateAfiSafis().GetOrCreateAfiSafi(name)
			af.GetOrCreateConfig().AfiSafiName, af.GetConfig().Enabled = name, ptr(true)
			as := af.GetOrCreateState()
			as.AfiSafiName, as.Enabled, as.Active = name, ptr(true), ptr(nb.State == "Established")
			if len(counted) == 1 && counted[0] == f {
				// The speaker counts prefixes per session: they belong
				// to its one routed family.
				pf := as.GetOrCreatePrefixes()
				pf.Received, pf.Sent = ptr(uint32(nb.PfxRcd)), ptr(uint32(nb.PfxSnt))
			}
		}
	}
	for addr, c := range s.admin.shutPeers(n.Model.Name, vrf) {
		e := neighbor(b.GetOrCreateNeighbors(), addr.String(), c.ASN, c.Description, false)
		e.GetState().SessionState = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Neighbors_Neighbor_State_SessionState_IDLE
	}
	if !rib {
		return
	}
	var paths, prefixes uint32
	afs := b.GetOrCreateRib().GetOrCreateAfiSafis()
	if sp.HasFamily(bgp.IPv4Unicast) {
		routes := ribFamily(afs, oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_IPV4_UNICAST).GetOrCreateIpv4Unicast().GetOrCreateLocRib().GetOrCreateRoutes()
		for _, r := range sp.Routes(bgp.IPv4Unicast) {
			if !r.Best || !r.Key.Prefix.Addr().Is4() {
				continue
			}
			pfx := r.Key.Prefix.String()
			origin := routeOrigin[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Rib_AfiSafis_AfiSafi_Ipv4Unicast_LocRib_Routes_Route_State_Origin_Union](r)
			st := routes.GetOrCreateRoute(pfx, origin, 0).GetOrCreateState()
			st.Prefix, st.Origin, st.PathId, st.ValidRoute = ptr(pfx), origin, ptr(uint32(0)), ptr(r.Valid)
			paths++
			prefixes++
		}
	}
	if sp.HasFamily(bgp.VPNv4) {
		routes := ribFamily(afs, oc.OpenconfigBgpTypes_AFI_SAFI_TYPE_L3VPN_IPV4_UNICAST).GetOrCreateL3VpnIpv4Unicast().GetOrCreateLocRib().GetOrCreateRoutes()
		for _, r := range sp.Routes(bgp.VPNv4) {
			if !r.Best || !r.Key.Prefix.Addr().Is4() {
				continue
			}
			rd, pfx := r.Key.RD.String(), r.Key.Prefix.String()
			origin := routeOrigin[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Rib_AfiSafis_AfiSafi_L3VpnIpv4Unicast_LocRib_Routes_Route_State_Origin_Union](r)
			st := routes.GetOrCreateRoute(rd, pfx, origin, 0).GetOrCreateState()
			st.RouteDistinguisher, st.Prefix, st.Origin, st.PathId, st.ValidRoute = ptr(rd), ptr(pfx), origin, ptr(uint32(0)), ptr(r.Valid)
			paths++
			prefixes++
		}
	}
	gs.TotalPaths, gs.TotalPrefixes = ptr(paths), ptr(prefixes)
}

// routeOrigin is who a path came from, as the origin union U of
// OpenConfig's RIB holds it: its neighbour's address, or for a path the
// speaker originated the protocol that injected it (the speaker does not
// record which one redistributed a local route: BGP).
func routeOrigin[U any](r bgp.Route) U {
	var v any = oc.UnionString(r.Peer.String())
	if r.Local || !r.Peer.IsValid() {
		v = oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP
	}
	return v.(U)
}

// ribFamily is the RIB's table of family f (its key points at state/).
func ribFamily(afs *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Rib_AfiSafis, f oc.E_OpenconfigBgpTypes_AFI_SAFI_TYPE) *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Rib_AfiSafis_AfiSafi {
	af := afs.GetOrCreateAfiSafi(f)
	af.GetOrCreateState().AfiSafiName = f
	return af
}

func neighbor(nbs *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Neighbors, addr string, as uint32, desc string, enabled bool) *ocNeighbor {
	e := nbs.GetOrCreateNeighbor(addr)
	c := e.GetOrCreateConfig()
	c.NeighborAddress, c.PeerAs, c.Enabled = ptr(addr), ptr(as), ptr(enabled)
	st := e.GetOrCreateState()
	st.NeighborAddress, st.PeerAs, st.Enabled = ptr(addr), ptr(as), ptr(enabled)
	if desc != "" {
		c.Description, st.Description = ptr(desc), ptr(desc)
	}
	return e
}
