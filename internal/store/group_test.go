package store

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pairStore is a store with a table of writes, each write adding two
// rows (a pair) so that a half-made write would show.
func pairStore(t *testing.T, dir string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, "test", []Migration{{Version: 1, Name: "pairs", Up: SQL(
		`CREATE TABLE pairs (write INTEGER NOT NULL, half INTEGER NOT NULL, PRIMARY KEY (write, half))`,
		`CREATE TABLE parents (id INTEGER PRIMARY KEY)`,
		// A child's parent is checked at COMMIT: a way to make a group's
		// shared commit fail.
		`CREATE TABLE children (parent INTEGER NOT NULL REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED)`,
	)}}); err != nil {
		t.Fatal(err)
	}
	return s
}

// writePair adds write n's two rows.
func writePair(ctx context.Context, tx *sql.Tx, n int) error {
	for half := range 2 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO pairs (write, half) VALUES (?, ?)`, n, half); err != nil {
			return err
		}
	}
	return nil
}

// committedHalves is how many rows of write n another connection sees.
func committedHalves(t *testing.T, s *Store, n int) int {
	t.Helper()
	var k int
	if err := s.DB().QueryRow(`SELECT count(*) FROM pairs WHERE write = ?`, n).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}

// holdWriter holds the store's writer lock (an open Tx) until the
// returned release is called, so that GroupTx writes queue behind it.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	holding, done := make(chan struct{}), make(chan struct{})
	finished := make(chan error, 1)
	go func() {
		finished <- s.Tx(context.Background(), func(*sql.Tx) error {
			close(holding)
			<-done
			return nil
		})
	}()
	<-holding
	return func() {
		close(done)
		if err := <-finished; err != nil {
			t.Error(err)
		}
	}
}

// waitQueued waits (bounded) until n GroupTx writes are queued.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		k := s.GroupWaiting()
		if k >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued after 10 s, want %d", k, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupTxCommitsQueuedWritersTogetherAndAnswersAfterTheCommit: 32
// writers queued behind a transaction are committed in one group (one
// hold of the writer lock, one COMMIT), and each is answered only when
// its rows are committed: another connection sees both rows of a write
// as soon as its GroupTx returns, and its onCommit ran before.
func TestGroupTxCommitsQueuedWritersTogetherAndAnswersAfterTheCommit(t *testing.T) {
	s := pairStore(t, t.TempDir())
	release := holdWriter(t, s)
	const writers = 32
	commitsBefore := s.WriterCommits() + 1 // the holding Tx's
	var wg sync.WaitGroup
	var onCommits sync.Map
	for n := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			err := s.GroupTx(ctx, func(tx *sql.Tx) error { return writePair(ctx, tx, n) },
				func() { onCommits.Store(n, true) })
			if err != nil {
				t.Errorf("write %d: %v", n, err)
				return
			}
			if k := committedHalves(t, s, n); k != 2 {
				t.Errorf("write %d answered with %d of its 2 rows committed", n, k)
			}
			if _, ok := onCommits.Load(n); !ok {
				t.Errorf("write %d answered before its onCommit ran", n)
			}
		}()
	}
	waitQueued(t, s, writers)
	release()
	wg.Wait()
	if got := s.WriterCommits() - commitsBefore; got != 1 {
		t.Errorf("%d writes queued together took %d commits, want 1", writers, got)
	}
}

// TestGroupTxWriteSeesTheGroupBeforeIt: each write of a group reads what
// the writes before it in the group wrote, as if they had committed.
func TestGroupTxWriteSeesTheGroupBeforeIt(t *testing.T) {
	s := pairStore(t, t.TempDir())
	release := holdWriter(t, s)
	const writers = 16
	seen := make([]int, writers)
	var wg sync.WaitGroup
	for n := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			err := s.GroupTx(ctx, func(tx *sql.Tx) error {
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pairs`).Scan(&seen[n]); err != nil {
					return err
				}
				return writePair(ctx, tx, n)
			}, nil)
			if err != nil {
				t.Errorf("write %d: %v", n, err)
			}
		}()
	}
	waitQueued(t, s, writers)
	release()
	wg.Wait()
	// The writes ran one after another: they saw 0, 2, 4, ... rows.
	counts := map[int]bool{}
	for _, k := range seen {
		counts[k] = true
	}
	for i := range writers {
		if !counts[2*i] {
			t.Fatalf("rows seen by the writes: %v; want each of 0, 2, ..., %d once", seen, 2*(writers-1))
		}
	}
}

// TestGroupTxFailedWriteIsUndoneAlone: in one group, a write whose
// function fails after writing, and one that panics, leave nothing; the
// others of the group commit; the failing one gets its error and the
// panicking one's panic continues in its own goroutine.
func TestGroupTxFailedWriteIsUndoneAlone(t *testing.T) {
	s := pairStore(t, t.TempDir())
	release := holdWriter(t, s)
	refused := errors.New("refused")
	const writers = 9 // writes 3 and 6 fail
	errs := make([]error, writers)
	panics := make([]any, writers)
	onCommit := make([]bool, writers)
	var wg sync.WaitGroup
	for n := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics[n] = recover() }()
			ctx := context.Background()
			errs[n] = s.GroupTx(ctx, func(tx *sql.Tx) error {
				if err := writePair(ctx, tx, n); err != nil {
					return err
				}
				switch n {
				case 3:
					return refused
				case 6:
					panic("write 6 panicked")
				}
				return nil
			}, func() { onCommit[n] = true })
		}()
	}
	waitQueued(t, s, writers)
	release()
	wg.Wait()
	for n := range writers {
		k := committedHalves(t, s, n)
		switch n {
		case 3:
			if !errors.Is(errs[n], refused) || k != 0 || onCommit[n] {
				t.Errorf("failing write: err %v, %d rows kept, onCommit %v; want refused, 0, false", errs[n], k, onCommit[n])
			}
		case 6:
			if panics[n] != "write 6 panicked" || k != 0 || onCommit[n] {
				t.Errorf("panicking write: recovered %v, %d rows kept, onCommit %v", panics[n], k, onCommit[n])
			}
		default:
			if errs[n] != nil || panics[n] != nil || k != 2 || !onCommit[n] {
				t.Errorf("write %d: err %v, panic %v, %d rows, onCommit %v; want committed", n, errs[n], panics[n], k, onCommit[n])
			}
		}
	}
}

// TestGroupTxFailedCommitFailsTheWholeGroup: when the group's COMMIT
// fails (here a deferred foreign key one write breaks), every write of
// the group gets the error, none is kept and no onCommit runs; the store
// then writes again.
func TestGroupTxFailedCommitFailsTheWholeGroup(t *testing.T) {
	s := pairStore(t, t.TempDir())
	release := holdWriter(t, s)
	const writers = 8
	errs := make([]error, writers)
	committed := make([]bool, writers)
	var wg sync.WaitGroup
	for n := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			errs[n] = s.GroupTx(ctx, func(tx *sql.Tx) error {
				if n == 5 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO children (parent) VALUES (42)`); err != nil {
						return err
					}
				}
				return writePair(ctx, tx, n)
			}, func() { committed[n] = true })
		}()
	}
	waitQueued(t, s, writers)
	release()
	wg.Wait()
	for n := range writers {
		if errs[n] == nil || !strings.Contains(errs[n].Error(), "commit") || committed[n] || committedHalves(t, s, n) != 0 {
			t.Errorf("write %d: err %v, onCommit %v, %d rows; want the commit's error and nothing kept", n, errs[n], committed[n], committedHalves(t, s, n))
		}
	}
	ctx := context.Background()
	if err := s.GroupTx(ctx, func(tx *sql.Tx) error { return writePair(ctx, tx, 100) }, nil); err != nil || committedHalves(t, s, 100) != 2 {
		t.Errorf("write after the failed group: %v", err)
	}
}

// TestGroupTxWaitEndsWithTheContext: a write whose context ends while
// it waits returns the context's error and never runs.
func TestGroupTxWaitEndsWithTheContext(t *testing.T) {
	s := pairStore(t, t.TempDir())
	release := holdWriter(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := s.GroupTx(ctx, func(tx *sql.Tx) error { ran = true; return nil }, nil)
	release()
	if !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("GroupTx: %v, ran %v; want the deadline and not run", err, ran)
	}
	if left := s.GroupWaiting(); left != 0 {
		t.Errorf("%d writes left queued", left)
	}
}

// The crash test's child process: 16 GroupTx writers in a loop, each
// printing "ack N" once its write N is answered. From write 200 on, the
// first write that finds earlier writes of its own group before it
// prints "inside N W1 W2 ..." (itself and those earlier writes, all run
// in the open transaction) and blocks there, holding its group open and
// uncommitted, until the parent kills the process.
const groupCrashEnv = "INTERCLOUD_STORE_GROUP_CRASH_DIR"

func TestGroupTxCrashChild(t *testing.T) {
	dir := os.Getenv(groupCrashEnv)
	if dir == "" {
		t.Skip("run by TestGroupTxKilledMidGroupLosesOnlyUnansweredWrites")
	}
	s := pairStore(t, dir)
	var out sync.Mutex
	say := func(line string) {
		out.Lock()
		fmt.Println(line)
		out.Unlock()
	}
	var next sync.Mutex
	n := 0
	// The writes each group ran so far; functions run one at a time,
	// under the store's writer lock, but their goroutines differ.
	var mu sync.Mutex
	ranIn := map[*sql.Tx][]int{}
	for range 16 {
		go func() {
			for {
				next.Lock()
				me := n
				n++
				next.Unlock()
				ctx := context.Background()
				err := s.GroupTx(ctx, func(tx *sql.Tx) error {
					if err := writePair(ctx, tx, me); err != nil {
						return err
					}
					mu.Lock()
					before := ranIn[tx]
					ranIn[tx] = append(before, me)
					mu.Unlock()
					if me >= 200 && len(before) > 0 {
						line := fmt.Sprint("inside ", me)
						for _, w := range before {
							line += fmt.Sprint(" ", w)
						}
						say(line)
						select {} // until killed
					}
					return nil
				}, nil)
				if err != nil {
					say(fmt.Sprintf("error %d %v", me, err))
					continue
				}
				say(fmt.Sprint("ack ", me))
			}
		}()
	}
	select {}
}

// TestGroupTxKilledMidGroupLosesOnlyUnansweredWrites kills (SIGKILL) a
// process in the middle of a group (some of its writes run, the COMMIT
// not made), reopens the database and checks that every answered write
// is there whole, that no write is half there, and that the open
// group's writes, never answered, are all gone.
func TestGroupTxKilledMidGroupLosesOnlyUnansweredWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestGroupTxCrashChild$")
	cmd.Env = append(os.Environ(), groupCrashEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // whatever happens below, the child ends with the test
	timer := time.AfterFunc(60*time.Second, func() { cmd.Process.Kill() })
	defer timer.Stop()
	acked := map[int]bool{}
	var open []int // the writes of the group open at the kill
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		f := strings.Fields(lines.Text())
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "ack":
			n, _ := strconv.Atoi(f[1])
			acked[n] = true
		case "error":
			t.Errorf("child: %s", lines.Text())
		case "inside":
			if open == nil {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				for _, x := range f[1:] {
					n, _ := strconv.Atoi(x)
					open = append(open, n)
				}
			}
		}
	}
	cmd.Wait()
	if open == nil {
		t.Fatal("the child never reached the middle of a group (gave up after 60 s)")
	}
	if len(acked) < 150 {
		t.Fatalf("only %d writes answered before the kill", len(acked))
	}
	s := pairStore(t, dir)
	rows, err := s.DB().Query(`SELECT write, count(*) FROM pairs GROUP BY write`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	kept := map[int]bool{}
	for rows.Next() {
		var n, halves int
		if err := rows.Scan(&n, &halves); err != nil {
			t.Fatal(err)
		}
		if halves != 2 {
			t.Errorf("write %d is half there (%d of its 2 rows)", n, halves)
		}
		kept[n] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for n := range acked {
		if !kept[n] {
			t.Errorf("answered write %d lost", n)
		}
	}
	for _, n := range open {
		if acked[n] {
			t.Errorf("write %d of the open group was answered", n)
		}
		if kept[n] {
			t.Errorf("write %d of the group open at the kill survived", n)
		}
	}
	t.Logf("%d writes answered and kept; the open group's %d writes gone", len(acked), len(open))
}
