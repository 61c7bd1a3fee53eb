package bgp

import (
	"net/netip"
	"testing"
	"time"
)

// ceLab: ce1 and ce2, two sites of one customer in AS 65001, behind pe1
// and pe2 (AS 65000, iBGP between them). mod adjusts the PE–CE sessions
// (ab is the PE's end, ba the CE's).
func ceLab(t *testing.T, mod func(ab, ba *PeerConfig)) *lab {
	l := newLab(t)
	uni := func(c *Config) { c.Families = []Family{IPv4Unicast} }
	l.speaker("pe1", "10.0.0.1", 65000, uni)
	l.speaker("pe2", "10.0.0.2", 65000, uni)
	l.speaker("ce1", "10.0.1.1", 65001, uni)
	l.speaker("ce2", "10.0.2.1", 65001, uni)
	l.peer("pe1", "pe2", nil)
	l.peer("pe1", "ce1", mod)
	l.peer("pe2", "ce2", mod)
	l.run(10 * time.Millisecond)
	l.sp["ce1"].Originate(IPv4Unicast, RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}, 0, Attrs{NextHop: addr("10.0.1.1")})
	l.sp["ce2"].Originate(IPv4Unicast, RouteKey{Prefix: netip.MustParsePrefix("198.51.100.0/24")}, 0, Attrs{NextHop: addr("10.0.2.1")})
	l.run(10 * time.Millisecond)
	return l
}

var (
	site1 = RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}
	site2 = RouteKey{Prefix: netip.MustParsePrefix("198.51.100.0/24")}
)

func TestSameASSitesNeedOverride(t *testing.T) {
	l := ceLab(t, nil)
	if bestOf(l.routes("pe2", IPv4Unicast), site1) == nil {
		t.Fatal("pe2 lacks site 1's route")
	}
	// RFC 4271 loop detection: 65001 in the path, the CE drops it.
	if bestOf(l.routes("ce2", IPv4Unicast), site1) != nil || bestOf(l.routes("ce1", IPv4Unicast), site2) != nil {
		t.Fatal("a CE accepted a path holding its own AS without as-override or allowas-in")
	}
}

func TestASOverride(t *testing.T) {
	l := ceLab(t, func(ab, ba *PeerConfig) { ab.ASOverride = true })
	for ce, k := range map[string]RouteKey{"ce2": site1, "ce1": site2} {
		r := bestOf(l.routes(ce, IPv4Unicast), k)
		if r == nil {
			t.Fatalf("%s lacks the other site's route with as-override", ce)
		}
		if got := r.Attrs.ASPathString(); got != "65000 65000" {
			t.Errorf("%s: path %q, want \"65000 65000\"", ce, got)
		}
	}
	// Only the overriding session's paths change: pe2 still sees 65001.
	if r := bestOf(l.routes("pe2", IPv4Unicast), site1); r == nil || r.Attrs.ASPathString() != "65001" {
		t.Errorf("pe2's path %+v", r)
	}
}

func TestAllowASIn(t *testing.T) {
	l := ceLab(t, func(ab, ba *PeerConfig) { ba.AllowASIn = 1 })
	for ce, k := range map[string]RouteKey{"ce2": site1, "ce1": site2} {
		r := bestOf(l.routes(ce, IPv4Unicast), k)
		if r == nil {
			t.Fatalf("%s lacks the other site's route with allowas-in 1", ce)
		}
		if got := r.Attrs.ASPathString(); got != "65000 65001" {
			t.Errorf("%s: path %q", ce, got)
		}
	}
	// Its own route comes back from the PE with 65001 once: allowas-in 1
	// accepts it, but the local path stays best.
	if r := bestOf(l.routes("ce1", IPv4Unicast), site1); r == nil || !r.Local {
		t.Errorf("ce1's best for its own prefix: %+v", r)
	}
}

func TestAllowASInCountsOccurrences(t *testing.T) {
	a := Attrs{ASPath: PackASPath([]ASSegment{{ASNs: []uint32{65000, 65001, 65001}}})}
	if n := a.CountAS(65001); n != 2 {
		t.Fatalf("CountAS %d", n)
	}
	l := ceLab(t, func(ab, ba *PeerConfig) { ba.AllowASIn = 1 })
	// A path with 65001 twice exceeds allowas-in 1.
	k := RouteKey{Prefix: netip.MustParsePrefix("203.0.113.0/24")}
	l.sp["pe1"].Originate(IPv4Unicast, k, 0, Attrs{NextHop: addr("10.0.0.1"), ASPath: PackASPath([]ASSegment{{ASNs: []uint32{65001, 65001}}})})
	l.run(10 * time.Millisecond)
	if bestOf(l.routes("ce1", IPv4Unicast), k) != nil {
		t.Error("allowas-in 1 let in a path with our AS twice")
	}
	if got := a.replaceAS(65001, 65000); got != PackASPath([]ASSegment{{ASNs: []uint32{65000, 65000, 65000}}}) {
		t.Errorf("replaceAS %x", got)
	}
}
