package cloud

import (
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"

	"github.com/intercloud/intercloud/internal/router"
)

// BenchmarkSDNAssociationToFirstVMToCEPacket measures, on examples/sdn.yaml
// with a VM already booted on a network of dc1, from the tenant's
// gophercloud call creating the network association (HTTP, Keystone,
// Neutron's transaction, the controller's snapshot, Lab.ApplyCloud giving
// the vRouter its VRF and its session with the control node) to the first
// echo the VM sends ce1 being answered: the vRouter's session coming up,
// RT constraint, the control node reflecting, the gateway relabelling to
// asbr1 and back, pe1 and ce1 learning the VM, the vRouter importing
// ce1's route, then one echo and its reply through MPLS-in-UDP, the
// gateway's swap and the core. ns/op is wall time; lab-ms/op the virtual
// clock's time (stepped 1 ms at a time while routes are awaited, the
// links' latency included). Each iteration deletes the association
// again, untimed, until the VRF and ce1's route are gone.
func BenchmarkSDNAssociationToFirstVMToCEPacket(b *testing.B) {
	e := sdnLab(b)
	vm, _ := e.sdnVM("red", []string{redRT}, "192.168.10.0/24")
	demo, ctx := e.demo("dc1"), ctxT(b)
	ce1 := e.m.Node("ce1").Loopback
	assoc := vm.assoc
	remove := func() {
		must(b, bgpvpns.DeleteNetworkAssociation(ctx, demo, vm.bgpvpn, assoc).ExtractErr())
		e.until("withdrawn", 10*time.Second, func() bool {
			return len(e.lab.Attachments(vm.host)) == 0 && !e.has("ce1", "", host32(vm.addr))
		})
	}
	remove()
	var lab time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := e.clk.Now()
		na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, vm.bgpvpn, bgpvpns.CreateNetworkAssociationOpts{NetworkID: vm.network}).Extract()
		must(b, err)
		e.until("routes both ways", 10*time.Second, func() bool {
			return e.has(vm.host, "red", ce1) && e.has("ce1", "", host32(vm.addr))
		})
		s, err := e.lab.StartPing(vm.addr.String(), "ce1", router.PingOptions{Count: 1, Timeout: time.Second})
		must(b, err)
		e.waitDone(s.Done())
		if r := s.Result(); r.Received != 1 {
			b.Fatalf("the VM's first echo to ce1 went unanswered: %+v", r)
		}
		lab += e.clk.Now().Sub(t0)
		b.StopTimer()
		assoc = na.ID
		remove()
		b.StartTimer()
	}
	b.ReportMetric(float64(lab.Microseconds())/1000/float64(b.N), "lab-ms/op")
}
