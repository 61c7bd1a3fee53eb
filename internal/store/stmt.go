package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stmts caches prepared statements by their text.
type stmts struct{ m sync.Map } // query -> *sql.Stmt

// Stmt is query prepared for the life of the store. SQLite parses a
// statement every time it is prepared, which costs more than running
// the small statements a request's hot path runs; a Stmt is prepared once
// per connection and reused. Inside a transaction use tx.StmtContext(ctx,
// stmt). Close closes them.
func (s *Store) Stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.stmts.m.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: prepare %.60q: %w", query, err)
	}
	if prev, loaded := s.stmts.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

func (c *stmts) close() {
	c.m.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		c.m.Delete(k)
		return true
	})
}
