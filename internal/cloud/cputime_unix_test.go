//go:build unix

package cloud

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used:
// on a loaded machine, a benchmark's work as wall time cannot show it.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
