package igp_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router"
)

// ringYAML is RFC 7490's case: a ring of five routers with equal costs
// (p3-p4 costs c34), SR everywhere, node SID index = the router's number.
func ringYAML(c34 int) string { return ringYAMLMode("sr", c34) }

func ringYAMLMode(mode string, c34 int) string {
	y := "defaults: {asn: 65000, label_mode: " + mode + "}\nnodes:\n"
	for i := 1; i <= 5; i++ {
		y += fmt.Sprintf("  p%d: {role: p, loopback: 10.255.0.%d, sr_index: %d}\n", i, i, i)
	}
	y += "links:\n"
	for i := 1; i <= 5; i++ {
		cost := ""
		if i == 3 {
			cost = fmt.Sprintf(", cost: %d", c34)
		}
		y += fmt.Sprintf("  - {a: p%d, b: p%d%s}\n", i, i%5+1, cost)
	}
	return y
}

// segs formats a repair list as "node p3 16003, adj p4->p3 24001".
func (l *lab) segs(ss []igp.Segment) []string {
	name := map[string]string{}
	for _, n := range l.m.Nodes {
		name[n.RouterID.String()] = n.Name
	}
	var out []string
	for _, s := range ss {
		if s.Adjacency {
			out = append(out, fmt.Sprintf("adj %s->%s %d", name[s.Router.String()], name[s.Neighbor.String()], s.Label))
		} else {
			out = append(out, fmt.Sprintf("node %s %d", name[s.Router.String()], s.Label))
		}
	}
	return out
}

// In the ring no neighbour of p1 is a loop-free alternate for p2: p5's
// shortest way there is back through p1. TI-LFA sends the packet round
// the other way, the post-convergence path: p5 reads a node segment to
// p3 (its label for p3, 16003), and p3 reads p2's SID (16002). p1's route
// and its LFIB entry carry exactly that stack on the backup via p5.
func TestTILFAProtectsTheRingWherePlainLFAHasNoCoverWithANodeSegmentToTheFarSide(t *testing.T) {
	l := newLab(t, load(t, ringYAML(10)), nil)
	l.settle(10 * time.Second)
	rows := frrRows(l, "p1", l.lo("p2"))
	if len(rows) != 1 {
		t.Fatalf("p1's cover for p2: %+v", rows)
	}
	r := rows[0]
	if r.Repair != "ti-lfa" || r.Protection != "link" || r.Backup != l.addr("p5", "p1") ||
		!slices.Equal(l.segs(r.Segments), []string{"node p3 16003"}) || !slices.Equal(r.BackupLabels, []uint32{16003, 16002}) {
		t.Fatalf("p1's cover for p2: %+v segments %v, want ti-lfa link protection via p5 with [node p3 16003] and labels [16003 16002]", r, l.segs(r.Segments))
	}
	rt, _ := l.route("p1", l.lo("p2"))
	if b := rt.Nexthops[0].Backup; b == nil || b.Addr != l.addr("p5", "p1") || !slices.Equal(b.Labels, []uint32{16003, 16002}) {
		t.Errorf("p1's route to p2 reaches the RIB with backup %+v, want via p5 pushing 16003/16002", b)
	}
	lsp, ok := l.net.Router("p1").Table().LSP(router.ProtoSR, l.lo("p2"))
	if !ok || len(lsp.Nexthops) != 1 {
		t.Fatalf("p1's SR LSP for p2: %+v", lsp)
	}
	if b := lsp.Nexthops[0].Backup; b == nil || b.Addr != l.addr("p5", "p1") || b.OutLabel != 16002 || !slices.Equal(b.Push, []uint32{16003}) {
		t.Errorf("p1's LFIB backup for 16002: %+v, want swap to 16002 and push 16003 via p5", b)
	}
	// p3, two hops away: p5's own shortest path avoids p2 altogether, so
	// the post-convergence path needs no segment and protects the node.
	rows = frrRows(l, "p1", l.lo("p3"))
	if len(rows) != 1 || rows[0].Repair != "ti-lfa" || rows[0].Protection != "node" || len(rows[0].Segments) != 0 || rows[0].Backup != l.addr("p5", "p1") {
		t.Errorf("p1's cover for p3: %+v, want ti-lfa node protection via p5, no segments", rows)
	}
	// Every destination of every router is covered: the ring is
	// 2-connected.
	for _, n := range []string{"p1", "p2", "p3", "p4", "p5"} {
		l.net.Router(n).Do(func() {
			for _, row := range l.igp[n].FRR() {
				if !row.Backup.IsValid() {
					t.Errorf("%s leaves %s unprotected (%s)", n, row.Prefix, row.Why)
				}
			}
		})
	}
}

// With p3-p4 dear (100), no shortest path takes that link: the repair
// list pins it with p4's adjacency SID towards p3, after a node segment
// to p4. Once the link p1-p2 has failed and the IGP has reconverged, p1
// routes to p2 along that very path (p5, p4, p3), and the backup is gone.
func TestTILFAPinsALinkNoShortestPathTakesWithAnAdjacencySID(t *testing.T) {
	l := newLab(t, load(t, ringYAML(100)), nil)
	l.settle(10 * time.Second)
	var adj uint32
	l.net.Router("p1").Do(func() {
		adj, _ = l.igp["p1"].AdjacencySID(l.m.Node("p4").RouterID, l.m.Node("p3").RouterID, l.addr("p4", "p3"))
	})
	if adj == 0 {
		t.Fatal("p1 does not know p4's adjacency SID to p3")
	}
	rows := frrRows(l, "p1", l.lo("p2"))
	want := []string{"node p4 16004", fmt.Sprintf("adj p4->p3 %d", adj)}
	if len(rows) != 1 || rows[0].Repair != "ti-lfa" || rows[0].Backup != l.addr("p5", "p1") || !slices.Equal(l.segs(rows[0].Segments), want) ||
		!slices.Equal(rows[0].BackupLabels, []uint32{16004, adj, 16002}) {
		t.Fatalf("p1's cover for p2: %+v (segments %v), want ti-lfa via p5 with %v then 16002", rows, l.segs(rows[0].Segments), want)
	}
	l.link("p1", "p2").SetUp(false)
	l.settle(5 * time.Second)
	l.want("p1", l.lo("p2"), 130, "p5")
	l.want("p5", l.lo("p2"), 120, "p4")
	l.want("p4", l.lo("p2"), 110, "p3")
	rt, _ := l.route("p1", l.lo("p2"))
	if b := rt.Nexthops[0].Backup; b != nil {
		t.Errorf("after reconvergence p1's route to p2 still has a backup %+v: p1 has no other neighbour", b)
	}
}

// With LDP there are no segments, but the post-convergence path's one
// node segment is a remote LFA's PQ node (RFC 7490): p3 is in p5's
// P-space (p5 reaches it by p4, not through p1-p2) and in p2's Q-space
// (its own path to p2 is the link p3-p2). p1's route to p2 leaves the
// backup via p5 with p3 as its Remote end, for LDP to tunnel to. With
// p3-p4 dear the path needs an adjacency too: no PQ node, no cover.
func TestRemoteLFAPicksThePQNodeOnThePostConvergencePathForLDP(t *testing.T) {
	l := newLab(t, load(t, ringYAMLMode("ldp", 10)), nil)
	l.settle(10 * time.Second)
	rows := frrRows(l, "p1", l.lo("p2"))
	p3 := l.m.Node("p3").RouterID
	if len(rows) != 1 || rows[0].Repair != "rlfa" || rows[0].PQ != p3 || rows[0].Protection != "link" || rows[0].Backup != l.addr("p5", "p1") {
		t.Fatalf("p1's cover for p2: %+v, want rlfa via p5 to PQ node p3, link protection", rows)
	}
	rt, _ := l.route("p1", l.lo("p2"))
	if b := rt.Nexthops[0].Backup; b == nil || b.Addr != l.addr("p5", "p1") || b.Remote != p3 || len(b.Labels) != 0 {
		t.Errorf("p1's route to p2 reaches the RIB with backup %+v, want via p5 to remote p3, no labels of its own", b)
	}
	// p3, two hops away, has a plain LFA (p5) and no remote one.
	rows = frrRows(l, "p1", l.lo("p3"))
	if len(rows) != 1 || rows[0].Repair != "lfa" || rows[0].PQ.IsValid() {
		t.Errorf("p1's cover for p3: %+v, want a plain LFA", rows)
	}

	l = newLab(t, load(t, ringYAMLMode("ldp", 100)), nil)
	l.settle(10 * time.Second)
	rows = frrRows(l, "p1", l.lo("p2"))
	if len(rows) != 1 || rows[0].Backup.IsValid() || rows[0].Why != "no PQ node on the repair path" {
		t.Errorf("p1's cover for p2 with p3-p4 dear: %+v, want none: no PQ node on the repair path", rows)
	}
}
