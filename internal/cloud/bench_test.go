package cloud

import (
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/speakers"

	"github.com/intercloud/intercloud/internal/router"
)

// BenchmarkGatewayToFirstPacket measures, in examples/two-clouds.yaml,
// from a tenant admin's add_gateway_network on edmonton's speaker (the
// gophercloud call: HTTP, Keystone token check, Neutron's transaction,
// then the lab applying the new state) to the first echo request from a
// VM in edmonton reaching a VM in toronto across the MPLS core. ns/op is
// wall time; lab-ms/op is lab time (the virtual clock: BGP converging,
// then the 50 ms of one-way core latency the packet crosses), which
// costs no wall time. Each iteration removes the gateway network again
// (untimed) so the next starts from no route.
func BenchmarkGatewayToFirstPacket(b *testing.B) {
	e := start(b, loadModel(b, "two-clouds.yaml"), b.TempDir())
	ed, to := e.setupCloud("edmonton"), e.setupCloud("toronto")
	e.addBGP(to, e.cloudASN("toronto"))
	e.addBGP(ed, e.cloudASN("edmonton"))
	ctx := ctxT(b)
	remove := func() {
		must(b, speakers.RemoveGatewayNetwork(ctx, ed.adm, ed.speaker, speakers.RemoveGatewayNetworkOpts{NetworkID: ed.public}).ExtractErr())
		e.until("withdrawn", 5*time.Second, func() bool { return !e.has("ce2", "", ed.tenant) })
	}
	remove()
	toronto, _ := e.lab.Node("toronto")
	var lab time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := e.clk.Now()
		must(b, speakers.AddGatewayNetwork(ctx, ed.adm, ed.speaker, speakers.AddGatewayNetworkOpts{NetworkID: ed.public}).Err)
		e.until("route at ce2", 5*time.Second, func() bool { return e.has("ce2", "", ed.tenant) })
		before := toronto.Router.InterfaceTable()[1].RxFrames
		s, err := e.lab.StartPing(ed.vm.String(), to.vm.String(), pingOnce)
		must(b, err)
		e.until("echo request at toronto", time.Second, func() bool { return toronto.Router.InterfaceTable()[1].RxFrames > before })
		lab += e.clk.Now().Sub(t0)
		b.StopTimer()
		e.waitDone(s.Done())
		if r := s.Result(); r.Received != 1 {
			b.Fatalf("ping: %+v", r)
		}
		remove()
		b.StartTimer()
	}
	b.ReportMetric(float64(lab.Microseconds())/1000/float64(b.N), "lab-ms/op")
}

var pingOnce = router.PingOptions{Count: 1, Timeout: time.Second}
