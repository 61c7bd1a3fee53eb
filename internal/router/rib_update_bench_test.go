package router

import (
	"github.com/intercloud/intercloud/internal/testpeer"
	"net/netip"
	"testing"
)

// BenchmarkVRFRouteUpdate100k is BenchmarkVRFRouteReplace100k's change
// handed over with UpdateRoutes: the RIB manager redoes that prefix, its
// FIB leaf, and nothing else.
func BenchmarkVRFRouteUpdate100k(b *testing.B) {
	vb := newVRFBench(b)
	r := vb.r
	m := r.rib
	b.ReportAllocs()
	cpu := testpeer.ProcessCPU()
	for i := 0; b.Loop(); i++ {
		rt := vb.routes[i%len(vb.routes)]
		rt.Nexthops = []Nexthop{{Addr: netip.AddrFrom4([4]byte{10, 255, 1, byte(i % 100)}), Labels: []uint32{40000 + uint32(i%1000)}}}
		r.Do(func() { m.UpdateRoutes(ProtoIBGP, "red", []Route{rt}, nil) })
	}
	reportCPU(b, cpu)
}

// BenchmarkVRFRouteWithdrawAnnounce100k withdraws one route of the VRF and
// announces it again, alternately: the FIB loses and regains a prefix.
func BenchmarkVRFRouteWithdrawAnnounce100k(b *testing.B) {
	vb := newVRFBench(b)
	r := vb.r
	m := r.rib
	b.ReportAllocs()
	cpu := testpeer.ProcessCPU()
	for i := 0; b.Loop(); i++ {
		rt := vb.routes[i/2%len(vb.routes)]
		if i%2 == 0 {
			r.Do(func() { m.UpdateRoutes(ProtoIBGP, "red", nil, []netip.Prefix{rt.Prefix}) })
		} else {
			r.Do(func() { m.UpdateRoutes(ProtoIBGP, "red", []Route{rt}, nil) })
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkVRFTableArrives is a VPN's 273 routes arriving in a VRF in
// one UpdateRoutes call, as a PE's VRF (or a CE) receives its VPN at
// bring-up, then leaving again in one call: per op, 273 prefixes added
// and removed, each resolving its PE nexthop over an LDP-labelled IGP
// route.
func BenchmarkVRFTableArrives(b *testing.B) {
	vb := newVRFBench(b)
	r := vb.r
	m := r.rib
	const n = 273
	routes := make([]Route, n)
	gone := make([]netip.Prefix, n)
	for i := range routes {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(i / 64), byte(i % 64 * 4)}), 30)
		routes[i] = Route{Prefix: p, Nexthops: []Nexthop{{Addr: netip.AddrFrom4([4]byte{10, 255, 1, byte(i % 100)}), Labels: []uint32{50000 + uint32(i)}}}}
		gone[i] = p
	}
	b.ReportAllocs()
	cpu := testpeer.ProcessCPU()
	for b.Loop() {
		r.Do(func() {
			m.UpdateRoutes(ProtoIBGP, "red", routes, nil)
			m.UpdateRoutes(ProtoIBGP, "red", nil, gone)
		})
	}
	reportCPU(b, cpu)
}
