package main

import (
	"testing"
	"time"
)

// waitUntil polls cond until it holds, failing the test with what (and
// cond's last word) when within passes: every wait is bounded and ends
// as soon as its condition holds.
func waitUntil(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	waitOrExplain(t, within, what, cond, nil)
}

// waitOrExplain is waitUntil that, when the wait runs out, also prints
// what explain gathers (the lab's tables, say), so that a failure in CI
// says where things stopped.
func waitOrExplain(t *testing.T, within time.Duration, what string, cond func() (bool, string), explain func() string) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-deadline.C:
			if explain != nil {
				last += "\n" + explain()
			}
			t.Fatalf("%s: not within %v: %s", what, within, last)
		case <-tick.C:
		}
	}
}

// useStateDir makes every command the test runs read (and up write) the
// lab's token in dir, as a user's shell with one state directory would.
func useStateDir(t *testing.T, dir string) {
	t.Helper()
	t.Setenv("INTERCLOUD_STATE", dir)
	t.Setenv("INTERCLOUD_TOKEN", "")
}
