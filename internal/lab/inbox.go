package lab

import (
	"sync"
	"sync/atomic"

	"github.com/intercloud/intercloud/internal/clock"
)

// inboxLimit is how many messages read from one connection may wait for
// their speaker before the reader stops reading, so that the far end's
// TCP window closes, as a router's input queue limit does.
const inboxLimit = 4096

// spareCap is the largest batch slice an inbox keeps for the next one.
const spareCap = 64

// inbox hands what a connection's reader goroutine reads to the speaker
// as callbacks on the lab's clock, as the in-memory network does: a
// speaker handles a burst of messages in one go and answers it with
// one flush, on the clock's workers, instead of one message at a time
// on whichever reader woke up. The far end's close reaches the speaker
// after every message read before it.
type inbox struct {
	clk    clock.Clock
	recv   func([]byte)
	closed func(error)

	mu       sync.Mutex
	room     sync.Cond // signalled when msgs drops below inboxLimit
	msgs     [][]byte
	spare    [][]byte // the last batch's slice, for reuse
	farErr   error    // the far end closed with this, once msgs drain
	draining bool     // a drain callback is scheduled or running
	// stopped: closed locally, or the far end's close was reported;
	// nothing is delivered any more.
	stopped atomic.Bool
}

func newInbox(clk clock.Clock, recv func([]byte), closed func(error)) *inbox {
	b := &inbox{clk: clk, recv: recv, closed: closed}
	b.room.L = &b.mu
	return b
}

// push (the reader) queues msg, waiting while the inbox is full.
func (b *inbox) push(msg []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.msgs) >= inboxLimit && !b.stopped.Load() {
		b.room.Wait()
	}
	if b.stopped.Load() {
		return
	}
	b.msgs = append(b.msgs, msg)
	b.kickLocked()
}

// end (the reader) reports the far end's close, to be delivered after
// what was read before it.
func (b *inbox) end(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.farErr = err
	b.kickLocked()
}

// stop (a local Close) discards what waits and delivers nothing more.
func (b *inbox) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stopped.Store(true)
	b.msgs = nil
	b.room.Broadcast()
}

func (b *inbox) kickLocked() {
	if b.draining || b.stopped.Load() {
		return
	}
	b.draining = true
	b.clk.AfterFunc(0, b.drain)
}

// drain (a clock callback) delivers batches until the inbox is empty.
func (b *inbox) drain() {
	for {
		b.mu.Lock()
		batch := b.msgs
		if len(batch) == 0 || b.stopped.Load() {
			b.draining = false
			err := b.farErr
			report := err != nil && !b.stopped.Load()
			if report {
				b.stopped.Store(true)
			}
			b.mu.Unlock()
			if report {
				b.closed(err)
			}
			return
		}
		if len(batch) >= inboxLimit {
			b.room.Broadcast()
		}
		b.msgs = b.spare[:0]
		b.mu.Unlock()
		for i, m := range batch {
			batch[i] = nil
			if b.stopped.Load() {
				break // the speaker closed the connection mid-batch
			}
			b.recv(m)
		}
		// A small batch's slice serves again; a burst's goes, so that
		// a quiet connection does not keep room for thousands.
		if cap(batch) > spareCap {
			batch = nil
		}
		b.mu.Lock()
		b.spare = batch[:0]
		b.mu.Unlock()
	}
}
