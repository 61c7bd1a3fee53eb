package igp

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/router/routertest"
	"github.com/intercloud/intercloud/internal/topology"
)

// BenchmarkSPF1000 times one full routing table calculation (every area's
// SPF, the table, the RIB hand-off) on routers of a converged 1,002-router
// single-area core, without and with fast reroute (the loop-free
// alternates cost one more SPF per neighbour): on a PE (2 neighbours) and
// on a P router (the most). Both rows of a router run on the same
// instance, fast reroute toggled, so that they compare like with like.
// protected-% is the coverage over every router of the core: the share of
// destinations (routes not directly attached) with a backup.
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
	var all []*Instance
	probes := map[topology.Role]*Instance{}
	probeR := map[*Instance]*routertest.Router{}
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			r := net.Router(n.Name)
			g := New(r, FromModel(m, n)) // fast reroute on, the default
			r.Do(g.Start)
			all = append(all, g)
			probes[n.Role], probeR[g] = g, r
		}
	}
	net.Clock.Advance(10 * time.Second)
	var dests, protected int
	why := map[string]int{}
	for _, g := range all {
		seen := map[netip.Prefix]bool{}
		for _, row := range g.FRR() {
			if !seen[row.Prefix] {
				seen[row.Prefix] = true
				dests++
				if row.Backup.IsValid() {
					protected++
				} else {
					why[row.Why]++
				}
			}
		}
	}
	b.Logf("%d of %d destinations protected; unprotected by reason: %v", protected, dests, why)
	for _, role := range []topology.Role{topology.RolePE, topology.RoleP} {
		probe := probes[role]
		for _, frr := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/frr=%v", role, frr), func(b *testing.B) {
				probeR[probe].Do(func() {
					probe.cfg.FastReroute = frr
					defer func() { probe.cfg.FastReroute = true }()
					for b.Loop() {
						probe.runSPF()
					}
				})
				b.ReportMetric(float64(len(probe.routes)), "routes")
				b.ReportMetric(float64(len(probe.scratch.nh.direct)), "neighbours")
				b.ReportMetric(100*float64(protected)/float64(dests), "protected-%")
			})
		}
		// The loop-free alternates alone, on the tables the last run left.
		b.Run(fmt.Sprintf("%s/lfa-only", role), func(b *testing.B) {
			probeR[probe].Do(func() {
				probe.runSPF()
				for b.Loop() {
					probe.computeLFA(&probe.scratch.table, &probe.scratch.nh)
				}
			})
		})
	}
}
