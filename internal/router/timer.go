package router

import (
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

// AfterFunc runs f under the control-plane lock once d has passed on the
// router's clock.
//
// Unlike a bare clock timer, a Stop or Reset made under the control lock
// wins against a callback that has already fired but is still waiting for
// the lock (which happens on the real clock): f then does not run early or
// after being stopped, so protocols need no generation counters.
func (r *Router) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &ctlTimer{r: r, f: f, armed: true}
	t.mu.Lock()
	t.due = r.clk.Now().Add(d)
	t.inner = r.clk.AfterFunc(d, t.fire)
	t.mu.Unlock()
	return t
}

type ctlTimer struct {
	r     *Router
	f     func()
	mu    sync.Mutex
	inner clock.Timer
	due   time.Time
	armed bool
}

func (t *ctlTimer) fire() {
	r := t.r
	r.ctl.Lock()
	defer r.ctl.Unlock()
	t.mu.Lock()
	// Stale: stopped, already run, or reset to later while waiting for
	// the lock.
	if !t.armed || r.clk.Now().Before(t.due) {
		t.mu.Unlock()
		return
	}
	t.armed = false
	t.mu.Unlock()
	if r.closed.Load() {
		return
	}
	t.f()
}

func (t *ctlTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.armed
	t.armed = false
	t.inner.Stop()
	return was
}

func (t *ctlTimer) Reset(d time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.armed
	t.armed = true
	t.due = t.r.clk.Now().Add(d)
	t.inner.Reset(d)
	return was
}
