// Package store keeps intercloud's durable state (Keystone's identities and
// tokens, later Neutron's resources) in an embedded SQLite database.
//
// SQLite comes from modernc.org/sqlite, a translation of SQLite to Go, so the
// binary needs no cgo and no system library. The database lives in one file
// in the lab's state directory. Every API that changes state does so inside
// Tx before it answers, so a daemon killed at any instant restarts with
// exactly the state its clients were told about.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// FileName is the database file's name inside the state directory.
const FileName = "intercloud.db"

// DefaultBusyTimeout is how long a connection waits for another writer to
// finish before failing with SQLITE_BUSY.
const DefaultBusyTimeout = 5 * time.Second

// maxIdleConns is how many open connections the store keeps between
// requests: as many as the readers of 128 concurrent API requests (each
// checks its token and reads its region's revision), so that such a load
// does not close and reopen connections on every request.
const maxIdleConns = 160

// Options tune Open. The zero value is the daemon's configuration.
type Options struct {
	// BusyTimeout overrides DefaultBusyTimeout when positive.
	BusyTimeout time.Duration
	// Logger receives migration and lifecycle messages; nil discards them.
	Logger *slog.Logger
}

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	log  *slog.Logger
	// writer queues the process's transactions (see Tx).
	writer writeLock
	// group queues the writes waiting for a group commit (GroupTx).
	group groupQueue
	stmts stmts
}

// Open opens (creating when missing) the database in dir, which is created
// too when missing. The connection is configured for a daemon that serves
// many API requests at once:
//   - WAL journal: readers do not block the writer nor the writer readers,
//     and a commit is one append, durable across a crash.
//   - busy timeout: a writer waits for another instead of failing.
//   - foreign keys on: SQLite leaves them off unless each connection asks.
//   - BEGIN IMMEDIATE for transactions: a transaction takes the write lock
//     when it starts, so two read-then-write transactions never deadlock on
//     upgrading their locks (which busy_timeout cannot resolve).
func Open(ctx context.Context, dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("store: empty state directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: create state directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if err := private(dir, path); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	busy := opts.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)") // with WAL: durable at checkpoints, never corrupt
	q.Add("_pragma", "cache_size(-32768)")  // 32 MiB of pages per connection at most, as it needs them
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()

	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Keep the connections many concurrent requests opened: opening one
	// (pragmas, schema) costs far more than a query, and database/sql
	// keeps only 2 idle by default, so a burst of readers would reopen
	// them again and again.
	db.SetMaxIdleConns(maxIdleConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{db: db, path: path, log: log}
	if err := s.ensureMigrationTable(ctx); err != nil {
		db.Close()
		return nil, err
	}
	log.Debug("store opened", "path", path)
	return s, nil
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// DB gives direct access for reads that need no transaction. Writes go
// through Tx.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database. Committed transactions are already durable.
func (s *Store) Close() error {
	s.stmts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}
