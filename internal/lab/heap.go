package lab

import (
	"os"
	"runtime/debug"
	"sync"

	"github.com/intercloud/intercloud/internal/hugepages"
	"github.com/intercloud/intercloud/internal/topology"
)

// heapPerRouter is about what a large lab's heap peaks at per router:
// 0.8 to 0.9 MiB at 1,000 and at 10,000 routers (PERFORMANCE.md).
const heapPerRouter = 1 << 20

// bringUpGCPercent is the collector's target (GOGC) while a large lab
// comes up. A bring-up only grows the heap, to some 600 MB of live data
// at 1,000 routers, and the default 100 collects it some 17 times on
// the way; at 150 the collector takes about a tenth less CPU off the
// 2-core machine of PERFORMANCE.md for a peak some 5% higher, where 400
// gave the time back in memory first touched and 60 cost more than it
// saved (PERFORMANCE.md: "Less garbage, and the collector's bring-up
// target" for 150 and 200, "Timed as a user meets it" for 400 and 60).
const bringUpGCPercent = 150

// PrepareHeap readies this process's heap for a lab of m's size, before
// New, and returns what undoes the part meant for the bring-up only, to
// call once the lab is ready: converged, its clouds' state applied, the
// user told. Beyond 200 routers the heap's growth goes on huge pages
// where the system leaves that to each program (internal/hugepages),
// which takes about a fifth of the CPU off a 1,000-router bring-up (a
// kernel without them is no error: the lab runs on 4 KiB pages), and
// the collector runs at bringUpGCPercent until the lab is ready, unless
// the user set GOGC. Only ready's first call does anything.
func PrepareHeap(m *topology.Model) (ready func()) {
	if len(m.Nodes) <= 200 {
		return func() {}
	}
	_, _ = hugepages.Prepare(len(m.Nodes) * heapPerRouter)
	if _, set := os.LookupEnv("GOGC"); set {
		return func() {}
	}
	was := debug.SetGCPercent(bringUpGCPercent)
	return sync.OnceFunc(func() { debug.SetGCPercent(was) })
}
