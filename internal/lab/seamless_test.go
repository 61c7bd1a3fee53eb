package lab

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// seamlessYAML is two POPs, each an area whose ABRs summarise its PEs'
// loopbacks, one VPN between them, and a third PE in POP 1 with no site
// of that VPN.
const seamlessYAML = `
name: seamless
defaults: {asn: 65000, label_mode: ldp}
nodes:
  p1: {role: p}
  p2: {role: p}
  rr: {role: rr}
  pe1: {role: pe, area: 1, loopback: 10.255.32.1}
  pe3: {role: pe, area: 1, loopback: 10.255.32.3}
  pe2: {role: pe, area: 2, loopback: 10.255.33.1}
  ce1: {role: ce}
  ce2: {role: ce}
areas:
  1: {ranges: [10.255.32.0/24]}
  2: {ranges: [10.255.33.0/24]}
links:
  - {a: p1, b: p2, latency: 5ms}
  - {a: rr, b: p1}
  - {a: pe1, b: p1}
  - {a: pe3, b: p1}
  - {a: pe2, b: p2}
  - {a: ce1, b: pe1}
  - {a: ce2, b: pe2}
vpns:
  red:
    sites: [ce1, ce2]
`

// A VPN crosses two summarised areas: the core carries it on an LSP to
// the far PE's loopback, which no router outside its area has a route
// for, and each PE holds labels for the PEs its VPN routes lead to and
// nothing else (seamless MPLS: RFC 5283 and RFC 7032).
func TestAVPNCrossesSummarisedAreasOnLabelsTheAccessPEsAskedFor(t *testing.T) {
	res, err := topology.Load("seamless.yaml", []byte(seamlessYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	l, clk := runLab(t, m)
	tr := trace(t, l, clk, "ce1", "ce2")
	if !tr.Reached || len(tr.Hops) != 5 {
		t.Fatalf("trace ce1 -> ce2: %+v", tr)
	}
	// pe1 -> p1 -> p2 -> pe2: the transport label and the VPN label over
	// it on both core hops (p2 pops the transport label last, as pe2's
	// penultimate hop).
	for _, h := range tr.Hops[1:3] {
		if len(h.Probes) == 0 || len(h.Probes[0].Labels) != 2 {
			t.Errorf("hop %+v: want two labels", h)
		}
	}
	pe2lo := m.Node("pe2").Loopback
	for _, n := range []string{"p1", "pe1", "pe3"} {
		node, _ := l.Node(n)
		if r, ok := node.Router.RIB().Best("", pe2lo); ok && r.Proto == router.ProtoOSPF {
			t.Errorf("%s has an IGP route to pe2's loopback: the range did not summarise it", n)
		}
	}
	fecs := func(n string) map[netip.Prefix]bool {
		node, _ := l.Node(n)
		out := map[netip.Prefix]bool{}
		node.Router.Do(func() {
			for _, b := range node.LDP.Bindings() {
				if b.LocalLabel != 0 {
					out[b.FEC] = true
				}
			}
		})
		return out
	}
	pe1 := fecs("pe1")
	if !pe1[pe2lo] || len(pe1) != 2 {
		t.Errorf("pe1's FECs: %v, want its own loopback and pe2's only", pe1)
	}
	// pe3 has no site of red: it asked for nothing.
	if pe3 := fecs("pe3"); len(pe3) != 1 {
		t.Errorf("pe3's FECs: %v, want its own loopback only", pe3)
	}
	node, _ := l.Node("pe1")
	var nb []ldp.Neighbor
	node.Router.Do(func() { nb = node.LDP.Neighbors() })
	if len(nb) != 1 || !nb[0].OnDemand {
		t.Errorf("pe1's LDP sessions: %+v, want one, on demand", nb)
	}
}

// An access PE asks for the label to a BGP next hop as soon as BGP makes
// a VPN route through it best, as bgpd registers next hops with zebra,
// and LDP asks and installs at once rather than at its next update: the
// route is usable in the VRF as soon as the VRF imports it (the 10 ms
// sync hold after BGP has it), not one or two LDP updates later.
func TestAnAccessPEHasTheLabelToANextHopByTheTimeItImportsRoutesThroughIt(t *testing.T) {
	res, err := topology.Load("seamless.yaml", []byte(seamlessYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	pe1, _ := l.Node("pe1")
	ce2 := netip.PrefixFrom(m.Node("ce2").Loopback.Addr(), 32)
	l.Start()
	var inBGP, inVRF time.Duration
	for lab := time.Millisecond; lab <= 3*time.Second && inVRF == 0; lab += time.Millisecond {
		clk.Advance(time.Millisecond)
		if inBGP == 0 {
			for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
				if r.Best && r.Key.Prefix == ce2 {
					inBGP = lab
				}
			}
		}
		if rt, ok := pe1.Router.RIB().Best("red", ce2); ok && len(rt.Nexthops) > 0 {
			inVRF = lab
		}
	}
	if inBGP == 0 || inVRF == 0 {
		t.Fatalf("ce2's route: best in pe1's BGP at %v, usable in its VRF at %v (0: never within 3 s)", inBGP, inVRF)
	}
	if took := inVRF - inBGP; took > 15*time.Millisecond {
		t.Errorf("ce2's route was best in pe1's BGP at %v and usable in its VRF only at %v, %v later; want the sync hold's 10 ms", inBGP, inVRF, took)
	}
}
