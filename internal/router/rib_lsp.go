package router

import (
	"maps"
	"slices"
)

// The LSPs and FEC labels the label protocols offer, whole (Replace) or
// by difference (Update), and the LFIB patched for the incoming labels
// they change: a core router of a large lab holds thousands of LSPs, and
// LDP changes a few at a time as its peers' labels arrive.

// ReplaceLSPs makes lsps protocol p's whole set of LSPs. Only the
// incoming labels whose LSP changed are redone in the LFIB.
func (m *ribManager) ReplaceLSPs(p Protocol, lsps []LSP) {
	m.mu.Lock()
	old := m.lsps[p]
	// A protocol often offers its set again unchanged (a VPN's labels at
	// each BGP update): that allocates nothing.
	if sameLSPSet(old, lsps) {
		m.mu.Unlock()
		return
	}
	by := make(map[uint32]LSP, len(lsps))
	var changed []uint32
	for _, l := range lsps {
		if l.InLabel == LabelImplicitNull {
			continue // no packet arrives with it
		}
		if _, dup := by[l.InLabel]; dup {
			continue // the first LSP for a label counts
		}
		if o, ok := old[l.InLabel]; ok && sameLSP(o, l) {
			by[l.InLabel] = o
			continue
		}
		by[l.InLabel] = storedLSP(p, l)
		changed = append(changed, l.InLabel)
	}
	for l := range old {
		if _, ok := by[l]; !ok {
			changed = append(changed, l)
		}
	}
	m.setLSPs(p, by)
	m.mu.Unlock()
	if len(changed) > 0 {
		m.recompute(change{labels: changed})
	}
}

// sameLSPSet says whether lsps, stored, would be by: one LSP per label
// (imp-null ones aside), each as stored.
func sameLSPSet(by map[uint32]LSP, lsps []LSP) bool {
	n := 0
	sorted := true // by label, so no label twice
	var last uint32
	for _, l := range lsps {
		if l.InLabel == LabelImplicitNull {
			continue
		}
		if o, ok := by[l.InLabel]; !ok || !sameLSP(o, l) {
			return false
		}
		if n > 0 && l.InLabel <= last {
			sorted = false
		}
		last = l.InLabel
		n++
	}
	if n != len(by) {
		return false
	}
	if sorted {
		return true
	}
	// A label given twice would hide one of by's that is not given.
	seen := make(map[uint32]struct{}, n)
	for _, l := range lsps {
		if l.InLabel != LabelImplicitNull {
			seen[l.InLabel] = struct{}{}
		}
	}
	return len(seen) == len(by)
}

// UpdateLSPs changes some of protocol p's LSPs: those of the incoming
// labels in del go, then lsps replace p's LSPs of their labels (the
// first for a label counts); p's other LSPs stay. Only what differs from
// what p offered before is written and redone.
func (m *ribManager) UpdateLSPs(p Protocol, lsps []LSP, del []uint32) {
	m.mu.Lock()
	by := roomFor(m.lsps[p], len(lsps))
	// The labels set, sorted (not a map: LDP gives thousands at once
	// after a session comes up), to find those also deleted.
	sets := make([]uint32, 0, len(lsps))
	for _, l := range lsps {
		if l.InLabel != LabelImplicitNull {
			sets = append(sets, l.InLabel)
		}
	}
	slices.Sort(sets)
	var changed []uint32
	for i, l := range lsps {
		if l.InLabel == LabelImplicitNull {
			continue
		}
		if j, _ := slices.BinarySearch(sets, l.InLabel); j+1 < len(sets) && sets[j+1] == l.InLabel &&
			slices.IndexFunc(lsps[:i], func(o LSP) bool { return o.InLabel == l.InLabel }) >= 0 {
			continue // the first LSP for a label counts
		}
		if o, had := by[l.InLabel]; had && sameLSP(o, l) {
			continue
		}
		by[l.InLabel] = storedLSP(p, l)
		changed = append(changed, l.InLabel)
	}
	for _, l := range del {
		if _, set := slices.BinarySearch(sets, l); set {
			continue
		}
		if _, had := by[l]; had {
			delete(by, l)
			changed = append(changed, l)
		}
	}
	m.setLSPs(p, by)
	m.mu.Unlock()
	if len(changed) > 0 {
		m.recompute(change{labels: changed})
	}
}

// setLSPs stores protocol p's LSPs by incoming label (mu held).
func (m *ribManager) setLSPs(p Protocol, by map[uint32]LSP) {
	if len(by) == 0 {
		delete(m.lsps, p)
		return
	}
	m.lsps[p] = by
}

// storedLSP is the RIB manager's own copy of an LSP.
func storedLSP(p Protocol, l LSP) LSP {
	l.Proto = p
	l.Nexthops = slices.Clone(l.Nexthops)
	return l
}

// patchLFIB is t with the entries of labels redone from the LSPs: the
// entries are copied, not rebuilt, and the row and resolving counts
// follow (mu held).
func (m *ribManager) patchLFIB(t *lfib, labels []uint32, ifaces []*iface) *lfib {
	slices.Sort(labels)
	labels = slices.Compact(labels)
	up := upIfaces(ifaces)
	out := make([]lfibEntry, 0, len(t.entries)+len(labels))
	i := 0
	for _, l := range labels {
		for i < len(t.entries) && t.entries[i].label < l {
			out = append(out, t.entries[i])
			i++
		}
		if i < len(t.entries) && t.entries[i].label == l {
			m.countLFIB(t.entries[i], -1)
			i++
		}
		if e, _, ok := m.lfibEntryFor(l, up, false); ok {
			out = append(out, e)
			m.countLFIB(e, 1)
		}
	}
	out = append(out, t.entries[i:]...)
	return buildLFIB(out)
}

// countLFIB adds (sign 1) or takes away (-1) an entry's rows and its
// resolving through the default table.
func (m *ribManager) countLFIB(e lfibEntry, sign int) {
	m.lfibRows += sign * int(e.rows)
	if e.resolves {
		m.lfibResolving += sign
	}
}

// resolvingLabels are the labels of t's entries that resolve through the
// default table: they are redone when it changes.
func resolvingLabels(t *lfib) []uint32 {
	var out []uint32
	for _, e := range t.entries {
		if e.resolves {
			out = append(out, e.label)
		}
	}
	return out
}

// ReplaceFECLabels replaces protocol p's FEC labels; the prefixes whose
// preferred label changed are redone in the default VRF. The labels are
// compared with what p offered before in place, a lookup each: LDP hands
// over its whole set whenever a peer's labels arrive, and most of it is
// what it was.
func (m *ribManager) ReplaceFECLabels(p Protocol, labels []FECLabel) {
	m.mu.Lock()
	by := m.offersOf(p, len(labels))
	if by == nil {
		m.mu.Unlock()
		return // nothing offered before, nothing now
	}
	m.pass++
	pass := m.pass
	var changed []fecKey
	kept, added := 0, 0 // keys p offered before and offers again; new keys
	for _, f := range labels {
		f.Prefix = f.Prefix.Masked()
		k := newFECKey(f.Prefix, f.Nexthop)
		o, had := by[k]
		switch {
		case had && o.seen == pass:
			continue // the first label for a key counts
		case had:
			kept++
			if m.sameOffer(p, k, o, f) {
				o.seen = pass
				by[k] = o
				continue
			}
		}
		if !had {
			added++
		}
		by[k] = fecOffer{out: f.OutLabel, seen: pass, pushes: len(f.Push) > 0}
		m.setPush(p, k, f.Push)
		changed = append(changed, k)
	}
	if kept < len(by)-added { // some keys went
		for k, o := range by {
			if o.seen != pass {
				delete(by, k)
				if o.pushes {
					m.setPush(p, k, nil)
				}
				changed = append(changed, k)
			}
		}
	}
	m.fecsChanged(p, by, changed)
}

// UpdateFECLabels changes some of protocol p's FEC labels: those of the
// prefixes and nexthops in del go, then labels replace p's for theirs;
// p's other labels stay.
func (m *ribManager) UpdateFECLabels(p Protocol, labels []FECLabel, del []FECLabel) {
	m.mu.Lock()
	by := m.offersOf(p, len(labels))
	if by == nil {
		m.mu.Unlock()
		return // nothing offered before, nothing now
	}
	var changed []fecKey
	for _, f := range del {
		k := newFECKey(f.Prefix.Masked(), f.Nexthop)
		if o, had := by[k]; had {
			delete(by, k)
			if o.pushes {
				m.setPush(p, k, nil)
			}
			changed = append(changed, k)
		}
	}
	for _, f := range labels {
		k := newFECKey(f.Prefix.Masked(), f.Nexthop)
		if o, had := by[k]; had && m.sameOffer(p, k, o, f) {
			continue
		}
		by[k] = fecOffer{out: f.OutLabel, seen: m.pass, pushes: len(f.Push) > 0}
		m.setPush(p, k, f.Push)
		changed = append(changed, k)
	}
	m.fecsChanged(p, by, changed)
}

// offersOf is protocol p's FEC labels by key (mu held), made for n new
// ones if p had none; nil if it had none and offers none.
func (m *ribManager) offersOf(p Protocol, n int) map[fecKey]fecOffer {
	by := m.fecBy[p]
	if by != nil || n > 0 {
		by = roomFor(by, n)
		m.fecBy[p] = by
	}
	return by
}

// roomFor is m, or a copy of it made with room for n more entries when n
// is more than m holds: a batch (a session's labels, an SPF run's FECs)
// would otherwise grow the map step by step, rehashing it at each step.
// A batch no larger than the map grows it as usual.
func roomFor[K comparable, V any](m map[K]V, n int) map[K]V {
	if n <= len(m) && m != nil {
		return m
	}
	g := make(map[K]V, len(m)+n)
	maps.Copy(g, m)
	return g
}

// sameOffer says whether o, protocol p's offer for k, is label f.
func (m *ribManager) sameOffer(p Protocol, k fecKey, o fecOffer, f FECLabel) bool {
	return o.out == f.OutLabel && o.pushes == (len(f.Push) > 0) && (!o.pushes || slices.Equal(m.pushBy[p][k], f.Push))
}

// fecsChanged ends a change of protocol p's FEC labels (mu held, and
// released): the keys changed are merged across the protocols, and what
// a preferred label changed for is recomputed. An LSP resolving through
// the default table may switch between a tunnel and an LSP on a label
// that changes no route (lsp_tunnel.go): those LFIB entries are redone
// too.
func (m *ribManager) fecsChanged(p Protocol, by map[fecKey]fecOffer, changed []fecKey) {
	if len(by) == 0 {
		delete(m.fecBy, p)
		delete(m.pushBy, p)
	}
	redo := false
	if len(changed) > 0 {
		m.fec = roomFor(m.fec, len(changed))
		m.reserveDirty(0, len(changed))
		order := labelProtoOrder(m.fecBy)
		for _, k := range changed {
			redo = m.mergeFEC(k, order) || redo
		}
	}
	m.mu.Unlock()
	if redo {
		m.recompute(change{resolving: true})
	}
}

// fecOffer is a protocol's FEC label, with the ReplaceFECLabels pass that
// last found it. Its prefix and nexthop are its key: a core router holds
// one per IGP route and neighbour, so the key is not stored twice. What
// the few that push (remote LFA, TI-LFA) push is in pushBy, so that the
// offers hold no pointer for the collector to follow.
type fecOffer struct {
	out    uint32
	seen   uint32
	pushes bool
}

// setPush records what protocol p's label for k pushes; nil forgets it.
func (m *ribManager) setPush(p Protocol, k fecKey, push []uint32) {
	if len(push) == 0 {
		if by := m.pushBy[p]; by != nil {
			delete(by, k)
		}
		return
	}
	by := m.pushBy[p]
	if by == nil {
		by = map[fecKey][]uint32{}
		m.pushBy[p] = by
	}
	by[k] = slices.Clone(push)
}

// mergeFEC redoes the label of one FEC key from the protocols' labels:
// when SR and LDP both give a label for the same prefix and nexthop, SR's
// wins, as Junos prefers SPRING over LDP and IOS XR does with sr-prefer:
// a lab in SR mode should show SR labels. (FRR has no rule: the first to
// install keeps the nexthop.) If the label or what it pushes changed, the
// prefix is redone in the default VRF, the only one labelled this way
// (true). order is labelProtoOrder(m.fecBy).
func (m *ribManager) mergeFEC(k fecKey, order []Protocol) bool {
	oldL, had := m.fec[k]
	oldPush := m.fecPush[k]
	var newL uint32
	var newPush []uint32
	has := false
	for _, p := range order {
		if f, ok := m.fecBy[p][k]; ok {
			newL, has = f.out, true
			if f.pushes {
				newPush = m.pushBy[p][k]
			}
			break
		}
	}
	if had == has && oldL == newL && slices.Equal(oldPush, newPush) {
		return false // (the maps are written only on a change)
	}
	if has {
		m.fec[k] = newL
	} else {
		delete(m.fec, k)
	}
	if len(newPush) > 0 {
		m.fecPush[k] = newPush
	} else if oldPush != nil {
		delete(m.fecPush, k)
	}
	m.markDirty(0, k.prefix())
	return true
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
	return a.Addr == b.Addr && a.Iface == b.Iface && a.OutLabel == b.OutLabel && slices.Equal(a.Push, b.Push) &&
		(a.Tunnel == nil) == (b.Tunnel == nil) && (a.Tunnel == nil || *a.Tunnel == *b.Tunnel)
}
