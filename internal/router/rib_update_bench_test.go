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
