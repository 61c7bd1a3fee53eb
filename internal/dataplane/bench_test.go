package dataplane_test

import (
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

// benchLink pushes b.N frames from a pool through a link on a virtual
// clock, in bursts of burst frames each followed by advancing the clock by
// step, and reports frames/s of wall time. The handler releases each frame
// to the pool, so in steady state nothing is allocated.
func benchLink(b *testing.B, imp dataplane.Impairment, burst int, step time.Duration) {
	v := clock.NewVirtual(epoch)
	l, err := dataplane.NewLink(v, dataplane.Config{Name: "bench", A: imp})
	if err != nil {
		b.Fatal(err)
	}
	received := 0
	l.B().SetHandler(func(f *packet.Frame) {
		received++
		f.Release()
	})
	pool := packet.NewFramePool(packet.DefaultHeadroom, 256)
	proto := frame(0, 128).Bytes()
	send := func() {
		f := pool.Get()
		_ = f.SetBytes(proto)
		l.A().Send(f)
	}
	// Warm up for as long as a frame is in flight, so the in-flight ring
	// and the pool reach their steady-state size before timing.
	for range int(imp.Latency/max(step, 1)) + 2 {
		for range burst {
			send()
		}
		v.Advance(step)
	}
	v.Advance(imp.Latency + time.Second)
	received = 0

	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		n := min(burst, b.N-sent)
		for range n {
			send()
		}
		sent += n
		v.Advance(step)
	}
	v.Advance(imp.Latency + time.Second)
	b.StopTimer()
	if received != b.N {
		b.Fatalf("received %d of %d frames", received, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

// No impairment: the cost of the link itself, one timer per burst.
func BenchmarkLinkNoImpairment(b *testing.B) { benchLink(b, dataplane.Impairment{}, 256, 0) }

// One frame at a time: a timer set and fired per frame.
func BenchmarkLinkNoImpairmentSingle(b *testing.B) { benchLink(b, dataplane.Impairment{}, 1, 0) }

// A 30 ms core link with jitter and loss, frames spread over the time.
func BenchmarkLinkImpaired(b *testing.B) {
	benchLink(b, dataplane.Impairment{Latency: 30 * time.Millisecond, Jitter: time.Millisecond, Loss: 0}, 64, time.Millisecond)
}

// A 10 Gbit/s line: serialization and queue accounting per frame.
func BenchmarkLinkRateLimited(b *testing.B) {
	benchLink(b, dataplane.Impairment{Rate: 10_000_000_000, Latency: time.Millisecond}, 64, 10*time.Microsecond)
}

// With a pcap writer tapping the link (writing to memory).
func BenchmarkLinkCaptured(b *testing.B) {
	v := clock.NewVirtual(epoch)
	l, _ := dataplane.NewLink(v, dataplane.Config{Name: "bench"})
	l.B().SetHandler(func(f *packet.Frame) { f.Release() })
	w, _ := dataplane.NewPcapWriter(discard{})
	l.AddTap(w)
	pool := packet.NewFramePool(packet.DefaultHeadroom, 256)
	proto := frame(0, 128).Bytes()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := pool.Get()
		_ = f.SetBytes(proto)
		l.A().Send(f)
		if i%256 == 255 {
			v.Advance(0)
		}
	}
	v.Advance(0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
