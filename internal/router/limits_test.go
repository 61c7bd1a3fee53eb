package router

import (
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
)

// A caller asking a ping for 2^62 requests used to panic in makeslice;
// it is clamped to MaxPingCount, and every request of it is answered.
func TestPingCountOfTwoToThe62IsClampedNotAPanic(t *testing.T) {
	n, h, _ := hostPair(t, dataplane.Impairment{})
	s, err := h.StartPing(ip("10.0.0.2"), PingOptions{Count: 1 << 62, Interval: time.Millisecond})
	must(t, err)
	if res := pingDone(t, n, s); res.Sent != MaxPingCount || res.Received != MaxPingCount {
		t.Errorf("sent %d received %d, want %d", res.Sent, res.Received, MaxPingCount)
	}
	// A terabyte of data is an IPv4 packet's worth (too big for the
	// link's MTU: dropped, as without fragmentation).
	s, err = h.StartPing(ip("10.0.0.2"), PingOptions{Count: 1, Size: 1 << 40})
	must(t, err)
	if res := pingDone(t, n, s); res.Size != MaxPingSize || res.Sent != 1 {
		t.Errorf("ping of size 2^40: %+v, want size %d", res, MaxPingSize)
	}
}

// The same for traceroute's probes and hops.
func TestTraceProbesOfTwoToThe62AreClampedNotAPanic(t *testing.T) {
	n, h, _ := hostPair(t, dataplane.Impairment{})
	s, err := h.StartTraceroute(ip("10.0.0.2"), TraceOptions{Probes: 1 << 62, MaxHops: 1 << 62})
	must(t, err)
	n.run()
	select {
	case <-s.Done():
	default:
		t.Fatal("trace not done once the network is idle")
	}
	res := s.Result()
	if !res.Reached || res.MaxHops != MaxTraceHops || len(res.Hops) != 1 || len(res.Hops[0].Probes) != MaxTraceProbes {
		t.Errorf("trace %+v, want the neighbour reached with %d probes, %d hops max", res, MaxTraceProbes, MaxTraceHops)
	}
}
