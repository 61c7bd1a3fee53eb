package clock

import (
	"context"
	"time"
)

// Pace makes v follow the wall clock until ctx ends: every step it advances
// v by the wall time that passed. The daemon runs its lab this way, so that
// all of a lab's time — link latencies, protocol timers, RTTs — is one
// virtual time line that matches the wall clock while the CPU keeps up,
// and falls behind it, rather than breaking protocols with late timers,
// when the CPU cannot. Callbacks run on Pace's goroutine.
func Pace(ctx context.Context, v *Virtual, step time.Duration) {
	wall0, lab0 := time.Now(), v.Now()
	t := time.NewTicker(step)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			target := lab0.Add(time.Since(wall0))
			if target.After(v.Now()) {
				v.AdvanceTo(target)
			}
		}
	}
}
