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
	// held and holds total how long the lock was held and for how many
	// writes (a group commit's writes each count), for WriterHeld.
	held, holds atomic.Int64
	// commits counts the holds (one per WriteTx, one per group).
	commits atomic.Int64
}

// lock waits for the lock or for ctx to end, whichever comes first.
func (l *writeLock) lock(ctx context.Context) error {
	_, err := l.lockUnless(ctx, nil)
	return err
}

// lockUnless waits for the lock, for done to close or for ctx to end,
// whichever comes first. It reports whether it took the lock; a nil done
// never closes. Waiters are served in the order they came (a channel's
// senders queue in order).
func (l *writeLock) lockUnless(ctx context.Context, done <-chan struct{}) (bool, error) {
	l.once.Do(func() { l.ch = make(chan struct{}, 1) })
	if err := ctx.Err(); err != nil {
		return false, err
	}
	select {
	case l.ch <- struct{}{}:
		return true, nil
	case <-done:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

func (l *writeLock) unlock() { <-l.ch }

// account adds one hold of the lock, begun at start, by n writes.
func (l *writeLock) account(start time.Time, n int) {
	l.held.Add(int64(time.Since(start)))
	l.holds.Add(int64(n))
	l.commits.Add(1)
}

// WriterHeld reports how many writes held the store's writer lock so far
// and for how long in all: the time every other writer of the process
// waits behind them. The writes of one group commit (GroupTx) share one
// hold and each count once. Sample it twice and divide the differences
// for the mean hold per write.
func (s *Store) WriterHeld() (n int64, total time.Duration) {
	return s.writer.holds.Load(), time.Duration(s.writer.held.Load())
}

// WriterCommits reports how many times the store's writer lock was held
// so far: one per WriteTx and one per group of GroupTx writes. With
// WriterHeld's count of writes it gives the writes per group commit.
func (s *Store) WriterCommits() int64 { return s.writer.commits.Load() }
