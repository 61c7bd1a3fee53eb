package igp

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// The show methods below build JSON-taggable snapshots for "show NODE igp
// ...". Like every other access to an Instance they must run under the
// router's control-plane lock (the router's Do).

// Duration is a time.Duration shown the way an operator reads it ("33.5s").
type Duration time.Duration

// MarshalText rounds to milliseconds.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(time.Duration(d).Round(time.Millisecond).String()), nil
}

func (d Duration) String() string { return time.Duration(d).Round(time.Millisecond).String() }

// SeqNum is an LSA sequence number, shown in hex as OSPF shows it.
type SeqNum uint32

// MarshalText writes 0x80000001.
func (s SeqNum) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s SeqNum) String() string { return fmt.Sprintf("0x%08x", uint32(s)) }

// MarshalText writes the state name.
func (s NeighborState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalText writes the path type.
func (p PathType) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText writes the LSA type name.
func (t LSAType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Neighbor is a row of "show ip ospf neighbor".
type Neighbor struct {
	RouterID  netip.Addr    `json:"neighbor_id"`
	State     NeighborState `json:"state"`
	Uptime    Duration      `json:"uptime"` // since Full, or since first heard before that
	DeadTime  Duration      `json:"dead_time"`
	Address   netip.Addr    `json:"address"`
	Interface string        `json:"interface"`
	IfAddr    netip.Addr    `json:"interface_address"`
	Area      Area          `json:"area"`
}

// Neighbors lists the neighbours in interface order.
func (in *Instance) Neighbors() []Neighbor {
	now := in.env.Now()
	var out []Neighbor
	for _, ifc := range in.ifaces {
		n := ifc.nbr
		if n == nil {
			continue
		}
		out = append(out, Neighbor{RouterID: n.rid, State: n.state, Uptime: Duration(now.Sub(n.since)),
			DeadTime: Duration(max(n.deadline.Sub(now), 0)), Address: n.addr, Interface: ifc.name,
			IfAddr: ifc.addr.Addr(), Area: ifc.area.id})
	}
	return out
}

// DatabaseScope is one flooding scope of the link-state database: an
// area, or the AS (external LSAs).
type DatabaseScope struct {
	Area *Area     `json:"area,omitempty"` // nil for the AS scope
	LSAs []LSAInfo `json:"lsas"`
}

// LSAInfo is a row of "show ip ospf database"; Detail is filled by
// DatabaseDetail.
type LSAInfo struct {
	Type        LSAType      `json:"type"`
	LinkStateID netip.Addr   `json:"link_state_id"`
	AdvRouter   netip.Addr   `json:"adv_router"`
	Seq         SeqNum       `json:"seq"`
	Age         int          `json:"age"` // seconds
	MaxAge      bool         `json:"max_age,omitempty"`
	LinkCount   int          `json:"link_count,omitempty"` // router LSAs
	Route       netip.Prefix `json:"route,omitzero"`       // summaries, externals, extended prefixes
	Metric      uint32       `json:"metric,omitempty"`
	Detail      *LSADetail   `json:"detail,omitempty"`
}

// LSADetail is the body of an LSA, for "show ip ospf database ... detail".
type LSADetail struct {
	Flags      []string         `json:"flags,omitempty"` // "ABR", "ASBR"; "P" on a type 7 to translate
	Links      []RouterLinkInfo `json:"links,omitempty"`
	MetricType string           `json:"metric_type,omitempty"` // externals: "E2"
	OpaqueType string           `json:"opaque_type,omitempty"`
	SRGB       *SRGB            `json:"srgb,omitempty"`
	PrefixSID  *PrefixSIDInfo   `json:"prefix_sid,omitempty"`
	Link       *ExtLink         `json:"extended_link,omitempty"`
}

// RouterLinkInfo is a router LSA link as OSPF shows it.
type RouterLinkInfo struct {
	Type     string     `json:"type"`      // "point-to-point" or "stub network"
	LinkID   netip.Addr `json:"link_id"`   // neighbour router id, or network
	LinkData netip.Addr `json:"link_data"` // our interface address, or mask
	Metric   uint32     `json:"metric"`
}

// PrefixSIDInfo is the prefix SID sub-TLV of an extended prefix LSA.
type PrefixSIDInfo struct {
	Index uint32   `json:"index"`
	Flags []string `json:"flags,omitempty"` // "NP", "N"
}

// Database lists the LSDB per area, then the AS scope, each sorted by type
// and link state id.
func (in *Instance) Database() []DatabaseScope { return in.database(false) }

// DatabaseDetail is Database with the body of every LSA.
func (in *Instance) DatabaseDetail() []DatabaseScope { return in.database(true) }

func (in *Instance) database(detail bool) []DatabaseScope {
	now := in.env.Now()
	var out []DatabaseScope
	scope := func(a *Area, db map[key]*LSA) {
		ls := make([]*LSA, 0, len(db))
		for _, l := range db {
			ls = append(ls, l)
		}
		sortLSAs(ls)
		s := DatabaseScope{Area: a, LSAs: make([]LSAInfo, 0, len(ls))}
		for _, l := range ls {
			s.LSAs = append(s.LSAs, lsaInfo(l, now, detail))
		}
		out = append(out, s)
	}
	for _, a := range in.areas {
		id := a.id
		scope(&id, a.db)
	}
	scope(nil, in.external)
	return out
}

func lsaInfo(l *LSA, now time.Time, detail bool) LSAInfo {
	i := LSAInfo{Type: l.Type, LinkStateID: l.ID, AdvRouter: l.AdvRouter, Seq: SeqNum(l.Seq),
		Age: int(l.Age(now) / time.Second), MaxAge: l.Age(now) >= MaxAge}
	switch l.Type {
	case TypeRouter:
		i.LinkCount = len(l.Links)
	case TypeSummary, TypeExternal, TypeASBRSummary, TypeNSSA:
		i.Route, i.Metric = l.Prefix, l.Metric
	case TypeOpaqueArea:
		i.Route = l.Prefix
	}
	if !detail {
		return i
	}
	d := &LSADetail{SRGB: l.SRGB}
	if l.Flags&FlagABR != 0 {
		d.Flags = append(d.Flags, "ABR")
	}
	if l.Flags&FlagASBR != 0 {
		d.Flags = append(d.Flags, "ASBR")
	}
	for _, k := range l.Links {
		if k.Type == LinkP2P {
			d.Links = append(d.Links, RouterLinkInfo{Type: "point-to-point", LinkID: k.Neighbor, LinkData: k.IfAddr, Metric: k.Metric})
		} else {
			d.Links = append(d.Links, RouterLinkInfo{Type: "stub network", LinkID: k.Prefix.Addr(), LinkData: mask(k.Prefix.Bits()), Metric: k.Metric})
		}
	}
	if l.Type == TypeExternal || l.Type == TypeNSSA {
		d.MetricType = "E2"
	}
	if l.Propagate {
		d.Flags = append(d.Flags, "P") // a type 7 to translate
	}
	if l.Type == TypeOpaqueArea {
		switch {
		case l.SRGB != nil:
			d.OpaqueType = "router information (SR capabilities)"
		case l.SID != nil:
			d.OpaqueType = "extended prefix"
			p := &PrefixSIDInfo{Index: l.SID.Index}
			if l.SID.NoPHP {
				p.Flags = append(p.Flags, "NP")
			}
			if l.SID.Node {
				p.Flags = append(p.Flags, "N")
			}
			d.PrefixSID = p
		case l.Link != nil:
			d.OpaqueType, d.Link = "extended link", l.Link
		}
	}
	i.Detail = d
	return i
}

func mask(bits int) netip.Addr {
	return addr4(^uint32(0) << (32 - bits))
}

// Route is a row of the OSPF routing table ("show ip ospf route").
type Route struct {
	Prefix     netip.Prefix     `json:"prefix"`
	Type       PathType         `json:"type"`
	Area       *Area            `json:"area,omitempty"` // none for externals
	Cost       uint32           `json:"cost"`           // for E2: the cost to the ASBR
	E2Metric   uint32           `json:"e2_metric,omitempty"`
	Attached   string           `json:"directly_attached,omitempty"`
	Nexthops   []router.Nexthop `json:"nexthops"`
	AdvRouters []netip.Addr     `json:"adv_routers"` // stub owners, ABRs or the ASBR
	SIDIndex   *uint32          `json:"sid_index,omitempty"`
}

// Routes is the last routing table SPF computed, sorted by prefix.
func (in *Instance) Routes() []Route {
	out := make([]Route, 0, len(in.routes))
	for i := range in.routes {
		r, ri := &in.routes[i], &in.info[i]
		x := Route{Prefix: r.Prefix, Type: ri.typ, Cost: ri.cost, Nexthops: r.Nexthops}
		if ri.typ != ExternalE2 {
			a := ri.area
			x.Area = &a
		} else {
			x.E2Metric = ri.e2
		}
		if len(r.Nexthops) == 1 && !r.Nexthops[0].Addr.IsValid() {
			x.Attached, x.Nexthops = r.Nexthops[0].Iface, nil
		}
		for _, a := range in.advRouters(i) {
			x.AdvRouters = append(x.AdvRouters, addr4(a))
		}
		if ri.sid >= 0 {
			s := uint32(ri.sid)
			x.SIDIndex = &s
		}
		out = append(out, x)
	}
	return out
}

// SRBindings lists the prefix SIDs the router knows, sorted by prefix.
func (in *Instance) SRBindings() []SRBinding { return slices.Clone(in.srBindings) }

// Status is the summary "show ip ospf" gives.
type Status struct {
	RouterID netip.Addr `json:"router_id"`
	ABR      bool       `json:"abr"`
	ASBR     bool       `json:"asbr"`
	SR       bool       `json:"segment_routing"`
	// PrefixSuppression: the transit links' subnets are not advertised.
	PrefixSuppression bool         `json:"prefix_suppression,omitempty"`
	SPFRuns           int          `json:"spf_runs"`
	LastSPF           time.Time    `json:"last_spf,omitzero"`
	Areas             []AreaStatus `json:"areas"`
	External          int          `json:"external_lsas"`
}

// AreaStatus counts an area's interfaces, adjacencies and LSAs.
type AreaStatus struct {
	Area       Area `json:"area"`
	Interfaces int  `json:"interfaces"`
	Full       int  `json:"full_adjacencies"`
	LSAs       int  `json:"lsas"`
}

// Status summarises the instance.
func (in *Instance) Status() Status {
	s := Status{RouterID: in.rid, ABR: in.isABR(), ASBR: in.isASBR(), SR: in.cfg.SR,
		PrefixSuppression: in.cfg.PrefixSuppression, SPFRuns: in.spfRuns, LastSPF: in.lastSPF, External: len(in.external)}
	for _, a := range in.areas {
		as := AreaStatus{Area: a.id, Interfaces: len(a.ifaces), LSAs: len(a.db)}
		for _, ifc := range a.ifaces {
			if ifc.nbr != nil && ifc.nbr.state == StateFull {
				as.Full++
			}
		}
		s.Areas = append(s.Areas, as)
	}
	return s
}

// RangeStatus is a configured address range of an area, as "show ip ospf"
// lists an ABR's "area X range" lines.
type RangeStatus struct {
	Area   Area         `json:"area"`
	Prefix netip.Prefix `json:"prefix"`
	// Active: the routing table holds an intra-area route of the area
	// inside the range. Advertised: active on an ABR, which then
	// originates it into the other areas at Cost (the largest cost of
	// those routes) in place of their own summaries.
	Active     bool   `json:"active"`
	Advertised bool   `json:"advertised"`
	Cost       uint32 `json:"cost,omitempty"`
}

// Ranges lists the address ranges of the router's areas, by area and in
// configuration order, with their state after the last SPF run.
func (in *Instance) Ranges() []RangeStatus {
	var out []RangeStatus
	for _, a := range in.areas {
		start := len(out)
		for _, p := range in.cfg.Ranges[a.id] {
			out = append(out, RangeStatus{Area: a.id, Prefix: p})
		}
		if len(out) == start {
			continue
		}
		for i := range in.routes {
			x := &in.info[i]
			if x.typ != IntraArea || x.area != a.id || x.cost >= LSInfinity {
				continue
			}
			rg, ok := in.rangeOf(a.id, in.routes[i].Prefix)
			if !ok {
				continue
			}
			for j := start; j < len(out); j++ {
				if r := &out[j]; r.Prefix == rg {
					r.Active = true
					r.Cost = max(r.Cost, x.cost)
				}
			}
		}
	}
	abr := in.isABR()
	for i := range out {
		out[i].Advertised = abr && out[i].Active
	}
	return out
}
