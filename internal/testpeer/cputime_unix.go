//go:build unix

package testpeer

import (
	"syscall"
	"time"
)

// ProcessCPU is the user and system CPU time the process has used so far.
// Benchmarks report it per operation: on a shared, loaded machine it
// varies far less than wall time.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
