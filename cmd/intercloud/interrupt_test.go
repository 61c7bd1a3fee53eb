//go:build linux

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A script that stops the lab as soon as it says it is up (a benchmark,
// a CI job) sends SIGINT the moment it reads "is up": up must already
// be listening for it, and stop the lab in order rather than die of it.
//
// The test holds up at that moment: its standard output is a pipe of one
// page, filled but for a byte, so that the "is up" line (a write of less
// than a page is all or nothing) blocks until the test reads. Once one
// of up's threads sleeps in that write, SIGINT goes.
func TestCtrlCAnsweringIsUpStopsTheLabInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if !wchanShown() {
		t.Skip("this kernel does not show where a thread sleeps (/proc/PID/task/TID/wchan)")
	}
	bin := buildIntercloud(t)
	_, addr := freeAPI(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	const page = 4096
	if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, pw.Fd(), syscall.F_SETPIPE_SZ, page); e != 0 {
		t.Skipf("cannot size the pipe: %v", e)
	}
	if _, err := pw.Write(make([]byte, page-1)); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "up", "--api="+addr, "--state-dir="+t.TempDir(), "--bgp-transport=memory", "--gnmi=")
	cmd.Stdout, cmd.Stderr = pw, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	waitUntil(t, 60*time.Second, "up blocked writing that it is up", func() (bool, string) {
		select {
		case err := <-exited:
			t.Fatalf("up exited (%v) before it was up:\n%s", err, stderr.String())
		default:
		}
		return writingToPipe(cmd.Process.Pid), ""
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte, 1)
	go func() { // unblocks up; ends with it
		out, _ := io.ReadAll(pr)
		read <- out
	}()
	var err2 error
	select {
	case err2 = <-exited:
	case <-time.After(60 * time.Second):
		t.Fatal("up did not end within 60 s of SIGINT")
	}
	out := <-read // the pipe's last writer has exited
	lines := strings.Split(strings.TrimSpace(string(bytes.TrimLeft(out, "\x00"))), "\n")
	if err2 != nil {
		t.Fatalf("up ended with %v after SIGINT; it printed:\n%s\n%s", err2, strings.Join(lines, "\n"), stderr.String())
	}
	if !strings.Contains(lines[0], "lab seed is up") || lines[len(lines)-1] != "lab seed stopped" {
		t.Errorf("up printed:\n%s", strings.Join(lines, "\n"))
	}
}

// writingToPipe reports whether one of the process's threads sleeps in a
// pipe write (its wchan, "pipe_write" or "anon_pipe_write").
func writingToPipe(pid int) bool {
	tasks, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "wchan"))
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && strings.HasSuffix(string(b), "pipe_write") {
			return true
		}
	}
	return false
}

// wchanShown reports whether the kernel shows where threads sleep: some
// thread of this test process is always asleep in the kernel.
func wchanShown() bool {
	tasks, _ := filepath.Glob("/proc/self/task/*/wchan")
	for _, f := range tasks {
		if b, err := os.ReadFile(f); err == nil && len(b) > 0 && string(b) != "0" {
			return true
		}
	}
	return false
}
