// Command upready measures issue 13's scale goals as a user meets them:
// the wall time from starting `intercloud up` on a generated lab to its
// "is up" line, with the CPU and peak RSS the process used, over several
// runs. Each run has a fresh state directory and a network namespace of
// its own (root), so the lab's BGP on 127/8 port 179 meets no other.
//
// The wait for "is up" reads the process's output as it comes: nothing
// polls, because a watcher that forks a grep every few tens of
// milliseconds takes a tenth of a 2-core machine from the lab it times.
//
//	go run ./bench/upready -size 1000 -runs 5    # as root, from the repository's root
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// goal is one of issue 13's scale goals: the lab generated for it, how
// `up` runs it, and the bounds it must stay under.
type goal struct {
	generate []string
	up       []string
	ready    time.Duration
	rss      int64 // bytes
}

var goals = map[int]goal{
	1000: {
		generate: strings.Fields("--pops 20 --p-per-pop 2 --pe-per-pop 16 --ce-per-pe 2 --clouds 100 --rrs 2 --vpns 5 --label-mode ldp --seed 1 --areas"),
		ready:    5 * time.Second,
		rss:      2 << 30,
	},
	10000: {
		generate: strings.Fields("--pops 100 --p-per-pop 4 --pe-per-pop 32 --ce-per-pe 2 --clouds 1000 --areas --prefix-suppression --vpns 1000"),
		up:       strings.Fields("--bgp-transport memory --timeout 20m"),
		ready:    60 * time.Second,
		rss:      16 << 30,
	},
}

// run is what one `intercloud up` took.
type run struct {
	ready     time.Duration // from exec to the "is up" line
	summary   string        // its "built in ...; computed in ..." line
	user, sys time.Duration
	maxRSS    int64  // bytes
	counts    string // its "is up" line
}

func main() {
	bin := flag.String("bin", "", "the intercloud binary to measure (default: this tree's, built)")
	size := flag.Int("size", 1000, "the goal's lab: 1000 (routers, with 100 clouds) or 10000 (with 1,000 clouds)")
	runs := flag.Int("runs", 5, "how many times to bring the lab up")
	file := flag.String("file", "", "a topology file to run instead of the goal's generated lab")
	logDir := flag.String("log", "", "keep each run's output in this directory")
	pause := flag.Duration("pause", 0, "wait this long before each run: on a VM that hands freed memory back to its host, 10s makes each run start cold, as a lone run does")
	flag.Parse()
	g, ok := goals[*size]
	if !ok {
		fail(fmt.Errorf("-size is 1000 or 10000, not %d", *size))
	}
	if os.Geteuid() != 0 {
		fail(fmt.Errorf("run as root: each run has a network namespace of its own"))
	}
	work, err := os.MkdirTemp("", "upready")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)
	if *bin == "" {
		*bin = filepath.Join(work, "intercloud")
		if out, err := exec.Command("go", "build", "-o", *bin, "./cmd/intercloud").CombinedOutput(); err != nil {
			fail(fmt.Errorf("building ./cmd/intercloud (run from the repository's root, or give -bin): %v\n%s", err, out))
		}
	}
	lab := *file
	if lab == "" {
		lab = filepath.Join(work, "lab.yaml")
		args := append([]string{"generate"}, g.generate...)
		if out, err := exec.Command(*bin, append(args, "-w", lab)...).CombinedOutput(); err != nil {
			fail(fmt.Errorf("%s %s: %v\n%s", *bin, strings.Join(args, " "), err, out))
		}
		fmt.Printf("lab: intercloud generate %s\n", strings.Join(g.generate, " "))
	}
	fmt.Printf("up: %s (fresh --state-dir, own network namespace)\n", strings.Join(append([]string{"intercloud up LAB"}, g.up...), " "))
	fmt.Printf("load average before: %s\n", loadAverage())
	var all []run
	for i := range *runs {
		time.Sleep(*pause)
		r, err := upOnce(*bin, lab, g.up, work, *logDir, i)
		if err != nil {
			fail(fmt.Errorf("run %d: %v", i+1, err))
		}
		if i == 0 {
			fmt.Println(r.counts)
		}
		all = append(all, r)
		fmt.Printf("run %d: ready in %.2f s (%s); %.1f user-s, %.1f sys-s; peak RSS %.2f GB\n",
			i+1, r.ready.Seconds(), r.summary, r.user.Seconds(), r.sys.Seconds(), float64(r.maxRSS)/1e9)
	}
	report(all, g)
}

// upOnce starts `intercloud up` in a network namespace of its own,
// waits for its "is up" line, stops it with Ctrl-C and reads what it used.
func upOnce(bin, lab string, extra []string, work, logDir string, i int) (run, error) {
	state, err := os.MkdirTemp(work, "state")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(state)
	// unshare and sh exec into intercloud: the process waited for, and
	// measured, is intercloud's.
	args := []string{"-n", "sh", "-c", `ip link set lo up && exec "$0" "$@"`, bin, "up", lab, "--state-dir", state, "--api", "127.0.0.1:4950"}
	cmd := exec.Command("unshare", append(args, extra...)...)
	pr, pw, err := os.Pipe()
	if err != nil {
		return run{}, err
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	var log io.Writer = io.Discard
	if logDir != "" {
		f, err := os.Create(filepath.Join(logDir, fmt.Sprintf("run%d.log", i+1)))
		if err != nil {
			return run{}, err
		}
		defer f.Close()
		log = f
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return run{}, err
	}
	pw.Close()
	var r run
	up := make(chan error, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(io.TeeReader(pr, log))
		sc.Buffer(make([]byte, 64<<10), 4<<20) // 1,000 clouds' regions make a long line
		up <- readUp(sc, start, &r)
		io.Copy(log, pr) // the rest, until the process ends: a full pipe would stall it
	}()
	// Once the process has ended, the pipe is read to its end (the log
	// whole) and closed.
	wait := func() error {
		err := cmd.Wait()
		<-drained
		pr.Close()
		return err
	}
	if err := <-up; err != nil {
		cmd.Process.Kill()
		wait()
		return run{}, err
	}
	cmd.Process.Signal(os.Interrupt)
	if err := wait(); err != nil {
		return run{}, fmt.Errorf("intercloud up: %v", err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	r.user = time.Duration(syscall.TimevalToNsec(ru.Utime))
	r.sys = time.Duration(syscall.TimevalToNsec(ru.Stime))
	r.maxRSS = ru.Maxrss * 1024 // Linux gives kilobytes
	return r, nil
}

// readUp reads the output of `intercloud up` until its summary line,
// timing the "is up" line as it arrives.
func readUp(sc *bufio.Scanner, start time.Time, r *run) error {
	var last []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, " is up: "):
			r.ready = time.Since(start)
			r.counts = line
		case r.ready > 0 && strings.HasPrefix(line, "built in "):
			r.summary = summary(line)
			return nil
		}
		if last = append(last, line); len(last) > 10 {
			last = last[1:]
		}
	}
	return fmt.Errorf("intercloud up ended before it was up:\n%s", strings.Join(last, "\n"))
}

// summary shortens `up`'s "built in A; converged in B of lab time
// (links' latencies included), computed in C" to its three figures.
func summary(line string) string {
	line = strings.Replace(line, " (links' latencies included)", "", 1)
	return strings.ReplaceAll(line, "; ", ", ")
}

// report prints the runs' spread and says whether each held the goal.
func report(all []run, g goal) {
	if len(all) == 0 {
		return
	}
	ready := make([]time.Duration, len(all))
	under, peak := 0, int64(0)
	for i, r := range all {
		ready[i] = r.ready
		if r.ready < g.ready && r.maxRSS < g.rss {
			under++
		}
		peak = max(peak, r.maxRSS)
	}
	slices.Sort(ready)
	median := (ready[(len(ready)-1)/2] + ready[len(ready)/2]) / 2
	fmt.Printf("ready in %.2f–%.2f s, median %.2f s; peak RSS up to %.2f GB; within %v and %d GiB in %d of %d runs\n",
		ready[0].Seconds(), ready[len(ready)-1].Seconds(), median.Seconds(), float64(peak)/1e9, g.ready, g.rss>>30, under, len(all))
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "upready:", err)
	os.Exit(1)
}
