package api

import (
	"fmt"
	"net/netip"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/srte"
)

// The JSON /api/v1 answers is declared in this package, not by the
// packages that compute it, so that renaming a Go field in router, igp,
// bgp or lab cannot silently change the API (or `-o json`): a renamed
// field breaks the conversion here at compile time instead.

// Interface is a row of a node's interfaces table (GET
// /api/v1/nodes/{node}/interfaces): the loopback, then each interface
// with its frame counters.
type Interface struct {
	Name string       `json:"name"`
	Addr netip.Prefix `json:"addr,omitzero"` // absent on an unnumbered interface
	Up   bool         `json:"up"`
	VRF  string       `json:"vrf,omitempty"`
	Peer string       `json:"peer,omitempty"` // the node:interface at the link's other end
	MAC  string       `json:"mac,omitempty"`
	// Counters of frames received from and sent onto the link (lost
	// frames count as sent).
	RxFrames uint64 `json:"rx_frames"`
	RxBytes  uint64 `json:"rx_bytes"`
	TxFrames uint64 `json:"tx_frames"`
	TxBytes  uint64 `json:"tx_bytes"`
	// LinkDrops are frames sent that the link lost or refused; Drops,
	// those the router dropped, by reason.
	LinkDrops uint64            `json:"link_drops"`
	Drops     map[string]uint64 `json:"drops,omitempty"`
}

// interfacesOf is a router's interfaces table on the wire.
func interfacesOf(t router.InterfaceTable) []Interface {
	if t == nil {
		return nil
	}
	out := make([]Interface, len(t))
	for i, r := range t {
		out[i] = Interface{Name: r.Name, Addr: r.Addr, Up: r.Up, VRF: r.VRF, Peer: r.Peer, MAC: r.MAC,
			RxFrames: r.RxFrames, RxBytes: r.RxBytes, TxFrames: r.TxFrames, TxBytes: r.TxBytes,
			LinkDrops: r.LinkDrops, Drops: r.Drops}
	}
	return out
}

// wireData is a table's data as the API answers it: each value lab.Show
// returns converted to its wire type. A type not listed stays as its
// package encodes it; TestEveryTableHasAWireType shows every table of
// the seed lab converted, so a table added to lab.Show without a wire
// type fails there.
func wireData(data any) any {
	switch t := data.(type) {
	case router.InterfaceTable:
		return interfacesOf(t)
	case router.RouteTable:
		return wireRouteTable(t)
	case router.LFIBTable:
		return wireSlice(t, wireLFIBEntry)
	case []router.Event:
		return wireSlice(t, wireEvent)
	case lab.SecurityGroupTable:
		return wireSecurityGroups(t)
	case router.TunnelCounters:
		return wireTunnelCounters(t)
	case *lab.CloudAdvertised:
		return wirePtr(t, wireAdvertised)
	case []srte.PolicyView:
		return wireSlice(t, wireSRPolicyState)
	case []igp.Neighbor:
		return wireSlice(t, wireIGPNeighbor)
	case []igp.DatabaseScope:
		return wireSlice(t, wireIGPDatabaseScope)
	case []igp.Route:
		return wireSlice(t, wireIGPRoute)
	case igp.Status:
		return wireIGPStatus(t)
	case []igp.RangeStatus:
		return wireSlice(t, wireIGPRange)
	case []igp.SRBinding:
		return wireSlice(t, wireSRBinding)
	case lab.FRRReport:
		return wireFRRReport(t)
	case []ldp.Binding:
		return wireSlice(t, wireLDPBinding)
	case []ldp.Neighbor:
		return wireSlice(t, wireLDPNeighbor)
	case []bgp.Neighbor:
		return wireSlice(t, wireBGPNeighbor)
	case []bgp.RouteView:
		return wireSlice(t, wireBGPRoute)
	case bgp.NeighborDetail:
		return wireBGPNeighborDetail(t)
	case []lab.VRFInfo:
		return wireSlice(t, wireVRF)
	}
	return data
}

// dataplane is the impairment a link change asks for, as the lab takes it.
func (m *Impairment) dataplane() dataplane.Impairment {
	return dataplane.Impairment{Latency: m.Latency, Jitter: m.Jitter, Loss: m.Loss, Rate: m.Rate, QueueBytes: m.QueueBytes}
}

// String is the label as routers print it under a traceroute hop.
func (l MPLSLabel) String() string {
	s := 0
	if l.S {
		s = 1
	}
	return fmt.Sprintf("MPLS Label=%d CoS=%d TTL=%d S=%d", l.Label, l.CoS, l.TTL, s)
}
