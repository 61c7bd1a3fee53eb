package cloud

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/topology"
)

// readvertisedAt is pe1's VPNv4 route to p whose next hop is via (a
// compute readvertising it), nil when there is none.
func (e *env) readvertisedAt(p netip.Prefix, via netip.Addr) *bgp.Route {
	return e.vpnv4At("pe1", p, via)
}

// vpnv4At is node's VPNv4 route to p whose next hop is via, nil when
// there is none.
func (e *env) vpnv4At(node string, p netip.Prefix, via netip.Addr) *bgp.Route {
	n, _ := e.lab.Node(node)
	for _, r := range n.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix == p && r.NextHop == via {
			return &r
		}
	}
	return nil
}

// A port association on BGPVPN green (VPN tenant's route target) whose
// route of type bgpvpn names BGPVPN blue (a route target of its own):
// the compute hosting the port learns blue's routes — its VM's address
// and a prefix route of blue's — and readvertises each into green from
// green's VRF, with that VRF's label, its underlay address as next hop
// and the route's local_pref; pe1 imports them into VRF tenant, ce1
// learns them, and ce1's traceroute to blue's prefix ends on the compute,
// reached in the tunnel with green's label. Blue losing its prefix route
// withdraws that one only; deleting the association withdraws the rest.
// A tenant naming a BGPVPN it cannot see is refused as the real server
// refuses it.
func TestAPortAssociationReadvertisesAnotherBGPVPNsRoutesThroughItsPort(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	blue := e.bgpvpnWithVM("blue", []string{"65000:777"}, "192.168.71.0/24", netip.Addr{})
	rr := e.reflectorOf(blue.host)
	e.until("blue's VM route reaches the reflector", 5*time.Second, func() bool {
		return e.vpnv4At(rr, host32(blue.addr), e.underlay(blue.host)) != nil
	})
	bluePorts := e.portsOn(blue.network)
	behind := netip.MustParsePrefix("10.70.0.0/24")
	bpa, err := bgpvpns.CreatePortAssociation(ctx, demo, blue.bgpvpn, bgpvpns.CreatePortAssociationOpts{PortID: bluePorts[0].ID,
		Routes: []bgpvpns.PortRoutes{{Type: "prefix", Prefix: behind.String()}}}).Extract()
	must(t, err)

	// Green, and a service VM's port on the other compute.
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "green"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: "192.168.60.0/24"}).Extract()
	must(t, err)
	green, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "green", TenantID: nw.ProjectID, RouteTargets: []string{e.tenantRT()}}).Extract()
	must(t, err)
	host := "cloud3-cn1"
	if blue.host == host {
		host = "cloud3-cn2"
	}
	fwAddr := netip.MustParseAddr("192.168.60.9")
	fw, err := ports.Create(ctx, adm, portsbinding.CreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: nw.ID, ProjectID: nw.ProjectID,
		DeviceID: "fw-vm", DeviceOwner: "compute:nova", FixedIPs: []ports.IP{{IPAddress: fwAddr.String()}}}, HostID: host}).Extract()
	must(t, err)

	// The API refuses a BGPVPN the tenant cannot see (another project's),
	// as networking-bgpvpn does: 400, "does not exist".
	hidden, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "hidden", RouteTargets: []string{"65000:778"}}).Extract()
	must(t, err)
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, green.ID, bgpvpns.CreatePortAssociationOpts{PortID: fw.ID,
		Routes: []bgpvpns.PortRoutes{{Type: "bgpvpn", BGPVPNID: hidden.ID}}}).Extract()
	var ue gophercloud.ErrUnexpectedResponseCode
	if !errors.As(err, &ue) || ue.Actual != 400 || !strings.Contains(string(ue.Body), "BGPVPNPortAssocRouteNoSuchBGPVPN") {
		t.Errorf("leaking another project's BGPVPN: %v, want 400 BGPVPNPortAssocRouteNoSuchBGPVPN", err)
	}

	pa, err := bgpvpns.CreatePortAssociation(ctx, demo, green.ID, bgpvpns.CreatePortAssociationOpts{PortID: fw.ID, AdvertiseFixedIPs: ptr(false),
		Routes: []bgpvpns.PortRoutes{{Type: "bgpvpn", BGPVPNID: blue.bgpvpn, LocalPref: ptr(300)}}}).Extract()
	must(t, err)
	via := e.underlay(host)
	e.until("pe1 imports blue's routes into tenant", 5*time.Second, func() bool {
		return e.has("pe1", "tenant", host32(blue.addr)) && e.has("pe1", "tenant", behind)
	})
	cn, _ := e.lab.Node(host)
	label := cn.VPNLabel("green")
	if label == 0 {
		t.Fatalf("%s has no VRF green: %+v", host, e.lab.Attachments(host))
	}
	for _, p := range []netip.Prefix{host32(blue.addr), behind} {
		got := e.readvertisedAt(p, via)
		if got == nil || got.Label != label || got.Attrs.LocalPref != 300 || !slices.Contains(got.Attrs.RouteTargets(), mustRT(t, e.tenantRT())) {
			t.Errorf("pe1's VPNv4 route to %v via %v = %+v, want label %d, local_pref 300, route target %s", p, via, got, label, e.tenantRT())
		}
		rt, _ := e.vpnRoute("pe1", "tenant", p)
		if len(rt.Nexthops) == 0 || rt.Nexthops[0].Tunnel == nil || !slices.Contains(rt.Nexthops[0].Labels, label) {
			t.Errorf("pe1's VRF route to %v = %+v, want an IP tunnel to %s with label %d", p, rt, host, label)
		}
	}
	_, text, err := e.lab.Show(host, "vrf", "")
	must(t, err)
	if want := "vrf green: readvertises " + behind.String() + ", " + host32(blue.addr).String(); !strings.Contains(text, want) {
		t.Errorf("show %s vrf:\n%s\nwant a line %q", host, text, want)
	}
	e.until("ce1 learns blue's prefix", 5*time.Second, func() bool { return e.has("ce1", "", behind) })
	e.clk.Advance(2 * time.Second) // time for a wrong route to arrive
	if e.has("pe1", "tenant", host32(fwAddr)) {
		t.Errorf("pe1's VRF tenant routes the port's own address %v", fwAddr)
	}
	if e.vpnv4At(rr, host32(blue.addr), e.underlay(blue.host)) == nil {
		t.Errorf("blue's own route to %v from %s is gone", blue.addr, blue.host)
	}

	// A packet of green for blue's prefix comes to the compute in the
	// tunnel from pe1 with green's label and ends there.
	dst := netip.MustParseAddr("10.70.0.7")
	tr := e.trace("ce1", dst.String())
	n := len(tr.Hops)
	if n < 2 {
		t.Fatalf("trace ce1 -> %v: %v", dst, tr)
	}
	in, last := tr.Hops[n-2].Probes[0], tr.Hops[n-1].Probes[0]
	tunnel := "mpls-in-udp " + e.m.Node("pe1").Loopback.Addr().String() + " > " + via.String()
	if in.From != via || len(in.Labels) != 1 || in.Labels[0].Label != label || in.Via != tunnel {
		t.Errorf("trace ce1 -> %v: hop %+v, want %s (%v) reached %q with label %d:\n%v", dst, in, host, via, tunnel, label, tr)
	}
	if last.From != via || last.Flag == "" {
		t.Errorf("trace ce1 -> %v ends at %+v, want an unreachable from %s:\n%v", dst, last, host, tr)
	}

	// Blue loses its prefix route: green loses it too, and keeps the VM's.
	must(t, bgpvpns.DeletePortAssociation(ctx, demo, blue.bgpvpn, bpa.ID).ExtractErr())
	e.until("blue's prefix withdrawn from pe1 and ce1", 5*time.Second, func() bool {
		return !e.has("pe1", "tenant", behind) && !e.has("ce1", "", behind)
	})
	if !e.has("pe1", "tenant", host32(blue.addr)) {
		t.Errorf("pe1 lost blue's VM address %v with blue's prefix route", blue.addr)
	}
	if slices.Contains(cn.Router.Locals("green"), behind) {
		t.Errorf("%s's VRF green still ends %v", host, behind)
	}

	// Deleting the association withdraws the rest and the VRF.
	must(t, bgpvpns.DeletePortAssociation(ctx, demo, green.ID, pa.ID).ExtractErr())
	e.until("blue's VM address withdrawn from pe1's tenant", 5*time.Second, func() bool { return !e.has("pe1", "tenant", host32(blue.addr)) })
	if got := e.lab.Attachments(host); len(got) != 0 {
		t.Errorf("attachments left on %s: %+v", host, got)
	}
	if got := cn.Router.Locals("green"); len(got) != 0 {
		t.Errorf("%s's VRF green still ends %v", host, got)
	}
	for _, row := range cn.Router.LFIBTable() {
		if row.InLabel == label {
			t.Errorf("%s's LFIB still has %+v", host, row)
		}
	}
}

// reflectorOf is the first route reflector a compute peers with.
func (e *env) reflectorOf(compute string) string {
	for _, s := range e.m.Sessions {
		if s.Kind == topology.SessionCloudCore && s.A == compute {
			return s.B
		}
	}
	e.t.Fatalf("%s peers with no reflector", compute)
	return ""
}

// portsOn lists the VM ports of a network, as the admin sees them.
func (e *env) portsOn(network string) []ports.Port {
	e.t.Helper()
	pages, err := ports.List(e.admin("cloud3"), ports.ListOpts{NetworkID: network, DeviceOwner: "compute:nova"}).AllPages(ctxT(e.t))
	must(e.t, err)
	ps, err := ports.ExtractPorts(pages)
	must(e.t, err)
	if len(ps) == 0 {
		e.t.Fatalf("no VM port on network %s", network)
	}
	return ps
}

// What a port association's routes of type bgpvpn give the lab, from
// Neutron's state: the named l3 BGPVPN's route_targets and
// export_targets (not its import_targets) with the route's local_pref or
// none, through the port's first IPv4 address; nothing for a BGPVPN that
// is gone, of type l2, the associated one itself, or one with no route
// target to export with, nor for a port that is not a VM's.
func TestPortAssociationBGPVPNRoutesAsTheLabGetsThem(t *testing.T) {
	lp := func(v int64) *int64 { return &v }
	vm := neutron.Port{NetworkID: "n1", DeviceOwner: "compute:nova",
		FixedIPs: []neutron.FixedIP{{SubnetID: "s6", IPAddress: "2001:db8::5"}, {SubnetID: "s1", IPAddress: "192.168.60.5"}}}
	vm.ID, vm.HostID = "p1", "cloud3-cn2"
	dhcp := neutron.Port{NetworkID: "n1", DeviceOwner: "network:dhcp", FixedIPs: []neutron.FixedIP{{SubnetID: "s1", IPAddress: "192.168.60.2"}}}
	dhcp.ID = "p2"
	x := neutron.BGPVPN{Type: neutron.BGPVPNTypeL3, RouteTargets: []string{"65000:1"}, LocalPref: lp(120)}
	x.ID, x.Name = "x", "green"
	y := neutron.BGPVPN{Type: neutron.BGPVPNTypeL3, RouteTargets: []string{"65000:2"}, ExportTargets: []string{"65000:3"}, ImportTargets: []string{"65000:4"}}
	y.ID = "y"
	z := neutron.BGPVPN{Type: neutron.BGPVPNTypeL3, RouteTargets: []string{"65000:5"}}
	z.ID = "z"
	l2 := neutron.BGPVPN{Type: neutron.BGPVPNTypeL2, RouteTargets: []string{"65000:6"}}
	l2.ID = "l2"
	importOnly := neutron.BGPVPN{Type: neutron.BGPVPNTypeL3, ImportTargets: []string{"65000:7"}}
	importOnly.ID = "io"
	routes := []neutron.BGPVPNPortRoute{
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "y", LocalPref: lp(300)},
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "z"},
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "gone"},
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "l2"},
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "x"},
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "io"},
	}
	via := lab.CloudVM{Addr: netip.MustParseAddr("192.168.60.5"), Port: "p1", Host: "cloud3-cn2"}
	for _, tc := range []struct {
		name string
		port neutron.Port
		want []lab.CloudVPNLeak
	}{
		{"a VM's port", vm, []lab.CloudVPNLeak{
			{BGPVPN: "y", RTs: []string{"65000:2", "65000:3"}, Port: via, LocalPref: 300},
			{BGPVPN: "z", RTs: []string{"65000:5"}, Port: via},
		}},
		{"not a VM's port", dhcp, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := neutron.BGPVPNPortAssociation{BGPVPNID: "x", PortID: tc.port.ID, AdvertiseFixedIPs: false, Routes: routes}
			st := neutron.State{Ports: []neutron.Port{tc.port}, BGPVPNs: []neutron.BGPVPN{x, y, z, l2, importOnly},
				BGPVPNPortAssociations: []neutron.BGPVPNPortAssociation{as}}
			got := bgpvpnAttachments(st)
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("attachments %+v, want none", got)
				}
				return
			}
			if len(got) != 1 || got[0].ID != "x" {
				t.Fatalf("attachments %+v, want x's only", got)
			}
			if len(got[0].Ports) != 0 || len(got[0].Routes) != 0 || got[0].LocalPref != 120 ||
				!slices.EqualFunc(got[0].Leaks, tc.want, func(a, b lab.CloudVPNLeak) bool {
					return a.BGPVPN == b.BGPVPN && slices.Equal(a.RTs, b.RTs) && a.Port == b.Port && a.LocalPref == b.LocalPref
				}) {
				t.Errorf("attachment %+v\nwant no port, no prefix route, local_pref 120, leaks %+v", got[0], tc.want)
			}
		})
	}
}

// A daemon restart with a port association readvertising another
// BGPVPN: the lab stops and a new one comes up from the same database
// with no Neutron call in between, and ends in the same state — the
// service port's compute readvertises blue's VM into green again, pe1
// importing it by the same label from the same next hop, and the
// compute's show vrf is as before.
func TestARestartWithABGPVPNRouteEndsInTheSameState(t *testing.T) {
	dir := t.TempDir()
	m := loadModel(t, "")
	e := start(t, m, dir)
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	blue := e.bgpvpnWithVM("blue", []string{"65000:777"}, "192.168.71.0/24", netip.Addr{})
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "green"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: "192.168.60.0/24"}).Extract()
	must(t, err)
	green, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "green", TenantID: nw.ProjectID, RouteTargets: []string{e.tenantRT()}}).Extract()
	must(t, err)
	host := "cloud3-cn1"
	if blue.host == host {
		host = "cloud3-cn2"
	}
	fw, err := ports.Create(ctx, adm, portsbinding.CreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: nw.ID, ProjectID: nw.ProjectID,
		DeviceID: "fw-vm", DeviceOwner: "compute:nova", FixedIPs: []ports.IP{{IPAddress: "192.168.60.9"}}}, HostID: host}).Extract()
	must(t, err)
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, green.ID, bgpvpns.CreatePortAssociationOpts{PortID: fw.ID, AdvertiseFixedIPs: ptr(false),
		Routes: []bgpvpns.PortRoutes{{Type: "bgpvpn", BGPVPNID: blue.bgpvpn}}}).Extract()
	must(t, err)
	via := e.underlay(host)
	e.until("pe1 imports blue's VM into tenant from the service port's compute", 5*time.Second, func() bool {
		return e.has("pe1", "tenant", host32(blue.addr)) && e.readvertisedAt(host32(blue.addr), via) != nil
	})
	cn, _ := e.lab.Node(host)
	label := cn.VPNLabel("green")
	_, before, err := e.lab.Show(host, "vrf", "")
	must(t, err)
	if !strings.Contains(before, "readvertises "+host32(blue.addr).String()) {
		t.Fatalf("show %s vrf before the restart:\n%s", host, before)
	}
	e.stop()

	again := start(t, m, dir)
	again.until("pe1 imports blue's VM from the compute again", 5*time.Second, func() bool {
		r := again.readvertisedAt(host32(blue.addr), via)
		return again.has("pe1", "tenant", host32(blue.addr)) && r != nil
	})
	cn, _ = again.lab.Node(host)
	if r := again.readvertisedAt(host32(blue.addr), via); r == nil || r.Label != label || cn.VPNLabel("green") != label {
		t.Errorf("pe1's route after the restart %+v, want %s's label %d (VRF green's is %d)", r, host, label, cn.VPNLabel("green"))
	}
	if _, after, err := again.lab.Show(host, "vrf", ""); err != nil || after != before {
		t.Errorf("show %s vrf after the restart (%v):\n%s\nbefore:\n%s", host, err, after, before)
	}
}
