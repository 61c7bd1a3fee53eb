// Command frrref measures intercloud against a reference lab of real FRR
// on the same machine, in the same run (docs/PERFORMANCE.md, "The FRR
// reference"). For each topology (the seed lab, generated labs) it builds
// the lab in intercloud as `intercloud up` runs it (a child process, for
// its own CPU time and peak RSS) and in FRR network namespaces
// (internal/frrlab) twice, with FRR's default timers and with fast ones,
// and measures the time from start until every session is Established
// and every PE holds every VPN route, the time to reconverge after a core
// link fails, CPU seconds and peak memory. With -forward it also compares
// IPv4 forwarding through four namespaces with Linux's kernel against
// intercloud's data plane through a 4-router LSP.
//
// It needs root and FRR (apt-get install frr) and takes minutes: run it
// with bench/frrref.sh. Everything it starts it stops, and it removes the
// namespaces it made (all named icref-*) on exit and on its next start.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/intercloud/intercloud/internal/frrlab"
)

// prefix names every namespace and FRR directory the harness makes.
const prefix = "icref"

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-child" {
		os.Exit(child(os.Args[2], os.Args[3:]))
	}
	sizes := flag.String("sizes", "seed,50,200", "topologies, comma-separated: seed or a router count of a generated lab (50, 200, 500, ...)")
	modes := flag.String("frr", "default,fast", "FRR runs per topology: default and/or fast timers")
	forward := flag.Bool("forward", true, "also measure forwarding (kernel through four namespaces vs intercloud's LSP)")
	fwdTime := flag.Duration("forward-time", 5*time.Second, "how long each forwarding run sends")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up on one lab's convergence after this long")
	out := flag.String("o", "", "also write the results as JSON to this file")
	flag.Parse()

	if why := frrlab.Missing(); why != "" {
		fmt.Fprintln(os.Stderr, "frrref:", why)
		os.Exit(2)
	}
	unlock, err := lock()
	if err != nil {
		fmt.Fprintln(os.Stderr, "frrref:", err)
		os.Exit(2)
	}
	defer unlock()
	// A run killed before it could clean up left these behind.
	frrlab.Sweep(prefix)

	// Only a signal cleans up and exits here: the context of
	// signal.NotifyContext also ends when the run does, and a goroutine
	// waiting on it raced main's return to call a finished run
	// interrupted (exit status 130).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cleanup.ctx = ctx
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel()
		cleanup.run()
		frrlab.Sweep(prefix)
		fmt.Fprintln(os.Stderr, "frrref: interrupted; removed every namespace and process it made")
		os.Exit(130)
	}()

	rep := report{Machine: machine(), Command: "go run ./bench/frrref " + strings.Join(os.Args[1:], " ")}
	// The results so far are written after each step: a long run
	// stopped part way keeps what it measured.
	save := func() {
		if *out == "" {
			return
		}
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
	}
	if *forward {
		f, err := measureForwarding(*fwdTime)
		if err != nil {
			fail(fmt.Errorf("forwarding: %v", err))
		}
		rep.Forward = &f
		save()
	}
	for _, size := range strings.Split(*sizes, ",") {
		t, err := topologyOf(strings.TrimSpace(size))
		if err != nil {
			fail(err)
		}
		logf("%s: %d routers (%d core), failing link %d (%s)", t.name, t.routers, t.core, t.fail, t.failText)
		rep.Rows = append(rep.Rows, row{Topology: t.name, Routers: t.routers})
		r := &rep.Rows[len(rep.Rows)-1]
		for _, zero := range []bool{false, true} {
			ic, err := runIntercloud(t, *timeout, zero)
			if err != nil {
				fail(fmt.Errorf("%s on intercloud: %v", t.name, err))
			}
			if zero {
				r.IntercloudNoLatency = ic
			} else {
				r.Intercloud = ic
			}
			logf("  intercloud (links without latency: %v): ready %.3fs wall, reconverged %.3fs, %.2f CPU-s, %.0f MB peak RSS", zero, ic.Ready, ic.Reconverge, ic.CPU, ic.PeakMB)
		}
		for _, mode := range strings.Split(*modes, ",") {
			res, err := runFRR(t, strings.TrimSpace(mode), *timeout)
			if err != nil {
				logf("  FRR %s timers: %v", mode, err)
				r.FRR = append(r.FRR, frrResult{Timers: mode, Error: err.Error()})
				save()
				continue
			}
			logf("  FRR %s timers: ready %.1fs (daemons started in %.1fs), reconverged %.2fs, %.1f CPU-s, %.0f MB peak RSS (%d processes)",
				mode, res.Ready, res.Launch, res.Reconverge, res.CPU, res.PeakMB, res.Processes)
			r.FRR = append(r.FRR, res)
			save()
		}
		save()
		logf("so far:%s", rep.markdown())
	}
	rep.Load = loadavg()
	save()
	cleanup.run() // the topology files' directories
	fmt.Print(rep.markdown())
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func fail(err error) {
	cleanup.run()
	frrlab.Sweep(prefix)
	fmt.Fprintln(os.Stderr, "frrref:", err)
	os.Exit(1)
}

// lock keeps two runs from sweeping each other's namespaces.
func lock() (func(), error) {
	path := filepath.Join(os.TempDir(), "icref.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another frrref run holds %s: one at a time", path)
	}
	return func() { f.Close() }, nil
}
