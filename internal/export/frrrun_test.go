package export

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/examples"
	"github.com/intercloud/intercloud/internal/frrlab"
	"github.com/intercloud/intercloud/internal/topology"
)

// The exported frr.conf files run on real FRR, for the seed lab with LDP
// and with segment routing: one network namespace per router, veth pairs named as the model names the
// interfaces, zebra, staticd, ospfd, ldpd and bgpd of Debian's FRR 8.4
// loaded with the files as exported (vtysh -b). OSPF reaches Full on every
// core link, LDP sessions come up, every BGP session the lab starts is
// Established, and the PEs' VPNv4 tables hold the same (RD, prefix) routes
// as the lab's PEs hold.
//
// This kernel has no VRF devices, so a PE's VRF is FRR's other VRF
// backend: a network namespace (zebra -n) named after the VRF, visible
// only to that PE's daemons (a private mount of /run/netns), holding the
// VRF's interfaces. That is the one thing the test does that the file does
// not: the file's header says how to make a Linux VRF device instead. No
// MPLS forwarding either: labels are allocated and signalled (LDP, VPN
// labels) but not installed; the test checks the control plane.
//
// It takes about a minute (half for each label mode), mostly waiting on
// FRR's timers; it runs wherever it can (root, FRR installed, as in CI)
// unless INTERCLOUD_FRR_EXPORT=0.
func TestExportedFRRConfigsConvergeLikeTheLab(t *testing.T) {
	if os.Getenv("INTERCLOUD_FRR_EXPORT") == "0" {
		t.Skip("INTERCLOUD_FRR_EXPORT=0: not running the exported frr.conf files on FRR")
	}
	if why := frrlab.Missing(); why != "" {
		t.Skip(why + ": run as root with FRR installed to prove the exported frr.conf files on FRR")
	}
	for _, mode := range []string{"ldp", "sr"} {
		t.Run(mode, func(t *testing.T) {
			y := bytes.Replace(examples.Seed, []byte("label_mode: ldp"), []byte("label_mode: "+mode), 1)
			res, err := topology.Load("seed.yaml", y)
			if err != nil {
				t.Fatal(err)
			}
			proveOnFRR(t, res.Model, fmt.Sprintf("icx%d%c", os.Getpid()%100000, mode[0]))
		})
	}
}

// proveOnFRR runs m's exported configurations on FRR and checks they
// converge as the lab does.
func proveOnFRR(t *testing.T, m *topology.Model, prefix string) {
	want, err := frrlab.LabRoutes(m)
	if err != nil {
		t.Fatal(err)
	}
	l, err := frrlab.Start(frrlab.Config{Model: m, Prefix: prefix, Runs: Exported,
		Conf: func(node string) ([]byte, error) { return FRR(m, node) }, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	wait := func(what string, cond func() (bool, string)) {
		t.Helper()
		took, err := frrlab.WaitFor(ctx, what, cond)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s after %v", what, took.Round(time.Millisecond))
	}
	wait("OSPF Full on every core link", l.OSPFFull)
	if m.LabelMode == topology.LabelSR {
		wait("every core router to know every core router's node SID", l.SRNodes)
	} else {
		wait("LDP sessions operational on every core link", l.LDPUp)
	}
	wait("every BGP session the lab starts Established", l.BGPEstablished)
	wait("the PEs' VPNv4 tables to hold the lab's routes", func() (bool, string) { return l.HasVPNRoutes(want.VPN) })
	for pe, routes := range l.VPNRoutes() {
		t.Logf("%s: %d VPNv4 routes as the lab: %v", pe, len(routes), routes)
	}
	wait("the PEs' VRFs to hold the lab's VRF routes", func() (bool, string) { return l.HasVRFRoutes(want.VRF) })
	wait("every core router to route every core loopback as OSPF must", func() (bool, string) {
		return l.HasLoopbackRoutes(frrlab.LoopbackNexthops(m, nil))
	})
}

// Fast timers are written on every OSPF interface and BGP neighbor, and
// half a pair is refused.
func TestFRRWithFastTimers(t *testing.T) {
	m := seed(t)
	conf, err := FRRWith(m, "pe1", FastTimers)
	if err != nil {
		t.Fatal(err)
	}
	s := string(conf)
	for _, want := range []string{" ip ospf hello-interval 1\n ip ospf dead-interval 3\n", " timers 1 3\n", " timers connect 1\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("pe1's frr.conf with fast timers lacks %q:\n%s", want, s)
		}
	}
	def, err := FRR(m, "pe1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(def), "hello-interval") || strings.Contains(string(def), " timers ") {
		t.Errorf("pe1's frr.conf with FRR's default timers sets timers:\n%s", def)
	}
	if _, err := FRRWith(m, "pe1", FRROptions{OSPFHello: 1}); err == nil || !strings.Contains(err.Error(), "hello with dead") {
		t.Errorf("a hello without a dead interval: err %v, want one naming the pair", err)
	}
}
