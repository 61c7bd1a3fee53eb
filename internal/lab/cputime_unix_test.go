//go:build unix

package lab

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used, user and system: on a
// shared, loaded machine a benchmark's CPU per operation varies far less
// than its wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
