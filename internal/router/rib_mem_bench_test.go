package router

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkRIBMemoryIGP is what a core router's IGP route costs the RIB
// manager once installed: 50,000 OSPF routes, each by one neighbour with a
// loop-free alternate by the other, both labelled by LDP, as a P router of
// a large lab holds its loopbacks and links (live-B/route, after a GC).
func BenchmarkRIBMemoryIGP(b *testing.B) {
	const n = 50_000
	var routes []Route
	var fecs []FECLabel
	a1, a2 := ip("10.1.0.2"), ip("10.1.1.2")
	for i := range n {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 200 + byte(i>>16), byte(i >> 8), byte(i)}), 32)
		nh, bk := a1, a2
		in, bin := "eth0", "eth1"
		if i%2 == 1 {
			nh, bk, in, bin = a2, a1, "eth1", "eth0"
		}
		routes = append(routes, Route{Prefix: p, Metric: 20, Nexthops: []Nexthop{{Addr: nh, Iface: in, Backup: &Nexthop{Addr: bk, Iface: bin}}}})
		fecs = append(fecs, FECLabel{Prefix: p, Nexthop: a1, OutLabel: 24000 + uint32(i)}, FECLabel{Prefix: p, Nexthop: a2, OutLabel: 124000 + uint32(i)})
	}
	b.ReportAllocs()
	var per float64
	for b.Loop() {
		b.StopTimer()
		net := newNet(b)
		r := net.router("r", topology.RoleP, "10.255.0.1/32")
		net.router("a", topology.RoleP, "10.255.0.2/32")
		net.router("c", topology.RoleP, "10.255.0.3/32")
		net.link("r", "eth0", "10.1.0.1/30", "a", "eth0", "10.1.0.2/30", dataplane.Impairment{})
		net.link("r", "eth1", "10.1.1.1/30", "c", "eth0", "10.1.1.2/30", dataplane.Impairment{})
		before := liveHeap()
		b.StartTimer()
		r.Do(func() {
			r.RIB().ReplaceRoutes(ProtoOSPF, "", routes)
			r.RIB().ReplaceFECLabels(ProtoLDP, fecs)
		})
		b.StopTimer()
		per = float64(liveHeap()-before) / n
		testpeer.WriteHeapProfile(b)
		if got := len(r.RIB().BestRoutes("")); got < n {
			b.Fatalf("%d routes", got)
		}
		runtime.KeepAlive(r)
		b.StartTimer()
	}
	b.ReportMetric(per, "live-B/route")
}

// BenchmarkRIBMemoryVRF is what a PE's VPN route costs the RIB manager:
// the 100,000 iBGP routes of vrfBench, each resolving its PE through an
// LDP-labelled IGP route (live-B/route, after a GC).
func BenchmarkRIBMemoryVRF(b *testing.B) {
	b.ReportAllocs()
	var per float64
	for b.Loop() {
		b.StopTimer()
		before := liveHeap()
		b.StartTimer()
		vb := newVRFBench(b)
		b.StopTimer()
		vb.routes = nil // the protocol's own copy is not the RIB's cost
		per = float64(liveHeap()-before) / 100_000
		testpeer.WriteHeapProfile(b)
		runtime.KeepAlive(vb)
		b.StartTimer()
	}
	b.ReportMetric(per, "live-B/route")
}
