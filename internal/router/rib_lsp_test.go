package router

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// lfibText renders an LFIB's entries, hops and show counts, so that a
// patched one can be compared with one built whole.
func lfibText(t *lfib) string {
	var b strings.Builder
	var hop func(h lspHop) string
	hop = func(h lspHop) string {
		s := fmt.Sprintf("op%d out%d gw%v vrf%d push%v", h.op, h.out, h.gw, h.vrf, h.push)
		if h.ifc != nil {
			s += " " + h.ifc.name
		}
		if h.backup != nil {
			s += " backup(" + hop(*h.backup) + ")"
		}
		return s
	}
	for _, e := range t.entries {
		fmt.Fprintf(&b, "%d rows%d resolves%v found%v:", e.label, e.rows, e.resolves, t.lookup(e.label) != nil)
		for _, h := range e.hops {
			b.WriteString(" [" + hop(h) + "]")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestLFIBPatchedByLabelIsTheLFIBBuiltWhole: LSPs changed a few at a time
// by two protocols (LDP and SR claiming the same labels, some resolving
// through the default table), with the IGP route they resolve by coming
// and going, leave the forwarding LFIB patched label by label exactly as
// one built from scratch, show counts included.
func TestLFIBPatchedByLabelIsTheLFIBBuiltWhole(t *testing.T) {
	_, r := ribNet(t)
	rng := rand.New(rand.NewPCG(7, 13))
	hopOf := func() LSPNexthop {
		switch rng.IntN(5) {
		case 0:
			return LSPNexthop{Addr: ip("10.1.0.2"), Iface: "eth0", OutLabel: uint32(rng.IntN(3)) + 3}
		case 1:
			return LSPNexthop{Addr: ip("10.2.0.2"), Iface: "eth1", OutLabel: 24000 + uint32(rng.IntN(4)),
				Backup: &LSPNexthop{Addr: ip("10.1.0.2"), Iface: "eth0", OutLabel: 25000}}
		case 2:
			return LSPNexthop{Addr: ip("10.255.0.9"), OutLabel: 30000 + uint32(rng.IntN(4))} // resolves
		case 3:
			return LSPNexthop{Addr: ip("10.2.0.2"), Iface: "eth9", OutLabel: 26000} // no such interface
		}
		return LSPNexthop{} // pop and route here
	}
	lspOf := func(l uint32) LSP {
		hops := make([]LSPNexthop, 1+rng.IntN(2))
		for i := range hops {
			hops[i] = hopOf()
		}
		return LSP{InLabel: l, Nexthops: hops}
	}
	protos := []Protocol{ProtoLDP, ProtoSR}
	// What each protocol's LSPs should be: deletions first, then the
	// first LSP offered for a label.
	want := map[Protocol]map[uint32]LSP{ProtoLDP: {}, ProtoSR: {}}
	for step := range 400 {
		r.Do(func() {
			rib := r.RIB()
			p := protos[rng.IntN(2)]
			switch rng.IntN(10) {
			case 0:
				var all []LSP
				for l := range uint32(20) {
					if rng.IntN(2) == 0 {
						all = append(all, lspOf(16+l))
					}
				}
				rib.ReplaceLSPs(p, all)
				want[p] = map[uint32]LSP{}
				for i := len(all) - 1; i >= 0; i-- {
					want[p][all[i].InLabel] = all[i]
				}
			case 1:
				if rng.IntN(2) == 0 {
					rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.9/32"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}})
				} else {
					rib.ReplaceRoutes(ProtoOSPF, "", nil)
				}
			case 2:
				rib.UpdateFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 24000 + uint32(rng.IntN(3))}}, nil)
			default:
				var set []LSP
				var del []uint32
				for range 1 + rng.IntN(4) {
					if l := 16 + uint32(rng.IntN(20)); rng.IntN(3) == 0 {
						del = append(del, l)
					} else {
						set = append(set, lspOf(l))
					}
				}
				rib.UpdateLSPs(p, set, del)
				for _, l := range del {
					delete(want[p], l)
				}
				for i := len(set) - 1; i >= 0; i-- {
					want[p][set[i].InLabel] = set[i]
				}
			}
		})
		var patched, whole string
		var rows, wantRows int
		r.Do(func() {
			m := r.rib
			m.mu.Lock()
			defer m.mu.Unlock()
			patched = lfibText(r.fwd.Load().lfib)
			for _, p := range protos {
				if len(m.lsps[p]) != len(want[p]) {
					patched += fmt.Sprintf("%v holds %d LSPs, want %d\n", p, len(m.lsps[p]), len(want[p]))
				}
				for l, w := range want[p] {
					if got, ok := m.lsps[p][l]; !ok || !sameLSP(got, w) {
						patched += fmt.Sprintf("%v label %d: %+v, want %+v\n", p, l, got, w)
					}
				}
			}
			rows = m.lfibRows
			t, _, n := m.computeLFIB(r.ifaceList(), false)
			whole, wantRows = lfibText(t), n
			if got, want := m.lfibResolving, len(resolvingLabels(t)); got != want {
				patched += fmt.Sprintf("resolving %d, built whole %d\n", got, want)
			}
		})
		if patched != whole || rows != wantRows {
			t.Fatalf("step %d: patched LFIB (%d rows):\n%s\nbuilt whole (%d rows):\n%s", step, rows, patched, wantRows, whole)
		}
	}
}

// TestUpdateLSPsRedoesOnlyTheLabelsItChanges: an LSP changed by
// difference leaves the other entries as they were built, not rebuilt,
// and one offered again unchanged changes nothing.
func TestUpdateLSPsRedoesOnlyTheLabelsItChanges(t *testing.T) {
	_, r := ribNet(t)
	lsp := func(in, out uint32) LSP {
		return LSP{InLabel: in, Nexthops: []LSPNexthop{{Addr: ip("10.1.0.2"), Iface: "eth0", OutLabel: out}}}
	}
	r.Do(func() { r.RIB().ReplaceLSPs(ProtoLDP, []LSP{lsp(100, 200), lsp(101, 201), lsp(102, 202)}) })
	before := r.fwd.Load().lfib
	r.Do(func() { r.RIB().UpdateLSPs(ProtoLDP, []LSP{lsp(101, 301)}, []uint32{102}) })
	after := r.fwd.Load().lfib
	if e := after.lookup(101); e == nil || e.hops[0].out != 301 {
		t.Fatalf("101: %+v, want a swap to 301", e)
	}
	if after.lookup(102) != nil {
		t.Error("102 still switched after its LSP went")
	}
	if a, b := after.lookup(100), before.lookup(100); a == nil || &a.hops[0] != &b.hops[0] {
		t.Error("100's entry was rebuilt though its LSP did not change")
	}
	r.Do(func() { r.RIB().UpdateLSPs(ProtoLDP, []LSP{lsp(101, 301)}, nil) })
	if r.fwd.Load().lfib != after {
		t.Error("an LSP offered again unchanged rebuilt the LFIB")
	}
	if n := r.LFIBLen(); n != 2 { // 100's and 101's rows (explicit null's is not shown)
		t.Errorf("LFIBLen %d, want 2", n)
	}
	var labels []uint32
	for _, e := range after.entries {
		labels = append(labels, e.label)
	}
	if !slices.Equal(labels, []uint32{0, 100, 101}) {
		t.Errorf("entries %v, want 0 100 101", labels)
	}
}

// TestRoomForKeepsEveryEntryAndRemakesOnlyForALargerBatch: a batch no
// larger than the map leaves it as it is; a larger one gets a copy with
// every entry.
func TestRoomForKeepsEveryEntryAndRemakesOnlyForALargerBatch(t *testing.T) {
	m := map[uint32]int{1: 10, 2: 20, 3: 30}
	same := roomFor(m, 3)
	same[4] = 40
	if len(m) != 4 {
		t.Fatalf("a batch of 3 on a map of 3 did not keep the map: %v", m)
	}
	grown := roomFor(m, 100)
	grown[5] = 50
	if len(m) != 4 || len(grown) != 5 || grown[1] != 10 || grown[4] != 40 {
		t.Fatalf("a batch of 100 on a map of 4: the map %v, the copy %v", m, grown)
	}
	if fresh := roomFor[uint32, int](nil, 0); fresh == nil {
		t.Error("no map for a nil one")
	}
}

// TestTheRIBKeepsItsOwnCopyOfWhatAProtocolOffers: a protocol may reuse
// the lists it offered once the call returns (LDP pools them): the LFIB
// and the labels pushed stay what was offered, also when the manager
// reads its stored LSPs and labels again later.
func TestTheRIBKeepsItsOwnCopyOfWhatAProtocolOffers(t *testing.T) {
	_, r := ribNet(t)
	fec := pfx("10.255.0.9/32")
	hops := []LSPNexthop{{Addr: ip("10.1.0.2"), Iface: "eth0", OutLabel: 200}}
	lsps := []LSP{{InLabel: 100, FEC: fec, Nexthops: hops}}
	labels := []FECLabel{{Prefix: fec, Nexthop: ip("10.1.0.2"), OutLabel: 24000}}
	route := []Route{{Prefix: fec, Metric: 10, Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}}
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", route)
		rib.UpdateLSPs(ProtoLDP, lsps, nil)
		rib.UpdateFECLabels(ProtoLDP, labels, nil)
	})
	hops[0] = LSPNexthop{Addr: ip("10.9.9.9"), Iface: "eth9", OutLabel: 999}
	lsps[0].InLabel, labels[0].OutLabel = 555, 999
	// Make the manager read what it stored: another LSP, the route again.
	route[0].Metric = 20
	r.Do(func() {
		rib := r.RIB()
		rib.UpdateLSPs(ProtoLDP, []LSP{{InLabel: 101, FEC: fec, Nexthops: []LSPNexthop{{Addr: ip("10.1.0.2"), Iface: "eth0", OutLabel: 201}}}}, nil)
		rib.ReplaceRoutes(ProtoOSPF, "", route)
	})
	if e := r.fwd.Load().lfib.lookup(100); e == nil || e.hops[0].out != 200 {
		t.Fatalf("label 100 after the caller reused its lists: %+v, want a swap to 200", e)
	}
	if e := r.fwd.Load().lfib.lookup(555); e != nil {
		t.Fatalf("the caller's later write made label 555 switch: %+v", e)
	}
	var whole, patched string
	r.Do(func() {
		m := r.rib
		m.mu.Lock()
		defer m.mu.Unlock()
		t, _, _ := m.computeLFIB(r.ifaceList(), false)
		whole, patched = lfibText(t), lfibText(r.fwd.Load().lfib)
	})
	if whole != patched {
		t.Fatalf("the LFIB rebuilt from what the manager stored:\n%s\ndiffers from the one in use:\n%s", whole, patched)
	}
	if gws, labels := fibVia(r, "", "10.255.0.9"); len(gws) != 1 || gws[0] != "10.1.0.2@eth0" || len(labels) != 1 || !slices.Equal(labels[0], []uint32{24000}) {
		t.Fatalf("%v after the caller reused its lists: forwarded by %v pushing %v, want 10.1.0.2@eth0 pushing 24000", fec, gws, labels)
	}
}
