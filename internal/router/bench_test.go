package router

import (
	"fmt"
	"github.com/intercloud/intercloud/internal/testpeer"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// forwardNet is a traffic generator's port -> r1 (push) -> r2 (swap) ->
// r3 (PHP pop) -> r4 (IP) -> a sink port, on zero-latency links: only the
// cost of forwarding and of the links is left.
type forwardNet struct {
	n        *testNet
	gen      *dataplane.Port
	pool     *packet.FramePool
	tmpl     []byte
	received int
}

func newForwardNet(tb testing.TB) *forwardNet {
	fn := &forwardNet{n: newNet(tb), pool: packet.NewFramePool(packet.DefaultHeadroom, 256)}
	n := fn.n
	none := dataplane.Impairment{}
	for i, name := range []string{"r1", "r2", "r3", "r4"} {
		n.router(name, topology.RoleP, fmt.Sprintf("10.255.0.%d/32", i+1))
	}
	gl, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "gen-r1"})
	must(tb, n.r["r1"].AttachPort("eth0", pfx("10.0.0.2/30"), gl.B(), ""))
	fn.gen = gl.A()
	n.link("r1", "eth1", "10.1.12.1/30", "r2", "eth0", "10.1.12.2/30", none)
	n.link("r2", "eth1", "10.1.23.1/30", "r3", "eth0", "10.1.23.2/30", none)
	n.link("r3", "eth1", "10.1.34.1/30", "r4", "eth0", "10.1.34.2/30", none)
	sl, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "r4-sink"})
	must(tb, n.r["r4"].AttachPort("eth1", pfx("10.0.1.1/30"), sl.A(), ""))
	sl.B().SetHandler(func(f *packet.Frame) { fn.received++; f.Release() })

	r1, r2, r3 := n.r["r1"], n.r["r2"], n.r["r3"]
	r1.Do(func() {
		r1.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.4/32"), Metric: 30, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1"}}}})
		r1.RIB().ReplaceFECLabels(ProtoSR, []FECLabel{{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.12.2"), OutLabel: 16004}})
	})
	must(tb, r1.AddStatic("", pfx("10.0.1.0/30"), ip("10.255.0.4")))
	r2.Do(func() {
		r2.RIB().ReplaceLSPs(ProtoSR, []LSP{{InLabel: 16004, Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), Iface: "eth1", OutLabel: 16004}}}})
	})
	r3.Do(func() {
		r3.RIB().ReplaceLSPs(ProtoSR, []LSP{{InLabel: 16004, Nexthops: []LSPNexthop{{Addr: ip("10.1.34.2"), Iface: "eth1", OutLabel: LabelImplicitNull}}}})
	})

	// A 64-byte UDP packet from 10.0.0.1 to 10.0.1.2.
	f := packet.FrameFrom(make([]byte, 18))
	must(tb, packet.PushUDP(f, 1000, 9, ip("10.0.0.1"), ip("10.0.1.2"), true))
	must(tb, packet.PushIPv4(f, packet.IPv4{TTL: 64, Protocol: packet.ProtocolUDP, Src: ip("10.0.0.1"), Dst: ip("10.0.1.2")}))
	must(tb, packet.PushEthernet(f, packet.Ethernet{Dst: InterfaceMAC("r1", "eth0"), Type: packet.EtherTypeIPv4}))
	fn.tmpl = append([]byte(nil), f.Bytes()...)
	return fn
}

// burst sends k frames and lets the clock deliver them.
func (fn *forwardNet) burst(k int) {
	for range k {
		f := fn.pool.Get()
		_ = f.SetBytes(fn.tmpl)
		fn.gen.Send(f)
	}
	fn.n.clk.Advance(0)
}

// BenchmarkLSPForward measures packets per second, on one core, through a
// 4-router LSP: r1 pushes, r2 swaps, r3 pops (PHP), r4 routes. Each packet
// crosses 5 links and 4 routers.
func BenchmarkLSPForward(b *testing.B) {
	fn := newForwardNet(b)
	fn.burst(256) // warm up the pool and the links' rings
	fn.received = 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testpeer.ProcessCPU()
	for sent := 0; sent < b.N; {
		k := min(256, b.N-sent)
		fn.burst(k)
		sent += k
	}
	b.StopTimer()
	reportCPU(b, cpu)
	if fn.received != b.N {
		b.Fatalf("received %d of %d", fn.received, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// BenchmarkLinkChainBaseline is the same 5 links with handlers that only
// pass frames on: what BenchmarkLSPForward costs without the routers.
func BenchmarkLinkChainBaseline(b *testing.B) {
	n := newNet(b)
	var links []*dataplane.Link
	for i := range 5 {
		l, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: fmt.Sprint("l", i)})
		links = append(links, l)
	}
	received := 0
	for i, l := range links {
		if i+1 < len(links) {
			next := links[i+1].A()
			l.B().SetHandler(func(f *packet.Frame) { next.Send(f) })
		} else {
			l.B().SetHandler(func(f *packet.Frame) { received++; f.Release() })
		}
	}
	pool := packet.NewFramePool(packet.DefaultHeadroom, 256)
	tmpl := make([]byte, 64)
	b.ReportAllocs()
	for sent := 0; sent < b.N; {
		k := min(256, b.N-sent)
		for range k {
			f := pool.Get()
			_ = f.SetBytes(tmpl)
			links[0].A().Send(f)
		}
		n.clk.Advance(0)
		sent += k
	}
	if received != b.N {
		b.Fatalf("received %d of %d", received, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func TestLSPForwardAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under the race detector")
	}
	fn := newForwardNet(t)
	fn.burst(64)
	if allocs := testing.AllocsPerRun(50, func() { fn.burst(64) }); allocs > 0 {
		t.Errorf("%v allocations per burst of 64 through the LSP, want 0", allocs)
	}
	if fn.received != 64*52 { // the first burst, AllocsPerRun's warm-up and 50 runs
		t.Errorf("received %d", fn.received)
	}
}

func benchFIB(b *testing.B, n int) {
	rng := rand.New(rand.NewPCG(1, 2))
	ps := make([]netip.Prefix, 0, n)
	seen := map[netip.Prefix]bool{}
	for len(ps) < n {
		// Mostly /16-/24, like a routing table, plus a default route.
		u := rng.Uint32()
		bits := 16 + rng.IntN(9)
		if len(ps) == 0 {
			bits = 0
		}
		p, _ := netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}).Prefix(bits)
		if !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	f := fibOf(ps)
	addrs := make([]uint32, 4096)
	for i := range addrs {
		addrs[i] = rng.Uint32()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := testpeer.ProcessCPU()
	hits := 0
	for i := 0; i < b.N; i++ {
		if f.lookup(addrs[i&4095]) != nil {
			hits++
		}
	}
	reportCPU(b, cpu)
	if hits != b.N {
		b.Fatal("default route missed")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

func BenchmarkFIBLookup10k(b *testing.B)  { benchFIB(b, 10_000) }
func BenchmarkFIBLookup100k(b *testing.B) { benchFIB(b, 100_000) }

// BenchmarkFIBBuild100k is what one RIB change costs the FIB of a
// 100k-prefix table.
func BenchmarkFIBBuild100k(b *testing.B) {
	ps := randomPrefixes(rand.New(rand.NewPCG(3, 4)), 100_000)
	b.ReportAllocs()
	for b.Loop() {
		fibOf(ps)
	}
}

// BenchmarkRIBReplace100k is a protocol replacing a 100k-route set that
// differs from the one it replaces in one route (the default route's
// metric): finding the difference, redoing what it touches, publishing.
func BenchmarkRIBReplace100k(b *testing.B) {
	n := newNet(b)
	r := n.router("r", topology.RoleP, "10.255.0.1/32")
	n.router("a", topology.RoleP, "10.255.0.2/32")
	n.link("r", "eth0", "10.1.0.1/30", "a", "eth0", "10.1.0.2/30", dataplane.Impairment{})
	ps := randomPrefixes(rand.New(rand.NewPCG(5, 6)), 100_000)
	routes := make([]Route, len(ps))
	for i, p := range ps {
		routes[i] = Route{Prefix: p, Metric: uint32(i), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}
	}
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoOSPF, "", routes) })
	b.ReportAllocs()
	cpu := testpeer.ProcessCPU()
	for i := 1; b.Loop(); i++ {
		routes[0].Metric = uint32(i) // a change, so watchers would run
		r.Do(func() { r.RIB().ReplaceRoutes(ProtoOSPF, "", routes) })
	}
	reportCPU(b, cpu)
}
