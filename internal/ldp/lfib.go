package ldp

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// scheduleUpdate recomputes the FEC table and LFIB as soon as
// Timers.Update has passed since the last time, once for however many
// changes arrive meanwhile.
func (in *Instance) scheduleUpdate() {
	if in.updatePending || !in.started {
		return
	}
	var wait time.Duration
	if !in.lastUpdate.IsZero() {
		wait = max(0, in.lastUpdate.Add(in.cfg.Timers.Update).Sub(in.env.Now()))
	}
	in.updateIn(wait)
}

// updateIn (re)schedules the pending update to run after wait.
func (in *Instance) updateIn(wait time.Duration) {
	in.updatePending = true
	if in.updateTimer == nil {
		in.updateTimer = in.env.AfterFunc(wait, in.update)
	} else {
		in.updateTimer.Reset(wait)
	}
}

// scheduleUpdateNow is scheduleUpdate without the wait: for labels asked
// for on demand, which a BGP next hop is waiting on (RFC 7032). An
// access node asks for few, and its routes to the next hop's PE are
// unusable until the label comes; a BGP speaker that learned routes via
// that next hop imports them within milliseconds.
func (in *Instance) scheduleUpdateNow() {
	if in.started {
		in.updateIn(0)
	}
}

// update follows the RIB: it brings the FEC table in line with the best
// IGP host routes that changed since the last time (all of them the
// first time), allocates labels for new FECs and withdraws those of FECs
// gone (advertising both to every peer), and offers the LSPs and ingress
// labels the peers' mappings give.
func (in *Instance) update() {
	in.updatePending = false
	in.updates++
	in.lastUpdate = in.env.Now()
	in.relabel()
	in.wantTargets(in.fecs)
	in.install()
	if len(in.cfg.OnDemand) > 0 {
		in.askOnDemand()
	}
}

// relabel brings the FEC table and the local labels in line with what
// changed, and advertises the difference.
func (in *Instance) relabel() {
	keys := in.syncFECs()
	rib := in.env.RIB()
	var added, withdrawn []Mapping
	for _, k := range keys {
		in.markInstall(k)
		f, ok := in.fecOf(k)
		if !ok {
			if l, had := in.local[k]; had {
				withdrawn = append(withdrawn, Mapping{FEC: k.prefix(), Label: l, Withdraw: true})
				delete(in.local, k)
				if l != router.LabelImplicitNull {
					rib.ReleaseLabel(l)
				}
			}
			continue
		}
		cur, ok := in.local[k]
		// A FEC keeps its label; one that became (or stopped being) ours to
		// terminate changes between implicit null and a real label.
		if ok && (cur == router.LabelImplicitNull) == f.egress {
			continue
		}
		if ok && cur != router.LabelImplicitNull {
			rib.ReleaseLabel(cur)
		}
		label := router.LabelImplicitNull
		if !f.egress {
			label = rib.AllocateLabel()
		}
		in.local[k] = label
		added = append(added, Mapping{FEC: f.prefix, Label: label})
	}
	in.advertise(added)
	in.advertise(withdrawn)
	if len(added)+len(withdrawn) > 0 {
		in.env.Event("label", labelEvent(added, withdrawn))
	}
}

// labelEvent summarises a recomputation's label changes in one line.
func labelEvent(added, withdrawn []Mapping) string {
	const most = 4
	part := func(what string, ms []Mapping) string {
		s := fmt.Sprintf("%d %s", len(ms), what)
		if len(ms) == 0 {
			return s
		}
		var shown []string
		for _, m := range ms[:min(len(ms), most)] {
			if m.Withdraw {
				shown = append(shown, m.FEC.String())
			} else {
				shown = append(shown, m.FEC.String()+"="+LabelString(m.Label))
			}
		}
		if len(ms) > most {
			shown = append(shown, "...")
		}
		return s + " (" + strings.Join(shown, ", ") + ")"
	}
	return "local bindings: " + part("allocated", added) + ", " + part("withdrawn", withdrawn)
}

// ribChanged follows the RIB (WatchChanges): of the default VRF's
// changed prefixes, the IPv4 host routes are FECs; their IGP routes are
// read again and the FECs redone at the next update. Nothing else in the
// RIB concerns LDP, so a change of other prefixes (BGP's, a subnet's)
// wakes nothing.
func (in *Instance) ribChanged(changes []router.RouteChange) {
	rib := in.env.RIB()
	for _, c := range changes {
		if c.VRF != "" {
			continue
		}
		for _, p := range c.Prefixes {
			if !p.Addr().Is4() {
				continue
			}
			if p.Bits() != 32 {
				if in.cfg.LongestMatch {
					r, ok := rib.Best("", p)
					in.coverChanged(p, r, ok)
				}
				continue
			}
			k := keyOf(p)
			r, ok := rib.Best("", p)
			_, had := in.igp[k]
			if ok && r.Proto == router.ProtoLDP && !had {
				continue // our own host route came or changed: nothing new
			}
			if in.cfg.Access || in.cfg.LongestMatch {
				in.markExtra(k) // an exact route now, or no more
			}
			if ok && r.Proto == router.ProtoOSPF {
				in.igp[k] = in.shareNexthops(r.Nexthops)
			} else if had {
				delete(in.igp, k)
			} else {
				continue
			}
			if in.changed != nil {
				in.changed[k] = struct{}{}
			}
			in.scheduleUpdate()
		}
	}
}

// maxShared is how many distinct nexthop lists shareNexthops remembers:
// a core router's FECs leave by a few neighbours, each with its backup.
const maxShared = 16

// shareNexthops returns a list equal to nhs that the instance already
// holds, if one of the recent ones is, else nhs. The RIB answers each
// Best with a copy of its own, and the FECs mostly leave the same few
// ways: kept apart, the core routers of the generated 1,000-router lab
// held 35 MB of equal lists.
func (in *Instance) shareNexthops(nhs []router.Nexthop) []router.Nexthop {
	for _, s := range in.shared {
		if router.SameNexthops(s, nhs) {
			return s
		}
	}
	if len(in.shared) == maxShared {
		in.shared = slices.Delete(in.shared, 0, 1)
	}
	in.shared = append(in.shared, nhs)
	return nhs
}

// syncFECs brings the FEC table (the prefixes we are the egress for and
// the IPv4 /32 IGP routes the RIB selected, sorted by prefix) in line with
// the IGP routes ribChanged noted, and returns the keys of the FECs that
// may have changed, sorted: all of them the first time.
func (in *Instance) syncFECs() []fecKey {
	extra := in.syncExtra()
	if in.changed == nil {
		in.changed = map[fecKey]struct{}{}
		in.egress = map[fecKey]bool{}
		in.fecs = in.fecs[:0]
		add := func(p netip.Prefix) {
			if p.Addr().Is4() && !in.egress[keyOf(p)] {
				in.egress[keyOf(p)] = true
				in.fecs = append(in.fecs, fec{prefix: p, key: keyOf(p), egress: true})
			}
		}
		if in.cfg.Loopback.IsValid() {
			add(in.cfg.Loopback.Masked())
		}
		for _, p := range in.cfg.Egress {
			add(p.Masked())
		}
		if !in.cfg.Access {
			for k, nhs := range in.igp {
				if !in.egress[k] {
					in.fecs = append(in.fecs, fec{prefix: k.prefix(), key: k, nexthops: nhs})
				}
			}
		}
		for k, nhs := range in.extra {
			in.fecs = append(in.fecs, fec{prefix: k.prefix(), key: k, nexthops: nhs})
		}
		slices.SortFunc(in.fecs, func(a, b fec) int { return cmp.Compare(a.key, b.key) })
		keys := make([]fecKey, len(in.fecs))
		for i, f := range in.fecs {
			keys[i] = f.key
		}
		return keys
	}
	keys := make([]fecKey, 0, len(in.changed)+len(extra))
	for k := range in.changed {
		keys = append(keys, k)
	}
	in.changed = emptied(in.changed)
	keys = append(keys, extra...)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	// New FECs and gone ones are merged in once: a peer's full label set
	// brings thousands, each an insertion into the sorted table.
	var add []fec
	gone := 0
	for _, k := range keys {
		if in.egress[k] {
			continue // ours to terminate whatever the IGP says
		}
		i, found := slices.BinarySearchFunc(in.fecs, k, func(f fec, k fecKey) int { return cmp.Compare(f.key, k) })
		nhs, ok := in.fecNexthops(k)
		switch {
		case ok && found:
			in.fecs[i].nexthops = nhs
		case ok:
			add = append(add, fec{prefix: k.prefix(), key: k, nexthops: nhs}) // sorted, as keys are
		case found:
			in.fecs[i].prefix = netip.Prefix{} // gone: removed below
			gone++
		}
	}
	if gone > 0 {
		in.fecs = slices.DeleteFunc(in.fecs, func(f fec) bool { return !f.prefix.IsValid() })
	}
	if len(add) > 0 {
		in.fecs = mergeFECs(in.fecs, add)
	}
	return keys
}

// mergeFECs merges sorted add into sorted fecs, in place from the back.
func mergeFECs(fecs, add []fec) []fec {
	i, j := len(fecs)-1, len(add)-1
	fecs = slices.Grow(fecs, len(add))[:len(fecs)+len(add)]
	for k := len(fecs) - 1; j >= 0; k-- {
		if i >= 0 && fecs[i].key > add[j].key {
			fecs[k] = fecs[i]
			i--
		} else {
			fecs[k] = add[j]
			j--
		}
	}
	return fecs
}

// fecNexthops is the FEC table's say on k (not one we terminate): its
// IGP host route, or an extra FEC's nexthops (longest.go).
func (in *Instance) fecNexthops(k fecKey) ([]router.Nexthop, bool) {
	if !in.cfg.Access {
		if nhs, ok := in.igp[k]; ok {
			return nhs, true
		}
	}
	nhs, ok := in.extra[k]
	return nhs, ok
}

// fecOf finds a FEC of the table by key.
func (in *Instance) fecOf(k fecKey) (fec, bool) {
	i, ok := slices.BinarySearchFunc(in.fecs, k, func(f fec, k fecKey) int { return cmp.Compare(f.key, k) })
	if !ok {
		return fec{}, false
	}
	return in.fecs[i], true
}

// install offers the RIB the LSPs, FEC labels and LDP host routes
// (longest.go) of the FECs that may have changed since the last time:
// those marked (markInstall), those leaving by an interface whose session
// changed, or all of them (see Instance.inst). For each FEC, per IGP
// nexthop whose LDP peer (the session of the hello adjacency on the
// nexthop's interface) has advertised a label: swap to (or push) that
// label, pop for implicit null. A core router of a large network has
// thousands of FECs and its peers' labels arrive a few at a time:
// redoing them all at each update was most of LDP's cost.
func (in *Instance) install() {
	peer := make(map[string]*session, len(in.ifaces))
	for _, ifc := range in.ifaces {
		if ifc.adj != nil {
			if s := in.sessions[ifc.adj.lsr]; s != nil && s.operational {
				peer[ifc.name] = s
			}
		}
	}
	all := in.inst == nil || in.instAll
	moved := in.movedIfaces(peer) // whose session came, went or changed
	in.instAll, in.instPeers = false, peer
	sc := installPool.Get().(*installScratch)
	defer sc.release()
	var keys []fecKey
	n := 0 // nexthops of the FECs redone, to size the arrays
	if all {
		if in.inst == nil {
			in.inst = make(map[fecKey]installed, len(in.fecs))
		}
		clear(in.pqs)
		keys = slices.Grow(sc.keys[:0], len(in.fecs)+len(in.inst))
		for _, f := range in.fecs {
			keys = append(keys, f.key)
			n += len(f.nexthops)
		}
		for k := range in.inst {
			keys = append(keys, k)
		}
		for k := range in.offered {
			keys = append(keys, k)
		}
	} else {
		keys = slices.Grow(sc.keys[:0], len(in.instDirty))
		for k := range in.instDirty {
			keys = append(keys, k)
		}
		if len(moved) > 0 {
			// A session on one link concerns the FECs leaving by it.
			for _, f := range in.fecs {
				if leavesBy(f.nexthops, moved) {
					keys = append(keys, f.key)
					n += len(f.nexthops)
				}
			}
		}
		n += 2 * len(in.instDirty)
	}
	in.instDirty = emptied(in.instDirty)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	sc.keys = keys

	lsps := slices.Grow(sc.lsps[:0], len(keys))
	hops := slices.Grow(sc.hops[:0], n) // every LSP's nexthops, one backing array
	labels := slices.Grow(sc.labels[:0], n+n/2)
	defer func() { sc.lsps, sc.hops, sc.labels = lsps, hops, labels }()
	var delLSPs []uint32
	var delLabels []router.FECLabel
	var routes []router.Route
	var gone []netip.Prefix
	var nhs, oldNhs []netip.Addr
	for _, k := range keys {
		old, had := in.inst[k]
		oldNhs = in.instNexthops(k, old, oldNhs[:0])
		var now installed
		var labelled []router.Nexthop
		nhs = nhs[:0]
		if f, ok := in.fecOf(k); ok && !f.egress {
			start, first := len(hops), len(labels)
			hops, labels, labelled = in.lspOf(f, peer, hops, labels)
			if len(hops) > start {
				now.in, now.lsp = in.local[k], true
				lsps = append(lsps, router.LSP{InLabel: now.in, Proto: router.ProtoLDP, FEC: f.prefix, Nexthops: hops[start:len(hops):len(hops)]})
			}
			for _, fl := range labels[first:] {
				if !slices.Contains(nhs, fl.Nexthop) {
					nhs = append(nhs, fl.Nexthop)
				}
			}
		}
		in.setInstNexthops(k, &now, nhs)
		// Take back only what the FEC no longer has.
		if old.lsp && (!now.lsp || now.in != old.in) {
			delLSPs = append(delLSPs, old.in)
		}
		for _, a := range oldNhs {
			if !slices.Contains(nhs, a) {
				delLabels = append(delLabels, router.FECLabel{Prefix: k.prefix(), Nexthop: a})
			}
		}
		switch {
		case now.lsp || now.n > 0:
			in.inst[k] = now
		case had:
			delete(in.inst, k)
		}
		if in.cfg.LongestMatch {
			if rt, ok := in.extraRoute(k, labelled); ok {
				routes = append(routes, rt)
				in.offered[k] = struct{}{}
			} else if _, was := in.offered[k]; was {
				gone = append(gone, k.prefix())
				delete(in.offered, k)
			}
		}
	}
	rib := in.env.RIB()
	if len(lsps)+len(delLSPs) > 0 {
		rib.UpdateLSPs(router.ProtoLDP, lsps, delLSPs)
	}
	if len(labels)+len(delLabels) > 0 {
		rib.UpdateFECLabels(router.ProtoLDP, labels, delLabels)
	}
	// Most LSRs (all but the ingress of summarised FECs) never have a
	// route to offer: they skip the RIB's call.
	if len(routes)+len(gone) > 0 {
		rib.UpdateRoutes(router.ProtoLDP, "", routes, gone)
	}
}

// installScratch is what one install builds its offer in: the RIB keeps
// copies of what it is offered, so the lists go back to a pool. A large
// lab's LDP installs at every update of every LSR while it comes up, and
// new lists each time were a twentieth of the bring-up's garbage.
type installScratch struct {
	keys   []fecKey
	lsps   []router.LSP
	hops   []router.LSPNexthop
	labels []router.FECLabel
}

var installPool = sync.Pool{New: func() any { return new(installScratch) }}

// release drops what the lists point to (backups, pushed labels) and
// returns them to the pool.
func (sc *installScratch) release() {
	clear(sc.lsps)
	clear(sc.hops)
	clear(sc.labels)
	installPool.Put(sc)
}

// movedIfaces are the interfaces whose operational session differs in
// peer from the last install's.
func (in *Instance) movedIfaces(peer map[string]*session) []string {
	var out []string
	for name, s := range peer {
		if in.instPeers[name] != s {
			out = append(out, name)
		}
	}
	for name := range in.instPeers {
		if _, ok := peer[name]; !ok {
			out = append(out, name)
		}
	}
	return out
}

// leavesBy says whether a FEC's nexthops (or their backups) leave by one
// of the interfaces.
func leavesBy(nhs []router.Nexthop, ifaces []string) bool {
	for _, nh := range nhs {
		if slices.Contains(ifaces, nh.Iface) || nh.Backup != nil && slices.Contains(ifaces, nh.Backup.Iface) {
			return true
		}
	}
	return false
}

// installed is what install gave the RIB for a FEC: its LSP's incoming
// label (if it had an LSP) and the nexthops of its FEC labels, what the
// next install takes back. It holds no pointer, so that the collector
// skips a core router's thousands: up to four IPv4 nexthops inline (a
// primary and its backup, or two ECMP pairs), more in Instance.instMore.
type installed struct {
	in  uint32
	lsp bool
	n   uint8 // nexthops in nh, or manyNexthops
	nh  [4]uint32
}

const manyNexthops = 255

// instNexthops appends the nexthops of FEC k's installed labels to buf.
func (in *Instance) instNexthops(k fecKey, it installed, buf []netip.Addr) []netip.Addr {
	if it.n == manyNexthops {
		return append(buf, in.instMore[k]...)
	}
	for _, a := range it.nh[:it.n] {
		buf = append(buf, netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}))
	}
	return buf
}

// setInstNexthops records nhs as FEC k's installed labels' nexthops.
func (in *Instance) setInstNexthops(k fecKey, it *installed, nhs []netip.Addr) {
	delete(in.instMore, k)
	inline := len(nhs) <= len(it.nh)
	for _, a := range nhs {
		inline = inline && a.Is4()
	}
	if !inline {
		if in.instMore == nil {
			in.instMore = map[fecKey][]netip.Addr{}
		}
		in.instMore[k] = slices.Clone(nhs)
		it.n = manyNexthops
		return
	}
	for i, a := range nhs {
		b := a.As4()
		it.nh[i] = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	it.n = uint8(len(nhs))
}

// emptied is m with nothing in it. A map keeps the room it once grew
// to: one that held a whole FEC table (the first SPF's changes, a new
// session's FECs) is replaced rather than cleared, or each core router
// would keep it, and clearing it would cost its size each time.
func emptied[K comparable, V any](m map[K]V) map[K]V {
	if len(m) > 64 {
		return map[K]V{}
	}
	clear(m)
	return m
}

// markInstall notes that FEC k's LSP, labels or host route may have
// changed: the next install redoes it.
func (in *Instance) markInstall(k fecKey) {
	if _, pq := in.pqs[k]; pq {
		// Remote LFAs tunnel to the PQ node on the label for its
		// loopback: every FEC protected through it may change.
		in.instAll = true
	}
	if in.instDirty == nil {
		in.instDirty = map[fecKey]struct{}{}
	}
	in.instDirty[k] = struct{}{}
}

// lspOf appends FEC f's LSP nexthops and ingress labels, given the
// sessions behind the interfaces (peer), to hops and fecLabels, and
// returns, for a summarised FEC the RIB resolves through (needed), its
// labelled nexthops.
func (in *Instance) lspOf(f fec, peer map[string]*session, hops []router.LSPNexthop, fecLabels []router.FECLabel) ([]router.LSPNexthop, []router.FECLabel, []router.Nexthop) {
	var labelled []router.Nexthop
	_, need := in.needed[f.key]
	need = need && in.extra != nil
	for _, nh := range f.nexthops {
		if nh.Remote.IsValid() {
			// A remote LFA standing in for the dead primary until the
			// IGP reconverges: keep tunnelling to the PQ node (the
			// neighbour's own label would bring the packet back).
			in.pqs[keyOf(netip.PrefixFrom(nh.Remote, 32))] = struct{}{}
			if bh, fl, ok := in.rlfaBackup(f, &nh, peer); ok {
				hops = append(hops, *bh)
				fecLabels = append(fecLabels, fl)
			}
			continue
		}
		s := peer[nh.Iface]
		if s == nil {
			continue
		}
		label, ok := s.remote[f.key]
		if !ok {
			continue
		}
		hop := router.LSPNexthop{Addr: nh.Addr, Iface: nh.Iface, OutLabel: label}
		// Fast reroute: liberal retention means the backup neighbour's
		// label for the FEC is already known; it goes beside the
		// primary's so that the switch needs no LDP message.
		// (A backup with labels of its own is TI-LFA's, for SR; one
		// with a Remote end is a remote LFA, see rlfaBackup.)
		if b := nh.Backup; b != nil && b.Remote.IsValid() {
			in.pqs[keyOf(netip.PrefixFrom(b.Remote, 32))] = struct{}{}
			if bh, fl, ok := in.rlfaBackup(f, b, peer); ok {
				hop.Backup = bh
				fecLabels = append(fecLabels, fl)
			}
		} else if b != nil && len(b.Labels) == 0 {
			if bs := peer[b.Iface]; bs != nil {
				if bl, ok := bs.remote[f.key]; ok {
					hop.Backup = &router.LSPNexthop{Addr: b.Addr, Iface: b.Iface, OutLabel: bl}
					if !slices.ContainsFunc(f.nexthops, func(o router.Nexthop) bool { return o.Addr == b.Addr }) {
						// (an ECMP member's label is there already)
						fecLabels = append(fecLabels, router.FECLabel{Prefix: f.prefix, Nexthop: b.Addr, OutLabel: bl})
					}
				}
			}
		}
		hops = append(hops, hop)
		fecLabels = append(fecLabels, router.FECLabel{Prefix: f.prefix, Nexthop: nh.Addr, OutLabel: label})
		if need {
			labelled = append(labelled, router.Nexthop{Addr: nh.Addr, Iface: nh.Iface})
		}
	}
	return hops, fecLabels, labelled
}

// remoteFor is the label the peer behind an IGP nexthop advertised for p.
func (in *Instance) remoteFor(nh router.Nexthop, p netip.Prefix) (uint32, bool) {
	s := in.peerFor(nh)
	if s == nil {
		return 0, false
	}
	l, ok := s.remote[keyOf(p)]
	return l, ok
}

// peerFor maps an IGP nexthop to the operational session of the LSR whose
// hello adjacency is on the nexthop's interface.
func (in *Instance) peerFor(nh router.Nexthop) *session {
	ifc := in.ifByName[nh.Iface]
	if ifc == nil || ifc.adj == nil {
		return nil
	}
	s := in.sessions[ifc.adj.lsr]
	if s == nil || !s.operational {
		return nil
	}
	return s
}

// LabelString shows a label as FRR does: "imp-null" for 3.
func LabelString(l uint32) string {
	switch l {
	case router.LabelImplicitNull:
		return "imp-null"
	case router.LabelIPv4ExplicitNull:
		return "exp-null"
	}
	return fmt.Sprint(l)
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}
