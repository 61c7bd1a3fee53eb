package igp_test

import (
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestPrefixSuppressionLeavesTransitSubnetsOutAndLoopbacksIn is RFC 6860
// on the seed lab: with every core router suppressing, pe1 keeps its
// routes to the loopbacks (same metrics and nexthops as TestSeedTable's)
// and to pe2's passive uplink, and holds none to a transit link's subnet.
func TestPrefixSuppressionLeavesTransitSubnetsOutAndLoopbacksIn(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l := newLab(t, m, func(_ string, c *igp.Config) { c.PrefixSuppression = true })
	l.settle(5 * time.Second)
	l.want("pe1", l.lo("p1"), 10, "p1")
	l.want("pe1", l.lo("p2"), 10, "p2")
	l.want("pe1", l.lo("pe2"), 20, "p1", "p2")
	l.want("pe1", l.subnet("cloud3", "pe2", 0), 30, "p1", "p2") // passive: not transit
	for _, s := range [][2]string{{"p1", "p2"}, {"pe2", "p1"}, {"pe2", "p2"}} {
		l.wantNone("pe1", l.subnet(s[0], s[1], 0))
	}
	l.wantNone("pe1", l.subnet("p1", "p2", 1))
	var rt []igp.Route
	l.net.Router("pe1").Do(func() { rt = l.igp["pe1"].Routes() })
	for _, r := range rt {
		if r.Attached != "" && r.Attached != "lo" {
			t.Errorf("pe1's OSPF table has its transit subnet %s attached on %s", r.Prefix, r.Attached)
		}
	}
}

// TestPrefixSuppressionIsEachRoutersOwn: a subnet stays reachable through
// the end that does not suppress it (RFC 6860 leaves it to each router).
func TestPrefixSuppressionIsEachRoutersOwn(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	l := newLab(t, m, func(name string, c *igp.Config) { c.PrefixSuppression = name == "p1" })
	l.settle(5 * time.Second)
	l.want("pe1", l.subnet("p1", "p2", 0), 20, "p2")        // p2's stub only: 10 + 10
	l.want("pe1", l.subnet("pe2", "p1", 0), 30, "p1", "p2") // pe2's stub: 20 + 10
	l.want("pe1", l.subnet("pe2", "p2", 0), 20, "p2")
	l.want("pe1", l.lo("p1"), 10, "p1")
}
