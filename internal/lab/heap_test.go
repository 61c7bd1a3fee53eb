package lab

import (
	"runtime/debug"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// A large lab comes up with the collector at bringUpGCPercent, and the
// target the process had comes back once the lab converged; a small lab,
// or a user who set GOGC, keeps the target as it was.
func TestALargeLabComesUpWithTheCollectorsBringUpTarget(t *testing.T) {
	was := debug.SetGCPercent(100)
	defer debug.SetGCPercent(was)
	gcPercent := func() int {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p
	}
	large := &topology.Model{Nodes: make([]*topology.Node, 201)}
	converged := PrepareHeap(large)
	if p := gcPercent(); p != bringUpGCPercent {
		t.Fatalf("while a 201-router lab comes up GOGC is %d, want %d", p, bringUpGCPercent)
	}
	converged()
	if p := gcPercent(); p != 100 {
		t.Fatalf("once it converged GOGC is %d, want 100 back", p)
	}

	PrepareHeap(&topology.Model{Nodes: make([]*topology.Node, 200)})()
	if p := gcPercent(); p != 100 {
		t.Fatalf("a 200-router lab set GOGC to %d", p)
	}

	t.Setenv("GOGC", "80")
	debug.SetGCPercent(80)
	converged = PrepareHeap(large)
	if p := gcPercent(); p != 80 {
		t.Fatalf("with the user's GOGC=80 a large lab comes up at %d", p)
	}
	converged()
	if p := gcPercent(); p != 80 {
		t.Fatalf("with the user's GOGC=80, after convergence %d", p)
	}
}
