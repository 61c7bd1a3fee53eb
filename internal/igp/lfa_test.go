package igp_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/topology"
)

// lfaTopology: s reaches d through e (20). n1 reaches d only through e, so
// it protects the link s-e alone; n2 has its own, dearer way to d and
// protects against e failing too. x hangs off s alone: nobody else
// reaches it without s.
const lfaTopology = `
defaults: {asn: 65000}
nodes:
  s: {role: p}
  e: {role: p}
  d: {role: p}
  n1: {role: p}
  n2: {role: p}
  x: {role: p}
links:
  - {a: s, b: e}
  - {a: e, b: d}
  - {a: s, b: n1}
  - {a: n1, b: e}
  - {a: s, b: n2}
  - {a: n2, b: d, cost: 25}
  - {a: s, b: x}
`

func frrRows(l *lab, node string, p netip.Prefix) []igp.FRRRow {
	var rows []igp.FRRRow
	l.net.Router(node).Do(func() {
		for _, r := range l.igp[node].FRR() {
			if r.Prefix == p {
				rows = append(rows, r)
			}
		}
	})
	return rows
}

func TestLFAPrefersANodeProtectingNeighbourOverACheaperLinkProtectingOne(t *testing.T) {
	l := newLab(t, load(t, lfaTopology), nil)
	l.settle(5 * time.Second)
	rows := frrRows(l, "s", l.lo("d"))
	if len(rows) != 1 || rows[0].Nexthop != l.addr("e", "s") || rows[0].Protection != "node" || rows[0].Backup != l.addr("n2", "s") || rows[0].BackupIface != l.ifname("s", "n2") {
		t.Fatalf("s's cover for d: %+v, want node protection via n2", rows)
	}
	r, _ := l.route("s", l.lo("d"))
	if b := r.Nexthops[0].Backup; b == nil || b.Addr != l.addr("n2", "s") {
		t.Errorf("s's route to d reaches the RIB with backup %+v, want n2", b)
	}
	// For e itself no neighbour avoids e: n1 protects the link (its way
	// to e does not come back through s), and is cheaper than n2.
	rows = frrRows(l, "s", l.lo("e"))
	if len(rows) != 1 || rows[0].Protection != "link" || rows[0].Backup != l.addr("n1", "s") {
		t.Errorf("s's cover for e: %+v, want link protection via n1", rows)
	}
}

func TestARouterReachedOnlyThroughUsIsUnprotectedAndSaysWhy(t *testing.T) {
	l := newLab(t, load(t, lfaTopology), nil)
	l.settle(5 * time.Second)
	rows := frrRows(l, "s", l.lo("x"))
	if len(rows) != 1 || rows[0].Protection != "unprotected" || rows[0].Why != "no path avoids the link" || rows[0].Backup.IsValid() {
		t.Errorf("s's cover for x: %+v, want unprotected, no path avoids the link", rows)
	}
	// x itself has one neighbour.
	rows = frrRows(l, "x", l.lo("d"))
	if len(rows) != 1 || rows[0].Protection != "unprotected" || rows[0].Why != "no other neighbour in the area" {
		t.Errorf("x's cover for d: %+v, want unprotected, no other neighbour", rows)
	}
}

func TestEqualCostFirstHopsProtectEachOther(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l := newLab(t, m, nil)
	l.settle(5 * time.Second)
	rows := frrRows(l, "pe1", l.lo("pe2"))
	if len(rows) != 2 {
		t.Fatalf("pe1's cover for pe2: %+v, want two ECMP rows", rows)
	}
	for _, r := range rows {
		if r.Protection != "ecmp" || !r.Backup.IsValid() || r.Backup == r.Nexthop {
			t.Errorf("pe1's cover for pe2: %+v, want each member backed by the other", r)
		}
	}
}

func TestFastRerouteOffLeavesRoutesWithoutBackups(t *testing.T) {
	l := newLab(t, load(t, strings.Replace(lfaTopology, "{asn: 65000}", "{asn: 65000, frr: false}", 1)), nil)
	l.settle(5 * time.Second)
	r, _ := l.route("s", l.lo("d"))
	if r.Nexthops[0].Backup != nil {
		t.Errorf("with frr: false, s's route to d has backup %+v", r.Nexthops[0].Backup)
	}
	if rows := frrRows(l, "s", l.lo("d")); len(rows) != 1 || rows[0].Why != "fast reroute off" {
		t.Errorf("with frr: false: %+v, want unprotected, fast reroute off", rows)
	}
}
