package daemon

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/topology"
)

// syncBuffer is a bytes.Buffer the daemon's goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// startSeed runs the seed lab's daemon on a free loopback port and
// returns what it reported when up, a channel with Run's result, and
// ctx's cancel.
func startSeed(t *testing.T) (Up, <-chan error, context.CancelFunc) {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan Up, 1)
	done := make(chan error, 1)
	finished := make(chan struct{}) // closed when Run has returned
	cfg := Config{Model: m, StateDir: t.TempDir(), Addr: "127.0.0.1:0", Lab: lab.Options{BGPTransport: "memory"},
		Timeout: time.Minute, Stderr: &syncBuffer{}, Ready: func(u Up) { ready <- u }}
	go func() {
		done <- Run(ctx, cfg)
		close(finished)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return within 30s of its context ending")
		}
	})
	select {
	case u := <-ready:
		return u, done, cancel
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("the seed lab did not come up within 90s")
	}
	return Up{}, nil, nil
}

// The daemon serves the converged lab (the seed's clouds included), its
// API behind the lab's token, until its context ends; then nothing
// answers.
func TestRunServesTheLabUntilItsContextEnds(t *testing.T) {
	up, done, cancel := startSeed(t)
	if up.Counts.Routers != 15 || !up.Counts.Ready || up.Converged <= 0 || up.OpenStack == nil {
		t.Fatalf("up: %+v", up)
	}
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	c := api.NewClient(up.Reachable, up.Token)
	st, err := c.Status(ctx)
	if err != nil || !st.Ready || st.Topology != up.Model.Name {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := api.NewClient(up.Reachable, "").Status(ctx); err == nil || !strings.Contains(err.Error(), "token") {
		t.Fatalf("status without the token: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of its context ending")
	}
	if _, err := c.Status(ctx); err == nil {
		t.Fatal("the API still answers after Run returned")
	}
}

// POST /api/v1/shutdown (intercloud down) ends Run.
func TestRunEndsWhenAClientAsksTheDaemonToStop(t *testing.T) {
	up, done, _ := startSeed(t)
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	if err := api.NewClient(up.Reachable, up.Token).Do(ctx, http.MethodPost, "/shutdown", nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of the shutdown request")
	}
}

// An address in use is refused before anything is built, with the flag
// that moves it.
func TestRunRefusesAnAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), Config{Model: m, StateDir: t.TempDir(), Addr: ln.Addr().String(), Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "cannot serve the API on "+ln.Addr().String()) || !strings.Contains(err.Error(), "--api") {
		t.Fatalf("Run on a busy address: %v", err)
	}
}

// The timeout is wall time: on a machine so slow that lab time advances
// at a fifth of the wall's pace, the daemon gives up when the wall's
// timeout has passed, not five times later.
func TestConvergenceTimeoutIsWallTimeWhenTheLabClockIsSlow(t *testing.T) {
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
	_, labTime, ok := WaitConverged(l, timeout, slow)
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
