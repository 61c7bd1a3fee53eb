package bgp

import (
	"net/netip"
	"testing"
	"time"
)

// TestADuplicateRouteChangesNothing: a route received again with the same
// attributes in the same session (here a's whole table again, as a route
// refresh asks) is a duplicate: b's best path stays, its owner hears of
// no change and c is sent nothing, as FRR's bgp_update drops one. So is
// a route originated again as it was.
func TestADuplicateRouteChangesNothing(t *testing.T) {
	k := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/16")}
	l := newLab(t)
	a := l.speaker("a", "10.0.0.1", 65001, nil)
	l.speaker("b", "10.0.0.2", 65002, nil)
	l.speaker("c", "10.0.0.3", 65003, nil)
	l.peer("a", "b", nil)
	l.peer("b", "c", nil)
	attrs := Attrs{NextHop: addr("10.0.0.1")}
	if err := a.Originate(IPv4Unicast, k, 0, attrs); err != nil {
		t.Fatal(err)
	}
	l.run(100 * time.Millisecond)
	if r := bestOf(l.routes("c", IPv4Unicast), k); r == nil {
		t.Fatal("c has no route from a")
	}
	received := func(sp, from string) uint64 {
		for _, n := range l.sp[sp].Summary() {
			if n.Neighbor == l.sp[from].cfg.RouterID {
				return n.MsgRcvd
			}
		}
		t.Fatalf("%s has no neighbour %s", sp, from)
		return 0
	}
	bBefore, cBefore := received("b", "a"), received("c", "b")
	l.mu.Lock()
	l.changes["b"], l.changes["c"] = nil, nil
	l.mu.Unlock()

	a.mu.Lock()
	p := a.peers[addr("10.0.0.2")]
	p.resend(p.established, IPv4Unicast)
	a.mu.Unlock()
	if err := a.Originate(IPv4Unicast, k, 0, attrs); err != nil {
		t.Fatal(err)
	}
	l.run(100 * time.Millisecond)
	if received("b", "a") <= bBefore {
		t.Fatal("the test sent b nothing again")
	}
	if n := received("c", "b"); n != cBefore {
		t.Errorf("c received %d more messages from b, want none", n-cBefore)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.changes["b"]) != 0 || len(l.changes["c"]) != 0 {
		t.Errorf("changes told b's owner %v and c's %v, want none", l.changes["b"], l.changes["c"])
	}
}

// TestADuplicateCostsNoAllocation: a duplicate is dropped before the
// table allocates the path it would have kept.
func TestADuplicateCostsNoAllocation(t *testing.T) {
	k := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/16")}
	l := newLab(t)
	a := l.speaker("a", "10.0.0.1", 65001, nil)
	if err := a.Originate(IPv4Unicast, k, 0, Attrs{NextHop: addr("10.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	tab := a.tables[IPv4Unicast]
	again := *tab.dests.at(k).localPath()
	if n := testing.AllocsPerRun(100, func() { tab.set(a, k, again) }); n != 0 {
		t.Errorf("a duplicate allocated %v times, want 0", n)
	}
}
