package cloud

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// BenchmarkSecondHalfToFirstVMPacket is issue 10's figure on the two-cloud
// lab of TestANetworkL3InterconnectionCarriesTrafficBetweenTwoCloudsVMsAndOnlyTheirs:
// a VM on a network in each cloud, east's network_l3 half waiting in
// TO_VALIDATE; timed from the POST of west's half (Keystone and Neutron
// of both clouds over loopback HTTP, the engines validating each other,
// the BGPVPNs and their network associations, the controllers giving
// each compute its VRF and sessions, the VPNv4 routes through the
// reflector) to the first echo reply east's VM gets from west's VM. The
// lab's virtual clock moves 1 ms per check while waiting for the routes
// (the engines run on the wall clock), then runs one ping of one echo;
// ns/op is wall time, lab-ms/op the lab time that passed, ping's round
// trip included; routes-wall-ms/op the wall time to the routes in both
// VRFs, before the ping. Each iteration then deletes both halves and creates
// east's again, untimed.
func BenchmarkSecondHalfToFirstVMPacket(b *testing.B) {
	e := start(b, loadN2N(b), b.TempDir())
	a := e.networkWithVM("east", "10.10.1.0/24", netip.MustParseAddr("10.10.1.10"))
	w := e.networkWithVM("west", "10.20.1.0/24", netip.MustParseAddr("10.20.1.10"))
	de, dw := e.demo("east"), e.demo("west")
	toValidate := func(id string) {
		testpeerWait(b, "east's half in TO_VALIDATE", func() (bool, string) {
			s, r := e.halfState(de, id)
			return s == "TO_VALIDATE", s + ": " + r
		})
	}
	eastID := e.createHalf(de, a.network, w.network, "west")
	toValidate(eastID)
	var lab, toRoutes time.Duration
	b.ResetTimer()
	for i := range b.N {
		t0, w0 := e.clk.Now(), time.Now()
		westID := e.createHalf(dw, w.network, a.network, "east")
		var vrfA, vrfB string
		e.until("the routes in both computes' VRFs", 20*time.Second, func() bool {
			if vrfA == "" {
				vrfA = e.attachmentVRF("east", a.host, eastID)
			}
			if vrfB == "" {
				vrfB = e.attachmentVRF("west", w.host, westID)
			}
			return vrfA != "" && vrfB != "" && e.has(a.host, vrfA, host32(w.addr)) && e.has(w.host, vrfB, host32(a.addr))
		})
		toRoutes += time.Since(w0)
		s, err := e.lab.StartPing(a.host, w.addr.String(), router.PingOptions{VRF: vrfA, Src: a.addr, Count: 1})
		if err != nil {
			b.Fatal(err)
		}
		e.waitDone(s.Done())
		if res := s.Result(); res.Received != 1 {
			b.Fatalf("pair %d: ping %v -> %v: %+v", i, a.addr, w.addr, res)
		}
		lab += e.clk.Now().Sub(t0)
		b.StopTimer()
		if _, err := dw.Delete(ctxT(b), dw.ServiceURL("interconnection", "interconnections", westID), nil); err != nil {
			b.Fatal(err)
		}
		if _, err := de.Delete(ctxT(b), de.ServiceURL("interconnection", "interconnections", eastID), nil); err != nil {
			b.Fatal(err)
		}
		e.until("both attachments gone", 20*time.Second, func() bool {
			return len(e.lab.Attachments(a.host)) == 0 && len(e.lab.Attachments(w.host)) == 0
		})
		eastID = e.createHalf(de, a.network, w.network, "west")
		toValidate(eastID)
		b.StartTimer()
	}
	b.ReportMetric(float64(lab.Microseconds())/1000/float64(b.N), "lab-ms/op")
	b.ReportMetric(float64(toRoutes.Microseconds())/1000/float64(b.N), "routes-wall-ms/op")
}
