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
// single-area core, without fast reroute and with each kind of it: plain
// loop-free alternates (one more SPF per neighbour), remote LFAs for LDP
// where those fail, and TI-LFA for SR (one SPF per neighbour without it,
// and one from each node further along a repair path): on a PE (2
// neighbours) and on a P router (the most). Every row of a router runs on
// the same instance, the configuration toggled, so that they compare like
// with like. The coverage metrics are over every router of the core, each
// mode in turn: the share of destinations (routes not directly attached)
// with a backup.
func BenchmarkSPF1000(b *testing.B) {
	p := generate.DefaultParams()
	p.POPs, p.PPerPOP, p.PEPerPOP, p.CEPerPE, p.Clouds = 50, 4, 16, 0, 0
	p.LabelMode = "sr" // node SIDs for TI-LFA; the other modes turn SR off
	m, err := generate.Model(p)
	if err != nil {
		b.Fatal(err)
	}
	net := routertest.FromModel(m)
	var all []*Instance
	probes := map[topology.Role]*Instance{}
	probeR := map[*Instance]*routertest.Router{}
	routers := map[*Instance]*routertest.Router{}
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			r := net.Router(n.Name)
			g := New(r, FromModel(m, n)) // SR with TI-LFA, the default in SR mode
			r.Do(g.Start)
			all = append(all, g)
			routers[g] = r
			probes[n.Role], probeR[g] = g, r
		}
	}
	net.Clock.Advance(10 * time.Second)
	type mode struct {
		name          string
		frr, sr, rlfa bool
	}
	modes := []mode{{"off", false, false, false}, {"lfa", true, false, false}, {"rlfa", true, false, true}, {"ti-lfa", true, true, false}}
	set := func(g *Instance, md mode) {
		g.cfg.FastReroute, g.cfg.SR, g.cfg.RemoteLFA = md.frr, md.sr, md.rlfa
	}
	coverage := map[string]float64{}
	for _, md := range modes[1:] {
		var dests, protected int
		why := map[string]int{}
		for _, g := range all {
			routers[g].Do(func() {
				set(g, md)
				g.runSPF()
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
				set(g, modes[3])
			})
		}
		coverage[md.name] = 100 * float64(protected) / float64(dests)
		b.Logf("%s: %d of %d destinations protected (%.2f%%); unprotected by reason: %v", md.name, protected, dests, coverage[md.name], why)
	}
	for _, role := range []topology.Role{topology.RolePE, topology.RoleP} {
		probe := probes[role]
		for _, md := range modes {
			b.Run(fmt.Sprintf("%s/frr=%s", role, md.name), func(b *testing.B) {
				probeR[probe].Do(func() {
					set(probe, md)
					defer set(probe, modes[3])
					for b.Loop() {
						probe.runSPF()
					}
				})
				b.ReportMetric(float64(len(probe.routes)), "routes")
				b.ReportMetric(float64(len(probe.scratch.nh.direct)), "neighbours")
				if md.frr {
					b.ReportMetric(coverage[md.name], "protected-%")
				}
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
		// TI-LFA alone (after the LFA step it reuses).
		b.Run(fmt.Sprintf("%s/ti-lfa-only", role), func(b *testing.B) {
			probeR[probe].Do(func() {
				probe.runSPF()
				tab, t := &probe.scratch.table, &probe.scratch.nh
				lfa := probe.computeLFA(tab, t)
				now := probe.env.Now()
				for b.Loop() {
					probe.computeRepairs(tab, t, lfa, false, now)
				}
			})
		})
	}
}
