package igp

import (
	"net/netip"
	"slices"
)

// TEDB is the traffic-engineering view of the link-state database that a
// headend computes SR policies over: the routers, their two-way
// point-to-point links with IGP metrics, their SRGBs and the node SIDs of
// their loopbacks. It is a copy: the caller may keep it.
type TEDB struct {
	Routers map[netip.Addr]*TENode
	// NodeSIDs maps a /32 (a loopback) to its node SID.
	NodeSIDs map[netip.Addr]TENodeSID
}

// TENode is one router of the TEDB.
type TENode struct {
	RouterID netip.Addr
	SRGB     *SRGB // nil: the router does no SR
	Links    []TELink
}

// TELink is one direction of a point-to-point adjacency the routers at
// both ends advertise (the two-way check SPF makes).
type TELink struct {
	To     netip.Addr // the neighbour's router id
	IfAddr netip.Addr // this router's interface address
	Metric uint32
}

// TENodeSID is the node SID of a loopback: its owner and index.
type TENodeSID struct {
	Owner netip.Addr
	Index uint32
}

// TopologyDB builds the TEDB from the areas' usable LSAs (the union of
// the areas the router attaches to). Call it under the control lock.
func (in *Instance) TopologyDB() *TEDB {
	now := in.env.Now()
	db := &TEDB{Routers: map[netip.Addr]*TENode{}, NodeSIDs: map[netip.Addr]TENodeSID{}}
	type pair struct{ a, b uint32 }
	for _, a := range in.areas {
		adv := map[pair]bool{}
		for _, l := range a.routers {
			if !l.usable(now) {
				continue
			}
			for _, rl := range l.Links {
				if rl.Type == LinkP2P {
					adv[pair{u32(l.AdvRouter), u32(rl.Neighbor)}] = true
				}
			}
		}
		for rid, l := range a.routers {
			if !l.usable(now) {
				continue
			}
			n := db.node(l.AdvRouter)
			for _, rl := range l.Links {
				if rl.Type == LinkP2P && adv[pair{u32(rl.Neighbor), rid}] {
					n.Links = append(n.Links, TELink{To: rl.Neighbor, IfAddr: rl.IfAddr, Metric: rl.Metric})
				}
			}
		}
		for _, l := range a.db {
			if l.Type != TypeOpaqueArea || !l.usable(now) {
				continue
			}
			if l.SRGB != nil {
				g := *l.SRGB
				db.node(l.AdvRouter).SRGB = &g
			}
			if l.SID != nil && l.SID.Node && l.Prefix.Bits() == 32 && !l.SID.NoPHP {
				db.NodeSIDs[l.Prefix.Addr()] = TENodeSID{Owner: l.AdvRouter, Index: l.SID.Index}
			}
		}
	}
	for _, n := range db.Routers {
		slices.SortFunc(n.Links, func(x, y TELink) int {
			if c := x.To.Compare(y.To); c != 0 {
				return c
			}
			return x.IfAddr.Compare(y.IfAddr)
		})
		n.Links = slices.Compact(n.Links) // a link seen in two areas
	}
	return db
}

func (db *TEDB) node(rid netip.Addr) *TENode {
	n := db.Routers[rid]
	if n == nil {
		n = &TENode{RouterID: rid}
		db.Routers[rid] = n
	}
	return n
}
