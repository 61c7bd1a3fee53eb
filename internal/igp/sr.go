package igp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// SRBinding is a prefix SID as the router uses it: the label it expects
// (its SRGB base + index) and, per equal-cost first hop, the label it
// swaps to (the neighbour's SRGB base + index) or a pop before the owner.
type SRBinding struct {
	Prefix     netip.Prefix `json:"prefix"`
	SIDIndex   uint32       `json:"sid_index"`
	Label      uint32       `json:"label"`
	Local      bool         `json:"local,omitempty"` // the router's own SID: no LFIB entry
	Type       PathType     `json:"type"`
	AdvRouters []netip.Addr `json:"adv_routers"` // who advertised the SID we use
	Nexthops   []SRNexthop  `json:"nexthops"`
}

// SRNexthop is one first hop of an SR LSP.
type SRNexthop struct {
	Addr     netip.Addr `json:"addr"`
	Iface    string     `json:"iface"`
	OutLabel uint32     `json:"out_label"` // router.LabelImplicitNull: pop
}

// resolveSIDs gives each route the prefix SID advertised with it: by the
// owner for an intra-area route, by the ABRs it goes through for an
// inter-area one (extended prefix LSAs of the same area). The extended
// prefix LSAs found are kept for installSR.
func (in *Instance) resolveSIDs(tab *table, now time.Time) {
	ext := in.scratch.ext
	if ext == nil {
		ext = map[Area]map[uint64][]*LSA{}
		in.scratch.ext = ext
	}
	clear(ext)
	for _, a := range in.areas {
		m := map[uint64][]*LSA{}
		for _, l := range a.db {
			if l.Type == TypeOpaqueArea && l.SID != nil && l.usable(now) {
				k := prefixKey(l.Prefix)
				m[k] = append(m[k], l)
			}
		}
		ext[a.id] = m
	}
	for i := range tab.c {
		r := &tab.c[i]
		r.sid = -1
		if r.typ == ExternalE2 {
			continue
		}
		var best *LSA
		for _, l := range ext[r.area][r.key] {
			if r.hasAdv(u32(l.AdvRouter)) && (best == nil || u32(l.AdvRouter) < u32(best.AdvRouter)) {
				best = l
			}
		}
		if best != nil {
			r.sid = int32(best.SID.Index)
		}
	}
}

// pops reports whether the first hop rid is where route r's SID is
// popped: it advertised the SID itself, without the NP flag.
func (in *Instance) pops(r *candidate, rid uint32) bool {
	if !r.hasAdv(rid) {
		return false
	}
	for _, l := range in.scratch.ext[r.area][r.key] {
		if u32(l.AdvRouter) == rid && l.SID.Index == uint32(r.sid) && !l.SID.NoPHP {
			return true
		}
	}
	return false
}

// installSR offers the SR LSPs and ingress labels to the RIB: for every
// prefix SID but our own, in-label SRGB+index, and per first hop that is
// SR-capable (it advertises an SRGB) the neighbour's SRGB+index, or
// implicit null when the neighbour owns the SID (PHP). It returns the
// number of LSPs.
func (in *Instance) installSR(tab *table, now time.Time) int {
	t := tab.t
	var lsps []router.LSP
	var fecs []router.FECLabel
	var bindings []SRBinding
	used := map[uint32]netip.Prefix{}
	base := in.cfg.SRGBBase
	for _, i := range in.scratch.order {
		r := &tab.c[i]
		if r.sid < 0 {
			continue
		}
		idx := uint32(r.sid)
		p := r.prefix()
		b := SRBinding{Prefix: p, SIDIndex: idx, Label: base + idx, Type: r.typ, Local: r.conn != -1}
		for _, a := range r.advs(nil) {
			b.AdvRouters = append(b.AdvRouters, addr4(a))
		}
		if b.Local || idx >= srgbSize {
			bindings = append(bindings, b)
			continue
		}
		if other, dup := used[b.Label]; dup {
			in.env.Event("sr-conflict", fmt.Sprintf("SID index %d of %s already used by %s: ignored", idx, p, other))
			continue
		}
		used[b.Label] = p
		var hops []router.LSPNexthop
		members := t.sets[r.nh]
		for k, d := range members {
			h := t.direct[d]
			out, ok := in.srOut(r, h, idx, now)
			if !ok {
				continue // not SR-capable: no SR path that way
			}
			hop := router.LSPNexthop{Addr: h.addr, Iface: h.ifc.name, OutLabel: out}
			// Fast reroute: the backup swaps to its own neighbour's label
			// for the same SID; a loop-free alternate needs no more.
			bk := r.bk
			if r.prot == ProtectECMP {
				bk = members[(k+1)%len(members)]
			}
			if rep := in.repairOf(r); rep != nil && len(rep.push) > 0 {
				// TI-LFA: swap to the label the end of the repair list
				// reads, push the segments over it. The FEC entry only
				// tells the RIB the backup is labelled: its labels are
				// the route's own.
				bh := t.direct[rep.hop]
				hop.Backup = &router.LSPNexthop{Addr: bh.addr, Iface: bh.ifc.name, OutLabel: rep.out, Push: rep.push}
				fecs = append(fecs, router.FECLabel{Prefix: p, Nexthop: bh.addr, OutLabel: router.LabelImplicitNull})
			} else if bk >= 0 {
				bh := t.direct[bk]
				if bout, ok := in.srOut(r, bh, idx, now); ok {
					hop.Backup = &router.LSPNexthop{Addr: bh.addr, Iface: bh.ifc.name, OutLabel: bout}
					if r.prot != ProtectECMP { // an ECMP member has its label already
						fecs = append(fecs, router.FECLabel{Prefix: p, Nexthop: bh.addr, OutLabel: bout})
					}
				}
			}
			hops = append(hops, hop)
			b.Nexthops = append(b.Nexthops, SRNexthop{Addr: h.addr, Iface: h.ifc.name, OutLabel: out})
			fecs = append(fecs, router.FECLabel{Prefix: p, Nexthop: h.addr, OutLabel: out})
		}
		bindings = append(bindings, b)
		if len(hops) > 0 {
			lsps = append(lsps, router.LSP{InLabel: b.Label, Proto: router.ProtoSR, FEC: p, Nexthops: hops})
		}
	}
	in.srBindings = bindings
	lsps = append(lsps, in.adjLSPs()...)
	rib := in.env.RIB()
	rib.ReplaceLSPs(router.ProtoSR, lsps)
	rib.ReplaceFECLabels(router.ProtoSR, fecs)
	return len(lsps)
}

// srOut is the label to send route r's SID with to first hop h: its
// SRGB base + idx, or implicit null where h pops it; false when h does
// not do SR or its SRGB is too small.
func (in *Instance) srOut(r *candidate, h directHop, idx uint32, now time.Time) (uint32, bool) {
	g := srgbOf(h, now)
	if g == nil || idx >= g.Size {
		return 0, false
	}
	if in.pops(r, h.rid) {
		return router.LabelImplicitNull, true
	}
	return g.Base + idx, true
}

// srgbOf is the SRGB a neighbour advertises in its router information
// LSA, or nil when it does not do SR.
func srgbOf(h directHop, now time.Time) *SRGB {
	l := h.ifc.area.db[key{typ: TypeOpaqueArea, bits: 32, id: OpaqueRouterInfo << 24, adv: h.rid}]
	if l == nil || l.SRGB == nil || !l.usable(now) {
		return nil
	}
	return l.SRGB
}

// adjLSPs are the LFIB entries of our adjacency SIDs: pop, and send what
// is left out of that adjacency whatever the shortest path says (RFC
// 8402's adjacency segment). They stand for no prefix, so have no FEC.
func (in *Instance) adjLSPs() []router.LSP {
	var out []router.LSP
	for _, ifc := range in.ifaces {
		if n := ifc.nbr; ifc.adjSID != 0 && ifc.up && n != nil && n.state == StateFull {
			out = append(out, router.LSP{InLabel: ifc.adjSID, Proto: router.ProtoSR, Nexthops: []router.LSPNexthop{{Addr: n.addr, Iface: ifc.name, OutLabel: router.LabelImplicitNull}}})
		}
	}
	return out
}

// AdjSID is an adjacency SID of the area databases: Router pops Label
// and sends the packet to Neighbor out of its interface IfAddr.
type AdjSID struct {
	Area     Area       `json:"area"`
	Router   netip.Addr `json:"router"`
	Neighbor netip.Addr `json:"neighbor"`
	IfAddr   netip.Addr `json:"if_addr"`
	Label    uint32     `json:"label"`
	Local    bool       `json:"local,omitempty"` // one of ours
	Iface    string     `json:"iface,omitempty"` // ours: the interface
}

// AdjSIDs lists every adjacency SID the router knows, its own and those
// flooded by others, sorted by area, router, neighbour and interface.
func (in *Instance) AdjSIDs() []AdjSID {
	now := in.env.Now()
	var out []AdjSID
	for _, a := range in.areas {
		for _, l := range a.db {
			if l.Type != TypeOpaqueArea || l.Link == nil || !l.usable(now) {
				continue
			}
			x := AdjSID{Area: a.id, Router: l.AdvRouter, Neighbor: l.Link.Neighbor, IfAddr: l.Link.IfAddr, Label: l.Link.AdjSID, Local: l.AdvRouter == in.rid}
			if x.Local {
				for _, ifc := range in.ifaces {
					if ifc.addr.Addr() == x.IfAddr {
						x.Iface = ifc.name
					}
				}
			}
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b AdjSID) int {
		switch {
		case a.Area != b.Area:
			return cmp(uint32(a.Area), uint32(b.Area))
		case a.Router != b.Router:
			return a.Router.Compare(b.Router)
		case a.Neighbor != b.Neighbor:
			return a.Neighbor.Compare(b.Neighbor)
		}
		return a.IfAddr.Compare(b.IfAddr)
	})
	return out
}

// AdjacencySID is the label router rtr advertises for its adjacency to
// neighbor over its interface with address ifAddr (any interface when
// ifAddr is the zero address: the lowest such label), as flooded in the
// area databases: what a path computation needs to pin a hop (SR-TE's
// explicit paths, TI-LFA's repair lists). Call it under the router's lock.
func (in *Instance) AdjacencySID(rtr, neighbor, ifAddr netip.Addr) (uint32, bool) {
	now := in.env.Now()
	best, found := uint32(0), false
	for _, a := range in.areas {
		for _, l := range a.db {
			if l.Type != TypeOpaqueArea || l.Link == nil || l.AdvRouter != rtr || l.Link.Neighbor != neighbor || !l.usable(now) {
				continue
			}
			if ifAddr.IsValid() && l.Link.IfAddr != ifAddr {
				continue
			}
			if !found || l.Link.AdjSID < best {
				best, found = l.Link.AdjSID, true
			}
		}
	}
	return best, found
}
