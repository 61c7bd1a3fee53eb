package main

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

// up used to leave the state directory 0755 and the database 0644 (what
// `up -d` and SQLite made): other local users could read every password.
// Left so by an older version, they are tightened; the token is private.
func TestUpKeepsTheStateDirectoryAndItsSecretsToTheirOwner(t *testing.T) {
	apiFlag, _ := freeAPI(t)
	stateDir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(stateDir, store.FileName)
	for _, f := range []string{db, db + "-wal"} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, 0o644) // whatever the umask
	}
	os.Chmod(stateDir, 0o755)
	stop := startUp(t, apiFlag, stateDir, "")
	defer stop()
	for path, want := range map[string]os.FileMode{
		stateDir: 0o700, db: 0o600, db + "-wal": 0o600, db + "-shm": 0o600,
		filepath.Join(stateDir, api.TokenFile): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s is %v, want %v", filepath.Base(path), fi.Mode().Perm(), want)
		}
	}
}

// A command run with another state directory has no token: the lab
// refuses it and says where the token comes from, and changes nothing.
func TestCommandWithoutTheTokenIsRefusedWithAHint(t *testing.T) {
	api, _ := freeAPI(t)
	stateDir := t.TempDir()
	startUp(t, api, stateDir, "")
	_, errOut, code := run(t, "link", api, "--state-dir="+t.TempDir(), "down", "pe1", "p1")
	if code != 1 || !strings.Contains(errOut, "needs the lab's token") || !strings.Contains(errOut, "--state-dir") {
		t.Errorf("link down without the token: %d %q", code, errOut)
	}
	out, _, code := run(t, "show", api, "--state-dir="+stateDir, "pe1", "igp", "neighbors")
	if code != 0 || strings.Count(out, "Full/-") != 2 {
		t.Errorf("pe1 lost an adjacency to a refused command (%d):\n%s", code, out)
	}
	// The same command run from an unrelated web page's point of view is
	// covered in internal/api; here, a second up is told something answers.
	_, errOut, code = run(t, "up", api, "--state-dir="+t.TempDir())
	if code != 1 || !strings.Contains(errOut, "something already answers") {
		t.Errorf("second up without the token: %d %q", code, errOut)
	}
}

// --timeout is wall time: on a machine so slow that lab time advances at
// a fifth of the wall's pace, up gives up when the wall's timeout has
// passed, not five times later.
func TestUpTimeoutIsWallTimeWhenTheLabClockIsSlow(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(time.Now())
	l, err := lab.New(m, lab.Options{Clock: clk, BGPTransport: "memory"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Start()
	const timeout = 300 * time.Millisecond
	slow := func(d time.Duration) {
		clk.Advance(d)
		time.Sleep(5 * d) // the slow machine
	}
	t0 := time.Now()
	_, labTime, ok := waitConverged(l, timeout, slow)
	wall := time.Since(t0)
	// The seed lab needs about 350 ms of lab time: it cannot converge in
	// the 60 ms or so that 300 ms of wall time give it here.
	if ok {
		t.Fatalf("converged after %v of lab time: the lab is not slow enough for this test", labTime)
	}
	if wall < timeout || labTime >= timeout {
		t.Errorf("gave up after %v of wall time and %v of lab time; want %v of wall time, less of lab time", wall, labTime, timeout)
	}
}

// Bound to every address, the lab advertises in the OpenStack catalog
// one that other machines reach (it was [::1], which only this one does).
func TestWildcardAPIAdvertisesAMachineAddress(t *testing.T) {
	for _, wild := range []net.IP{net.IPv6unspecified, net.IPv4zero} {
		got, err := netip.ParseAddrPort(reachable(&net.TCPAddr{IP: wild, Port: 4950}))
		if err != nil || got.Port() != 4950 || got.Addr().IsUnspecified() {
			t.Fatalf("%s advertised as %v (%v)", wild, got, err)
		}
		if want := machineAddr(); got.Addr() != want {
			t.Errorf("%s advertised as %v, want %v", wild, got, want)
		}
		if hasGlobalAddress() && got.Addr().IsLoopback() {
			t.Errorf("%s advertised as loopback %v although this machine has a global address", wild, got)
		}
	}
	if got := reachable(&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 4950}); got != "127.0.0.1:4950" {
		t.Errorf("loopback advertised as %s", got)
	}
	if onLoopback(&net.TCPAddr{IP: net.IPv6unspecified, Port: 1}) || !onLoopback(&net.TCPAddr{IP: net.ParseIP("127.0.0.2"), Port: 1}) {
		t.Error("onLoopback: a wildcard is not loopback, 127.0.0.2 is")
	}
}

func hasGlobalAddress() bool {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr().IsGlobalUnicast() {
			return true
		}
	}
	return false
}
