package igp_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
)

// chainYAML is r1 - r2 - r3 - r4, costs 10.
const chainYAML = `
name: chain
defaults: {asn: 65000}
nodes:
  r1: {role: p, loopback: 10.255.0.1}
  r2: {role: p, loopback: 10.255.0.2}
  r3: {role: p, loopback: 10.255.0.3}
  r4: {role: p, loopback: 10.255.0.4}
links:
  - {a: r1, b: r2, subnet: 10.0.12.0/31, latency: 10ms}
  - {a: r2, b: r3, subnet: 10.0.23.0/31, latency: 30ms}
  - {a: r3, b: r4, subnet: 10.0.34.0/31, latency: 10ms}
`

// lsaSeq returns the sequence number of the router LSA of origin in
// node's database (0 when absent).
func (l *lab) lsaSeq(node, origin string) igp.SeqNum {
	var seq igp.SeqNum
	l.net.Router(node).Do(func() {
		for _, s := range l.igp[node].Database() {
			for _, lsa := range s.LSAs {
				if lsa.Type == igp.TypeRouter && lsa.AdvRouter == l.lo(origin).Addr() {
					seq = lsa.Seq
				}
			}
		}
	})
	return seq
}

// TestPartitionAndHeal cuts the chain in the middle: each side loses the
// other's routes at once, though the stale LSAs stay in its database.
// Changes made on one side while cut off reach the other when the link
// comes back and the databases resynchronise.
func TestPartitionAndHeal(t *testing.T) {
	l := newLab(t, load(t, chainYAML), nil)
	l.settle(5 * time.Second)
	l.want("r1", l.lo("r4"), 30, "r2")
	l.want("r4", l.lo("r1"), 30, "r3")

	l.link("r2", "r3").SetUp(false)
	// Carrier loss: r2 and r3 re-originate at once (their LSAs are older
	// than MinLSInterval), and SPF runs with no delay; 30 ms is enough for
	// the news to cross one 10 ms hop.
	l.settle(30 * time.Millisecond)
	for _, cut := range []struct{ node, far string }{{"r1", "r3"}, {"r1", "r4"}, {"r2", "r3"}, {"r2", "r4"}, {"r3", "r1"}, {"r4", "r2"}} {
		l.wantNone(cut.node, l.lo(cut.far))
	}
	l.wantNone("r1", pfx("10.0.34.0/31"))
	l.want("r1", l.lo("r2"), 10, "r2")
	if l.lsaSeq("r1", "r4") == 0 {
		t.Errorf("r1 dropped r4's router LSA; it should stay (stale, unused) until MaxAge")
	}

	// While cut off, r3-r4 fails too: only r3's side hears of it.
	before := l.lsaSeq("r1", "r4")
	l.link("r3", "r4").SetUp(false)
	l.settle(5 * time.Second)
	if got := l.lsaSeq("r1", "r4"); got != before {
		t.Errorf("r1 saw r4's LSA change across the partition: %s -> %s", before, got)
	}
	l.link("r3", "r4").SetUp(true)
	l.settle(5 * time.Second)
	newSeq := l.lsaSeq("r4", "r4")

	l.link("r2", "r3").SetUp(true)
	l.settle(5 * time.Second)
	l.want("r1", l.lo("r4"), 30, "r2")
	l.want("r4", l.lo("r1"), 30, "r3")
	l.want("r1", pfx("10.0.34.0/31"), 30, "r2")
	for _, n := range []string{"r1", "r2", "r3"} {
		if got := l.lsaSeq(n, "r4"); got != newSeq {
			t.Errorf("%s has r4's LSA %s after healing, want %s (r4's own)", n, got, newSeq)
		}
	}
}

// TestDeadInterval: hellos stop but the carrier stays up (a hung
// neighbour): the adjacency goes only when the dead interval, 40 s after
// the last hello heard, runs out.
func TestDeadInterval(t *testing.T) {
	l := newLab(t, load(t, chainYAML), nil)
	l.settle(5 * time.Second)
	// r2's hellos: at 0 (heard at 10 ms), a triggered one at 10 ms when it
	// heard r1 (heard at 20 ms), then every 10 s. Blackholing at 5 s loses
	// the one of 10 s, so r1 last heard r2 at 20 ms and gives up at 40.02 s.
	l.link("r1", "r2").SetBlackhole(true)
	l.net.Clock.AdvanceTo(routertestEpoch().Add(40*time.Second + 19*time.Millisecond))
	if st := l.nbrState("r1", "r2"); st != igp.StateFull {
		t.Fatalf("r1-r2 %s at 40.019s, want still Full", st)
	}
	l.net.Clock.AdvanceTo(routertestEpoch().Add(40*time.Second + 21*time.Millisecond))
	if st := l.nbrState("r1", "r2"); st != igp.StateDown {
		t.Fatalf("r1-r2 %s at 40.021s, want gone", st)
	}
	ev := l.net.Router("r1").Events("adjacency-down")
	if len(ev) != 1 || !strings.Contains(ev[0].Detail, "dead timer expired") {
		t.Errorf("adjacency-down events = %v", ev)
	}
	l.settle(100 * time.Millisecond)
	l.wantNone("r1", l.lo("r2"))

	l.link("r1", "r2").SetBlackhole(false)
	l.settle(15 * time.Second) // the next hellos, at most 10 s away, bring it back
	if st := l.nbrState("r1", "r2"); st != igp.StateFull {
		t.Fatalf("r1-r2 %s after the blackhole ended, want Full", st)
	}
	l.want("r1", l.lo("r4"), 30, "r2")
}

func (l *lab) nbrState(node, peer string) igp.NeighborState {
	st := igp.StateDown
	l.net.Router(node).Do(func() {
		for _, n := range l.igp[node].Neighbors() {
			if n.RouterID == l.lo(peer).Addr() {
				st = n.State
			}
		}
	})
	return st
}

// TestNeighborsAndEvents checks the show data and the event log of one
// adjacency's life.
func TestNeighborsAndEvents(t *testing.T) {
	l := newLab(t, load(t, chainYAML), nil)
	l.settle(5 * time.Second)
	var nb []igp.Neighbor
	l.net.Router("r2").Do(func() { nb = l.igp["r2"].Neighbors() })
	if len(nb) != 2 {
		t.Fatalf("r2 neighbours = %+v", nb)
	}
	n := nb[0]
	if n.RouterID != l.lo("r1").Addr() || n.State != igp.StateFull || n.Interface != l.ifname("r2", "r1") ||
		n.Address != l.addr("r1", "r2") || n.IfAddr != l.addr("r2", "r1") || n.Area != 0 {
		t.Errorf("r2's first neighbour = %+v", n)
	}
	// The last hello r2 heard from r1 is the triggered one r1 sent at 10 ms
	// on hearing r2: heard at 20 ms, so dead at 40.02 s, 35.02 s from now.
	if time.Duration(n.DeadTime) != 35*time.Second+20*time.Millisecond {
		t.Errorf("dead time = %s, want 35.02s", n.DeadTime)
	}
	// Adjacency timeline over a 10 ms link: hellos cross (10 ms), the
	// triggered hellos listing each other cross (20 ms), the DBDescs
	// cross (30 ms), requests (40 ms), updates (50 ms): Full at 50 ms.
	up := l.net.Router("r1").Events("adjacency-up")
	if len(up) != 1 || up[0].Time.Sub(routertestEpoch()) != 50*time.Millisecond {
		t.Errorf("r1 adjacency-up events = %v, want one at 50ms", up)
	}
	l.link("r1", "r2").SetUp(false)
	down := l.net.Router("r1").Events("adjacency-down")
	if len(down) != 1 || !strings.Contains(down[0].Detail, "interface down") {
		t.Errorf("r1 adjacency-down events = %v", down)
	}
	if spf := l.net.Router("r1").Events("spf"); len(spf) == 0 {
		t.Errorf("no spf events")
	}
}

// TestDatabase checks the LSDB of the chain: one router LSA per router
// with its links, the same everywhere.
func TestDatabase(t *testing.T) {
	l := newLab(t, load(t, chainYAML), nil)
	l.settle(5 * time.Second)
	var db []igp.DatabaseScope
	l.net.Router("r1").Do(func() { db = l.igp["r1"].DatabaseDetail() })
	if len(db) != 2 || db[0].Area == nil || *db[0].Area != 0 || db[1].Area != nil {
		t.Fatalf("scopes = %+v, want area 0 and the AS scope", db)
	}
	wantLinks := map[string]int{"r1": 3, "r2": 5, "r3": 5, "r4": 3} // p2p + stub per link, + loopback
	if len(db[0].LSAs) != 4 {
		t.Fatalf("area 0 holds %d LSAs, want 4 router LSAs", len(db[0].LSAs))
	}
	for i, name := range []string{"r1", "r2", "r3", "r4"} {
		lsa := db[0].LSAs[i]
		if lsa.Type != igp.TypeRouter || lsa.AdvRouter != l.lo(name).Addr() || lsa.LinkStateID != lsa.AdvRouter || lsa.LinkCount != wantLinks[name] {
			t.Errorf("LSA %d = %+v, want %s's router LSA with %d links", i, lsa, name, wantLinks[name])
		}
		if lsa.Seq < igp.SeqNum(igp.InitialSeq) || lsa.Age > 5 {
			t.Errorf("%s LSA seq %s age %d", name, lsa.Seq, lsa.Age)
		}
	}
	r2 := db[0].LSAs[1].Detail
	var p2p []netip.Addr
	for _, k := range r2.Links {
		if k.Type == "point-to-point" {
			p2p = append(p2p, k.LinkID)
			if k.LinkData != l.addr("r2", map[bool]string{true: "r1", false: "r3"}[k.LinkID == l.lo("r1").Addr()]) {
				t.Errorf("r2 link to %s has link data %s", k.LinkID, k.LinkData)
			}
		}
	}
	if len(p2p) != 2 {
		t.Errorf("r2 p2p links = %v", p2p)
	}
	// Everyone holds the same instances.
	for _, n := range []string{"r2", "r3", "r4"} {
		for _, o := range []string{"r1", "r2", "r3", "r4"} {
			if a, b := l.lsaSeq(n, o), l.lsaSeq("r1", o); a != b {
				t.Errorf("%s has %s's LSA at %s, r1 at %s", n, o, a, b)
			}
		}
	}
}
