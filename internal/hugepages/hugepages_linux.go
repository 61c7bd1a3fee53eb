package hugepages

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"unsafe"
)

const (
	madvHugepage = 14 // MADV_HUGEPAGE, linux/mman.h
	hugePage     = 2 << 20
	enabledPath  = "/sys/kernel/mm/transparent_hugepage/enabled"
)

// SystemMode is the system's THP setting.
func SystemMode() (Mode, error) {
	b, err := os.ReadFile(enabledPath)
	if err != nil {
		return "", err
	}
	m, ok := parseMode(string(b))
	if !ok {
		return "", errors.New("hugepages: cannot read " + enabledPath + ": " + string(bytes.TrimSpace(b)))
	}
	return m, nil
}

// Prepare readies about n bytes of the heap's growth for huge pages, and
// returns how many it advised: none when the system already backs every
// program's heap with them (always), when its administrator turned them
// off (never), or when the kernel has none. It asks for at most half of
// the memory available and half of the Go memory limit, since the
// space, though never touched, is allocated once.
func Prepare(n int) (int, error) {
	mode, err := SystemMode()
	if err != nil {
		return 0, err
	}
	if mode != Madvise {
		return 0, nil
	}
	if avail, ok := memAvailable(); ok {
		n = min(n, int(avail/2))
	}
	if limit := debug.SetMemoryLimit(-1); limit > 0 {
		n = min(n, int(limit/2))
	}
	if n < 2*hugePage {
		return 0, nil
	}
	return grow(n)
}

// grow allocates n bytes the heap has not used yet: the runtime maps new
// address space for them and, knowing it zero, leaves it untouched. It
// advises that space (MADV_HUGEPAGE: a fault there maps a whole huge
// page), then collects it, so that the heap's next objects land in it
// (the runtime reuses the lowest free pages first) and its pacing
// starts from its true size, not from the n bytes.
func grow(n int) (int, error) {
	b := make([]byte, n)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p + hugePage - 1) &^ (hugePage - 1)
	end := (p + uintptr(n)) &^ (hugePage - 1)
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage)
	runtime.KeepAlive(b)
	runtime.GC()
	if errno != 0 {
		return 0, errno
	}
	return int(end - start), nil
}

// memAvailable is MemAvailable from /proc/meminfo, in bytes.
func memAvailable() (uint64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := bytes.Fields(sc.Bytes())
		if len(fields) >= 2 && string(fields[0]) == "MemAvailable:" {
			kb, err := strconv.ParseUint(string(fields[1]), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
