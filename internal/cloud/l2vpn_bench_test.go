package cloud

import (
	"net/netip"
	"testing"
	"time"
)

// BenchmarkSecondL2HalfToFirstVMPacket is issue 10's figure for L2: the
// two-cloud lab of TestANetworkL2InterconnectionStretchesASubnetBetweenTwoClouds,
// a VM on the stretched subnet in each cloud, east's network_l2 half
// waiting in TO_VALIDATE; timed from the POST of west's half (the
// engines validating each other over loopback HTTP, the l2 BGPVPNs and
// their network associations, each compute's EVI, the MAC/IP and
// inclusive multicast routes through the reflector) to the first echo
// reply east's VM gets from west's VM: its ARP, answered by its compute
// from west's MAC/IP route, then the echo in Ethernet frames over MPLS.
// The halves' validation runs on the wall clock (both are awaited
// ACTIVE first), then the lab's clock moves 1 ms per check while waiting
// for the routes; ns/op is wall time, lab-ms/op the lab
// time that passed (the ping's round trip included), routes-wall-ms/op
// the wall time until both EVIs know the other VM. Each iteration then
// deletes both halves and creates east's again, untimed.
func BenchmarkSecondL2HalfToFirstVMPacket(b *testing.B) {
	e := start(b, loadN2N(b), b.TempDir())
	a := e.l2NetworkWithVM("east", netip.MustParseAddr("10.40.0.10"))
	w := e.l2NetworkWithVM("west", netip.MustParseAddr("10.40.0.20"))
	de, dw := e.demo("east"), e.demo("west")
	toValidate := func(id string) {
		testpeerWait(b, "east's half in TO_VALIDATE", func() (bool, string) {
			s, r := e.halfState(de, id)
			return s == "TO_VALIDATE", s + ": " + r
		})
	}
	eastID := e.createTypedHalf(de, "network_l2", a.network, w.network, "west")
	toValidate(eastID)
	var lab, toRoutes time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0, w0 := e.clk.Now(), time.Now()
		westID := e.createTypedHalf(dw, "network_l2", w.network, a.network, "east")
		for _, h := range [][2]string{{"east", eastID}, {"west", westID}} {
			testpeerWait(b, h[0]+"'s half ACTIVE", func() (bool, string) {
				s, r := e.halfState(e.demo(h[0]), h[1])
				return s == "ACTIVE", s + ": " + r
			})
		}
		e.until("each EVI knows the other VM", 20*time.Second, func() bool { return e.knows(a.host, w.mac) && e.knows(w.host, a.mac) })
		toRoutes += time.Since(w0)
		if res := e.l2Ping(a.host, a.mac, w.addr, 1); res.Received != 1 {
			b.Fatalf("pair %d: ping %v -> %v: %v", i, a.addr, w.addr, res)
		}
		lab += e.clk.Now().Sub(t0)
		b.StopTimer()
		if _, err := dw.Delete(ctxT(b), dw.ServiceURL("interconnection", "interconnections", westID), nil); err != nil {
			b.Fatal(err)
		}
		if _, err := de.Delete(ctxT(b), de.ServiceURL("interconnection", "interconnections", eastID), nil); err != nil {
			b.Fatal(err)
		}
		e.until("both EVIs gone", 20*time.Second, func() bool { return len(e.lab.EVIs(a.host)) == 0 && len(e.lab.EVIs(w.host)) == 0 })
		eastID = e.createTypedHalf(de, "network_l2", a.network, w.network, "west")
		toValidate(eastID)
		b.StartTimer()
	}
	b.ReportMetric(float64(lab.Microseconds())/1000/float64(b.N), "lab-ms/op")
	b.ReportMetric(float64(toRoutes.Microseconds())/1000/float64(b.N), "routes-wall-ms/op")
}
