package bgp

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// rtcLab: reflector rr with clients pe1..pe3, and pe4, a client whose
// session with rr has RTC turned off. pe1 originates one VPN route per
// RT 65000:100, :200, :300.
func rtcLab(t *testing.T) (*lab, map[string]RouteKey) {
	l := newLab(t)
	l.speaker("rr", "10.0.0.100", 65000, nil)
	for i := 1; i <= 4; i++ {
		n := fmt.Sprintf("pe%d", i)
		l.speaker(n, fmt.Sprintf("10.0.0.%d", i), 65000, nil)
		l.peer("rr", n, func(ab, ba *PeerConfig) {
			ab.RRClient = true
			ab.NoRTConstraint = i == 4
			ab.AdvertiseDefaultRTC = true
		})
	}
	keys := map[string]RouteKey{}
	for i, rtn := range []string{"65000:100", "65000:200", "65000:300"} {
		k := vpnKey(t, fmt.Sprintf("65000:%d", i+1), fmt.Sprintf("192.168.%d.0/24", i+1))
		keys[rtn] = k
		a := Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, rtn)})}
		if err := l.sp["pe1"].Originate(VPNv4, k, uint32(100+i), a); err != nil {
			t.Fatal(err)
		}
	}
	l.run(10 * time.Millisecond)
	return l, keys
}

// vpnHas lists which of keys' RTs name routes n holds.
func vpnHas(l *lab, n string, keys map[string]RouteKey) []string {
	var out []string
	for rtn, k := range keys {
		if bestOf(l.routes(n, VPNv4), k) != nil {
			out = append(out, rtn)
		}
	}
	slices.Sort(out)
	return out
}

func setImports(t *testing.T, s *Speaker, rts ...string) {
	t.Helper()
	var ecs []ExtCommunity
	for _, r := range rts {
		ecs = append(ecs, rt(t, r))
	}
	if err := s.SetImportRTs(ecs); err != nil {
		t.Fatal(err)
	}
}

func TestRTCFiltersThroughReflector(t *testing.T) {
	l, keys := rtcLab(t)
	all := []string{"65000:100", "65000:200", "65000:300"}
	// Nobody has set import RTs yet: every speaker asks for everything.
	for _, n := range []string{"pe2", "pe3", "pe4"} {
		if got := vpnHas(l, n, keys); !slices.Equal(got, all) {
			t.Fatalf("before SetImportRTs %s has %v", n, got)
		}
	}
	setImports(t, l.sp["pe2"], "65000:100")
	setImports(t, l.sp["pe3"], "65000:200", "65000:999")
	setImports(t, l.sp["pe4"], "65000:100") // no RTC with rr: ignored there
	setImports(t, l.sp["rr"])               // a reflector still asks for all
	l.run(10 * time.Millisecond)
	want := map[string][]string{"pe2": {"65000:100"}, "pe3": {"65000:200"}, "pe4": all, "rr": all}
	for n, w := range want {
		if got := vpnHas(l, n, keys); !slices.Equal(got, w) {
			t.Errorf("%s has %v, want %v", n, got, w)
		}
	}
	// The reflector holds pe2's membership, reflected from client to client.
	var members []string
	for _, r := range l.routes("rr", RTC) {
		members = append(members, r.Key.String())
	}
	if !slices.Contains(members, "65000:65000:100/96") || !slices.Contains(members, "default/0") {
		t.Errorf("rr's RTC table: %v", members)
	}
	// A client configured so (AdvertiseDefaultRTC, Junos's
	// advertise-default) hears the reflector's default membership only,
	// not the other clients'.
	var heard []string
	for _, r := range l.routes("pe1", RTC) {
		if !r.Local {
			heard = append(heard, r.Key.String())
		}
	}
	if !slices.Equal(heard, []string{"default/0"}) {
		t.Errorf("pe1 heard memberships %v, want the reflector's default only", heard)
	}
	// RTC routes stay out of OnBestChange and the prefix counts.
	l.mu.Lock()
	for n, chs := range l.changes {
		for _, c := range chs {
			if c.Family == RTC {
				t.Errorf("%s was told of RTC change %v", n, c.Key)
			}
		}
	}
	l.mu.Unlock()
	for _, nb := range l.sp["rr"].Summary() {
		if nb.Neighbor == addr("10.0.0.2") && nb.PfxSnt != 1 {
			t.Errorf("rr -> pe2 PfxSnt %d, want 1", nb.PfxSnt)
		}
	}

	// Membership change: pe2 adds :300, then drops :100.
	setImports(t, l.sp["pe2"], "65000:100", "65000:300")
	l.run(10 * time.Millisecond)
	if got := vpnHas(l, "pe2", keys); !slices.Equal(got, []string{"65000:100", "65000:300"}) {
		t.Fatalf("after adding 65000:300 pe2 has %v", got)
	}
	setImports(t, l.sp["pe2"], "65000:300")
	l.run(10 * time.Millisecond)
	if got := vpnHas(l, "pe2", keys); !slices.Equal(got, []string{"65000:300"}) {
		t.Fatalf("after dropping 65000:100 pe2 has %v", got)
	}
	// New routes follow the current filter.
	k := vpnKey(t, "65000:7", "192.168.7.0/24")
	l.sp["pe1"].Originate(VPNv4, k, 107, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:200"), rt(t, "65000:300")})})
	l.run(10 * time.Millisecond)
	for _, n := range []string{"pe2", "pe3", "pe4"} {
		if bestOf(l.routes(n, VPNv4), k) == nil {
			t.Errorf("%s lacks a route carrying one of its RTs", n)
		}
	}
	// A route sent to pe2 that loses pe2's RT is withdrawn from it, and
	// only from it: the reflector redoes the groups it sent the route to
	// as well as those its new RTs pass.
	l.sp["pe1"].Originate(VPNv4, k, 107, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:200")})})
	l.run(10 * time.Millisecond)
	if bestOf(l.routes("pe2", VPNv4), k) != nil {
		t.Errorf("pe2 keeps a route that no longer carries its RT")
	}
	if bestOf(l.routes("pe3", VPNv4), k) == nil {
		t.Errorf("pe3 lost a route that still carries its RT")
	}
	// Back to asking for everything.
	if err := l.sp["pe2"].SetImportRTs(nil); err != nil {
		t.Fatal(err)
	}
	l.run(10 * time.Millisecond)
	if got := vpnHas(l, "pe2", keys); len(got) != 0 {
		t.Fatalf("with no import RTs pe2 has %v", got)
	}
}

func TestRTCSharedMembershipSharesGroup(t *testing.T) {
	l := newLab(t)
	l.speaker("rr", "10.0.0.100", 65000, nil)
	const clients = 6
	for i := 1; i <= clients; i++ {
		n := fmt.Sprintf("pe%d", i)
		l.speaker(n, fmt.Sprintf("10.0.0.%d", i), 65000, nil)
		// Odd PEs import :100, even ones :200.
		setImports(t, l.sp[n], fmt.Sprintf("65000:%d", 100+100*(1-i%2)))
		l.peer("rr", n, func(ab, ba *PeerConfig) { ab.RRClient = true })
	}
	l.run(10 * time.Millisecond)
	count := func() map[int]int {
		sizes := map[int]int{}
		for k, g := range l.sp["rr"].groups {
			if k.family == VPNv4 {
				sizes[len(g.members)]++
			}
		}
		return sizes
	}
	if got := count(); got[clients/2] != 2 || len(got) != 1 {
		t.Fatalf("VPN groups by size %v, want two of %d", got, clients/2)
	}
	// 200 routes for :100 are encoded once for the three PEs importing it.
	var g *updateGroup
	for _, gg := range l.sp["rr"].groups {
		if gg.members[l.sp["rr"].peers[addr("10.0.0.1")]] && gg.key.family == VPNv4 {
			g = gg
		}
	}
	before := g.encoded
	for i := range 200 {
		k := vpnKey(t, "65000:1", fmt.Sprintf("10.9.%d.0/24", i))
		l.sp["pe2"].Originate(VPNv4, k, 100, Attrs{NextHop: addr("10.0.0.2"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})})
	}
	l.run(10 * time.Millisecond)
	if n := g.encoded - before; n < 1 || n > 2 {
		t.Errorf("reflector encoded %d UPDATEs for the :100 group", n)
	}
	if n := len(l.routes("pe3", VPNv4)); n != 200 {
		t.Errorf("pe3 (imports :100) has %d routes", n)
	}
	if n := len(l.routes("pe4", VPNv4)); n != 0 {
		t.Errorf("pe4 (imports :200) has %d routes", n)
	}
	// pe3 changes to :200: it regroups, the routes go.
	setImports(t, l.sp["pe3"], "65000:200")
	l.run(10 * time.Millisecond)
	if got := count(); got[2] != 1 || got[4] != 1 {
		t.Errorf("after pe3 moved, VPN groups by size %v", got)
	}
	if n := len(l.routes("pe3", VPNv4)); n != 0 {
		t.Errorf("pe3 kept %d routes it no longer imports", n)
	}
}

// TestRTCWaitsForEndOfRIB: VPN routes go to a peer only after its RTC
// End-of-RIB, or after rtcEoRWait without one.
func TestRTCWaitsForEndOfRIB(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65000, nil)
	k := vpnKey(t, "65000:1", "192.168.1.0/24")
	l.sp["a"].Originate(VPNv4, k, 100, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})})
	setImports(t, l.sp["b"], "65000:100")
	l.peer("a", "b", nil)
	l.run(10 * time.Millisecond)
	if bestOf(l.routes("b", VPNv4), k) == nil {
		t.Fatal("b lacks the route it imports")
	}
	// A peer whose RTC End-of-RIB never comes: a's view of b's session is
	// forced to wait, then the timer lets the routes go.
	a := l.sp["a"]
	a.mu.Lock()
	p := a.peers[addr("10.0.0.2")]
	ss := p.established
	p.leaveGroups()
	p.eorIn[RTC] = false
	p.join(ss)
	waiting := p.groups[VPNv4] == nil
	a.mu.Unlock()
	if !waiting {
		t.Fatal("VPN routes were sent before the peer's RTC End-of-RIB")
	}
	l.run(rtcEoRWait + time.Millisecond)
	a.mu.Lock()
	joined := p.groups[VPNv4] != nil
	a.mu.Unlock()
	if !joined {
		t.Fatal("VPN join never happened after the RTC End-of-RIB wait")
	}
}

func TestRTCKeyRoundTrip(t *testing.T) {
	for _, bits := range []int{0, 32, 48, 96} {
		k := rtcKey(65000, rt(t, "65000:100"), bits)
		if bits == 0 {
			k = rtcDefault
		}
		n, err := rtcNLRI(k)
		if err != nil {
			t.Fatal(err)
		}
		b, err := n.NLRI.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 1+(bits+7)/8 {
			t.Errorf("/%d: %d octets", bits, len(b))
		}
		back, err := bgp.NLRIFromSlice(bgp.RF_RTC_UC, b)
		if err != nil {
			t.Fatal(err)
		}
		got, _, ok := keyOf(RTC, back)
		if !ok || got != k {
			t.Errorf("/%d: round trip %v -> %v", bits, k, got)
		}
	}
	s, err := New(Config{ASN: 1, RouterID: addr("10.0.0.1"), Families: []Family{VPNv4}, NoRTConstraint: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.HasFamily(RTC) {
		t.Error("NoRTConstraint speaker carries RTC")
	}
	if err := s.Originate(RTC, rtcDefault, 0, Attrs{}); err == nil {
		t.Error("Originate accepted an RTC route")
	}
}

func TestRTFilterPrefixes(t *testing.T) {
	with := func(rts ...string) *Attrs {
		var ecs []ExtCommunity
		for _, r := range rts {
			ecs = append(ecs, rt(t, r))
		}
		return &Attrs{ExtCommunities: PackExtCommunities(ecs)}
	}
	// /64 covers type, subtype and the 2-octet ASN: every RT of AS 65000.
	id, f := buildFilter(map[RouteKey]bool{rtcKey(65001, rt(t, "65000:100"), 64): true})
	if id == (filterID{}) || !f.pass(with("65000:7")) || f.pass(with("65001:100")) {
		t.Error("/64 membership")
	}
	// Exact members; the origin AS plays no part, so the fingerprints match.
	id1, f1 := buildFilter(map[RouteKey]bool{rtcKey(65000, rt(t, "65000:100"), 96): true})
	id2, _ := buildFilter(map[RouteKey]bool{rtcKey(65099, rt(t, "65000:100"), 96): true})
	if id1 != id2 || !f1.pass(with("65000:200", "65000:100")) || f1.pass(with("65000:200")) || f1.pass(with()) {
		t.Error("/96 membership")
	}
	// The default route, or an origin-AS-only prefix, is no filter at all.
	for _, k := range []RouteKey{rtcDefault, rtcKey(65000, ExtCommunity{}, 32)} {
		if id, f := buildFilter(map[RouteKey]bool{k: true, rtcKey(65000, rt(t, "65000:1"), 96): true}); id != (filterID{}) || f != nil {
			t.Errorf("%v: filter %v", k, f)
		}
	}
	// No membership at all: nothing passes.
	if id, f := buildFilter(nil); id == (filterID{}) || f.pass(with("65000:1")) {
		t.Error("empty membership passes routes")
	}
}

// An option B ASBR that asks nothing for itself passes its eBGP peer's
// membership into its AS (RFC 4684 propagates membership across ASes),
// so the reflector sends it only the VPN routes that peer imports, and it
// sends the peer no others.
func TestRTCMembershipCrossesAnASBR(t *testing.T) {
	l, keys := rtcLab(t)
	l.speaker("asbr", "10.0.0.50", 65000, nil)
	l.speaker("gw", "10.0.0.60", 65001, nil)
	l.peer("rr", "asbr", func(ab, ba *PeerConfig) { ab.RRClient = true })
	l.peer("asbr", "gw", nil)
	for _, n := range []string{"pe2", "pe3", "pe4", "rr"} {
		setImports(t, l.sp[n])
	}
	setImports(t, l.sp["asbr"])
	setImports(t, l.sp["gw"], "65000:200")
	l.run(10 * time.Millisecond)
	for _, n := range []string{"asbr", "gw"} {
		if got := vpnHas(l, n, keys); !slices.Equal(got, []string{"65000:200"}) {
			t.Errorf("%s has %v, want only 65000:200's route", n, got)
		}
	}
}

// An option B ASBR told to withhold it (WithholdIBGPDefaultRTC) passes
// its eBGP peer its AS's members' route targets but not its reflector's
// default membership, so the far AS sends only what someone imports,
// not every VPN route it has; without it, the default crosses.
func TestAnASBRKeepsItsReflectorsDefaultMembershipInItsAS(t *testing.T) {
	for _, withhold := range []bool{true, false} {
		l := newLab(t)
		l.speaker("rr", "10.0.0.100", 65000, nil) // a reflector asks for everything: the default
		l.speaker("pe", "10.0.0.1", 65000, nil)
		l.speaker("asbr", "10.0.0.50", 65000, nil)
		gw := l.speaker("gw", "10.0.0.60", 65001, nil)
		client := func(ab, _ *PeerConfig) { ab.RRClient = true }
		l.peer("rr", "pe", client)
		l.peer("rr", "asbr", client)
		l.peer("asbr", "gw", func(ab, ba *PeerConfig) { ab.WithholdIBGPDefaultRTC, ba.WithholdIBGPDefaultRTC = withhold, withhold })
		setImports(t, l.sp["rr"])
		setImports(t, l.sp["pe"], "65001:200")
		setImports(t, l.sp["asbr"])
		setImports(t, gw)
		keys := map[string]RouteKey{}
		for i, rtn := range []string{"65001:100", "65001:200"} {
			k := vpnKey(t, fmt.Sprintf("65001:%d", i+1), fmt.Sprintf("172.16.%d.0/24", i+1))
			keys[rtn] = k
			a := Attrs{NextHop: addr("10.0.0.60"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, rtn)})}
			if err := gw.Originate(VPNv4, k, uint32(100+i), a); err != nil {
				t.Fatal(err)
			}
		}
		l.run(10 * time.Millisecond)
		def := bestOf(l.routes("gw", RTC), rtcDefault)
		fromASBR := def != nil && def.Peer == addr("10.0.0.50")
		got := vpnHas(l, "asbr", keys)
		switch {
		case withhold && (fromASBR || !slices.Equal(got, []string{"65001:200"})):
			t.Errorf("withheld: gw's default membership from asbr %v; asbr holds %v, want only 65001:200's route (what pe imports)", fromASBR, got)
		case !withhold && (!fromASBR || !slices.Equal(got, []string{"65001:100", "65001:200"})):
			t.Errorf("not withheld: gw's default membership from asbr %v; asbr holds %v, want both routes (the default asked for all)", fromASBR, got)
		}
		if withhold && !slices.Equal(vpnHas(l, "pe", keys), []string{"65001:200"}) {
			t.Errorf("withheld: pe holds %v, want 65001:200's route", vpnHas(l, "pe", keys))
		}
	}
}
