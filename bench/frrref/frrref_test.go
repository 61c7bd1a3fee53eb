package main

import (
	"os"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/frrlab"
)

// The harness re-runs its test binary for its child processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "-child" {
		os.Exit(child(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

// A generated lab has the router count the harness asks for.
func TestGeneratedLabsHaveTheAskedSize(t *testing.T) {
	for _, n := range []int{50, 200, 398} {
		p := params(n)
		if got := p.Counts().Routers(); got != n {
			t.Errorf("params(%d) give %d routers (%s)", n, got, p.Flags())
		}
	}
}

// The seed lab on intercloud and on FRR with fast timers, and the
// forwarding comparison, as bench/frrref.sh runs them: root, FRR and
// about two minutes, so only with INTERCLOUD_FRR_BENCH=1.
func TestReferenceSeed(t *testing.T) {
	if os.Getenv("INTERCLOUD_FRR_BENCH") != "1" {
		t.Skip("INTERCLOUD_FRR_BENCH=1 runs the FRR reference on the seed lab (root, FRR, minutes)")
	}
	if why := frrlab.Missing(); why != "" {
		t.Skip(why)
	}
	unlock, err := lock()
	if err != nil {
		t.Skip(err)
	}
	defer unlock()
	frrlab.Sweep(prefix)
	t.Cleanup(func() { cleanup.run(); frrlab.Sweep(prefix) })
	spec, err := topologyOf("seed")
	if err != nil {
		t.Fatal(err)
	}
	ic, err := runIntercloud(spec, 2*time.Minute, true)
	if err != nil {
		t.Fatal(err)
	}
	if ic.Ready <= 0 || ic.Reconverge <= 0 || ic.CPU <= 0 || ic.PeakMB <= 0 || ic.VPNRoutes == 0 {
		t.Errorf("intercloud's figures are not all measured: %+v", ic)
	}
	fr, err := runFRR(spec, "fast", 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if fr.Ready <= 0 || fr.Reconverge <= 0 || fr.CPU <= 0 || fr.PeakMB <= 0 || fr.Processes < spec.routers*3 {
		t.Errorf("FRR's figures are not all measured: %+v", fr)
	}
	fw, err := measureForwarding(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []fwdRun{fw.Kernel1, fw.Kernel4, fw.Intercloud} {
		if r.Received == 0 || r.PPSPerCore <= 0 {
			t.Errorf("%s forwarded nothing: %+v", r.Name, r)
		}
	}
	t.Logf("\n%s", report{Machine: machine(), Load: loadavg(), Rows: []row{{Topology: "seed", Routers: spec.routers, Intercloud: ic, IntercloudNoLatency: ic, FRR: []frrResult{fr}}}, Forward: &fw}.markdown())
	if ents, _ := os.ReadDir("/run/netns"); len(ents) > 0 {
		for _, e := range ents {
			if len(e.Name()) > len(prefix) && e.Name()[:len(prefix)+1] == prefix+"-" {
				t.Errorf("namespace %s left behind", e.Name())
			}
		}
	}
}
