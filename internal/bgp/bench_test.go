package bgp

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// BenchmarkReflector measures VPNv4 routes through one route reflector
// with N PE clients over the in-memory transport on the virtual clock:
// every PE originates R routes (own RD, one shared RT), and the clock runs
// until every PE holds all N x R. routes/s counts routes reflected (N x R)
// per second of wall time; B/route-copy is the live heap after
// convergence divided by every path held by every speaker.
func BenchmarkReflector(b *testing.B) {
	for _, c := range []struct{ pes, routes int }{{10, 1000}, {10, 10000}, {100, 1000}} {
		b.Run(fmt.Sprintf("%dPEx%d", c.pes, c.routes), func(b *testing.B) {
			benchReflector(b, c.pes, c.routes)
		})
	}
}

func benchReflector(b *testing.B, pes, routes int) {
	target := rt(&testing.T{}, "65000:1")
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		l := newLab(&testing.T{})
		l.speaker("rr", "10.0.0.1", 65000, func(c *Config) { c.Families = []Family{VPNv4}; c.OnBestChange = nil })
		for i := range pes {
			n := fmt.Sprintf("pe%d", i)
			l.speaker(n, fmt.Sprintf("10.1.%d.%d", i/256, i%256), 65000, func(c *Config) { c.Families = []Family{VPNv4}; c.OnBestChange = nil })
			l.peer("rr", n, func(ab, ba *PeerConfig) { ab.RRClient = true })
		}
		l.run(10 * time.Millisecond)
		for i := range pes {
			if l.state("rr", fmt.Sprintf("pe%d", i)) != Established {
				b.Fatal("session not established")
			}
		}
		b.StartTimer()
		start := time.Now()
		for i := range pes {
			s := l.sp[fmt.Sprintf("pe%d", i)]
			var rd RD
			rd[1], rd[2], rd[3] = 0, byte(i>>8), byte(i) // type 0, admin = i
			rd[7] = 1
			attrs := Attrs{NextHop: s.cfg.RouterID, ExtCommunities: PackExtCommunities([]ExtCommunity{target})}
			for r := range routes {
				k := RouteKey{RD: rd, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r >> 16), byte(r >> 8), byte(r)}), 32)}
				if err := s.Originate(VPNv4, k, uint32(16+r%1000), attrs); err != nil {
					b.Fatal(err)
				}
			}
		}
		for range 1000 {
			l.run(time.Millisecond)
			if l.sp["pe0"].tables[VPNv4].dests.len() == pes*routes && l.sp[fmt.Sprintf("pe%d", pes-1)].tables[VPNv4].dests.len() == pes*routes {
				break
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		for i := range pes {
			if n := l.sp[fmt.Sprintf("pe%d", i)].tables[VPNv4].dests.len(); n != pes*routes {
				b.Fatalf("pe%d holds %d routes, want %d", i, n, pes*routes)
			}
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		copies := 0
		for _, s := range l.sp {
			for _, d := range s.tables[VPNv4].dests.all() {
				copies += len(d.paths)
			}
		}
		b.ReportMetric(float64(pes*routes)/elapsed.Seconds(), "routes/s")
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(copies), "B/route-copy")
		runtime.KeepAlive(l)
		for _, s := range l.sp {
			s.Close()
		}
		b.StartTimer()
	}
}
