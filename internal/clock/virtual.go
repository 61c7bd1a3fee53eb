package clock

import (
	"container/heap"
	"sync"
	"sync/atomic"
	"time"
)

// Virtual is a deterministic clock for tests and simulations. Its time stands
// still until Advance, AdvanceTo, AdvanceToNext or RunUntilIdle moves it; they
// run the callbacks that fall due, in time order and, for equal times, in the
// order they were scheduled (a Reset counts as scheduling anew), on the
// goroutine that advances the clock. While a callback runs, Now returns the
// time it was due. Callbacks may schedule, stop and reset timers; a timer a
// callback schedules inside the window being advanced fires in the same call.
//
// All methods are safe for concurrent use, except that only one goroutine may
// advance the clock at a time and callbacks must not advance it themselves:
// that would make the order of events depend on scheduling, which is what a
// virtual clock exists to avoid, so both panic.
//
// SetParallel trades the order within an instant for the machine's cores:
// the callbacks due at one instant then run at once, and only time order
// remains (a lab's bring-up, where thousands of routers act at the same
// instant, runs so).
type Virtual struct {
	mu        sync.Mutex
	now       time.Time
	seq       uint64 // scheduling order, the tie-break for equal due times
	queue     timerQueue
	advancing bool
	workers   int // SetParallel
	batch     []*virtualTimer
}

// NewVirtual returns a virtual clock that reads start until it is advanced.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start}
}

// Now returns the clock's current time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// AfterFunc schedules f to run when the clock has advanced by d.
func (v *Virtual) AfterFunc(d time.Duration, f func()) Timer {
	if f == nil {
		panic("clock: AfterFunc with a nil func")
	}
	t := &virtualTimer{clock: v, f: f, index: -1}
	v.mu.Lock()
	v.schedule(t, d)
	v.mu.Unlock()
	return t
}

// Pending returns the number of timers waiting to fire.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.queue)
}

// Next returns when the earliest pending timer is due; ok is false if no
// timer is pending.
func (v *Virtual) Next() (when time.Time, ok bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.queue) == 0 {
		return time.Time{}, false
	}
	return v.queue[0].when, true
}

// Advance moves the clock forward by d, firing every timer due up to and
// including the new time, and returns how many fired.
func (v *Virtual) Advance(d time.Duration) int {
	if d < 0 {
		panic("clock: Advance by a negative duration")
	}
	start := v.begin()
	defer v.end()
	target := start.Add(d)
	n := v.fireUntil(target)
	v.moveTo(target)
	return n
}

// AdvanceTo moves the clock forward to t, as Advance does. A t in the past
// fires the timers already due and leaves the time as it is.
func (v *Virtual) AdvanceTo(t time.Time) int {
	v.begin()
	defer v.end()
	n := v.fireUntil(t)
	v.moveTo(t)
	return n
}

// AdvanceToNext moves the clock to the earliest pending timer and fires every
// timer due at that instant, including those their callbacks schedule for
// it. It reports false, leaving the clock alone, if no timer is pending.
func (v *Virtual) AdvanceToNext() bool {
	v.begin()
	defer v.end()
	next, ok := v.Next()
	if !ok {
		return false
	}
	v.fireUntil(next)
	v.moveTo(next)
	return true
}

// RunUntilIdle fires timers in order until none is pending, but never moves
// the clock more than limit past where it started, so a periodic timer cannot
// keep it running forever. It reports whether the clock went idle; the clock
// then reads the time of the last timer fired, otherwise start plus limit.
func (v *Virtual) RunUntilIdle(limit time.Duration) bool {
	if limit < 0 {
		panic("clock: RunUntilIdle with a negative limit")
	}
	start := v.begin()
	defer v.end()
	target := start.Add(limit)
	v.fireUntil(target)
	if v.Pending() == 0 {
		return true
	}
	v.moveTo(target)
	return false
}

// begin marks the clock as advancing and returns the current time.
func (v *Virtual) begin() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.advancing {
		panic("clock: virtual clock advanced concurrently or from a timer callback")
	}
	v.advancing = true
	return v.now
}

// end is deferred so that a panicking callback does not leave the clock
// marked as advancing forever.
func (v *Virtual) end() {
	v.mu.Lock()
	v.advancing = false
	v.mu.Unlock()
}

func (v *Virtual) moveTo(t time.Time) {
	v.mu.Lock()
	if t.After(v.now) {
		v.now = t
	}
	v.mu.Unlock()
}

// SetParallel lets the clock run the callbacks due at one instant on up
// to n goroutines at once, in no set order (n <= 1: one at a time, in
// order, the default). Callbacks must then be safe to run concurrently,
// as they are on a real clock; a timer stopped by another callback of
// the same instant still does not run.
func (v *Virtual) SetParallel(n int) {
	v.mu.Lock()
	v.workers = n
	v.mu.Unlock()
}

// inBatch marks a timer taken from the queue to run with the others due
// at the same instant: Stop and Reset still take it back.
const inBatch = -2

// fireUntil runs, one at a time and without holding the lock, every timer
// due at or before limit. It looks at the queue afresh after each callback
// because callbacks may add, stop or reset timers.
func (v *Virtual) fireUntil(limit time.Time) int {
	v.mu.Lock()
	workers := v.workers
	v.mu.Unlock()
	if workers > 1 {
		return v.fireParallel(limit, workers)
	}
	n := 0
	for {
		v.mu.Lock()
		if !v.dueLocked(limit) {
			v.mu.Unlock()
			return n
		}
		t := heap.Pop(&v.queue).(*virtualTimer)
		f := t.f
		v.mu.Unlock()
		f()
		n++
	}
}

// dueLocked (v.mu held) reports whether a timer is due at or before
// limit, and moves the clock to the earliest one.
func (v *Virtual) dueLocked(limit time.Time) bool {
	if len(v.queue) == 0 || v.queue[0].when.After(limit) {
		return false
	}
	if w := v.queue[0].when; w.After(v.now) {
		v.now = w
	}
	return true
}

// fireParallel is fireUntil running each instant's callbacks as a batch
// on up to workers goroutines; callbacks that schedule for the same
// instant run in the next batch.
func (v *Virtual) fireParallel(limit time.Time, workers int) int {
	var n atomic.Int64
	for {
		v.mu.Lock()
		if !v.dueLocked(limit) {
			v.mu.Unlock()
			return int(n.Load())
		}
		when := v.queue[0].when
		batch := v.batch[:0]
		for len(v.queue) > 0 && !v.queue[0].when.After(when) {
			t := heap.Pop(&v.queue).(*virtualTimer)
			t.index = inBatch
			batch = append(batch, t)
		}
		v.mu.Unlock()
		run := func(t *virtualTimer) {
			v.mu.Lock()
			if t.index != inBatch { // stopped or reset meanwhile
				v.mu.Unlock()
				return
			}
			t.index = -1
			f := t.f
			v.mu.Unlock()
			f()
			n.Add(1)
		}
		if len(batch) == 1 {
			run(batch[0])
		} else {
			var next atomic.Int64
			var wg sync.WaitGroup
			for range min(workers, len(batch)) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= len(batch) {
							return
						}
						run(batch[i])
					}
				}()
			}
			wg.Wait()
		}
		clear(batch)
		v.batch = batch[:0]
	}
}

// schedule (re)queues t to fire d from now; v.mu must be held.
func (v *Virtual) schedule(t *virtualTimer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	t.when = v.now.Add(d)
	t.seq = v.seq
	v.seq++
	if t.index == inBatch {
		t.index = -1
	}
	if t.index >= 0 {
		heap.Fix(&v.queue, t.index)
	} else {
		heap.Push(&v.queue, t)
	}
}

type virtualTimer struct {
	clock *Virtual
	f     func()
	when  time.Time
	seq   uint64
	index int // position in clock.queue, or -1 when not pending
}

func (t *virtualTimer) Stop() bool {
	v := t.clock
	v.mu.Lock()
	defer v.mu.Unlock()
	switch {
	case t.index == inBatch:
		t.index = -1
		return true
	case t.index < 0:
		return false
	}
	heap.Remove(&v.queue, t.index)
	return true
}

func (t *virtualTimer) Reset(d time.Duration) bool {
	v := t.clock
	v.mu.Lock()
	defer v.mu.Unlock()
	pending := t.index >= 0 || t.index == inBatch
	v.schedule(t, d)
	return pending
}

// timerQueue is a min-heap of pending timers ordered by (when, seq).
type timerQueue []*virtualTimer

func (q timerQueue) Len() int { return len(q) }

func (q timerQueue) Less(i, j int) bool {
	if !q[i].when.Equal(q[j].when) {
		return q[i].when.Before(q[j].when)
	}
	return q[i].seq < q[j].seq
}

func (q timerQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *timerQueue) Push(x any) {
	t := x.(*virtualTimer)
	t.index = len(*q)
	*q = append(*q, t)
}

func (q *timerQueue) Pop() any {
	old := *q
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*q = old[:n-1]
	return t
}
