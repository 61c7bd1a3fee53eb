package gnmi

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/ygot/ygot"

	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
)

// Short names for the generated types this package fills in.
type (
	ocInterface = oc.OpenconfigInterfaces_Interfaces_Interface
	ocCounters  = oc.OpenconfigInterfaces_Interfaces_Interface_State_Counters
)

// defaultInstance is the global table's network-instance name, as
// OpenConfig devices name it.
const defaultInstance = "DEFAULT"

// scope is the paths a request asks for: the tree is built only where
// one of them reaches, so that a Get of one interface does not render a
// 100,000-route FIB.
type scope []*gpb.Path

// everything is the scope of a request for the whole tree.
var everything = scope{{}}

// needs says whether some path of the scope lies under the schema path
// elems or above it.
func (sc scope) needs(elems ...string) bool {
	for _, p := range sc {
		if prefixMatch(p, elems, "") {
			return true
		}
	}
	return false
}

// needsInstance is needs for the subtree under the network instance
// named ni: a path keyed to another instance does not count.
func (sc scope) needsInstance(ni string, elems ...string) bool {
	full := append([]string{"network-instances", "network-instance"}, elems...)
	for _, p := range sc {
		if prefixMatch(p, full, ni) {
			return true
		}
	}
	return false
}

func prefixMatch(p *gpb.Path, elems []string, ni string) bool {
	pe := p.GetElem()
	for i := 0; i < len(pe) && i < len(elems); i++ {
		if pe[i].GetName() != elems[i] {
			return false
		}
		if ni != "" && i == 1 {
			if k, ok := pe[i].GetKey()["name"]; ok && k != "*" && k != ni {
				return false
			}
		}
	}
	return true
}

// device renders what a router has under the scope's paths.
func (s *Server) device(n *lab.Node, sc scope) *oc.Device {
	d := &oc.Device{}
	if sc.needs("interfaces") {
		s.interfaces(d, n)
	}
	if sc.needs("network-instances") {
		s.networkInstances(d, n, sc)
	}
	return d
}

// interfaces renders a router's interfaces, as "show NODE interfaces"
// reads them from the data plane. An interface is disabled (admin-status
// DOWN) when a gNMI Set turned it off, which took its link down; a link
// taken down otherwise (intercloud link down, a pulled cable) leaves it
// enabled with oper-status DOWN.
func (s *Server) interfaces(d *oc.Device, n *lab.Node) {
	ifs := d.GetOrCreateInterfaces()
	links := map[string]lab.LinkInfo{}
	for _, ifc := range n.Model.Interfaces {
		if li := s.lab.Links(ifc.LinkID); len(li) == 1 {
			links[ifc.Name] = li[0]
		}
	}
	for _, row := range n.Router.InterfaceTable() {
		i := ifs.GetOrCreateInterface(row.Name)
		enabled := !s.admin.disabled(n.Model.Name, row.Name)
		cfg := i.GetOrCreateConfig()
		typ := interfaceType(row)
		cfg.Name, cfg.Type = ptr(row.Name), typ
		cfg.Enabled = ptr(enabled)
		st := i.GetOrCreateState()
		st.Name, st.Type = ptr(row.Name), typ
		st.Enabled = ptr(enabled)
		st.AdminStatus = oc.OpenconfigInterfaces_Interfaces_Interface_State_AdminStatus_UP
		if !enabled {
			st.AdminStatus = oc.OpenconfigInterfaces_Interfaces_Interface_State_AdminStatus_DOWN
		}
		st.OperStatus = oc.OpenconfigInterfaces_Interfaces_Interface_State_OperStatus_DOWN
		if row.Up {
			st.OperStatus = oc.OpenconfigInterfaces_Interfaces_Interface_State_OperStatus_UP
		}
		var routerDrops uint64
		for _, n := range row.Drops {
			routerDrops += n
		}
		st.Counters = &ocCounters{
			InPkts:      ptr(row.RxFrames),
			InOctets:    ptr(row.RxBytes),
			InDiscards:  ptr(routerDrops),
			OutPkts:     ptr(row.TxFrames),
			OutOctets:   ptr(row.TxBytes),
			OutDiscards: ptr(row.LinkDrops),
		}
		if li, ok := links[row.Name]; ok {
			m := li.Impairment
			ic := i.GetOrCreateImpairment().GetOrCreateConfig()
			ic.Latency = ptr(uint64(m.Latency.Microseconds()))
			ic.Jitter = ptr(uint64(m.Jitter.Microseconds()))
			ic.Loss = ptr(lossPercent(m.Loss))
			ic.Rate = ptr(m.Rate)
			is := i.GetOrCreateImpairment().GetOrCreateState()
			is.Latency, is.Jitter, is.Loss, is.Rate = ic.Latency, ic.Jitter, ic.Loss, ic.Rate
		}
	}
}

// interfaceType is what an interface is, as iana-if-type names it: the
// loopback is the one without a port (no MAC), the others are Ethernet
// ends of links.
func interfaceType(row router.InterfaceRow) oc.E_IETFInterfaces_InterfaceType {
	if row.MAC == "" {
		return oc.IETFInterfaces_InterfaceType_softwareLoopback
	}
	return oc.IETFInterfaces_InterfaceType_ethernetCsmacd
}

// lossPercent is a loss fraction as the model's percent, to its three
// fraction digits.
func lossPercent(f float64) float64 {
	return float64(int64(f*100*1000+0.5)) / 1000
}

type (
	ocInstance = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance
	ocProtocol = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol
	ocAfts     = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts
)

// networkInstances renders the default instance and each VRF of a PE.
func (s *Server) networkInstances(d *oc.Device, n *lab.Node, sc scope) {
	nis := d.GetOrCreateNetworkInstances()
	if sc.needsInstance(defaultInstance) {
		ni := nis.GetOrCreateNetworkInstance(defaultInstance)
		ni.GetOrCreateConfig().Name = ptr(defaultInstance)
		ni.GetConfig().Type = oc.OpenconfigNetworkInstanceTypes_NETWORK_INSTANCE_TYPE_DEFAULT_INSTANCE
		st := ni.GetOrCreateState()
		st.Name, st.Type = ni.GetConfig().Name, oc.OpenconfigNetworkInstanceTypes_NETWORK_INSTANCE_TYPE_DEFAULT_INSTANCE
		s.instance(ni, n, "", sc)
	}
	for _, v := range vrfs(s.lab, n) {
		if !sc.needsInstance(v.Name) {
			continue
		}
		ni := nis.GetOrCreateNetworkInstance(v.Name)
		cfg := ni.GetOrCreateConfig()
		cfg.Name, cfg.Type, cfg.RouteDistinguisher = ptr(v.Name), oc.OpenconfigNetworkInstanceTypes_NETWORK_INSTANCE_TYPE_L3VRF, ptr(v.RD)
		st := ni.GetOrCreateState()
		st.Name, st.Type, st.RouteDistinguisher = cfg.Name, cfg.Type, cfg.RouteDistinguisher
		vs := ni.GetOrCreateL3Vpn().GetOrCreateState()
		vs.ImportRouteTarget, vs.ExportRouteTarget, vs.VpnLabel = v.Import, v.Export, ptr(v.Label)
		s.instance(ni, n, v.Name, sc)
	}
}

// vrfs are a node's VRFs, as "show NODE vrf" lists them (none off a PE).
func vrfs(l *lab.Lab, n *lab.Node) []lab.VRFInfo {
	data, _, err := l.Show(n.Model.Name, "vrf", "")
	if err != nil {
		return nil
	}
	v, _ := data.([]lab.VRFInfo)
	return v
}

// instance fills one network instance: vrf is "" for the default one.
func (s *Server) instance(ni *ocInstance, n *lab.Node, vrf string, sc scope) {
	name := ni.GetName()
	if sc.needsInstance(name, "interfaces") {
		for _, ifc := range n.Model.Interfaces {
			if ifc.VRF != vrf {
				continue
			}
			i := ni.GetOrCreateInterfaces().GetOrCreateInterface(ifc.Name)
			i.GetOrCreateConfig().Id, i.GetConfig().Interface = ptr(ifc.Name), ptr(ifc.Name)
			i.GetOrCreateState().Id, i.GetState().Interface = ptr(ifc.Name), ptr(ifc.Name)
		}
	}
	if sc.needsInstance(name, "protocols") {
		s.protocols(ni, n, vrf, sc)
	}
	if vrf == "" && sc.needsInstance(name, "mpls") {
		mplsTree(ni, n)
	}
	if sc.needsInstance(name, "afts") {
		afts(ni.GetOrCreateAfts(), n.Router, vrf)
	}
}

// protocol adds (or finds) an instance's protocol entry, named like its
// identifier (protocol[identifier=BGP][name=BGP]).
func protocol(ni *ocInstance, id oc.E_OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE) *ocProtocol {
	name := id.String()
	p := ni.GetOrCreateProtocols().GetOrCreateProtocol(id, name)
	p.GetOrCreateConfig().Identifier, p.GetConfig().Name = id, ptr(name)
	p.GetOrCreateState().Identifier, p.GetState().Name = id, ptr(name)
	return p
}

func (s *Server) protocols(ni *ocInstance, n *lab.Node, vrf string, sc scope) {
	name := ni.GetName()
	if sc.needsInstance(name, "protocols", "protocol", "static-routes") {
		staticRoutes(protocol(ni, oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_STATIC), n.Router, vrf)
	}
	if sp := speaker(n, vrf); sp != nil && sc.needsInstance(name, "protocols", "protocol", "bgp") {
		s.bgpTree(protocol(ni, oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP), n, vrf, sp, sc.needsInstance(name, "protocols", "protocol", "bgp", "rib"))
	}
	if vrf == "" && n.IGP != nil && sc.needsInstance(name, "protocols", "protocol", "ospfv2") {
		ospfTree(protocol(ni, oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_OSPF), s.lab, n)
	}
}

// staticRoutes lists the instance's static routes and the next hops
// each was given (the key of a next hop is its address).
func staticRoutes(p *ocProtocol, r *router.Router, vrf string) {
	srs := p.GetOrCreateStaticRoutes()
	for _, row := range r.RouteTable(vrf).Routes {
		if row.Protocol != router.ProtoStatic.String() {
			continue
		}
		pfx := row.Prefix.String()
		st := srs.GetOrCreateStatic(pfx)
		st.GetOrCreateConfig().Prefix, st.GetOrCreateState().Prefix = ptr(pfx), ptr(pfx)
		for _, nh := range row.Nexthops {
			if nh.Resolved || !nh.Addr.IsValid() {
				continue // what a recursive next hop resolved to
			}
			a := nh.Addr.String()
			h := st.GetOrCreateNextHops().GetOrCreateNextHop(a)
			h.GetOrCreateConfig().Index, h.GetConfig().NextHop = ptr(a), oc.UnionString(a)
			h.GetOrCreateState().Index, h.GetState().NextHop = ptr(a), oc.UnionString(a)
		}
	}
}

// mplsTree renders the router's LDP sessions and segment routing SIDs.
func mplsTree(ni *ocInstance, n *lab.Node) {
	sig := ni.GetOrCreateMpls().GetOrCreateSignalingProtocols()
	n.Router.Do(func() {
		if n.LDP != nil {
			nbs := sig.GetOrCreateLdp().GetOrCreateNeighbors()
			for _, nb := range n.LDP.Neighbors() {
				e := nbs.GetOrCreateNeighbor(nb.LSRID.String(), 0)
				// The list's keys point at config/: a neighbour learnt by
				// discovery has them there too.
				e.GetOrCreateConfig().LsrId, e.GetConfig().LabelSpaceId = ptr(nb.LSRID.String()), ptr(uint16(0))
				st := e.GetOrCreateState()
				st.LsrId, st.LabelSpaceId = ptr(nb.LSRID.String()), ptr(uint16(0))
				st.SessionState = enumNamed[oc.E_OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Mpls_SignalingProtocols_Ldp_Neighbors_Neighbor_State_SessionState](nb.State.String())
			}
		}
		if n.IGP == nil || !n.IGP.Status().SR {
			return
		}
		sr := sig.GetOrCreateSegmentRouting()
		for _, b := range n.IGP.SRBindings() {
			e := sr.GetOrCreatePrefixSids().GetOrCreatePrefixSid(b.Prefix.String())
			st := e.GetOrCreateState()
			st.Prefix, st.SidId, st.Local = ptr(b.Prefix.String()), ptr(b.SIDIndex), ptr(b.Local)
			st.Label = mplsLabel[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Mpls_SignalingProtocols_SegmentRouting_PrefixSids_PrefixSid_State_Label_Union](b.Label)
		}
		for _, a := range n.IGP.AdjSIDs() {
			if !a.Local {
				continue
			}
			sid := mplsLabel[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Mpls_SignalingProtocols_SegmentRouting_AdjacencySids_AdjacencySid_State_SidId_Union](a.Label)
			e := sr.GetOrCreateAdjacencySids().GetOrCreateAdjacencySid(sid)
			st := e.GetOrCreateState()
			st.SidId, st.Neighbor, st.Interface = sid, ptr(a.Neighbor.String()), ptr(a.Iface)
		}
	})
}

// ospfTree renders OSPFv2: the areas of the router's core links, their
// interfaces and the adjacencies on them.
func ospfTree(p *ocProtocol, l *lab.Lab, n *lab.Node) {
	o := p.GetOrCreateOspfv2()
	o.GetOrCreateGlobal().GetOrCreateState().RouterId = ptr(n.Model.RouterID.String())
	type ospfIface = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Ospfv2_Areas_Area_Interfaces_Interface
	ifaces := map[string]*ospfIface{}
	for _, ifc := range n.Model.Interfaces {
		if ifc.LinkID < 0 || ifc.LinkID >= len(l.Model.Links) || !l.Model.Links[ifc.LinkID].Core {
			continue
		}
		id := l.Model.Links[ifc.LinkID].Area.String()
		a := o.GetOrCreateAreas().GetOrCreateArea(oc.UnionString(id))
		a.GetOrCreateConfig().Identifier, a.GetOrCreateState().Identifier = oc.UnionString(id), oc.UnionString(id)
		i := a.GetOrCreateInterfaces().GetOrCreateInterface(ifc.Name)
		i.GetOrCreateConfig().Id, i.GetOrCreateState().Id = ptr(ifc.Name), ptr(ifc.Name)
		ifaces[ifc.Name] = i
	}
	n.Router.Do(func() {
		for _, nb := range n.IGP.Neighbors() {
			i := ifaces[nb.Interface]
			if i == nil {
				continue
			}
			e := i.GetOrCreateNeighbors().GetOrCreateNeighbor(nb.RouterID.String())
			e.GetOrCreateConfig().RouterId = ptr(nb.RouterID.String())
			st := e.GetOrCreateState()
			st.RouterId, st.NeighborAddress = ptr(nb.RouterID.String()), ptr(nb.Address.String())
			st.AdjacencyState = enumNamed[oc.E_OpenconfigOspfTypes_OSPF_NEIGHBOR_STATE](
				strings.ToUpper(strings.ReplaceAll(nb.State.String(), "2-Way", "TWO_WAY")))
		}
	})
}

// afts renders what vrf forwards with: its FIB, and in the default
// instance the LFIB, with next hops shared between entries through
// next-hop groups as a device's AFT streams them.
func afts(a *ocAfts, r *router.Router, vrf string) {
	// Indexes and ids are hashes of what they stand for, so that they
	// stay the same from one snapshot to the next while the next hops do:
	// an entry's next-hop-group changes exactly when its next hops do,
	// which is what an ON_CHANGE subscriber of the AFT must see.
	nhs := map[string]uint64{}  // next hop -> index
	nhgs := map[string]uint64{} // member indexes -> group id
	used := map[uint64]bool{}
	stableID := func(k string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(k))
		id := h.Sum64() >> 1 // positive as a signed 64-bit number too
		for id == 0 || used[id] {
			id++ // a collision, in 2^63
		}
		used[id] = true
		return id
	}
	nextHop := func(addr netip.Addr, iface string, stack []uint32) uint64 {
		k := fmt.Sprint("nh|", addr, "|", iface, "|", stack)
		if i, ok := nhs[k]; ok {
			return i
		}
		i := stableID(k)
		nhs[k] = i
		h := a.GetOrCreateNextHops().GetOrCreateNextHop(i)
		st := h.GetOrCreateState()
		st.Index = ptr(i)
		if addr.IsValid() {
			st.IpAddress = ptr(addr.String())
		}
		for _, l := range stack {
			st.PushedMplsLabelStack = append(st.PushedMplsLabelStack, mplsLabel[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_NextHops_NextHop_State_PushedMplsLabelStack_Union](l))
		}
		if vrf, ok := strings.CutPrefix(iface, "vrf:"); ok {
			// A lookup in a VRF's table: OpenConfig names the instance.
			st.NetworkInstance = ptr(vrf)
		} else if iface != "" {
			h.GetOrCreateInterfaceRef().GetOrCreateState().Interface = ptr(iface)
		}
		return i
	}
	group := func(members []uint64) uint64 {
		slices.Sort(members)
		members = slices.Compact(members)
		k := fmt.Sprint("nhg|", members)
		if id, ok := nhgs[k]; ok {
			return id
		}
		id := stableID(k)
		nhgs[k] = id
		g := a.GetOrCreateNextHopGroups().GetOrCreateNextHopGroup(id)
		g.GetOrCreateState().Id = ptr(id)
		for _, m := range members {
			e := g.GetOrCreateNextHops().GetOrCreateNextHop(m)
			e.GetOrCreateState().Index, e.GetState().Weight = ptr(m), ptr(uint64(1))
		}
		return id
	}
	fib := a.GetOrCreateIpv4Unicast()
	for _, row := range r.FIBTable(vrf).Routes {
		if !row.FIB || !row.Prefix.Addr().Is4() {
			continue
		}
		var members []uint64
		for _, nh := range row.Nexthops {
			members = append(members, nextHop(nh.Addr, nh.Iface, nh.Labels))
		}
		pfx := row.Prefix.String()
		st := fib.GetOrCreateIpv4Entry(pfx).GetOrCreateState()
		st.Prefix, st.Metric, st.OriginProtocol = ptr(pfx), ptr(row.Metric), installProtocol(row.Protocol)
		if len(members) > 0 {
			st.NextHopGroup = ptr(group(members))
		}
	}
	if vrf != "" {
		return
	}
	byLabel := map[uint32][]uint64{}
	var labels []uint32
	for _, row := range r.LFIBTable() {
		if row.Inactive {
			continue
		}
		if _, seen := byLabel[row.InLabel]; !seen {
			labels = append(labels, row.InLabel)
			in := mplsLabel[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_Mpls_LabelEntry_State_Label_Union](row.InLabel)
			e := a.GetOrCreateMpls().GetOrCreateLabelEntry(in)
			st := e.GetOrCreateState()
			st.Label, st.OriginProtocol = in, installProtocol(row.Proto.String())
			if row.FEC.IsValid() {
				st.Fec = ptr(row.FEC.String())
			}
		}
		stack := append(slices.Clone(row.Pushed), row.OutLabel)
		byLabel[row.InLabel] = append(byLabel[row.InLabel], nextHop(row.Nexthop, row.Iface, stack))
	}
	for _, in := range labels {
		e := a.GetMpls().GetLabelEntry(mplsLabel[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Afts_Mpls_LabelEntry_State_Label_Union](in))
		e.GetState().NextHopGroup = ptr(group(byLabel[in]))
	}
}

// installProtocol names a router protocol as OpenConfig's install
// protocol types do.
func installProtocol(p string) oc.E_OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE {
	switch p {
	case "ebgp", "ibgp":
		return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP
	case "ospf":
		return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_OSPF
	case "static":
		return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_STATIC
	case "connected", "local":
		return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_DIRECTLY_CONNECTED
	case "ldp":
		return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_LDP
	case "sr":
		return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_SEGMENT_ROUTING
	}
	return oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_UNSET
}

// mplsLabel is label l as OpenConfig's mpls-label union U holds it: the
// reserved labels of RFC 3032 by their names, the others as numbers.
func mplsLabel[U any](l uint32) U {
	var v any = oc.UnionUint32(l)
	switch l {
	case 0:
		v = oc.OpenconfigMplsTypes_MplsLabel_Enum_IPV4_EXPLICIT_NULL
	case 1:
		v = oc.OpenconfigMplsTypes_MplsLabel_Enum_ROUTER_ALERT
	case 2:
		v = oc.OpenconfigMplsTypes_MplsLabel_Enum_IPV6_EXPLICIT_NULL
	case 3:
		v = oc.OpenconfigMplsTypes_MplsLabel_Enum_IMPLICIT_NULL
	case 7:
		v = oc.OpenconfigMplsTypes_MplsLabel_Enum_ENTROPY_LABEL_INDICATOR
	}
	return v.(U)
}

// enumNamed is the value of the generated enumeration E whose YANG name
// is name (UNSET when there is none).
func enumNamed[E interface {
	~int64
	ygot.GoEnum
}](name string) E {
	var zero E
	typ := fmt.Sprintf("%T", zero)
	typ = typ[strings.LastIndex(typ, ".")+1:]
	for v, def := range zero.ΛMap()[typ] {
		if def.Name == name {
			return E(v)
		}
	}
	return zero
}

func ptr[T any](v T) *T { return &v }
