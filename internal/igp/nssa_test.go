package igp_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
)

// nssaYAML is a backbone with an ASBR of its own and area 1, a totally
// NSSA with two border routers and a range 10.255.1.0/24 holding its PEs'
// loopbacks (and, in the tests, what pe1b redistributes), all costs 10:
//
//	asbr0 (0) -- r0 (0)
//	            /      \
//	     abr1 (0|1)   abr2 (0|1)
//	         |            |
//	     pe1a (1) ---- pe1b (1, redistributes)
//	                  /
//	           abr3 (0|2) -- pe2 (2, a normal area)
//
// abr2 (10.255.0.2) has a higher router id than abr1 and is the area's
// translator; abr3 is no border router of area 1.
const nssaYAML = `
name: nssa
defaults: {asn: 65000}
nodes:
  r0: {role: p, loopback: 10.255.0.10, area: 0}
  asbr0: {role: p, loopback: 10.255.0.20, area: 0}
  abr1: {role: p, loopback: 10.255.0.1, area: 0}
  abr2: {role: p, loopback: 10.255.0.2, area: 0}
  abr3: {role: p, loopback: 10.255.0.3, area: 0}
  pe1a: {role: pe, loopback: 10.255.1.1, area: 1}
  pe1b: {role: pe, loopback: 10.255.1.2, area: 1}
  pe2: {role: pe, loopback: 10.255.2.2, area: 2}
links:
  - {a: r0, b: asbr0, subnet: 10.0.0.0/31}
  - {a: r0, b: abr1, subnet: 10.0.1.0/31}
  - {a: r0, b: abr2, subnet: 10.0.2.0/31}
  - {a: r0, b: abr3, subnet: 10.0.3.0/31}
  - {a: abr1, b: pe1a, subnet: 10.1.1.0/31, area: 1}
  - {a: abr2, b: pe1b, subnet: 10.1.2.0/31, area: 1}
  - {a: pe1a, b: pe1b, subnet: 10.1.3.0/31}
  - {a: abr3, b: pe2, subnet: 10.2.1.0/31, area: 2}
areas:
  1: {nssa: true, no_summary: true, ranges: [10.255.1.0/24]}
`

var (
	nssaRange = pfx("10.255.1.0/24")
	cloudLo   = pfx("10.255.1.100/32") // behind pe1b, inside the range
	cloudLo2  = pfx("10.255.1.101/32")
	outside   = pfx("192.0.2.0/28") // behind pe1b, in no range
	backExt   = pfx("198.51.100.0/24")
)

// nssaLab starts nssaYAML with pe1b redistributing its edge prefixes and
// asbr0 a backbone external.
func nssaLab(t *testing.T, yaml string) *lab {
	t.Helper()
	l := newLab(t, load(t, yaml), func(name string, c *igp.Config) {
		switch name {
		case "pe1b":
			c.Redistribute = []netip.Prefix{cloudLo, cloudLo2, outside}
		case "asbr0":
			c.Redistribute = []netip.Prefix{backExt}
		}
	})
	l.settle(10 * time.Second)
	return l
}

// lsasOf lists the live LSAs of type typ in node's database scope (an
// area, or nil for the AS scope), as "prefix@adv".
func (l *lab) lsasOf(node string, a *igp.Area, typ igp.LSAType) []string {
	var out []string
	l.net.Router(node).Do(func() {
		for _, s := range l.igp[node].Database() {
			if (s.Area == nil) != (a == nil) || s.Area != nil && *s.Area != *a {
				continue
			}
			for _, x := range s.LSAs {
				if x.Type == typ && !x.MaxAge {
					out = append(out, x.Route.String()+"@"+l.nameOf(x.AdvRouter))
				}
			}
		}
	})
	slices.Sort(out)
	return out
}

func (l *lab) nameOf(rid netip.Addr) string {
	for _, n := range l.m.Nodes {
		if n.RouterID == rid {
			return n.Name
		}
	}
	return rid.String()
}

func area(a igp.Area) *igp.Area { return &a }

func TestATotallyNSSAsRoutersHoldTheirAreaItsExternalsAndADefaultOnly(t *testing.T) {
	l := nssaLab(t, nssaYAML)
	var rt []igp.Route
	l.net.Router("pe1a").Do(func() { rt = l.igp["pe1a"].Routes() })
	var got []string
	for _, r := range rt {
		got = append(got, r.Prefix.String()+" "+r.Type.String())
	}
	want := []string{
		"0.0.0.0/0 inter-area",
		"10.1.1.0/31 intra-area", "10.1.2.0/31 intra-area", "10.1.3.0/31 intra-area",
		"10.255.1.1/32 intra-area", "10.255.1.2/32 intra-area",
		"10.255.1.100/32 external E2", "10.255.1.101/32 external E2",
		"192.0.2.0/28 external E2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pe1a's OSPF table:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The default comes from both border routers, at 10 + 1.
	l.want("pe1a", pfx("0.0.0.0/0"), 11, "abr1")
	l.want("pe1b", pfx("0.0.0.0/0"), 11, "abr2")
	l.want("pe1a", cloudLo, 20, "pe1b")
	// Into the area: one type 3 per border router, the default; no type 4,
	// no type 5.
	if got := l.lsasOf("pe1a", area(1), igp.TypeSummary); !slices.Equal(got, []string{"0.0.0.0/0@abr1", "0.0.0.0/0@abr2"}) {
		t.Errorf("area 1's summaries = %v, want the two defaults", got)
	}
	if got := l.lsasOf("pe1a", area(1), igp.TypeASBRSummary); len(got) != 0 {
		t.Errorf("area 1 has ASBR-summaries: %v", got)
	}
	if got := l.lsasOf("pe1a", nil, igp.TypeExternal); len(got) != 0 {
		t.Errorf("pe1a holds AS externals: %v", got)
	}
	want7 := []string{"10.255.1.100/32@pe1b", "10.255.1.101/32@pe1b", "192.0.2.0/28@pe1b"}
	if got := l.lsasOf("pe1a", area(1), igp.TypeNSSA); !slices.Equal(got, want7) {
		t.Errorf("area 1's type 7s = %v, want %v", got, want7)
	}
	// pe1b is an ASBR, with the P-bit on its type 7s and its loopback as
	// forwarding address.
	var st igp.Status
	var db []igp.DatabaseScope
	l.net.Router("pe1b").Do(func() { st, db = l.igp["pe1b"].Status(), l.igp["pe1b"].DatabaseDetail() })
	if !st.ASBR || st.ABR {
		t.Errorf("pe1b status ABR %v ASBR %v, want an ASBR only", st.ABR, st.ASBR)
	}
	for _, s := range db {
		for _, x := range s.LSAs {
			if x.Type == igp.TypeNSSA && x.Type.String() == "nssa-external" && (x.Detail.MetricType != "E2" || !slices.Contains(x.Detail.Flags, "P") || x.Metric != 20) {
				t.Errorf("pe1b's type 7 %s: %+v %+v", x.Route, x, *x.Detail)
			}
		}
	}
}

func TestTheBackboneHoldsOneTranslatedExternalForTheRangeAndNotItsComponents(t *testing.T) {
	l := nssaLab(t, nssaYAML)
	// abr2, the translator, originates the range and the prefix outside
	// it; abr1 translates nothing.
	want := []string{"10.255.1.0/24@abr2", "192.0.2.0/28@abr2", "198.51.100.0/24@asbr0"}
	for _, n := range []string{"r0", "abr3", "pe2", "abr1"} {
		if got := l.lsasOf(n, nil, igp.TypeExternal); !slices.Equal(got, want) {
			t.Errorf("%s's AS externals = %v, want %v", n, got, want)
		}
	}
	for _, n := range []string{"r0", "abr3", "pe2"} {
		l.wantNone(n, cloudLo)
		l.wantNone(n, cloudLo2)
		l.wantNone(n, l.lo("pe1b"))
	}
	// The range's own summary (type 3, from both ABRs) beats the type 5.
	l.want("r0", nssaRange, 30, "abr1", "abr2")
	var st1, st2 igp.Status
	l.net.Router("abr1").Do(func() { st1 = l.igp["abr1"].Status() })
	l.net.Router("abr2").Do(func() { st2 = l.igp["abr2"].Status() })
	if !st1.ABR || st1.ASBR || !st2.ABR || !st2.ASBR {
		t.Errorf("abr1 ABR %v ASBR %v, abr2 ABR %v ASBR %v: want both ABRs, abr2 alone an ASBR", st1.ABR, st1.ASBR, st2.ABR, st2.ASBR)
	}
}

func TestAPrefixOutsideEveryRangeIsTranslatedAloneWithItsForwardingAddress(t *testing.T) {
	l := nssaLab(t, nssaYAML)
	// The type 5 carries pe1b's loopback as forwarding address, which the
	// backbone reaches through the range: both ABRs, not the translator only.
	l.want("r0", outside, 20, "abr1", "abr2")
	l.want("pe2", outside, 20, "abr3")
	var rt []igp.Route
	l.net.Router("r0").Do(func() { rt = l.igp["r0"].Routes() })
	for _, r := range rt {
		if r.Prefix == outside && (r.Type != igp.ExternalE2 || r.Cost != 30) {
			t.Errorf("r0 %s: %s cost %d, want external E2 at forwarding cost 30", outside, r.Type, r.Cost)
		}
	}
	// Without a range the loopbacks translate one by one.
	l = nssaLab(t, strings.Replace(nssaYAML, ", ranges: [10.255.1.0/24]", "", 1))
	want := []string{"10.255.1.100/32@abr2", "10.255.1.101/32@abr2", "192.0.2.0/28@abr2", "198.51.100.0/24@asbr0"}
	if got := l.lsasOf("r0", nil, igp.TypeExternal); !slices.Equal(got, want) {
		t.Errorf("r0's AS externals = %v, want %v", got, want)
	}
	l.want("r0", cloudLo, 20, "abr2") // pe1b's own /32: nearer through abr2
}

func TestASExternalsFromElsewhereDoNotEnterTheNSSA(t *testing.T) {
	l := nssaLab(t, nssaYAML)
	for _, n := range []string{"pe1a", "pe1b"} {
		l.wantNone(n, backExt)
		if got := l.lsasOf(n, nil, igp.TypeExternal); len(got) != 0 {
			t.Errorf("%s holds AS externals: %v", n, got)
		}
	}
	// The area's routers reach it by the default all the same; the rest
	// of the AS by its type 5.
	l.want("pe2", backExt, 20, "abr3")
	l.want("abr1", backExt, 20, "r0")
	var got []string
	l.net.Router("pe1b").Do(func() { got = l.walk("pe1b", backExt.Addr()) })
	if strings.Join(got, " ") != "pe1b abr2 r0 asbr0" {
		t.Errorf("pe1b -> %s goes %v", backExt.Addr(), got)
	}
}

func TestAPlainNSSAGetsSummariesAndATypeSevenDefault(t *testing.T) {
	l := nssaLab(t, strings.Replace(nssaYAML, "no_summary: true, ", "", 1))
	l.want("pe1a", l.lo("pe2"), 40, "abr1") // type 3s come in
	l.want("pe1a", pfx("0.0.0.0/0"), 1, "abr1")
	if got := l.lsasOf("pe1a", area(1), igp.TypeNSSA); !slices.Contains(got, "0.0.0.0/0@abr1") || !slices.Contains(got, "0.0.0.0/0@abr2") {
		t.Errorf("area 1's type 7s = %v, want a default from each border router", got)
	}
	l.wantNone("pe1a", backExt)
	// The defaults are no translator's business.
	if got := l.lsasOf("r0", nil, igp.TypeExternal); slices.Contains(got, "0.0.0.0/0@abr2") {
		t.Errorf("the backbone has a translated default: %v", got)
	}
}

func TestRemovingTheRedistributedPrefixesWithdrawsTheirTranslations(t *testing.T) {
	l := nssaLab(t, nssaYAML)
	l.net.Router("pe1b").Do(func() { l.igp["pe1b"].SetRedistribute([]netip.Prefix{cloudLo2}) })
	l.settle(10 * time.Second)
	l.wantNone("pe1a", cloudLo)
	l.wantNone("pe1a", outside)
	l.want("pe1a", cloudLo2, 20, "pe1b")
	if got := l.lsasOf("r0", nil, igp.TypeExternal); !slices.Equal(got, []string{"10.255.1.0/24@abr2", "198.51.100.0/24@asbr0"}) {
		t.Errorf("r0's AS externals = %v, want the range alone from the area", got)
	}
	l.net.Router("pe1b").Do(func() { l.igp["pe1b"].SetRedistribute(nil) })
	l.settle(10 * time.Second)
	for _, n := range []string{"pe1a", "abr1", "abr2", "r0", "pe2"} {
		for _, p := range []netip.Prefix{cloudLo, cloudLo2, outside} {
			l.wantNone(n, p)
		}
		if got := l.lsasOf(n, area(1), igp.TypeNSSA); n != "r0" && n != "pe2" && len(got) != 0 {
			t.Errorf("%s still holds type 7s: %v", n, got)
		}
	}
	if got := l.lsasOf("r0", nil, igp.TypeExternal); !slices.Equal(got, []string{"198.51.100.0/24@asbr0"}) {
		t.Errorf("r0's AS externals = %v, want asbr0's only", got)
	}
	var st igp.Status
	l.net.Router("abr2").Do(func() { st = l.igp["abr2"].Status() })
	if st.ASBR {
		t.Errorf("abr2 is still an ASBR with nothing to translate")
	}
}

func TestNeighboursDisagreeingOnNSSAFormNoAdjacency(t *testing.T) {
	l := newLab(t, load(t, nssaYAML), func(name string, c *igp.Config) {
		if name == "pe1a" {
			c.NSSA = nil
		}
	})
	l.settle(10 * time.Second)
	var ns []igp.Neighbor
	l.net.Router("pe1a").Do(func() { ns = l.igp["pe1a"].Neighbors() })
	for _, n := range ns {
		if n.State == igp.StateFull {
			t.Errorf("pe1a is Full with %s though they disagree on the area's type", n.RouterID)
		}
	}
}

func TestFromModelGivesARouterTheNSSASettingsOfItsAreas(t *testing.T) {
	m := load(t, nssaYAML)
	for _, c := range []struct {
		node string
		want map[igp.Area]igp.NSSA
	}{{"abr1", map[igp.Area]igp.NSSA{1: {NoSummary: true}}}, {"pe1a", map[igp.Area]igp.NSSA{1: {NoSummary: true}}}, {"r0", nil}, {"pe2", nil}} {
		got := igp.FromModel(m, m.Node(c.node)).NSSA
		if len(got) != len(c.want) || len(got) > 0 && got[1] != c.want[1] {
			t.Errorf("%s: NSSA %v, want %v", c.node, got, c.want)
		}
	}
}

// TestSRLoopbacksStillEnterATotallyNSSA: a prefix with a SID is summarised
// into the area beside the default, as through a range, so that SR LSPs
// leave the area.
func TestSRLoopbacksStillEnterATotallyNSSA(t *testing.T) {
	l := nssaLab(t, strings.Replace(nssaYAML, "defaults: {asn: 65000}", "defaults: {asn: 65000, label_mode: sr}", 1))
	l.want("pe1a", l.lo("pe2"), 40, "abr1")
	l.want("pe1a", pfx("0.0.0.0/0"), 11, "abr1")
	l.wantNone("pe1a", pfx("10.2.1.0/31")) // pe2's link: no SID, the default covers it
	var sids []igp.SRBinding
	l.net.Router("pe1a").Do(func() { sids = l.igp["pe1a"].SRBindings() })
	if !slices.ContainsFunc(sids, func(b igp.SRBinding) bool { return b.Prefix == l.lo("pe2") && len(b.Nexthops) > 0 }) {
		t.Errorf("pe1a has no SR LSP to pe2's loopback %s: %+v", l.lo("pe2"), sids)
	}
	l.want("pe1a", cloudLo, 20, "pe1b")
}
