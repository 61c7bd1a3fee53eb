package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"
)

func counterStore(t *testing.T, opts Options) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, "test", []Migration{{Version: 1, Name: "counter", Up: SQL(
		`CREATE TABLE counter (n INTEGER NOT NULL)`, `INSERT INTO counter VALUES (0)`)}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func increment(ctx context.Context, s *Store) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE counter SET n = ?`, n+1)
		return err
	})
}

// TestManyWritersWaitInsteadOfFailingWithBusy: 128 goroutines write at
// once through a store whose SQLite busy timeout is a millisecond. Writers
// of one process queue for the store's writer lock rather than for
// SQLite's, so none sees SQLITE_BUSY however long the queue is, and no
// increment is lost.
func TestManyWritersWaitInsteadOfFailingWithBusy(t *testing.T) {
	s := counterStore(t, Options{BusyTimeout: time.Millisecond})
	const workers, each = 128, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := increment(context.Background(), s); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if failed == 0 {
			t.Errorf("a writer failed: %v", err)
		}
		failed++
	}
	if failed > 0 {
		t.Errorf("%d of %d transactions failed", failed, workers*each)
	}
	var n int
	if err := s.DB().QueryRow(`SELECT n FROM counter`).Scan(&n); err != nil || n != workers*each {
		t.Errorf("counter = %d (err %v), want %d", n, err, workers*each)
	}
}

// TestWriterWaitEndsWithTheContext: a transaction waiting for another to
// finish gives up with its context's error when the context ends, and its
// function never runs.
func TestWriterWaitEndsWithTheContext(t *testing.T) {
	s := counterStore(t, Options{})
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Tx(context.Background(), func(tx *sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := s.Tx(ctx, func(tx *sql.Tx) error { ran = true; return nil })
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting Tx: %v, want the context's deadline", err)
	}
	if ran {
		t.Error("the waiting transaction's function ran")
	}
	if err := <-done; err != nil {
		t.Errorf("holding Tx: %v", err)
	}
	// The lock is free again.
	if err := increment(context.Background(), s); err != nil {
		t.Errorf("Tx after the wait: %v", err)
	}
}

// TestReadersDoNotWaitForTheWriter: while a transaction holds the write
// lock, reads through DB answer with the last committed state.
func TestReadersDoNotWaitForTheWriter(t *testing.T) {
	s := counterStore(t, Options{})
	if err := increment(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	holding, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Tx(context.Background(), func(tx *sql.Tx) error {
			if _, err := tx.Exec(`UPDATE counter SET n = 100`); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	var n int
	err := s.DB().QueryRowContext(ctx, `SELECT n FROM counter`).Scan(&n)
	cancel()
	close(release)
	if err != nil || n != 1 {
		t.Errorf("read during a write: %d, %v; want 1", n, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestOnCommitRunsBeforeTheNextWriter: WriteTx's onCommit runs after the
// commit and before any other writer of the store begins, and not at all
// when the transaction fails.
func TestOnCommitRunsBeforeTheNextWriter(t *testing.T) {
	s := counterStore(t, Options{})
	var mu sync.Mutex
	var log []string
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.WriteTx(context.Background(), func(tx *sql.Tx) error {
				mu.Lock()
				log = append(log, "tx")
				mu.Unlock()
				return nil
			}, func() {
				mu.Lock()
				log = append(log, "committed")
				mu.Unlock()
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if len(log) != 32 {
		t.Fatalf("log has %d entries, want 32", len(log))
	}
	for i := 0; i < len(log); i += 2 {
		if log[i] != "tx" || log[i+1] != "committed" {
			t.Fatalf("entries %d-%d are %q %q: another writer ran before onCommit", i, i+1, log[i], log[i+1])
		}
	}
	called := false
	err := s.WriteTx(context.Background(), func(tx *sql.Tx) error { return errors.New("refused") }, func() { called = true })
	if err == nil || called {
		t.Errorf("failed WriteTx: err %v, onCommit called %v", err, called)
	}
}
