//go:build !unix

package testpeer

import "time"

// ProcessCPU is not measured here: benchmarks then report 0.
func ProcessCPU() time.Duration { return 0 }
