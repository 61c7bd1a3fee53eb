package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Tx runs fn in one transaction: committed when fn returns nil, rolled back
// when it returns an error or panics (the panic then continues). Nothing fn
// wrote is visible to others, or survives, unless the commit succeeds.
//
// Transactions of one Store run one at a time: a Tx waits for the one
// before it (for as long as ctx allows) instead of failing with
// SQLITE_BUSY. Reads through DB do not wait for them (WAL).
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	return s.WriteTx(ctx, fn, nil)
}

// WriteTx is Tx with onCommit, which runs after a successful commit while
// the store's writer lock is still held: whatever it records (a cache of
// the committed state) is in place before the next transaction of this
// Store begins.
func (s *Store) WriteTx(ctx context.Context, fn func(*sql.Tx) error, onCommit func()) (err error) {
	if err := s.writer.lock(ctx); err != nil {
		return fmt.Errorf("store: wait for the writer lock: %w", err)
	}
	held := time.Now()
	defer func() {
		s.writer.account(held, 1)
		s.writer.unlock()
	}()
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			// The error of interest is fn's (or the panic); a rollback
			// failure after it adds nothing a caller can act on.
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	if onCommit != nil {
		onCommit()
	}
	return nil
}

// beginWrite begins a write transaction; the caller holds the writer
// lock.
func (s *Store) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("store: begin: %w", err)
	}
	return tx, nil
}
