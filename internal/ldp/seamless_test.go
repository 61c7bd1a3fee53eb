package ldp_test

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// seamless is a lab built as seamless MPLS is: two access areas whose
// ABRs summarise the PE loopbacks, all costs 10.
//
//	pe1a (1) --\                         /-- pe2 (2)
//	            abr1 (0|1) -- r0 -- abr2 (0|2)
//	pe1b (1) --/
func seamless(t *testing.T) *lab {
	t.Helper()
	const y = `
name: seamless
defaults: {asn: 65000}
nodes:
  r0: {role: p, loopback: 10.255.0.10}
  abr1: {role: p, loopback: 10.255.0.1}
  abr2: {role: p, loopback: 10.255.0.2}
  pe1a: {role: pe, loopback: 10.255.1.1, area: 1}
  pe1b: {role: pe, loopback: 10.255.1.2, area: 1}
  pe2: {role: pe, loopback: 10.255.2.2, area: 2}
links:
  - {a: r0, b: abr1}
  - {a: r0, b: abr2}
  - {a: pe1a, b: abr1}
  - {a: pe1b, b: abr1}
  - {a: pe2, b: abr2}
areas:
  1: {ranges: [10.255.1.0/24]}
  2: {ranges: [10.255.2.0/24]}
`
	res, err := topology.Load("seamless.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	l := newLab(t, res.Model)
	l.settle(5 * time.Second)
	return l
}

// fecs lists the FECs node's LDP holds a local label for.
func (l *lab) fecs(node string) []netip.Prefix {
	var out []netip.Prefix
	l.net.Router(node).Do(func() {
		for _, b := range l.ldp[node].Bindings() {
			if b.LocalLabel != 0 || b.FEC == l.lo(node) {
				out = append(out, b.FEC)
			}
		}
	})
	return out
}

// The backbone holds only the ranges of the access areas, yet an LSP
// crosses it to a PE's loopback: each LSR takes the mapping from the
// neighbour its summary leads to (RFC 5283).
func TestAnLSPCrossesSummarisedAreasByLongestMatch(t *testing.T) {
	l := seamless(t)
	if _, ok := l.net.Router("r0").Table().Route(router.ProtoOSPF, l.lo("pe2")); ok {
		t.Fatalf("r0 has an IGP route to pe2's loopback: the range did not summarise it")
	}
	l.wantLSP("r0", "pe2", "abr2")
	l.wantLSP("abr1", "pe2", "r0")
	l.wantLSP("r0", "pe1a", "abr1")
	// The ABR that owns the summary pops towards its PE: the label came
	// on demand, because the ABR asked its access node for it.
	l.wantLSP("abr2", "pe2", "pe2")
}

// An access node holds labels for its BGP next hops only, asked of its
// ABR when its RIB starts resolving VPN routes through them and released
// when it stops; it then has a labelled host route to the far PE although
// its IGP has only the far area's range (RFC 7032).
func TestAnAccessNodeAsksOnlyForTheNextHopsItsRIBResolves(t *testing.T) {
	l := seamless(t)
	for _, n := range l.ldp["pe1a"].Neighbors() {
		if !n.OnDemand {
			t.Errorf("pe1a's session with %s is downstream unsolicited, want on demand", n.LSRID)
		}
	}
	if got := l.fecs("pe1a"); !slices.Equal(got, []netip.Prefix{l.lo("pe1a")}) {
		t.Errorf("pe1a holds FECs %v before any VPN route, want only its own loopback", got)
	}
	rib := l.net.Router("pe1a").Table()
	rib.UseNexthops(router.NexthopUse{Addr: l.lo("pe2").Addr(), Used: true})
	l.settle(time.Second)
	if got := l.fecs("pe1a"); !slices.Equal(got, []netip.Prefix{l.lo("pe1a"), l.lo("pe2")}) {
		t.Errorf("pe1a holds FECs %v, want its own loopback and pe2's", got)
	}
	fl := rib.FECLabelsFor(router.ProtoLDP, l.lo("pe2"))
	if len(fl) != 1 || fl[0].Nexthop != l.addr("abr1", "pe1a") || fl[0].OutLabel != l.local("abr1", "pe2") {
		t.Errorf("pe1a's FEC labels for pe2: %+v, want abr1's label %d", fl, l.local("abr1", "pe2"))
	}
	r, ok := rib.Route(router.ProtoLDP, l.lo("pe2"))
	if !ok || len(r.Nexthops) != 1 || r.Nexthops[0].Addr != l.addr("abr1", "pe1a") {
		t.Errorf("pe1a's LDP route to pe2's loopback: %+v (%v), want one via abr1", r, ok)
	}
	// pe1b is in pe1a's own area, but not a next hop: no label for it.
	if slices.Contains(l.fecs("pe1a"), l.lo("pe1b")) {
		t.Errorf("pe1a holds a FEC for pe1b, which it never asked for")
	}

	rib.UseNexthops(router.NexthopUse{Addr: l.lo("pe2").Addr(), Used: false})
	l.settle(time.Second)
	if _, ok := rib.Route(router.ProtoLDP, l.lo("pe2")); ok {
		t.Errorf("pe1a keeps its LDP route to pe2 after the last VPN route through it went")
	}
	var remote []ldp.Remote
	l.net.Router("pe1a").Do(func() {
		for _, b := range l.ldp["pe1a"].Bindings() {
			if b.FEC == l.lo("pe2") {
				remote = b.Remote
			}
		}
	})
	if len(remote) != 0 {
		t.Errorf("pe1a still holds labels for pe2 after releasing them: %+v", remote)
	}
}
