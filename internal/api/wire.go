package api

import (
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// The JSON /api/v1 answers is declared in this package, not by the
// packages that compute it, so that renaming a Go field in router, igp,
// bgp or lab cannot silently change the API (or `-o json`): a renamed
// field breaks the conversion here at compile time instead. Tables move
// here one at a time; wireData converts those that have; the others are
// still served as their package encodes them.

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

// wireData is a table's data as the API answers it: the wire type for
// the tables that have one, the package's own value for the others.
func wireData(data any) any {
	switch t := data.(type) {
	case router.InterfaceTable:
		return interfacesOf(t)
	}
	return data
}

// tableData are the wire types of the tables that have one, by the name
// lab.Show answers to, for the OpenAPI document (x-table-data).
var tableData = map[string]any{
	"interfaces": []Interface{},
}
