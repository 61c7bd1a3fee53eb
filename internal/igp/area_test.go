package igp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
)

// areasYAML is a ring through three areas, all costs 10:
//
//	     r0 (area 0)
//	    /          \
//	abr1 (0|1)    abr2 (0|2)
//	  |              |
//	a1 (1)         a2 (2)
//	    \          /
//	     x (1|2, no backbone)
//
// x touches areas 1 and 2 but not the backbone, so it is no ABR: it must
// not carry routes between areas 1 and 2, which meet only through the
// backbone.
const areasYAML = `
name: areas
defaults: {asn: 65000}
nodes:
  r0: {role: p, loopback: 10.255.0.10, area: 0}
  abr1: {role: p, loopback: 10.255.0.1, area: 0}
  abr2: {role: p, loopback: 10.255.0.2, area: 0}
  a1: {role: pe, loopback: 10.255.1.1, area: 1}
  a2: {role: pe, loopback: 10.255.2.2, area: 2}
  x: {role: p, loopback: 10.255.3.3, area: 1}
links:
  - {a: r0, b: abr1, subnet: 10.0.1.0/31, area: 0}
  - {a: r0, b: abr2, subnet: 10.0.2.0/31, area: 0}
  - {a: abr1, b: a1, subnet: 10.1.1.0/31, area: 1}
  - {a: a1, b: x, subnet: 10.1.2.0/31, area: 1}
  - {a: x, b: a2, subnet: 10.2.1.0/31, area: 2}
  - {a: a2, b: abr2, subnet: 10.2.2.0/31, area: 2}
`

func TestInterArea(t *testing.T) {
	l := newLab(t, load(t, areasYAML), nil)
	l.settle(10 * time.Second)

	// Within an area: plain intra-area.
	l.want("a1", l.lo("x"), 10, "x")
	l.want("a1", l.lo("abr1"), 10, "abr1") // abr1's loopback is in area 0, summarised into 1 at cost 0
	// a1 to the backbone: abr1 summarises r0's loopback at 10.
	l.want("a1", l.lo("r0"), 20, "abr1")
	l.want("a1", l.lo("abr2"), 30, "abr1")
	// Area 2 from area 1: through the backbone (abr2 summarises a2 into 0 at
	// 10, abr1 reaches abr2 at 20 and summarises a2 into 1 at 30), never
	// through x although x is two hops away (cost 20).
	l.want("a1", l.lo("a2"), 40, "abr1")
	l.want("a2", l.lo("a1"), 40, "abr2")
	l.want("a1", pfx("10.2.2.0/31"), 40, "abr1") // a2-abr2's subnet: abr2 summarises it at 10
	// x's subnet towards a2 is in area 2; a1 sees it only through the backbone.
	l.want("a1", pfx("10.2.1.0/31"), 50, "abr1")
	// The backbone reaches each area through its ABR only.
	l.want("r0", l.lo("a1"), 20, "abr1")
	l.want("r0", l.lo("x"), 30, "abr1") // x's loopback is in area 1
	l.want("r0", l.lo("a2"), 20, "abr2")

	// x is in two areas without the backbone: it uses the summaries of
	// both, equal cost both ways to r0.
	l.want("x", l.lo("r0"), 30, "a1", "a2")
	l.want("x", l.lo("abr1"), 20, "a1") // 0 + 20 in area 1, 20 + 20 through area 2
	l.want("x", l.lo("a2"), 10, "a2")

	for _, c := range []struct{ node, want string }{{"a1", "inter-area"}, {"r0", "inter-area"}} {
		r, _ := l.route(c.node, l.lo("a2"))
		if r.Info != c.want {
			t.Errorf("%s -> a2 info = %q, want %q", c.node, r.Info, c.want)
		}
	}

	// Only abr1 and abr2 are ABRs; x originates no summary.
	for name, inst := range l.igp {
		var st igp.Status
		var summaries int
		l.net.Router(name).Do(func() {
			st = inst.Status()
			for _, s := range inst.Database() {
				for _, lsa := range s.LSAs {
					if lsa.Type == igp.TypeSummary && lsa.AdvRouter == st.RouterID {
						summaries++
					}
				}
			}
		})
		isABR := name == "abr1" || name == "abr2"
		if st.ABR != isABR {
			t.Errorf("%s: ABR = %v, want %v", name, st.ABR, isABR)
		}
		if !isABR && summaries > 0 {
			t.Errorf("%s originates %d summaries, want none", name, summaries)
		}
	}
	// Area 2's database holds no summary from abr1, which is not in it.
	var bad []string
	l.net.Router("a2").Do(func() {
		for _, s := range l.igp["a2"].Database() {
			for _, lsa := range s.LSAs {
				if lsa.AdvRouter == l.lo("abr1").Addr() {
					bad = append(bad, lsa.Type.String())
				}
			}
		}
	})
	if len(bad) > 0 {
		t.Errorf("a2 holds LSAs of abr1: %v", bad)
	}
}

// TestAreaCutOff: when abr1 loses the backbone, area 1 has no way to it
// (x is no ABR), so a1 loses every backbone and area-2 route, and the
// backbone loses area 1; the link coming back restores them.
func TestAreaCutOff(t *testing.T) {
	l := newLab(t, load(t, areasYAML), nil)
	l.settle(10 * time.Second)
	l.want("a1", l.lo("r0"), 20, "abr1")
	l.want("r0", l.lo("a1"), 20, "abr1")

	l.link("r0", "abr1").SetUp(false)
	l.settle(10 * time.Second)
	l.wantNone("a1", l.lo("r0"))
	l.wantNone("a1", l.lo("a2"))
	l.wantNone("r0", l.lo("a1"))
	l.wantNone("a2", l.lo("a1"))
	l.want("a1", l.lo("x"), 10, "x") // area 1 itself still works
	// x still reaches the backbone through area 2.
	l.want("x", l.lo("r0"), 30, "a2")

	l.link("r0", "abr1").SetUp(true)
	l.settle(10 * time.Second)
	l.want("a1", l.lo("r0"), 20, "abr1")
	l.want("a1", l.lo("a2"), 40, "abr1")
	l.want("r0", l.lo("a1"), 20, "abr1")
	l.want("x", l.lo("r0"), 30, "a1", "a2")
}

// TestExternals: a router redistributing prefixes is an ASBR; the others
// get E2 routes with metric 20, across areas through ASBR-summaries.
func TestExternals(t *testing.T) {
	ext := pfx("198.51.100.0/24")
	host := pfx("192.0.2.7/32")
	l := newLab(t, load(t, areasYAML), func(name string, c *igp.Config) {
		if name == "a2" {
			c.Redistribute = []netip.Prefix{ext, host}
		}
	})
	l.settle(10 * time.Second)
	for _, c := range []struct {
		node string
		via  []string
	}{{"x", []string{"a2"}}, {"abr2", []string{"a2"}}, {"r0", []string{"abr2"}}, {"abr1", []string{"r0"}}, {"a1", []string{"abr1"}}} {
		for _, p := range []netip.Prefix{ext, host} {
			l.want(c.node, p, 20, c.via...)
			if r, _ := l.route(c.node, p); r.Info != "external E2" {
				t.Errorf("%s %s info = %q, want external E2", c.node, p, r.Info)
			}
		}
	}
	l.wantNone("a2", ext) // its own
	var rt []igp.Route
	l.net.Router("a1").Do(func() { rt = l.igp["a1"].Routes() })
	for _, r := range rt {
		if r.Prefix == ext && (r.Cost != 40 || r.E2Metric != 20 || r.Type != igp.ExternalE2) {
			// a1 reaches the ASBR a2 at 40 through the backbone (type 4 from abr1).
			t.Errorf("a1 %s: cost %d e2 %d type %s, want forwarding cost 40, E2 20", ext, r.Cost, r.E2Metric, r.Type)
		}
	}
	// Taking a2's uplinks away withdraws the externals everywhere.
	l.link("a2", "abr2").SetUp(false)
	l.link("x", "a2").SetUp(false)
	l.settle(10 * time.Second)
	for _, n := range []string{"x", "abr2", "r0", "abr1", "a1"} {
		l.wantNone(n, ext)
	}
}
