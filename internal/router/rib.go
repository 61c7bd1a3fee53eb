package router

import (
	"cmp"
	"net/netip"
	"slices"
	"sync"
)

// ribManager is the router's RIB manager, zebra's job: it holds what each
// protocol offers, selects and resolves routes, and publishes the FIB and
// LFIB. Changes come under the router's control lock (protocol callbacks,
// Do, or the Router methods that take it); mu also guards the state so
// show commands may read from anywhere.
type ribManager struct {
	r  *Router
	mu sync.Mutex

	routes  map[string]map[Protocol][]Route // offered, by VRF and protocol
	statics map[string]map[netip.Prefix][]netip.Addr
	locals  map[string]map[netip.Prefix]bool // AddLocal's, by VRF
	lsps    map[Protocol][]LSP
	fecs    map[Protocol][]FECLabel
	fecPush map[fecKey][]uint32 // see fecIndex

	vrfIdx   map[string]int
	vrfNames []string // by index
	tables   []*vrfTable
	lfibRows []LFIBRow
	labels   labelAllocator

	// Watchers run under the control lock, after mu is released.
	watchers  []func()
	notifying bool
	again     bool
}

func newRIBManager(r *Router) *ribManager {
	m := &ribManager{
		r:       r,
		routes:  make(map[string]map[Protocol][]Route),
		statics: make(map[string]map[netip.Prefix][]netip.Addr),
		lsps:    make(map[Protocol][]LSP),
		fecs:    make(map[Protocol][]FECLabel),
		vrfIdx:  make(map[string]int),
	}
	m.vrfIndexLocked("")
	return m
}

// change says what a recompute must redo.
type change struct {
	all  bool   // every VRF and the LFIB: interfaces, FEC labels, the default VRF
	vrf  string // just this VRF's routes
	lfib bool   // just the LFIB
}

var (
	changeAll  = change{all: true}
	changeLFIB = change{lfib: true}
)

// changeVRF is a change of one VRF's routes; the default VRF's routes are
// what other VRFs resolve through, so a change there redoes them all.
func changeVRF(vrf string) change {
	if vrf == "" {
		return changeAll
	}
	return change{vrf: vrf}
}

func (m *ribManager) ReplaceRoutes(p Protocol, vrf string, routes []Route) {
	m.mu.Lock()
	byProto := m.routes[vrf]
	if byProto == nil {
		byProto = make(map[Protocol][]Route)
		m.routes[vrf] = byProto
	}
	if len(routes) == 0 {
		delete(byProto, p)
	} else {
		cp := make([]Route, len(routes))
		for i, rt := range routes {
			cp[i] = cloneRoute(rt)
			cp[i].Prefix = rt.Prefix.Masked()
			cp[i].Proto = p
		}
		byProto[p] = cp
	}
	m.vrfIndexLocked(vrf)
	m.mu.Unlock()
	m.recompute(changeVRF(vrf))
}

func (m *ribManager) ReplaceLSPs(p Protocol, lsps []LSP) {
	m.mu.Lock()
	// A protocol often recomputes to the same answer (LDP woken by a VRF
	// change that does not concern it): then there is nothing to redo.
	if slices.EqualFunc(m.lsps[p], lsps, sameLSP) {
		m.mu.Unlock()
		return
	}
	cp := make([]LSP, len(lsps))
	for i, l := range lsps {
		cp[i] = l
		cp[i].Proto = p
		cp[i].Nexthops = slices.Clone(l.Nexthops)
	}
	m.lsps[p] = cp
	m.mu.Unlock()
	m.recompute(changeLFIB)
}

func (m *ribManager) ReplaceFECLabels(p Protocol, labels []FECLabel) {
	m.mu.Lock()
	cp := slices.Clone(labels)
	for i := range cp {
		cp[i].Prefix = cp[i].Prefix.Masked()
	}
	if old, ok := m.fecs[p]; ok && slices.EqualFunc(old, cp, sameFECLabel) {
		m.mu.Unlock()
		return // unchanged: every VRF's labels would come out the same
	}
	m.fecs[p] = cp
	m.mu.Unlock()
	m.recompute(changeAll)
}

// sameFECLabel compares FEC labels by value.
func sameFECLabel(a, b FECLabel) bool {
	return a.Prefix == b.Prefix && a.Nexthop == b.Nexthop && a.OutLabel == b.OutLabel && slices.Equal(a.Push, b.Push)
}

// sameLSP compares LSPs as offered (the protocol field is set on storing).
func sameLSP(a, b LSP) bool {
	return a.InLabel == b.InLabel && a.FEC == b.FEC && slices.EqualFunc(a.Nexthops, b.Nexthops, sameLSPNexthop)
}

// sameLSPNexthop compares LSP nexthops and their backups by value.
func sameLSPNexthop(a, b LSPNexthop) bool {
	if (a.Backup == nil) != (b.Backup == nil) || a.Backup != nil && !sameLSPNexthop(*a.Backup, *b.Backup) {
		return false
	}
	return a.Addr == b.Addr && a.Iface == b.Iface && a.OutLabel == b.OutLabel && slices.Equal(a.Push, b.Push)
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
	c := t.best[p.Masked()]
	if c == nil {
		return Route{}, false
	}
	return c.public(), true
}

func (m *ribManager) BestRoutes(vrf string) []Route {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.table(vrf)
	if t == nil {
		return nil
	}
	out := make([]Route, 0, len(t.best))
	for _, c := range t.best {
		out = append(out, c.public())
	}
	slices.SortFunc(out, func(a, b Route) int { return comparePrefix(a.Prefix, b.Prefix) })
	return out
}

func (m *ribManager) Watch(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.watchers = append(m.watchers[:len(m.watchers):len(m.watchers)], f)
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
	if !slices.Contains(byPrefix[p], nh) {
		byPrefix[p] = append(byPrefix[p], nh)
	}
	m.vrfIndexLocked(vrf)
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
	return true
}

// recompute redoes what c says, publishes the result to the data path, and
// runs the watchers if any VRF's selected routes changed. The control lock
// is held.
func (m *ribManager) recompute(c change) {
	m.mu.Lock()
	now := m.r.clk.Now()
	ifaces := m.r.ifaceList()
	changed := false
	if c.all || c.vrf != "" {
		fec := m.fecIndex()
		for len(m.tables) < len(m.vrfNames) {
			m.tables = append(m.tables, nil)
		}
		// The default VRF first: the others resolve through it.
		for i, name := range m.vrfNames {
			if !c.all && name != c.vrf {
				continue
			}
			var def *vrfTable
			if i > 0 {
				def = m.tables[0]
			}
			old := m.tables[i]
			t := m.computeVRF(name, i, ifaces, def, fec, old, now)
			m.tables[i] = t
			// Watchers follow the default VRF (what LDP and BGP next hops
			// resolve in) and interface changes in any VRF; a protocol
			// replacing its own routes in a customer VRF wakes nobody.
			if !sameSelection(old, t) && (i == 0 || c.all) {
				changed = true
			}
		}
	}
	st := &fwdState{fibs: make([]*fib, len(m.tables))}
	for i, t := range m.tables {
		if t != nil {
			st.fibs[i] = t.fib
		}
	}
	if c.all || c.lfib || m.r.fwd.Load() == nil {
		st.lfib, m.lfibRows = m.computeLFIB(ifaces)
	} else {
		st.lfib = m.r.fwd.Load().lfib
	}
	m.r.fwd.Store(st)
	m.mu.Unlock()
	if changed {
		m.notify()
	}
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
		ws := m.watchers
		m.mu.Unlock()
		for _, w := range ws {
			w()
		}
		if !m.again {
			return
		}
	}
}

// fecKey is what a FEC label is attached by.
type fecKey struct {
	prefix  netip.Prefix
	nexthop netip.Addr
}

// fecIndex merges the protocols' FEC labels. When SR and LDP both give a
// label for the same prefix and nexthop, SR's wins, as Junos prefers SPRING
// over LDP and IOS XR does with sr-prefer: a lab in SR mode should show SR
// labels. (FRR has no rule: the first to install keeps the nexthop.)
// The labels a FEC label pushes over its own go to m.fecPush, by the same
// key (few have any: remote LFA tunnels).
func (m *ribManager) fecIndex() map[fecKey]uint32 {
	idx := make(map[fecKey]uint32)
	clear(m.fecPush)
	for _, p := range labelProtoOrder(m.fecs) {
		for _, f := range m.fecs[p] {
			k := fecKey{f.Prefix, f.Nexthop}
			if _, ok := idx[k]; !ok {
				idx[k] = f.OutLabel
				if len(f.Push) > 0 {
					if m.fecPush == nil {
						m.fecPush = map[fecKey][]uint32{}
					}
					m.fecPush[k] = f.Push
				}
			}
		}
	}
	return idx
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

func cloneRoute(r Route) Route {
	r.Nexthops = slices.Clone(r.Nexthops)
	for i := range r.Nexthops {
		r.Nexthops[i].Labels = slices.Clone(r.Nexthops[i].Labels)
	}
	return r
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}
