package router

import (
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Incremental recomputation. Every change to what the RIB manager holds
// (a protocol's routes, a static, a local prefix, a FEC label) marks the
// prefixes it touches dirty in their VRF; recompute then redoes only
// those: their candidates, the selection, their FIB entries (fib.update).
// Two things reach further, and are followed by dependency:
//
//   - a recursive nexthop resolves through the longest match in a table,
//     so when a prefix's entry there changes, the routes whose recursive
//     nexthops it holds are redone too (t.deps: through the VRF's own
//     direct routes; t.depsDef: a VRF's iBGP routes through the default
//     VRF's selection);
//   - an LSP whose nexthop is not on a connected subnet resolves through
//     the default VRF (resolveLSP): the LFIB is redone when a default
//     VRF entry changes while there is one.
//
// Interface changes (carrier, addresses, a new interface) redo every VRF
// whole (changeAll): they are rare, and they touch every resolution.

// vrfEnv is what computing one VRF's prefixes needs, gathered once per
// recompute.
type vrfEnv struct {
	name   string
	idx    int
	own    []*iface                  // up interfaces of this VRF with an address
	ifPfx  map[netip.Prefix][]*iface // own interfaces by their subnet and host prefix
	protos []Protocol                // protocols with routes in this VRF, in order
	def    *vrfTable                 // the default VRF, for a VRF's iBGP routes
	cache  map[netip.Addr]*candidate // resolutions through the VRF's direct routes
	// shared: resolved nexthop lists of iBGP routes with one labelled
	// nexthop. The routes of one far VRF resolve alike (same PE, same
	// VPN label) and arrive together, so they share one list: a PE holds
	// hundreds of thousands of such routes. A candidate never changes
	// its list. (Kept across recomputes, the lists kept more alive than
	// they saved.)
	shared map[sharedKey][]ribNexthop
	slab   frrSlab
}

// sharedKey is what a shared resolution (vrfEnv.shared) depends on: the
// route resolved through, the nexthop and the route's own label.
type sharedKey struct {
	res   *candidate
	via   netip.Addr
	label uint32
}

func (m *ribManager) newVRFEnv(idx int, ifaces []*iface, expected int) *vrfEnv {
	name := m.vrfNames[idx]
	e := &vrfEnv{name: name, idx: idx, ifPfx: map[netip.Prefix][]*iface{}}
	for _, ifc := range ifaces {
		if ifc.vrfIdx == idx && ifc.up.Load() && ifc.addr.IsValid() {
			e.own = append(e.own, ifc)
			p := ifc.addr.Masked()
			e.ifPfx[p] = append(e.ifPfx[p], ifc)
			if p.Bits() < 32 {
				h := netip.PrefixFrom(ifc.addr.Addr(), 32)
				e.ifPfx[h] = append(e.ifPfx[h], ifc)
			}
		}
	}
	e.protos = sortedProtos(m.routes[name])
	if idx > 0 {
		e.def = m.tables[0]
	}
	// A change of a few prefixes should not keep whole slab chunks alive.
	e.slab.chunk = min(slabChunk, 2*expected+2)
	return e
}

// vrfUpdate is what redoing some of a VRF's prefixes changed.
type vrfUpdate struct {
	selected []netip.Prefix // the selection changed (what watchers hear of)
	fwd      []netip.Prefix // the forwarding changed: labels, resolution, selection
}

// updateVRF redoes a VRF's dirty prefixes, and every prefix when full,
// then updates its FIB.
func (m *ribManager) updateVRF(idx int, dirty map[netip.Prefix]struct{}, full bool, ifaces []*iface, now time.Time) vrfUpdate {
	t := m.tables[idx]
	if t == nil {
		t = &vrfTable{name: m.vrfNames[idx], idx: idx, refs: &m.nexthops}
		t.reset()
		m.tables[idx] = t
	}
	if !full && t.prefixes.len() == 0 && len(dirty) > 8 {
		// A table's first routes come in one batch (an SPF run, a BGP
		// table): its map is made for them rather than grown.
		t.prefixes = makePrefixMap[*prefixEntry](len(dirty))
	}
	old := t.prefixes // the same map as t's unless full
	sc := vrfScratchPool.Get().(*vrfScratch)
	defer sc.release()
	var work []netip.Prefix
	if full {
		all := m.allPrefixes(idx, ifaces, old)
		t.reset()
		t.prefixes = makePrefixMap[*prefixEntry](len(all))
		work = all
	} else {
		work = slices.Grow(sc.work[:0], len(dirty))
		for p := range dirty {
			work = append(work, p)
		}
		defer func() { sc.work = work }()
	}
	e := m.newVRFEnv(idx, ifaces, len(work))
	// What each prefix redone had before, by its index in work. A
	// prefix is redone once: its entry carries this update's stamp.
	was := slices.Grow(sc.was[:0], len(work))
	defer func() { sc.was = was }()
	t.stamp++

	// Candidates with their direct nexthops, and the direct selection.
	var directChanged []netip.Prefix
	build := func(p netip.Prefix) {
		var b before
		var od *candidate
		if oe := old.at(p); oe != nil {
			b, od = before{oe.cands, oe.best}, oe.direct
		}
		was = append(was, b)
		if !full {
			t.dropDeps(p, b.list)
		}
		cs := m.prefixCands(p, e)
		nd := directOf(cs)
		pe := t.prefixes.at(p)
		if pe == nil && len(cs) > 0 {
			pe = &prefixEntry{}
			t.setEntry(p, pe)
		}
		if pe != nil {
			// An entry left with no candidate goes once its best is
			// cleared below.
			pe.cands, pe.direct, pe.stamp = cs, nd, t.stamp
		}
		if !full && !sameFwd(od, nd) {
			directChanged = append(directChanged, p)
		}
	}
	for _, p := range work {
		build(p)
	}
	// Routes resolving through a changed direct route are redone too.
	for len(directChanged) > 0 {
		changed := directChanged
		directChanged = nil
		for _, p := range dependents(t.deps, changed) {
			// A prefix without an entry has no recursive route to redo.
			if pe := t.prefixes.at(p); pe != nil && pe.stamp != t.stamp {
				work = append(work, p)
				build(p)
			}
		}
	}

	// Recursive nexthops, then the final selection. Most prefixes redone
	// change: the lists are sized for all of them rather than grown.
	up := vrfUpdate{selected: make([]netip.Prefix, 0, len(work)), fwd: make([]netip.Prefix, 0, len(work))}
	var fibChanges []fibChange
	if !full {
		fibChanges = slices.Grow(sc.fib[:0], len(work))
		defer func() { sc.fib = fibChanges }()
	}
	for i, p := range work {
		pe := t.prefixes.at(p)
		var cs []*candidate
		if pe != nil {
			cs = pe.cands
		}
		for _, c := range cs {
			if c.recursive {
				m.resolve(c, t, e)
			}
		}
		var nb *candidate
		if len(cs) > 0 {
			slices.SortStableFunc(cs, better)
			for _, c := range cs {
				if c.active() {
					c.selected = true
					nb = c
					break
				}
			}
			for _, c := range cs {
				c.since = now.UnixNano()
				if o := findProto(was[i].list, c.route.Proto); o != nil && sameCandidate(o, c) {
					c.since = o.since
				}
			}
		}
		switch {
		case nb != nil:
			if pe.best == nil {
				t.nBest++
			}
			pe.best = nb
		case pe != nil:
			if pe.best != nil {
				t.nBest--
			}
			pe.best = nil
			if len(pe.cands) == 0 {
				t.delEntry(p)
			}
		}
		ob := was[i].best
		if (ob == nil) != (nb == nil) || ob != nil && (ob.route.Proto != nb.route.Proto || !sameCandidate(ob, nb)) {
			up.selected = append(up.selected, p)
		}
		if !sameFwd(ob, nb) {
			up.fwd = append(up.fwd, p)
			if !full {
				var fe *candidate
				if nb != nil {
					fe = nb.fibEntry()
				}
				fibChanges = append(fibChanges, fibChange{prefix: p, entry: fe})
			}
		}
	}

	// The FIB: by difference, unless most of it changed.
	if full || t.fib == nil || len(fibChanges) > max(1024, t.nBest/4) {
		entries := make([]*candidate, 0, t.nBest)
		for pe := range t.prefixes.values() {
			if pe.best != nil {
				entries = append(entries, pe.best.fibEntry())
			}
		}
		t.fib = buildFIB(entries)
	} else {
		t.fib = t.fib.update(fibChanges)
	}
	slices.SortFunc(up.selected, comparePrefix) // watchers hear them in order
	return up
}

// before is what a prefix redone by updateVRF had: its candidates and
// its best.
type before struct {
	list []*candidate
	best *candidate
}

// vrfScratch is what one updateVRF works in and drops: the prefixes it
// redoes, what they had before and the FIB's changes. A bring-up runs
// it for every batch of every table, so the lists come from a pool.
type vrfScratch struct {
	work []netip.Prefix
	was  []before
	fib  []fibChange
}

var vrfScratchPool = sync.Pool{New: func() any { return new(vrfScratch) }}

// release forgets the candidates the lists point to and returns them
// to the pool.
func (s *vrfScratch) release() {
	clear(s.was)
	clear(s.fib)
	vrfScratchPool.Put(s)
}

// reset empties a table's selection state.
func (t *vrfTable) reset() {
	if t.refs != nil {
		for a := range t.global() {
			t.refs.dec(a)
		}
	}
	t.prefixes = prefixMap[*prefixEntry]{}
	t.lens = lengthSet{}
	t.nBest = 0
	t.deps = depIndex{}
	t.depsDef = depIndex{}
}

// allPrefixes is every prefix a VRF has a candidate for, or had.
func (m *ribManager) allPrefixes(idx int, ifaces []*iface, old prefixMap[*prefixEntry]) []netip.Prefix {
	name := m.vrfNames[idx]
	set := make(map[netip.Prefix]struct{}, old.len())
	for p := range old.all() {
		set[p] = struct{}{}
	}
	for _, ifc := range ifaces {
		if ifc.vrfIdx == idx && ifc.addr.IsValid() {
			set[ifc.addr.Masked()] = struct{}{}
			set[netip.PrefixFrom(ifc.addr.Addr(), 32)] = struct{}{}
		}
	}
	for p := range m.locals[name] {
		set[p] = struct{}{}
	}
	if lo := m.r.loopback; idx == 0 && lo.IsValid() {
		set[lo.Masked()] = struct{}{}
	}
	for _, byPrefix := range m.routes[name] {
		for p := range byPrefix.all() {
			set[p] = struct{}{}
		}
	}
	for p := range m.statics[name] {
		set[p] = struct{}{}
	}
	out := make([]netip.Prefix, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	return out
}

// prefixCands builds a prefix's candidates in the order computeVRF always
// offered them (interfaces, local prefixes, the loopback, protocols in
// order, statics: the selection's tie-break is stable), with their direct
// nexthops resolved and labelled. Recursive nexthops come later (resolve).
func (m *ribManager) prefixCands(p netip.Prefix, e *vrfEnv) []*candidate {
	var cs []*candidate
	for _, ifc := range e.ifPfx[p] {
		if q := ifc.addr.Masked(); q == p {
			cs = append(cs, &candidate{
				route: &Route{Prefix: p, Proto: ProtoConnected, Nexthops: []Nexthop{{Iface: ifc.name}}},
				local: p.Bits() == 32,
				nhs:   []ribNexthop{{ifc: ifc}},
			})
		}
		if ifc.addr.Bits() < 32 && netip.PrefixFrom(ifc.addr.Addr(), 32) == p {
			cs = append(cs, &candidate{
				route: &Route{Prefix: p, Proto: ProtoLocal, Nexthops: []Nexthop{{Iface: ifc.name}}},
				local: true,
				nhs:   []ribNexthop{{ifc: ifc}},
			})
		}
	}
	if m.locals[e.name][p] {
		c := &candidate{route: &Route{Prefix: p, Proto: ProtoConnected, Nexthops: []Nexthop{{Iface: loopbackName}}}, nhs: []ribNexthop{{}}}
		if p.Bits() == 32 {
			c.route.Proto, c.local = ProtoLocal, true
		}
		cs = append(cs, c)
	}
	if lo := m.r.loopback; e.idx == 0 && lo.IsValid() && lo.Masked() == p {
		cs = append(cs, &candidate{
			route: &Route{Prefix: p, Proto: ProtoConnected, Nexthops: []Nexthop{{Iface: loopbackName}}},
			local: true,
			nhs:   []ribNexthop{{}},
		})
	}

	// Protocol routes, statics among them; direct nexthops resolve here.
	offer := func(rt *Route) {
		c := &candidate{route: rt}
		for _, nh := range rt.Nexthops {
			switch {
			case nh.Tunnel != nil && nh.Addr.IsValid():
				c.recursive = true // through the default table (tunnel.go)
			case nh.Iface != "":
				ifc := m.r.byNameLocked(nh.Iface)
				switch b := m.backupOf(nh.Backup, &e.slab); {
				case ifc != nil && ifc.up.Load():
					rn := ownNexthop(nh.Addr, ifc, nh.Labels)
					rn.backup = b
					c.nhs = append(c.nhs, rn)
				case b != nil && b.ifc.up.Load() && backupLabelled(m.fec, e.idx, p, nh.Addr, b):
					// The primary lost carrier and the protocol has not
					// recomputed yet: the repair path stands in.
					c.nhs = addRepair(c.nhs, *b)
				}
			case nh.Addr.IsValid():
				if ifc := onLink(e.own, nh.Addr); ifc != nil {
					c.nhs = append(c.nhs, ownNexthop(nh.Addr, ifc, nh.Labels))
				} else {
					c.recursive = true
				}
			}
		}
		cs = append(cs, c)
	}
	byProto := m.routes[e.name]
	for _, proto := range e.protos {
		if set := byProto[proto]; set == nil {
			continue
		} else if o := set.at(p); o != nil {
			for i := range o.routes {
				offer(&o.routes[i])
			}
		}
	}
	if nhs := m.statics[e.name][p]; len(nhs) > 0 {
		rt := Route{Prefix: p, Proto: ProtoStatic}
		for _, a := range nhs {
			rt.Nexthops = append(rt.Nexthops, Nexthop{Addr: a})
		}
		offer(&rt)
	}

	// Labels of direct nexthops: the FEC label of (prefix, neighbour) in
	// the default VRF, where LDP and SR live, then the route's own.
	for _, c := range cs {
		for i := range c.nhs {
			nh := &c.nhs[i]
			var stack []uint32
			nh.lsp = e.idx == 0 && nh.nOwn > 0
			if e.idx == 0 && nh.gw.IsValid() {
				k := newFECKey(p, nh.gw)
				if l, ok := m.fec[k]; ok {
					nh.lsp = true
					push := m.fecPush[k]
					stack = make([]uint32, 0, len(push)+1+int(nh.nOwn))
					stack = append(stack, push...)
					if l != LabelImplicitNull {
						stack = append(stack, l)
					}
				}
			}
			if len(stack) > 0 { // else labels are the RIB's own copy, never written to
				nh.labels = append(stack, nh.own()...)
			}
			if b := nh.backup; b != nil {
				b.labels = e.slab.backupStack(m.fec, m.fecPush, e.idx, p, b.gw, b.own())
				b.labelled = backupLabelled(m.fec, e.idx, p, nh.gw, b)
			}
		}
	}
	return cs
}

// directOf is the preferred active candidate with only direct nexthops:
// what recursive nexthops resolve over.
func directOf(cs []*candidate) *candidate {
	var b *candidate
	for _, c := range cs {
		if c.recursive || !c.active() {
			continue
		}
		if b == nil || better(c, b) < 0 {
			b = c
		}
	}
	return b
}

// resolve adds a candidate's recursive nexthops, each resolved through
// the longest match in its table (a VRF's iBGP routes through the default
// VRF's selection, where their PE nexthops live; others through the
// VRF's direct routes), and records what it depends on.
func (m *ribManager) resolve(c *candidate, t *vrfTable, e *vrfEnv) {
	table, deps, cached := sel{t: t, direct: true}, t.deps, true
	if c.route.Proto == ProtoIBGP && e.def != nil {
		table, deps, cached = sel{t: e.def}, t.depsDef, false
	}
	p := c.route.Prefix
	for _, nh := range c.route.Nexthops {
		if nh.Tunnel != nil && nh.Addr.IsValid() {
			global, gdeps := sel{t: t, direct: true}, t.deps
			if e.def != nil {
				global, gdeps = sel{t: e.def}, t.depsDef
			}
			if gdeps.add(nh.Addr, p) {
				t.refs.inc(nh.Addr)
			}
			if tn, use, ok := m.tunnelNexthop(nh, global, m.fec); use {
				if ok {
					c.nhs = append(c.nhs, tn)
				}
				continue
			}
			// Else the endpoint is on an LSP: over it, as any other.
		} else if nh.Iface != "" || !nh.Addr.IsValid() || onLink(e.own, nh.Addr) != nil {
			continue
		}
		if deps.add(nh.Addr, p) && (!cached || t.idx == 0) {
			t.refs.inc(nh.Addr)
		}
		var res *candidate
		if cached {
			if e.cache == nil {
				e.cache = map[netip.Addr]*candidate{}
			}
			var ok bool
			if res, ok = e.cache[nh.Addr]; !ok {
				res = lpm(table, nh.Addr, netip.Prefix{})
				e.cache[nh.Addr] = res
			}
		} else {
			res = lpm(table, nh.Addr, netip.Prefix{})
		}
		if res != nil && res.route.Prefix == p {
			res = lpm(table, nh.Addr, p) // never through itself
		}
		if res == nil || res.local {
			continue
		}
		var share sharedKey
		if !cached && len(c.route.Nexthops) == 1 && len(c.nhs) == 0 && len(nh.Labels) == 1 {
			share = sharedKey{res: res, via: nh.Addr, label: nh.Labels[0]}
			if s, ok := e.shared[share]; ok {
				c.nhs = s
				continue
			}
		}
		vpn := !cached && len(nh.Labels) > 0
		for _, rn := range res.nhs {
			lsp := onLSP(&rn, nh.Addr)
			if vpn && !lsp {
				// A VPN route's label means nothing to the routers on
				// the way: without a path that carries it to the
				// next hop, the route is not usable (RFC 4364 4.3.2),
				// rather than forwarded to be dropped.
				continue
			}
			gw := rn.gw
			if !gw.IsValid() {
				gw = nh.Addr // resolved over a connected route
			}
			labels := append(slices.Clone(rn.labels), nh.Labels...)
			var b *ribNexthop
			if rb := rn.backup; rb != nil && rb.labelled {
				// The route it resolves through is protected: so is it,
				// under the repair path's transport labels.
				bl := append(e.slab.labels(len(rb.labels)+len(nh.Labels)), rb.labels...)
				b = e.slab.ribNH(ribNexthop{gw: rb.gw, ifc: rb.ifc, via: nh.Addr, labels: append(bl, nh.Labels...), nOwn: uint8(len(nh.Labels)), labelled: true})
			}
			c.nhs = append(c.nhs, ribNexthop{gw: gw, ifc: rn.ifc, via: nh.Addr, labels: labels, nOwn: uint8(len(nh.Labels)), backup: b, lsp: lsp})
		}
		if share.res != nil {
			c.nhs = c.nhs[:len(c.nhs):len(c.nhs)] // an append elsewhere copies
			if e.shared == nil {
				e.shared = map[sharedKey][]ribNexthop{}
			}
			e.shared[share] = c.nhs
		}
	}
}

// onLSP reports whether rn, a nexthop of the route that via resolves
// through, carries a labelled packet to via: over an LSP, over an IP
// tunnel, or straight to via itself (a connected route, or via is the
// neighbour: nothing is left to pop on the way).
func onLSP(rn *ribNexthop, via netip.Addr) bool {
	return rn.lsp || rn.tunnel != nil || !rn.gw.IsValid() || rn.gw == via
}

// dropDeps forgets what a prefix's old candidates resolved through.
func (t *vrfTable) dropDeps(p netip.Prefix, old []*candidate) {
	for _, c := range old {
		if !c.recursive {
			continue
		}
		for _, nh := range c.route.Nexthops {
			if nh.Iface != "" || !nh.Addr.IsValid() {
				continue
			}
			gone := t.deps.remove(nh.Addr, p) && t.idx == 0
			gone = t.depsDef.remove(nh.Addr, p) && t.idx != 0 || gone
			if gone && t.refs != nil {
				t.refs.dec(nh.Addr)
			}
		}
	}
}

// dependents lists the prefixes whose recursive nexthops one of changed
// holds.
func dependents(deps depIndex, changed []netip.Prefix) []netip.Prefix {
	if len(deps) == 0 || len(changed) == 0 {
		return nil
	}
	var out []netip.Prefix
	take := func(s *prefixSet) { out = s.appendTo(out) }
	if len(changed) <= 33 {
		for a, s := range deps {
			for _, q := range changed {
				if q.Contains(a) {
					take(s)
					break
				}
			}
		}
		return out
	}
	set := make(map[netip.Prefix]bool, len(changed))
	for _, q := range changed {
		set[q] = true
	}
	for a, s := range deps {
		for bits := 0; bits <= 32; bits++ {
			if q, _ := a.Prefix(bits); set[q] {
				take(s)
				break
			}
		}
	}
	return out
}

// findProto returns the first candidate of protocol p in cs.
func findProto(cs []*candidate, p Protocol) *candidate {
	for _, o := range cs {
		if o.route.Proto == p {
			return o
		}
	}
	return nil
}

// sameFwd reports whether two candidates forward the same way: what the
// FIB holds of them, and what a route resolving through them inherits.
func sameFwd(a, b *candidate) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.route.Proto != b.route.Proto || a.local != b.local || len(a.nhs) != len(b.nhs) {
		return false
	}
	for i := range a.nhs {
		x, y := &a.nhs[i], &b.nhs[i]
		if x.gw != y.gw || x.ifc != y.ifc || x.lsp != y.lsp || !slices.Equal(x.labels, y.labels) || !sameTunnel(x.tunnel, y.tunnel) {
			return false
		}
		xb, yb := x.backup, y.backup
		if (xb == nil) != (yb == nil) {
			return false
		}
		if xb != nil && (xb.gw != yb.gw || xb.ifc != yb.ifc || xb.labelled != yb.labelled || !slices.Equal(xb.labels, yb.labels)) {
			return false
		}
	}
	return true
}
