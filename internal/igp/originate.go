package igp

import (
	"net/netip"
	"time"
)

// scheduleOriginate runs an origination pass as soon as possible, once
// however many changes ask for it in one instant.
func (in *Instance) scheduleOriginate() {
	in.scheduleOriginateAt(0)
}

func (in *Instance) scheduleOriginateAt(d time.Duration) {
	if in.origTimer == nil {
		in.origTimer = in.env.AfterFunc(d, in.originate)
		in.origPending = true
		return
	}
	if in.origPending {
		return
	}
	in.origPending = true
	in.origTimer.Reset(d)
}

// originate makes our LSAs match the router's state: it builds the LSAs
// the router should be advertising in each area and the AS scope, and
// originates a new instance of each that differs from the one in the
// database, flushing those no longer wanted. An LSA originated less than
// MinLSInterval ago waits; the pass runs again when it may go.
func (in *Instance) originate() {
	in.origPending = false
	now := in.env.Now()
	var wait time.Duration
	changed := false
	for _, a := range in.areas {
		d, c := in.reconcile(a, a.db, a.self, in.desiredArea(a), now)
		changed = changed || c
		if d > 0 && (wait == 0 || d < wait) {
			wait = d
		}
	}
	d, c := in.reconcile(nil, in.external, in.selfExt, in.desiredExternal(), now)
	changed = changed || c
	if d > 0 && (wait == 0 || d < wait) {
		wait = d
	}
	if wait > 0 {
		in.scheduleOriginateAt(wait)
	}
	if changed {
		in.scheduleSPF()
	}
}

// reconcile brings the self-originated LSAs of one database in line with
// want (sorted by key). It returns how long until a throttled LSA may go,
// and whether it changed the database.
func (in *Instance) reconcile(a *area, db map[key]*LSA, self map[key]bool, want []*LSA, now time.Time) (time.Duration, bool) {
	var wait time.Duration
	changed := false
	defer_ := func(cur *LSA) bool {
		left := cur.Born.Add(in.cfg.Timers.MinLSInterval).Sub(now)
		if left <= 0 {
			return false
		}
		if wait == 0 || left < wait {
			wait = left
		}
		return true
	}
	wanted := make(map[key]bool, len(want))
	for _, l := range want {
		k := l.key()
		wanted[k] = true
		cur := db[k]
		if cur != nil && sameContent(cur, l) && now.Sub(cur.Born) < in.cfg.Timers.Refresh {
			continue
		}
		if cur != nil && defer_(cur) {
			continue
		}
		l.Seq = InitialSeq
		if cur != nil {
			l.Seq = cur.Seq + 1
		}
		l.Born = now
		in.install(a, l)
		in.flood(a, l, nil)
		changed = true
	}
	var gone []*LSA
	for k := range self {
		if cur := db[k]; cur != nil && !wanted[k] && !cur.Flushed {
			gone = append(gone, cur)
		}
	}
	sortLSAs(gone)
	for _, cur := range gone {
		if defer_(cur) {
			continue
		}
		f := *cur
		f.Seq, f.Born, f.Flushed = cur.Seq+1, now, true
		in.install(a, &f)
		in.flood(a, &f, nil)
		changed = true
	}
	return wait, changed
}

// desiredArea lists the LSAs the router should advertise into area a,
// sorted by key.
func (in *Instance) desiredArea(a *area) []*LSA {
	out := []*LSA{in.routerLSA(a)}
	if in.cfg.SR {
		out = append(out, &LSA{Type: TypeOpaqueArea, ID: addr4(OpaqueRouterInfo << 24), AdvRouter: in.rid,
			SRGB: &SRGB{Base: in.cfg.SRGBBase, Size: srgbSize}})
		// A node SID outside the SRGB is not advertised: the router still
		// switches others' SIDs.
		if a == in.loArea && in.cfg.SRIndex >= 0 && in.cfg.SRIndex < srgbSize && in.cfg.Loopback.IsValid() {
			out = append(out, in.extPrefix(in.cfg.Loopback.Masked(), &PrefixSID{Index: uint32(in.cfg.SRIndex), Node: true}))
		}
		out = append(out, in.extLinks(a)...)
	}
	if in.isABR() {
		out = append(out, in.summariesInto(a)...)
	}
	if a.nssa {
		out = append(out, in.nssaInto(a)...)
	}
	sortLSAs(out)
	return out
}

// routerLSA describes the router's links in area a: a point-to-point link
// per Full neighbour, a stub per up interface's subnet (with prefix
// suppression, only a passive interface's), and the loopback.
func (in *Instance) routerLSA(a *area) *LSA {
	l := &LSA{Type: TypeRouter, ID: in.rid, AdvRouter: in.rid}
	if in.isABR() {
		l.Flags |= FlagABR
	}
	if in.isASBR() {
		l.Flags |= FlagASBR
	}
	for _, ifc := range a.ifaces {
		if !ifc.up {
			continue
		}
		if n := ifc.nbr; n != nil && n.state == StateFull {
			l.Links = append(l.Links, RouterLink{Type: LinkP2P, Neighbor: n.rid, IfAddr: ifc.addr.Addr(), Metric: ifc.cfg.Cost})
		}
		if in.cfg.PrefixSuppression && !ifc.cfg.Passive {
			continue // RFC 6860 3: a transit link's subnet stays out
		}
		l.Links = append(l.Links, RouterLink{Type: LinkStub, Prefix: ifc.addr.Masked(), Metric: ifc.cfg.Cost})
	}
	if a == in.loArea && in.cfg.Loopback.IsValid() {
		l.Links = append(l.Links, RouterLink{Type: LinkStub, Prefix: in.cfg.Loopback.Masked(), Metric: 0})
	}
	return l
}

// extPrefix is an extended prefix opaque LSA carrying a prefix SID. Its
// link state id (7.x.x.x) stays the same for a prefix for the router's life.
func (in *Instance) extPrefix(p netip.Prefix, sid *PrefixSID) *LSA {
	inst, ok := in.opaqueIDs[p]
	if !ok {
		inst = uint32(len(in.opaqueIDs) + 1)
		in.opaqueIDs[p] = inst
	}
	return &LSA{Type: TypeOpaqueArea, ID: addr4(OpaqueExtendedPrefix<<24 | inst), AdvRouter: in.rid, Prefix: p, SID: sid}
}

// extLinks are the extended link LSAs of the router's Full adjacencies in
// area a, one per adjacency as RFC 7684 has it, each with its adjacency
// SID. The link state id (8.x.x.x) is the interface's position, so it
// stays the same for the adjacency across flaps.
func (in *Instance) extLinks(a *area) []*LSA {
	var out []*LSA
	for i, ifc := range in.ifaces {
		if ifc.area != a || !ifc.up || ifc.adjSID == 0 || ifc.nbr == nil || ifc.nbr.state != StateFull {
			continue
		}
		out = append(out, &LSA{Type: TypeOpaqueArea, ID: addr4(OpaqueExtendedLink<<24 | uint32(i+1)), AdvRouter: in.rid,
			Link: &ExtLink{Neighbor: ifc.nbr.rid, IfAddr: ifc.addr.Addr(), AdjSID: ifc.adjSID}})
	}
	return out
}

// desiredExternal lists the AS-external LSAs for redistributed prefixes
// (none from a router all of whose areas are NSSAs: it originates type 7s
// instead) and, as an NSSA translator, for its NSSAs' type 7s (nssa.go).
func (in *Instance) desiredExternal() []*LSA {
	var out []*LSA
	if !in.onlyNSSA() {
		for _, p := range in.cfg.Redistribute {
			p = p.Masked()
			out = append(out, &LSA{Type: TypeExternal, ID: p.Addr(), AdvRouter: in.rid, Prefix: p, Metric: in.cfg.ExternalMetric})
		}
	}
	seen := make(map[key]bool, len(out))
	for _, l := range out {
		seen[l.key()] = true
	}
	for _, l := range in.translated() {
		if !seen[l.key()] { // our own redistribution of the prefix comes first
			out = append(out, l)
		}
	}
	sortLSAs(out)
	return out
}

// isASBR reports whether the router originates external routes: it
// redistributes, or translates NSSA externals into AS externals.
func (in *Instance) isASBR() bool {
	return len(in.cfg.Redistribute) > 0 || len(in.translate) > 0
}

// srgbSize is the size of the SRGB the router advertises.
const srgbSize = 8000
