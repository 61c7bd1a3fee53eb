package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// raiseNeighbours makes the kernel's neighbour tables (ARP and IPv6
// neighbour discovery) room for a lab of n routers. The tables are one
// for every network namespace, and Linux's default gc_thresh3 of 1,024
// entries is reached at about 200 routers: the kernel then refuses new
// entries ("neighbour: arp_cache: neighbor table overflow!"), so
// adjacencies and sessions fail and retry, and the lab measures that.
// It returns the function that puts the old thresholds back.
func raiseNeighbours(n int) (func(), error) {
	var restore []func()
	undo := func() {
		for _, f := range restore {
			f()
		}
	}
	for _, family := range []string{"ipv4", "ipv6"} {
		for i, per := range []int{16, 32, 64} { // gc_thresh1, 2 and 3, per router
			file := fmt.Sprintf("/proc/sys/net/%s/neigh/default/gc_thresh%d", family, i+1)
			b, err := os.ReadFile(file)
			if err != nil {
				continue // not Linux's procfs, or no IPv6: nothing to raise
			}
			old, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				undo()
				return nil, err
			}
			want := per * n
			if want <= old {
				continue
			}
			if err := os.WriteFile(file, []byte(strconv.Itoa(want)), 0o644); err != nil {
				undo()
				return nil, fmt.Errorf("raising %s to %d for %d routers: %v", file, want, n, err)
			}
			restore = append(restore, func() { _ = os.WriteFile(file, []byte(strconv.Itoa(old)), 0o644) })
			if family == "ipv4" && i == 2 {
				logf("raised net.ipv4.neigh.default.gc_thresh3 from %d to %d for the run", old, want)
			}
		}
	}
	return undo, nil
}
