package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// itemMigrations counts how many times each Up runs, so a test can tell an
// applied migration from one that ran again.
func itemMigrations(runs *[2]int) []Migration {
	return []Migration{
		{Version: 1, Name: "items", Up: func(ctx context.Context, tx *sql.Tx) error {
			runs[0]++
			return SQL(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`)(ctx, tx)
		}},
		{Version: 2, Name: "item tags", Up: func(ctx context.Context, tx *sql.Tx) error {
			runs[1]++
			return SQL(`CREATE TABLE tags (item INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE, tag TEXT NOT NULL)`)(ctx, tx)
		}},
	}
}

func TestMigrateOnceAcrossReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var runs [2]int
	s := openT(t, dir)
	for range 2 {
		if err := s.Migrate(ctx, "test", itemMigrations(&runs)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = openT(t, dir)
	if err := s.Migrate(ctx, "test", itemMigrations(&runs)); err != nil {
		t.Fatal(err)
	}
	if runs != [2]int{1, 1} {
		t.Errorf("migrations ran %v times, want once each", runs)
	}
	if v, err := s.Version(ctx, "test"); err != nil || v != 2 {
		t.Errorf("Version = %d, %v; want 2", v, err)
	}
	if v, _ := s.Version(ctx, "other"); v != 0 {
		t.Errorf("another component's version = %d, want 0", v)
	}
}

func TestMigrateFailureRollsBack(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	var runs [2]int
	migs := itemMigrations(&runs)
	migs = append(migs, Migration{Version: 3, Name: "broken", Up: SQL(
		`CREATE TABLE half (x INTEGER)`,
		`THIS IS NOT SQL`,
	)})
	if err := s.Migrate(ctx, "test", migs); err == nil {
		t.Fatal("Migrate with a broken migration succeeded")
	}
	if v, _ := s.Version(ctx, "test"); v != 2 {
		t.Errorf("Version after failure = %d, want 2", v)
	}
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("table of the failed migration exists (n=%d, err=%v)", n, err)
	}
}

func TestMigrateRejectsBadNumbering(t *testing.T) {
	s := openT(t, t.TempDir())
	err := s.Migrate(context.Background(), "test", []Migration{{Version: 2, Name: "skips 1", Up: SQL()}})
	if err == nil {
		t.Fatal("Migrate accepted a list starting at version 2")
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	var runs [2]int
	if err := s.Migrate(ctx, "test", itemMigrations(&runs)); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx, "test", itemMigrations(&runs)[:1]); err == nil {
		t.Fatal("an older binary migrated a newer schema without complaint")
	}
}

func TestTxFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	var runs [2]int
	if err := s.Migrate(ctx, "test", itemMigrations(&runs)); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`INSERT INTO items (name) VALUES ('a')`); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx error = %v, want boom", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic in Tx was swallowed")
			}
		}()
		_ = s.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO items (name) VALUES ('b')`); err != nil {
				return err
			}
			panic("mid-transaction")
		})
	}()
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM items`).Scan(&n); err != nil || n != 0 {
		t.Errorf("items after failed transactions = %d (err %v), want 0", n, err)
	}
	// The pool is still usable after the panic (the connection was released).
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO items (name) VALUES ('c')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	var runs [2]int
	if err := s.Migrate(ctx, "test", itemMigrations(&runs)); err != nil {
		t.Fatal(err)
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO tags (item, tag) VALUES (42, 'orphan')`)
		return err
	})
	if err == nil {
		t.Fatal("insert referencing a missing row succeeded: foreign keys are off")
	}
	var mode string
	if err := s.DB().QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (err %v), want wal", mode, err)
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var runs [2]int
	s := openT(t, dir)
	if err := s.Migrate(ctx, "test", itemMigrations(&runs)); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO items (name) VALUES ('kept')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir)
	var name string
	if err := s.DB().QueryRow(`SELECT name FROM items`).Scan(&name); err != nil || name != "kept" {
		t.Errorf("after reopen: %q, %v; want kept", name, err)
	}
}

// TestConcurrentTx runs read-modify-write transactions from many goroutines:
// with immediate transactions and the busy timeout none fails and no
// increment is lost.
func TestConcurrentTx(t *testing.T) {
	ctx := context.Background()
	s := openT(t, t.TempDir())
	if err := s.Migrate(ctx, "test", []Migration{{Version: 1, Name: "counter", Up: SQL(
		`CREATE TABLE counter (n INTEGER NOT NULL)`, `INSERT INTO counter VALUES (0)`)}}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := s.Tx(ctx, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRow(`SELECT n FROM counter`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(`UPDATE counter SET n = ?`, n+1)
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := s.DB().QueryRow(`SELECT n FROM counter`).Scan(&n); err != nil || n != workers*each {
		t.Errorf("counter = %d (err %v), want %d", n, err, workers*each)
	}
}

// TestOddPath: a state directory whose name needs escaping in a URI still
// holds the database where it says.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab state #1?x=y%20")
	s := openT(t, dir)
	if err := s.Tx(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE t (x INTEGER)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Errorf("database not at %s: %v", s.Path(), err)
	}
}
