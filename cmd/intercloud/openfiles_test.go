package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// envOpenFiles makes the test binary, run again by
// TestUpUnderALowOpenFilesLimit, lower its own open-files limit (soft and
// hard, which a process may always do and cannot undo) and run up.
const envOpenFiles = "INTERCLOUD_TEST_NOFILE"

// TestUpUnderALowOpenFilesLimit runs up on a generated lab of 226
// routers in a child process whose open-files limit is 256: with the
// default transport it says what TCP would need and comes up over the
// in-memory one; with --bgp-transport tcp it refuses, saying the same.
func TestUpUnderALowOpenFilesLimit(t *testing.T) {
	if n := os.Getenv(envOpenFiles); n != "" {
		upUnderLimit(t, n)
		return
	}
	file := filepath.Join(t.TempDir(), "pops.yaml")
	if _, errOut, code := run(t, "generate", "--pops", "16", "--p-per-pop", "2", "--pe-per-pop", "6", "--ce-per-pe", "1", "--clouds", "0", "-w", file); code != 0 {
		t.Fatalf("generate: %d %s", code, errOut)
	}
	for _, transport := range []string{"", "tcp"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUpUnderALowOpenFilesLimit$", "-test.v")
		cmd.Env = append(os.Environ(), envOpenFiles+"=256", "TEST_LAB_FILE="+file, "TEST_TRANSPORT="+transport, "INTERCLOUD_STATE="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: TestUpUnderALowOpenFilesLimit") {
			t.Errorf("transport %q: child failed: %v\n%s", transport, err, out)
		}
	}
}

func upUnderLimit(t *testing.T, n string) {
	limit, _ := strconv.ParseUint(n, 10, 64)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Fatal(err)
	}
	file, transport := os.Getenv("TEST_LAB_FILE"), os.Getenv("TEST_TRANSPORT")
	res, err := topology.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	need := lab.TCPFileBudget(res.Model).Total()
	if need <= limit {
		t.Fatalf("the lab needs only %d open files: no test under a limit of %d", need, limit)
	}
	apiFlag, _ := freeAPI(t)
	advice := fmt.Sprintf("may open only %d; raise the limit with `ulimit -n %d`", limit, need)
	if transport == "tcp" {
		_, errOut, code := run(t, "up", file, apiFlag, "--bgp-transport", "tcp")
		if code != 1 || !strings.Contains(errOut, advice) || !strings.Contains(errOut, "or use --bgp-transport memory") {
			t.Errorf("up --bgp-transport tcp under the limit: %d %q", code, errOut)
		}
		return
	}
	type result struct {
		errOut string
		code   int
	}
	done := make(chan result, 1)
	go func() {
		_, errOut, code := run(t, "up", file, apiFlag)
		done <- result{errOut, code}
	}()
	waitUntil(t, 2*time.Minute, "lab up", func() (bool, string) {
		select {
		case r := <-done:
			t.Fatalf("up ended: %d %s", r.code, r.errOut)
		default:
		}
		out, errOut, code := run(t, "status", apiFlag)
		return code == 0 && strings.Contains(out, "converged"), out + errOut
	})
	run(t, "down", apiFlag)
	r := <-done
	if !strings.Contains(r.errOut, advice) || !strings.Contains(r.errOut, "running it over the in-memory transport instead") {
		t.Errorf("up under the limit printed %q, want the fallback note with %q", r.errOut, advice)
	}
}
