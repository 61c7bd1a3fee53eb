package ldp

import (
	"net/netip"
	"slices"
	"time"
)

// Duration is a time.Duration shown the way an operator reads it.
type Duration time.Duration

// MarshalText rounds to seconds, as "show mpls ldp neighbor" does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d Duration) String() string { return time.Duration(d).Round(time.Second).String() }

// Binding is a row group of "show mpls ldp binding": a FEC, the label we
// advertise for it, and the labels each peer advertised.
type Binding struct {
	FEC        netip.Prefix `json:"prefix"`
	LocalLabel uint32       `json:"local_label"` // 0: no local binding (the FEC is not in our table)
	Remote     []Remote     `json:"remote"`
}

// Remote is a peer's label for a FEC; InUse marks a peer that is an IGP
// nexthop for it, whose label the LFIB uses.
type Remote struct {
	Peer  netip.Addr `json:"peer"`
	Label uint32     `json:"label"`
	InUse bool       `json:"in_use"`
}

// Bindings lists every FEC we or a peer have a label for, sorted.
func (in *Instance) Bindings() []Binding {
	byFEC := map[netip.Prefix]*Binding{}
	get := func(p netip.Prefix) *Binding {
		b := byFEC[p]
		if b == nil {
			b = &Binding{FEC: p}
			byFEC[p] = b
		}
		return b
	}
	for k, l := range in.local {
		get(k.prefix()).LocalLabel = l
	}
	inUse := map[netip.Prefix]map[netip.Addr]bool{}
	for _, f := range in.fecs {
		for _, nh := range f.nexthops {
			if s := in.peerFor(nh); s != nil {
				if inUse[f.prefix] == nil {
					inUse[f.prefix] = map[netip.Addr]bool{}
				}
				inUse[f.prefix][s.peer] = true
			}
		}
	}
	for _, peer := range in.peers {
		s := in.sessions[peer]
		for k, l := range s.remote {
			p := k.prefix()
			b := get(p)
			b.Remote = append(b.Remote, Remote{Peer: peer, Label: l, InUse: inUse[p][peer]})
		}
	}
	out := make([]Binding, 0, len(byFEC))
	for _, b := range byFEC {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Binding) int { return comparePrefix(a.FEC, b.FEC) })
	return out
}

// Neighbor is a row of "show mpls ldp neighbor".
type Neighbor struct {
	LSRID      netip.Addr   `json:"lsr_id"`
	State      SessionState `json:"state"`
	Interfaces []string     `json:"interfaces"`         // with a hello adjacency
	Targeted   bool         `json:"targeted,omitempty"` // a targeted hello adjacency (remote LFA)
	Addresses  []netip.Addr `json:"addresses"`          // the peer's, from its Init
	Uptime     Duration     `json:"uptime"`
	Received   int          `json:"labels_received"`
	// OnDemand: the session's label advertisement is downstream on
	// demand (both ends proposed it), as FRR shows "Downstream on Demand".
	OnDemand bool `json:"on_demand,omitempty"`
}

// Neighbors lists the sessions by LSR id.
func (in *Instance) Neighbors() []Neighbor {
	now := in.env.Now()
	var out []Neighbor
	for _, p := range in.peers {
		s := in.sessions[p]
		n := Neighbor{LSRID: p, State: StateInitialized, Addresses: s.addrs, Received: len(s.remote), OnDemand: s.onDemand}
		if s.operational {
			n.State = StateOperational
			n.Uptime = Duration(now.Sub(s.since))
		}
		for _, ifc := range in.ifaces {
			if ifc.adj != nil && ifc.adj.lsr == p {
				n.Interfaces = append(n.Interfaces, ifc.name)
			}
		}
		if t := in.targets[p]; t != nil && t.up {
			n.Targeted = true
		}
		out = append(out, n)
	}
	return out
}

// Status summarises the instance, as "show mpls ldp" would.
type Status struct {
	LSRID       netip.Addr `json:"lsr_id"`
	Sessions    int        `json:"sessions"`
	Operational int        `json:"operational"`
	FECs        int        `json:"fecs"`
	LSPs        int        `json:"lsps"`
	Updates     int        `json:"recomputations"`
}

// Status counts sessions, FECs and recomputations.
func (in *Instance) Status() Status {
	s := Status{LSRID: in.cfg.LSRID, Sessions: len(in.sessions), FECs: len(in.fecs), Updates: in.updates}
	for _, x := range in.sessions {
		if x.operational {
			s.Operational++
		}
	}
	for _, f := range in.fecs {
		for _, nh := range f.nexthops {
			if _, ok := in.remoteFor(nh, f.prefix); ok {
				s.LSPs++
				break
			}
		}
	}
	return s
}
