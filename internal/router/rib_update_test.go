package router

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"
)

// ribState is everything a router shows and forwards by, for comparing
// an incrementally maintained RIB with one computed from scratch.
type ribState struct {
	routes, fib []RouteRow
	via         []string
	lfib        LFIBTable
}

func snapshotRIB(r *Router, vrfs []string, probes []netip.Addr) ribState {
	var s ribState
	for _, v := range vrfs {
		for _, row := range r.RouteTable(v).Routes {
			row.Uptime = 0
			s.routes = append(s.routes, row)
		}
		for _, row := range r.FIBTable(v).Routes {
			row.Uptime = 0
			s.fib = append(s.fib, row)
		}
		for _, a := range probes {
			gws, labels := fibVia(r, v, a.String())
			s.via = append(s.via, fmt.Sprintf("%s %v %v %v", v, a, gws, labels))
		}
	}
	s.lfib = r.LFIBTable()
	return s
}

// TestRIBIncrementalMatchesFull applies random changes of every kind the
// RIB manager takes (protocol routes replaced and updated, FEC labels from
// two protocols, recursive statics in both VRFs, VPN routes resolving
// through the default VRF, an LSP resolving through it) and checks after
// each that what the incremental recompute left is exactly what a
// recompute of everything from scratch gives.
func TestRIBIncrementalMatchesFull(t *testing.T) {
	_, r, _ := ribNetWithRed(t)

	rng := rand.New(rand.NewPCG(13, 3))
	var pool []netip.Prefix
	for i := range 12 {
		pool = append(pool, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 255, 0, byte(10 + i)}), 32))
	}
	for i := range 12 {
		pool = append(pool, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 9, byte(i), 0}), 24))
	}
	pool = append(pool, pfx("10.9.0.0/16"), pfx("10.255.0.0/24"), pfx("0.0.0.0/0"), pfx("10.1.0.0/30"))
	loopbacks := pool[:12]
	var probes []netip.Addr
	for _, p := range pool {
		probes = append(probes, p.Addr(), p.Addr().Next())
	}
	probes = append(probes, ip("192.168.1.1"), ip("192.168.7.9"), ip("172.16.0.2"))
	gw := []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}, {Addr: ip("10.2.0.2"), Iface: "eth1"}}
	pick := func() []Nexthop {
		switch rng.IntN(4) {
		case 0:
			return slices.Clone(gw)
		case 1:
			nh := gw[0]
			b := gw[1]
			nh.Backup = &b
			return []Nexthop{nh}
		}
		return []Nexthop{gw[rng.IntN(2)]}
	}
	randomRoutes := func(k int) []Route {
		var rs []Route
		for _, i := range rng.Perm(len(pool))[:k] {
			rs = append(rs, Route{Prefix: pool[i], Metric: uint32(rng.IntN(3)), Nexthops: pick()})
		}
		return rs
	}
	randomFECs := func() []FECLabel {
		var fs []FECLabel
		for _, i := range rng.Perm(len(pool))[:rng.IntN(len(pool))] {
			fs = append(fs, FECLabel{Prefix: pool[i], Nexthop: gw[rng.IntN(2)].Addr, OutLabel: uint32(16000 + rng.IntN(4))})
		}
		return fs
	}
	vpn := func(i int) Route {
		return Route{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(i), 0}), 24), Metric: uint32(rng.IntN(2)),
			Nexthops: []Nexthop{{Addr: loopbacks[rng.IntN(len(loopbacks))].Addr(), Labels: []uint32{uint32(30000 + i)}}}}
	}

	for step := range 400 {
		kind := rng.IntN(9)
		switch kind {
		case 0:
			rs := randomRoutes(rng.IntN(len(pool)))
			if len(rs) > 0 && rng.IntN(3) == 0 {
				// A prefix given twice: both routes are candidates.
				d := rs[rng.IntN(len(rs))]
				d.Metric++
				d.Nexthops = []Nexthop{gw[rng.IntN(2)]}
				rs = append(rs, d)
			}
			r.Do(func() { r.RIB().ReplaceRoutes(ProtoOSPF, "", rs) })
		case 1:
			rs := randomRoutes(1 + rng.IntN(3))
			if rng.IntN(3) == 0 {
				// A prefix given twice here too.
				d := rs[rng.IntN(len(rs))]
				d.Metric++
				rs = append(rs, d)
			}
			var gone []netip.Prefix
			if rng.IntN(2) == 0 {
				gone = append(gone, pool[rng.IntN(len(pool))])
			}
			r.Do(func() { r.RIB().(*ribManager).UpdateRoutes(ProtoOSPF, "", rs, gone) })
		case 2:
			p := []Protocol{ProtoLDP, ProtoSR}[rng.IntN(2)]
			r.Do(func() { r.RIB().ReplaceFECLabels(p, randomFECs()) })
		case 3:
			p, nh := pool[rng.IntN(len(pool))], loopbacks[rng.IntN(len(loopbacks))].Addr()
			vrf := []string{"", "red"}[rng.IntN(2)]
			if !r.RemoveStatic(vrf, p, nh) {
				must(t, r.AddStatic(vrf, p, nh))
			}
		case 4:
			rs := []Route{vpn(rng.IntN(8))}
			var gone []netip.Prefix
			if rng.IntN(3) == 0 {
				gone = append(gone, vpn(rng.IntN(8)).Prefix)
			}
			r.Do(func() { r.RIB().(*ribManager).UpdateRoutes(ProtoIBGP, "red", rs, gone) })
		case 5:
			var rs []Route
			for i := range rng.IntN(8) {
				rs = append(rs, vpn(i))
			}
			r.Do(func() { r.RIB().ReplaceRoutes(ProtoIBGP, "red", rs) })
		case 6:
			// iBGP in the default VRF, recursive through its direct routes.
			rs := []Route{{Prefix: pfx("10.77.0.0/16"), Nexthops: []Nexthop{{Addr: loopbacks[rng.IntN(len(loopbacks))].Addr()}}}}
			r.Do(func() { r.RIB().ReplaceRoutes(ProtoIBGP, "", rs[:rng.IntN(2)]) })
		case 7:
			// An LSP to a nexthop further away resolves in the default VRF.
			lsps := []LSP{{InLabel: 24001, Nexthops: []LSPNexthop{{Addr: loopbacks[rng.IntN(len(loopbacks))].Addr(), OutLabel: 24002}}}}
			r.Do(func() { r.RIB().ReplaceLSPs(ProtoEBGP, lsps) })
		case 8:
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 255, 0, byte(10 + rng.IntN(12))}), 32)
			if !r.RemoveLocal("red", p) {
				must(t, r.AddLocal("red", p))
			}
		}
		got := snapshotRIB(r, []string{"", "red"}, probes)
		r.Do(func() { r.rib.recompute(changeAll) })
		want := snapshotRIB(r, []string{"", "red"}, probes)
		if !reflect.DeepEqual(got, want) {
			for i := range max(len(got.via), len(want.via)) {
				if i >= len(got.via) || i >= len(want.via) || got.via[i] != want.via[i] {
					t.Logf("first forwarding difference: incremental %q, full %q", at(got.via, i), at(want.via, i))
					break
				}
			}
			t.Fatalf("step %d (change kind %d): incremental\n%+v\nfrom scratch\n%+v", step, kind, got, want)
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

// TestRIBWatchChanges: a change watcher hears the default VRF's prefixes
// whose selection changed, not the others; a protocol's routes in a
// customer VRF wake nobody; an interface change tells of every VRF's.
func TestRIBWatchChanges(t *testing.T) {
	n, r, l := ribNetWithRed(t)
	var heard []RouteChange
	rib := r.RIB()
	rib.WatchChanges(func(cs []RouteChange) {
		heard = append(heard, cs...)
		// A watcher reacting with labels (as LDP does) does not recurse.
		rib.ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.9.0.0/24"), Nexthop: ip("10.1.0.2"), OutLabel: 24000}})
	})
	via := func(a string) []Nexthop {
		return []Nexthop{{Addr: ip(a), Iface: map[string]string{"10.1.0.2": "eth0", "10.2.0.2": "eth1"}[a]}}
	}
	routes := []Route{{Prefix: pfx("10.9.0.0/24"), Nexthops: via("10.1.0.2")}, {Prefix: pfx("10.8.0.0/24"), Nexthops: via("10.1.0.2")}}
	r.Do(func() { rib.ReplaceRoutes(ProtoOSPF, "", routes) })
	routes[1].Nexthops = via("10.2.0.2")
	r.Do(func() { rib.ReplaceRoutes(ProtoOSPF, "", routes) })
	r.Do(func() {
		rib.ReplaceRoutes(ProtoIBGP, "red", []Route{{Prefix: pfx("192.168.0.0/24"), Nexthops: []Nexthop{{Addr: ip("10.255.0.9")}}}})
	})
	r.Do(func() { rib.UpdateRoutes(ProtoOSPF, "", nil, []netip.Prefix{pfx("10.9.0.0/24")}) })
	got := fmt.Sprint(heard)
	want := fmt.Sprint([]RouteChange{
		{VRF: "", Prefixes: []netip.Prefix{pfx("10.8.0.0/24"), pfx("10.9.0.0/24")}},
		{VRF: "", Prefixes: []netip.Prefix{pfx("10.8.0.0/24")}},
		{VRF: "", Prefixes: []netip.Prefix{pfx("10.9.0.0/24")}},
	})
	if got != want {
		t.Errorf("heard %s, want %s", got, want)
	}
	// The CE link going down takes red's connected routes.
	heard = nil
	l.SetUp(false)
	n.run()
	if got, want := fmt.Sprint(heard), fmt.Sprint([]RouteChange{{VRF: "red", Prefixes: []netip.Prefix{pfx("172.16.0.0/30"), pfx("172.16.0.1/32")}}}); got != want {
		t.Errorf("after the CE link went down, heard %s, want %s", got, want)
	}
}

// TestRIBReplaceKeepsEveryRouteOfAPrefix: a protocol may give a prefix
// twice; both routes stay candidates, whether the prefix is new or known.
func TestRIBReplaceKeepsEveryRouteOfAPrefix(t *testing.T) {
	_, r := ribNet(t)
	ospfRows := func(p netip.Prefix) (metrics []uint32) {
		for _, row := range r.RouteTable("").Routes {
			if row.Prefix == p && row.Protocol == "ospf" {
				metrics = append(metrics, row.Metric)
			}
		}
		slices.Sort(metrics)
		return metrics
	}
	a, b := pfx("10.9.0.0/24"), pfx("10.8.0.0/24")
	via0 := []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}
	via1 := []Nexthop{{Addr: ip("10.2.0.2"), Iface: "eth1"}}
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: a, Metric: 1, Nexthops: via0}, {Prefix: a, Metric: 2, Nexthops: via1}})
	})
	if got := ospfRows(a); !slices.Equal(got, []uint32{1, 2}) {
		t.Errorf("new prefix given twice: OSPF rows with metrics %v, want [1 2]", got)
	}
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: b, Metric: 5, Nexthops: via0}, {Prefix: a, Metric: 3, Nexthops: via0}, {Prefix: a, Metric: 4, Nexthops: via1}})
	})
	if got := ospfRows(a); !slices.Equal(got, []uint32{3, 4}) {
		t.Errorf("known prefix given twice: OSPF rows with metrics %v, want [3 4]", got)
	}
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: b, Metric: 5, Nexthops: via0}}) })
	if got := ospfRows(a); got != nil {
		t.Errorf("after a replace without it, %v still has OSPF rows %v", a, got)
	}
	if got := ospfRows(b); !slices.Equal(got, []uint32{5}) {
		t.Errorf("%v: %v", b, got)
	}
}

// ReplaceRoutes and UpdateRoutes say how many prefixes' routes from the
// protocol they changed, so that a protocol that changes nothing logs
// nothing (routertest's double answers the same: see its test).
func TestRIBCallsSayHowManyPrefixesTheyChanged(t *testing.T) {
	_, r := ribNet(t)
	rib := r.RIB()
	a := Route{Prefix: pfx("10.9.0.0/24"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}
	b := Route{Prefix: pfx("10.8.0.0/24"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}
	b2 := b
	b2.Metric = 5
	c := Route{Prefix: pfx("10.7.0.0/24"), Nexthops: []Nexthop{{Addr: ip("10.2.0.2"), Iface: "eth1"}}}
	for i, step := range []struct {
		do   func() int
		want int
	}{
		{func() int { return rib.ReplaceRoutes(ProtoOSPF, "", []Route{a, b}) }, 2},
		{func() int { return rib.ReplaceRoutes(ProtoOSPF, "", []Route{b, a}) }, 0},
		{func() int { return rib.ReplaceRoutes(ProtoOSPF, "", []Route{a, b2}) }, 1},
		{func() int { return rib.ReplaceRoutes(ProtoOSPF, "", []Route{a}) }, 1},
		{func() int { return rib.UpdateRoutes(ProtoOSPF, "", []Route{a}, []netip.Prefix{c.Prefix}) }, 0},
		{func() int { return rib.UpdateRoutes(ProtoOSPF, "", []Route{c}, []netip.Prefix{a.Prefix}) }, 2},
		{func() int { return rib.ReplaceRoutes(ProtoOSPF, "", []Route{c, c}) }, 1},
		{func() int { return rib.ReplaceRoutes(ProtoOSPF, "", nil) }, 1},
	} {
		var got int
		r.Do(func() { got = step.do() })
		if got != step.want {
			t.Errorf("step %d: %d prefixes changed, want %d", i, got, step.want)
		}
	}
}
