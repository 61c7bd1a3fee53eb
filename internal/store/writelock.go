package store

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// writeLock lets one transaction of the process write at a time. SQLite
// allows one writer per database; left to SQLite, concurrent writers poll
// for its lock and fail with SQLITE_BUSY after the busy timeout, in no
// particular order. Queued here instead, they wait their turn for as long
// as their context allows. The zero value is unlocked.
type writeLock struct {
	once sync.Once
	ch   chan struct{} // holds a token while the lock is held
	// held and holds total how long the lock was held and how many times,
	// for WriterHeld.
	held, holds atomic.Int64
}

// lock waits for the lock or for ctx to end, whichever comes first.
func (l *writeLock) lock(ctx context.Context) error {
	l.once.Do(func() { l.ch = make(chan struct{}, 1) })
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case l.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *writeLock) unlock() { <-l.ch }

// WriterHeld reports how many transactions held the store's writer lock
// so far and for how long in all: the time every other writer of the
// process waits behind them. Sample it twice and divide the differences
// for the mean hold.
func (s *Store) WriterHeld() (n int64, total time.Duration) {
	return s.writer.holds.Load(), time.Duration(s.writer.held.Load())
}
