package ldp_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/router/routertest"
	"github.com/intercloud/intercloud/internal/topology"
)

// benchModel generates a provider core of POPs joined in a ring, with
// pPerPOP P and pePerPOP PE routers per POP, no CEs or clouds: every
// router runs the IGP and LDP.
func benchModel(b *testing.B, pops, pPerPOP, pePerPOP int) *topology.Model {
	b.Helper()
	p := generate.DefaultParams()
	p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE, p.Clouds = pops, pPerPOP, pePerPOP, 0, 0
	m, err := generate.Model(p)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// benchConverge starts the IGP and LDP on every core router at once and
// runs the virtual clock well past convergence, then checks every router
// has a route and, but for its own, an LDP LSP for every loopback. It
// reports the virtual time the last SPF or label change happened at
// (virtual-ms), and the heap still in use per router once converged,
// test-double RIB included (heap-B/router).
func benchConverge(b *testing.B, m *topology.Model) {
	var core []*topology.Node
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			core = append(core, n)
		}
	}
	b.ReportAllocs()
	var net *routertest.Net
	for b.Loop() {
		b.StopTimer()
		net = nil
		runtime.GC() // the last iteration's network, not this one's work
		b.StartTimer()
		net = routertest.FromModel(m)
		for _, n := range core {
			r := net.Router(n.Name)
			r.KeepEvents = 64
			g, d := igp.New(r, igp.FromModel(m, n)), ldp.New(r, ldp.FromModel(m, n))
			r.Do(func() { g.Start(); d.Start() })
		}
		// Hellos keep the clock from going idle. Convergence takes about a
		// second; running on to 90 s costs little more (hellos) and lets
		// the IGP's minute sweep release SPF scratch, so the heap measured
		// below is a running lab's steady state.
		net.Clock.Advance(90 * time.Second)
	}
	b.StopTimer()
	var last time.Time
	for _, n := range core {
		r := net.Router(n.Name)
		for _, e := range r.Events("spf", "label") {
			if e.Time.After(last) {
				last = e.Time
			}
		}
		t := r.Table()
		if got := len(t.LSPs(router.ProtoLDP)); got != len(core)-1 {
			b.Fatalf("%s has %d LDP LSPs, want %d", n.Name, got, len(core)-1)
		}
		if _, ok := t.Route(router.ProtoOSPF, core[0].Loopback); !ok {
			b.Fatalf("%s has no route to %s", n.Name, core[0].Name)
		}
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(last.Sub(routertest.Epoch).Milliseconds()), "virtual-ms")
	b.ReportMetric(float64(ms.HeapAlloc)/float64(len(core)), "heap-B/router")
	b.ReportMetric(float64(len(core)), "routers")
	b.ReportMetric(float64(net.Delivered), "msgs")
	runtime.KeepAlive(net)
}

// BenchmarkConverge100 brings up 102 core routers (10 POPs of 2 P and 8 PE, 2 RRs).
func BenchmarkConverge100(b *testing.B) { benchConverge(b, benchModel(b, 10, 2, 8)) }

// BenchmarkConverge1000 brings up 1,002 core routers (50 POPs of 4 P and 16 PE, 2 RRs).
func BenchmarkConverge1000(b *testing.B) { benchConverge(b, benchModel(b, 50, 4, 16)) }
