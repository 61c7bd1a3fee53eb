package srte

import (
	"fmt"
	"testing"

	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/topology"
)

// BenchmarkCSPF1000 times one recomputation of a headend's policies on
// the generated 1,002-router core (50 POPs of 4 P and 16 PE, SR mode,
// long-haul latencies from the POPs' places), converged by the real IGP:
// reading the TEDB, one CSPF to the farthest PE by latency (the path
// most unlike the IGP's) and its encoding in node SIDs (an IGP SPF from
// each segment's start), and the label stacks. "paths" is 1 policy, or
// 10 to ten PEs; segments/op is the encoded list's length.
func BenchmarkCSPF1000(b *testing.B) {
	p := generate.DefaultParams()
	p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE, p.Clouds, p.LabelMode = 50, 4, 16, 0, 0, "sr"
	data, err := generate.Lab(p)
	if err != nil {
		b.Fatal(err)
	}
	y := string(data)
	c := startCore(b, y)
	var pes []*topology.Node
	for _, n := range c.m.Nodes {
		if n.Role == topology.RolePE {
			pes = append(pes, n)
		}
	}
	head := pes[0].Name
	h := c.headend(b, head)
	// The PEs farthest from the headend by IGP cost come last.
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("paths=%d", n), func(b *testing.B) {
			r := c.net.Router(head)
			r.Do(func() {
				for _, p := range h.Configured() {
					h.Delete(p.Color, p.Endpoint)
				}
			})
			for i := 0; i < n; i++ {
				ep := pes[len(pes)-1-i*(len(pes)/n-1)].Loopback.Addr()
				c.add(b, h, head, Policy{Color: uint32(i + 1), Endpoint: ep, Paths: []CandidatePath{{Preference: 1, Dynamic: &Dynamic{Metric: MetricLatency}}}})
			}
			segs, up := 0, 0
			r.Do(func() {
				for _, v := range h.Policies() {
					if v.State == "up" {
						up++
						segs += len(v.Paths[0].Segments)
					}
				}
			})
			if up != n {
				b.Fatalf("%d of %d policies up: %+v", up, n, c.view(h, head))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				r.Do(h.recompute)
			}
			b.ReportMetric(float64(segs)/float64(n), "segments/policy")
		})
	}
}
