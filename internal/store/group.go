package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// maxGroup bounds the writes one group commit takes: the first of them
// waits for the last, so a group is kept to a few milliseconds of work.
const maxGroup = 64

// GroupTx is WriteTx for a write that may share its transaction with
// other GroupTx writes queued at the same time (group commit). The
// writer lock's holder takes every queued write, runs each one's fn in
// turn in one transaction, each inside its own savepoint, commits once,
// then runs each successful write's onCommit in order and answers them
// all. A store's many small concurrent writes so pay for one BEGIN and
// one COMMIT between them, and the lock changes hands once per group
// rather than once per write.
//
// Each write keeps WriteTx's guarantees: GroupTx returns nil only after
// the commit holding fn's changes succeeded (as durable as any commit of
// the store: it survives the process being killed), and an error when fn
// failed (its savepoint rolled back: nothing it wrote is kept, the
// others' writes are) or when the shared commit failed (nothing of the
// group is kept). fn sees the writes of the group before it, as it
// would had they committed just before it; the transaction's identity
// (*sql.Tx) tells a caller that keeps state between writes that they
// belong to one group. A panic in fn rolls back its savepoint and
// continues in fn's caller, not in the goroutine that ran it. ctx bounds
// the wait; a write whose ctx ended before its turn is not run. Do not
// mix GroupTx with statements that need a transaction of their own
// (schema changes): use Tx for those.
func (s *Store) GroupTx(ctx context.Context, fn func(*sql.Tx) error, onCommit func()) error {
	w := &groupWrite{ctx: ctx, fn: fn, onCommit: onCommit, done: make(chan struct{})}
	s.group.add(w)
	for {
		leader, err := s.writer.lockUnless(ctx, w.done)
		if err != nil {
			if s.group.remove(w) {
				return fmt.Errorf("store: wait for the writer lock: %w", err)
			}
			// A group holding w is running: its outcome is w's.
			<-w.done
			return w.result()
		}
		if !leader {
			return w.result()
		}
		s.runGroup(s.group.take(maxGroup))
		select {
		case <-w.done:
			return w.result()
		default:
			// More than maxGroup were queued before w: another round.
		}
	}
}

// groupWrite is one GroupTx call waiting for, or in, a group.
type groupWrite struct {
	ctx      context.Context
	fn       func(*sql.Tx) error
	onCommit func()
	done     chan struct{} // closed once err and panicked are final

	err      error
	panicked any // fn's panic, to continue in GroupTx's caller
}

// result is w's outcome, once done is closed.
func (w *groupWrite) result() error {
	if w.panicked != nil {
		panic(w.panicked)
	}
	return w.err
}

// groupQueue is the writes waiting for a group, oldest first.
type groupQueue struct {
	mu      sync.Mutex
	waiting []*groupWrite
}

func (q *groupQueue) add(w *groupWrite) {
	q.mu.Lock()
	q.waiting = append(q.waiting, w)
	q.mu.Unlock()
}

// remove takes w out of the queue, reporting false when a group took it
// already.
func (q *groupQueue) remove(w *groupWrite) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.waiting {
		if x == w {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// take removes and returns up to n of the oldest writes.
func (q *groupQueue) take(n int) []*groupWrite {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.waiting))
	out := make([]*groupWrite, n)
	copy(out, q.waiting)
	rest := copy(q.waiting, q.waiting[n:])
	clear(q.waiting[rest:])
	q.waiting = q.waiting[:rest]
	return out
}

// runGroup runs group in one transaction and answers each of its writes.
// The caller holds the writer lock; runGroup releases it, after the
// onCommits and before the answers.
func (s *Store) runGroup(group []*groupWrite) {
	start := time.Now()
	ok := s.runGroupTx(group)
	for _, w := range group {
		if ok[w] && w.onCommit != nil {
			w.onCommit()
		}
	}
	if len(group) > 0 {
		s.writer.account(start, len(group))
	}
	s.writer.unlock()
	for _, w := range group {
		close(w.done)
	}
}

// runGroupTx runs group's writes in one transaction and commits it,
// setting each write's err; it returns the writes that committed.
func (s *Store) runGroupTx(group []*groupWrite) map[*groupWrite]bool {
	if len(group) == 0 {
		return nil
	}
	// The transaction is the group's, not any one write's: a write whose
	// request ends must not roll back the others'.
	ctx := context.Background()
	fail := func(err error) map[*groupWrite]bool {
		for _, w := range group {
			if w.err == nil && w.panicked == nil {
				w.err = err
			}
		}
		return nil
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return fail(err)
	}
	savepoints := len(group) > 1
	ran := 0
	for _, w := range group {
		if err := w.ctx.Err(); err != nil {
			w.err = fmt.Errorf("store: wait for the writer lock: %w", err)
			continue
		}
		if !savepoints {
			w.err, w.panicked = call(w.fn, tx)
			if w.err != nil || w.panicked != nil {
				_ = tx.Rollback() // fn's error is the one to report
				return nil
			}
			ran++
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT group_write`); err != nil {
			_ = tx.Rollback()
			return fail(fmt.Errorf("store: savepoint: %w", err))
		}
		w.err, w.panicked = call(w.fn, tx)
		if w.err != nil || w.panicked != nil {
			// Undo fn's writes only; the savepoint stays open until
			// released.
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO group_write`); err != nil {
				_ = tx.Rollback()
				return fail(fmt.Errorf("store: roll back to savepoint: %w", err))
			}
		} else {
			ran++
		}
		if _, err := tx.ExecContext(ctx, `RELEASE group_write`); err != nil {
			_ = tx.Rollback()
			return fail(fmt.Errorf("store: release savepoint: %w", err))
		}
	}
	if ran == 0 {
		_ = tx.Rollback()
		return nil
	}
	if err := tx.Commit(); err != nil {
		return fail(fmt.Errorf("store: commit: %w", err))
	}
	ok := make(map[*groupWrite]bool, ran)
	for _, w := range group {
		if w.err == nil && w.panicked == nil {
			ok[w] = true
		}
	}
	return ok
}

// call runs fn, turning a panic into its value.
func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	return fn(tx), nil
}

// GroupWaiting is how many GroupTx writes wait for a group now.
func (s *Store) GroupWaiting() int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.waiting)
}
