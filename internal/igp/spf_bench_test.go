package igp

import (
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/router/routertest"
	"github.com/intercloud/intercloud/internal/topology"
)

// BenchmarkSPF1000 times one full routing table calculation (every area's
// SPF, the table, the RIB hand-off) on a router of a converged
// 1,002-router single-area core.
func BenchmarkSPF1000(b *testing.B) {
	p := generate.DefaultParams()
	p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE, p.Clouds = 50, 4, 16, 0, 0
	data, err := generate.Lab(p)
	if err != nil {
		b.Fatal(err)
	}
	res, err := topology.Load("bench.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	m := res.Model
	net := routertest.FromModel(m)
	var probe *Instance
	var probeR *routertest.Router
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			r := net.Router(n.Name)
			g := New(r, FromModel(m, n))
			r.Do(g.Start)
			probe, probeR = g, r
		}
	}
	net.Clock.Advance(10 * time.Second)
	probeR.Do(func() {
		b.ReportMetric(float64(len(probe.routes)), "routes")
		b.ResetTimer()
		for b.Loop() {
			probe.runSPF()
		}
	})
}
