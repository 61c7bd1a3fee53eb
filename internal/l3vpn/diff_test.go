package l3vpn

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// pathState is what a speaker originates, comparable: key, label and
// attributes of each of its local best paths.
type pathState struct {
	Family bgp.Family
	Key    string
	Label  uint32
	Attrs  bgp.Attrs
}

func originated(sp *bgp.Speaker) []pathState {
	var out []pathState
	for _, p := range sp.BestPaths(sp.Families()...) {
		if p.Local && p.Family != bgp.RTC {
			out = append(out, pathState{p.Family, p.Key.String(), p.Label, p.Attrs.Value()})
		}
	}
	slices.SortFunc(out, func(a, b pathState) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// peState is everything sync decides on a PE: its BGP routes in the VRF
// and what its speakers originate.
type peState struct {
	EBGP, IBGP []router.Route
	VPN, ToCE  []pathState
}

func (g *vpnRig) peState(name string, n *Node) peState {
	sorted := func(rs []router.Route) []router.Route {
		slices.SortFunc(rs, func(a, b router.Route) int { return comparePrefix(a.Prefix, b.Prefix) })
		return rs
	}
	tb := g.r[name].Table()
	return peState{EBGP: sorted(tb.Routes(router.ProtoEBGP, "red")), IBGP: sorted(tb.Routes(router.ProtoIBGP, "red")),
		VPN: originated(n.Speaker()), ToCE: originated(n.VRFSpeaker("red"))}
}

// Sync by difference ends where a full sync from the whole tables would:
// through a random run of VPN routes coming, changing and going (several
// RDs for a prefix, route targets the VRF does or does not import, next
// hops that are the PE itself) and CE routes shadowing them, whichever
// came first, each PE's VRF routes and originations after every step are
// what a full sync then leaves unchanged.
func TestSyncByDifferenceEndsWhereAFullSyncWould(t *testing.T) {
	g, pe3 := newRigWithPE3(t)
	clk := g.net.Clock
	lo3 := a("10.255.0.3")

	prefixes := []netip.Prefix{pfx1, pfx2, netip.MustParsePrefix("10.3.0.0/16"), netip.MustParsePrefix("10.3.1.0/24"), netip.MustParsePrefix("172.16.0.0/12")}
	rds := []string{"10.255.0.3:1", "10.255.0.3:2", "10.255.0.1:1", "65000:7"}
	rts := []bgp.ExtCommunity{rt1, mustRT("65000:2")}
	hops := []netip.Addr{lo3, lo1, lo2}
	rng := rand.New(rand.NewPCG(1, 2))
	settle := func() { clk.Advance(2 * time.Second) }
	full0, diff0 := g.pe1.fullSyncs+g.pe2.fullSyncs, g.pe1.diffSyncs+g.pe2.diffSyncs
	forced := 0 // full syncs the test asks for
	for step := range 120 {
		switch rng.IntN(4) {
		case 0, 1: // pe3 originates or changes a VPN route
			rd, _ := bgp.ParseRD(rds[rng.IntN(len(rds))])
			at := bgp.Attrs{Origin: bgp.OriginIGP, NextHop: hops[rng.IntN(len(hops))],
				ExtCommunities: bgp.PackExtCommunities([]bgp.ExtCommunity{rts[rng.IntN(len(rts))]}), MED: uint32(rng.IntN(3)), HasMED: true}
			if err := pe3.Originate(bgp.VPNv4, bgp.RouteKey{RD: rd, Prefix: prefixes[rng.IntN(len(prefixes))]}, uint32(16+rng.IntN(3)), at); err != nil {
				t.Fatal(err)
			}
		case 2: // pe3 withdraws one
			rd, _ := bgp.ParseRD(rds[rng.IntN(len(rds))])
			if err := pe3.Withdraw(bgp.VPNv4, bgp.RouteKey{RD: rd, Prefix: prefixes[rng.IntN(len(prefixes))]}); err != nil {
				t.Fatal(err)
			}
		case 3: // a CE announces another set
			ce := []string{"ce1", "ce2"}[rng.IntN(2)]
			var set []netip.Prefix
			for _, p := range prefixes {
				if rng.IntN(3) == 0 {
					set = append(set, p)
				}
			}
			g.reannounce(ce, set...)
		}
		settle()
		forced += 2
		for name, n := range map[string]*Node{"pe1": g.pe1, "pe2": g.pe2} {
			before := g.peState(name, n)
			g.r[name].Do(func() {
				n.mu.Lock()
				n.full = true
				n.mu.Unlock()
				n.sync()
			})
			settle()
			if after := g.peState(name, n); !reflect.DeepEqual(before, after) {
				t.Fatalf("step %d, %s: a full sync changed what the syncs by difference had left:\nbefore %s\nafter  %s", step, name, show(before), show(after))
			}
		}
	}
	full, diff := g.pe1.fullSyncs+g.pe2.fullSyncs-full0, g.pe1.diffSyncs+g.pe2.diffSyncs-diff0
	if diff < 150 || full != forced {
		t.Errorf("%d syncs by difference and %d full ones (%d asked for): the run did not exercise the difference", diff, full, forced)
	}
	if vpn := len(g.r["pe2"].Table().Routes(router.ProtoIBGP, "red")); vpn == 0 {
		t.Error("pe2's vrf red ended with no VPN route: the run imported nothing")
	}
}

func show(s peState) string {
	return fmt.Sprintf("ebgp %v\n ibgp %v\n vpn %v\n to CE %v", s.EBGP, s.IBGP, s.VPN, s.ToCE)
}

// A CE's route shadows the VPN route the VRF imported for the same
// prefix even when the import came first: the PE installs and exports
// the CE's route and stops sending the import to its CE.
func TestACERouteShadowsAnEarlierImportOfItsPrefix(t *testing.T) {
	g := newVPNRig(t, false)
	g.until("pe2 imports ce1's route", func() bool { _, ok := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1); return ok })
	g.reannounce("ce2", pfx2, pfx1)
	g.until("pe2 holds ce2's route for the prefix, not the import", func() bool {
		_, imported := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1)
		rt, fromCE := route(g.r["pe2"], router.ProtoEBGP, "red", pfx1)
		return !imported && fromCE && rt.Nexthops[0].Addr == a("192.168.2.1")
	})
	for _, p := range originated(g.pe2.VRFSpeaker("red")) {
		if p.Key == pfx1.String() {
			t.Errorf("pe2 still sends ce2 the import of %v", pfx1)
		}
	}
	exported := false
	for _, p := range originated(g.pe2.Speaker()) {
		exported = exported || p.Key == "10.255.0.2:1:"+pfx1.String()
	}
	if !exported {
		t.Errorf("pe2 does not export ce2's route for %v: %v", pfx1, originated(g.pe2.Speaker()))
	}
}

// newRigWithPE3 is the VPN rig with a third PE, a bare speaker at
// 10.255.0.3 peering with pe1 and pe2 (both route to it), once the rig's
// CEs have each other's routes.
func newRigWithPE3(t *testing.T) (*vpnRig, *bgp.Speaker) {
	t.Helper()
	g := newVPNRig(t, false)
	lo3 := a("10.255.0.3")
	static(g.r["pe1"], "", "10.255.0.3/32")
	static(g.r["pe2"], "", "10.255.0.3/32")
	pe3, err := bgp.New(bgp.Config{ASN: 65000, RouterID: lo3, Families: []bgp.Family{bgp.VPNv4}, Transport: g.core,
		ListenAddr: netip.AddrPortFrom(lo3, 179), Clock: g.net.Clock, Resolver: func(netip.Addr) (uint32, bool) { return 0, true }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pe3.Close)
	for _, pc := range []struct {
		sp          *bgp.Speaker
		addr, local netip.Addr
	}{{pe3, lo1, lo3}, {pe3, lo2, lo3}, {g.pe1.Speaker(), lo3, lo1}, {g.pe2.Speaker(), lo3, lo2}} {
		if err := pc.sp.AddPeer(bgp.PeerConfig{Addr: pc.addr, ASN: 65000, LocalAddr: pc.local}); err != nil {
			t.Fatal(err)
		}
	}
	g.until("ce2 has ce1's route", func() bool { _, ok := route(g.r["ce2"], router.ProtoEBGP, "", pfx1); return ok })
	return g, pe3
}

// VPN routes that arrive within syncHold of the first are put in the
// VRF together, by one sync, syncHold after the first arrived, as
// zebra's work queue holds its RIB updates; SyncPending (which the lab's
// readiness waits on) says so meanwhile.
func TestRoutesArrivingWithinTheHoldAreImportedByOneSync(t *testing.T) {
	g, pe3 := newRigWithPE3(t)
	clk := g.net.Clock
	clk.Advance(2 * time.Second) // quiet
	at := bgp.Attrs{Origin: bgp.OriginIGP, NextHop: a("10.255.0.3"), ExtCommunities: bgp.PackExtCommunities([]bgp.ExtCommunity{rt1})}
	rd, _ := bgp.ParseRD("10.255.0.3:1")
	first, second := netip.MustParsePrefix("10.3.0.0/16"), netip.MustParsePrefix("10.4.0.0/16")
	inVRF := func(p netip.Prefix) bool { _, ok := route(g.r["pe1"], router.ProtoIBGP, "red", p); return ok }
	syncs := func() int { return g.pe1.fullSyncs + g.pe1.diffSyncs }
	before := syncs()

	if err := pe3.Originate(bgp.VPNv4, bgp.RouteKey{RD: rd, Prefix: first}, 16, at); err != nil {
		t.Fatal(err)
	}
	clk.Advance(syncHold / 2)
	if err := pe3.Originate(bgp.VPNv4, bgp.RouteKey{RD: rd, Prefix: second}, 17, at); err != nil {
		t.Fatal(err)
	}
	clk.Advance(syncHold/2 - time.Millisecond)
	if inVRF(first) || inVRF(second) || !g.pe1.SyncPending() {
		t.Fatalf("before the hold ran out: first in vrf red %v, second %v, sync pending %v; want neither, pending",
			inVRF(first), inVRF(second), g.pe1.SyncPending())
	}
	clk.Advance(time.Millisecond)
	if !inVRF(first) || !inVRF(second) {
		t.Fatalf("when the hold ran out: first in vrf red %v, second %v; want both", inVRF(first), inVRF(second))
	}
	if n := syncs() - before; n != 1 {
		t.Errorf("pe1 synced %d times for the two routes, want once", n)
	}
}

// A VPN route costs a PE one sync when it comes and one when it goes:
// what the sync originates itself (the import, sent on to the CE) does
// not wake another, which would redo every import only to find it done.
func TestAPEsOwnOriginationsDoNotWakeItsSyncAgain(t *testing.T) {
	g, pe3 := newRigWithPE3(t)
	clk := g.net.Clock
	clk.Advance(2 * time.Second) // quiet
	at := bgp.Attrs{Origin: bgp.OriginIGP, NextHop: a("10.255.0.3"), ExtCommunities: bgp.PackExtCommunities([]bgp.ExtCommunity{rt1})}
	k := bgp.RouteKey{Prefix: netip.MustParsePrefix("10.3.0.0/16")}
	k.RD, _ = bgp.ParseRD("10.255.0.3:1")
	atCE := func() bool { _, ok := route(g.r["ce1"], router.ProtoEBGP, "", k.Prefix); return ok }
	syncs := func() int { return g.pe1.fullSyncs + g.pe1.diffSyncs }

	before := syncs()
	if err := pe3.Originate(bgp.VPNv4, k, 16, at); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	if !atCE() {
		t.Fatalf("ce1 has no route to %v after pe1 imported it", k.Prefix)
	}
	if n := syncs() - before; n != 1 {
		t.Errorf("pe1 synced %d times for one VPN route coming, want once", n)
	}
	before = syncs()
	if err := pe3.Withdraw(bgp.VPNv4, k); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	if atCE() {
		t.Fatalf("ce1 still has %v after pe3 withdrew it", k.Prefix)
	}
	if n := syncs() - before; n != 1 {
		t.Errorf("pe1 synced %d times for one VPN route going, want once", n)
	}
}
