package srte

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router/routertest"
	"github.com/intercloud/intercloud/internal/topology"
)

// core runs the IGP (SR mode) on every core router of a topology and
// returns a headend on node head, converged.
type core struct {
	m   *topology.Model
	net *routertest.Net
	igp map[string]*igp.Instance
}

func startCore(t testing.TB, yaml string) *core {
	t.Helper()
	res, err := topology.Load("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	c := &core{m: res.Model, net: routertest.FromModel(res.Model), igp: map[string]*igp.Instance{}}
	for _, n := range c.m.Nodes {
		if n.Role.IsCore() {
			r := c.net.Router(n.Name)
			g := igp.New(r, igp.FromModel(c.m, n))
			r.Do(g.Start)
			c.igp[n.Name] = g
		}
	}
	c.net.Clock.Advance(10 * time.Second)
	return c
}

func (c *core) attrs() func(netip.Addr) LinkAttrs {
	m := map[netip.Addr]LinkAttrs{}
	for _, l := range c.m.Links {
		for _, ep := range []topology.Endpoint{l.A, l.B} {
			for _, ifc := range c.m.Node(ep.Node).Interfaces {
				if ifc.Name == ep.Interface {
					m[ifc.Addr.Addr()] = LinkAttrs{Latency: l.Latency, Affinity: l.Affinity}
				}
			}
		}
	}
	return func(a netip.Addr) LinkAttrs { return m[a] }
}

func (c *core) names() func(netip.Addr) string {
	return func(a netip.Addr) string {
		for _, n := range c.m.Nodes {
			if n.Loopback.Addr() == a || n.RouterID == a {
				return n.Name
			}
		}
		return ""
	}
}

func (c *core) headend(t testing.TB, name string) *Headend {
	t.Helper()
	r := c.net.Router(name)
	h := New(Config{Env: r, IGP: c.igp[name], LinkAttrs: c.attrs(), Name: c.names()})
	r.Do(h.Start)
	return h
}

func (c *core) lo(name string) netip.Addr { return c.m.Node(name).Loopback.Addr() }

func (c *core) add(t testing.TB, h *Headend, name string, p Policy) {
	t.Helper()
	var err error
	c.net.Router(name).Do(func() { err = h.Add(p) })
	if err != nil {
		t.Fatal(err)
	}
}

func (c *core) view(h *Headend, name string) []PolicyView {
	var out []PolicyView
	c.net.Router(name).Do(func() { out = h.Policies() })
	return out
}

func segNames(segs []Segment) string {
	var s []string
	for _, x := range segs {
		s = append(s, x.Name)
	}
	return strings.Join(s, " ")
}

// Three ways from pe1 to pe2: p1 (IGP cost 20, 40 ms), p2-p3 (cost 30,
// 3 ms, affinity leased on p2-p3), p4 (cost 30, 10 ms).
const threeWays = `
defaults: {asn: 65000, label_mode: sr}
nodes:
  p1: {role: p}
  p2: {role: p}
  p3: {role: p}
  p4: {role: p}
  pe1: {role: pe}
  pe2: {role: pe}
links:
  - {a: pe1, b: p1, cost: 10, latency: 20ms}
  - {a: p1, b: pe2, cost: 10, latency: 20ms}
  - {a: pe1, b: p2, cost: 10, latency: 1ms}
  - {a: p2, b: p3, cost: 10, latency: 1ms, affinity: [leased]}
  - {a: p3, b: pe2, cost: 10, latency: 1ms}
  - {a: pe1, b: p4, cost: 15, latency: 5ms}
  - {a: p4, b: pe2, cost: 15, latency: 5ms}
`

func TestCSPFMinimisesTheChosenMetricAndEncodesThePathInTheFewestNodeSIDs(t *testing.T) {
	c := startCore(t, threeWays)
	h := c.headend(t, "pe1")
	c.add(t, h, "pe1", Policy{Color: 1, Endpoint: c.lo("pe2"), Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: MetricLatency}}}})
	c.add(t, h, "pe1", Policy{Color: 2, Endpoint: c.lo("pe2"), Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: MetricLatency, ExcludeAny: []string{"leased"}}}}})
	c.add(t, h, "pe1", Policy{Color: 3, Endpoint: c.lo("pe2"), Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: MetricIGP}}}})
	vs := c.view(h, "pe1")
	for i, want := range []struct {
		segs string
		cost uint64
	}{
		{"p3 pe2", 3000},  // the IGP reaches p3 through p2 anyway
		{"p4 pe2", 10000}, // pe2 straight from pe1 would go through p1
		{"pe2", 20},       // the IGP's own path: one SID
	} {
		p := vs[i].Paths[0]
		if !p.Valid || segNames(p.Segments) != want.segs || p.Cost != want.cost {
			t.Errorf("color %d: valid %v segments %q cost %d (%s), want %q cost %d", vs[i].Color, p.Valid, segNames(p.Segments), p.Cost, p.Reason, want.segs, want.cost)
		}
	}
	// The label stack pushed towards p4 (the first segment, a neighbour:
	// nothing pushed for it) is pe2's SID in p4's SRGB.
	nhs, ok := h.Steer(2, c.lo("pe2"))
	want := uint32(topology.SRGBBase + c.m.Node("pe2").SRIndex)
	if !ok || len(nhs) != 1 || len(nhs[0].Labels) != 1 || nhs[0].Labels[0] != want {
		t.Errorf("steering onto color 2: %+v %v, want one nexthop pushing %d", nhs, ok, want)
	}
	if _, ok := h.Steer(9, c.lo("pe2")); ok {
		t.Error("a color without a policy steers")
	}
}

func TestTheHighestPreferenceValidPathIsActive(t *testing.T) {
	c := startCore(t, threeWays)
	h := c.headend(t, "pe1")
	nowhere := netip.MustParseAddr("192.0.2.1")
	c.add(t, h, "pe1", Policy{Color: 1, Endpoint: c.lo("pe2"), Paths: []CandidatePath{
		{Preference: 300, Explicit: []netip.Addr{nowhere}},
		{Preference: 200, Explicit: []netip.Addr{c.lo("p4")}},
		{Preference: 100, Dynamic: &Dynamic{Metric: MetricIGP}},
	}})
	p := c.view(h, "pe1")[0]
	if p.State != "up" || p.ActivePreference != 200 || p.Paths[0].Valid || !strings.Contains(p.Paths[0].Reason, "no node SID") {
		t.Fatalf("policy %+v", p)
	}
	if got := segNames(p.Paths[1].Segments); got != "p4 pe2" {
		t.Errorf("explicit [p4] became %q, want the endpoint added: p4 pe2", got)
	}
}

// A link the IGP does not take between its ends — here the slow-cost,
// low-latency one of two parallel links — is pinned by its adjacency
// SID: from the headend itself by leaving on it, further on by pushing
// the adjacency SID its router advertises.
func TestALinkTheIGPDoesNotUseIsPinnedByItsAdjacencySID(t *testing.T) {
	c := startCore(t, `
defaults: {asn: 65000, label_mode: sr}
nodes:
  p1: {role: p}
  pe1: {role: pe}
  pe2: {role: pe}
links:
  - {a: pe1, b: pe2, cost: 10, latency: 20ms, affinity: [direct]}
  - {a: pe1, b: pe2, cost: 100, latency: 1ms, affinity: [direct]}
  - {a: pe1, b: p1, cost: 10, latency: 20ms}
  - {a: p1, b: pe2, cost: 10, latency: 20ms}
  - {a: p1, b: pe2, cost: 100, latency: 1ms}
`)
	ifc := func(node string, i int) (string, netip.Addr) {
		l := c.m.Links[i]
		ep := l.A
		if ep.Node != node {
			ep = l.B
		}
		for _, x := range c.m.Node(node).Interfaces {
			if x.Name == ep.Interface {
				return x.Name, x.Addr.Addr()
			}
		}
		t.Fatalf("no interface of %s on link %d", node, i)
		return "", netip.Addr{}
	}
	h := c.headend(t, "pe1")
	c.add(t, h, "pe1", Policy{Color: 1, Endpoint: c.lo("pe2"), Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: MetricLatency}}}})
	p := c.view(h, "pe1")[0].Paths[0]
	name, _ := ifc("pe1", 1)
	_, peer := ifc("pe2", 1)
	if !p.Valid || len(p.Segments) != 1 || !p.Segments[0].Adjacency || len(p.Nexthops) != 1 || p.Nexthops[0].Iface != name || p.Nexthops[0].Addr != peer || len(p.Nexthops[0].Labels) != 0 {
		t.Fatalf("over the parallel link: %+v", p)
	}

	// Kept off the direct links, the path crosses p1 and then p1's fast
	// link: p1's node SID (a neighbour: nothing pushed), then the
	// adjacency SID p1 advertises for that link.
	_, fast := ifc("p1", 4)
	var want uint32
	c.net.Router("p1").Do(func() {
		for _, a := range c.igp["p1"].AdjSIDs() {
			if a.Local && a.IfAddr == fast {
				want = a.Label
			}
		}
	})
	c.add(t, h, "pe1", Policy{Color: 2, Endpoint: c.lo("pe2"), Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: MetricLatency, ExcludeAny: []string{"direct"}}}}})
	p = c.view(h, "pe1")[1].Paths[0]
	if want == 0 || !p.Valid || len(p.Segments) != 2 || p.Segments[0].Name != "p1" || !p.Segments[1].Adjacency ||
		len(p.Nexthops) != 1 || len(p.Nexthops[0].Labels) != 1 || p.Nexthops[0].Labels[0] != want {
		t.Fatalf("through p1's fast link (adjacency SID %d): %+v", want, p)
	}
}

func TestAStrictPathBreaksWithItsLinkAndComesBack(t *testing.T) {
	c := startCore(t, threeWays)
	h := c.headend(t, "pe1")
	changes := 0
	c.net.Router("pe1").Do(func() { h.OnChange(func() { changes++ }) })
	c.add(t, h, "pe1", Policy{Color: 1, Endpoint: c.lo("pe2"), Paths: []CandidatePath{
		{Preference: 2, Explicit: []netip.Addr{c.lo("p2"), c.lo("p3")}, Strict: true},
		{Preference: 1, Dynamic: &Dynamic{Metric: MetricLatency}},
	}})
	if p := c.view(h, "pe1")[0]; p.ActivePreference != 2 {
		t.Fatalf("policy %+v", p)
	}
	c.net.FindLink("p2", "p3").SetUp(false)
	c.net.Clock.Advance(5 * time.Second)
	p := c.view(h, "pe1")[0]
	if p.ActivePreference != 1 || segNames(p.Paths[1].Segments) != "p4 pe2" {
		t.Fatalf("after p2-p3 failed: %+v", p)
	}
	c.net.FindLink("p2", "p3").SetUp(true)
	c.net.Clock.Advance(5 * time.Second)
	if p := c.view(h, "pe1")[0]; p.ActivePreference != 2 {
		t.Fatalf("after p2-p3 came back: %+v", p)
	}
	if changes < 3 {
		t.Errorf("%d change notifications, want at least 3 (added, failed over, back)", changes)
	}
}

func TestPoliciesAreValidatedBeforeTheyAreInstalled(t *testing.T) {
	ep := netip.MustParseAddr("10.255.0.1")
	dyn := &Dynamic{Metric: MetricIGP}
	for _, tc := range []struct {
		p    Policy
		want string
	}{
		{Policy{Endpoint: ep, Paths: []CandidatePath{{Preference: 1, Dynamic: dyn}}}, "color"},
		{Policy{Color: 1, Endpoint: ep}, "at least one candidate path"},
		{Policy{Color: 1, Endpoint: ep, Paths: []CandidatePath{{Preference: 1, Dynamic: dyn}, {Preference: 1, Dynamic: dyn}}}, "given twice"},
		{Policy{Color: 1, Endpoint: ep, Paths: []CandidatePath{{Preference: 1}}}, "either"},
		{Policy{Color: 1, Endpoint: ep, Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: "hops"}}}}, "metric"},
		{Policy{Color: 1, Endpoint: ep, Paths: []CandidatePath{{Preference: 1, Explicit: make([]netip.Addr, MaxSegments+1)}}}, "segments"},
	} {
		if err := tc.p.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error about %s", tc.p, err, tc.want)
		}
	}
}
