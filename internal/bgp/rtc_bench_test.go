package bgp

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkRTC compares a reflector with and without route target
// constraint: 20 PE clients in 10 VPNs (two PEs per VPN, one RT each),
// every PE originating 500 routes of its VPN and importing only its VPN's
// RT. With RTC a PE holds its own and its partner's routes, and the
// reflector sends it only those; without, every PE gets all 10,000.
// Reported: reflector messages sent, VPN routes held per PE, and wall
// time to converge.
func BenchmarkRTC(b *testing.B) {
	for _, on := range []bool{true, false} {
		b.Run(map[bool]string{true: "rtc", false: "no-rtc"}[on], func(b *testing.B) { benchRTC(b, on) })
	}
}

func benchRTC(b *testing.B, on bool) {
	const pes, vpns, routes = 20, 10, 500
	for b.Loop() {
		b.StopTimer()
		l := newLab(&testing.T{})
		cfg := func(c *Config) {
			c.Families = []Family{VPNv4}
			c.OnBestChange = nil
			c.NoRTConstraint = !on
		}
		l.speaker("rr", "10.0.0.1", 65000, cfg)
		for i := range pes {
			n := fmt.Sprintf("pe%d", i)
			l.speaker(n, fmt.Sprintf("10.1.0.%d", i+1), 65000, cfg)
			if err := l.sp[n].SetImportRTs([]ExtCommunity{rt(&testing.T{}, fmt.Sprintf("65000:%d", i%vpns))}); err != nil {
				b.Fatal(err)
			}
			l.peer("rr", n, func(ab, ba *PeerConfig) { ab.RRClient = true })
		}
		l.run(10 * time.Millisecond)
		sentBefore := l.sp["rr"].Summary()
		b.StartTimer()
		start := time.Now()
		for i := range pes {
			s := l.sp[fmt.Sprintf("pe%d", i)]
			rd := RD{0, 0, 0, byte(i), 0, 0, 0, 1}
			attrs := Attrs{NextHop: s.cfg.RouterID, ExtCommunities: PackExtCommunities([]ExtCommunity{rt(&testing.T{}, fmt.Sprintf("65000:%d", i%vpns))})}
			for r := range routes {
				k := RouteKey{RD: rd, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), byte(r >> 8), byte(r)}), 32)}
				if err := s.Originate(VPNv4, k, uint32(16+r), attrs); err != nil {
					b.Fatal(err)
				}
			}
		}
		want := 2 * routes
		if !on {
			want = pes * routes
		}
		for range 1000 {
			l.run(time.Millisecond)
			if l.sp["pe0"].tables[VPNv4].dests.len() == want {
				break
			}
		}
		elapsed := time.Since(start)
		b.StopTimer()
		held := 0
		for i := range pes {
			n := l.sp[fmt.Sprintf("pe%d", i)].tables[VPNv4].dests.len()
			if n != want {
				b.Fatalf("pe%d holds %d routes, want %d", i, n, want)
			}
			held += n
		}
		msgs := uint64(0)
		for i, nb := range l.sp["rr"].Summary() {
			msgs += nb.MsgSent - sentBefore[i].MsgSent
		}
		b.ReportMetric(float64(msgs), "rr-msgs")
		b.ReportMetric(float64(held)/pes, "routes/PE")
		b.ReportMetric(elapsed.Seconds()*1000, "ms-converge")
		for _, s := range l.sp {
			s.Close()
		}
		b.StartTimer()
	}
}
