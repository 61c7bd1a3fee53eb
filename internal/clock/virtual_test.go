package clock_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder notes which callbacks ran and what the clock read when they did.
type recorder struct {
	clk   clock.Clock
	names []string
	at    []time.Duration
}

func (r *recorder) fn(name string) func() {
	return func() {
		r.names = append(r.names, name)
		r.at = append(r.at, r.clk.Now().Sub(epoch))
	}
}

func TestVirtualFiresInTimeOrder(t *testing.T) {
	v := clock.NewVirtual(epoch)
	r := &recorder{clk: v}
	v.AfterFunc(30*time.Millisecond, r.fn("c"))
	v.AfterFunc(10*time.Millisecond, r.fn("a"))
	v.AfterFunc(20*time.Millisecond, r.fn("b"))
	v.AfterFunc(40*time.Millisecond, r.fn("late"))

	if n := v.Advance(30 * time.Millisecond); n != 3 {
		t.Fatalf("Advance fired %d timers, want 3", n)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(r.names, want) {
		t.Errorf("order = %v, want %v", r.names, want)
	}
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}
	if !reflect.DeepEqual(r.at, want) {
		t.Errorf("Now during callbacks = %v, want %v", r.at, want)
	}
	if got := v.Now(); !got.Equal(epoch.Add(30 * time.Millisecond)) {
		t.Errorf("Now = %v, want start+30ms", got)
	}
	if v.Pending() != 1 {
		t.Errorf("Pending = %d, want 1", v.Pending())
	}
}

func TestVirtualTiesFireInSchedulingOrder(t *testing.T) {
	v := clock.NewVirtual(epoch)
	r := &recorder{clk: v}
	for _, name := range []string{"1", "2", "3", "4"} {
		v.AfterFunc(5*time.Millisecond, r.fn(name))
	}
	// Zero-delay timers are due now; they wait for the clock to be advanced
	// and keep their order too.
	v.AfterFunc(0, r.fn("now1"))
	v.AfterFunc(-time.Second, r.fn("now2"))
	v.Advance(5 * time.Millisecond)
	if want := []string{"now1", "now2", "1", "2", "3", "4"}; !reflect.DeepEqual(r.names, want) {
		t.Errorf("order = %v, want %v", r.names, want)
	}
}

func TestVirtualStopAndReset(t *testing.T) {
	tests := []struct {
		name        string
		do          func(v *clock.Virtual, tm clock.Timer) bool
		wantResult  bool
		wantFiredAt []time.Duration // after advancing 100ms
	}{
		{
			name:        "stop pending",
			do:          func(_ *clock.Virtual, tm clock.Timer) bool { return tm.Stop() },
			wantResult:  true,
			wantFiredAt: nil,
		},
		{
			name: "stop twice",
			do: func(_ *clock.Virtual, tm clock.Timer) bool {
				tm.Stop()
				return tm.Stop()
			},
			wantResult: false,
		},
		{
			name:        "reset pending later",
			do:          func(_ *clock.Virtual, tm clock.Timer) bool { return tm.Reset(50 * time.Millisecond) },
			wantResult:  true,
			wantFiredAt: []time.Duration{50 * time.Millisecond},
		},
		{
			name:        "reset pending earlier",
			do:          func(_ *clock.Virtual, tm clock.Timer) bool { return tm.Reset(time.Millisecond) },
			wantResult:  true,
			wantFiredAt: []time.Duration{time.Millisecond},
		},
		{
			name: "reset after stop",
			do: func(_ *clock.Virtual, tm clock.Timer) bool {
				tm.Stop()
				return tm.Reset(20 * time.Millisecond)
			},
			wantResult:  false,
			wantFiredAt: []time.Duration{20 * time.Millisecond},
		},
		{
			name: "reset after firing",
			do: func(v *clock.Virtual, tm clock.Timer) bool {
				v.Advance(10 * time.Millisecond) // fires at 10ms
				return tm.Reset(30 * time.Millisecond)
			},
			wantResult:  false,
			wantFiredAt: []time.Duration{10 * time.Millisecond, 40 * time.Millisecond},
		},
		{
			name: "stop after firing",
			do: func(v *clock.Virtual, tm clock.Timer) bool {
				v.Advance(10 * time.Millisecond)
				return tm.Stop()
			},
			wantResult:  false,
			wantFiredAt: []time.Duration{10 * time.Millisecond},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := clock.NewVirtual(epoch)
			r := &recorder{clk: v}
			tm := v.AfterFunc(10*time.Millisecond, r.fn("t"))
			if got := tt.do(v, tm); got != tt.wantResult {
				t.Errorf("result = %v, want %v", got, tt.wantResult)
			}
			v.AdvanceTo(epoch.Add(100 * time.Millisecond))
			if !reflect.DeepEqual(r.at, tt.wantFiredAt) {
				t.Errorf("fired at %v, want %v", r.at, tt.wantFiredAt)
			}
		})
	}
}

func TestVirtualCallbacksScheduleCallbacks(t *testing.T) {
	v := clock.NewVirtual(epoch)
	r := &recorder{clk: v}
	// A chain: each link schedules the next 10ms later. Those inside the
	// advanced window fire in the same Advance; the rest wait.
	var chain func(i int) func()
	chain = func(i int) func() {
		return func() {
			r.fn("chain")()
			if i < 5 {
				v.AfterFunc(10*time.Millisecond, chain(i+1))
			}
		}
	}
	v.AfterFunc(10*time.Millisecond, chain(1))
	// A callback scheduling a zero-delay timer: it fires at the same instant,
	// after everything already due then.
	v.AfterFunc(20*time.Millisecond, func() {
		r.fn("outer")()
		v.AfterFunc(0, r.fn("inner"))
	})

	v.Advance(35 * time.Millisecond)
	// At 20ms "outer" (scheduled at 0) precedes the chain's second link
	// (scheduled at 10ms), and "inner" (scheduled at 20ms) follows both.
	wantNames := []string{"chain", "outer", "chain", "inner", "chain"}
	wantAt := []time.Duration{10, 20, 20, 20, 30}
	for i := range wantAt {
		wantAt[i] *= time.Millisecond
	}
	if !reflect.DeepEqual(r.names, wantNames) || !reflect.DeepEqual(r.at, wantAt) {
		t.Fatalf("fired %v at %v, want %v at %v", r.names, r.at, wantNames, wantAt)
	}
	if v.Pending() != 1 {
		t.Fatalf("Pending = %d, want 1 (the chain's 40ms link)", v.Pending())
	}
	if !v.RunUntilIdle(time.Second) {
		t.Fatal("RunUntilIdle did not go idle")
	}
	if got := v.Now().Sub(epoch); got != 50*time.Millisecond {
		t.Errorf("idle at %v, want 50ms (the last timer)", got)
	}
}

func TestVirtualAdvanceToNext(t *testing.T) {
	v := clock.NewVirtual(epoch)
	if v.AdvanceToNext() {
		t.Fatal("AdvanceToNext with no timers reported true")
	}
	r := &recorder{clk: v}
	v.AfterFunc(7*time.Millisecond, r.fn("a"))
	v.AfterFunc(7*time.Millisecond, r.fn("b"))
	v.AfterFunc(9*time.Millisecond, r.fn("c"))
	if !v.AdvanceToNext() {
		t.Fatal("AdvanceToNext reported false")
	}
	if want := []string{"a", "b"}; !reflect.DeepEqual(r.names, want) {
		t.Errorf("fired %v, want %v", r.names, want)
	}
	if got := v.Now().Sub(epoch); got != 7*time.Millisecond {
		t.Errorf("Now = %v, want 7ms", got)
	}
	if when, ok := v.Next(); !ok || !when.Equal(epoch.Add(9*time.Millisecond)) {
		t.Errorf("Next = %v, %v; want start+9ms, true", when, ok)
	}
}

func TestVirtualRunUntilIdleStopsAtLimit(t *testing.T) {
	v := clock.NewVirtual(epoch)
	ticks := 0
	var tick func()
	tick = func() {
		ticks++
		v.AfterFunc(time.Second, tick) // periodic: never idle
	}
	v.AfterFunc(time.Second, tick)
	if v.RunUntilIdle(10 * time.Second) {
		t.Fatal("RunUntilIdle went idle with a periodic timer")
	}
	if ticks != 10 {
		t.Errorf("ticks = %d, want 10", ticks)
	}
	if got := v.Now().Sub(epoch); got != 10*time.Second {
		t.Errorf("Now = %v, want 10s", got)
	}
}

func TestVirtualTimersCostNoWallTime(t *testing.T) {
	v := clock.NewVirtual(epoch)
	fired := map[string]bool{}
	v.AfterFunc(30*time.Millisecond, func() { fired["30ms"] = true })
	v.AfterFunc(24*time.Hour, func() { fired["24h"] = true })
	wall := time.Now()
	v.Advance(24 * time.Hour)
	// A day of virtual time in well under a second of wall time: nothing
	// slept. (Not a performance assertion; a real sleep would take a day.)
	if el := time.Since(wall); el > time.Second {
		t.Errorf("advancing 24h of virtual time took %v of wall time", el)
	}
	if !fired["30ms"] || !fired["24h"] {
		t.Errorf("fired = %v, want both", fired)
	}
}

func TestVirtualAdvanceFromCallbackPanics(t *testing.T) {
	v := clock.NewVirtual(epoch)
	var recovered any
	v.AfterFunc(time.Millisecond, func() {
		defer func() { recovered = recover() }()
		v.Advance(time.Millisecond)
	})
	v.Advance(time.Millisecond)
	if recovered == nil {
		t.Fatal("Advance from a callback did not panic")
	}
	// The clock is still usable afterwards.
	v.AfterFunc(time.Millisecond, func() {})
	if n := v.Advance(time.Millisecond); n != 1 {
		t.Fatalf("Advance after the panic fired %d, want 1", n)
	}
}

func TestVirtualConcurrentScheduling(t *testing.T) {
	// Timers scheduled from many goroutines (as links and routers do) all
	// fire, each exactly once; run with -race.
	v := clock.NewVirtual(epoch)
	var mu sync.Mutex
	count := 0
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				tm := v.AfterFunc(time.Duration(g*100+i)*time.Microsecond, func() {
					mu.Lock()
					count++
					mu.Unlock()
				})
				if i%10 == 0 {
					tm.Reset(time.Millisecond)
				}
				_ = v.Now()
			}
		}()
	}
	wg.Wait()
	v.Advance(time.Second)
	if count != 800 {
		t.Fatalf("fired %d callbacks, want 800", count)
	}
}

func TestRealClock(t *testing.T) {
	c := clock.Real()
	start := c.Now()
	done := make(chan struct{})
	c.AfterFunc(time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("real AfterFunc did not fire within 10s")
	}
	if clock.Since(c, start) < time.Millisecond {
		t.Error("real clock fired before 1ms elapsed")
	}
	tm := c.AfterFunc(time.Hour, func() { t.Error("stopped timer fired") })
	if !tm.Stop() {
		t.Error("Stop of a pending real timer reported false")
	}
}

func BenchmarkVirtualTimerReset(b *testing.B) {
	v := clock.NewVirtual(epoch)
	tm := v.AfterFunc(time.Millisecond, func() {})
	b.ReportAllocs()
	for b.Loop() {
		tm.Reset(time.Microsecond)
		v.Advance(time.Microsecond)
	}
}

func TestPaceFollowsTheWallClock(t *testing.T) {
	v := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fired := make(chan time.Time, 1)
	v.AfterFunc(30*time.Millisecond, func() { fired <- v.Now() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	go clock.Pace(ctx, v, time.Millisecond)
	select {
	case <-fired:
		if wall := time.Since(start); wall < 30*time.Millisecond {
			t.Errorf("a 30 ms timer fired after %v of wall time", wall)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("paced clock never fired a 30 ms timer")
	}
}
