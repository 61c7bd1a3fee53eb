//go:build unix

package lab

import "syscall"

type processFileLimit struct{}

// ProcessFileLimit is this process's open-files limit.
var ProcessFileLimit FileLimit = processFileLimit{}

func (processFileLimit) Get() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, err
	}
	return uint64(r.Cur), uint64(r.Max), nil
}

func (processFileLimit) SetSoft(soft uint64) error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return err
	}
	r.Cur = soft
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r)
}
