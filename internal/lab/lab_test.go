package lab

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func seedLab(t *testing.T) (*Lab, *clock.Virtual) {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.Start()
	c, took, ok := l.WaitReady(5*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) })
	if !ok {
		t.Fatalf("seed lab not ready after %v: %+v", took, c)
	}
	t.Logf("seed lab ready after %v of lab time: %+v", took, c)
	return l, clk
}

// runLab runs m on a virtual clock until it is ready (at most 10 s of lab
// time) and closes it when the test ends.
func runLab(t *testing.T, m *topology.Model) (*Lab, *clock.Virtual) {
	t.Helper()
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.Start()
	if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		t.Fatalf("%s: not ready after %v: %+v", m.Name, took, c)
	}
	return l, clk
}

// exampleLab runs examples/NAME.
func exampleLab(t *testing.T, name string) (*Lab, *clock.Virtual) {
	t.Helper()
	res, err := topology.LoadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return runLab(t, res.Model)
}

// await advances the virtual clock in 1 ms steps until done is closed,
// for at most limit of lab time.
func await(t *testing.T, clk *clock.Virtual, done <-chan struct{}, limit time.Duration) {
	t.Helper()
	for waited := time.Duration(0); waited < limit; waited += time.Millisecond {
		select {
		case <-done:
			return
		default:
			clk.Advance(time.Millisecond)
		}
	}
	select {
	case <-done:
	default:
		t.Fatalf("not done after %v of lab time", limit)
	}
}

func ping(t *testing.T, l *Lab, clk *clock.Virtual, src, dst string, opts router.PingOptions) router.PingResult {
	t.Helper()
	s, err := l.StartPing(src, dst, opts)
	if err != nil {
		t.Fatal(err)
	}
	await(t, clk, s.Done(), time.Minute)
	return s.Result()
}

func trace(t *testing.T, l *Lab, clk *clock.Virtual, src, dst string) router.TraceResult {
	t.Helper()
	s, err := l.StartTrace(src, dst, router.TraceOptions{Probes: 1, MaxHops: 10})
	if err != nil {
		t.Fatal(err)
	}
	await(t, clk, s.Done(), time.Minute)
	return s.Result()
}

func TestSeedLabPingCE(t *testing.T) {
	l, clk := seedLab(t)
	res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 3, Interval: 100 * time.Millisecond})
	if res.Received != 3 {
		t.Fatalf("ping ce1 -> ce2: %+v", res)
	}
	// pe1-p1-pe2 and pe1-p2-pe2 both cost 20 and take 50 ms each way.
	if res.MinRTT != 100*time.Millisecond || res.MaxRTT != 100*time.Millisecond {
		t.Errorf("rtt %v..%v, want 100ms", res.MinRTT, res.MaxRTT)
	}
}
