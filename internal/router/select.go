package router

import (
	"cmp"
	"fmt"
	"iter"
	mathbits "math/bits"
	"net/netip"
	"slices"
	"strings"
)

// vrfTable is one VRF's routing table after selection.
type vrfTable struct {
	name string
	idx  int
	// prefixes holds each prefix's candidates and selections in one
	// entry: a large lab's routers hold a million prefixes between them,
	// and a map per selection cost a key and a slot each.
	prefixes prefixMap[*prefixEntry]
	lens     lengthSet // the IPv4 prefix lengths prefixes holds
	nBest    int       // entries with a best
	// deps and depsDef: the prefixes whose recursive nexthops resolve
	// through this VRF's direct routes, or the default VRF's selection, by
	// nexthop address (see rib_update.go).
	deps, depsDef depIndex
	refs          *nexthopRefs // the manager's count of depsDef's (the default's deps') addresses
	fib           *fib
	stamp         uint32 // counts updateVRF's passes over the table
}

// prefixEntry is what a table holds for one prefix.
type prefixEntry struct {
	cands  []*candidate // every route offered, the preferred first
	best   *candidate
	direct *candidate // the best with only direct nexthops
	stamp  uint32     // the table's stamp when last redone (rib_update.go)
}

// lengthSet counts a table's IPv4 entries by prefix length, so that a
// longest match tries only the lengths the table holds. A default table
// holds a handful (/32 loopbacks, /31 links, an area's ranges, a
// default); a loopback reached through another area's range otherwise
// costs some twenty map lookups, and a 10,000-router lab's readiness
// check alone makes 13 million such matches.
type lengthSet struct {
	n    [33]uint32
	mask uint64 // bit b: some entry is b bits long
}

func (s *lengthSet) add(p netip.Prefix) {
	if p.Addr().Is4() {
		b := p.Bits()
		s.n[b]++
		s.mask |= 1 << b
	}
}

func (s *lengthSet) remove(p netip.Prefix) {
	if b := p.Bits(); p.Addr().Is4() && s.n[b] > 0 {
		if s.n[b]--; s.n[b] == 0 {
			s.mask &^= 1 << b
		}
	}
}

// covering yields the prefixes of a that a longest match in t tries, longest
// first: those of the lengths t holds (all 33 for an address that is not
// IPv4).
func (t *vrfTable) covering(a netip.Addr) iter.Seq[netip.Prefix] {
	lens := uint64(1<<33 - 1)
	if a.Is4() {
		lens = t.lens.mask
	}
	return func(yield func(netip.Prefix) bool) {
		for lens != 0 {
			bits := 63 - mathbits.LeadingZeros64(lens)
			lens &^= 1 << bits
			if p, _ := a.Prefix(bits); !yield(p) {
				return
			}
		}
	}
}

// setEntry and delEntry add and remove p's entry.
func (t *vrfTable) setEntry(p netip.Prefix, e *prefixEntry) {
	t.prefixes.set(p, e)
	t.lens.add(p)
}

func (t *vrfTable) delEntry(p netip.Prefix) {
	t.prefixes.del(p)
	t.lens.remove(p)
}

// entry returns p's entry, nil if the table has none.
func (t *vrfTable) entry(p netip.Prefix) *prefixEntry { return t.prefixes.at(p) }

// bestOf is p's selected candidate, nil if none.
func (t *vrfTable) bestOf(p netip.Prefix) *candidate {
	if e := t.prefixes.at(p); e != nil {
		return e.best
	}
	return nil
}

// sel is one of a table's selections, as recursive nexthops resolve
// over it: the best routes, or the best with only direct nexthops.
type sel struct {
	t      *vrfTable
	direct bool
}

func (s sel) get(p netip.Prefix) *candidate {
	e := s.t.prefixes.at(p)
	switch {
	case e == nil:
		return nil
	case s.direct:
		return e.direct
	}
	return e.best
}

// candidate is one protocol's route for a prefix and what became of it.
type candidate struct {
	// route is as offered, the RIB's stored copy (connected and local
	// ones are made up here), shared rather than copied: 80 bytes less
	// per candidate, of which a large lab holds a million.
	route     *Route
	local     bool // delivers to the router itself
	recursive bool // some nexthop had to be resolved through another route
	selected  bool
	nhs       []ribNexthop
	// since is when the route came or last changed, in Unix nanoseconds:
	// a time.Time would cost every candidate 16 bytes more.
	since int64
}

// ribNexthop is an active, resolved nexthop.
//
// A large lab holds one or two per route (a backup beside most), so it
// is kept small: the labels the protocol gave are the last nOwn of the
// stack pushed rather than a slice of their own, and a remote LFA's PQ
// node, rare, is behind a pointer.
type ribNexthop struct {
	gw     netip.Addr // neighbour; zero on a connected route
	ifc    *iface
	via    netip.Addr  // the recursive nexthop this resolves; zero if direct
	labels []uint32    // the whole stack pushed: transport (FEC or inherited) then own
	backup *ribNexthop // fast reroute's repair path, if the protocol gave one
	pq     *netip.Addr // as a backup: a remote LFA's PQ node (Nexthop.Remote)
	tunnel *tunnelHop  // an IP tunnel to gw (tunnel.go); ifc is nil
	nOwn   uint8       // how many of labels the protocol gave the nexthop
	// labelled: as a backup, it carries a transport label wherever the
	// primary does; one that does not yet is shown, not forwarded by.
	labelled bool
	// lsp: in the default VRF, the nexthop is on a label switched path
	// to the prefix: a FEC label (implicit null included), the
	// protocol's own labels, or inherited from the route it resolves
	// through. A VPN route resolves only over one (onLSP).
	lsp bool
}

// own are the labels the protocol gave the nexthop, under the transport.
func (nh *ribNexthop) own() []uint32 {
	if nh.nOwn == 0 {
		return nil
	}
	return nh.labels[len(nh.labels)-int(nh.nOwn):]
}

// remote is a remote LFA backup's PQ node, zero on any other nexthop.
func (nh *ribNexthop) remote() netip.Addr {
	if nh.pq == nil {
		return netip.Addr{}
	}
	return *nh.pq
}

// ownNexthop is a nexthop whose stack is, for now, only the labels its
// protocol gave: transport labels go under them later (prefixCands).
func ownNexthop(gw netip.Addr, ifc *iface, own []uint32) ribNexthop {
	return ribNexthop{gw: gw, ifc: ifc, labels: own, nOwn: uint8(len(own))}
}

func (c *candidate) active() bool { return len(c.nhs) > 0 }

// better orders candidates: lower distance, then lower metric, then the
// protocol declared first, so the choice never depends on map order.
func better(a, b *candidate) int {
	if c := cmp.Compare(a.route.Proto.Distance(), b.route.Proto.Distance()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.route.Metric, b.route.Metric); c != 0 {
		return c
	}
	return cmp.Compare(a.route.Proto, b.route.Proto)
}

// public is the route as Best returns it.
func (c *candidate) public() Route {
	r := *c.route
	r.Nexthops = make([]Nexthop, len(c.nhs))
	for i, nh := range c.nhs {
		name := loopbackName
		if nh.ifc != nil {
			name = nh.ifc.name
		}
		// (Remote on a nexthop: a remote LFA's backup standing in for its
		// dead primary, which the label protocol must keep tunnelling.)
		r.Nexthops[i] = Nexthop{Addr: nh.gw, Iface: name, Labels: slices.Clone(nh.own()), Remote: nh.remote()}
		if t := nh.tunnel; t != nil {
			r.Nexthops[i].Iface, r.Nexthops[i].Tunnel = "", t.public()
		}
		if b := nh.backup; b != nil {
			r.Nexthops[i].Backup = &Nexthop{Addr: b.gw, Iface: b.ifc.name, Labels: slices.Clone(b.own()), Remote: b.remote()}
		}
	}
	return r
}

const (
	loopbackName   = "lo"
	vrfIfacePrefix = "vrf:"
)

// fibEntry is what the FIB holds of c: c itself when it delivers locally
// or all its nexthops lead out (an interface or a tunnel), as they
// usually do; otherwise a copy with only those that do.
func (c *candidate) fibEntry() *candidate {
	out := func(nh *ribNexthop) bool { return nh.tunnel != nil || nh.ifc != nil }
	n := 0
	for i := range c.nhs {
		if out(&c.nhs[i]) {
			n++
		}
	}
	if c.local || n == len(c.nhs) {
		return c
	}
	e := &candidate{route: c.route, selected: c.selected, since: c.since, nhs: make([]ribNexthop, 0, n)}
	for i := range c.nhs {
		if out(&c.nhs[i]) {
			e.nhs = append(e.nhs, c.nhs[i])
		}
	}
	return e
}

// onLink returns the interface whose subnet holds a, other than as one of
// the router's own addresses.
func onLink(ifaces []*iface, a netip.Addr) *iface {
	for _, ifc := range ifaces {
		if ifc.addr.Bits() < 32 && ifc.addr.Contains(a) && ifc.addr.Addr() != a {
			return ifc
		}
	}
	return nil
}

// lpm finds the longest prefix in table holding a, skipping exclude.
func lpm(table sel, a netip.Addr, exclude netip.Prefix) *candidate {
	for p := range table.t.covering(a) {
		if p == exclude {
			continue
		}
		if c := table.get(p); c != nil {
			return c
		}
	}
	return nil
}

func sortedProtos[T any](m map[Protocol]T) []Protocol {
	ps := make([]Protocol, 0, len(m))
	for p := range m {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// sameCandidate compares what a route offers and how it resolved.
func sameCandidate(a, b *candidate) bool {
	if a.route.Metric != b.route.Metric || a.route.Info != b.route.Info || len(a.nhs) != len(b.nhs) ||
		!slices.EqualFunc(a.route.Nexthops, b.route.Nexthops, sameNexthop) {
		return false
	}
	for i := range a.nhs {
		x, y := &a.nhs[i], &b.nhs[i]
		if x.gw != y.gw || x.ifc != y.ifc || x.via != y.via || x.remote() != y.remote() || !slices.Equal(x.own(), y.own()) || !sameBackup(x.backup, y.backup) || !sameTunnel(x.tunnel, y.tunnel) {
			return false
		}
	}
	return true
}

// SameNexthops reports whether two nexthop lists are equal, field by
// field, backups included.
func SameNexthops(a, b []Nexthop) bool { return slices.EqualFunc(a, b, sameNexthop) }

func sameNexthop(a, b Nexthop) bool {
	if (a.Backup == nil) != (b.Backup == nil) || a.Backup != nil && !sameNexthop(*a.Backup, *b.Backup) {
		return false
	}
	return a.Addr == b.Addr && a.Iface == b.Iface && a.Remote == b.Remote && slices.Equal(a.Labels, b.Labels) &&
		(a.Tunnel == nil) == (b.Tunnel == nil) && (a.Tunnel == nil || *a.Tunnel == *b.Tunnel)
}

// computeLFIB builds the LFIB from the protocols' LSPs. One protocol owns
// an incoming label; if two claim it, the same preference as for FEC
// labels applies (SR, then LDP). It counts the rows show would give and,
// with keepRows, returns them: a core router of a large lab has hundreds
// of LSPs, and their show rows, kept, cost as much as the LFIB itself, so
// show recomputes them (LFIBTable) instead.
func (m *ribManager) computeLFIB(ifaces []*iface, keepRows bool) (*lfib, []LFIBRow, int) {
	labels := []uint32{LabelIPv4ExplicitNull}
	for _, by := range m.lsps {
		for l := range by {
			labels = append(labels, l)
		}
	}
	slices.Sort(labels)
	labels = slices.Compact(labels)
	up := upIfaces(ifaces)
	entries := make([]lfibEntry, 0, len(labels))
	var rows []LFIBRow
	n := 0
	for _, l := range labels {
		e, rs, ok := m.lfibEntryFor(l, up, keepRows)
		if ok {
			entries = append(entries, e)
			n += int(e.rows)
			rows = append(rows, rs...)
		}
	}
	return buildLFIB(entries), rows, n
}

// upIfaces are the interfaces an LSP may leave by: up, with an address.
func upIfaces(ifaces []*iface) []*iface {
	var up []*iface
	for _, ifc := range ifaces {
		if ifc.up.Load() && ifc.addr.IsValid() {
			up = append(up, ifc)
		}
	}
	return up
}

// chosenLSP is the LSP that owns incoming label l: the preferred
// protocol's (labelRank).
func (m *ribManager) chosenLSP(l uint32) (LSP, bool) {
	var best LSP
	found := false
	for p, by := range m.lsps {
		if lsp, ok := by[l]; ok && (!found || labelRank(p) < labelRank(best.Proto)) {
			best, found = lsp, true
		}
	}
	return best, found
}

// lfibEntryFor builds the LFIB entry of incoming label l from the LSP
// that owns it (explicit null has one of its own: pop and route in the
// default table, RFC 3032), with its show rows when keepRows. False when
// no LSP has l. An entry whose nexthops are all down has no hops but
// stays, for its rows.
func (m *ribManager) lfibEntryFor(l uint32, up []*iface, keepRows bool) (lfibEntry, []LFIBRow, bool) {
	lsp, ok := m.chosenLSP(l)
	if !ok {
		if l == LabelIPv4ExplicitNull {
			return lfibEntry{label: l, hops: []lspHop{{op: opPopLookup}}}, nil, true
		}
		return lfibEntry{}, nil, false
	}
	e := lfibEntry{label: l}
	var rows []LFIBRow
	addRow := func(r LFIBRow) {
		e.rows++
		if keepRows {
			rows = append(rows, r)
		}
	}
	for _, nh := range lsp.Nexthops {
		row := LFIBRow{InLabel: l, Proto: lsp.Proto, FEC: lsp.FEC, Nexthop: nh.Addr, Iface: nh.Iface, OutLabel: nh.OutLabel}
		if nh.Tunnel != nil && nh.Addr.IsValid() {
			// Into an IP tunnel unless an LSP reaches Addr (lsp_tunnel.go);
			// either way it follows the default table.
			e.resolves = true
			if h, tr, use := m.lspTunnelHop(nh, row, keepRows); use {
				if h != nil {
					e.hops = append(e.hops, *h)
				}
				addRow(tr)
				continue
			}
		}
		switch {
		case strings.HasPrefix(nh.Iface, vrfIfacePrefix):
			vrf := strings.TrimPrefix(nh.Iface, vrfIfacePrefix)
			e.hops = append(e.hops, lspHop{op: opPopLookup, vrf: m.vrfIndexLocked(vrf)})
		case nh.Iface == "" && !nh.Addr.IsValid():
			e.hops = append(e.hops, lspHop{op: opPopLookup})
		case nh.Iface == "" && onLink(up, nh.Addr) == nil:
			// A next hop further away (an inter-AS option B ASBR's
			// inside its AS) is reached as a recursive route's is.
			e.resolves = true
			res := m.resolveLSP(nh.Addr)
			if len(res) == 0 {
				row.Inactive = true
				break
			}
			for _, rn := range res { // a row per resolved nexthop, as show ip route
				e.hops = append(e.hops, newLSPHop(rn.ifc, rn.gw, nh.OutLabel, rn.labels))
				rr := row
				rr.Nexthop, rr.Iface, rr.Via, rr.Pushed = rn.gw, rn.ifc.name, nh.Addr, slices.Clone(rn.labels)
				addRow(rr)
			}
			continue
		default:
			ifc := m.r.byNameLocked(nh.Iface)
			if nh.Iface == "" {
				ifc = onLink(up, nh.Addr)
			}
			row.Pushed = slices.Clone(nh.Push) // a remote LFA's tunnel standing in
			b := nh.Backup
			var bifc *iface
			if b != nil {
				if bifc = m.r.byNameLocked(b.Iface); bifc != nil && !bifc.up.Load() {
					bifc = nil
				}
			}
			if (ifc == nil || !ifc.up.Load()) && bifc != nil {
				// The primary lost carrier: the repair path stands in
				// until the protocol recomputes.
				ifc, b, bifc = bifc, nil, nil
				row.Nexthop, row.OutLabel, row.Pushed, row.Repair = nh.Backup.Addr, nh.Backup.OutLabel, slices.Clone(nh.Backup.Push), true
			}
			if ifc == nil || !ifc.up.Load() {
				row.Inactive = true
				addRow(row)
				continue
			}
			row.Iface = ifc.name
			h := newLSPHop(ifc, row.Nexthop, row.OutLabel, row.Pushed)
			if bifc != nil {
				bh := newLSPHop(bifc, b.Addr, b.OutLabel, b.Push)
				h.backup = &bh
				if keepRows {
					row.Backup = fmt.Sprintf("%s %s %s", b.Addr, bifc.name, stackText(b.Push, b.OutLabel))
				}
			}
			e.hops = append(e.hops, h)
		}
		addRow(row)
	}
	return e, rows, true
}

// stackText is the label stack a swap to out under push sends, outermost
// first ("16003/24001/16005"), as show writes it.
func stackText(push []uint32, out uint32) string {
	parts := make([]string, 0, len(push)+1)
	for _, l := range push {
		parts = append(parts, labelText(l))
	}
	if len(push) == 0 || out != LabelImplicitNull {
		parts = append(parts, labelText(out))
	}
	return strings.Join(parts, "/")
}

// resolveLSP resolves an LSP's next hop that is not on a connected subnet
// through the default table's best route to it, as recursive routes
// resolve: its nexthops, with the transport labels LDP or SR gave them.
// The LFIB is recomputed whenever an entry of the default table changes
// while an LSP resolves so (lfibResolves), so it follows the IGP and LDP.
func (m *ribManager) resolveLSP(a netip.Addr) []ribNexthop {
	if len(m.tables) == 0 || m.tables[0] == nil {
		return nil
	}
	res := lpm(sel{t: m.tables[0]}, a, netip.Prefix{})
	if res == nil || res.local {
		return nil
	}
	nhs := make([]ribNexthop, 0, len(res.nhs))
	for _, rn := range res.nhs {
		if rn.ifc == nil || !rn.ifc.up.Load() {
			continue
		}
		if !rn.gw.IsValid() {
			rn.gw = a // resolved over a connected route
		}
		nhs = append(nhs, rn)
	}
	return nhs
}

// newLSPHop switches a packet to out, under the transport labels (outermost
// first) that reach the neighbour gw: a swap, a pop when nothing is left to
// send (implicit null, no transport labels), or a swap then push.
func newLSPHop(ifc *iface, gw netip.Addr, out uint32, transport []uint32) lspHop {
	stack := slices.Clone(transport) // owned by the LFIB, not the route table
	if out != LabelImplicitNull {
		stack = append(stack, out)
	}
	if len(stack) == 0 {
		return lspHop{op: opPop, ifc: ifc, gw: gw}
	}
	// Popping out then pushing the transport is swapping to its innermost
	// label: the S bit of the popped label stays right.
	last := len(stack) - 1
	h := lspHop{op: opSwap, out: stack[last], ifc: ifc, gw: gw}
	if last > 0 {
		h.op, h.push = opSwapPush, stack[:last]
	}
	return h
}

// PopLookup returns the LSP nexthop of a per-VRF label: pop it and route
// what is under it in vrf, as an egress PE does with a VPN label.
func PopLookup(vrf string) LSPNexthop {
	return LSPNexthop{Iface: vrfIfacePrefix + vrf, OutLabel: LabelImplicitNull}
}
