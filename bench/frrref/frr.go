package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/intercloud/intercloud/internal/export"
	"github.com/intercloud/intercloud/internal/frrlab"
	"github.com/intercloud/intercloud/internal/topology"
)

// runFRR builds t in FRR namespaces with the timers named ("default" or
// "fast"), waits for convergence, fails t's link, waits for OSPF to
// route around it, and reads the daemons' CPU time and peak RSS.
func runFRR(t *labSpec, timers string, timeout time.Duration) (frrResult, error) {
	res := frrResult{Timers: timers}
	var opts export.FRROptions
	switch timers {
	case "default":
	case "fast":
		opts = export.FastTimers
	default:
		return res, fmt.Errorf("timers %q: want default or fast", timers)
	}
	dir, err := os.MkdirTemp("", "icref-frr")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	restore, err := raiseInotify(t.routers)
	if err != nil {
		return res, err
	}
	undoInotify := cleanup.add(restore)
	defer func() { restore(); undoInotify() }()
	restoreNeigh, err := raiseNeighbours(t.routers)
	if err != nil {
		return res, err
	}
	undoNeigh := cleanup.add(restoreNeigh)
	defer func() { restoreNeigh(); undoNeigh() }()
	avail0 := memAvailable()
	l, err := frrlab.Start(frrlab.Config{Model: t.m, Prefix: prefix, Runs: export.Exported, Dir: dir, Parallel: 6,
		Conf: func(node string) ([]byte, error) { return export.FRRWith(t.m, node, opts) }})
	if err != nil {
		return res, err
	}
	done := cleanup.add(l.Close)
	defer func() { l.Close(); done() }()
	res.Launch = l.Launched.Seconds()

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	steps := []struct {
		what string
		cond func() (bool, string)
	}{
		{"OSPF Full on every core link", l.OSPFFull},
		{"every core loopback routed", func() (bool, string) { return l.HasLoopbackRoutes(frrlab.LoopbackNexthops(t.m, nil)) }},
		{"LDP sessions (or SR node SIDs)", l.LDPUp},
		{"every BGP session Established", l.BGPEstablished},
		{"every PE's VPNv4 table holding intercloud's", func() (bool, string) { return l.HoldsVPNRoutes(t.expect.VPN) }},
		{"every VRF's routes as intercloud's", func() (bool, string) { return l.HasVRFRoutes(t.expect.VRF) }},
	}
	if t.m.LabelMode == topology.LabelSR {
		steps[2].cond = l.SRNodes
	}
	for _, s := range steps {
		took, err := frrlab.WaitFor(ctx, s.what, s.cond)
		if err != nil {
			return res, err
		}
		logf("    %s: %s at %.1fs (waited %.1fs)", timers, s.what, time.Since(l.Started).Seconds(), took.Seconds())
	}
	res.Ready = time.Since(l.Started).Seconds()
	if a := memAvailable(); a < avail0 {
		res.MemTakenMB = float64(avail0-a) / 1e6
	}

	// One round of the reconvergence check, timed: the resolution of
	// the figure below.
	want := frrlab.LoopbackNexthops(t.m, map[int]bool{t.fail: true})
	p0 := time.Now()
	l.HasLoopbackRoutes(want)
	res.Poll = time.Since(p0).Seconds()
	// The kernel's tables say when the last route changed; polling
	// vtysh says only that the routes are right by now.
	var core []string
	for _, n := range t.m.Nodes {
		if n.Role.IsCore() {
			core = append(core, n.Name)
		}
	}
	mon, err := l.MonitorFIB(core)
	if err != nil {
		return res, err
	}
	stopMon := cleanup.add(mon.Stop)
	defer func() { mon.Stop(); stopMon() }()
	time.Sleep(200 * time.Millisecond) // let every monitor subscribe before the failure
	t0 := time.Now()
	if err := l.SetLinkUp(t.fail, false); err != nil {
		return res, err
	}
	if _, err := frrlab.WaitFor(ctx, "every core router routing around the failed link", func() (bool, string) { return l.HasLoopbackRoutes(want) }); err != nil {
		return res, err
	}
	res.Detected = time.Since(t0).Seconds()
	time.Sleep(time.Second) // lines still in the pipes
	last, changes := mon.Last()
	if changes == 0 || last.Before(t0) {
		return res, fmt.Errorf("no kernel route changed after the link failed")
	}
	res.Reconverge, res.FIBChanges = last.Sub(t0).Seconds(), changes
	// The monitors run in the routers' namespaces: gone before the
	// daemons' usage is summed.
	mon.Stop()
	u, err := l.Usage()
	if err != nil {
		return res, err
	}
	res.CPU, res.PeakMB, res.Processes = u.CPU.Seconds(), float64(u.PeakRSS)/1e6, u.Processes
	return res, nil
}
