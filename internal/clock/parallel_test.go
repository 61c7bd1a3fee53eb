package clock_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

// Two callbacks due at the same instant that each wait for the other can
// only both finish if they run at once.
func TestParallelClockRunsOneInstantsCallbacksAtOnce(t *testing.T) {
	v := clock.NewVirtual(epoch)
	v.SetParallel(2)
	a, b := make(chan struct{}), make(chan struct{})
	var met atomic.Int32
	meet := func(mine, theirs chan struct{}) func() {
		return func() {
			close(mine)
			select {
			case <-theirs:
				met.Add(1)
			case <-time.After(10 * time.Second):
			}
		}
	}
	v.AfterFunc(time.Millisecond, meet(a, b))
	v.AfterFunc(time.Millisecond, meet(b, a))
	if n := v.Advance(time.Millisecond); n != 2 {
		t.Fatalf("Advance fired %d timers, want 2", n)
	}
	if met.Load() != 2 {
		t.Fatalf("the two callbacks of one instant did not run at the same time")
	}
}

// Callbacks see the instant they were due; what they schedule for that
// instant runs in the same Advance, and what is due later waits for it.
func TestParallelClockKeepsTimeOrder(t *testing.T) {
	v := clock.NewVirtual(epoch)
	v.SetParallel(2)
	var mu sync.Mutex
	var log []string
	note := func(s string) {
		mu.Lock()
		log = append(log, s+"@"+v.Now().Sub(epoch).String())
		mu.Unlock()
	}
	for range 3 {
		v.AfterFunc(5*time.Millisecond, func() {
			note("first")
			v.AfterFunc(0, func() { note("again") })
		})
	}
	v.AfterFunc(6*time.Millisecond, func() { note("later") })
	if n := v.Advance(10 * time.Millisecond); n != 7 {
		t.Fatalf("Advance fired %d timers, want 7", n)
	}
	want := []string{"first@5ms", "first@5ms", "first@5ms", "again@5ms", "again@5ms", "again@5ms", "later@6ms"}
	if len(log) != len(want) {
		t.Fatalf("ran %v, want %v", log, want)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Fatalf("ran %v, want %v", log, want)
		}
	}
}

// A timer taken from the queue with others of its instant can still be
// stopped or reset by one of them before it runs. With two workers, c is
// only picked once a or b is done, and b waits for a, which stops c and
// puts d off.
func TestParallelClockStopAndResetWinWithinAnInstant(t *testing.T) {
	v := clock.NewVirtual(epoch)
	v.SetParallel(2)
	var ranC, ranD atomic.Int32
	var dAt atomic.Int64
	var c, d clock.Timer
	aDone := make(chan struct{})
	var stopped, reset bool
	v.AfterFunc(time.Millisecond, func() {
		stopped = c.Stop()
		reset = d.Reset(4 * time.Millisecond)
		close(aDone)
	})
	v.AfterFunc(time.Millisecond, func() { <-aDone })
	c = v.AfterFunc(time.Millisecond, func() { ranC.Add(1) })
	d = v.AfterFunc(time.Millisecond, func() { ranD.Add(1); dAt.Store(int64(v.Now().Sub(epoch))) })
	if n := v.Advance(10 * time.Millisecond); n != 3 {
		t.Errorf("Advance fired %d timers, want 3 (a, b, and d once reset)", n)
	}
	if !stopped || !reset {
		t.Errorf("Stop and Reset of timers due in the running instant = %v, %v, want true, true", stopped, reset)
	}
	if ranC.Load() != 0 {
		t.Errorf("a timer stopped within its instant ran")
	}
	if ranD.Load() != 1 || time.Duration(dAt.Load()) != 5*time.Millisecond {
		t.Errorf("the reset timer ran %d times, at %v; want once, at 5ms", ranD.Load(), time.Duration(dAt.Load()))
	}
}
