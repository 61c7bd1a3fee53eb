package cloud

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
)

// One compute hosts a VM that BGPVPN blue's router association brings
// in and one its network association brings in (another network: the
// API refuses only a network both associated and behind the associated
// router, as networking-bgpvpn does). They live in two VRFs of the
// compute: blue, with the route targets, and blue-router, without, whose
// default route goes to the network node. So both paths are symmetric:
// ce1 reaches each VM, and each VM ce1, through the network node for the
// router's VM only.
func TestARouterAssociationsVMBesideANetworkAssociationsOneGoesThroughTheNetworkNodeBothWays(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	openDefaultGroup(t, ctx, demo)
	routed := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	id, _ := e.associateRouter("blue", []string{e.tenantRT()}, routed.router, false)
	nnName, _ := e.netNode("cloud3")

	// green, associated with blue, with a VM port on the same compute.
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "green"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: "192.168.60.0/24"}).Extract()
	must(t, err)
	assocAddr := netip.MustParseAddr("192.168.60.9")
	_, err = ports.Create(ctx, adm, portsbinding.CreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: nw.ID, ProjectID: nw.ProjectID,
		DeviceID: "green-vm", DeviceOwner: "compute:nova", FixedIPs: []ports.IP{{IPAddress: assocAddr.String()}}}, HostID: routed.host}).Extract()
	must(t, err)
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, id, bgpvpns.CreateNetworkAssociationOpts{NetworkID: nw.ID}).Extract()
	must(t, err)

	ce1 := e.m.Node("ce1").Loopback
	e.until("ce1 learns the router's subnet and green's VM", 5*time.Second, func() bool {
		return e.has("ce1", "", netip.MustParsePrefix("192.168.50.0/24")) && e.has("ce1", "", host32(assocAddr))
	})
	want := []lab.Attachment{{VRF: "blue", BGPVPN: id}, {VRF: "blue-router", BGPVPN: id, RouterAssociation: true}}
	if got := e.lab.Attachments(routed.host); !slices.Equal(got, want) {
		t.Fatalf("VRFs of %s = %+v, want %+v", routed.host, got, want)
	}
	if e.has(routed.host, "blue-router", host32(assocAddr)) || e.has(routed.host, "blue", host32(routed.addr)) {
		t.Errorf("%s: a VM in the other VRF", routed.host)
	}
	e.until("both VRFs route to ce1", 5*time.Second, func() bool {
		return e.has(routed.host, "blue", ce1) && e.has(routed.host, "blue-router", netip.PrefixFrom(netip.IPv4Unspecified(), 0)) && e.has(nnName, "blue", ce1)
	})

	throughNN := func(tr router.TraceResult) bool {
		return slices.ContainsFunc(tr.Hops, func(h router.TraceHop) bool {
			return len(h.Probes) > 0 && e.isAddrOf(nnName, h.Probes[0].From)
		})
	}
	for _, vm := range []struct {
		vrf       string
		addr      netip.Addr
		throughNN bool
	}{{"blue-router", routed.addr, true}, {"blue", assocAddr, false}} {
		if res := e.ping("ce1", vm.addr.String(), 3); res.Received != 3 {
			t.Errorf("ping ce1 -> %v: %+v", vm.addr, res)
		}
		if res := e.pingFromVM(routed.host, vm.vrf, vm.addr, ce1.Addr(), 3); res.Received != 3 {
			t.Errorf("ping %v -> ce1: %+v", vm.addr, res)
		}
		to, from := e.trace("ce1", vm.addr.String()), e.traceFromVM(routed.host, vm.vrf, vm.addr, ce1.Addr())
		if !to.Reached || !from.Reached || throughNN(to) != vm.throughNN || throughNN(from) != vm.throughNN {
			t.Errorf("%v (vrf %s): want the network node %s on both paths: %v\nce1 -> VM:\n%v\nVM -> ce1:\n%v", vm.addr, vm.vrf, nnName, vm.throughNN, to, from)
		}
	}
}
