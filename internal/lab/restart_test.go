package lab

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// allSpeakers lists every BGP speaker in the lab.
func allSpeakers(l *Lab) map[string]*bgp.Speaker {
	out := map[string]*bgp.Speaker{}
	for _, n := range l.Nodes() {
		if n.BGP() == nil {
			continue
		}
		out[n.Model.Name] = n.BGP()
		for _, v := range n.bgp.vpn.VRFs() {
			out[n.Model.Name+" vrf "+v] = n.VRFBGP(v)
		}
	}
	return out
}

// staleRoutes counts the routes held as stale anywhere in the lab.
func staleRoutes(l *Lab) int {
	n := 0
	for _, sp := range allSpeakers(l) {
		for _, f := range []bgp.Family{bgp.IPv4Unicast, bgp.VPNv4} {
			for _, r := range sp.Routes(f) {
				if r.Stale {
					n++
				}
			}
		}
	}
	return n
}

// TestRestartBGPLosesNoPacket restarts a PE's BGP (global and VRF
// speakers) and a route reflector's while ce1 pings ce2 every 10 ms:
// graceful restart (RFC 4724) keeps every packet flowing.
func TestRestartBGPLosesNoPacket(t *testing.T) {
	for _, node := range []string{"pe2", "p1"} {
		t.Run(node, func(t *testing.T) {
			l, clk := seedLab(t)
			routesBefore := map[string]int{}
			for name, sp := range allSpeakers(l) {
				routesBefore[name] = len(sp.Routes(bgp.IPv4Unicast)) + len(sp.Routes(bgp.VPNv4))
			}
			s, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 500, Interval: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Second)
			since := clk.Now().Add(-time.Nanosecond)
			old := l.nodes[node].BGP()
			if err := l.RestartBGP(node); err != nil {
				t.Fatal(err)
			}
			if l.nodes[node].BGP() == old {
				t.Fatal("speaker not replaced")
			}
			// The new speaker defers until its peers' End-of-RIB. On the
			// in-memory network the peers' stale phase (connection lost,
			// reconnected, End-of-RIB) takes no lab time at all;
			// TestRestartWindowIsVirtual holds it open.
			if !l.nodes[node].BGP().Restarting() {
				t.Fatal("the new speaker is not in the restarting role")
			}
			await(t, clk, s.Done(), time.Minute)
			if res := s.Result(); res.Sent != 500 || res.Received != 500 {
				t.Fatalf("ping ce1 -> ce2 across the restart: sent %d, received %d", res.Sent, res.Received)
			}
			// The restart happens in no lab time on the in-memory network,
			// so a lost packet alone would not tell a graceful restart from
			// a withdraw-and-relearn: no router's RIB may have changed.
			for _, e := range l.Events(since) {
				if e.Kind == "bgp-routes" {
					t.Errorf("%s changed its BGP routes during the restart: %s", e.Node, e.Detail)
				}
			}
			live, est := l.bgpCounts()
			if live == 0 || live != est {
				t.Fatalf("after the restart %d of %d live sessions established", est, live)
			}
			if n := staleRoutes(l); n != 0 {
				t.Fatalf("%d routes still stale", n)
			}
			for name, sp := range allSpeakers(l) {
				if sp.Restarting() {
					t.Errorf("%s still restarting", name)
				}
				if n := len(sp.Routes(bgp.IPv4Unicast)) + len(sp.Routes(bgp.VPNv4)); n != routesBefore[name] {
					t.Errorf("%s: %d routes after the restart, %d before", name, n, routesBefore[name])
				}
			}
		})
	}
}

// TestRestartWindowIsVirtual holds a restart open: right after pe2's
// restart the path between pe2 and ce2 is cut, so pe2's VRF speaker
// cannot get ce2's End-of-RIB. ce2 keeps pe2's routes as stale and pe2
// keeps forwarding on what its router kept: ce1 still reaches ce2. After
// the 60 s selection deferral pe2 gives up waiting; when the path heals
// the session returns and nothing is stale. Minutes of restart window on
// the virtual clock take no wall time.
func TestRestartWindowIsVirtual(t *testing.T) {
	l, clk := seedLab(t)
	start := time.Now()
	var peAddr, ceAddr netip.Addr
	var vrf string
	for _, s := range l.Model.Sessions {
		if s.Kind == topology.SessionPECE && s.A == "pe2" && s.B == "ce2" {
			peAddr, ceAddr, vrf = s.AAddr, s.BAddr, s.VRF
		}
	}
	if vrf == "" {
		t.Fatal("no pe2-ce2 session in the seed lab")
	}
	if err := l.RestartBGP("pe2"); err != nil {
		t.Fatal(err)
	}
	// The old connection's close still reaches ce2; new ones do not.
	l.bgpNets[vrf].SetReachable(peAddr, ceAddr, false)
	pe2, ce2 := l.nodes["pe2"], l.nodes["ce2"]
	restarted := clk.Now()
	for _, at := range []time.Duration{time.Second, 50 * time.Second} {
		clk.Advance(restarted.Add(at).Sub(clk.Now()))
		stale := 0
		for _, r := range ce2.BGP().Routes(bgp.IPv4Unicast) {
			if r.Stale {
				stale++
			}
		}
		if stale == 0 || !pe2.VRFBGP(vrf).Restarting() {
			t.Fatalf("at %v: ce2 holds %d stale routes, pe2 vrf deferring %v", at, stale, pe2.VRFBGP(vrf).Restarting())
		}
		if res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
			t.Fatalf("ping during the restart: %+v", res)
		}
	}
	clk.Advance(restarted.Add(61 * time.Second).Sub(clk.Now()))
	if pe2.VRFBGP(vrf).Restarting() {
		t.Fatal("pe2's VRF speaker still deferring after its 60 s selection deferral")
	}
	l.bgpNets[vrf].SetReachable(peAddr, ceAddr, true)
	clk.Advance(120 * time.Second)
	if live, est := l.bgpCounts(); live != est {
		t.Fatalf("%d of %d live sessions established", est, live)
	}
	if n := staleRoutes(l); n != 0 {
		t.Fatalf("%d routes still stale", n)
	}
	if res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping after the restart: %+v", res)
	}
	if wall := time.Since(start); wall > 20*time.Second {
		t.Errorf("three minutes of restart window took %v of wall time", wall)
	}
}

// TestHardBGPResetLosesPackets is the control: stopping pe2's speakers
// with a Cease NOTIFICATION (no graceful restart) makes its peers
// withdraw its routes at once, and ce1 can no longer reach ce2.
func TestHardBGPResetLosesPackets(t *testing.T) {
	l, clk := seedLab(t)
	pe2 := l.nodes["pe2"]
	pe2.BGP().Close()
	for _, v := range pe2.bgp.vpn.VRFs() {
		pe2.VRFBGP(v).Close()
	}
	clk.Advance(100 * time.Millisecond)
	pe2Lo := pe2.Model.Loopback.Addr()
	for _, r := range l.nodes["p1"].BGP().Routes(bgp.VPNv4) {
		if r.NextHop == pe2Lo {
			t.Fatalf("p1 kept %v from pe2 after a NOTIFICATION", r.Key)
		}
	}
	// pe1 has no route to ce2's prefixes any more: the ping either
	// cannot start (ce1's own routes came from pe1) or gets no reply.
	ps, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 10, Interval: 10 * time.Millisecond})
	if err != nil {
		t.Logf("as expected: %v", err)
		return
	}
	await(t, clk, ps.Done(), time.Minute)
	if res := ps.Result(); res.Received != 0 {
		t.Fatalf("ce1 reached ce2 without pe2's routes: %+v", res)
	}
}
