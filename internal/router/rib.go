package router

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
)

// ribManager is the router's RIB manager, zebra's job: it holds what each
// protocol offers, selects and resolves routes, and publishes the FIB and
// LFIB. A change redoes only the prefixes it touches (rib_update.go).
// Changes come under the router's control lock (protocol callbacks, Do,
// or the Router methods that take it); mu also guards the state so show
// commands may read from anywhere.
type ribManager struct {
	r  *Router
	mu sync.Mutex

	routes  map[string]map[Protocol]*prefixMap[*offered] // by VRF, protocol and prefix
	statics map[string]map[netip.Prefix][]netip.Addr
	locals  map[string]map[netip.Prefix]bool // AddLocal's, by VRF
	lsps    map[Protocol]map[uint32]LSP      // by incoming label
	fecBy   map[Protocol]map[fecKey]fecOffer // each protocol's first label per key
	pushBy  map[Protocol]map[fecKey][]uint32 // and what it pushes, for the few that push
	fec     map[fecKey]uint32                // the preferred protocol's label per key
	fecPush map[fecKey][]uint32              // and the labels it pushes over it, if any

	vrfIdx   map[string]int
	vrfNames []string // by index
	tables   []*vrfTable
	dirty    map[int]map[netip.Prefix]struct{} // by VRF index, until the next recompute
	pass     uint32                            // ReplaceRoutes calls, to mark what each finds
	lfibRows int                               // rows LFIBTable gives
	// lfibResolving counts the LFIB entries with a nexthop resolved
	// through the default table: they follow its changes.
	lfibResolving int
	labels        labelAllocator

	// Watchers run under the control lock, after mu is released.
	watchers  []func()
	changeWs  []func([]RouteChange)
	pending   []RouteChange // for changeWs, since they last ran
	selChange bool          // the default VRF's selection changed since watchers ran
	nexthops  nexthopRefs   // addresses recursive routes resolve through the default VRF by
	useWs     []func([]NexthopUse)
	uses      []NexthopUse // for useWs, since they last ran
	notifying bool
	again     bool
}

func newRIBManager(r *Router) *ribManager {
	m := &ribManager{
		r:       r,
		routes:  make(map[string]map[Protocol]*prefixMap[*offered]),
		statics: make(map[string]map[netip.Prefix][]netip.Addr),
		lsps:    make(map[Protocol]map[uint32]LSP),
		fecBy:   make(map[Protocol]map[fecKey]fecOffer),
		pushBy:  make(map[Protocol]map[fecKey][]uint32),
		fec:     make(map[fecKey]uint32),
		fecPush: make(map[fecKey][]uint32),
		vrfIdx:  make(map[string]int),
		dirty:   make(map[int]map[netip.Prefix]struct{}),
	}
	m.vrfIndexLocked("")
	return m
}

// change says what a recompute must redo beyond the dirty prefixes.
type change struct {
	all bool // every prefix of every VRF and the LFIB: interfaces changed
	// labels are incoming labels whose LFIB entries are redone; resolving,
	// that those resolving through the default table are too (a FEC label
	// changed, which may change no route: lsp_tunnel.go).
	labels    []uint32
	resolving bool
}

var changeAll = change{all: true}

// changeVRF is a change of some of a VRF's prefixes, which marked them
// dirty: only they are redone (and what resolves through them).
func changeVRF(string) change { return change{} }

// markDirty records that prefix p of VRF idx must be redone (mu held).
func (m *ribManager) markDirty(idx int, p netip.Prefix) {
	d := m.dirty[idx]
	if d == nil {
		d = map[netip.Prefix]struct{}{}
		m.dirty[idx] = d
	}
	d[p] = struct{}{}
}

// reserveDirty makes room for n more dirty prefixes of VRF idx: an SPF
// run's first set marks thousands at once, and a map grown from empty
// rehashes at every doubling, at every recompute (the dirty sets go
// after each).
func (m *ribManager) reserveDirty(idx, n int) {
	if n > 8 && m.dirty[idx] == nil {
		m.dirty[idx] = make(map[netip.Prefix]struct{}, n)
	}
}

// offered is what one protocol offers for one prefix.
type offered struct {
	routes []Route
	seen   uint32 // the ReplaceRoutes pass that last found the prefix
}

// ReplaceRoutes replaces protocol p's routes in vrf: the prefixes whose
// routes differ from what p offered before are redone, no others. A set
// that differs in a few prefixes costs a lookup per route and nothing
// else: what is unchanged stays in place.
func (m *ribManager) ReplaceRoutes(p Protocol, vrf string, routes []Route) int {
	m.mu.Lock()
	idx := m.vrfIndexLocked(vrf)
	byProto := m.routes[vrf]
	if byProto == nil {
		byProto = make(map[Protocol]*prefixMap[*offered])
		m.routes[vrf] = byProto
	}
	set := byProto[p]
	if set == nil {
		pm := makePrefixMap[*offered](len(routes))
		set = &pm
		byProto[p] = set
	}
	m.pass++
	pass := m.pass
	var sets nexthopSets
	var changed []int // indexes of routes whose prefix changed
	found, added, dup := 0, 0, false
	n := 0 // prefixes changed
	for i := range routes {
		k := routes[i].Prefix.Masked()
		o := set.at(k)
		switch {
		case o == nil:
			set.set(k, &offered{seen: pass}) // filled below
			changed = append(changed, i)
			added++
			continue
		case o.seen == pass:
			dup = true // a prefix given twice: see below
			continue
		}
		o.seen = pass
		found++
		if len(o.routes) != 1 || !sameRoute(o.routes[0], routes[i]) {
			changed = append(changed, i)
		}
	}
	if dup {
		// Several routes for a prefix: group them, as UpdateRoutes does.
		group := make(map[netip.Prefix][]Route, len(routes))
		for _, rt := range routes {
			k := rt.Prefix.Masked()
			group[k] = append(group[k], rt)
		}
		for k, rs := range group {
			if o := set.at(k); !sameRoutes(o.routes, rs) {
				o.routes = storedRoutes(p, k, rs, &sets)
				m.markDirty(idx, k)
				n++
			}
		}
		for k := range set.all() {
			if _, ok := group[k]; !ok {
				set.del(k)
				m.markDirty(idx, k)
				n++
			}
		}
	} else {
		if found+added < set.len() {
			for k, o := range set.all() {
				if o.seen != pass {
					set.del(k)
					m.markDirty(idx, k)
					n++
				}
			}
		}
		m.reserveDirty(idx, len(changed))
		for _, i := range changed {
			// Filled in place: the loop above made an empty one for a new
			// prefix, and the old routes stay with whoever holds them.
			k := routes[i].Prefix.Masked()
			set.at(k).routes = storedRoutes(p, k, routes[i:i+1], &sets)
			m.markDirty(idx, k)
		}
		n += len(changed)
	}
	if set.len() == 0 {
		delete(byProto, p)
	}
	m.mu.Unlock()
	m.recompute(change{})
	return n
}

// UpdateRoutes changes some of protocol p's routes in vrf: routes replace
// p's routes for their prefixes (all of a prefix's routes together), and
// p's routes for the prefixes in withdraw go. What p offers for other
// prefixes stays. It costs what the change touches, not the table.
func (m *ribManager) UpdateRoutes(p Protocol, vrf string, routes []Route, withdraw []netip.Prefix) int {
	m.mu.Lock()
	idx := m.vrfIndexLocked(vrf)
	byProto := m.routes[vrf]
	if byProto == nil {
		byProto = make(map[Protocol]*prefixMap[*offered])
		m.routes[vrf] = byProto
	}
	set := byProto[p]
	if set == nil {
		pm := makePrefixMap[*offered](len(routes))
		set = &pm
		byProto[p] = set
	}
	// Withdrawals of prefixes p does not offer are common (a VRF told
	// of every VPN prefix it does not import) and need no room.
	gone := 0
	for _, k := range withdraw {
		if _, ok := set.get(k.Masked()); ok {
			gone++
		}
	}
	m.reserveDirty(idx, len(routes)+gone)
	n := 0 // prefixes changed
	for _, k := range withdraw {
		k = k.Masked()
		if _, ok := set.get(k); ok {
			set.del(k)
			m.markDirty(idx, k)
			n++
		}
	}
	var sets nexthopSets
	// Most calls give each prefix once: then each route is compared
	// with what p offered and stored alone, with no grouping map. A
	// prefix given twice is found by the pass mark and groups them all.
	m.pass++
	pass := m.pass
	dup := false
	for i := range routes {
		k := routes[i].Prefix.Masked()
		switch o := set.at(k); {
		case o == nil:
			set.set(k, &offered{seen: pass}) // filled below
		case o.seen == pass:
			dup = true
		default:
			o.seen = pass
		}
	}
	if dup {
		next := make(map[netip.Prefix][]Route, len(routes))
		for i := range routes {
			k := routes[i].Prefix.Masked()
			next[k] = append(next[k], routes[i])
		}
		for k, rs := range next {
			o := set.at(k)
			if sameRoutes(o.routes, rs) {
				continue
			}
			o.routes = storedRoutes(p, k, rs, &sets)
			m.markDirty(idx, k)
			n++
		}
	} else {
		for i := range routes {
			k := routes[i].Prefix.Masked()
			o := set.at(k) // an empty one for a new prefix, made above
			if len(o.routes) == 1 && sameRoute(o.routes[0], routes[i]) {
				continue
			}
			o.routes = storedRoutes(p, k, routes[i:i+1], &sets)
			m.markDirty(idx, k)
			n++
		}
	}
	if set.len() == 0 {
		delete(byProto, p)
	}
	m.mu.Unlock()
	m.recompute(change{})
	return n
}

// storedRoutes is the RIB manager's own copy of a prefix's routes, its
// nexthop lists shared with equal ones the same call stored (sets).
func storedRoutes(p Protocol, k netip.Prefix, rs []Route, sets *nexthopSets) []Route {
	cp := make([]Route, len(rs))
	for i, rt := range rs {
		cp[i] = rt
		cp[i].Nexthops = sets.share(rt.Nexthops)
		cp[i].Prefix = k
		cp[i].Proto = p
	}
	return cp
}

// sameRoutes compares a prefix's routes as offered.
func sameRoutes(a, b []Route) bool { return slices.EqualFunc(a, b, sameRoute) }

func sameRoute(x, y Route) bool {
	return x.Metric == y.Metric && x.Info == y.Info && slices.EqualFunc(x.Nexthops, y.Nexthops, sameNexthop)
}

func (m *ribManager) AllocateLabel() uint32 { return m.labels.allocate() }
func (m *ribManager) ReleaseLabel(l uint32) { m.labels.release(l) }

// Best returns the selected route for prefix in vrf: the route as its
// protocol offered it, except that nexthops are the active ones, and a
// nexthop resolved through another route is replaced by its resolution
// (neighbour and interface), as zebra tells its clients.
func (m *ribManager) Best(vrf string, p netip.Prefix) (Route, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.table(vrf)
	if t == nil {
		return Route{}, false
	}
	c := t.bestOf(p.Masked())
	if c == nil {
		return Route{}, false
	}
	return c.public(), true
}

func (m *ribManager) NexthopCost(vrf string, a netip.Addr) (uint32, bool) {
	if !a.Is4() {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.table(vrf)
	if t == nil {
		return 0, false
	}
	for p := range t.covering(a) {
		c := t.bestOf(p)
		if c != nil && c.route.Proto != ProtoEBGP && c.route.Proto != ProtoIBGP && len(c.nhs) > 0 {
			return c.route.Metric, true
		}
	}
	return 0, false
}

func (m *ribManager) BestRoutes(vrf string) []Route {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.table(vrf)
	if t == nil {
		return nil
	}
	out := make([]Route, 0, t.nBest)
	for e := range t.prefixes.values() {
		if e.best != nil {
			out = append(out, e.best.public())
		}
	}
	slices.SortFunc(out, func(a, b Route) int { return comparePrefix(a.Prefix, b.Prefix) })
	return out
}

func (m *ribManager) Watch(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.watchers = append(m.watchers[:len(m.watchers):len(m.watchers)], f)
}

func (m *ribManager) WatchChanges(f func([]RouteChange)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changeWs = append(m.changeWs[:len(m.changeWs):len(m.changeWs)], f)
}

func (m *ribManager) WatchNexthops(f func([]NexthopUse)) []netip.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.useWs = append(m.useWs[:len(m.useWs):len(m.useWs)], f)
	return m.nexthops.inUse()
}

func (m *ribManager) TrackNexthops(track, untrack []netip.Addr) {
	m.mu.Lock()
	for _, a := range track {
		m.nexthops.inc(a)
	}
	for _, a := range untrack {
		m.nexthops.dec(a)
	}
	m.unlockNotify(false)
}

// unlockNotify (m.mu held) queues the nexthop uses that changed for
// their watchers, unlocks, and runs the watchers if anything changed
// (selected: the selection did).
func (m *ribManager) unlockNotify(selected bool) {
	if u := m.nexthops.changes(); len(u) > 0 && len(m.useWs) > 0 {
		m.uses = append(m.uses, u...)
		selected = true
	}
	m.mu.Unlock()
	if selected {
		m.notify()
	}
}

func (m *ribManager) table(vrf string) *vrfTable {
	i, ok := m.vrfIdx[vrf]
	if !ok || i >= len(m.tables) {
		return nil
	}
	return m.tables[i]
}

func (m *ribManager) vrfIndex(vrf string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.vrfIndexLocked(vrf)
}

// lookupVRF returns a VRF's index without creating it.
func (m *ribManager) lookupVRF(vrf string) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.vrfIdx[vrf]
	return i, ok
}

func (m *ribManager) vrfIndexLocked(vrf string) int {
	if i, ok := m.vrfIdx[vrf]; ok {
		return i
	}
	i := len(m.vrfNames)
	m.vrfIdx[vrf] = i
	m.vrfNames = append(m.vrfNames, vrf)
	return i
}

func (m *ribManager) addStatic(vrf string, p netip.Prefix, nh netip.Addr) {
	m.mu.Lock()
	defer m.mu.Unlock()
	byPrefix := m.statics[vrf]
	if byPrefix == nil {
		byPrefix = make(map[netip.Prefix][]netip.Addr)
		m.statics[vrf] = byPrefix
	}
	idx := m.vrfIndexLocked(vrf)
	if !slices.Contains(byPrefix[p], nh) {
		byPrefix[p] = append(byPrefix[p], nh)
		m.markDirty(idx, p)
	}
}

func (m *ribManager) removeStatic(vrf string, p netip.Prefix, nh netip.Addr) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	nhs := m.statics[vrf][p]
	i := slices.Index(nhs, nh)
	if i < 0 {
		return false
	}
	nhs = slices.Delete(slices.Clone(nhs), i, i+1)
	if len(nhs) == 0 {
		delete(m.statics[vrf], p)
	} else {
		m.statics[vrf][p] = nhs
	}
	m.markDirty(m.vrfIndexLocked(vrf), p)
	return true
}

// recompute redoes the dirty prefixes (every prefix if c.all), what
// resolves through them, and the LFIB if c says or it resolves through a
// changed default VRF entry; publishes the result to the data path; and
// runs the watchers if the default VRF's selection changed (or any VRF's
// on c.all). The control lock is held.
func (m *ribManager) recompute(c change) {
	m.mu.Lock()
	now := m.r.clk.Now()
	ifaces := m.r.ifaceList()
	changed := false
	for len(m.tables) < len(m.vrfNames) {
		m.tables = append(m.tables, nil)
	}
	// The default VRF first: the others resolve through it.
	var defFwd []netip.Prefix
	for i := range m.tables {
		dirty := m.dirty[i]
		if i > 0 && len(defFwd) > 0 && m.tables[i] != nil {
			for _, p := range dependents(m.tables[i].depsDef, defFwd) {
				if dirty == nil {
					dirty = map[netip.Prefix]struct{}{}
				}
				dirty[p] = struct{}{}
			}
		}
		if !c.all && len(dirty) == 0 {
			continue
		}
		up := m.updateVRF(i, dirty, c.all, ifaces, now)
		if i == 0 {
			defFwd = up.fwd
		}
		// Watchers follow the default VRF (what LDP and BGP next hops
		// resolve in) and interface changes in any VRF; a protocol
		// replacing its own routes in a customer VRF wakes nobody.
		if len(up.selected) > 0 && (i == 0 || c.all) {
			changed = true
			if len(m.changeWs) > 0 {
				m.pending = append(m.pending, RouteChange{VRF: m.vrfNames[i], Prefixes: up.selected})
			}
		}
	}
	clear(m.dirty)
	st := &fwdState{fibs: make([]*fib, len(m.tables))}
	for i, t := range m.tables {
		if t != nil {
			st.fibs[i] = t.fib
		}
	}
	prev := m.r.fwd.Load()
	if c.all || prev == nil {
		st.lfib, _, m.lfibRows = m.computeLFIB(ifaces, false)
		m.lfibResolving = len(resolvingLabels(st.lfib))
	} else {
		st.lfib = prev.lfib
		labels := c.labels
		if m.lfibResolving > 0 && (c.resolving || len(defFwd) > 0) {
			labels = append(slices.Clip(labels), resolvingLabels(prev.lfib)...)
		}
		if len(labels) > 0 {
			st.lfib = m.patchLFIB(prev.lfib, labels, ifaces)
		}
	}
	m.r.fwd.Store(st)
	if changed {
		m.selChange = true
	}
	m.unlockNotify(changed)
}

// notify runs the watchers. A watcher that changes the RIB again (LDP
// reacting to new IGP routes) does not recurse: the loop runs them once
// more when they are done.
func (m *ribManager) notify() {
	if m.notifying {
		m.again = true
		return
	}
	m.notifying = true
	defer func() { m.notifying = false }()
	for {
		m.again = false
		m.mu.Lock()
		ws, cws, changes, sel := m.watchers, m.changeWs, m.pending, m.selChange
		uws, uses := m.useWs, m.uses
		m.pending, m.selChange, m.uses = nil, false, nil
		m.mu.Unlock()
		if sel {
			for _, w := range ws {
				w()
			}
			for _, w := range cws {
				w(changes)
			}
		}
		if len(uses) > 0 {
			for _, w := range uws {
				w(uses)
			}
		}
		if !m.again {
			return
		}
	}
}

// fecKey is what a FEC label is attached by: a prefix and a nexthop,
// packed into 34 bytes without pointers (netip's take 56 with two):
// a core router keys a label by every IGP route and neighbour.
type fecKey struct {
	addr, nh [16]byte
	bits     uint8
	flags    uint8 // fecAddr4, fecNH4, fecNHValid
}

const (
	fecAddr4 = 1 << iota
	fecNH4
	fecNHValid
)

func newFECKey(p netip.Prefix, nh netip.Addr) fecKey {
	k := fecKey{addr: p.Addr().As16(), bits: uint8(p.Bits())}
	if p.Addr().Is4() {
		k.flags |= fecAddr4
	}
	if nh.IsValid() {
		k.nh = nh.As16()
		k.flags |= fecNHValid
		if nh.Is4() {
			k.flags |= fecNH4
		}
	}
	return k
}

// prefix is the key's prefix.
func (k fecKey) prefix() netip.Prefix {
	a := netip.AddrFrom16(k.addr)
	if k.flags&fecAddr4 != 0 {
		a = a.Unmap()
	}
	return netip.PrefixFrom(a, int(k.bits))
}

// labelProtoOrder lists the protocols of a label map, the preferred first:
// SR, then LDP, then the others in declaration order.
func labelProtoOrder[T any](m map[Protocol]T) []Protocol {
	ps := make([]Protocol, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b Protocol) int { return cmp.Compare(labelRank(a), labelRank(b)) })
	return ps
}

func labelRank(p Protocol) int {
	switch p {
	case ProtoSR:
		return 0
	case ProtoLDP:
		return 1
	}
	return 2 + int(p)
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}
