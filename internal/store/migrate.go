package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Migration is one step of a component's schema. Versions of a component
// start at 1 and increase by one; a released migration is never edited, a
// change of schema is a new migration.
type Migration struct {
	Version int
	Name    string // what it does, recorded beside the version
	Up      func(ctx context.Context, tx *sql.Tx) error
}

// SQL makes a migration's Up from plain statements, run in order.
func SQL(stmts ...string) func(context.Context, *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, st := range stmts {
			if _, err := tx.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("%.60q: %w", st, err)
			}
		}
		return nil
	}
}

// ensureMigrationTable creates the table that records applied migrations.
// Migrations are kept per component (keystone, neutron, ...) so that each
// package owns its schema and numbers it independently in one database.
func (s *Store) ensureMigrationTable(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component  TEXT    NOT NULL,
		version    INTEGER NOT NULL,
		name       TEXT    NOT NULL,
		applied_at TEXT    NOT NULL,
		PRIMARY KEY (component, version)
	)`)
	if err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	return nil
}

// Migrate applies component's migrations that the database has not yet
// recorded, each in its own transaction together with its record, so a
// failed migration leaves the schema at the previous version. Running it
// again (every daemon start does) applies nothing new.
func (s *Store) Migrate(ctx context.Context, component string, migs []Migration) error {
	for i, m := range migs {
		if m.Version != i+1 {
			return fmt.Errorf("store: %s migration %d (%s): versions must be 1, 2, 3... in order", component, m.Version, m.Name)
		}
		if m.Up == nil {
			return fmt.Errorf("store: %s migration %d (%s): no Up", component, m.Version, m.Name)
		}
	}
	applied, err := s.Version(ctx, component)
	if err != nil {
		return err
	}
	if applied > len(migs) {
		return fmt.Errorf("store: %s schema is at version %d, newer than this binary knows (%d)", component, applied, len(migs))
	}
	for _, m := range migs[applied:] {
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			// Re-check inside the write lock: another process (or Store)
			// may have applied it since Version was read.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE component = ? AND version = ?`,
				component, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if err := m.Up(ctx, tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version, name, applied_at) VALUES (?, ?, ?, ?)`,
				component, m.Version, m.Name, time.Now().UTC().Format(time.RFC3339Nano))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: %s migration %d (%s): %w", component, m.Version, m.Name, err)
		}
		s.log.Info("schema migrated", "component", component, "version", m.Version, "name", m.Name)
	}
	return nil
}

// Version is the highest migration of component the database has applied
// (0 for none).
func (s *Store) Version(ctx context.Context, component string) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations WHERE component = ?`, component).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read %s schema version: %w", component, err)
	}
	return int(v.Int64), nil
}
