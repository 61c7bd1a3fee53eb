package lab

import (
	"runtime/debug"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// A large lab comes up with the collector at bringUpGCPercent, and the
// target the process had comes back once the lab is ready, and only
// then; a small lab, or a user who set GOGC, keeps the target as it was.
func TestALargeLabComesUpWithTheCollectorsBringUpTarget(t *testing.T) {
	was := debug.SetGCPercent(100)
	defer debug.SetGCPercent(was)
	gcPercent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	large := &topology.Model{Nodes: make([]*topology.Node, 201)}
	ready := PrepareHeap(large)
	if p := gcPercent(); p != bringUpGCPercent {
		t.Fatalf("while a 201-router lab comes up GOGC is %d, want %d", p, bringUpGCPercent)
	}
	ready()
	if p := gcPercent(); p != 100 {
		t.Fatalf("once it is ready GOGC is %d, want 100 back", p)
	}
	debug.SetGCPercent(90) // the user's own change, after the bring-up
	ready()                // a way out of the daemon calls it again
	if p := gcPercent(); p != 90 {
		t.Fatalf("a second ready() set GOGC to %d, want the user's 90 kept", p)
	}
	debug.SetGCPercent(100)

	PrepareHeap(&topology.Model{Nodes: make([]*topology.Node, 200)})()
	if p := gcPercent(); p != 100 {
		t.Fatalf("a 200-router lab set GOGC to %d", p)
	}

	t.Setenv("GOGC", "80")
	debug.SetGCPercent(80)
	ready = PrepareHeap(large)
	if p := gcPercent(); p != 80 {
		t.Fatalf("with the user's GOGC=80 a large lab comes up at %d", p)
	}
	ready()
	if p := gcPercent(); p != 80 {
		t.Fatalf("with the user's GOGC=80, once ready %d", p)
	}
}
