package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

const inotifyInstances = "/proc/sys/fs/inotify/max_user_instances"

// raiseInotify makes room for n more inotify instances of one user:
// every zebra with the netns VRF backend watches /run/netns with one,
// and Linux's default of 128 per user stops a lab at about 120 routers
// (zebra aborts: "NS notify init: failed to initialize inotify"). It
// returns the function that puts the old limit back.
func raiseInotify(n int) (func(), error) {
	b, err := os.ReadFile(inotifyInstances)
	if err != nil {
		return func() {}, nil // not Linux's procfs: nothing to raise
	}
	old, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, err
	}
	want := old + n
	if err := os.WriteFile(inotifyInstances, []byte(strconv.Itoa(want)), 0o644); err != nil {
		return nil, fmt.Errorf("raising %s to %d for %d zebras: %v", inotifyInstances, want, n, err)
	}
	logf("raised fs.inotify.max_user_instances from %d to %d for the run", old, want)
	return func() { _ = os.WriteFile(inotifyInstances, []byte(strconv.Itoa(old)), 0o644) }, nil
}
