package bgp

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// crash stops a speaker the way a killed process stops: connections
// close without a NOTIFICATION, timers stop mattering, the listener goes.
func crash(s *Speaker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.stopList != nil {
		s.stopList()
	}
	for _, p := range s.peers {
		for _, ss := range p.sessions {
			ss.done = true
			ss.c.Close()
		}
	}
}

func TestGracefulRestartHelper(t *testing.T) {
	k1 := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/16")}
	k2 := RouteKey{Prefix: netip.MustParsePrefix("10.2.0.0/16")}
	v1 := vpnKey(t, "65000:1", "192.168.1.0/24")
	for _, restart := range []bool{true, false} {
		t.Run(map[bool]string{true: "peer-returns", false: "restart-time-expires"}[restart], func(t *testing.T) {
			l := newLab(t)
			l.speaker("a", "10.0.0.1", 65000, nil)
			b := l.speaker("b", "10.0.0.2", 65000, nil)
			l.peer("a", "b", nil)
			l.run(10 * time.Millisecond)
			b.Originate(IPv4Unicast, k1, 0, Attrs{NextHop: addr("10.0.0.2")})
			b.Originate(IPv4Unicast, k2, 0, Attrs{NextHop: addr("10.0.0.2")})
			b.Originate(VPNv4, v1, 16, Attrs{NextHop: addr("10.0.0.2")})
			l.run(time.Millisecond)
			if n := len(l.routes("a", IPv4Unicast)); n != 2 {
				t.Fatalf("a has %d routes", n)
			}
			crash(b)
			l.run(time.Millisecond)
			if st := l.state("a", "b"); st == Established {
				t.Fatal("session survived the crash")
			}
			// Within the 120 s restart time the routes stay (stale).
			l.run(100 * time.Second)
			if len(l.routes("a", IPv4Unicast)) != 2 || len(l.routes("a", VPNv4)) != 1 {
				t.Fatal("routes of a restarting peer dropped within its restart time")
			}
			if !restart {
				l.run(21 * time.Second)
				if n := len(l.routes("a", IPv4Unicast)) + len(l.routes("a", VPNv4)); n != 0 {
					t.Fatalf("%d stale routes kept past the restart time", n)
				}
				return
			}
			// b comes back with only k1 and v1: after its End-of-RIB, k2
			// (not re-announced) goes, the others stay, never withdrawn.
			delete(l.sp, "b")
			// Restarting: its OPEN says forwarding state was kept, which
			// is what lets a keep the stale routes until End-of-RIB.
			b2 := l.speaker("b", "10.0.0.2", 65000, func(c *Config) { c.Restarting = true })
			b2.Originate(IPv4Unicast, k1, 0, Attrs{NextHop: addr("10.0.0.2")})
			b2.Originate(VPNv4, v1, 16, Attrs{NextHop: addr("10.0.0.2")})
			if err := b2.AddPeer(PeerConfig{Addr: addr("10.0.0.1"), ASN: 65000, LocalAddr: addr("10.0.0.2")}); err != nil {
				t.Fatal(err)
			}
			l.mu.Lock()
			l.changes["a"] = nil
			l.mu.Unlock()
			l.run(10 * time.Second)
			if l.state("a", "b") != Established {
				t.Fatal("restarted peer not back")
			}
			rs := l.routes("a", IPv4Unicast)
			if len(rs) != 1 || rs[0].Key != k1 || len(l.routes("a", VPNv4)) != 1 {
				t.Fatalf("after End-of-RIB a holds %+v", rs)
			}
			for _, k := range l.withdrawn("a") {
				if k != k2 {
					t.Errorf("%v withdrawn during the restart", k)
				}
			}
		})
	}
}

// TestGracefulRestartRestarting restarts the reflector b between clients a
// and c with Speaker.Restart: the helpers keep b's routes as stale, the
// restarted b advertises only after End-of-RIB from both, and nothing is
// withdrawn anywhere. Then with c unreachable, the selection-deferral
// timer ends the wait.
func TestGracefulRestartRestarting(t *testing.T) {
	ka := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/16")}
	kb := RouteKey{Prefix: netip.MustParsePrefix("10.2.0.0/16")}
	kc := RouteKey{Prefix: netip.MustParsePrefix("10.3.0.0/16")}
	l := newLab(t)
	a := l.speaker("a", "10.0.0.1", 65000, nil)
	b := l.speaker("b", "10.0.0.2", 65000, nil)
	c := l.speaker("c", "10.0.0.3", 65000, nil)
	rr := func(ab, ba *PeerConfig) { ba.RRClient = true }
	l.peer("a", "b", rr)
	l.peer("c", "b", rr)
	a.Originate(IPv4Unicast, ka, 0, Attrs{NextHop: addr("10.0.0.1")})
	b.Originate(IPv4Unicast, kb, 0, Attrs{NextHop: addr("10.0.0.2")})
	c.Originate(IPv4Unicast, kc, 0, Attrs{NextHop: addr("10.0.0.3")})
	l.run(100 * time.Millisecond)
	if len(l.routes("a", IPv4Unicast)) != 3 || len(l.routes("c", IPv4Unicast)) != 3 {
		t.Fatalf("not converged: a %v, c %v", l.routes("a", IPv4Unicast), l.routes("c", IPv4Unicast))
	}
	l.mu.Lock()
	l.changes = map[string][]Change{}
	l.mu.Unlock()

	b2, err := b.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b2.Close)
	l.sp["b"] = b2
	if !b2.Restarting() {
		t.Fatal("a restarted speaker is not in the restarting role")
	}
	// What the restarted process originates again (the lab does it from
	// the forwarding state its router kept).
	b2.Originate(IPv4Unicast, kb, 0, Attrs{NextHop: addr("10.0.0.2")})
	// On the in-memory network the whole restart (drop, reconnect,
	// End-of-RIB both ways) takes no lab time; the subtest below holds
	// it open to look at the stale routes.
	l.run(10 * time.Second)
	if b2.Restarting() {
		t.Fatal("b2 still deferring after End-of-RIB from both clients")
	}
	for _, name := range []string{"a", "c"} {
		if l.state(name, "b") != Established {
			t.Fatalf("%s-b not re-established", name)
		}
		rs := l.routes(name, IPv4Unicast)
		if len(rs) != 3 {
			t.Fatalf("%s holds %v", name, rs)
		}
		for _, r := range rs {
			if r.Stale {
				t.Errorf("%s: %v still stale after End-of-RIB", name, r.Key)
			}
		}
	}
	if n := len(l.routes("b", IPv4Unicast)); n != 3 {
		t.Fatalf("restarted b has %d routes", n)
	}
	l.mu.Lock()
	for name, chs := range l.changes {
		for _, ch := range chs {
			if ch.Best == nil {
				t.Errorf("%s: %v withdrawn during a graceful restart", name, ch.Key)
			}
		}
	}
	l.mu.Unlock()

	t.Run("deferral-timer", func(t *testing.T) {
		// c cannot reach b: the restarted b waits for c's End-of-RIB
		// until SelectionDeferral (60 s of the default 120 s restart
		// time) runs out, and meanwhile sends a nothing at all.
		l.net.SetReachable(addr("10.0.0.2"), addr("10.0.0.3"), false)
		b3, err := b2.Restart()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b3.Close)
		l.sp["b"] = b3
		b3.Originate(IPv4Unicast, kb, 0, Attrs{NextHop: addr("10.0.0.2")})
		l.run(59 * time.Second)
		if !b3.Restarting() || l.state("a", "b") != Established {
			t.Fatalf("after 59 s: restarting %v, a-b %v", b3.Restarting(), l.state("a", "b"))
		}
		if r := bestOf(l.routes("a", IPv4Unicast), kb); r == nil || !r.Stale {
			t.Fatalf("a's route to kb during deferral: %+v", r)
		}
		l.run(2 * time.Second)
		if b3.Restarting() {
			t.Fatal("deferral did not end at its timer")
		}
		// b3 advertised what it has (kb) and End-of-RIB: a keeps kb,
		// fresh, and drops kc, which b3 never learned.
		rs := l.routes("a", IPv4Unicast)
		if r := bestOf(rs, kb); r == nil || r.Stale || bestOf(rs, kc) != nil {
			t.Fatalf("a after b's End-of-RIB: %+v", rs)
		}
	})
}

// TestRestartingOpenFlags checks the bits on the wire: a restarting
// speaker sets R and, per family, F; a fresh one sets neither.
func TestRestartingOpenFlags(t *testing.T) {
	for _, restarting := range []bool{false, true} {
		l := newLab(t)
		l.speaker("a", "10.0.0.1", 65000, nil)
		l.speaker("b", "10.0.0.2", 65000, func(c *Config) { c.Restarting = restarting })
		l.peer("a", "b", nil)
		l.run(10 * time.Millisecond)
		a := l.sp["a"]
		a.mu.Lock()
		ss := a.peers[addr("10.0.0.2")].established
		if ss == nil {
			a.mu.Unlock()
			t.Fatal("no session")
		}
		got := ss.grRestarted
		fwd := ss.grForwarding[IPv4Unicast] && ss.grForwarding[VPNv4]
		a.mu.Unlock()
		if got != restarting || fwd != restarting {
			t.Errorf("restarting %v: R %v, F %v", restarting, got, fwd)
		}
	}
}

// TestHelperDropsStaleWithoutForwardingState: a peer that comes back
// without the Forwarding State bit (a plain restart, not a graceful one)
// has nothing behind its old routes, so the helper drops them as soon as
// the session is up (RFC 4724 4.2) instead of waiting for End-of-RIB.
func TestHelperDropsStaleWithoutForwardingState(t *testing.T) {
	k1 := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/16")}
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	b := l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	b.Originate(IPv4Unicast, k1, 0, Attrs{NextHop: addr("10.0.0.2")})
	l.run(10 * time.Millisecond)
	crash(b)
	l.run(time.Millisecond)
	if r := bestOf(l.routes("a", IPv4Unicast), k1); r == nil || !r.Stale {
		t.Fatalf("a's route after b crashed: %+v", r)
	}
	var out strings.Builder
	l.sp["a"].WriteRoutes(&out, IPv4Unicast)
	if !strings.Contains(out.String(), "S>i 10.1.0.0/16") {
		t.Errorf("show does not mark the stale route:\n%s", out.String())
	}
	// b comes back fresh (no Restarting), so F is clear, announcing k1
	// again: a drops the stale k1 the moment the session is up, before
	// the new k1 arrives — a withdrawal a graceful restart never shows
	// (compare TestGracefulRestartHelper).
	delete(l.sp, "b")
	b2 := l.speaker("b", "10.0.0.2", 65000, nil)
	b2.Originate(IPv4Unicast, k1, 0, Attrs{NextHop: addr("10.0.0.2")})
	if err := b2.AddPeer(PeerConfig{Addr: addr("10.0.0.1"), ASN: 65000, LocalAddr: addr("10.0.0.2")}); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	l.changes["a"] = nil
	l.mu.Unlock()
	l.run(10 * time.Millisecond)
	if !slices.Contains(l.withdrawn("a"), k1) {
		t.Fatal("stale route kept for a peer back without forwarding state")
	}
	if r := bestOf(l.routes("a", IPv4Unicast), k1); r == nil || r.Stale {
		t.Fatalf("k1 not relearned from the new b: %+v", r)
	}
}

// TestHelperNewConnectionFromRestartedPeer: the restarted peer connects
// again before its old connection's end was noticed (its FIN lost, say).
// The helper takes the new OPEN as the restart (RFC 4724 4.2): the old
// session goes, its routes stay as stale and are refreshed, never
// withdrawn, instead of the new connection being refused as a collision.
func TestHelperNewConnectionFromRestartedPeer(t *testing.T) {
	k1 := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/16")}
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	b := l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	b.Originate(IPv4Unicast, k1, 0, Attrs{NextHop: addr("10.0.0.2")})
	l.run(10 * time.Millisecond)
	// b dies silently: a is not told.
	b.mu.Lock()
	b.closed = true
	b.stopList()
	for _, p := range b.peers {
		for _, ss := range p.sessions {
			ss.done = true
		}
	}
	b.mu.Unlock()
	l.run(time.Millisecond)
	if l.state("a", "b") != Established {
		t.Fatal("a noticed the silent death")
	}
	l.mu.Lock()
	l.changes["a"] = nil
	l.mu.Unlock()
	delete(l.sp, "b")
	b2 := l.speaker("b", "10.0.0.2", 65000, func(c *Config) { c.Restarting = true })
	b2.Originate(IPv4Unicast, k1, 0, Attrs{NextHop: addr("10.0.0.2")})
	if err := b2.AddPeer(PeerConfig{Addr: addr("10.0.0.1"), ASN: 65000, LocalAddr: addr("10.0.0.2")}); err != nil {
		t.Fatal(err)
	}
	l.run(10 * time.Millisecond)
	if l.state("a", "b") != Established || l.state("b", "a") != Established || b2.Restarting() {
		t.Fatalf("a-b %v, b-a %v, b restarting %v", l.state("a", "b"), l.state("b", "a"), b2.Restarting())
	}
	if r := bestOf(l.routes("a", IPv4Unicast), k1); r == nil || r.Stale {
		t.Fatalf("a's k1: %+v", r)
	}
	for _, k := range l.withdrawn("a") {
		t.Errorf("%v withdrawn", k)
	}
}
