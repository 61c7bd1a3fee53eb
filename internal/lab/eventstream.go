package lab

import "github.com/intercloud/intercloud/internal/router"

// NumberedEvent is an event with its place in the lab's log: ids only
// grow, so a follower that saw id N resumes after N (SSE's Last-Event-ID).
type NumberedEvent struct {
	ID uint64 `json:"id"`
	router.Event
}

// EventsAfter returns the events with ids above after, oldest first, and
// a channel closed when the next one is recorded or the lab closes; open
// is false once the lab has closed. A follower trimmed past (the log is
// bounded) resumes at the oldest event kept.
func (l *Lab) EventsAfter(after uint64) (evs []NumberedEvent, next <-chan struct{}, open bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.newEvent == nil {
		l.newEvent = make(chan struct{})
	}
	i := 0
	if after > l.dropped {
		i = int(min(after-l.dropped, uint64(len(l.events))))
	}
	for j, e := range l.events[i:] {
		evs = append(evs, NumberedEvent{ID: l.dropped + uint64(i+j) + 1, Event: e})
	}
	return evs, l.newEvent, !l.closed
}

// LastEventID is the id of the newest event (0 when none), where a
// follower that wants only what comes next starts.
func (l *Lab) LastEventID() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped + uint64(len(l.events))
}

// wake tells followers something changed; l.mu is held.
func (l *Lab) wake() {
	if l.newEvent != nil {
		close(l.newEvent)
		l.newEvent = nil
	}
}
