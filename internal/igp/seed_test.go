package igp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/topology"
)

// subnet is the subnet of the nth (from 0) link between a and b.
func (l *lab) subnet(a, b string, nth int) netip.Prefix {
	l.t.Helper()
	for _, k := range l.m.Links {
		if k.A.Node == a && k.B.Node == b || k.A.Node == b && k.B.Node == a {
			if nth == 0 {
				return k.Subnet
			}
			nth--
		}
	}
	l.t.Fatalf("no link %s-%s", a, b)
	return netip.Prefix{}
}

// TestSeedTable checks pe1's whole OSPF table in the seed lab against the
// costs worked out by hand: every core link costs 10 but the second p1-p2
// link (20); pe2's uplink to cloud3 is a passive stub (10).
func TestSeedTable(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l := newLab(t, m, nil)
	l.settle(5 * time.Second)
	type row struct {
		p      netip.Prefix
		metric uint32
		via    []string // neighbours; none: directly attached
	}
	rows := []row{
		{l.lo("p1"), 10, []string{"p1"}},
		{l.lo("p2"), 10, []string{"p2"}},
		{l.lo("pe2"), 20, []string{"p1", "p2"}},             // pe1-p1-pe2 and pe1-p2-pe2
		{l.subnet("p1", "p2", 0), 20, []string{"p1", "p2"}}, // either end's stub, 10 + 10
		{l.subnet("p1", "p2", 1), 30, []string{"p1", "p2"}}, // 10 + 20
		{l.subnet("pe2", "p1", 0), 20, []string{"p1"}},      // p1's stub; pe2's is 20 + 10
		{l.subnet("pe2", "p2", 0), 20, []string{"p2"}},
		{l.subnet("cloud3", "pe2", 0), 30, []string{"p1", "p2"}}, // pe2's passive stub
	}
	for _, r := range rows {
		l.want("pe1", r.p, r.metric, r.via...)
	}
	var rt []igp.Route
	l.net.Router("pe1").Do(func() { rt = l.igp["pe1"].Routes() })
	attached := map[netip.Prefix]string{}
	for _, r := range rt {
		if r.Attached != "" {
			attached[r.Prefix] = r.Attached
		}
	}
	wantAttached := map[netip.Prefix]string{l.lo("pe1"): "lo", l.subnet("pe1", "p1", 0): l.ifname("pe1", "p1"), l.subnet("pe1", "p2", 0): l.ifname("pe1", "p2")}
	if len(rt) != len(rows)+len(wantAttached) || len(attached) != len(wantAttached) {
		t.Errorf("pe1 has %d routes (%d attached), want %d (%d attached): %+v", len(rt), len(attached), len(rows)+len(wantAttached), len(wantAttached), rt)
	}
	for p, ifname := range wantAttached {
		if attached[p] != ifname {
			t.Errorf("%s attached on %q, want %q", p, attached[p], ifname)
		}
	}
	// Every core router is Full with all its core neighbours.
	for name, want := range map[string]int{"p1": 4, "p2": 4, "pe1": 2, "pe2": 2} {
		full := 0
		l.net.Router(name).Do(func() {
			for _, n := range l.igp[name].Neighbors() {
				if n.State == igp.StateFull {
					full++
				}
			}
		})
		if full != want {
			t.Errorf("%s has %d Full neighbours, want %d", name, full, want)
		}
	}
}
