package igp_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
)

// rangesYAML is three areas, all costs 10, area 1 summarised by the range
// 10.255.1.0/24 that holds its two PEs' loopbacks:
//
//	           r0 (0)
//	          /      \
//	   abr1 (0|1)   abr2 (0|2)
//	       |            |
//	   pe1a (1)      pe2 (2)
//	     /    \
//	pe1b (1)  x1 (1, loopback outside the range)
const rangesYAML = `
name: ranges
defaults: {asn: 65000}
nodes:
  r0: {role: p, loopback: 10.255.0.10, area: 0}
  abr1: {role: p, loopback: 10.255.0.1, area: 0}
  abr2: {role: p, loopback: 10.255.0.2, area: 0}
  pe1a: {role: pe, loopback: 10.255.1.1, area: 1}
  pe1b: {role: pe, loopback: 10.255.1.2, area: 1}
  x1: {role: p, loopback: 10.255.9.9, area: 1}
  pe2: {role: pe, loopback: 10.255.2.2, area: 2}
links:
  - {a: r0, b: abr1, subnet: 10.0.1.0/31}
  - {a: r0, b: abr2, subnet: 10.0.2.0/31}
  - {a: abr1, b: pe1a, subnet: 10.1.1.0/31, area: 1}
  - {a: pe1a, b: pe1b, subnet: 10.1.2.0/31}
  - {a: pe1a, b: x1, subnet: 10.1.3.0/31}
  - {a: abr2, b: pe2, subnet: 10.2.1.0/31, area: 2}
areas:
  1: {ranges: [10.255.1.0/24]}
`

var range1 = pfx("10.255.1.0/24")

// summariesBy lists the prefixes of the live summary LSAs adv originated
// into area a, as node's database holds them.
func (l *lab) summariesBy(node, adv string, a igp.Area) []netip.Prefix {
	var out []netip.Prefix
	l.net.Router(node).Do(func() {
		for _, s := range l.igp[node].Database() {
			if s.Area == nil || *s.Area != a {
				continue
			}
			for _, x := range s.LSAs {
				if x.Type == igp.TypeSummary && x.AdvRouter == l.lo(adv).Addr() && !x.MaxAge {
					out = append(out, x.Route)
				}
			}
		}
	})
	return out
}

// walk follows the OSPF tables hop by hop from node towards dst, by
// longest match and the first nexthop, and returns the routers visited;
// it stops at the router whose loopback dst is, or where no route leads.
func (l *lab) walk(node string, dst netip.Addr) []string {
	owner := map[netip.Addr]string{}
	for _, n := range l.m.Nodes {
		for _, i := range n.Interfaces {
			owner[i.Addr.Addr()] = n.Name
		}
	}
	path := []string{node}
	for len(path) < 16 && l.lo(node).Addr() != dst {
		var best *netip.Prefix
		var next string
		for _, r := range l.net.Router(node).Table().BestRoutes("") {
			if r.Prefix.Contains(dst) && (best == nil || r.Prefix.Bits() > best.Bits()) && len(r.Nexthops) > 0 && r.Nexthops[0].Addr.IsValid() {
				p := r.Prefix
				best, next = &p, owner[r.Nexthops[0].Addr]
			}
		}
		if best == nil || next == "" {
			break
		}
		node = next
		path = append(path, node)
	}
	return path
}

func TestAnAreaRangeReplacesTheLoopbacksItHoldsOutsideTheArea(t *testing.T) {
	l := newLab(t, load(t, rangesYAML), nil)
	l.settle(10 * time.Second)

	// abr1 reaches pe1a at 10 and pe1b at 20: the range goes out at 20.
	l.want("r0", range1, 30, "abr1")
	l.want("abr2", range1, 40, "r0")
	l.want("pe2", range1, 50, "abr2")
	for _, n := range []string{"r0", "abr2", "pe2"} {
		l.wantNone(n, l.lo("pe1a"))
		l.wantNone(n, l.lo("pe1b"))
		if r, _ := l.route(n, range1); r.Info != "inter-area" {
			t.Errorf("%s %s info = %q, want inter-area", n, range1, r.Info)
		}
	}
	// Inside area 1 the /32s stay, and the area gets no summary of its
	// own range.
	l.want("pe1b", l.lo("pe1a"), 10, "pe1a")
	l.want("x1", l.lo("pe1b"), 20, "pe1a")
	l.want("abr1", l.lo("pe1b"), 20, "pe1a")
	for _, n := range []string{"pe1a", "pe1b", "x1", "abr1"} {
		l.wantNone(n, range1)
	}
	if got := l.summariesBy("pe1a", "abr1", 1); slices.Contains(got, range1) {
		t.Errorf("abr1 summarises area 1's range back into area 1: %v", got)
	}
	// abr1's summaries into the backbone: the range, but no 10.255.1.x/32.
	got := l.summariesBy("r0", "abr1", 0)
	if !slices.Contains(got, range1) {
		t.Errorf("abr1's summaries into the backbone lack %s: %v", range1, got)
	}
	for _, p := range got {
		if p != range1 && range1.Overlaps(p) {
			t.Errorf("abr1 still summarises %s inside the range", p)
		}
	}
}

func TestRoutesOutsideEveryRangeAreStillSummarisedOneByOne(t *testing.T) {
	l := newLab(t, load(t, rangesYAML), nil)
	l.settle(10 * time.Second)
	l.want("r0", l.lo("x1"), 30, "abr1")
	l.want("pe2", l.lo("x1"), 50, "abr2")
	l.want("r0", pfx("10.1.2.0/31"), 30, "abr1") // pe1a-pe1b's subnet: 10 + 10 from abr1
	// The other direction has no range: area 2 and the backbone's
	// loopbacks reach area 1 one by one.
	l.want("pe1b", l.lo("pe2"), 50, "pe1a")
	l.want("pe1b", l.lo("r0"), 30, "pe1a")
}

func TestTrafficFromAnotherAreaReachesALoopbackThroughTheRange(t *testing.T) {
	l := newLab(t, load(t, rangesYAML), nil)
	l.settle(10 * time.Second)
	for _, c := range []struct {
		from, to string
		want     string
	}{
		{"pe2", "pe1b", "pe2 abr2 r0 abr1 pe1a pe1b"},
		{"pe2", "pe1a", "pe2 abr2 r0 abr1 pe1a"},
		{"pe1b", "pe2", "pe1b pe1a abr1 r0 abr2 pe2"},
	} {
		var path []string
		l.net.Router(c.from).Do(func() { path = l.walk(c.from, l.lo(c.to).Addr()) })
		if got := strings.Join(path, " "); got != c.want {
			t.Errorf("%s -> %s goes %s, want %s", c.from, c.to, got, c.want)
		}
	}
}

// TestARangeFollowsItsComponents: its cost is the largest of the routes
// it holds, so it drops when the farthest goes; when none is left, the
// range is withdrawn; when they come back, so does the range.
func TestARangeFollowsItsComponents(t *testing.T) {
	l := newLab(t, load(t, rangesYAML), nil)
	l.settle(10 * time.Second)
	l.want("r0", range1, 30, "abr1")

	l.link("pe1a", "pe1b").SetUp(false)
	l.settle(10 * time.Second)
	l.want("r0", range1, 20, "abr1") // pe1a alone, at 10 from abr1
	l.wantNone("r0", l.lo("pe1b"))

	l.link("abr1", "pe1a").SetUp(false)
	l.settle(10 * time.Second)
	for _, n := range []string{"r0", "abr2", "pe2"} {
		l.wantNone(n, range1)
	}
	if got := l.summariesBy("r0", "abr1", 0); slices.Contains(got, range1) {
		t.Errorf("abr1 still summarises %s with no component left: %v", range1, got)
	}
	var rs []igp.RangeStatus
	l.net.Router("abr1").Do(func() { rs = l.igp["abr1"].Ranges() })
	if len(rs) != 1 || rs[0].Active || rs[0].Advertised {
		t.Errorf("abr1 ranges = %+v, want one inactive", rs)
	}

	l.link("abr1", "pe1a").SetUp(true)
	l.link("pe1a", "pe1b").SetUp(true)
	l.settle(10 * time.Second)
	l.want("r0", range1, 30, "abr1")
	l.want("pe2", range1, 50, "abr2")
	l.wantNone("r0", l.lo("pe1a"))
}

// TestTwoBorderRoutersOfARangedAreaIgnoreEachOthersRange: with a second
// ABR into area 1, each advertises the range and neither takes the
// other's summary of it (RFC 2328 16.2 step 3), while the backbone has
// both ways in at equal cost.
func TestTwoBorderRoutersOfARangedAreaIgnoreEachOthersRange(t *testing.T) {
	yaml := strings.Replace(rangesYAML, "areas:", "  - {a: r0, b: abr3, subnet: 10.0.3.0/31}\n  - {a: abr3, b: pe1b, subnet: 10.1.4.0/31, area: 1}\nareas:", 1)
	yaml = strings.Replace(yaml, "  pe2: {", "  abr3: {role: p, loopback: 10.255.0.3, area: 0}\n  pe2: {", 1)
	l := newLab(t, load(t, yaml), nil)
	l.settle(10 * time.Second)
	// abr1: pe1a 10, pe1b 20; abr3: pe1b 10, pe1a 20. Both go out at 20.
	l.want("r0", range1, 30, "abr1", "abr3")
	for _, n := range []string{"abr1", "abr3"} {
		l.wantNone(n, range1)
	}
	var rs []igp.RangeStatus
	l.net.Router("abr3").Do(func() { rs = l.igp["abr3"].Ranges() })
	want := []igp.RangeStatus{{Area: 1, Prefix: range1, Active: true, Advertised: true, Cost: 20}}
	if !slices.Equal(rs, want) {
		t.Errorf("abr3 ranges = %+v, want %+v", rs, want)
	}
}

// TestSRPrefixesInsideARangeKeepTheirOwnSummaries: a loopback with a
// prefix SID is still summarised on its own, with its extended prefix
// LSA, so that the SR LSP to it crosses areas; the range goes out beside.
func TestSRPrefixesInsideARangeKeepTheirOwnSummaries(t *testing.T) {
	yaml := strings.Replace(rangesYAML, "defaults: {asn: 65000}", "defaults: {asn: 65000, label_mode: sr}", 1)
	l := newLab(t, load(t, yaml), nil)
	l.settle(10 * time.Second)
	l.want("r0", range1, 30, "abr1")
	l.want("r0", l.lo("pe1b"), 30, "abr1")
	l.want("pe2", l.lo("pe1a"), 40, "abr2")
	var sids []igp.SRBinding
	l.net.Router("pe2").Do(func() { sids = l.igp["pe2"].SRBindings() })
	found := false
	for _, b := range sids {
		if b.Prefix == l.lo("pe1b") {
			found = true
		}
	}
	if !found {
		t.Errorf("pe2 has no SID for pe1b's loopback %s: %+v", l.lo("pe1b"), sids)
	}
}

func TestFromModelGivesARouterTheRangesOfItsAreasOnly(t *testing.T) {
	m := load(t, strings.Replace(rangesYAML, "  1: {ranges: [10.255.1.0/24]}", "  1: {ranges: [10.255.1.0/24]}\n  2: {ranges: [10.255.2.0/24]}", 1))
	for _, c := range []struct {
		node string
		want []igp.Area
	}{{"abr1", []igp.Area{1}}, {"abr2", []igp.Area{2}}, {"r0", nil}, {"pe1a", []igp.Area{1}}} {
		cfg := igp.FromModel(m, m.Node(c.node))
		var got []igp.Area
		for a := range cfg.Ranges {
			got = append(got, a)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: ranges of areas %v, want %v", c.node, got, c.want)
		}
	}
}
