package bgp

import (
	"net/netip"
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
			b2 := l.speaker("b", "10.0.0.2", 65000, nil)
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
			l.mu.Lock()
			defer l.mu.Unlock()
			for _, c := range l.changes["a"] {
				if c.Best == nil && c.Key != k2 {
					t.Errorf("%v withdrawn during the restart", c.Key)
				}
			}
		})
	}
}
