package cloud

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// captureWhilePinging captures two frames on node's link to peer (an echo
// request and its reply) while ping sends one echo at a time: the
// capture's tap comes on in its own goroutine, so pings go on until it
// has its frames. It returns the pcap file's path.
func (e *env) captureWhilePinging(t *testing.T, node, peer string, ping func()) string {
	t.Helper()
	var pcap bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.lab.Capture(ctx, node, peer, &pcap, 0, 2)
		done <- err
	}()
	for i := 0; i < 200; i++ {
		ping()
		select {
		case err := <-done:
			must(t, err)
			path := filepath.Join(t.TempDir(), node+".pcap")
			must(t, os.WriteFile(path, pcap.Bytes(), 0o644))
			return path
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no two frames captured on %s's link to %s after 200 pings", node, peer)
	return ""
}

// tsharkFrames has tshark decode the pcap at path and returns each frame's
// fields (tshark's -e, in order); args go before the fields (e.g. -d).
// It skips the test when tshark is not installed.
func tsharkFrames(t *testing.T, path string, args []string, fields ...string) [][]string {
	t.Helper()
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: apt-get install tshark (scripts/test installs it)")
	}
	all := append([]string{"-n", "-r", path, "-T", "fields", "-E", "separator=|"}, args...)
	for _, f := range fields {
		all = append(all, "-e", f)
	}
	// Bounded for a loaded machine; it ends as soon as tshark does.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tshark, all...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	t.Logf("tshark %s:\n%s", strings.Join(all, " "), out)
	var frames [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		frames = append(frames, strings.Split(l, "|"))
	}
	return frames
}
