package lab

import (
	"github.com/intercloud/intercloud/internal/hugepages"
	"github.com/intercloud/intercloud/internal/topology"
)

// heapPerRouter is about what a large lab's heap peaks at per router:
// 0.8 to 0.9 MiB at 1,000 and at 10,000 routers (PERFORMANCE.md).
const heapPerRouter = 1 << 20

// PrepareHeap readies this process's heap for a lab of m's size, before
// New: beyond 200 routers, the heap's growth goes on huge pages where
// the system leaves that to each program (internal/hugepages), which
// takes about a fifth of the CPU off a 1,000-router bring-up. A kernel
// without them is no error: the lab runs on 4 KiB pages.
func PrepareHeap(m *topology.Model) {
	if len(m.Nodes) > 200 {
		_, _ = hugepages.Prepare(len(m.Nodes) * heapPerRouter)
	}
}
