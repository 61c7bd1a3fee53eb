package router

import (
	"github.com/intercloud/intercloud/internal/testpeer"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/topology"
)

// vrfBench is a PE with a 100,000-route VRF: 100 remote PEs' loopbacks
// learned by OSPF and labelled by LDP in the default VRF, and the VRF's
// routes learned by iBGP from them, each resolving its PE nexthop there
// and pushing the LDP label over its VPN label, as a VPN PE holds them.
type vrfBench struct {
	r      *Router
	routes []Route
}

func newVRFBench(b *testing.B) *vrfBench {
	n := newNet(b)
	r := n.router("r", topology.RoleP, "10.255.0.1/32")
	n.router("a", topology.RoleP, "10.255.0.2/32")
	ce := n.router("ce", topology.RoleCE, "")
	n.link("r", "eth0", "10.1.0.1/30", "a", "eth0", "10.1.0.2/30", dataplane.Impairment{})
	l, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "r-ce"})
	must(b, r.AttachPort("eth1", pfx("172.16.0.1/30"), l.A(), "red"))
	must(b, ce.AttachPort("eth0", pfx("172.16.0.2/30"), l.B(), ""))
	var igp []Route
	var fecs []FECLabel
	var pes []netip.Addr
	for i := range 100 {
		pe := netip.AddrFrom4([4]byte{10, 255, 1, byte(i)})
		pes = append(pes, pe)
		p := netip.PrefixFrom(pe, 32)
		igp = append(igp, Route{Prefix: p, Metric: 10, Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}})
		fecs = append(fecs, FECLabel{Prefix: p, Nexthop: ip("10.1.0.2"), OutLabel: 24000 + uint32(i)})
	}
	rng := rand.New(rand.NewPCG(7, 8))
	seen := map[netip.Prefix]bool{}
	vb := &vrfBench{r: r}
	for len(vb.routes) < 100_000 {
		u := rng.Uint32()
		p, _ := netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}).Prefix(16 + rng.IntN(9))
		if seen[p] {
			continue
		}
		seen[p] = true
		vb.routes = append(vb.routes, Route{Prefix: p, Nexthops: []Nexthop{{Addr: pes[len(vb.routes)%len(pes)], Labels: []uint32{30000 + uint32(len(vb.routes))}}}})
	}
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoOSPF, "", igp)
		r.RIB().ReplaceFECLabels(ProtoLDP, fecs)
		r.RIB().ReplaceRoutes(ProtoIBGP, "red", vb.routes)
	})
	if len(r.RIB().BestRoutes("red")) != 100_002 { // and the CE link's connected and local routes
		b.Fatalf("%d routes in red", len(r.RIB().BestRoutes("red")))
	}
	return vb
}

// BenchmarkVRFRouteReplace100k is one route of a 100,000-route VRF
// changing its PE (and VPN label), handed over as protocols that replace
// their whole set do: the RIB manager finds the one difference itself.
func BenchmarkVRFRouteReplace100k(b *testing.B) {
	vb := newVRFBench(b)
	r := vb.r
	b.ReportAllocs()
	cpu := testpeer.ProcessCPU()
	for i := 0; b.Loop(); i++ {
		rt := &vb.routes[i%len(vb.routes)]
		rt.Nexthops = []Nexthop{{Addr: netip.AddrFrom4([4]byte{10, 255, 1, byte(i % 100)}), Labels: []uint32{40000 + uint32(i%1000)}}}
		r.Do(func() { r.RIB().ReplaceRoutes(ProtoIBGP, "red", vb.routes) })
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time per operation since start
// (garbage collection included).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(testpeer.ProcessCPU()-start)/float64(b.N), "cpu-ns/op")
}
