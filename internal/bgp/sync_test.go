package bgp

import (
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// updatesSent decodes the UPDATEs a recordConn saw: announced keys and
// End-of-RIB families, in order.
func updatesSent(t *testing.T, rc *recordConn) (announced []RouteKey, eor []Family) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, m := range rc.sent {
		if m[18] != bgp.BGP_MSG_UPDATE {
			continue
		}
		msg, err := bgp.ParseBGPMessage(m)
		if err != nil {
			t.Fatalf("speaker sent an undecodable UPDATE: %v", err)
		}
		u := msg.Body.(*bgp.BGPUpdate)
		if ok, f := u.IsEndOfRib(); ok {
			eor = append(eor, Family(f))
			continue
		}
		for _, n := range u.NLRI {
			k, _, _ := keyOf(IPv4Unicast, n.NLRI)
			announced = append(announced, k)
		}
		for _, pa := range u.PathAttributes {
			if mp, ok := pa.(*bgp.PathAttributeMpReachNLRI); ok {
				for _, n := range mp.Value {
					k, _, _ := keyOf(VPNv4, n.NLRI)
					announced = append(announced, k)
				}
			}
		}
	}
	return announced, eor
}

func TestInitialSyncEndOfRIBAndRouteRefresh(t *testing.T) {
	s, rc := establishedSpeaker(t, 65000)
	defer s.Close()
	// Established with an empty table: one End-of-RIB per family.
	ann, eor := updatesSent(t, rc)
	if len(ann) != 0 || len(eor) != 2 {
		t.Fatalf("initial sync: %d routes, End-of-RIB for %v", len(ann), eor)
	}
	k := vpnKey(t, "65000:7", "10.7.0.0/16")
	if err := s.Originate(VPNv4, k, 77, Attrs{NextHop: addr("10.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	// Flushing runs as its own callback on the speaker's clock.
	s.cfg.Clock.(interface{ Advance(time.Duration) int }).Advance(time.Millisecond)
	ann, _ = updatesSent(t, rc)
	if len(ann) != 1 || ann[0] != k {
		t.Fatalf("announced %v, want %v", ann, k)
	}
	// ROUTE-REFRESH for VPNv4: the table again, then End-of-RIB.
	rc.recv(mustSerialize(t, bgp.NewBGPRouteRefreshMessage(bgp.AFI_IP, 0, bgp.SAFI_MPLS_VPN)))
	ann, eor = updatesSent(t, rc)
	if len(ann) != 2 || len(eor) != 3 || eor[2] != VPNv4 {
		t.Fatalf("after route refresh: announced %v, End-of-RIB %v", ann, eor)
	}
}

func TestPartitionWithdrawsAndRecovers(t *testing.T) {
	l := rrLab(t, 2)
	k := vpnKey(t, "65000:1", "192.168.1.0/24")
	l.sp["pe1"].Originate(VPNv4, k, 1001, Attrs{NextHop: addr("10.0.0.1")})
	l.run(time.Millisecond)
	if bestOf(l.routes("pe2", VPNv4), k) == nil {
		t.Fatal("route not propagated")
	}
	// pe1 loses the reflector: after the 90 s hold time its routes go.
	l.net.SetReachable(addr("10.0.0.1"), addr("10.0.0.100"), false)
	l.run(89 * time.Second)
	if bestOf(l.routes("pe2", VPNv4), k) == nil {
		t.Fatal("route gone before the hold time")
	}
	l.run(2 * time.Second)
	if bestOf(l.routes("pe2", VPNv4), k) != nil {
		t.Fatal("route of an unreachable PE kept after hold time")
	}
	l.net.SetReachable(addr("10.0.0.1"), addr("10.0.0.100"), true)
	l.run(20 * time.Second)
	if l.state("rr", "pe1") != Established || bestOf(l.routes("pe2", VPNv4), k) == nil {
		t.Fatalf("after repair: session %v, route %v", l.state("rr", "pe1"), bestOf(l.routes("pe2", VPNv4), k))
	}
	// The change callback saw the route come, go and come back at pe2.
	l.mu.Lock()
	defer l.mu.Unlock()
	var seen []bool
	for _, c := range l.changes["pe2"] {
		if c.Key == k {
			seen = append(seen, c.Best != nil)
		}
	}
	if len(seen) != 3 || !seen[0] || seen[1] || !seen[2] {
		t.Fatalf("pe2 best-path changes for %v: %v, want [true false true]", k, seen)
	}
}

// TestShortCutLosesNoUpdate cuts pe2 off the reflector for less than the
// hold time while pe1 announces a route: like TCP over a path that heals,
// the connection keeps the UPDATE and delivers it when the path returns,
// and the session never drops.
func TestShortCutLosesNoUpdate(t *testing.T) {
	l := rrLab(t, 2)
	l.net.SetReachable(addr("10.0.0.2"), addr("10.0.0.100"), false)
	k := vpnKey(t, "65000:1", "192.168.7.0/24")
	if err := l.sp["pe1"].Originate(VPNv4, k, 1007, Attrs{NextHop: addr("10.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	l.run(5 * time.Second)
	if bestOf(l.routes("pe2", VPNv4), k) != nil {
		t.Fatal("the route crossed a cut path")
	}
	if bestOf(l.routes("pe1", VPNv4), k) == nil || l.state("rr", "pe2") != Established {
		t.Fatalf("before repair: pe1 route %v, rr-pe2 %v", bestOf(l.routes("pe1", VPNv4), k), l.state("rr", "pe2"))
	}
	l.net.SetReachable(addr("10.0.0.2"), addr("10.0.0.100"), true)
	l.run(time.Millisecond)
	if r := bestOf(l.routes("pe2", VPNv4), k); r == nil || r.Label != 1007 {
		t.Fatalf("after repair pe2 has %+v, want the route held during the cut", r)
	}
	if l.state("rr", "pe2") != Established || l.state("pe2", "rr") != Established {
		t.Fatal("session dropped during a cut shorter than the hold time")
	}
}
