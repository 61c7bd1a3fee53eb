//go:build unix

package diagram

import (
	"syscall"
	"time"
)

// processCPU is the process's user and system CPU time: what a benchmark
// costs whatever else loads the machine.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
