package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
)

// cleanup holds what must be undone if the run is interrupted: the FRR
// lab or child process of the moment.
var cleanup cleanups

type cleanups struct {
	mu  sync.Mutex
	fns map[int]func()
	n   int
	ctx interface{ Err() error }
}

// add registers f and returns the function that unregisters it.
func (c *cleanups) add(f func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = map[int]func(){}
	}
	c.n++
	id := c.n
	c.fns[id] = f
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.fns, id)
	}
}

func (c *cleanups) run() {
	c.mu.Lock()
	fns := c.fns
	c.fns = nil
	c.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// icResult is intercloud's run of one topology.
type icResult struct {
	Ready    float64 `json:"ready_s"`     // wall time from lab.New to converged
	ReadyLab float64 `json:"ready_lab_s"` // lab time from Start to converged
	// Reconverge is the lab time from the failure to converged: wall
	// time once `up` paces the clock, if the CPU keeps up; ReconvWall is
	// the wall time computing it took here. Under `up` a user waits for
	// the larger of the two, which the ratios use. Both are counted in
	// steps of 1 ms of lab time.
	Reconverge float64 `json:"reconverge_s"`
	ReconvWall float64 `json:"reconverge_wall_s"`
	CPU        float64 `json:"cpu_s"`
	PeakMB     float64 `json:"peak_rss_mb"`
	VPNRoutes  int     `json:"vpn_routes"`
}

// frrResult is one FRR run of one topology.
type frrResult struct {
	Timers     string  `json:"timers"`
	Ready      float64 `json:"ready_s"`  // from the first daemon's start to converged
	Launch     float64 `json:"launch_s"` // starting every router's daemons (part of Ready)
	Reconverge float64 `json:"reconverge_s"`
	Poll       float64 `json:"poll_s"`     // one round of asking every core router
	Detected   float64 `json:"detected_s"` // when polling vtysh found every route right
	FIBChanges int     `json:"fib_changes"`
	CPU        float64 `json:"cpu_s"`
	PeakMB     float64 `json:"peak_rss_mb"`
	Processes  int     `json:"processes"`
	MemTakenMB float64 `json:"mem_taken_mb"` // the drop of MemAvailable once converged
	Error      string  `json:"error,omitempty"`
}

type row struct {
	Topology   string   `json:"topology"`
	Routers    int      `json:"routers"`
	Intercloud icResult `json:"intercloud"`
	// IntercloudNoLatency is the same lab with links of zero latency,
	// as the reference's veths are: the ratios are against it.
	IntercloudNoLatency icResult    `json:"intercloud_no_latency"`
	FRR                 []frrResult `json:"frr"`
}

type report struct {
	Machine string     `json:"machine"`
	Command string     `json:"command"`
	Load    string     `json:"load"`
	Rows    []row      `json:"rows"`
	Forward *fwdResult `json:"forward,omitempty"`
}

func ratio(frr, ic float64) string {
	if ic <= 0 {
		return "-"
	}
	switch r := frr / ic; {
	case r < 1:
		return fmt.Sprintf("%.2f×", r)
	case r < 10:
		return fmt.Sprintf("%.1f×", r)
	default:
		return fmt.Sprintf("%.0f×", r)
	}
}

func (r report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nMachine: %s. Load average at the end: %s.\n\n", r.Machine, r.Load)
	b.WriteString("| lab | run | ready (s) | reconverge (s) | CPU (s) | peak RSS (MB) | FRR/intercloud: ready, reconverge, CPU, memory |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		ic := row.Intercloud
		fmt.Fprintf(&b, "| %s (%d routers) | intercloud, the file's link latencies | %.3f (lab %.3f) | %.3f (wall %.3f) | %.2f | %.0f | |\n",
			row.Topology, row.Routers, ic.Ready, ic.ReadyLab, ic.Reconverge, ic.ReconvWall, ic.CPU, ic.PeakMB)
		ic = row.IntercloudNoLatency
		fmt.Fprintf(&b, "| | intercloud, links without latency (as the veths) | %.3f (lab %.3f) | %.3f (wall %.3f) | %.2f | %.0f | |\n",
			ic.Ready, ic.ReadyLab, ic.Reconverge, ic.ReconvWall, ic.CPU, ic.PeakMB)
		for _, f := range row.FRR {
			if f.Error != "" {
				fmt.Fprintf(&b, "| | FRR, %s timers | failed: %s | | | | |\n", f.Timers, f.Error)
				continue
			}
			fmt.Fprintf(&b, "| | FRR, %s timers | %.1f (daemons started in %.1f) | %.3f (polled: %.1f) | %.1f | %.0f (%d processes; MemAvailable -%.0f) | %s, %s, %s, %s |\n",
				f.Timers, f.Ready, f.Launch, f.Reconverge, f.Detected, f.CPU, f.PeakMB, f.Processes, f.MemTakenMB,
				ratio(f.Ready, ic.Ready), ratio(f.Reconverge, max(ic.Reconverge, ic.ReconvWall)), ratio(f.CPU, ic.CPU), ratio(f.PeakMB, ic.PeakMB))
		}
	}
	if f := r.Forward; f != nil {
		b.WriteString("\n| forwarding, " + fmt.Sprint(f.Size) + "-byte IPv4 packets | packets/s (wall) | CPU (s) | packets/s per core | received/sent |\n|---|---|---|---|---|\n")
		for _, x := range []fwdRun{f.Kernel1, f.Kernel4, f.Intercloud} {
			fmt.Fprintf(&b, "| %s | %.0f | %.2f | %.0f | %d/%d |\n", x.Name, x.PPS, x.CPU, x.PPSPerCore, x.Received, x.Sent)
		}
		fmt.Fprintf(&b, "\nintercloud/kernel per core through four routers: %.2f×\n", f.Intercloud.PPSPerCore/f.Kernel4.PPSPerCore)
	}
	return b.String()
}

func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%d", &kb)
		mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	frr := ""
	if out, err := runOut("vtysh", "--version"); err == nil {
		frr = ", " + strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	}
	return fmt.Sprintf("%s, %d CPUs%s%s, %s%s", cpu, runtime.NumCPU(), mem, kernel, runtime.Version(), frr)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:3], " ")
}

func runOut(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).Output()
	return string(out), err
}
