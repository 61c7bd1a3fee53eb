// Package clock is the source of time for the data plane and protocol timers.
//
// Everything in intercloud that waits — link latency, serialization delay,
// hello and hold timers — asks a Clock instead of the time package. The daemon
// runs on Real, the wall clock; tests run on a Virtual clock, which only moves
// when the test advances it, so a 40 ms link or a 90 s hold timer costs no
// wall time and every run fires the same callbacks in the same order.
package clock

import "time"

// Clock tells the time and schedules callbacks.
type Clock interface {
	// Now returns the current time on this clock.
	Now() time.Time
	// AfterFunc calls f once d has elapsed on this clock. A d of zero or less
	// means "as soon as possible", never "synchronously": f does not run
	// inside AfterFunc. Callbacks of a Virtual clock run on the goroutine
	// that advances it; those of the real clock on their own goroutines.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a callback scheduled by Clock.AfterFunc. Its methods mean what
// they mean on a *time.Timer made by time.AfterFunc.
type Timer interface {
	// Stop prevents the callback from running. It reports whether the
	// callback was still pending; false means it already ran (or is running)
	// or the timer was stopped.
	Stop() bool
	// Reset schedules the callback to run d from now, whether or not it has
	// already run. It reports whether the callback was still pending.
	Reset(d time.Duration) bool
}

// Since returns the time elapsed on c since t.
func Since(c Clock, t time.Time) time.Duration {
	return c.Now().Sub(t)
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// AfterFunc returns the *time.Timer itself: it already has the Timer
// methods, so wrapping it would cost an allocation for nothing.
func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d, f)
}
