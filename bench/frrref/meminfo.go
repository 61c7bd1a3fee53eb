package main

import (
	"os"
	"strconv"
	"strings"
)

// memAvailable is the kernel's estimate of memory available, in bytes:
// its drop while a lab runs is what the lab really takes (shared pages
// once), though other work on the machine moves it too.
func memAvailable() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
