package igp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router"
)

// Every SR router gives each of its adjacencies a label of its own (an
// adjacency SID), floods it in an extended link LSA, and pops it to send
// the packet out of that adjacency; the other routers of the area learn
// it from the database. When the adjacency goes, so do its LFIB entry
// and the LSA; when it comes back, it has the same label.
func TestAdjacencySIDsAreLocalLabelsFloodedThroughTheAreaAndPoppedOutOfTheirAdjacency(t *testing.T) {
	l := newLab(t, load(t, srAreasYAML), nil)
	l.settle(10 * time.Second)
	rid := func(n string) netip.Addr { return l.m.Node(n).RouterID }
	var own []igp.AdjSID
	l.net.Router("c").Do(func() {
		for _, a := range l.igp["c"].AdjSIDs() {
			if a.Local {
				own = append(own, a)
			}
		}
	})
	if len(own) != 2 || own[0].Label == own[1].Label {
		t.Fatalf("c's own adjacency SIDs: %+v, want two distinct labels (to abr and to e0)", own)
	}
	lsps := l.net.Router("c").Table().LSPs(router.ProtoSR)
	for _, a := range own {
		if a.Label < router.LabelDynamicFirst {
			t.Errorf("adjacency SID %d is not a dynamic (local) label", a.Label)
		}
		peer := map[netip.Addr]string{rid("abr"): "abr", rid("e0"): "e0"}[a.Neighbor]
		if peer == "" || a.Iface != l.ifname("c", peer) || a.IfAddr != l.addr("c", peer) {
			t.Fatalf("c's adjacency SID %+v: want one to abr or e0 on the interface to it", a)
		}
		var got *router.LSP
		for i := range lsps {
			if lsps[i].InLabel == a.Label {
				got = &lsps[i]
			}
		}
		if got == nil || len(got.Nexthops) != 1 || got.Nexthops[0].OutLabel != router.LabelImplicitNull ||
			got.Nexthops[0].Iface != l.ifname("c", peer) || got.Nexthops[0].Addr != l.addr(peer, "c") {
			t.Errorf("c's LFIB entry for adjacency SID %d: %+v, want pop and send to %s", a.Label, got, peer)
		}
		// e0, in the same area, reads it from the database; e1, in area
		// 1, does not hear of area 0's adjacencies.
		var seen, beyond bool
		l.net.Router("e0").Do(func() {
			lab, ok := l.igp["e0"].AdjacencySID(rid("c"), a.Neighbor, a.IfAddr)
			seen = ok && lab == a.Label
		})
		l.net.Router("e1").Do(func() { _, beyond = l.igp["e1"].AdjacencySID(rid("c"), a.Neighbor, netip.Addr{}) })
		if !seen || beyond {
			t.Errorf("adjacency SID %d of c to %s: e0 knows it %v (want true), e1 in another area %v (want false)", a.Label, peer, seen, beyond)
		}
	}

	// The link c-e0 fails: c's adjacency SID to e0 leaves the LFIB and e0's
	// database; back up, it returns with the same label.
	var toE0 uint32
	for _, a := range own {
		if a.Neighbor == rid("e0") {
			toE0 = a.Label
		}
	}
	known := func() (inLFIB, inDB bool) {
		for _, lsp := range l.net.Router("c").Table().LSPs(router.ProtoSR) {
			inLFIB = inLFIB || lsp.InLabel == toE0
		}
		l.net.Router("abr").Do(func() { _, inDB = l.igp["abr"].AdjacencySID(rid("c"), rid("e0"), netip.Addr{}) })
		return
	}
	l.link("c", "e0").SetUp(false)
	l.settle(5 * time.Second)
	if inLFIB, inDB := known(); inLFIB || inDB {
		t.Errorf("link c-e0 down: adjacency SID %d still in c's LFIB %v, in abr's database %v", toE0, inLFIB, inDB)
	}
	l.link("c", "e0").SetUp(true)
	l.settle(60 * time.Second)
	if inLFIB, inDB := known(); !inLFIB || !inDB {
		t.Errorf("link c-e0 back: adjacency SID %d in c's LFIB %v, in abr's database %v, want both", toE0, inLFIB, inDB)
	}
}
