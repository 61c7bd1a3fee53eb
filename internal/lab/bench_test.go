package lab

import (
	"runtime"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// benchUp builds and converges a lab on a virtual clock: the wall time is
// intercloud's own work (the lab time, reported as lab-ms, is what links'
// latencies and protocol timers add on the real clock).
func benchUp(b *testing.B, m *topology.Model) {
	b.ReportAllocs()
	var lab time.Duration
	var heap uint64
	for i := 0; i < b.N; i++ {
		clk := clock.NewVirtual(epoch)
		l, err := New(m, Options{Clock: clk})
		if err != nil {
			b.Fatal(err)
		}
		l.Start()
		c, took, ok := l.WaitReady(5*time.Minute, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) })
		if !ok {
			b.Fatalf("not ready after %v: %+v", took, c)
		}
		lab = took
		if i == b.N-1 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heap = ms.HeapAlloc
		}
		b.StopTimer()
		if i < b.N-1 {
			l.Close()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(lab.Milliseconds()), "lab-ms")
	b.ReportMetric(float64(heap)/float64(len(m.Nodes)), "heap-B/router")
}

func BenchmarkUpSeed(b *testing.B) {
	m, err := topology.LoadSeed()
	if err != nil {
		b.Fatal(err)
	}
	benchUp(b, m)
}

func generated(b *testing.B, p generate.Params) *topology.Model {
	y, err := generate.Lab(p)
	if err != nil {
		b.Fatal(err)
	}
	res, err := topology.Load("bench.yaml", y)
	if err != nil {
		b.Fatal(err)
	}
	return res.Model
}

// BenchmarkUp100 and BenchmarkUp1000 use the lab sizes `intercloud
// generate --help` documents.
func BenchmarkUp100(b *testing.B) {
	benchUp(b, generated(b, generate.Params{POPs: 7, PPerPOP: 2, PEPerPOP: 4, CEPerPE: 2, Clouds: 10}))
}

func BenchmarkUp1000(b *testing.B) {
	benchUp(b, generated(b, generate.Params{POPs: 20, PPerPOP: 2, PEPerPOP: 16, CEPerPE: 2, Clouds: 100}))
}

// BenchmarkFailover measures loss and restoration when the link carrying
// a ce1 -> ce2 flow in the seed lab fails, with a ping every millisecond:
// restore-ms is the longest run of lost replies. (No fast reroute yet: this
// is IGP reconvergence plus LDP repair.)
func BenchmarkFailover(b *testing.B) {
	m, _ := topology.LoadSeed()
	var lost int
	var gap time.Duration
	for i := 0; i < b.N; i++ {
		clk := clock.NewVirtual(epoch)
		l, _ := New(m, Options{Clock: clk})
		l.Start()
		l.WaitReady(5*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) })
		// Which of pe1's core links does the flow take?
		used := ""
		for _, ml := range l.Model.Links {
			if ml.A.Node == "pe1" && ml.Core {
				before := l.links[ml.ID].A().Stats().TxFrames
				s, _ := l.StartPing("ce1", "ce2", router.PingOptions{Count: 1})
				for j := 0; j < 1000 && !done(s.Done()); j++ {
					clk.Advance(time.Millisecond)
				}
				if l.links[ml.ID].A().Stats().TxFrames > before {
					used = ml.B.Node
				}
			}
		}
		s, _ := l.StartPing("ce1", "ce2", router.PingOptions{Count: 2000, Interval: time.Millisecond, Timeout: time.Second})
		clk.Advance(200 * time.Millisecond)
		l.SetLinkUp("pe1", used, false)
		for j := 0; j < 10_000 && !done(s.Done()); j++ {
			clk.Advance(time.Millisecond)
		}
		res := s.Result()
		lost = res.Sent - res.Received
		gap = longestGap(res)
		l.Close()
	}
	b.ReportMetric(float64(lost), "lost-pings")
	b.ReportMetric(float64(gap.Milliseconds()), "restore-ms")
}

func done(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// longestGap is the longest run of lost replies, in ping intervals of 1 ms.
func longestGap(r router.PingResult) time.Duration {
	run, best := 0, 0
	for _, rep := range r.Replies {
		if rep.Lost || rep.Error != "" {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return time.Duration(best) * time.Millisecond
}

// BenchmarkUpSeedTCP is the seed lab as the daemon runs it: BGP over real
// TCP on 127/8, lab time kept within four times the wall (as `up` does),
// timed from New until the lab is ready, both CEs route to each other
// (VPN routes installed end to end) and a ping from ce1 to ce2 is
// answered. The figure is wall time.
func BenchmarkUpSeedTCP(b *testing.B) {
	m, err := topology.LoadSeed()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		clk := clock.NewVirtual(epoch)
		l, err := New(m, Options{Clock: clk, BGPTransport: "tcp", BGPPort: 1179})
		if err != nil {
			b.Fatal(err)
		}
		start, labStart := time.Now(), clk.Now()
		advance := func(d time.Duration) {
			clk.Advance(d)
			if ahead := clk.Now().Sub(labStart)/4 - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		l.Start()
		if c, took, ok := l.WaitReady(time.Minute, 10*time.Millisecond, advance); !ok {
			b.Fatalf("not ready after %v: %+v", took, c)
		}
		ce1, _ := l.Node("ce1")
		ce2, _ := l.Node("ce2")
		for deadline := time.Now().Add(10 * time.Second); ; advance(time.Millisecond) {
			_, ok1 := ce1.Router.RIB().Best("", ce2.Model.Loopback)
			_, ok2 := ce2.Router.RIB().Best("", ce1.Model.Loopback)
			if ok1 && ok2 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("the CEs never learned each other's loopbacks")
			}
		}
		s, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 1})
		if err != nil {
			b.Fatal(err)
		}
		for done := false; !done; {
			select {
			case <-s.Done():
				done = true
			default:
				advance(time.Millisecond)
			}
		}
		if s.Result().Received != 1 {
			b.Fatalf("ping ce1 -> ce2: %+v", s.Result())
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "wall-ms")
		l.Close()
	}
}
