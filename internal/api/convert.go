package api

import (
	"encoding"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/l2vpn"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/srte"
	"github.com/intercloud/intercloud/internal/topology"
)

// Conversions from the packages' values to the wire types, one per type,
// field by field.

// wireSlice converts each element, keeping nil as nil and empty as empty
// (JSON null and [] differ).
func wireSlice[T, W any](in []T, f func(T) W) []W {
	if in == nil {
		return nil
	}
	out := make([]W, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// wirePtr converts what p points to; nil stays nil.
func wirePtr[T, W any](p *T, f func(T) W) *W {
	if p == nil {
		return nil
	}
	w := f(*p)
	return &w
}

// text is an enumeration's or address's text, as encoding/json writes it.
func text[T encoding.TextMarshaler](v T) string {
	b, err := v.MarshalText()
	if err != nil {
		return ""
	}
	return string(b)
}

func wireRouteTable(v router.RouteTable) RouteTable {
	return RouteTable{
		VRF:    v.VRF,
		Routes: wireSlice(v.Routes, wireRoute),
	}
}

func wireRoute(v router.RouteRow) Route {
	return Route{
		Code:     v.Code,
		Protocol: v.Protocol,
		Prefix:   v.Prefix,
		Distance: v.Distance,
		Metric:   v.Metric,
		Selected: v.Selected,
		FIB:      v.FIB,
		Nexthops: wireSlice(v.Nexthops, wireRouteNexthop),
		Info:     v.Info,
		Uptime:   v.Uptime,
	}
}

func wireRouteNexthop(v router.RouteNexthop) RouteNexthop {
	return RouteNexthop{
		Addr:      v.Addr,
		Iface:     v.Iface,
		Connected: v.Connected,
		Recursive: v.Recursive,
		Resolved:  v.Resolved,
		Active:    v.Active,
		Labels:    v.Labels,
		Tunnel:    v.Tunnel,
	}
}

func wireLFIBEntry(v router.LFIBRow) LFIBEntry {
	return LFIBEntry{
		InLabel:  v.InLabel,
		FEC:      v.FEC,
		Nexthop:  v.Nexthop,
		Iface:    v.Iface,
		OutLabel: v.OutLabel,
		Pushed:   v.Pushed,
		Via:      v.Via,
		Tunnel:   v.Tunnel,
		Inactive: v.Inactive,
		Backup:   v.Backup,
		Repair:   v.Repair,
	}
}

func wireEvent(v router.Event) Event {
	return Event{
		Time:   v.Time,
		Node:   v.Node,
		Kind:   v.Kind,
		Detail: v.Detail,
	}
}

func wireSecurityGroups(v lab.SecurityGroupTable) SecurityGroups {
	return SecurityGroups{
		Rules:   wireSlice(v.Rules, wireSecurityGroupRule),
		Dropped: v.Dropped,
		Sources: v.Sources,
		Spoofed: v.Spoofed,
	}
}

func wireSecurityGroupRule(v lab.SecurityGroupRow) SecurityGroupRule {
	return SecurityGroupRule{
		Addr:      v.Addr,
		Group:     v.Group,
		Rule:      v.Rule,
		Direction: v.Direction,
		Protocol:  v.Protocol,
		Ports:     v.Ports,
		Remote:    v.Remote,
		Packets:   v.Packets,
	}
}

func wireAdvertised(v lab.CloudAdvertised) Advertised {
	return Advertised{
		Cloud:    v.Cloud,
		Join:     v.Join,
		Prefix:   v.Prefix,
		Prefixes: v.Prefixes,
		Outside:  v.Outside,
	}
}

func wireSRPolicyState(v srte.PolicyView) SRPolicyState {
	return SRPolicyState{
		Name:             v.Name,
		Color:            v.Color,
		Endpoint:         v.Endpoint,
		EndpointName:     v.EndpointName,
		State:            v.State,
		ActivePreference: v.ActivePreference,
		Paths:            wireSlice(v.Paths, wireSRCandidatePath),
	}
}

func wireSRCandidatePath(v srte.PathView) SRCandidatePath {
	return SRCandidatePath{
		Name:       v.Name,
		Preference: v.Preference,
		Type:       v.Type,
		Strict:     v.Strict,
		Metric:     string(v.Metric),
		ExcludeAny: v.ExcludeAny,
		Active:     v.Active,
		Valid:      v.Valid,
		Reason:     v.Reason,
		Segments:   wireSlice(v.Segments, wireSRSegment),
		Hops:       v.Hops,
		Cost:       v.Cost,
		Nexthops:   wireSlice(v.Nexthops, wireNexthop),
	}
}

func wireSRSegment(v srte.Segment) SRSegment {
	return SRSegment{
		Node:      v.Node,
		Name:      v.Name,
		Index:     v.Index,
		Label:     v.Label,
		Adjacency: v.Adjacency,
		Link:      v.Link,
	}
}

func wireNexthop(v router.Nexthop) Nexthop {
	return Nexthop{
		Addr:   v.Addr,
		Iface:  v.Iface,
		Labels: v.Labels,
		Backup: wirePtr(v.Backup, wireNexthop),
		Remote: v.Remote,
		Tunnel: wirePtr(v.Tunnel, wireTunnel),
	}
}

func wireTunnelCounters(v router.TunnelCounters) TunnelCounters {
	return TunnelCounters{EncapUDP: v.EncapUDP, EncapGRE: v.EncapGRE, DecapUDP: v.DecapUDP, DecapGRE: v.DecapGRE, EncapDrops: v.EncapDrops}
}

func wireTunnel(v router.Tunnel) Tunnel {
	return Tunnel{Encap: v.Encap.String(), Src: v.Src, UnlessLSP: v.UnlessLSP}
}

func wireBGPEVPN(v *bgp.EVPNView) *BGPEVPN {
	if v == nil {
		return nil
	}
	return &BGPEVPN{RouteType: v.RouteType, ESI: v.ESI, EthTag: v.EthTag, MAC: v.MAC, IP: v.IP, Labels: v.Labels,
		Originator: v.Originator, Value: v.Value, PMSITunnel: v.PMSITunnel, MACMobility: v.MACMobility}
}

func wireBGPTunnel(v bgp.TunnelView) BGPTunnel {
	return BGPTunnel{Type: v.Type, Code: v.Code, Endpoint: v.Endpoint, UDPPort: v.UDPPort, From: v.From, Unusable: v.Unusable}
}

func wireIGPNeighbor(v igp.Neighbor) IGPNeighbor {
	return IGPNeighbor{
		RouterID:  v.RouterID,
		State:     text(v.State),
		Uptime:    text(v.Uptime),
		DeadTime:  text(v.DeadTime),
		Address:   v.Address,
		Interface: v.Interface,
		IfAddr:    v.IfAddr,
		Area:      text(v.Area),
	}
}

func wireIGPDatabaseScope(v igp.DatabaseScope) IGPDatabaseScope {
	return IGPDatabaseScope{
		Area: wirePtr(v.Area, text[topology.Area]),
		LSAs: wireSlice(v.LSAs, wireLSA),
	}
}

func wireLSA(v igp.LSAInfo) LSA {
	return LSA{
		Type:        text(v.Type),
		LinkStateID: v.LinkStateID,
		AdvRouter:   v.AdvRouter,
		Seq:         text(v.Seq),
		Age:         v.Age,
		MaxAge:      v.MaxAge,
		LinkCount:   v.LinkCount,
		Route:       v.Route,
		Metric:      v.Metric,
		Detail:      wirePtr(v.Detail, wireLSADetail),
	}
}

func wireLSADetail(v igp.LSADetail) LSADetail {
	return LSADetail{
		Flags:      v.Flags,
		Links:      wireSlice(v.Links, wireLSARouterLink),
		MetricType: v.MetricType,
		OpaqueType: v.OpaqueType,
		SRGB:       wirePtr(v.SRGB, wireSRGB),
		PrefixSID:  wirePtr(v.PrefixSID, wirePrefixSID),
		Link:       wirePtr(v.Link, wireLSAExtendedLink),
	}
}

func wireLSARouterLink(v igp.RouterLinkInfo) LSARouterLink {
	return LSARouterLink{
		Type:     v.Type,
		LinkID:   v.LinkID,
		LinkData: v.LinkData,
		Metric:   v.Metric,
	}
}

func wireSRGB(v igp.SRGB) SRGB {
	return SRGB{
		Base: v.Base,
		Size: v.Size,
	}
}

func wirePrefixSID(v igp.PrefixSIDInfo) PrefixSID {
	return PrefixSID{
		Index: v.Index,
		Flags: v.Flags,
	}
}

func wireLSAExtendedLink(v igp.ExtLink) LSAExtendedLink {
	return LSAExtendedLink{
		Neighbor: v.Neighbor,
		IfAddr:   v.IfAddr,
		AdjSID:   v.AdjSID,
	}
}

func wireIGPRoute(v igp.Route) IGPRoute {
	return IGPRoute{
		Prefix:     v.Prefix,
		Type:       text(v.Type),
		Area:       wirePtr(v.Area, text[topology.Area]),
		Cost:       v.Cost,
		E2Metric:   v.E2Metric,
		Attached:   v.Attached,
		Nexthops:   wireSlice(v.Nexthops, wireNexthop),
		AdvRouters: v.AdvRouters,
		SIDIndex:   v.SIDIndex,
	}
}

func wireIGPStatus(v igp.Status) IGPStatus {
	return IGPStatus{
		RouterID:          v.RouterID,
		ABR:               v.ABR,
		ASBR:              v.ASBR,
		SR:                v.SR,
		PrefixSuppression: v.PrefixSuppression,
		SPFRuns:           v.SPFRuns,
		LastSPF:           v.LastSPF,
		Areas:             wireSlice(v.Areas, wireIGPArea),
		External:          v.External,
	}
}

func wireIGPArea(v igp.AreaStatus) IGPArea {
	return IGPArea{
		Area:       text(v.Area),
		Interfaces: v.Interfaces,
		Full:       v.Full,
		LSAs:       v.LSAs,
	}
}

func wireIGPRange(v igp.RangeStatus) IGPRange {
	return IGPRange{
		Area:       text(v.Area),
		Prefix:     v.Prefix,
		Active:     v.Active,
		Advertised: v.Advertised,
		Cost:       v.Cost,
	}
}

func wireSRBinding(v igp.SRBinding) SRBinding {
	return SRBinding{
		Prefix:     v.Prefix,
		SIDIndex:   v.SIDIndex,
		Label:      v.Label,
		Local:      v.Local,
		Type:       text(v.Type),
		AdvRouters: v.AdvRouters,
		Nexthops:   wireSlice(v.Nexthops, wireSRNexthop),
	}
}

func wireSRNexthop(v igp.SRNexthop) SRNexthop {
	return SRNexthop{
		Addr:     v.Addr,
		Iface:    v.Iface,
		OutLabel: v.OutLabel,
	}
}

func wireAdjSID(v igp.AdjSID) AdjSID {
	return AdjSID{
		Area:     text(v.Area),
		Router:   v.Router,
		Neighbor: v.Neighbor,
		IfAddr:   v.IfAddr,
		Label:    v.Label,
		Local:    v.Local,
		Iface:    v.Iface,
	}
}

func wireFRRReport(v lab.FRRReport) FRRReport {
	return FRRReport{
		Destinations: v.Destinations,
		Protected:    v.Protected,
		ByProtection: v.ByProtection,
		ByRepair:     v.ByRepair,
		Unprotected:  v.Unprotected,
		Rows:         wireSlice(v.Rows, wireFRRRow),
	}
}

func wireFRRRow(v igp.FRRRow) FRRRow {
	return FRRRow{
		Prefix:       v.Prefix,
		Nexthop:      v.Nexthop,
		Iface:        v.Iface,
		Backup:       v.Backup,
		BackupIface:  v.BackupIface,
		Protection:   v.Protection,
		Why:          v.Why,
		Repair:       v.Repair,
		Segments:     wireSlice(v.Segments, wireFRRSegment),
		PQ:           v.PQ,
		BackupLabels: v.BackupLabels,
	}
}

func wireFRRSegment(v igp.Segment) FRRSegment {
	return FRRSegment{
		Adjacency: v.Adjacency,
		Router:    v.Router,
		Neighbor:  v.Neighbor,
		Label:     v.Label,
	}
}

func wireLDPBinding(v ldp.Binding) LDPBinding {
	return LDPBinding{
		FEC:        v.FEC,
		LocalLabel: v.LocalLabel,
		Remote:     wireSlice(v.Remote, wireLDPRemoteBinding),
	}
}

func wireLDPRemoteBinding(v ldp.Remote) LDPRemoteBinding {
	return LDPRemoteBinding{
		Peer:  v.Peer,
		Label: v.Label,
		InUse: v.InUse,
	}
}

func wireLDPNeighbor(v ldp.Neighbor) LDPNeighbor {
	return LDPNeighbor{
		LSRID:      v.LSRID,
		State:      text(v.State),
		Interfaces: v.Interfaces,
		Targeted:   v.Targeted,
		Addresses:  v.Addresses,
		Uptime:     text(v.Uptime),
		Received:   v.Received,
		OnDemand:   v.OnDemand,
	}
}

func wireBGPNeighbor(v bgp.Neighbor) BGPNeighbor {
	return BGPNeighbor{
		Neighbor:    v.Neighbor,
		Description: v.Description,
		AS:          v.AS,
		RouterID:    v.RouterID,
		MsgRcvd:     v.MsgRcvd,
		MsgSent:     v.MsgSent,
		UpDown:      v.UpDown,
		EverUp:      v.EverUp,
		State:       v.State,
		PfxRcd:      v.PfxRcd,
		PfxSnt:      v.PfxSnt,
		LastError:   v.LastError,
		RRClient:    v.RRClient,
	}
}

func wireBGPRoute(v bgp.RouteView) BGPRoute {
	return BGPRoute{
		RD:            v.RD,
		Prefix:        v.Prefix,
		NextHop:       v.NextHop,
		Label:         v.Label,
		RTs:           v.RTs,
		Colors:        v.Colors,
		Encapsulation: wireSlice(v.Encapsulation, wireBGPTunnel),
		EVPN:          wireBGPEVPN(v.EVPN),
		Best:          v.Best,
		Valid:         v.Valid,
		Internal:      v.Internal,
		Local:         v.Local,
		Peer:          v.Peer,
		MED:           v.MED,
		LocalPref:     v.LocalPref,
		Path:          v.Path,
		Origin:        v.Origin,
	}
}

func wireBGPNeighborDetail(v bgp.NeighborDetail) BGPNeighborDetail {
	return BGPNeighborDetail{
		BGPNeighbor:     wireBGPNeighbor(v.Neighbor),
		LocalAS:         v.LocalAS,
		LocalAddr:       v.LocalAddr,
		Internal:        v.Internal,
		HoldTime:        v.HoldTime,
		Keepalive:       v.Keepalive,
		Families:        v.Families,
		FourOctetAS:     v.FourOctetAS,
		GracefulRestart: v.GracefulRestart,
		RestartTime:     v.RestartTime,
		RTConstraint:    v.RTConstraint,
		RTMembership:    v.RTMembership,
		NextHopSelf:     v.NextHopSelf,
		ASOverride:      v.ASOverride,
		AllowASIn:       v.AllowASIn,
		Accept:          v.Accept,
		Filtered:        v.Filtered,
		FilteredTotal:   v.FilteredTotal,
	}
}

func wireVRF(v lab.VRFInfo) VRF {
	return VRF{
		Name:              v.Name,
		RD:                v.RD,
		Import:            v.Import,
		Export:            v.Export,
		Label:             v.Label,
		Interfaces:        v.Interfaces,
		Routes:            v.Routes,
		BGPVPN:            v.BGPVPN,
		Attached:          v.Attached,
		Readvertised:      v.Readvertised,
		MACVRF:            wireMACVRF(v.MACVRF),
		RouterAssociation: v.RouterAssociation,
	}
}

func wireMACVRF(m *lab.MACVRF) *MACVRF {
	if m == nil {
		return nil
	}
	c := m.Counters
	return &MACVRF{
		Encap: m.Encap,
		VNI:   m.VNI,
		MACs: wireSlice(m.MACs, func(e l2vpn.MACEntry) MACEntry {
			return MACEntry{MAC: e.MAC, IPs: e.IPs, Where: e.Where, Port: e.Port, PE: e.PE, Encap: e.Encap, Label: e.Label, Seq: e.Seq}
		}),
		Flood: m.Flood,
		Counters: EVICounters{FromPorts: c.FromPorts, ToPorts: c.ToPorts, Encapsulated: c.Encapsulated, Decapsulated: c.Decapsulated,
			Replicas: c.Replicas, ARPSuppressed: c.ARPSuppressed, Dropped: c.Dropped},
	}
}

func wireLink(v lab.LinkInfo) Link {
	return Link{
		ID:         v.ID,
		A:          v.A,
		B:          v.B,
		Up:         v.Up,
		Impairment: wireImpairment(v.Impairment),
		AStats:     wireLinkStats(v.AStats),
		BStats:     wireLinkStats(v.BStats),
	}
}

func wireImpairment(v dataplane.Impairment) Impairment {
	return Impairment{
		Latency:    v.Latency,
		Jitter:     v.Jitter,
		Loss:       v.Loss,
		Rate:       v.Rate,
		QueueBytes: v.QueueBytes,
	}
}

func wireLinkStats(v dataplane.Stats) LinkStats {
	return LinkStats{
		TxFrames: v.TxFrames,
		TxBytes:  v.TxBytes,
		RxFrames: v.RxFrames,
		RxBytes:  v.RxBytes,
	}
}

func wireSession(v lab.SessionState) Session {
	return Session{
		A:         v.A,
		B:         v.B,
		VRF:       v.VRF,
		State:     v.State,
		Reachable: v.Reachable,
	}
}

func wireNumberedEvent(v lab.NumberedEvent) NumberedEvent {
	return NumberedEvent{
		ID:    v.ID,
		Event: wireEvent(v.Event),
	}
}

func wirePingResult(v router.PingResult) PingResult {
	return PingResult{
		Dst:      v.Dst,
		Src:      v.Src,
		Size:     v.Size,
		Sent:     v.Sent,
		Received: v.Received,
		Replies:  wireSlice(v.Replies, wirePingReply),
		MinRTT:   v.MinRTT,
		AvgRTT:   v.AvgRTT,
		MaxRTT:   v.MaxRTT,
	}
}

func wirePingReply(v router.PingReply) PingReply {
	return PingReply{
		Seq:    v.Seq,
		From:   v.From,
		RTT:    v.RTT,
		TTL:    v.TTL,
		Size:   v.Size,
		Error:  v.Error,
		Labels: wireSlice(v.Labels, wireMPLSLabel),
		Lost:   v.Lost,
	}
}

func wireMPLSLabel(v router.MPLSLabel) MPLSLabel {
	return MPLSLabel{
		Label: v.Label,
		CoS:   v.CoS,
		S:     v.S,
		TTL:   v.TTL,
	}
}

func wireTraceResult(v router.TraceResult) TraceResult {
	return TraceResult{
		Dst:     v.Dst,
		Src:     v.Src,
		MaxHops: v.MaxHops,
		Size:    v.Size,
		Hops:    wireSlice(v.Hops, wireTraceHop),
		Reached: v.Reached,
	}
}

func wireTraceHop(v router.TraceHop) TraceHop {
	return TraceHop{
		TTL:    v.TTL,
		Probes: wireSlice(v.Probes, wireTraceProbe),
	}
}

func wireTraceProbe(v router.TraceProbe) TraceProbe {
	return TraceProbe{
		From:   v.From,
		RTT:    v.RTT,
		Lost:   v.Lost,
		Labels: wireSlice(v.Labels, wireMPLSLabel),
		Via:    v.Via,
		Flag:   v.Flag,
	}
}
