package cloud

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
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

// netNode is cloud's network node (its node) and its underlay address,
// the one its ibgp-cloud sessions leave from.
func (e *env) netNode(cloud string) (string, netip.Addr) {
	e.t.Helper()
	for _, c := range e.m.Clouds {
		for _, s := range e.m.Sessions {
			if c.Name == cloud && s.Kind == topology.SessionCloudCore && s.A == c.Node {
				return c.Node, s.AAddr
			}
		}
	}
	e.t.Fatalf("cloud %s's node has no ibgp-cloud session", cloud)
	return "", netip.Addr{}
}

// vpnv4 are node's VPNv4 routes to p.
func (e *env) vpnv4(node string, p netip.Prefix) []bgp.Route {
	n, _ := e.lab.Node(node)
	var out []bgp.Route
	for _, r := range n.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix == p {
			out = append(out, r)
		}
	}
	return out
}

// A tenant associates its router with a BGPVPN of VPN tenant's route
// target: the network node, where the router lives, becomes the PE (a
// VRF blue, sessions with the reflectors) and the router its CE. The
// router's subnet reaches pe1 with the network node's underlay address
// and VRF label, the VM's /32 does not, and the compute hosting the VM
// peers with no reflector; ce1 pings the VM, and trace shows pe1, then
// the network node (its label, in MPLS-in-UDP), then the compute (its
// VRF's label, in MPLS-in-UDP from the network node), then the VM.
func TestARouterAssociationMakesTheNetworkNodeThePEAndTheRouterItsCE(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	subnet := netip.MustParsePrefix("192.168.50.0/24")
	id, _ := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, false)
	nnName, nnAddr := e.netNode("cloud3")

	e.until("ce1 learns the router's subnet", 5*time.Second, func() bool { return e.has("ce1", "", subnet) })
	if got := e.lab.Attachments(nnName); len(got) != 1 || got[0].VRF != "blue" || got[0].BGPVPN != id {
		t.Fatalf("VRFs of the network node %s = %+v, want VRF blue of bgpvpn %s", nnName, got, id)
	}
	nn, _ := e.lab.Node(nnName)
	cn, _ := e.lab.Node(vm.host)
	nnLabel, cnLabel := nn.VPNLabel("blue"), cn.VPNLabel("blue")
	if nnLabel == 0 || cnLabel == 0 {
		t.Fatalf("labels of VRF blue: %d on %s, %d on %s; want both", nnLabel, nnName, cnLabel, vm.host)
	}
	routes := e.vpnv4("pe1", subnet)
	for _, r := range routes {
		if r.NextHop != nnAddr || r.Label != nnLabel {
			t.Errorf("pe1's VPNv4 route %+v: want next hop %v (%s) and label %d", r, nnAddr, nnName, nnLabel)
		}
	}
	if len(routes) == 0 {
		t.Errorf("pe1 has no VPNv4 route to %v", subnet)
	}
	if rs := e.vpnv4("pe1", host32(vm.addr)); len(rs) != 0 {
		t.Errorf("pe1 holds VPNv4 routes to the VM's /32: %+v", rs)
	}
	for _, s := range e.lab.Sessions() {
		if s.A == vm.host {
			t.Errorf("compute %s peers with %s: a router association's VMs are the network node's to advertise", vm.host, s.B)
		}
	}
	ce1 := e.m.Node("ce1").Loopback
	e.until("the network node imports ce1's loopback", 5*time.Second, func() bool { return e.has(nnName, "blue", ce1) })
	if res := e.ping("ce1", vm.addr.String(), 3); res.Received != 3 {
		t.Fatalf("ping ce1 -> %v (on %s): %+v", vm.addr, vm.host, res)
	}
	tr := e.trace("ce1", vm.addr.String())
	n := len(tr.Hops)
	// The network node answers from the interface the tunnel came in
	// by (its uplink), the compute from its underlay address.
	if !tr.Reached || n < 4 || tr.Hops[n-1].Probes[0].From != vm.addr || tr.Hops[n-2].Probes[0].From != e.underlay(vm.host) ||
		!e.isAddrOf(nnName, tr.Hops[n-3].Probes[0].From) || !e.isAddrOf("pe1", tr.Hops[n-4].Probes[0].From) {
		t.Fatalf("trace ce1 -> VM: want pe1, the network node %s, %s (%v), then the VM last:\n%v", nnName, vm.host, e.underlay(vm.host), tr)
	}
	for _, h := range []struct {
		node  string
		hop   int
		label uint32
		tail  string
	}{{nnName, n - 3, nnLabel, " > " + nnAddr.String()}, {vm.host, n - 2, cnLabel, " " + nnAddr.String() + " > " + e.underlay(vm.host).String()}} {
		if p := tr.Hops[h.hop].Probes[0]; len(p.Labels) != 1 || p.Labels[0].Label != h.label || !strings.HasPrefix(p.Via, "mpls-in-udp ") || !strings.HasSuffix(p.Via, h.tail) {
			t.Errorf("trace: %s's hop %+v, want label %d in mpls-in-udp ending %q:\n%v", h.node, p, h.label, h.tail, tr)
		}
	}
}

// isAddrOf reports whether a is node's loopback or one of its
// interfaces' addresses.
func (e *env) isAddrOf(node string, a netip.Addr) bool {
	n := e.m.Node(node)
	return n != nil && (n.Loopback.Addr() == a || slices.ContainsFunc(n.Interfaces, func(ifc *topology.Interface) bool { return ifc.Addr.Addr() == a }))
}

// A second router of the same addresses in a BGPVPN of another route
// target: the network node holds a VRF for each, each routing the shared
// address to its own compute VRF's label; pe1 routes the shared subnet
// to blue's VRF label only, only blue's VRF imports ce1's routes, and
// ce1's ping and trace reach blue's VM in blue's compute VRF.
func TestASecondRouterAssociationWithTheSameAddressesStaysApart(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	fixed := netip.MustParseAddr("192.168.50.10")
	subnet := netip.MustParsePrefix("192.168.50.0/24")
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	blue := e.routerWithVM("cloud3", "blue", subnet.String(), fixed)
	red := e.routerWithVM("cloud3", "red", subnet.String(), fixed)
	e.associateRouter("blue", []string{e.tenantRT()}, blue.router, false)
	e.associateRouter("red", []string{"65000:4242"}, red.router, false)
	nnName, nnAddr := e.netNode("cloud3")
	nn, _ := e.lab.Node(nnName)

	e.until("pe1 imports blue's subnet", 5*time.Second, func() bool { return e.has("pe1", "tenant", subnet) })
	e.until("the network node routes both VMs", 5*time.Second, func() bool {
		return e.has(nnName, "blue", host32(fixed)) && e.has(nnName, "red", host32(fixed))
	})
	if nn.VPNLabel("blue") == nn.VPNLabel("red") {
		t.Fatalf("the network node's VRFs blue and red share label %d", nn.VPNLabel("blue"))
	}
	for _, vm := range []struct {
		vrf  string
		host string
	}{{"blue", blue.host}, {"red", red.host}} {
		cn, _ := e.lab.Node(vm.host)
		rt, _ := e.vpnRoute(nnName, vm.vrf, host32(fixed))
		if len(rt.Nexthops) != 1 || !slices.Equal(rt.Nexthops[0].Labels, []uint32{cn.VPNLabel(vm.vrf)}) || rt.Nexthops[0].Addr != e.underlay(vm.host) {
			t.Errorf("the network node's VRF %s routes %v by %+v: want %s's VRF %s label %d", vm.vrf, fixed, rt, vm.host, vm.vrf, cn.VPNLabel(vm.vrf))
		}
	}
	e.clk.Advance(2 * time.Second) // time for a wrong route to arrive
	n := 0
	for _, r := range e.vpnv4("pe1", subnet) {
		n++
		if r.NextHop != nnAddr || r.Label != nn.VPNLabel("blue") {
			t.Errorf("pe1 holds %+v: want blue's route only (from %v, label %d)", r, nnAddr, nn.VPNLabel("blue"))
		}
	}
	if n == 0 { // one per reflector, all blue's
		t.Errorf("pe1 has no VPNv4 route to %v", subnet)
	}
	ce1 := e.m.Node("ce1").Loopback
	e.until("blue's VRF imports ce1", 5*time.Second, func() bool { return e.has(nnName, "blue", ce1) })
	if e.has(nnName, "red", ce1) {
		t.Errorf("red's VRF on %s imports ce1's loopback", nnName)
	}
	if res := e.ping("ce1", fixed.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v (blue's VM): %+v", fixed, res)
	}
	blueCN, _ := e.lab.Node(blue.host)
	tr := e.trace("ce1", fixed.String())
	if h := len(tr.Hops); !tr.Reached || h < 2 || tr.Hops[h-2].Probes[0].From != e.underlay(blue.host) ||
		!slices.Equal(labelsOf(tr.Hops[h-2].Probes[0]), []uint32{blueCN.VPNLabel("blue")}) {
		t.Errorf("trace ce1 -> %v: want blue's compute %s with its VRF blue's label %d before the VM:\n%v", fixed, blue.host, blueCN.VPNLabel("blue"), tr)
	}
}

// labelsOf are the labels a trace probe's answer quoted.
func labelsOf(p router.TraceProbe) []uint32 {
	var out []uint32
	for _, l := range p.Labels {
		out = append(out, l.Label)
	}
	return out
}

// advertise_extra_routes: an extra route added to the router via its VM
// comes into the VPN (from the network node, with its VRF label, routed
// on to the VM's compute) while the association says true, and leaves
// pe1, ce1, the network node and the compute when it is updated to
// false; the router's subnet stays.
func TestAdvertiseExtraRoutesPutsTheRoutersExtraRoutesInAndOutOfTheVPN(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	openDefaultGroup(t, ctx, e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	subnet := netip.MustParsePrefix("192.168.50.0/24")
	id, assoc := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, true)
	nnName, nnAddr := e.netNode("cloud3")
	e.until("pe1 imports the router's subnet", 5*time.Second, func() bool { return e.has("pe1", "tenant", subnet) })
	// The extra route comes after the association: the VPN follows the
	// router.
	behind := netip.MustParsePrefix("10.70.0.0/24")
	_, err := routers.Update(ctx, e.demo("cloud3"), vm.router, routers.UpdateOpts{
		Routes: &[]routers.Route{{DestinationCIDR: behind.String(), NextHop: vm.addr.String()}}}).Extract()
	must(t, err)
	e.until("pe1 imports the extra route", 5*time.Second, func() bool { return e.has("pe1", "tenant", behind) })
	nn, _ := e.lab.Node(nnName)
	cn, _ := e.lab.Node(vm.host)
	for _, r := range e.vpnv4("pe1", behind) {
		if r.NextHop != nnAddr || r.Label != nn.VPNLabel("blue") {
			t.Errorf("pe1's VPNv4 route %+v: want next hop %v (%s) and label %d", r, nnAddr, nnName, nn.VPNLabel("blue"))
		}
	}
	if rt, _ := e.vpnRoute(nnName, "blue", behind); len(rt.Nexthops) != 1 || rt.Nexthops[0].Addr != e.underlay(vm.host) ||
		!slices.Equal(rt.Nexthops[0].Labels, []uint32{cn.VPNLabel("blue")}) {
		t.Errorf("the network node's route to %v = %+v, want %s's label %d of VRF blue", behind, rt, vm.host, cn.VPNLabel("blue"))
	}
	e.until("ce1 learns the extra route", 5*time.Second, func() bool { return e.has("ce1", "", behind) })

	_, err = bgpvpns.UpdateRouterAssociation(ctx, e.demo("cloud3"), id, assoc, bgpvpns.UpdateRouterAssociationOpts{AdvertiseExtraRoutes: ptr(false)}).Extract()
	must(t, err)
	e.until("the extra route gone from pe1 and ce1", 5*time.Second, func() bool { return !e.has("pe1", "tenant", behind) && !e.has("ce1", "", behind) })
	if !e.has("pe1", "tenant", subnet) {
		t.Errorf("pe1 lost the router's subnet %v with the extra routes", subnet)
	}
	if e.has(nnName, "blue", behind) || e.has(vm.host, "blue", behind) {
		t.Errorf("VRF blue still routes %v: on %s %v, on %s %v", behind, nnName, e.has(nnName, "blue", behind), vm.host, e.has(vm.host, "blue", behind))
	}
}

// Deleting the router association withdraws the router's subnet and
// the extra route from the WAN and leaves the network node and the
// compute with no VRF, no route in it, no label in their LFIBs and no
// session.
func TestRemovingTheRouterAssociationLeavesNothingBehind(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	openDefaultGroup(t, ctx, e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	subnet := netip.MustParsePrefix("192.168.50.0/24")
	behind := netip.MustParsePrefix("10.70.0.0/24")
	_, err := routers.Update(ctx, e.demo("cloud3"), vm.router, routers.UpdateOpts{
		Routes: &[]routers.Route{{DestinationCIDR: behind.String(), NextHop: vm.addr.String()}}}).Extract()
	must(t, err)
	id, assoc := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, true)
	e.until("ce1 learns the subnet and the extra route", 5*time.Second, func() bool {
		return e.has("ce1", "", subnet) && e.has("ce1", "", behind)
	})
	nnName, _ := e.netNode("cloud3")
	nn, _ := e.lab.Node(nnName)
	cn, _ := e.lab.Node(vm.host)
	labels := map[*lab.Node]uint32{nn: nn.VPNLabel("blue"), cn: cn.VPNLabel("blue")}
	if labels[nn] == 0 || labels[cn] == 0 {
		t.Fatalf("labels of VRF blue: %d on %s, %d on %s; want both", labels[nn], nnName, labels[cn], vm.host)
	}

	must(t, bgpvpns.DeleteRouterAssociation(ctx, e.demo("cloud3"), id, assoc).ExtractErr())
	e.until("the routes gone from pe1, pe2 and ce1", 5*time.Second, func() bool {
		for _, p := range []netip.Prefix{subnet, behind} {
			if e.has("pe1", "tenant", p) || e.has("pe2", "tenant", p) || e.has("ce1", "", p) {
				return false
			}
		}
		return true
	})
	for n, label := range labels {
		name := n.Model.Name
		if got := e.lab.Attachments(name); len(got) != 0 {
			t.Errorf("VRFs left on %s: %+v", name, got)
		}
		if l := n.VPNLabel("blue"); l != 0 {
			t.Errorf("%s's VRF blue still has label %d", name, l)
		}
		for _, row := range n.Router.LFIBTable() {
			if row.InLabel == label {
				t.Errorf("%s's LFIB still has %+v", name, row)
			}
		}
		if rs := n.Router.RouteTable("blue").Routes; len(rs) != 0 {
			t.Errorf("%s's table blue still routes %+v", name, rs)
		}
		for _, s := range e.lab.Sessions() {
			if s.A == name {
				t.Errorf("session %s-%s still configured", s.A, s.B)
			}
		}
	}
}

// A daemon restart on the same state ends where it was: the network
// node has VRF blue again, pe1 routes the router's subnet to it, ce1
// pings the VM, and deleting the association then leaves the network
// node no VRF and pe1 no route.
func TestARouterAssociationComesBackAfterARestartAndGoesByDifference(t *testing.T) {
	dir := t.TempDir()
	m := loadModel(t, "")
	e := start(t, m, dir)
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	vm := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	subnet := netip.MustParsePrefix("192.168.50.0/24")
	id, assoc := e.associateRouter("blue", []string{e.tenantRT()}, vm.router, false)
	nnName, nnAddr := e.netNode("cloud3")
	e.until("ce1 learns the router's subnet", 5*time.Second, func() bool { return e.has("ce1", "", subnet) })
	before := e.lab.Attachments(nnName)
	e.stop()

	again := start(t, m, dir)
	again.until("ce1 learns the router's subnet again", 10*time.Second, func() bool { return again.has("ce1", "", subnet) })
	if got := again.lab.Attachments(nnName); !slices.Equal(got, before) || len(got) != 1 {
		t.Errorf("the network node's VRFs after the restart %+v, before %+v", got, before)
	}
	nn, _ := again.lab.Node(nnName)
	label := nn.VPNLabel("blue")
	again.until("pe1's routes to the subnet are the network node's", 5*time.Second, func() bool {
		rs := again.vpnv4("pe1", subnet)
		return len(rs) > 0 && !slices.ContainsFunc(rs, func(r bgp.Route) bool { return r.NextHop != nnAddr || r.Label != label })
	})
	if res := again.ping("ce1", vm.addr.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v after the restart: %+v", vm.addr, res)
	}

	must(t, bgpvpns.DeleteRouterAssociation(ctxT(t), again.demo("cloud3"), id, assoc).ExtractErr())
	again.until("the subnet gone from pe1 and ce1", 5*time.Second, func() bool { return !again.has("pe1", "tenant", subnet) && !again.has("ce1", "", subnet) })
	if got := again.lab.Attachments(nnName); len(got) != 0 || nn.VPNLabel("blue") != 0 || len(nn.Router.RouteTable("blue").Routes) != 0 {
		t.Errorf("the network node keeps VRF blue: %+v, label %d, routes %+v", got, nn.VPNLabel("blue"), nn.Router.RouteTable("blue").Routes)
	}
	for _, row := range nn.Router.LFIBTable() {
		if row.InLabel == label {
			t.Errorf("%s's LFIB still has %+v", nnName, row)
		}
	}
}

// A tenant interconnects a router of cloud east with one of cloud west
// (type router, a router association on each side): both halves go
// ACTIVE, each network node routes the other router's subnet, and east's
// VM pings west's across the core in IP tunnels through both network
// nodes; west's VM on a network the router has no interface on stays
// out. Deleting east's half takes the route away.
func TestARouterInterconnectionCarriesTrafficBetweenTwoCloudsVMsAndOnlyTheirs(t *testing.T) {
	e := start(t, loadN2N(t), t.TempDir())
	openDefaultGroup(t, ctxT(t), e.demo("east")) // west's: networkWithVM opens it
	a := e.routerWithVM("east", "n-east", "10.10.1.0/24", netip.MustParseAddr("10.10.1.10"))
	b := e.routerWithVM("west", "n-west", "10.20.1.0/24", netip.MustParseAddr("10.20.1.10"))
	// Another VM of west's tenant, on a network west's router does not
	// reach: not part of the interconnection.
	outside := e.networkWithVM("west", "10.20.2.0/24", netip.MustParseAddr("10.20.2.10"))

	de, dw := e.demo("east"), e.demo("west")
	eastID := e.createTypedHalf(de, "router", a.router, b.router, "west")
	westID := e.createTypedHalf(dw, "router", b.router, a.router, "east")
	e.bothActive(t, eastID, westID)
	var vrfA, vrfB string
	e.until("both computes hold the VMs in the interconnection's BGPVPN", 10*time.Second, func() bool {
		vrfA, vrfB = e.attachmentVRF("east", a.host, eastID), e.attachmentVRF("west", b.host, westID)
		return vrfA != "" && vrfB != ""
	})
	eastNN, _ := e.netNode("east")
	westNN, westAddr := e.netNode("west")
	e.until("each network node routes the other's subnet", 10*time.Second, func() bool {
		return e.has(eastNN, vrfA, netip.MustParsePrefix("10.20.1.0/24")) && e.has(westNN, vrfB, netip.MustParsePrefix("10.10.1.0/24"))
	})
	if res := e.pingFromVM(a.host, vrfA, a.addr, b.addr, 3); res.Received != 3 {
		t.Fatalf("ping %v (east) -> %v (west): %+v", a.addr, b.addr, res)
	}
	cnB, _ := e.lab.Node(b.host)
	tr := e.traceFromVM(a.host, vrfA, a.addr, b.addr)
	// East's router, west's router, west's compute (in MPLS-in-UDP from
	// west's network node, with its VRF's label), the VM.
	if n := len(tr.Hops); !tr.Reached || n < 4 || tr.Hops[n-1].Probes[0].From != b.addr ||
		tr.Hops[n-2].Probes[0].From != e.underlay(b.host) || !slices.Equal(labelsOf(tr.Hops[n-2].Probes[0]), []uint32{cnB.VPNLabel(vrfB)}) ||
		tr.Hops[n-2].Probes[0].Via != "mpls-in-udp "+westAddr.String()+" > "+e.underlay(b.host).String() ||
		!e.isAddrOf(westNN, tr.Hops[n-3].Probes[0].From) || !slices.ContainsFunc(tr.Hops[:n-3], func(h router.TraceHop) bool { return e.isAddrOf(eastNN, h.Probes[0].From) }) {
		t.Errorf("trace %v -> %v: want %s, %s, %s (%v, label %d) then the VM last:\n%v", a.addr, b.addr, eastNN, westNN, b.host, e.underlay(b.host), cnB.VPNLabel(vrfB), tr)
	}
	if e.has(westNN, vrfB, host32(outside.addr)) || e.has(eastNN, vrfA, netip.PrefixFrom(outside.addr, 24).Masked()) {
		t.Errorf("the interconnection routes %v, on a network west's router has no interface on", outside.addr)
	}
	if res := e.pingFromVM(a.host, vrfA, a.addr, outside.addr, 2); res.Received != 0 {
		t.Errorf("west's VM %v outside the router answered east's VM: %+v", outside.addr, res)
	}

	if _, err := de.Delete(ctxT(t), de.ServiceURL("interconnection", "interconnections", eastID), nil); err != nil {
		t.Fatal(err)
	}
	e.until("east's subnet gone from west's network node", 10*time.Second, func() bool {
		return !e.has(westNN, vrfB, netip.MustParsePrefix("10.10.1.0/24"))
	})
	e.until("east's attachment gone", 10*time.Second, func() bool { return e.attachmentVRF("east", a.host, eastID) == "" })
}

// The VPN follows the router's interfaces: a network the associated
// router gets an interface on later brings its subnet in (ce1 pings its
// VM through the network node), and removing the interface takes the
// subnet out of the WAN and the VM's route out of the network node's
// VRF again while the first subnet stays.
func TestARouterAssociationFollowsTheRoutersInterfaces(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	demo := e.demo("cloud3")
	openDefaultGroup(t, ctx, demo)
	first := e.routerWithVM("cloud3", "blue", "192.168.50.0/24", netip.Addr{})
	firstNet, laterNet := netip.MustParsePrefix("192.168.50.0/24"), netip.MustParsePrefix("192.168.51.0/24")
	e.associateRouter("blue", []string{e.tenantRT()}, first.router, false)
	nnName, _ := e.netNode("cloud3")
	e.until("ce1 learns the first subnet", 5*time.Second, func() bool { return e.has("ce1", "", firstNet) })

	// A second network with a VM, not yet behind the router: out.
	later := e.networkVM("cloud3", "later", laterNet.String())
	e.clk.Advance(2 * time.Second)
	if e.has("pe1", "tenant", laterNet) || e.has(nnName, "blue", host32(later.addr)) {
		t.Fatalf("%v is routed before its network is on the router: pe1 %v, %s %v", later.addr,
			e.has("pe1", "tenant", laterNet), nnName, e.has(nnName, "blue", host32(later.addr)))
	}
	_, err := routers.AddInterface(ctx, demo, first.router, routers.AddInterfaceOpts{SubnetID: later.subnet}).Extract()
	must(t, err)
	e.until("ce1 learns the later subnet", 5*time.Second, func() bool { return e.has("ce1", "", laterNet) })
	e.until("the network node routes the later VM", 5*time.Second, func() bool { return e.has(nnName, "blue", host32(later.addr)) })
	if res := e.ping("ce1", later.addr.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v (on %s): %+v", later.addr, later.host, res)
	}

	_, err = routers.RemoveInterface(ctx, demo, first.router, routers.RemoveInterfaceOpts{SubnetID: later.subnet}).Extract()
	must(t, err)
	e.until("the later subnet gone from pe1 and ce1", 5*time.Second, func() bool {
		return !e.has("pe1", "tenant", laterNet) && !e.has("ce1", "", laterNet)
	})
	if e.has(nnName, "blue", host32(later.addr)) || e.has(later.host, "blue", host32(later.addr)) {
		t.Errorf("VRF blue still holds the later VM %v: on %s %v, on %s %v", later.addr,
			nnName, e.has(nnName, "blue", host32(later.addr)), later.host, e.has(later.host, "blue", host32(later.addr)))
	}
	if !e.has("ce1", "", firstNet) {
		t.Errorf("ce1 lost the first subnet %v", firstNet)
	}
	if res := e.ping("ce1", first.addr.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v (the first VM): %+v", first.addr, res)
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
