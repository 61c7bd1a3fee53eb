package cloud

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/openstack/glance"
)

// routedVM is a tenant router with one network behind it and the VM Nova
// booted on that network.
type routedVM struct {
	router, network string
	addr            netip.Addr
	host            string
}

// routerWithVM does what a tenant of cloud does: a network and subnet
// (cidr), a router with an interface on the subnet, and a server booted
// on the network (at fixed when valid). The caller opens the project's
// default group to ICMP, once.
func (e *env) routerWithVM(cloud, name, cidr string, fixed netip.Addr) routedVM {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	demo := e.demo(cloud)
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract()
	must(t, err)
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: cidr}).Extract()
	must(t, err)
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r-" + name}).Extract()
	must(t, err)
	_, err = routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	must(t, err)
	netOpt := servers.Network{UUID: nw.ID}
	if fixed.IsValid() {
		netOpt.FixedIP = fixed.String()
	}
	sv, err := servers.Create(ctx, e.compute(cloud), servers.CreateOpts{Name: name + "-vm", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{netOpt}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(e.admin(cloud), ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []struct {
		ports.Port
		portsbinding.PortsBindingExt
	}
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || !strings.HasPrefix(ps[0].HostID, cloud+"-cn") {
		t.Fatalf("%s's ports: %+v, want one bound to a compute of %s", sv.Name, ps, cloud)
	}
	return routedVM{router: rt.ID, network: nw.ID, addr: netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress), host: ps[0].HostID}
}

// associateRouter makes a BGPVPN of the demo project's with route
// targets rts in cloud3 and associates router with it; it returns the
// BGPVPN's and the association's ids.
func (e *env) associateRouter(name string, rts []string, router string, extra bool) (bgpvpn, assoc string) {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	rt, err := routers.Get(ctx, demo, router).Extract()
	must(t, err)
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: name, TenantID: rt.ProjectID, RouteTargets: rts}).Extract()
	must(t, err)
	ra, err := bgpvpns.CreateRouterAssociation(ctx, demo, v.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: router, AdvertiseExtraRoutes: ptr(extra)}).Extract()
	must(t, err)
	return v.ID, ra.ID
}

// A tenant associates its router with a BGPVPN of VPN tenant's route
// target: the VM on the router's network is put in the VPN by the
// compute hosting it, which becomes a PE (bagpipe's distributed router):
// the VM's /32 reaches pe1 with the compute's underlay address and VRF
// label, ce1 pings the VM across the MPLS-in-UDP tunnel, and trace shows
// the compute, reached in the tunnel with its label, before the VM.
func TestARouterAssociationPutsTheRoutersNetworksVMsInTheVPN(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	id, _ := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, false)

	e.until("ce1 learns the VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	if got := e.lab.Attachments(vm.host); len(got) != 1 || got[0].VRF != "blue" || got[0].BGPVPN != id {
		t.Fatalf("attachments of %s = %+v, want VRF blue of bgpvpn %s", vm.host, got, id)
	}
	cn, _ := e.lab.Node(vm.host)
	label := cn.VPNLabel("blue")
	pe1, _ := e.lab.Node("pe1")
	var vpn *bgp.Route
	for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix == host32(vm.addr) {
			vpn = &r
		}
	}
	if vpn == nil || vpn.NextHop != e.underlay(vm.host) || vpn.Label != label {
		t.Errorf("pe1's VPNv4 route %+v: want next hop %v (%s) and label %d", vpn, e.underlay(vm.host), vm.host, label)
	}
	ce1 := e.m.Node("ce1").Loopback
	e.until("the compute imports ce1's loopback", 5*time.Second, func() bool { return e.has(vm.host, "blue", ce1) })
	if res := e.ping("ce1", vm.addr.String(), 3); res.Received != 3 {
		t.Fatalf("ping ce1 -> %v (on %s): %+v", vm.addr, vm.host, res)
	}
	tr := e.trace("ce1", vm.addr.String())
	n := len(tr.Hops)
	if !tr.Reached || n < 2 || tr.Hops[n-1].Probes[0].From != vm.addr || tr.Hops[n-2].Probes[0].From != e.underlay(vm.host) {
		t.Fatalf("trace ce1 -> VM: want %s (%v) then the VM last:\n%v", vm.host, e.underlay(vm.host), tr)
	}
	if p := tr.Hops[n-2].Probes[0]; len(p.Labels) != 1 || p.Labels[0].Label != label || !strings.HasPrefix(p.Via, "mpls-in-udp ") {
		t.Errorf("trace: %s's hop %+v, want label %d in mpls-in-udp:\n%v", vm.host, p, label, tr)
	}
}

// A second router of the same addresses in a BGPVPN of another route
// target: pe1 routes the shared address to the first BGPVPN's VRF label
// only, and only the first one's VRF imports ce1's routes.
func TestASecondRouterAssociationWithTheSameAddressesStaysApart(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	fixed := netip.MustParseAddr("192.168.50.10")
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	blue := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", fixed)
	red := e.routerWithVM("cloud3", "red", "192.168.50.0/24", fixed)
	e.associateRouter("blue", []string{e.tenantRT()}, blue.router, false)
	e.associateRouter("red", []string{"65000:4242"}, red.router, false)

	e.until("pe1 imports blue's VM", 5*time.Second, func() bool { return e.has("pe1", "tenant", host32(fixed)) })
	e.until("red's compute has its VRF", 5*time.Second, func() bool {
		n, _ := e.lab.Node(red.host)
		return n.VPNLabel("red") != 0
	})
	e.clk.Advance(2 * time.Second) // time for a wrong route to arrive
	blueCN, _ := e.lab.Node(blue.host)
	pe1, _ := e.lab.Node("pe1")
	n := 0
	for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix != host32(fixed) {
			continue
		}
		n++
		if r.NextHop != e.underlay(blue.host) || r.Label != blueCN.VPNLabel("blue") {
			t.Errorf("pe1 holds %+v: want blue's route only (from %v, label %d)", r, e.underlay(blue.host), blueCN.VPNLabel("blue"))
		}
	}
	if n == 0 { // one per reflector, all blue's
		t.Errorf("pe1 has no VPNv4 route to %v", fixed)
	}
	ce1 := e.m.Node("ce1").Loopback
	e.until("blue's VRF imports ce1", 5*time.Second, func() bool { return e.has(blue.host, "blue", ce1) })
	if e.has(red.host, "red", ce1) {
		t.Errorf("red's VRF on %s imports ce1's loopback", red.host)
	}
	if res := e.ping("ce1", fixed.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v (blue's VM): %+v", fixed, res)
	}
}

// advertise_extra_routes: an extra route added to the router via its VM
// comes into the VPN (from the VM's compute, with its VRF label) while
// the association says true, and leaves pe1 and ce1 when it is updated
// to false; the VM's own address stays.
func TestAdvertiseExtraRoutesPutsTheRoutersExtraRoutesInAndOutOfTheVPN(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	openDefaultGroup(t, ctx, e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	id, assoc := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, true)
	e.until("pe1 imports the VM", 5*time.Second, func() bool { return e.has("pe1", "tenant", host32(vm.addr)) })
	// The extra route comes after the association: the VPN follows the
	// router.
	behind := netip.MustParsePrefix("10.70.0.0/24")
	_, err := routers.Update(ctx, e.demo("cloud3"), vm.router, routers.UpdateOpts{
		Routes: &[]routers.Route{{DestinationCIDR: behind.String(), NextHop: vm.addr.String()}}}).Extract()
	must(t, err)
	e.until("pe1 imports the extra route", 5*time.Second, func() bool { return e.has("pe1", "tenant", behind) })
	cn, _ := e.lab.Node(vm.host)
	rt, _ := e.vpnRoute("pe1", "tenant", behind)
	if len(rt.Nexthops) == 0 || !slices.Contains(rt.Nexthops[0].Labels, cn.VPNLabel("blue")) {
		t.Errorf("pe1's route to %v = %+v, want %s's label %d of VRF blue", behind, rt, vm.host, cn.VPNLabel("blue"))
	}
	e.until("ce1 learns the extra route", 5*time.Second, func() bool { return e.has("ce1", "", behind) })

	_, err = bgpvpns.UpdateRouterAssociation(ctx, e.demo("cloud3"), id, assoc, bgpvpns.UpdateRouterAssociationOpts{AdvertiseExtraRoutes: ptr(false)}).Extract()
	must(t, err)
	e.until("the extra route gone from pe1 and ce1", 5*time.Second, func() bool { return !e.has("pe1", "tenant", behind) && !e.has("ce1", "", behind) })
	if !e.has("pe1", "tenant", host32(vm.addr)) {
		t.Errorf("pe1 lost the VM's own route %v with the extra routes", vm.addr)
	}
	if e.has(vm.host, "blue", behind) {
		t.Errorf("%s's VRF blue still routes %v", vm.host, behind)
	}
}

// Deleting the router association withdraws the VM's route and the
// extra route from the WAN and leaves the compute with no VRF, no label
// in its LFIB and no session.
func TestRemovingTheRouterAssociationLeavesNothingBehind(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	openDefaultGroup(t, ctx, e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	behind := netip.MustParsePrefix("10.70.0.0/24")
	_, err := routers.Update(ctx, e.demo("cloud3"), vm.router, routers.UpdateOpts{
		Routes: &[]routers.Route{{DestinationCIDR: behind.String(), NextHop: vm.addr.String()}}}).Extract()
	must(t, err)
	id, assoc := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, true)
	e.until("ce1 learns the VM and the extra route", 5*time.Second, func() bool {
		return e.has("ce1", "", host32(vm.addr)) && e.has("ce1", "", behind)
	})
	cn, _ := e.lab.Node(vm.host)
	label := cn.VPNLabel("blue")

	must(t, bgpvpns.DeleteRouterAssociation(ctx, e.demo("cloud3"), id, assoc).ExtractErr())
	e.until("the routes gone from pe1, pe2 and ce1", 5*time.Second, func() bool {
		for _, p := range []netip.Prefix{host32(vm.addr), behind} {
			if e.has("pe1", "tenant", p) || e.has("pe2", "tenant", p) || e.has("ce1", "", p) {
				return false
			}
		}
		return true
	})
	if got := e.lab.Attachments(vm.host); len(got) != 0 {
		t.Errorf("attachments left on %s: %+v", vm.host, got)
	}
	for _, row := range cn.Router.LFIBTable() {
		if row.InLabel == label {
			t.Errorf("%s's LFIB still has %+v", vm.host, row)
		}
	}
	if rs := cn.Router.RouteTable("blue").Routes; len(rs) != 0 {
		t.Errorf("%s's table blue still routes %+v", vm.host, rs)
	}
	for _, s := range e.lab.Sessions() {
		if s.A == vm.host {
			t.Errorf("session %s-%s still configured", s.A, s.B)
		}
	}
}

// createRouterHalf creates, as sc's tenant, a router half from router
// local to router remote of region, and returns its id.
func (e *env) createRouterHalf(sc *gophercloud.ServiceClient, local, remote, region string) string {
	e.t.Helper()
	var out struct {
		IC map[string]any `json:"interconnection"`
	}
	body := map[string]any{"interconnection": map[string]any{
		"name": "to-" + region, "type": "router", "local_resource_id": local, "remote_resource_id": remote,
		"remote_region": region, "remote_keystone": e.clouds.AuthURL(),
	}}
	if _, err := sc.Post(ctxT(e.t), sc.ServiceURL("interconnection", "interconnections"), body, &out, nil); err != nil {
		e.t.Fatalf("create the router half to %s: %v", region, err)
	}
	return out.IC["id"].(string)
}

// A tenant interconnects a router of cloud east with one of cloud west
// (type router): both halves go ACTIVE, the computes hosting the VMs
// behind each router attach the interconnection's BGPVPN, and east's VM
// pings west's across the core in IP tunnels; west's VM on a network the
// router has no interface on stays out. Deleting east's half takes the
// route away.
func TestARouterInterconnectionCarriesTrafficBetweenTwoCloudsVMsAndOnlyTheirs(t *testing.T) {
	e := start(t, loadN2N(t), t.TempDir())
	openDefaultGroup(t, ctxT(t), e.demo("east")) // west's: networkWithVM opens it
	a := e.routerWithVM("east", "n-east", "10.10.1.0/24", netip.MustParseAddr("10.10.1.10"))
	b := e.routerWithVM("west", "n-west", "10.20.1.0/24", netip.MustParseAddr("10.20.1.10"))
	// Another VM of west's tenant, on a network west's router does not
	// reach: not part of the interconnection.
	outside := e.networkWithVM("west", "10.20.2.0/24", netip.MustParseAddr("10.20.2.10"))

	de, dw := e.demo("east"), e.demo("west")
	eastID := e.createRouterHalf(de, a.router, b.router, "west")
	westID := e.createRouterHalf(dw, b.router, a.router, "east")
	e.bothActive(t, eastID, westID)
	vrfA, vrfB := e.interconnectedVRFs(a.host, a.addr, b.host, b.addr, eastID, westID)
	if res := e.pingFromVM(a.host, vrfA, a.addr, b.addr, 3); res.Received != 3 {
		t.Fatalf("ping %v (east) -> %v (west): %+v", a.addr, b.addr, res)
	}
	cnB, _ := e.lab.Node(b.host)
	tr := e.traceFromVM(a.host, vrfA, a.addr, b.addr)
	if n := len(tr.Hops); !tr.Reached || n < 2 || tr.Hops[n-1].Probes[0].From != b.addr ||
		tr.Hops[n-2].Probes[0].From != e.underlay(b.host) || len(tr.Hops[n-2].Probes[0].Labels) != 1 ||
		tr.Hops[n-2].Probes[0].Labels[0].Label != cnB.VPNLabel(vrfB) {
		t.Errorf("trace %v -> %v: want %s (%v, label %d) then the VM last:\n%v", a.addr, b.addr, b.host, e.underlay(b.host), cnB.VPNLabel(vrfB), tr)
	}
	if e.has(a.host, vrfA, host32(outside.addr)) {
		t.Errorf("%s's VRF %s routes %v, on a network west's router has no interface on", a.host, vrfA, outside.addr)
	}
	if res := e.pingFromVM(a.host, vrfA, a.addr, outside.addr, 2); res.Received != 0 {
		t.Errorf("west's VM %v outside the router answered east's VM: %+v", outside.addr, res)
	}

	if _, err := de.Delete(ctxT(t), de.ServiceURL("interconnection", "interconnections", eastID), nil); err != nil {
		t.Fatal(err)
	}
	e.until("east's VM's route gone from west's compute", 10*time.Second, func() bool { return !e.has(b.host, vrfB, host32(a.addr)) })
	e.until("east's attachment gone", 10*time.Second, func() bool { return e.attachmentVRF("east", a.host, eastID) == "" })
}

// The VPN follows the router's interfaces: a network the associated
// router gets an interface on later brings its VM in (ce1 pings it), and
// removing the interface takes the VM's route out of the WAN again while
// the first network's VM stays.
func TestARouterAssociationFollowsTheRoutersInterfaces(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	demo := e.demo("cloud3")
	openDefaultGroup(t, ctx, demo)
	first := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	e.associateRouter("blue", []string{e.tenantRT()}, first.router, false)
	e.until("ce1 learns the first VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(first.addr)) })

	// A second network with a VM, not yet behind the router: out.
	later := e.networkVM("cloud3", "later", "192.168.51.0/24")
	e.clk.Advance(2 * time.Second)
	if e.has("pe1", "tenant", host32(later.addr)) {
		t.Fatalf("pe1 routes %v before its network is on the router", later.addr)
	}
	_, err := routers.AddInterface(ctx, demo, first.router, routers.AddInterfaceOpts{SubnetID: later.subnet}).Extract()
	must(t, err)
	e.until("ce1 learns the later VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(later.addr)) })
	e.until("the later VM's compute imports ce1's loopback", 5*time.Second, func() bool {
		return e.has(later.host, "blue", e.m.Node("ce1").Loopback)
	})
	if res := e.ping("ce1", later.addr.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v (on %s): %+v", later.addr, later.host, res)
	}

	_, err = routers.RemoveInterface(ctx, demo, first.router, routers.RemoveInterfaceOpts{SubnetID: later.subnet}).Extract()
	must(t, err)
	e.until("the later VM's route gone from pe1 and ce1", 5*time.Second, func() bool {
		return !e.has("pe1", "tenant", host32(later.addr)) && !e.has("ce1", "", host32(later.addr))
	})
	if !e.has("ce1", "", host32(first.addr)) {
		t.Errorf("ce1 lost the first VM %v", first.addr)
	}
}

// laterVM is a VM on a network of its own, and the network's subnet.
type laterVM struct {
	subnet string
	addr   netip.Addr
	host   string
}

// networkVM makes a network and subnet (cidr) of the demo project of
// cloud and boots a server on it.
func (e *env) networkVM(cloud, name, cidr string) laterVM {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	demo := e.demo(cloud)
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract()
	must(t, err)
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: cidr}).Extract()
	must(t, err)
	sv, err := servers.Create(ctx, e.compute(cloud), servers.CreateOpts{Name: name + "-vm", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nw.ID}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(e.admin(cloud), ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []portWithBinding
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || !strings.HasPrefix(ps[0].HostID, cloud+"-cn") {
		t.Fatalf("%s's ports: %+v, want one bound to a compute of %s", sv.Name, ps, cloud)
	}
	return laterVM{subnet: sn.ID, addr: netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress), host: ps[0].HostID}
}
