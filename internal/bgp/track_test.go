package bgp

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// A speaker with TrackChanges hands over the key of every best-path
// change once, and of a learned path changing beneath a local best one;
// BestPath and BestLearned read the destinations; UpdateOriginations
// originates and withdraws some routes and leaves the others.
func TestTrackedChangesNameEachDestinationThatMovedOnce(t *testing.T) {
	l := newLab(t)
	told := 0
	a := l.speaker("a", "10.0.0.1", 65000, func(c *Config) { c.TrackChanges = true; c.OnLocRIBChange = func() { told++ } })
	b := l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	l.run(time.Second)
	p1, p2 := netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("10.2.0.0/16")
	at := Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.2")}
	if err := b.Originate(IPv4Unicast, RouteKey{Prefix: p1}, 0, at); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	a.TakeChanges()
	if _, err := a.UpdateOriginations(IPv4Unicast, []Origination{{Key: RouteKey{Prefix: p2}, Attrs: Attrs{Origin: OriginIGP}}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := a.TakeChanges(); !slices.Equal(got, []FamilyKey{{IPv4Unicast, RouteKey{Prefix: p2}}}) {
		t.Errorf("after originating %v: changes %v", p2, got)
	}
	if got := a.TakeChanges(); got != nil {
		t.Errorf("changes handed over twice: %v", got)
	}
	// a originates p1 too: its own path beats b's, which stays beneath.
	if _, err := a.UpdateOriginations(IPv4Unicast, []Origination{{Key: RouteKey{Prefix: p1}, Attrs: Attrs{Origin: OriginIGP}}}, nil); err != nil {
		t.Fatal(err)
	}
	a.TakeChanges()
	if p, ok := a.BestPath(IPv4Unicast, RouteKey{Prefix: p1}); !ok || !p.Local {
		t.Fatalf("a's best path to %v = %+v, %v; want its own", p1, p, ok)
	}
	if p, ok := a.BestLearned(IPv4Unicast, RouteKey{Prefix: p1}); !ok || p.Local || p.Attrs.Value().NextHop != addr("10.0.0.2") {
		t.Fatalf("a's best learned path to %v = %+v, %v; want b's", p1, p, ok)
	}
	before := told
	at.MED, at.HasMED = 5, true
	if err := b.Originate(IPv4Unicast, RouteKey{Prefix: p1}, 0, at); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	if got := a.TakeChanges(); !slices.Contains(got, FamilyKey{IPv4Unicast, RouteKey{Prefix: p1}}) || told == before {
		t.Errorf("b's path beneath a's own changed: changes %v, owner told %d times (before %d)", got, told, before)
	}
	if p, _ := a.BestLearned(IPv4Unicast, RouteKey{Prefix: p1}); p.Attrs.Value().MED != 5 {
		t.Errorf("a's best learned path to %v has MED %d, want 5", p1, p.Attrs.Value().MED)
	}
	// Withdrawing a's own p1 leaves b's as best; p2 stays originated.
	if _, err := a.UpdateOriginations(IPv4Unicast, nil, []RouteKey{{Prefix: p1}}); err != nil {
		t.Fatal(err)
	}
	if p, ok := a.BestPath(IPv4Unicast, RouteKey{Prefix: p1}); !ok || p.Local {
		t.Errorf("after the withdrawal a's best path to %v = %+v, %v; want b's", p1, p, ok)
	}
	if p, ok := a.BestPath(IPv4Unicast, RouteKey{Prefix: p2}); !ok || !p.Local {
		t.Errorf("a no longer originates %v: %+v, %v", p2, p, ok)
	}
	if _, ok := a.BestLearned(IPv4Unicast, RouteKey{Prefix: p2}); ok {
		t.Errorf("a has a learned path to %v, which only it originates", p2)
	}
	if n, err := a.UpdateOriginations(VPNv4, []Origination{{Key: vpnKey(t, "65000:1", "10.3.0.0/16"), Label: 1 << 20}}, nil); n != 1 || err == nil {
		t.Errorf("a 21-bit VPN label: %d refused, %v; want 1 and an error", n, err)
	}
	if _, ok := a.BestPath(VPNv4, vpnKey(t, "65000:1", "10.3.0.0/16")); ok {
		t.Error("the refused VPN route was originated")
	}
}

// A speaker with LearnedChangesOnly leaves its owner's own doing out:
// originating, changing and withdrawing a route no peer sends is
// neither tracked nor told, while a learned path arriving, and the
// owner's own path going over it and being withdrawn from over it, still are.
func TestLearnedChangesOnlyLeavesOutWhatTheOwnerOriginatesAlone(t *testing.T) {
	l := newLab(t)
	told := 0
	a := learnedOnly(l, &told)
	b := l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	l.run(time.Second)
	own, shared := netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("10.2.0.0/16")
	k := func(p netip.Prefix) FamilyKey { return FamilyKey{IPv4Unicast, RouteKey{Prefix: p}} }
	originate := func(p netip.Prefix, med uint32) {
		t.Helper()
		o := Origination{Key: RouteKey{Prefix: p}, Attrs: Attrs{Origin: OriginIGP, MED: med, HasMED: true}}
		if _, err := a.UpdateOriginations(IPv4Unicast, []Origination{o}, nil); err != nil {
			t.Fatal(err)
		}
	}
	withdraw := func(p netip.Prefix) {
		t.Helper()
		if _, err := a.UpdateOriginations(IPv4Unicast, nil, []RouteKey{{Prefix: p}}); err != nil {
			t.Fatal(err)
		}
	}
	a.TakeChanges()
	before := told
	originate(own, 1)
	originate(own, 2)
	withdraw(own)
	if got := a.TakeChanges(); len(got) > 0 || told != before {
		t.Errorf("a's own route came, changed and went: changes %v, owner told %d times; want none", got, told-before)
	}
	// b sends shared: learned, so tracked.
	if err := b.Originate(IPv4Unicast, RouteKey{Prefix: shared}, 0, Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.2")}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	if got := a.TakeChanges(); !slices.Equal(got, []FamilyKey{k(shared)}) || told == before {
		t.Errorf("b's route arrived: changes %v, owner told %d times; want %v", got, told-before, k(shared))
	}
	// a's own path over b's, then withdrawn: both changes are tracked,
	// b's path being there beneath.
	originate(shared, 0)
	if got := a.TakeChanges(); !slices.Equal(got, []FamilyKey{k(shared)}) {
		t.Errorf("a's own path over b's: changes %v; want %v", got, k(shared))
	}
	withdraw(shared)
	if got := a.TakeChanges(); !slices.Equal(got, []FamilyKey{k(shared)}) {
		t.Errorf("a's own path withdrawn from over b's: changes %v; want %v", got, k(shared))
	}
	if p, ok := a.BestPath(IPv4Unicast, RouteKey{Prefix: shared}); !ok || p.Local {
		t.Errorf("a's best path to %v = %+v, %v; want b's", shared, p, ok)
	}
}

// With LearnedChangesOnly, the best path moving from one route
// reflector's copy of a route to the other's, alike but for CLUSTER_LIST
// and ORIGINATOR_ID, is not a change: the owner would read the same
// route. The route itself changing still is.
func TestLearnedChangesOnlyLeavesOutASecondReflectionOfARoute(t *testing.T) {
	l := newLab(t)
	told := 0
	a := learnedOnly(l, &told)
	l.speaker("r1", "10.0.0.2", 65000, nil)
	l.speaker("r2", "10.0.0.3", 65000, nil)
	o := l.speaker("o", "10.0.0.9", 65000, nil)
	client := func(_, ba *PeerConfig) { ba.RRClient = true }
	l.peer("o", "r1", client)
	l.peer("o", "r2", client)
	l.peer("a", "r2", client)
	l.run(time.Second)
	p := netip.MustParsePrefix("10.1.0.0/16")
	k := FamilyKey{IPv4Unicast, RouteKey{Prefix: p}}
	originate := func(med uint32) {
		t.Helper()
		if err := o.Originate(IPv4Unicast, RouteKey{Prefix: p}, 0, Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.9"), MED: med, HasMED: true}); err != nil {
			t.Fatal(err)
		}
		l.run(time.Second)
	}
	reflector := func() []netip.Addr {
		t.Helper()
		b, ok := a.BestPath(IPv4Unicast, RouteKey{Prefix: p})
		if !ok {
			t.Fatalf("a has no path to %v", p)
		}
		v := b.Attrs.Value()
		return v.Clusters()
	}
	originate(1)
	if got := a.TakeChanges(); !slices.Equal(got, []FamilyKey{k}) {
		t.Fatalf("r2's reflection arrived: changes %v; want %v", got, k)
	}
	// r1's copy arrives and wins the tie-break (lower peer address).
	before := told
	l.peer("a", "r1", client)
	l.run(time.Second)
	if cl := reflector(); !slices.Equal(cl, []netip.Addr{addr("10.0.0.2")}) {
		t.Fatalf("a's best path to %v came through %v; want r1's copy (10.0.0.2)", p, cl)
	}
	if got := a.TakeChanges(); len(got) > 0 || told != before {
		t.Errorf("the best moved to r1's copy of the same route: changes %v, owner told %d times; want none", got, told-before)
	}
	// The route itself changes: both copies do, and a is told.
	originate(2)
	if got := a.TakeChanges(); !slices.Contains(got, k) || told == before {
		t.Errorf("the route's MED changed: changes %v, owner told %d times; want %v", got, told-before, k)
	}
}

// learnedOnly is speaker a of l (10.0.0.1, AS 65000), which tracks its
// changes with LearnedChangesOnly and counts in told how often it tells
// its owner.
func learnedOnly(l *lab, told *int) *Speaker {
	return l.speaker("a", "10.0.0.1", 65000, func(c *Config) {
		c.TrackChanges, c.LearnedChangesOnly = true, true
		c.OnLocRIBChange = func() { *told++ }
	})
}
