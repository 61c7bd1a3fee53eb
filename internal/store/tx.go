package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Tx runs fn in one transaction: committed when fn returns nil, rolled back
// when it returns an error or panics (the panic then continues). Nothing fn
// wrote is visible to others, or survives, unless the commit succeeds.
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
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
	return nil
}
