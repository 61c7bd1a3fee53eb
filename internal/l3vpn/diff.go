package l3vpn

import (
	"cmp"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// Sync by difference. Every speaker of the Node keeps the keys whose best
// path changed (bgp.Config.TrackChanges); sync takes them and redoes only
// those destinations: a CE route's export and its place in the VRF, and
// for each prefix touched, on either side, what every VRF imports for it.
// The RIB and the speakers are handed the difference (UpdateRoutes,
// UpdateOriginations), so a route that changes costs what it touches, not
// every VRF's whole table, as bgpd's VPN import/export is per route.
// Anything that is not a best-path change (a VRF, its attachments, an SR
// policy, a restart) makes the next sync full (syncVRFs), which also
// rebuilds the index the difference needs (vpnRDs).

// nodeChanges are the keys each of the Node's speakers says changed:
// main the global speaker's, vrf those of the VRF of the same index in
// Node.vrfs.
type nodeChanges struct {
	main []bgp.FamilyKey
	vrf  [][]bgp.FamilyKey
}

// takeChanges (control lock held) takes every speaker's changed keys.
func (n *Node) takeChanges() nodeChanges {
	c := nodeChanges{main: n.Speaker().TakeChanges(), vrf: make([][]bgp.FamilyKey, len(n.vrfs))}
	for i, v := range n.vrfs {
		if v.sp != nil {
			c.vrf[i] = v.sp.TakeChanges()
		}
	}
	return c
}

// followsChanges reports whether sync may go by difference: not with
// per-prefix labels (the LFIB follows the whole set) nor with
// readvertisements (they read the whole VPN table), which keep the full
// sync.
func (n *Node) followsChanges() bool {
	for _, v := range n.vrfs {
		if v.perPrefix || len(v.readv) > 0 || len(v.readvd) > 0 {
			return false
		}
	}
	return true
}

// usedFamily reports whether the Node uses the best paths of f (not
// what Config.Beside takes).
func (n *Node) usedFamily(f bgp.Family) bool {
	return f != bgp.RTC && !(f == bgp.EVPN && n.beside != nil)
}

// updateLearned (control lock held) is a site router's sync by
// difference: the prefixes whose best path changed get their learned
// route, or lose it.
func (n *Node) updateLearned(keys []bgp.FamilyKey) {
	if len(keys) == 0 {
		return
	}
	sp := n.Speaker()
	l := syncPool.Get().(*syncLists)
	defer l.release()
	l.ce, l.routes, l.gone = l.ce[:0], l.routes[:0], l.gone[:0]
	for _, k := range keys {
		if n.usedFamily(k.Family) {
			l.ce = append(l.ce, k)
		}
	}
	slices.SortFunc(l.ce, compareFamilyKey)
	for _, k := range slices.Compact(l.ce) {
		if p, ok := sp.BestPath(k.Family, k.Key); ok && !p.Local {
			l.routes = append(l.routes, learnedRoute(&p))
		} else {
			l.gone = append(l.gone, k.Key.Prefix)
		}
	}
	n.update(router.ProtoEBGP, "", l.routes, l.gone)
}

// compareFamilyKey orders keys by family, then prefix, RD and EVPN key.
func compareFamilyKey(a, b bgp.FamilyKey) int {
	if a.Family != b.Family {
		return cmp.Compare(a.Family, b.Family)
	}
	if c := comparePrefix(a.Key.Prefix, b.Key.Prefix); c != 0 {
		return c
	}
	if c := slices.Compare(a.Key.RD[:], b.Key.RD[:]); c != 0 {
		return c
	}
	return strings.Compare(a.Key.EVPN, b.Key.EVPN)
}

// indexVPN rebuilds vpnRDs from the global speaker's best paths, for
// a Node that may sync by difference.
func (n *Node) indexVPN(vpn []path) {
	if !n.followsChanges() {
		n.vpnRDs = nil
		return
	}
	n.vpnRDs = newRDIndex(len(vpn))
	for i := range vpn {
		if r := &vpn[i]; learnedVPNv4(r) {
			n.vpnRDs.add(r.Key.Prefix, r.Key.RD)
		}
	}
}

// reindexVPN brings vpnRDs up to date with the global speaker's changed
// keys and appends the VPNv4 prefixes they touch to out, sorted, each once.
func (n *Node) reindexVPN(sp *bgp.Speaker, keys []bgp.FamilyKey, out []netip.Prefix) []netip.Prefix {
	for _, k := range keys {
		if k.Family != bgp.VPNv4 {
			continue
		}
		out = append(out, k.Key.Prefix)
		if p, ok := sp.BestPath(k.Family, k.Key); ok && learnedVPNv4(&p) {
			n.vpnRDs.add(k.Key.Prefix, k.Key.RD)
		} else {
			n.vpnRDs.remove(k.Key.Prefix, k.Key.RD)
		}
	}
	slices.SortFunc(out, comparePrefix)
	return slices.Compact(out)
}

// syncLists are the lists one sync by difference fills. Every PE syncs
// at each burst of changes, so they come from a pool rather than the
// heap each time; the RIB and the speakers copy what they keep.
type syncLists struct {
	vpn, touched, gone, ceGone []netip.Prefix
	ce                         []bgp.FamilyKey
	fromCE, routes             []router.Route
	export, imp                []bgp.Origination
	unexport, unimp            []bgp.RouteKey
}

var syncPool = sync.Pool{New: func() any { return new(syncLists) }}

// release clears what the lists point to (attributes, mostly) and
// returns them to the pool. A list reused for the next VRF is cleared
// before (reuse), so what it held for an earlier one is gone too.
func (l *syncLists) release() {
	clear(l.ce)
	clear(l.fromCE)
	clear(l.routes)
	clear(l.export)
	clear(l.imp)
	syncPool.Put(l)
}

// reuse empties s for the next VRF, dropping what it points to.
func reuse[T any](s []T) []T {
	clear(s)
	return s[:0]
}

// updateVRFs (control lock held) is syncVRFs by difference: for each VRF,
// the CE routes that changed are exported or withdrawn and put in or
// taken out of the VRF, and every prefix touched (by a CE route or a VPN
// route) is imported again, from the lowest RD that the VRF may import
// and no CE route shadows, as syncVRFs chooses.
func (n *Node) updateVRFs(c nodeChanges) {
	self := n.nextHopSelf()
	main := n.Speaker()
	l := syncPool.Get().(*syncLists)
	defer l.release()
	l.vpn = n.reindexVPN(main, c.main, l.vpn[:0])
	l.export, l.unexport = l.export[:0], l.unexport[:0]
	for i, v := range n.vrfs {
		if len(c.vrf[i]) == 0 && len(l.vpn) == 0 {
			continue
		}
		// The CE side: each prefix once, under the family it first
		// changed in.
		l.ce = reuse(l.ce)
		for _, k := range c.vrf[i] {
			if n.usedFamily(k.Family) {
				l.ce = append(l.ce, k)
			}
		}
		slices.SortStableFunc(l.ce, func(a, b bgp.FamilyKey) int { return comparePrefix(a.Key.Prefix, b.Key.Prefix) })
		l.ce = slices.CompactFunc(l.ce, func(a, b bgp.FamilyKey) bool { return a.Key.Prefix == b.Key.Prefix })
		l.fromCE, l.ceGone = reuse(l.fromCE), l.ceGone[:0]
		var ecs string
		for _, k := range l.ce {
			if p, ok := n.ceRoute(v, k.Family, k.Key); ok {
				if ecs == "" {
					ecs = bgp.PackExtCommunities(n.exportCommunities(v))
				}
				l.export = append(l.export, n.exportOf(v, &p, self, ecs))
				l.fromCE = append(l.fromCE, learnedRoute(&p))
			} else {
				l.unexport = append(l.unexport, bgp.RouteKey{RD: v.rd, Prefix: k.Key.Prefix})
				l.ceGone = append(l.ceGone, k.Key.Prefix)
			}
		}
		n.update(router.ProtoEBGP, v.name, l.fromCE, l.ceGone)
		// The import side: every prefix touched on either side.
		l.touched = mergePrefixes(l.touched[:0], l.ce, l.vpn)
		var fams []bgp.Family
		if v.sp != nil {
			fams = v.sp.Families()
		}
		l.routes, l.imp, l.gone, l.unimp = reuse(l.routes), reuse(l.imp), l.gone[:0], l.unimp[:0]
		for _, pfx := range l.touched {
			if r, ok := n.importFor(v, fams, main, pfx, self); ok {
				o, rt := n.importOf(&r)
				l.imp = append(l.imp, o)
				l.routes = append(l.routes, rt)
			} else {
				l.gone = append(l.gone, pfx)
				l.unimp = append(l.unimp, bgp.RouteKey{Prefix: pfx})
			}
		}
		n.update(router.ProtoIBGP, v.name, l.routes, l.gone)
		if v.sp != nil {
			n.updateOriginations(v.sp, bgp.IPv4Unicast, l.imp, l.unimp)
		}
	}
	n.updateOriginations(main, bgp.VPNv4, l.export, l.unexport)
}

// mergePrefixes appends to out the prefixes of ce and vpn, both sorted
// and each once, in order and each once.
func mergePrefixes(out []netip.Prefix, ce []bgp.FamilyKey, vpn []netip.Prefix) []netip.Prefix {
	i, j := 0, 0
	for i < len(ce) || j < len(vpn) {
		switch {
		case j == len(vpn) || i < len(ce) && comparePrefix(ce[i].Key.Prefix, vpn[j]) < 0:
			out = append(out, ce[i].Key.Prefix)
			i++
		case i == len(ce) || comparePrefix(vpn[j], ce[i].Key.Prefix) < 0:
			out = append(out, vpn[j])
			j++
		default: // the same prefix on both sides
			out = append(out, vpn[j])
			i++
			j++
		}
	}
	return out
}

// importFor is the VPN route v imports for pfx, as syncVRFs chooses it:
// none while a CE route (or an attached prefix) of v's has the prefix,
// else the lowest RD's among the learned VPNv4 best paths v may import.
func (n *Node) importFor(v *vrf, fams []bgp.Family, main *bgp.Speaker, pfx netip.Prefix, self netip.Addr) (path, bool) {
	if v.hasOwn(fams, pfx) {
		return path{}, false
	}
	var best path
	found := false
	var buf [4]bgp.RD
	for _, rd := range n.vpnRDs.rds(pfx, buf[:0]) {
		if found && slices.Compare(best.Key.RD[:], rd[:]) < 0 {
			continue
		}
		p, ok := main.BestPath(bgp.VPNv4, bgp.RouteKey{RD: rd, Prefix: pfx})
		if ok && learnedVPNv4(&p) && v.mayImport(&p, self) {
			best, found = p, true
		}
	}
	return best, found
}

// hasOwn reports whether v has pfx of its own: a route from a CE (in any
// of fams, its speaker's families, see ceRoute) or an attached prefix.
func (v *vrf) hasOwn(fams []bgp.Family, pfx netip.Prefix) bool {
	if _, ok := slices.BinarySearchFunc(v.attached, pfx, func(a Attached, p netip.Prefix) int { return comparePrefix(a.Prefix, p) }); ok {
		return true
	}
	if v.sp == nil {
		return false
	}
	for _, f := range fams {
		if f == bgp.RTC {
			continue
		}
		if _, ok := v.sp.BestLearned(f, bgp.RouteKey{Prefix: pfx}); ok {
			return true
		}
	}
	return false
}

// ceRoute is v's route from its CEs for one destination: the best path
// its speaker learned, even beneath the import sync originates there
// (which is then withdrawn: a CE's route shadows every import). None
// while the VRF's speaker is restarting: sync then uses the routes the
// router kept.
func (n *Node) ceRoute(v *vrf, f bgp.Family, k bgp.RouteKey) (path, bool) {
	n.mu.Lock()
	restarting := n.restarting[v.name]
	n.mu.Unlock()
	if v.sp == nil || restarting {
		return path{}, false
	}
	return v.sp.BestLearned(f, k)
}

// updateOriginations hands sp the difference in what it originates of
// f, counting what it refuses as originate does.
func (n *Node) updateOriginations(sp *bgp.Speaker, f bgp.Family, set []bgp.Origination, withdraw []bgp.RouteKey) {
	if len(set) == 0 && len(withdraw) == 0 {
		return
	}
	failed, err := sp.UpdateOriginations(f, set, withdraw)
	n.countFailed(f, failed, err)
}
