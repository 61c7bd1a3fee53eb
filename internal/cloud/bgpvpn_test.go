package cloud

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// bgpvpnVM is a VM a tenant booted on a network of a BGPVPN.
type bgpvpnVM struct {
	bgpvpn, network, assoc string
	addr                   netip.Addr
	host                   string // the compute Nova placed it on
}

// tenantRT is the seed VPN tenant's route target.
func (e *env) tenantRT() string {
	for _, v := range e.m.VPNs {
		if v.Name == "tenant" {
			return v.Import[0]
		}
	}
	e.t.Fatal("no vpn tenant")
	return ""
}

// bgpvpnWithVM does what an admin and a tenant of cloud3 do for option 3:
// the admin creates a BGPVPN with route targets rts for the demo project,
// the tenant makes a network and subnet (cidr), associates it, and boots
// a server on it through Nova (at fixed, when valid).
func (e *env) bgpvpnWithVM(name string, rts []string, cidr string, fixed netip.Addr) bgpvpnVM {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: cidr}).Extract()
	must(t, err)
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: name, TenantID: nw.ProjectID, RouteTargets: rts}).Extract()
	must(t, err)
	na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: nw.ID}).Extract()
	must(t, err)
	nets := []servers.Network{{UUID: nw.ID}}
	if fixed.IsValid() {
		nets[0].FixedIP = fixed.String()
	}
	opts := servers.CreateOpts{Name: name + "-vm", ImageRef: glance.Images()[0].ID, FlavorRef: "1", Networks: nets}
	sv, err := servers.Create(ctx, e.compute("cloud3"), opts, nil).Extract()
	must(t, err)
	pages, err := ports.List(adm, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []struct {
		ports.Port
		portsbinding.PortsBindingExt
	}
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || !strings.HasPrefix(ps[0].HostID, "cloud3-cn") {
		t.Fatalf("%s's ports: %+v, want one bound to a compute of cloud3", sv.Name, ps)
	}
	return bgpvpnVM{bgpvpn: v.ID, network: nw.ID, assoc: na.ID, addr: netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress), host: ps[0].HostID}
}

// underlay is a compute node's address on its cloud's underlay.
func (e *env) underlay(compute string) netip.Addr {
	n := e.m.Node(compute)
	if n == nil || n.Role != topology.RoleCompute {
		e.t.Fatalf("no compute %s", compute)
	}
	return n.Interfaces[0].Addr.Addr()
}

// vpnRoute is node's selected route for p in vrf.
func (e *env) vpnRoute(node, vrf string, p netip.Prefix) (router.Route, bool) {
	n, _ := e.lab.Node(node)
	return n.Router.RIB().Best(vrf, p)
}

func host32(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, 32) }

// A tenant whose admin made a BGPVPN with VPN tenant's route target
// associates a network and boots a VM on it through Nova: the compute
// Nova chose becomes a PE (a VRF for the BGPVPN, iBGP VPNv4 with the
// WAN's reflectors) and the VM's /32 reaches pe1's VRF tenant with the
// compute's underlay address as next hop and its VRF's label, and ce1;
// the compute imports ce1's routes.
func TestANetworkAssociationMakesTheVMsComputeAPEOfTheVPN(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	e.until("pe1 imports the VM's route", 5*time.Second, func() bool { _, ok := e.vpnRoute("pe1", "tenant", host32(vm.addr)); return ok })
	rt, _ := e.vpnRoute("pe1", "tenant", host32(vm.addr))
	cn, _ := e.lab.Node(vm.host)
	label := cn.VPNLabel("blue")
	if label == 0 {
		t.Fatalf("%s has no VRF blue: %v", vm.host, e.lab.Attachments(vm.host))
	}
	var viaCompute bool
	for _, nh := range rt.Nexthops {
		viaCompute = viaCompute || slices.Contains(nh.Labels, label)
	}
	if !viaCompute {
		t.Errorf("pe1's route to %v = %+v, want the label %d of %s's VRF blue", vm.addr, rt, label, vm.host)
	}
	var vpn *bgp.Route
	pe1, _ := e.lab.Node("pe1")
	for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix == host32(vm.addr) {
			vpn = &r
		}
	}
	if vpn == nil || vpn.NextHop != e.underlay(vm.host) || vpn.Label != label {
		t.Errorf("pe1's VPNv4 route %+v: want next hop %v (%s) and label %d", vpn, e.underlay(vm.host), vm.host, label)
	}
	e.until("ce1 learns the VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	ce1 := e.m.Node("ce1").Loopback
	e.until("the compute imports ce1's loopback", 5*time.Second, func() bool { return e.has(vm.host, "blue", ce1) })
	if got := e.lab.Attachments(vm.host); len(got) != 1 || got[0].VRF != "blue" || got[0].BGPVPN != vm.bgpvpn {
		t.Errorf("attachments of %s = %+v", vm.host, got)
	}
	if rts := cn.BGP().ImportRTs(); len(rts) != 1 || rts[0] != mustRT(t, e.tenantRT()) {
		t.Errorf("%s asks RT constraint for %v, want only %s", vm.host, rts, e.tenantRT())
	}
	for _, s := range e.lab.Sessions() {
		if s.A == vm.host && s.State != "Established" {
			t.Errorf("%s's session with %s is %s", vm.host, s.B, s.State)
		}
	}
	// show COMPUTE vrf lists the attachment; bgp vpnv4 the routes with
	// their encapsulation.
	_, text, err := e.lab.Show(vm.host, "vrf", "")
	if err != nil || !strings.Contains(text, "blue") || !strings.Contains(text, "attachment of bgpvpn "+vm.bgpvpn+", ports "+vm.addr.String()) {
		t.Errorf("show %s vrf: %v\n%s", vm.host, err, text)
	}
	if _, text, err = e.lab.Show(vm.host, "vrf blue routes", ""); err != nil || !strings.Contains(text, ce1.String()) {
		t.Errorf("show %s vrf blue routes: %v\n%s", vm.host, err, text)
	}
	if _, text, err = e.lab.Show(vm.host, "bgp vpnv4", ""); err != nil || !strings.Contains(text, vm.addr.String()) || !strings.Contains(text, "mpls-in-udp") {
		t.Errorf("show %s bgp vpnv4: %v\n%s", vm.host, err, text)
	}
}

// Two BGPVPNs with the same addresses: one with VPN tenant's route target,
// one with another. pe1's VRF tenant has the first one's VM only, and
// only the first one's VRF on the computes imports ce1's routes.
func TestASecondBGPVPNWithTheSameAddressesStaysApart(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	fixed := netip.MustParseAddr("192.168.50.10")
	blue := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", fixed)
	red := e.bgpvpnWithVM("red", []string{"65000:4242"}, "192.168.50.0/24", fixed)
	if blue.addr != fixed || red.addr != fixed {
		t.Fatalf("VMs at %v and %v, want both at %v", blue.addr, red.addr, fixed)
	}
	e.until("pe1 imports blue's VM", 5*time.Second, func() bool { _, ok := e.vpnRoute("pe1", "tenant", host32(fixed)); return ok })
	e.until("red's compute has its VRF", 5*time.Second, func() bool {
		n, _ := e.lab.Node(red.host)
		return n.VPNLabel("red") != 0
	})
	e.clk.Advance(2 * time.Second) // time for a wrong route to arrive
	blueCN, _ := e.lab.Node(blue.host)
	rt, _ := e.vpnRoute("pe1", "tenant", host32(fixed))
	for _, nh := range rt.Nexthops {
		if !slices.Equal(nh.Labels, []uint32{blueCN.VPNLabel("blue")}) {
			t.Errorf("pe1's route to %v = %+v, want blue's VPN label %d (on %s)", fixed, rt, blueCN.VPNLabel("blue"), blue.host)
		}
	}
	pe1, _ := e.lab.Node("pe1")
	n := 0
	for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix != host32(fixed) {
			continue
		}
		n++
		if r.NextHop != e.underlay(blue.host) || slices.Contains(r.Attrs.RouteTargets(), mustRT(t, "65000:4242")) {
			t.Errorf("pe1 holds %+v: want blue's route only (from %v); RT constraint keeps red's away", r, e.underlay(blue.host))
		}
	}
	if n == 0 {
		t.Errorf("pe1 has no VPNv4 route to %v", fixed)
	}
	ce1 := e.m.Node("ce1").Loopback
	e.until("blue's VRF imports ce1", 5*time.Second, func() bool { return e.has(blue.host, "blue", ce1) })
	if e.has(red.host, "red", ce1) {
		t.Errorf("red's VRF on %s imports ce1's loopback", red.host)
	}
}

func mustRT(t *testing.T, s string) bgp.ExtCommunity {
	rt, err := bgp.ParseRouteTarget(s)
	must(t, err)
	return rt
}

// Deleting the network association withdraws the VM's route from the
// WAN and leaves the compute with no VRF, no label in its LFIB, no VPN
// route and no session.
func TestRemovingTheAssociationLeavesNothingBehind(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	e.until("ce1 learns the VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	cn, _ := e.lab.Node(vm.host)
	label := cn.VPNLabel("blue")
	lfibBefore := cn.Router.LFIBLen()

	must(t, bgpvpns.DeleteNetworkAssociation(ctxT(t), e.demo("cloud3"), vm.bgpvpn, vm.assoc).ExtractErr())
	e.until("the route gone from pe1, pe2 and ce1", 5*time.Second, func() bool {
		return !e.has("pe1", "tenant", host32(vm.addr)) && !e.has("pe2", "tenant", host32(vm.addr)) && !e.has("ce1", "", host32(vm.addr))
	})
	if got := e.lab.Attachments(vm.host); len(got) != 0 {
		t.Errorf("attachments left on %s: %+v", vm.host, got)
	}
	if cn.VPNLabel("blue") != 0 {
		t.Errorf("%s still has VRF blue", vm.host)
	}
	for _, row := range cn.Router.LFIBTable() {
		if row.InLabel == label {
			t.Errorf("%s's LFIB still has %+v", vm.host, row)
		}
	}
	if got := cn.Router.LFIBLen(); got >= lfibBefore {
		t.Errorf("%s's LFIB has %d entries, had %d with the VRF", vm.host, got, lfibBefore)
	}
	if rs := cn.Router.RouteTable("blue").Routes; len(rs) != 0 {
		t.Errorf("%s's table blue still routes %+v", vm.host, rs)
	}
	for _, s := range e.lab.Sessions() {
		if s.A == vm.host {
			t.Errorf("session %s-%s still configured", s.A, s.B)
		}
	}
	if peers := cn.BGP().Summary(); len(peers) != 0 {
		t.Errorf("%s still has peers %+v", vm.host, peers)
	}
}

// A daemon restart in the middle: with the association live and ce1
// pinging the VM, the lab stops and a new one comes up from the same
// database with no Neutron call in between; it ends in the same state:
// the compute's VRF with the same RD and label, the VM's route on pe1 by
// that label, and ce1's pings answered again. (The daemon killed with
// SIGKILL: cmd/intercloud's TestKill9WithOption3LiveEndsInTheSameState.)
func TestARestartAfterTheAssociationEndsInTheSameState(t *testing.T) {
	dir := t.TempDir()
	m := loadModel(t, "")
	e := start(t, m, dir)
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	e.until("pe1 imports the VM's route", 5*time.Second, func() bool { return e.has("pe1", "tenant", host32(vm.addr)) })
	e.until("the compute imports ce1's loopback", 5*time.Second, func() bool { return e.has(vm.host, "blue", e.m.Node("ce1").Loopback) })
	e.until("ce1 learns the VM's route from pe1", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	if res := e.ping("ce1", vm.addr.String(), 2); res.Received != 2 {
		t.Fatalf("ping ce1 -> %v before the restart: %+v", vm.addr, res)
	}
	cn, _ := e.lab.Node(vm.host)
	label := cn.VPNLabel("blue")
	_, vrfBefore, err := e.lab.Show(vm.host, "vrf", "")
	must(t, err)
	e.stop()

	again := start(t, m, dir)
	again.until("pe1 imports the VM's route again", 5*time.Second, func() bool { return again.has("pe1", "tenant", host32(vm.addr)) })
	if got := again.lab.Attachments(vm.host); len(got) != 1 || got[0].VRF != "blue" || got[0].BGPVPN != vm.bgpvpn {
		t.Errorf("attachments of %s after the restart: %+v", vm.host, got)
	}
	cn, _ = again.lab.Node(vm.host)
	if got := cn.VPNLabel("blue"); got != label {
		t.Errorf("%s's VRF blue has label %d after the restart, %d before", vm.host, got, label)
	}
	if _, vrfAfter, err := again.lab.Show(vm.host, "vrf", ""); err != nil || vrfAfter != vrfBefore {
		t.Errorf("show %s vrf after the restart (%v):\n%s\nbefore:\n%s", vm.host, err, vrfAfter, vrfBefore)
	}
	rt, _ := again.vpnRoute("pe1", "tenant", host32(vm.addr))
	if len(rt.Nexthops) == 0 || !slices.Contains(rt.Nexthops[0].Labels, label) {
		t.Errorf("pe1's route after the restart %+v, want %s's label %d", rt, vm.host, label)
	}
	again.until("the compute imports ce1's loopback again", 5*time.Second, func() bool {
		return again.has(vm.host, "blue", again.m.Node("ce1").Loopback)
	})
	again.until("ce1 learns the VM's route from pe1 again", 5*time.Second, func() bool { return again.has("ce1", "", host32(vm.addr)) })
	if res := again.ping("ce1", vm.addr.String(), 2); res.Received != 2 {
		t.Errorf("ping ce1 -> %v after the restart: %+v", vm.addr, res)
	}
}

// Traffic: ce1 pings the VM across the core, in an IP tunnel (MPLS-in-UDP)
// between pe1 and the compute both ways: the compute runs no LDP and the
// WAN has no LSP to its underlay address. traceroute shows the compute
// as the hop before the VM.
func TestCE1PingsAVMOfTheBGPVPNAcrossIPTunnels(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	e.until("ce1 learns the VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	ce1 := e.m.Node("ce1").Loopback
	e.until("the compute imports ce1's loopback", 5*time.Second, func() bool { return e.has(vm.host, "blue", ce1) })
	if res := e.ping("ce1", vm.addr.String(), 3); res.Received != 3 {
		t.Fatalf("ping ce1 -> %v (on %s): %+v", vm.addr, vm.host, res)
	}
	rt, _ := e.vpnRoute("pe1", "tenant", host32(vm.addr))
	if len(rt.Nexthops) == 0 || rt.Nexthops[0].Tunnel == nil {
		t.Errorf("pe1 reaches the VM by %+v, want an IP tunnel", rt)
	}
	tr := e.trace("ce1", vm.addr.String())
	n := len(tr.Hops)
	if !tr.Reached || n < 2 || tr.Hops[n-1].Probes[0].From != vm.addr || tr.Hops[n-2].Probes[0].From != e.underlay(vm.host) {
		t.Errorf("trace ce1 -> VM: want %s (%v) then the VM last:\n%v", vm.host, e.underlay(vm.host), tr)
	}
}

// The seed lab as a user finds it: cloud3's initial networks include the
// admin's BGPVPN tenant (VPN tenant's route targets) with the demo
// project's network private associated, so a server booted on private
// is reached from both of the VPN's sites.
func TestAServerOnCloud3sPrivateNetworkJoinsVPNTenant(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	demo := e.demo("cloud3")
	pages, err := bgpvpns.List(e.admin("cloud3"), bgpvpns.ListOpts{}).AllPages(ctx)
	must(t, err)
	vpns, err := bgpvpns.ExtractBGPVPNs(pages)
	must(t, err)
	if len(vpns) != 1 || vpns[0].Name != "tenant" || !slices.Equal(vpns[0].RouteTargets, []string{e.tenantRT()}) || len(vpns[0].Networks) != 1 {
		t.Fatalf("cloud3's initial BGPVPNs: %+v", vpns)
	}
	npages, err := networks.List(demo, networks.ListOpts{Name: "private"}).AllPages(ctx)
	must(t, err)
	nets, err := networks.ExtractNetworks(npages)
	must(t, err)
	if len(nets) != 1 || vpns[0].Networks[0] != nets[0].ID {
		t.Fatalf("private %+v, associated %v", nets, vpns[0].Networks)
	}
	openDefaultGroup(t, ctx, demo)
	sv, err := servers.Create(ctx, e.compute("cloud3"), servers.CreateOpts{Name: "vm1", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nets[0].ID}}}, nil).Extract()
	must(t, err)
	ppages, err := ports.List(demo, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	ps, err := ports.ExtractPorts(ppages)
	must(t, err)
	addr := ps[0].FixedIPs[0].IPAddress
	e.until("ce1 and ce2 learn the server", 5*time.Second, func() bool {
		p := host32(netip.MustParseAddr(addr))
		return e.has("ce1", "", p) && e.has("ce2", "", p)
	})
	for _, ce := range []string{"ce1", "ce2"} {
		if res := e.ping(ce, addr, 2); res.Received != 2 {
			t.Errorf("ping %s -> vm1 %s: %+v", ce, addr, res)
		}
	}
}

// A port association (advertise_fixed_ips) brings one VM into the
// BGPVPN without its network, with the BGPVPN's local_pref; deleting the
// association withdraws it.
func TestAPortAssociationBringsItsPortsAddressInWithTheLocalPref(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "green"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: "192.168.60.0/24"}).Extract()
	must(t, err)
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "green", TenantID: nw.ProjectID, RouteTargets: []string{e.tenantRT()}, LocalPref: 300}).Extract()
	must(t, err)
	sv, err := servers.Create(ctx, e.compute("cloud3"), servers.CreateOpts{Name: "g1", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nw.ID}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(demo, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	ps, err := ports.ExtractPorts(pages)
	must(t, err)
	p := host32(netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress))
	pa, err := bgpvpns.CreatePortAssociation(ctx, demo, v.ID, bgpvpns.CreatePortAssociationOpts{PortID: ps[0].ID, AdvertiseFixedIPs: ptr(true)}).Extract()
	must(t, err)
	e.until("pe1 imports the port's address", 5*time.Second, func() bool { return e.has("pe1", "tenant", p) })
	pe1, _ := e.lab.Node("pe1")
	found := 0
	for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix != p {
			continue
		}
		found++
		if r.Attrs.LocalPref != 300 {
			t.Errorf("pe1's route %+v: local_pref %d, want the BGPVPN's 300", r.Key, r.Attrs.LocalPref)
		}
	}
	if found == 0 {
		t.Errorf("pe1 has no VPNv4 route to %v", p)
	}
	must(t, bgpvpns.DeletePortAssociation(ctx, demo, v.ID, pa.ID).ExtractErr())
	e.until("the route withdrawn", 5*time.Second, func() bool { return !e.has("pe1", "tenant", p) })
}

// Deleting the BGPVPN's last server on a compute (its port goes with it)
// withdraws the route and takes the compute's VRF and sessions away,
// while the association stays.
func TestDeletingTheLastServerTakesTheComputesAttachmentAway(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	e.until("pe1 imports the VM", 5*time.Second, func() bool { return e.has("pe1", "tenant", host32(vm.addr)) })
	ctx := ctxT(t)
	nova := e.compute("cloud3")
	pages, err := servers.List(nova, servers.ListOpts{Name: "blue-vm"}).AllPages(ctx)
	must(t, err)
	svs, err := servers.ExtractServers(pages)
	must(t, err)
	if len(svs) != 1 {
		t.Fatalf("servers named blue-vm: %+v", svs)
	}
	must(t, servers.Delete(ctx, nova, svs[0].ID).ExtractErr())
	e.until("the route gone from pe1", 5*time.Second, func() bool { return !e.has("pe1", "tenant", host32(vm.addr)) })
	if got := e.lab.Attachments(vm.host); len(got) != 0 {
		t.Errorf("attachments left on %s: %+v", vm.host, got)
	}
	for _, s := range e.lab.Sessions() {
		if s.A == vm.host {
			t.Errorf("session %s-%s still configured", s.A, s.B)
		}
	}
}
