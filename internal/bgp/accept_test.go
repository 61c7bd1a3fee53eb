package bgp

import (
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// A CE with an inbound prefix list takes from a cloud only what is inside
// the cloud's block: the rest is filtered (never in the Loc-RIB), counted,
// reported once to OnFiltered and shown by the neighbour detail; a
// withdrawal clears it. The cloud's third-party next hop (its router's
// gateway address) reaches the CE unchanged.
func TestAcceptFiltersOutsidePrefixes(t *testing.T) {
	l := newLab(t)
	uni := func(c *Config) { c.Families = []Family{IPv4Unicast} }
	var mu sync.Mutex
	var reported []RouteKey
	l.speaker("ce", "10.0.0.1", 64513, func(c *Config) {
		uni(c)
		c.OnFiltered = func(_ netip.Addr, _ Family, k RouteKey) {
			mu.Lock()
			reported = append(reported, k)
			mu.Unlock()
		}
	})
	l.speaker("cloud", "10.0.0.2", 65024, uni)
	block := netip.MustParsePrefix("100.65.0.0/16")
	l.peer("ce", "cloud", func(ab, ba *PeerConfig) {
		ab.Accept = []netip.Prefix{block}
		ba.ThirdPartyNextHop = true
	})
	l.run(10 * time.Millisecond)
	gw := addr("100.65.0.10")
	inside := RouteKey{Prefix: netip.MustParsePrefix("100.65.1.0/24")}
	wide := RouteKey{Prefix: netip.MustParsePrefix("100.64.0.0/10")} // holds the block: still outside it
	outside := RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}
	for _, k := range []RouteKey{inside, wide, outside} {
		if err := l.sp["cloud"].Originate(IPv4Unicast, k, 0, Attrs{Origin: OriginIGP, NextHop: gw}); err != nil {
			t.Fatal(err)
		}
	}
	l.run(10 * time.Millisecond)
	// Announced twice: reported once.
	l.sp["cloud"].Originate(IPv4Unicast, outside, 0, Attrs{Origin: OriginIGP, NextHop: gw, MED: 5, HasMED: true})
	l.run(10 * time.Millisecond)

	rs := l.routes("ce", IPv4Unicast)
	r := bestOf(rs, inside)
	if r == nil || r.NextHop != gw {
		t.Fatalf("ce's route for %v: %+v, want next hop %v", inside.Prefix, r, gw)
	}
	if bestOf(rs, wide) != nil || bestOf(rs, outside) != nil {
		t.Errorf("ce installed a route outside %v: %+v", block, rs)
	}
	d, ok := l.sp["ce"].NeighborInfo(addr("10.0.0.2"))
	if !ok || d.PfxRcd != 1 || len(d.Filtered) != 2 || d.FilteredTotal != 2 {
		t.Errorf("neighbour detail: received %d, filtered %v (total %d)", d.PfxRcd, d.Filtered, d.FilteredTotal)
	}
	var b strings.Builder
	l.sp["ce"].WriteNeighbor(&b, addr("10.0.0.2"))
	if !strings.Contains(b.String(), "Inbound prefix list: accept 100.65.0.0/16; filtered: 2 now") ||
		!strings.Contains(b.String(), "Filtered: 100.64.0.0/10, 192.0.2.0/24") {
		t.Errorf("show bgp neighbor:\n%s", b.String())
	}
	mu.Lock()
	if len(reported) != 2 {
		t.Errorf("OnFiltered got %v, want the two refused prefixes once each", reported)
	}
	mu.Unlock()

	l.sp["cloud"].Withdraw(IPv4Unicast, outside)
	l.run(10 * time.Millisecond)
	if d, _ := l.sp["ce"].NeighborInfo(addr("10.0.0.2")); len(d.Filtered) != 1 || d.FilteredTotal != 2 {
		t.Errorf("after withdrawal: filtered %v (total %d)", d.Filtered, d.FilteredTotal)
	}
}

// Without ThirdPartyNextHop, an eBGP speaker sets itself as next hop of
// what it originates, whatever next hop it was given.
func TestLocalNextHopRewrittenOnEBGPByDefault(t *testing.T) {
	l := newLab(t)
	uni := func(c *Config) { c.Families = []Family{IPv4Unicast} }
	l.speaker("a", "10.0.0.1", 65001, uni)
	l.speaker("b", "10.0.0.2", 65002, uni)
	l.peer("a", "b", nil)
	l.run(10 * time.Millisecond)
	k := RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}
	l.sp["a"].Originate(IPv4Unicast, k, 0, Attrs{NextHop: addr("192.0.2.1")})
	l.run(10 * time.Millisecond)
	if r := bestOf(l.routes("b", IPv4Unicast), k); r == nil || r.NextHop != addr("10.0.0.1") {
		t.Errorf("b's route: %+v, want next hop 10.0.0.1", r)
	}
}
