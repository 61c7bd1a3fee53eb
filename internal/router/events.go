package router

import (
	"sync"
	"time"
)

// DefaultEventLog is how many events a router keeps unless told otherwise.
const DefaultEventLog = 10_000

// eventLog is a bounded ring of events: a long-running lab keeps the
// latest ones and its memory stays flat.
type eventLog struct {
	mu   sync.Mutex
	buf  []Event
	max  int
	head int // oldest entry once the ring is full
	full bool
}

// init sets the bound; the ring grows to it as events come, so that a
// thousand quiet routers do not each hold room for ten thousand events.
func (l *eventLog) init(n int) {
	if n <= 0 {
		n = DefaultEventLog
	}
	l.max = n
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.full {
		l.buf = append(l.buf, e)
		l.full = len(l.buf) == l.max
		return
	}
	l.buf[l.head] = e
	l.head = (l.head + 1) % len(l.buf)
}

// since returns the events after t, oldest first.
func (l *eventLog) since(t time.Time) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	n := len(l.buf)
	for k := range n {
		e := l.buf[(l.head+k)%n]
		if e.Time.After(t) {
			out = append(out, e)
		}
	}
	return out
}

// Event records something an operator may want to see later, stamped with
// the router's clock, and passes it to the lab's sink if there is one.
func (r *Router) Event(kind, detail string) {
	e := Event{Time: r.clk.Now(), Node: r.name, Kind: kind, Detail: detail}
	r.events.add(e)
	if r.eventSink != nil {
		r.eventSink(e)
	}
}

// Events returns the events recorded after since (all of them for the zero
// time), oldest first.
func (r *Router) Events(since time.Time) []Event {
	return r.events.since(since)
}
