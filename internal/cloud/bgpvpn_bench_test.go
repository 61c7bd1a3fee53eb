package cloud

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
)

// BenchmarkNetworkAssociationToRouteOnPE measures, on the seed lab with a
// VM already booted on a network of cloud3, from a tenant's gophercloud
// call creating the network association (HTTP, Keystone token check,
// Neutron's transaction, the controller's snapshot and Lab.ApplyCloud
// giving the compute its VRF and sessions) to the VM's /32 installed in
// pe1's VRF tenant: the compute's session with the reflectors coming up,
// RT constraint, the reflector passing the route on, pe1 importing it.
// ns/op is wall time; lab-ms/op the virtual clock's time (checked every
// lab millisecond). Each iteration deletes the association again,
// untimed, until pe1 has no route.
func BenchmarkNetworkAssociationToRouteOnPE(b *testing.B) {
	e := start(b, loadModel(b, ""), b.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	p := host32(vm.addr)
	demo := e.demo("cloud3")
	ctx := ctxT(b)
	assoc := vm.assoc
	remove := func() {
		must(b, bgpvpns.DeleteNetworkAssociation(ctx, demo, vm.bgpvpn, assoc).ExtractErr())
		e.until("withdrawn", 5*time.Second, func() bool { return !e.has("pe1", "tenant", p) })
	}
	remove()
	var lab time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := e.clk.Now()
		na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, vm.bgpvpn, bgpvpns.CreateNetworkAssociationOpts{NetworkID: vm.network}).Extract()
		must(b, err)
		e.until("route at pe1", 5*time.Second, func() bool { return e.has("pe1", "tenant", p) })
		lab += e.clk.Now().Sub(t0)
		b.StopTimer()
		assoc = na.ID
		remove()
		b.StartTimer()
	}
	b.ReportMetric(float64(lab.Microseconds())/1000/float64(b.N), "lab-ms/op")
}
