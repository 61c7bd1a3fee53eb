package ldp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/ldp"
)

// TestHelloHoldExpiry: hellos stop on pe1-p1 without carrier loss. The
// IGP's dead interval is 40 s, LDP's hold time 15 s: the LDP session goes
// first, and pe1's LSPs stop using p1 (its labels are forgotten) although
// the IGP still routes through it; when the IGP adjacency dies too, the
// LSPs move to p2 entirely.
func TestHelloHoldExpiry(t *testing.T) {
	l := seed(t)
	l.settle(5 * time.Second)
	l.net.FindLink("pe1", "p1").SetBlackhole(true)
	// LDP hellos go every 5 s; the one sent at 5 s got through (10 ms),
	// so the 15 s hold runs out at 20.01 s.
	l.settle(16 * time.Second)
	var nb []ldp.Neighbor
	l.net.Router("pe1").Do(func() { nb = l.ldp["pe1"].Neighbors() })
	if len(nb) != 1 || nb[0].LSRID != l.lo("p2").Addr() {
		t.Fatalf("pe1's LDP neighbours after the hold time: %+v, want p2 only", nb)
	}
	if ev := l.net.Router("pe1").Events("ldp-session-down"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "hold time expired") {
		t.Errorf("session-down events = %v", ev)
	}
	// The IGP still has pe2 over both; LDP only has p2's label.
	if r, _ := l.net.Router("pe1").Table().Best("", l.lo("pe2")); len(r.Nexthops) != 2 {
		t.Fatalf("IGP route to pe2 = %+v, want both nexthops still", r)
	}
	l.wantLSP("pe1", "pe2", "p2")
	l.wantLSP("pe1", "p1", "none") // p1's loopback: its only IGP nexthop is p1, which has no session

	// The IGP gives up at 40 s: pe1 now reaches p1 through p2 (20).
	l.settle(25 * time.Second)
	l.wantLSP("pe1", "p1", "p2")

	// Hellos again: session and LSPs come back.
	l.net.FindLink("pe1", "p1").SetBlackhole(false)
	l.settle(15 * time.Second)
	l.wantLSP("pe1", "pe2", "p1", "p2")
	l.wantLSP("pe1", "p1", "p1")
}

// TestWithdraw: when pe2 is cut off, every LSR withdraws its label for
// pe2's loopback and gives the label back; the peers forget the binding.
func TestWithdraw(t *testing.T) {
	l := seed(t)
	l.settle(5 * time.Second)
	inUse := map[string]int{}
	for _, n := range []string{"p1", "p2", "pe1"} {
		inUse[n] = l.net.Router(n).Table().LabelsInUse()
	}
	for _, k := range l.net.Links() {
		if a, b := k.Ends(); strings.HasPrefix(a, "pe2:") || strings.HasPrefix(b, "pe2:") {
			k.SetUp(false)
		}
	}
	l.settle(5 * time.Second)
	for _, n := range []string{"p1", "p2", "pe1"} {
		if got := l.lfib(n, "pe2"); got != "none" {
			t.Errorf("%s still has an LSP for pe2: %s", n, got)
		}
		if got := l.net.Router(n).Table().LabelsInUse(); got != inUse[n]-1 {
			t.Errorf("%s has %d labels in use, want %d (pe2's released)", n, got, inUse[n]-1)
		}
		var bs []ldp.Binding
		l.net.Router(n).Do(func() { bs = l.ldp[n].Bindings() })
		for _, b := range bs {
			if b.FEC == l.lo("pe2") {
				t.Errorf("%s still has a binding for pe2: %+v", n, b)
			}
		}
	}
	ev := l.net.Router("pe1").Events("label")
	if last := ev[len(ev)-1].Detail; !strings.Contains(last, "1 withdrawn ("+l.lo("pe2").String()+")") {
		t.Errorf("last label event at pe1: %q", last)
	}
}
