package routertest

import (
	"bytes"
	"net/netip"
	"reflect"
	"slices"
	"sync"

	"github.com/intercloud/intercloud/internal/router"
)

// RIB is a minimal recording RIB manager: enough of router.RIB for
// protocol tests, nothing of the FIB. It keeps the slices protocols hand
// it (they must not modify them afterwards) and selects the best route per
// prefix by Protocol.Distance, then metric, then the lower Protocol.
type RIB struct {
	mu       sync.Mutex
	vrfs     map[string]*vrfTable
	lsps     [router.ProtoIBGP + 1][]router.LSP
	fecs     [router.ProtoIBGP + 1][]router.FECLabel
	watchers []func()
	changeWs []func([]router.RouteChange)
	useWs    []func([]router.NexthopUse)
	used     map[netip.Addr]bool // recursive nexthops in use, as the test set them
	tracked  map[netip.Addr]int  // TrackNexthops' counts

	nextLabel uint32
	free      []uint32
	inUse     map[uint32]bool
}

type vrfTable struct {
	sets [router.ProtoIBGP + 1]map[netip.Prefix]*router.Route
	best map[netip.Prefix]*router.Route
	// order is best's prefixes sorted; nil when a prefix came or went.
	order []netip.Prefix
}

func newRIB() *RIB {
	return &RIB{vrfs: map[string]*vrfTable{}, nextLabel: router.LabelDynamicFirst, inUse: map[uint32]bool{}}
}

var _ router.RIB = (*RIB)(nil)

func (b *RIB) vrf(name string) *vrfTable {
	t := b.vrfs[name]
	if t == nil {
		t = &vrfTable{best: map[netip.Prefix]*router.Route{}}
		b.vrfs[name] = t
	}
	return t
}

// ReplaceRoutes replaces protocol p's routes in vrf and says how many
// prefixes' routes from p changed.
func (b *RIB) ReplaceRoutes(p router.Protocol, vrf string, routes []router.Route) int {
	b.mu.Lock()
	changed, offered := b.replaceLocked(p, vrf, routes)
	b.notify(vrf, changed)
	return offered
}

// UpdateRoutes replaces protocol p's routes in vrf for the prefixes of
// routes, and removes its routes for the prefixes in withdraw; it costs
// what it changes, as the RIB manager's does.
func (b *RIB) UpdateRoutes(p router.Protocol, vrf string, routes []router.Route, withdraw []netip.Prefix) int {
	b.mu.Lock()
	t := b.vrf(vrf)
	set := t.sets[p]
	if set == nil {
		set = map[netip.Prefix]*router.Route{}
		t.sets[p] = set
	}
	offered := 0
	var changed []netip.Prefix
	reselect := func(pfx netip.Prefix) {
		_, had := t.best[pfx]
		if t.reselect(pfx) {
			changed = append(changed, pfx)
		}
		if _, has := t.best[pfx]; has && !had {
			t.order = nil
		}
	}
	for _, pfx := range withdraw {
		if set[pfx] != nil {
			delete(set, pfx)
			offered++
			reselect(pfx)
		}
	}
	for _, r := range routes {
		r := storedRoute(p, r)
		if o := set[r.Prefix]; o != nil && reflect.DeepEqual(*o, r) {
			continue
		}
		set[r.Prefix] = &r
		offered++
		reselect(r.Prefix)
	}
	sortPrefixes(changed)
	b.notify(vrf, changed)
	return offered
}

// notify releases the lock and runs the watchers if prefixes of vrf
// changed.
func (b *RIB) notify(vrf string, changed []netip.Prefix) {
	watchers, changeWs := b.watchers, b.changeWs
	b.mu.Unlock()
	if len(changed) == 0 {
		return
	}
	for _, f := range watchers {
		f()
	}
	for _, f := range changeWs {
		f([]router.RouteChange{{VRF: vrf, Prefixes: changed}})
	}
}

func (b *RIB) setConnected(routes []router.Route) {
	b.ReplaceRoutes(router.ProtoConnected, "", routes)
}

// replaceLocked replaces p's routes and returns the prefixes whose best
// route changed and how many prefixes' routes from p changed.
func (b *RIB) replaceLocked(p router.Protocol, vrf string, routes []router.Route) ([]netip.Prefix, int) {
	t := b.vrf(vrf)
	old := t.sets[p]
	set := make(map[netip.Prefix]*router.Route, len(routes))
	for _, r := range routes {
		r := storedRoute(p, r)
		set[r.Prefix] = &r
	}
	offered := 0
	for pfx, r := range set {
		if o := old[pfx]; o == nil || !reflect.DeepEqual(*o, *r) {
			offered++
		}
	}
	for pfx := range old {
		if set[pfx] == nil {
			offered++
		}
	}
	t.sets[p] = set
	var changed []netip.Prefix
	for pfx, r := range set {
		cur := t.best[pfx]
		switch {
		case cur == nil:
			t.best[pfx] = r
			t.order = nil
			changed = append(changed, pfx)
		case cur.Proto == p:
			// Ours was best: the new one may have lost to another's.
			if t.reselect(pfx) {
				changed = append(changed, pfx)
			}
		case better(r, cur):
			t.best[pfx] = r
			changed = append(changed, pfx)
		}
	}
	for pfx := range old {
		if _, still := set[pfx]; !still {
			if cur := t.best[pfx]; cur != nil && cur.Proto == p && t.reselect(pfx) {
				changed = append(changed, pfx)
			}
		}
	}
	sortPrefixes(changed)
	return changed, offered
}

func sortPrefixes(ps []netip.Prefix) {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
}

// reselect recomputes the best route for pfx and reports whether it changed.
func (t *vrfTable) reselect(pfx netip.Prefix) bool {
	var best *router.Route
	for _, set := range t.sets {
		if len(set) == 0 {
			continue
		}
		r := set[pfx]
		if r == nil {
			continue
		}
		if best == nil || better(r, best) {
			best = r
		}
	}
	old := t.best[pfx]
	if best == nil {
		delete(t.best, pfx)
		t.order = nil
	} else {
		t.best[pfx] = best
	}
	return !sameRoute(old, best)
}

func better(a, b *router.Route) bool {
	if da, db := a.Proto.Distance(), b.Proto.Distance(); da != db {
		return da < db
	}
	if a.Metric != b.Metric {
		return a.Metric < b.Metric
	}
	return a.Proto < b.Proto
}

func sameRoute(a, b *router.Route) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Proto != b.Proto || a.Metric != b.Metric || a.Info != b.Info || len(a.Nexthops) != len(b.Nexthops) {
		return false
	}
	if len(a.Nexthops) > 0 && &a.Nexthops[0] == &b.Nexthops[0] {
		return true // one shared slice
	}
	return slices.EqualFunc(a.Nexthops, b.Nexthops, sameNexthop)
}

// sameNexthop compares nexthops as the router's RIB manager does: a new
// backup (fast reroute) is a change its watchers hear of.
func sameNexthop(x, y router.Nexthop) bool {
	if (x.Backup == nil) != (y.Backup == nil) || x.Backup != nil && !sameNexthop(*x.Backup, *y.Backup) {
		return false
	}
	return x.Addr == y.Addr && x.Iface == y.Iface && x.Remote == y.Remote && slices.Equal(x.Labels, y.Labels) &&
		(x.Tunnel == nil) == (y.Tunnel == nil) && (x.Tunnel == nil || *x.Tunnel == *y.Tunnel)
}

// ReplaceLSPs replaces protocol p's LFIB entries.
func (b *RIB) ReplaceLSPs(p router.Protocol, lsps []router.LSP) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]router.LSP, len(lsps))
	for i, l := range lsps {
		out[i] = storedLSP(p, l)
	}
	b.lsps[p] = out
}

// storedRoute is r as the RIB keeps it: its own copy of the nexthops
// and their labels, as the manager's (the caller may reuse its lists).
func storedRoute(p router.Protocol, r router.Route) router.Route {
	r.Proto = p
	r.Nexthops = slices.Clone(r.Nexthops)
	for i := range r.Nexthops {
		r.Nexthops[i].Labels = slices.Clone(r.Nexthops[i].Labels)
	}
	return r
}

// storedLSP is l as the RIB keeps it: its own copy of the nexthops, as
// the manager's (the caller may reuse its lists).
func storedLSP(p router.Protocol, l router.LSP) router.LSP {
	l.Proto = p
	l.Nexthops = slices.Clone(l.Nexthops)
	return l
}

// ReplaceFECLabels replaces protocol p's ingress labels.
func (b *RIB) ReplaceFECLabels(p router.Protocol, labels []router.FECLabel) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fecs[p] = slices.Clone(labels)
}

// UpdateLSPs changes some of protocol p's LFIB entries: those of the
// labels in del and in lsps go, lsps come. Entries stay sorted by FEC,
// as a whole set is offered.
func (b *RIB) UpdateLSPs(p router.Protocol, lsps []router.LSP, del []uint32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	drop := map[uint32]bool{}
	for _, l := range del {
		drop[l] = true
	}
	for _, l := range lsps {
		drop[l.InLabel] = true
	}
	out := slices.DeleteFunc(slices.Clone(b.lsps[p]), func(l router.LSP) bool { return drop[l.InLabel] })
	for _, l := range lsps {
		out = append(out, storedLSP(p, l))
	}
	slices.SortStableFunc(out, func(x, y router.LSP) int { return comparePrefix(x.FEC, y.FEC) })
	b.lsps[p] = out
}

// UpdateFECLabels changes some of protocol p's ingress labels: those of
// the prefixes and nexthops in del and in labels go, labels come, sorted
// by prefix.
func (b *RIB) UpdateFECLabels(p router.Protocol, labels []router.FECLabel, del []router.FECLabel) {
	b.mu.Lock()
	defer b.mu.Unlock()
	type key struct {
		p  netip.Prefix
		nh netip.Addr
	}
	drop := map[key]bool{}
	for _, f := range del {
		drop[key{f.Prefix, f.Nexthop}] = true
	}
	for _, f := range labels {
		drop[key{f.Prefix, f.Nexthop}] = true
	}
	out := slices.DeleteFunc(slices.Clone(b.fecs[p]), func(f router.FECLabel) bool { return drop[key{f.Prefix, f.Nexthop}] })
	out = append(out, labels...)
	slices.SortStableFunc(out, func(x, y router.FECLabel) int { return comparePrefix(x.Prefix, y.Prefix) })
	b.fecs[p] = out
}

// AllocateLabel hands out the lowest free dynamic label.
func (b *RIB) AllocateLabel() uint32 {
	b.mu.Lock()
	defer b.mu.Unlock()
	var l uint32
	if n := len(b.free); n > 0 {
		l = b.free[n-1]
		b.free = b.free[:n-1]
	} else {
		l = b.nextLabel
		b.nextLabel++
	}
	b.inUse[l] = true
	return l
}

// ReleaseLabel returns l to the pool; releasing a label not in use panics,
// which is the bug a test wants to hear about.
func (b *RIB) ReleaseLabel(l uint32) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.inUse[l] {
		panic("routertest: label released twice or never allocated")
	}
	delete(b.inUse, l)
	// Keep the free list sorted high to low so the lowest is reused first.
	i, _ := slices.BinarySearchFunc(b.free, l, func(a, t uint32) int { return int(t) - int(a) })
	b.free = slices.Insert(b.free, i, l)
}

// LabelsInUse is the number of dynamic labels allocated and not released.
func (b *RIB) LabelsInUse() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.inUse)
}

// Best returns the selected route for an exact prefix.
func (b *RIB) Best(vrf string, p netip.Prefix) (router.Route, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.vrfs[vrf]
	if t == nil || t.best[p] == nil {
		return router.Route{}, false
	}
	return *t.best[p], true
}

// NexthopCost is the metric of the longest-matching selected non-BGP route
// with a nexthop to a, as the router's RIB manager answers it.
func (b *RIB) NexthopCost(vrf string, a netip.Addr) (uint32, bool) {
	if !a.Is4() {
		return 0, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.vrfs[vrf]
	if t == nil {
		return 0, false
	}
	for bits := 32; bits >= 0; bits-- {
		p, _ := a.Prefix(bits)
		r := t.best[p]
		if r != nil && r.Proto != router.ProtoEBGP && r.Proto != router.ProtoIBGP && len(r.Nexthops) > 0 {
			return r.Metric, true
		}
	}
	return 0, false
}

// BestRoutes returns the selected routes of vrf sorted by prefix.
func (b *RIB) BestRoutes(vrf string) []router.Route {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.vrfs[vrf]
	if t == nil {
		return nil
	}
	if t.order == nil {
		t.order = sortedPrefixes(t.best)
	}
	out := make([]router.Route, len(t.order))
	for i, p := range t.order {
		out[i] = *t.best[p]
	}
	return out
}

// sortedPrefixes sorts a table's prefixes, IPv4 ones as packed integer
// keys (a full table is sorted again after every change of its prefix
// set, so this is hot in big labs).
func sortedPrefixes(m map[netip.Prefix]*router.Route) []netip.Prefix {
	keys := make([]uint64, 0, len(m))
	var v6 []netip.Prefix
	for p := range m {
		if p.Addr().Is4() {
			a := p.Addr().As4()
			keys = append(keys, uint64(a[0])<<32|uint64(a[1])<<24|uint64(a[2])<<16|uint64(a[3])<<8|uint64(p.Bits()))
		} else {
			v6 = append(v6, p)
		}
	}
	slices.Sort(keys)
	slices.SortFunc(v6, comparePrefix)
	out := make([]netip.Prefix, 0, len(m))
	for _, k := range keys {
		a := netip.AddrFrom4([4]byte{byte(k >> 32), byte(k >> 24), byte(k >> 16), byte(k >> 8)})
		out = append(out, netip.PrefixFrom(a, int(k&0xff)))
	}
	return append(out, v6...)
}

func comparePrefix(a, b netip.Prefix) int {
	if a.Addr().Is4() && b.Addr().Is4() {
		x, y := a.Addr().As4(), b.Addr().As4()
		if c := bytes.Compare(x[:], y[:]); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	}
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// Watch registers f to run after the selection changes.
func (b *RIB) Watch(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.watchers = append(b.watchers, f)
}

// WatchChanges registers f to run when Watch's watchers do, with the
// prefixes whose best route changed.
func (b *RIB) WatchChanges(f func([]router.RouteChange)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.changeWs = append(b.changeWs, f)
}

// WatchNexthops registers f to run when UseNexthops says recursive
// nexthops came into or went out of use; it returns those in use.
func (b *RIB) WatchNexthops(f func([]router.NexthopUse)) []netip.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.useWs = append(b.useWs, f)
	var out []netip.Addr
	for a := range b.used {
		out = append(out, a)
	}
	for a := range b.tracked {
		if !b.used[a] {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}

// UseNexthops stands for the recursive routes a real RIB manager would
// resolve: the test says which addresses came into or went out of use,
// and the WatchNexthops watchers hear of those that changed.
func (b *RIB) UseNexthops(uses ...router.NexthopUse) {
	b.mu.Lock()
	if b.used == nil {
		b.used = map[netip.Addr]bool{}
	}
	var changed []router.NexthopUse
	for _, u := range uses {
		if b.used[u.Addr] == u.Used {
			continue
		}
		if u.Used {
			b.used[u.Addr] = true
		} else {
			delete(b.used, u.Addr)
		}
		if b.tracked[u.Addr] == 0 { // else in use by a track either way
			changed = append(changed, u)
		}
	}
	b.unlockTell(changed)
}

// unlockTell (b.mu held) unlocks and tells the WatchNexthops watchers of
// the uses that changed.
func (b *RIB) unlockTell(changed []router.NexthopUse) {
	ws := b.useWs
	b.mu.Unlock()
	if len(changed) == 0 {
		return
	}
	for _, f := range ws {
		f(changed)
	}
}

// TrackNexthops counts each address's tracks: it comes into use with its
// first and goes out with its last untrack (unless UseNexthops has it in
// use), and the WatchNexthops watchers hear of it.
func (b *RIB) TrackNexthops(track, untrack []netip.Addr) {
	b.mu.Lock()
	if b.tracked == nil {
		b.tracked = map[netip.Addr]int{}
	}
	var changed []router.NexthopUse
	for _, a := range track {
		if b.tracked[a]++; b.tracked[a] == 1 && !b.used[a] {
			changed = append(changed, router.NexthopUse{Addr: a, Used: true})
		}
	}
	for _, a := range untrack {
		if b.tracked[a] == 0 {
			continue
		}
		if b.tracked[a]--; b.tracked[a] == 0 {
			delete(b.tracked, a)
			if !b.used[a] {
				changed = append(changed, router.NexthopUse{Addr: a})
			}
		}
	}
	b.unlockTell(changed)
}

// Routes returns protocol p's routes in vrf, sorted by prefix.
func (b *RIB) Routes(p router.Protocol, vrf string) []router.Route {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.vrfs[vrf]
	if t == nil {
		return nil
	}
	out := make([]router.Route, 0, len(t.sets[p]))
	for _, r := range t.sets[p] {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b router.Route) int { return comparePrefix(a.Prefix, b.Prefix) })
	return out
}

// Route returns protocol p's route for an exact prefix in the default VRF.
func (b *RIB) Route(p router.Protocol, pfx netip.Prefix) (router.Route, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.vrfs[""]
	if t == nil || t.sets[p][pfx] == nil {
		return router.Route{}, false
	}
	return *t.sets[p][pfx], true
}

// LSPs returns protocol p's LFIB entries as last offered.
func (b *RIB) LSPs(p router.Protocol) []router.LSP {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.lsps[p]
}

// LSP returns protocol p's LFIB entry for a FEC, if any.
func (b *RIB) LSP(p router.Protocol, fec netip.Prefix) (router.LSP, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lsps[p] {
		if l.FEC == fec {
			return l, true
		}
	}
	return router.LSP{}, false
}

// FECLabels returns protocol p's ingress labels as last offered.
func (b *RIB) FECLabels(p router.Protocol) []router.FECLabel {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.fecs[p]
}

// FECLabelsFor returns protocol p's ingress labels for one prefix.
func (b *RIB) FECLabelsFor(p router.Protocol, pfx netip.Prefix) []router.FECLabel {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []router.FECLabel
	for _, f := range b.fecs[p] {
		if f.Prefix == pfx {
			out = append(out, f)
		}
	}
	return out
}
