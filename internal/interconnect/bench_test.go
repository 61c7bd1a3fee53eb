package interconnect_test

import (
	"context"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// BenchmarkSecondHalfToActive times an interconnection's set-up as a
// tenant sees it: from the POST of the second half (the first waits in
// TO_VALIDATE) to both halves ACTIVE with their BGPVPNs, through the
// clouds' Keystone and Neutron APIs over loopback HTTP. The retired
// neutron-interconnection polled its peer every 10 s, so the same step
// took up to 10 s there.
func BenchmarkSecondHalfToActive(b *testing.B) {
	lb := startLab(b, b.TempDir(), "", nil)
	de, dw := lb.demo(b, east), lb.demo(b, west)
	ne, nw := lb.c.Neutron(east), lb.c.Neutron(west)
	active := func(n *neutron.Service, id string) bool {
		ic, ok, err := n.Interconnection(context.Background(), id)
		return err == nil && ok && ic.State == neutron.StateActive
	}
	re, rw := router(b, de, "r-east"), router(b, dw, "r-west")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := interconnect(b, lb, de, "router", re, rw, west)["id"].(string)
		waitState(b, de, e, "TO_VALIDATE", "no interconnection in region west")
		b.StartTimer()
		w := interconnect(b, lb, dw, "router", rw, re, east)["id"].(string)
		deadline := time.Now().Add(20 * time.Second)
		for !active(ne, e) || !active(nw, w) {
			if time.Now().After(deadline) {
				b.Fatalf("pair %d not ACTIVE within 20 s", i)
			}
			time.Sleep(100 * time.Microsecond)
		}
		b.StopTimer()
		// The next pair reuses the routers: this one goes, west's half
		// first (east's turns TEARDOWN), then east's.
		del(b, dw, w)
		waitState(b, de, e, "TEARDOWN", "was deleted")
		del(b, de, e)
		b.StartTimer()
	}
}
