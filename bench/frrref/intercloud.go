package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/frrlab"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// child runs one of the harness's child processes.
func child(mode string, args []string) int {
	var err error
	switch mode {
	case "intercloud":
		err = childIntercloud(args)
	case "gen":
		err = childGen(args)
	case "sink":
		err = childSink(args)
	case "forward-intercloud":
		err = childForwardIntercloud(args)
	default:
		err = fmt.Errorf("no child mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "frrref child:", err)
		return 1
	}
	return 0
}

// runChild runs the harness itself as a child with args (inside netns
// when set), and returns its standard output and resource usage.
func runChild(netns string, args ...string) ([]byte, *syscall.Rusage, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	argv := append([]string{self, "-child"}, args...)
	if netns != "" {
		argv = append([]string{"ip", "netns", "exec", netns}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	done := cleanup.add(func() { _ = cmd.Process.Kill() })
	defer done()
	err = cmd.Wait()
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if err != nil {
		return out.Bytes(), ru, fmt.Errorf("%v: %v", args, err)
	}
	return out.Bytes(), ru, nil
}

func cpuOf(ru *syscall.Rusage) float64 {
	if ru == nil {
		return 0
	}
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime)).Seconds()
}

// runIntercloud runs t in a child process as `intercloud up` runs it.
// With zeroLatency every link's latency and jitter are zero, as on the
// reference's veths (this kernel has no netem to give them any).
func runIntercloud(t *labSpec, timeout time.Duration, zeroLatency bool) (icResult, error) {
	b, err := json.Marshal(t.expect)
	if err != nil {
		return icResult{}, err
	}
	exp := filepath.Join(filepath.Dir(t.file), "expect.json")
	if err := os.WriteFile(exp, b, 0o644); err != nil {
		return icResult{}, err
	}
	// A port of its own: other labs may be using the default on 127/8.
	port := 20000 + os.Getpid()%20000
	out, ru, err := runChild("", "intercloud", t.file, exp, strconv.Itoa(t.fail), strconv.Itoa(port), timeout.String(), strconv.FormatBool(zeroLatency))
	if err != nil {
		return icResult{}, err
	}
	var r icResult
	if err := json.Unmarshal(out, &r); err != nil {
		return icResult{}, fmt.Errorf("the child's result %q: %v", out, err)
	}
	r.CPU = cpuOf(ru)
	r.PeakMB = float64(ru.Maxrss) * 1024 / 1e6 // Linux gives kilobytes
	return r, nil
}

// childIntercloud builds the lab as the daemon does (a virtual clock run
// as fast as the CPU allows, lab time at most four times the wall's with
// BGP over TCP), waits until it holds what FRR must hold, fails the link
// and waits until OSPF routes around it, and prints the timings.
func childIntercloud(args []string) error {
	if len(args) != 6 {
		return fmt.Errorf("want FILE EXPECT LINK PORT TIMEOUT ZEROLATENCY")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var exp frrlab.Expected
	b, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		return err
	}
	fail, _ := strconv.Atoi(args[2])
	port, _ := strconv.Atoi(args[3])
	timeout, err := time.ParseDuration(args[4])
	if err != nil {
		return err
	}

	t0 := time.Now()
	res, err := topology.Load(args[0], data)
	if err != nil {
		return err
	}
	m := res.Model
	if args[5] == "true" {
		for _, ml := range m.Links {
			ml.Latency, ml.Jitter = 0, 0
		}
	}
	clk := clock.NewVirtual(time.Now())
	l, err := lab.New(m, lab.Options{Clock: clk, BGPTransport: "tcp", BGPPort: uint16(port)})
	if err != nil {
		return err
	}
	defer l.Close()
	labStart := clk.Now()
	l.Start()
	wallStart := time.Now()
	if err := frrlab.AnnounceFloating(l, m); err != nil {
		return err
	}
	pace := func(d time.Duration) {
		clk.Advance(d)
		if ahead := clk.Now().Sub(labStart)/4 - time.Since(wallStart); ahead > 0 {
			time.Sleep(ahead)
		}
	}
	loops := frrlab.LoopbackNexthops(m, nil)
	deadline := time.Now().Add(timeout)
	for !converged(l, m, exp, loops) {
		if time.Now().After(deadline) {
			return fmt.Errorf("not converged after %v", timeout)
		}
		pace(10 * time.Millisecond)
	}
	var r icResult
	r.Ready = time.Since(t0).Seconds()
	r.ReadyLab = clk.Now().Sub(labStart).Seconds()
	for _, rs := range exp.VPN {
		r.VPNRoutes += len(rs)
	}

	// After bring-up `up` paces the clock to the wall: what takes lab
	// time here takes as much wall time there, if the CPU keeps up
	// (ReconvWall says how much CPU time it needed).
	ml := m.Links[fail]
	if _, err := l.SetLinkUp(ml.A.Node+":"+ml.A.Interface, ml.B.Node+":"+ml.B.Interface, false); err != nil {
		return err
	}
	want := frrlab.LoopbackNexthops(m, map[int]bool{fail: true})
	f0, w0 := clk.Now(), time.Now()
	for !loopbacksAre(l, want) {
		if time.Now().After(deadline) {
			return fmt.Errorf("not reconverged after %v", timeout)
		}
		clk.Advance(time.Millisecond)
	}
	r.Reconverge = clk.Now().Sub(f0).Seconds()
	r.ReconvWall = time.Since(w0).Seconds()
	return json.NewEncoder(os.Stdout).Encode(r)
}

// converged: every BGP session is Established, every PE holds the VPN
// routes and every core router routes every core loopback as it must.
func converged(l *lab.Lab, m *topology.Model, exp frrlab.Expected, loops map[string]map[netip.Prefix][]netip.Addr) bool {
	c := l.Counts()
	if !c.Ready || c.BGPEstablished != c.BGPSessions {
		return false
	}
	vpn, err := frrlab.PEVPNRoutes(l, m)
	if err != nil {
		return false
	}
	for pe, rs := range exp.VPN {
		if !slices.Equal(vpn[pe], rs) {
			return false
		}
	}
	return loopbacksAre(l, loops)
}

// loopbacksAre: each core router's RIB routes each core loopback via
// exactly the next hops want gives.
func loopbacksAre(l *lab.Lab, want map[string]map[netip.Prefix][]netip.Addr) bool {
	for node, routes := range want {
		n, ok := l.Node(node)
		if !ok {
			return false
		}
		for dst, nhs := range routes {
			r, ok := n.Router.RIB().Best("", dst)
			if !ok {
				return false
			}
			var got []netip.Addr
			for _, nh := range r.Nexthops {
				got = append(got, nh.Addr)
			}
			slices.SortFunc(got, netip.Addr.Compare)
			if !slices.Equal(slices.Compact(got), nhs) {
				return false
			}
		}
	}
	return true
}
