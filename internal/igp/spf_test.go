package igp_test

import (
	"testing"
	"time"
)

// square: r1 reaches r4 through r2 and through r3.
//
//	r1 --a-- r2
//	|         |
//	b         c
//	|         |
//	r3 --d-- r4
func squareYAML(costA, costB, costC, costD int) string {
	return `
name: square
defaults: {asn: 65000}
nodes:
  r1: {role: p, loopback: 10.255.0.1}
  r2: {role: p, loopback: 10.255.0.2}
  r3: {role: p, loopback: 10.255.0.3}
  r4: {role: p, loopback: 10.255.0.4}
links:
  - {a: r1, b: r2, subnet: 10.0.12.0/31, cost: ` + itoa(costA) + `}
  - {a: r1, b: r3, subnet: 10.0.13.0/31, cost: ` + itoa(costB) + `}
  - {a: r2, b: r4, subnet: 10.0.24.0/31, cost: ` + itoa(costC) + `}
  - {a: r3, b: r4, subnet: 10.0.34.0/31, cost: ` + itoa(costD) + `}
`
}

func itoa(i int) string {
	if i == 0 {
		return "10"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

// TestSquareECMPAndCosts checks r1's route to r4's loopback for costs
// worked out by hand: equal paths give both first hops, unequal ones the
// cheaper, and a costly direct link loses to a cheap detour.
func TestSquareECMPAndCosts(t *testing.T) {
	tests := []struct {
		name       string
		a, b, c, d int
		metric     uint32
		via        []string
		r4ToR1     uint32
		r4ToR1Via  []string
	}{
		{name: "equal", a: 10, b: 10, c: 10, d: 10, metric: 20, via: []string{"r2", "r3"}, r4ToR1: 20, r4ToR1Via: []string{"r2", "r3"}},
		{name: "r3 side dearer", a: 10, b: 15, c: 10, d: 10, metric: 20, via: []string{"r2"}, r4ToR1: 20, r4ToR1Via: []string{"r2"}},
		{name: "r2 side dearer", a: 10, b: 10, c: 11, d: 10, metric: 20, via: []string{"r3"}, r4ToR1: 20, r4ToR1Via: []string{"r3"}},
		{name: "tie at 25", a: 5, b: 15, c: 20, d: 10, metric: 25, via: []string{"r2", "r3"}, r4ToR1: 25, r4ToR1Via: []string{"r2", "r3"}},
		{name: "costly direct link avoided", a: 100, b: 10, c: 10, d: 10, metric: 20, via: []string{"r3"}, r4ToR1: 20, r4ToR1Via: []string{"r3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLab(t, load(t, squareYAML(tc.a, tc.b, tc.c, tc.d)), nil)
			l.settle(5 * time.Second)
			l.want("r1", l.lo("r4"), tc.metric, tc.via...)
			l.want("r4", l.lo("r1"), tc.r4ToR1, tc.r4ToR1Via...)
			if tc.a == 100 {
				l.want("r1", l.lo("r2"), 30, "r3") // r3, r4, r2 at 30 beats the direct 100
			}
		})
	}
}

// TestSquareDetails checks the rest of r1's table in the equal square:
// neighbours' loopbacks at one hop, the far link subnets, and its own
// prefixes as directly attached.
func TestSquareDetails(t *testing.T) {
	l := newLab(t, load(t, squareYAML(10, 10, 10, 10)), nil)
	l.settle(5 * time.Second)
	l.want("r1", l.lo("r2"), 10, "r2")
	l.want("r1", l.lo("r3"), 10, "r3")
	l.want("r1", pfx("10.0.24.0/31"), 20, "r2") // r2's stub (10) beats r4's (20+10)
	l.want("r1", pfx("10.0.34.0/31"), 20, "r3") // likewise through r3
	l.want("r4", pfx("10.0.12.0/31"), 20, "r2")
	r, ok := l.route("r1", pfx("10.0.12.0/31"))
	if !ok || r.Metric != 10 || len(r.Nexthops) != 1 || r.Nexthops[0].Iface != l.ifname("r1", "r2") || r.Nexthops[0].Addr.IsValid() {
		t.Errorf("r1's own link subnet = %+v, want directly attached on %s with cost 10", r, l.ifname("r1", "r2"))
	}
	if r, ok := l.route("r1", l.lo("r4")); !ok || r.Info != "intra-area 0.0.0.0" {
		t.Errorf("info = %q, want intra-area 0.0.0.0", r.Info)
	}
	var inst = l.igp["r1"]
	var got int
	l.net.Router("r1").Do(func() { got = len(inst.Routes()) })
	// 4 loopbacks + 4 link subnets.
	if got != 8 {
		t.Errorf("r1 has %d OSPF routes, want 8", got)
	}
}

// TestParallelLinks: two links between the same routers, equal cost, are
// two first hops; the dearer one is not used.
func TestParallelLinks(t *testing.T) {
	yaml := `
name: parallel
defaults: {asn: 65000}
nodes:
  a: {role: p, loopback: 10.255.0.1}
  b: {role: p, loopback: 10.255.0.2}
  c: {role: p, loopback: 10.255.0.3}
links:
  - {a: a, b: b, subnet: 10.0.1.0/31}
  - {a: a, b: b, subnet: 10.0.2.0/31}
  - {a: b, b: c, subnet: 10.0.3.0/31}
  - {a: b, b: c, subnet: 10.0.4.0/31, cost: 30}
`
	l := newLab(t, load(t, yaml), nil)
	l.settle(5 * time.Second)
	r, ok := l.route("a", l.lo("c"))
	if !ok || r.Metric != 20 || len(r.Nexthops) != 2 {
		t.Fatalf("a -> c = %+v, want metric 20 over both parallel links", r)
	}
	if r.Nexthops[0].Iface == r.Nexthops[1].Iface {
		t.Errorf("both nexthops on %s", r.Nexthops[0].Iface)
	}
	r, _ = l.route("c", l.lo("a"))
	if r.Metric != 20 || len(r.Nexthops) != 1 || r.Nexthops[0].Addr != addr("10.0.3.0") {
		t.Errorf("c -> a = metric %d via %s, want 20 via 10.0.3.0 (the cost-10 link)", r.Metric, hops(r.Nexthops))
	}
}
