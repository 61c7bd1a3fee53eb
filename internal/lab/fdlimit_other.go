//go:build !unix

package lab

import "math"

// ProcessFileLimit: outside Unix no rlimit bounds open files.
var ProcessFileLimit FileLimit = noFileLimit{}

type noFileLimit struct{}

func (noFileLimit) Get() (soft, hard uint64, err error) { return math.MaxUint64, math.MaxUint64, nil }
func (noFileLimit) SetSoft(uint64) error                { return nil }
