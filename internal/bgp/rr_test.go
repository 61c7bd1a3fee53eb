package bgp

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// rrLab: one reflector rr (cluster 10.0.0.100) with PE clients pe1..peN
// and one non-client ibgp speaker nc.
func rrLab(t *testing.T, clients int) *lab {
	l := newLab(t)
	l.speaker("rr", "10.0.0.100", 65000, nil)
	for i := 1; i <= clients; i++ {
		n := fmt.Sprintf("pe%d", i)
		l.speaker(n, fmt.Sprintf("10.0.0.%d", i), 65000, nil)
		l.peer("rr", n, func(ab, ba *PeerConfig) { ab.RRClient = true })
	}
	l.speaker("nc", "10.0.0.50", 65000, nil)
	l.peer("rr", "nc", nil)
	l.run(10 * time.Millisecond)
	for n := range l.sp {
		if n != "rr" && l.state("rr", n) != Established {
			t.Fatalf("rr-%s not established", n)
		}
	}
	return l
}

func TestVPNRouteThroughReflector(t *testing.T) {
	l := rrLab(t, 3)
	k := vpnKey(t, "65000:1", "192.168.1.0/24")
	attrs := Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})}
	if err := l.sp["pe1"].Originate(VPNv4, k, 1001, attrs); err != nil {
		t.Fatal(err)
	}
	l.run(time.Millisecond)
	for _, n := range []string{"pe2", "pe3", "nc"} {
		r := bestOf(l.routes(n, VPNv4), k)
		if r == nil {
			t.Fatalf("%s has no best path for %v", n, k)
		}
		if r.Label != 1001 || r.NextHop != addr("10.0.0.1") || r.Peer != addr("10.0.0.100") {
			t.Errorf("%s: label %d next hop %v from %v", n, r.Label, r.NextHop, r.Peer)
		}
		if rts := r.Attrs.RouteTargets(); len(rts) != 1 || rts[0].String() != "RT:65000:100" {
			t.Errorf("%s: RTs %v", n, rts)
		}
		if r.Attrs.OriginatorID != addr("10.0.0.1") || !slices.Equal(r.Attrs.Clusters(), []netip.Addr{addr("10.0.0.100")}) {
			t.Errorf("%s: originator %v clusters %v", n, r.Attrs.OriginatorID, r.Attrs.Clusters())
		}
		if !r.Attrs.HasLocalPref || r.Attrs.LocalPref != 100 {
			t.Errorf("%s: local pref %v/%d", n, r.Attrs.HasLocalPref, r.Attrs.LocalPref)
		}
	}
	// The originator ignores its own route reflected back (ORIGINATOR_ID).
	if rs := l.routes("pe1", VPNv4); len(rs) != 1 || !rs[0].Local {
		t.Fatalf("pe1 holds %+v, want only its local route", rs)
	}
	// Withdraw reaches everyone.
	if err := l.sp["pe1"].Withdraw(VPNv4, k); err != nil {
		t.Fatal(err)
	}
	l.run(time.Millisecond)
	for _, n := range []string{"rr", "pe2", "pe3", "nc"} {
		if rs := l.routes(n, VPNv4); len(rs) != 0 {
			t.Errorf("%s still holds %+v after withdraw", n, rs)
		}
	}
}

func TestReflectorRules(t *testing.T) {
	l := rrLab(t, 2)
	// A non-client's route goes to clients only, not back to other
	// non-clients; a non-reflector never passes iBGP routes on.
	k := RouteKey{Prefix: netip.MustParsePrefix("172.16.0.0/16")}
	if err := l.sp["nc"].Originate(IPv4Unicast, k, 0, Attrs{NextHop: addr("10.0.0.50")}); err != nil {
		t.Fatal(err)
	}
	l.speaker("nc2", "10.0.0.51", 65000, nil)
	l.peer("rr", "nc2", nil)
	l.speaker("behind", "10.0.0.60", 65000, nil)
	l.peer("pe1", "behind", nil) // pe1 is not a reflector
	l.run(10 * time.Millisecond)
	for n, want := range map[string]bool{"pe1": true, "pe2": true, "nc2": false, "behind": false} {
		if got := bestOf(l.routes(n, IPv4Unicast), k) != nil; got != want {
			t.Errorf("%s has the non-client route: %v, want %v", n, got, want)
		}
	}
	// A client's route goes to clients and non-clients alike.
	k2 := RouteKey{Prefix: netip.MustParsePrefix("172.17.0.0/16")}
	l.sp["pe2"].Originate(IPv4Unicast, k2, 0, Attrs{NextHop: addr("10.0.0.2")})
	l.run(time.Millisecond)
	for _, n := range []string{"pe1", "nc", "nc2"} {
		if bestOf(l.routes(n, IPv4Unicast), k2) == nil {
			t.Errorf("%s lacks the client route", n)
		}
	}
	// A route carrying our cluster id is a loop: dropped on receipt.
	k3 := RouteKey{Prefix: netip.MustParsePrefix("172.18.0.0/16")}
	l.sp["nc"].Originate(IPv4Unicast, k3, 0, Attrs{NextHop: addr("10.0.0.50"), ClusterList: packAddrs([]netip.Addr{addr("10.0.0.100")})})
	l.run(time.Millisecond)
	if rs := l.routes("rr", IPv4Unicast); bestOf(rs, k3) != nil {
		t.Error("reflector accepted a route with its own cluster id")
	}
}

func TestUpdateGroupEncodesOnce(t *testing.T) {
	const clients = 20
	l := rrLab(t, clients)
	rr := l.sp["rr"]
	var g *updateGroup
	for k, gg := range rr.groups {
		if k.family == VPNv4 && k.rrClient {
			if g != nil {
				t.Fatal("clients spread over more than one group")
			}
			g = gg
		}
	}
	if g == nil || len(g.members) != clients {
		t.Fatalf("client group %+v", g)
	}
	before := g.encoded
	// 500 routes from one client, one attribute set: a handful of
	// UPDATEs, encoded once for all 20 clients.
	for i := range 500 {
		k := vpnKey(t, "65000:1", fmt.Sprintf("10.%d.%d.0/24", i/256, i%256))
		l.sp["pe1"].Originate(VPNv4, k, 100, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:1")})})
	}
	l.run(time.Millisecond)
	encoded := g.encoded - before
	// 500 VPN /24s at 15 octets each need two 4 KB messages.
	if encoded < 2 || encoded > 4 {
		t.Fatalf("reflector encoded %d UPDATEs for 500 routes to %d clients", encoded, clients)
	}
	for i := 2; i <= clients; i++ {
		if n := len(l.routes(fmt.Sprintf("pe%d", i), VPNv4)); n != 500 {
			t.Fatalf("pe%d has %d routes, want 500", i, n)
		}
	}
	// Shared attributes: every route on pe2 points at one interned set.
	rs := l.sp["pe2"].tables[VPNv4]
	var h AttrHandle
	for _, d := range rs.dests.all() {
		if h == (AttrHandle{}) {
			h = d.best.attrs
		} else if d.best.attrs != h {
			t.Fatal("identical attribute sets not shared")
		}
	}
}

func TestEBGPRules(t *testing.T) {
	l := newLab(t)
	l.speaker("pe", "10.0.0.1", 65000, nil)
	l.speaker("ce", "10.0.1.1", 65100, nil)
	l.speaker("ibgp", "10.0.0.2", 65000, nil)
	l.peer("pe", "ce", nil)
	l.peer("pe", "ibgp", nil)
	l.run(10 * time.Millisecond)
	k := RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}
	l.sp["ce"].Originate(IPv4Unicast, k, 0, Attrs{NextHop: addr("10.0.1.1"), LocalPref: 500, HasLocalPref: true, MED: 7, HasMED: true})
	l.run(time.Millisecond)
	r := bestOf(l.routes("pe", IPv4Unicast), k)
	if r == nil || !r.EBGP || r.Attrs.ASPathString() != "65100" || r.NextHop != addr("10.0.1.1") {
		t.Fatalf("pe: %+v", r)
	}
	if r.Attrs.HasLocalPref {
		t.Error("LOCAL_PREF crossed an AS boundary")
	}
	if !r.Attrs.HasMED || r.Attrs.MED != 7 {
		t.Error("MED of the neighbour AS lost")
	}
	// On to iBGP: next hop unchanged, LOCAL_PREF 100 added, path kept.
	r = bestOf(l.routes("ibgp", IPv4Unicast), k)
	if r == nil || r.EBGP || r.Attrs.ASPathString() != "65100" || r.NextHop != addr("10.0.1.1") || r.Attrs.LocalPref != 100 {
		t.Fatalf("ibgp: %+v", r)
	}
	// iBGP's own route goes to the CE with our AS prepended, next hop self, no MED.
	k2 := RouteKey{Prefix: netip.MustParsePrefix("198.51.100.0/24")}
	l.sp["ibgp"].Originate(IPv4Unicast, k2, 0, Attrs{NextHop: addr("10.0.0.2"), MED: 5, HasMED: true})
	l.run(time.Millisecond)
	r = bestOf(l.routes("ce", IPv4Unicast), k2)
	if r == nil || r.Attrs.ASPathString() != "65000" || r.NextHop != addr("10.0.0.1") || r.Attrs.HasMED {
		t.Fatalf("ce: %+v", r)
	}
	// The CE's own route comes back with 65100 in the path: loop, dropped.
	if rs := l.routes("ce", IPv4Unicast); bestOf(rs, k) == nil || !bestOf(rs, k).Local {
		t.Fatalf("ce's view of its own route: %+v", rs)
	}
}
