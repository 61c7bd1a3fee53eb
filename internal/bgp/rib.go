package bgp

import (
	"net/netip"
	"slices"
)

// Path is one route to a destination: from a peer's Adj-RIB-In, or
// originated locally (peer nil). Paths are immutable once in a table; a
// new UPDATE replaces the Path.
type Path struct {
	attrs AttrHandle
	peer  *peer
	// label is the VPN label (RFC 4364/8277: one label per route here;
	// 0 for unlabelled families).
	label uint32
	// gen is the peer's session number when the path was received
	// (graceful restart tells fresh paths from stale ones by it).
	gen uint32
}

// dest is one destination in the Loc-RIB with all its candidate paths:
// these are also the Adj-RIBs-In (a peer's path for the destination is
// the one whose peer it is), so a received route costs one Path, one
// slot here and no second map entry. Its key is the map's.
type dest struct {
	paths []*Path
	best  *Path
	// few holds paths while there are no more than two (a PE's two
	// route reflectors, a CE's one PE), so that most destinations are
	// one allocation, not three as the slice grows.
	few [2]*Path
}

// table is the Loc-RIB of one family.
type table struct {
	family Family
	dests  keyMap[*dest]
	// nlocal counts the destinations with a locally originated path, so
	// that OriginateSet walks the table for what to withdraw only when
	// there is some (a set of their keys cost a map entry per route).
	nlocal int
}

func newTable(f Family) *table { return &table{family: f} }

// set installs np as its source's path for k (the peer's, or the local
// one) and reruns the decision process for k, unless np duplicates the
// source's path there. It reports whether the source had no path for k
// before.
func (t *table) set(s *Speaker, k RouteKey, np Path) bool {
	d := t.dests.at(k)
	if d == nil {
		d = &dest{}
		d.paths = d.few[:0]
		t.dests.set(k, d)
	}
	i := slices.IndexFunc(d.paths, func(q *Path) bool { return q.peer == np.peer })
	// The same attributes and label again, in the same session: nothing
	// changes. Taken as new, the path would be decided again and, were
	// it the best, sent on to every peer again (FRR's bgp_update drops
	// such a duplicate too).
	if i >= 0 && *d.paths[i] == np {
		return false
	}
	path := new(Path) // np itself stays on the stack: a duplicate costs nothing
	*path = np
	replaced := i >= 0
	if replaced {
		d.paths[i] = path
	} else {
		d.paths = append(d.paths, path)
	}
	if path.peer == nil && !replaced {
		t.nlocal++
	}
	if t.family == RTC {
		s.rtcTouched(path.peer, k, true)
	}
	s.decide(t, k, d)
	return !replaced
}

// remove drops src's path for k and reports whether there was one.
func (t *table) remove(s *Speaker, k RouteKey, src *peer) bool {
	d := t.dests.at(k)
	if d == nil {
		return false
	}
	i := slices.IndexFunc(d.paths, func(q *Path) bool { return q.peer == src })
	if i < 0 {
		return false
	}
	d.paths = slices.Delete(d.paths, i, i+1)
	if src == nil {
		t.nlocal--
	}
	if t.family == RTC {
		s.rtcTouched(src, k, false)
	}
	s.decide(t, k, d)
	if len(d.paths) == 0 {
		t.dests.del(k)
	}
	return true
}

// removePeer drops the paths learned from src that match (all of them
// when its session went down, the stale ones after a graceful restart)
// and reports how many.
func (t *table) removePeer(s *Speaker, src *peer, match func(*Path) bool) int {
	n := 0
	for k, d := range t.dests.all() {
		i := slices.IndexFunc(d.paths, func(q *Path) bool { return q.peer == src })
		if i < 0 || !match(d.paths[i]) {
			continue
		}
		n++
		d.paths = slices.Delete(d.paths, i, i+1)
		if t.family == RTC {
			s.rtcTouched(src, k, false)
		}
		s.decide(t, k, d)
		if len(d.paths) == 0 {
			t.dests.del(k)
		}
	}
	return n
}

// unseen reports whether a best-path change from old to best at d is
// one an owner with Config.LearnedChangesOnly need not hear of: only
// local paths took part (the destination has no learned path: the owner
// originated or withdrew), or best is another reflection of old's route,
// the same label and attributes but for CLUSTER_LIST and ORIGINATOR_ID
// (a PE's two route reflectors' copies of one route, the best moving
// from the first to arrive to the one the tie-break prefers).
func unseen(old, best *Path, d *dest) bool {
	if (old == nil || old.peer == nil) && (best == nil || best.peer == nil) {
		return !slices.ContainsFunc(d.paths, func(p *Path) bool { return p.peer != nil })
	}
	if old == nil || best == nil || old.peer == nil || best.peer == nil || old.label != best.label {
		return false
	}
	if old.attrs == best.attrs {
		return true
	}
	a, b := old.attrs.Value(), best.attrs.Value()
	a.ClusterList, a.OriginatorID = b.ClusterList, b.OriginatorID
	return a == b
}

// localPath is d's locally originated path, nil when it has none.
func (d *dest) localPath() *Path {
	for _, p := range d.paths {
		if p.peer == nil {
			return p
		}
	}
	return nil
}

// expectChanges makes room for n more best-path changes: an UPDATE
// changes at most as many as it carries routes, and the lists, handed on
// at the end of each event, would otherwise grow from nothing, copied at
// each doubling.
func (s *Speaker) expectChanges(n int) {
	if s.cfg.OnBestChange != nil {
		s.changes = slices.Grow(s.changes, n)
	}
	if s.cfg.TrackChanges {
		s.tracked = slices.Grow(s.tracked, n)
	}
}

// decide reruns best-path selection for d and, when the best path
// changes, records the change and marks d for every update group.
func (s *Speaker) decide(t *table, k RouteKey, d *dest) {
	var best *Path
	for _, p := range d.paths {
		if !s.eligible(p) {
			continue
		}
		if best == nil || s.better(p, best) {
			best = p
		}
	}
	if best == d.best {
		// A learned path beneath a local best one changed: an owner
		// that lets what it learns override what it originates
		// (BestLearned) has to look again, and is told so as of a
		// best path's change.
		if s.cfg.TrackChanges && best != nil && best.peer == nil && len(d.paths) > 1 && t.family != RTC {
			s.tracked = append(s.tracked, FamilyKey{t.family, k})
			s.locRIBChanged = true
		}
		return
	}
	old := d.best
	d.best = best
	if best != nil && best.peer != nil && s.cfg.OnBestNextHop != nil && (t.family == VPNv4 || t.family == VPNv6) {
		s.cfg.OnBestNextHop(best.attrs.Value().NextHop)
	}
	// RTC routes steer what is sent, not what is forwarded: the owner is
	// not told about them.
	if t.family != RTC && !(s.cfg.LearnedChangesOnly && unseen(old, best, d)) {
		s.locRIBChanged = true
		if s.cfg.TrackChanges {
			s.tracked = append(s.tracked, FamilyKey{t.family, k})
		}
	}
	if s.cfg.OnBestChange != nil && t.family != RTC {
		s.changes = append(s.changes, Change{Family: t.family, Key: k, Best: s.routeOf(t.family, k, best, true)})
	}
	var rts []ExtCommunity // the new best path's, read once for every group's filter
	if best != nil && t.family.rtFiltered() {
		a := best.attrs.Value()
		rts = a.RouteTargets()
	}
	for _, g := range s.groups {
		// A group that could send neither the old nor the new best path
		// (a PE's iBGP peers, for a route it learned over iBGP) has
		// nothing to update: skipping it keeps a PE's receive path cheap.
		if g.key.family != t.family || !s.mayExport(g, old) && !s.mayExport(g, best) {
			continue
		}
		// Nor has a group whose RT membership wants neither the new best
		// path nor what it was sent: a reflector keeps a group per
		// client membership, thousands in a large lab, each wanting a
		// few VPNs' routes.
		if g.filter != nil && !g.filter.passRTs(rts) {
			if _, sent := g.adjOut.get(k); !sent {
				continue
			}
		}
		g.markDirty(k)
	}
}

// eligible: a path whose next hop the IGP cannot reach is not a
// candidate (RFC 4271 9.1.2). Local paths always are.
func (s *Speaker) eligible(p *Path) bool {
	if p.peer == nil {
		return true
	}
	nh := p.attrs.Value().NextHop
	_, ok := s.cfg.Resolver(nh)
	return ok
}

// Reresolve reruns the decision process everywhere; call it when the
// resolver's answers (IGP reachability or costs) have changed.
func (s *Speaker) Reresolve() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tables {
		for k, d := range t.dests.all() {
			s.decide(t, k, d)
		}
	}
	s.afterEvent()
}

// better reports whether a is preferred over b: RFC 4271 9.1.2.2 with the
// RFC 4456 9 amendments, in this order:
//
//	locally originated (what FRR's weight 32768 achieves)
//	higher LOCAL_PREF (100 when absent)
//	shorter AS_PATH
//	lower ORIGIN
//	lower MED, only between paths from the same neighbouring AS
//	eBGP over iBGP
//	lower IGP cost to the next hop
//	lower router id (ORIGINATOR_ID when present)
//	shorter CLUSTER_LIST
//	lower neighbour address
func (s *Speaker) better(a, b *Path) bool {
	if (a.peer == nil) != (b.peer == nil) {
		return a.peer == nil
	}
	av, bv := a.attrs.Value(), b.attrs.Value()
	if x, y := localPref(&av), localPref(&bv); x != y {
		return x > y
	}
	if x, y := av.PathLen(), bv.PathLen(); x != y {
		return x < y
	}
	if av.Origin != bv.Origin {
		return av.Origin < bv.Origin
	}
	if av.FirstAS() == bv.FirstAS() && av.MED != bv.MED {
		return av.MED < bv.MED
	}
	if a.peer == nil {
		return false // two local paths cannot happen: one per key
	}
	if a.peer.ibgp != b.peer.ibgp {
		return !a.peer.ibgp
	}
	ca, _ := s.cfg.Resolver(av.NextHop)
	cb, _ := s.cfg.Resolver(bv.NextHop)
	if ca != cb {
		return ca < cb
	}
	if x, y := originator(a, &av), originator(b, &bv); x != y {
		return x.Less(y)
	}
	if x, y := len(av.ClusterList), len(bv.ClusterList); x != y {
		return x < y
	}
	return a.peer.cfg.Addr.Less(b.peer.cfg.Addr)
}

func localPref(a *Attrs) uint32 {
	if a.HasLocalPref {
		return a.LocalPref
	}
	return 100
}

func originator(p *Path, a *Attrs) netip.Addr {
	if a.OriginatorID.IsValid() {
		return a.OriginatorID
	}
	return p.peer.remoteID
}
