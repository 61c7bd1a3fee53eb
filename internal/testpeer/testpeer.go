// Package testpeer starts real BGP daemons from Debian's packages (FRR's
// bgpd without zebra) on loopback for interop tests, and stops them when
// the test ends. Tests skip when a daemon is not installed; scripts/test
// installs them.
package testpeer

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"
)

// FRRBgpd is where Debian's frr package puts bgpd.
const FRRBgpd = "/usr/lib/frr/bgpd"

// FRR is a running bgpd.
type FRR struct {
	Dir  string // its vty socket, config and pid file
	Port int    // its BGP port
	log  *syncBuffer
}

// StartFRR runs bgpd with conf, listening on listen (an address in 127/8)
// and a free port, without zebra (-Z) and with its own vty socket. The
// test skips when FRR is not installed.
func StartFRR(t testing.TB, conf, listen string) *FRR {
	t.Helper()
	if _, err := os.Stat(FRRBgpd); err != nil {
		t.Skip("FRR bgpd not installed (Debian package frr): skipping interop test")
	}
	if _, err := exec.LookPath("vtysh"); err != nil {
		t.Skip("vtysh not installed (Debian package frr): skipping interop test")
	}
	f := &FRR{Dir: t.TempDir(), Port: FreePort(t, listen), log: &syncBuffer{}}
	path := filepath.Join(f.Dir, "bgpd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(FRRBgpd, "-Z", "-S", "-l", listen, "-p", fmt.Sprint(f.Port),
		"--vty_socket", f.Dir, "-i", filepath.Join(f.Dir, "bgpd.pid"), "-f", path)
	cmd.Stdout, cmd.Stderr = f.log, f.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start bgpd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("bgpd log:\n%s", LastLines(f.log.String(), 60))
		}
	})
	WaitFor(t, 10*time.Second, "bgpd's vty", func() bool {
		_, err := f.Vtysh("show bgp summary json")
		return err == nil
	})
	return f
}

// Vtysh runs one vtysh command against this bgpd (bounded to 5 s).
func (f *FRR) Vtysh(cmd string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "vtysh", "--vty_socket", f.Dir, "-c", cmd).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("vtysh %q: %w: %s", cmd, err, out)
	}
	return out, nil
}

// FreePort finds a free TCP port on host.
func FreePort(t testing.TB, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", host+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// LabPort is a port for a lab's BGP over TCP, which listens on it at
// many 127/8 addresses: one below the kernel's ephemeral range (32768 and
// up on Linux), so that no connection of another test, on any of those
// addresses, has it as its source port when the lab binds it (FreePort's
// ports are in that range), chosen at random and checked free on
// 127.65.0.1.
func LabPort(t testing.TB) uint16 {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(12000)
		ln, err := net.Listen("tcp", fmt.Sprintf("127.65.0.1:%d", port))
		if err == nil {
			ln.Close()
			return uint16(port)
		}
	}
	t.Fatal("no free port in 20000-31999 on 127.65.0.1")
	return 0
}

// WaitFor polls cond every 10 ms until it holds, failing the test after d.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	WaitForState(t, d, what, func() (bool, string) { return cond(), "" })
}

// WaitForState is WaitFor for a cond that also says what it last saw,
// which the failure message then shows.
func WaitForState(t testing.TB, d time.Duration, what string, cond func() (ok bool, last string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			if last != "" {
				t.Fatalf("timed out after %v waiting for %s; last: %s", d, what, last)
			}
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// LastLines is the end of a log, for failure messages.
func LastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is a bytes.Buffer a child process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WriteHeapProfile writes the live heap to the file the environment
// variable INTERCLOUD_BENCH_HEAPPROFILE names, if any: a benchmark calls it
// while what it measures is still alive (-memprofile is written after the
// benchmark, when it is garbage).
func WriteHeapProfile(tb testing.TB) {
	name := os.Getenv("INTERCLOUD_BENCH_HEAPPROFILE")
	if name == "" {
		return
	}
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		tb.Fatal(err)
	}
}
