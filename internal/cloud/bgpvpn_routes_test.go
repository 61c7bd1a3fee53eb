package cloud

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// portWithBinding is a port as an admin lists it, with its binding.
type portWithBinding struct {
	ports.Port
	portsbinding.PortsBindingExt
}

// A port association with a prefix route and advertise_fixed_ips false:
// the compute hosting the port advertises the prefix into the BGPVPN
// (its VRF's label, its underlay address as next hop, the route's
// local_pref) and not the port's own address; a packet from ce1 for the
// prefix crosses the core and the MPLS-in-UDP tunnel into the compute's
// VRF, where the prefix ends (traceroute: the compute, reached in the
// tunnel with its label, answers last). Deleting the association takes
// the route, the VRF and its local prefix away.
func TestAPortAssociationPrefixRouteIsAdvertisedFromThePortsCompute(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	adm, demo := e.admin("cloud3"), e.demo("cloud3")
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "green"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: "192.168.60.0/24"}).Extract()
	must(t, err)
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "green", TenantID: nw.ProjectID, RouteTargets: []string{e.tenantRT()}}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, demo)
	sv, err := servers.Create(ctx, e.compute("cloud3"), servers.CreateOpts{Name: "router-vm", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nw.ID}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(adm, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []portWithBinding
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 {
		t.Fatalf("router-vm's ports: %+v", ps)
	}
	host, vmAddr := ps[0].HostID, netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress)
	behind := netip.MustParsePrefix("10.60.0.0/24")
	pa, err := bgpvpns.CreatePortAssociation(ctx, demo, v.ID, bgpvpns.CreatePortAssociationOpts{PortID: ps[0].ID, AdvertiseFixedIPs: ptr(false),
		Routes: []bgpvpns.PortRoutes{{Type: "prefix", Prefix: behind.String(), LocalPref: ptr(250)}}}).Extract()
	must(t, err)

	e.until("pe1 imports the prefix", 5*time.Second, func() bool { return e.has("pe1", "tenant", behind) })
	cn, _ := e.lab.Node(host)
	label := cn.VPNLabel("green")
	if label == 0 {
		t.Fatalf("%s has no VRF green: %+v", host, e.lab.Attachments(host))
	}
	pe1, _ := e.lab.Node("pe1")
	var got *bgp.Route
	for _, r := range pe1.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix == behind {
			got = &r
		}
		if r.Key.Prefix == host32(vmAddr) {
			t.Errorf("pe1 holds the port's own address %v although advertise_fixed_ips is false: %+v", vmAddr, r)
		}
	}
	if got == nil || got.NextHop != e.underlay(host) || got.Label != label || got.Attrs.LocalPref != 250 {
		t.Fatalf("pe1's VPNv4 route to %v = %+v, want next hop %v (%s), label %d, local_pref 250", behind, got, e.underlay(host), host, label)
	}
	rt, _ := e.vpnRoute("pe1", "tenant", behind)
	if len(rt.Nexthops) == 0 || rt.Nexthops[0].Tunnel == nil || !slices.Contains(rt.Nexthops[0].Labels, label) {
		t.Errorf("pe1's VRF route to %v = %+v, want an IP tunnel to %s with label %d", behind, rt, host, label)
	}
	e.until("ce1 learns the prefix", 5*time.Second, func() bool { return e.has("ce1", "", behind) })
	e.clk.Advance(2 * time.Second) // time for a wrong route to arrive
	if e.has("pe1", "tenant", host32(vmAddr)) {
		t.Errorf("pe1's VRF tenant routes %v: advertise_fixed_ips false must keep the port's address out", vmAddr)
	}

	// Forwarding: a packet for the prefix reaches the compute, in the
	// tunnel from pe1 with the VRF's label, and ends there: the compute
	// answers unreachable for an address no VM of the lab holds.
	dst := netip.MustParseAddr("10.60.0.7")
	tr := e.trace("ce1", dst.String())
	n := len(tr.Hops)
	if n < 2 {
		t.Fatalf("trace ce1 -> %v: %v", dst, tr)
	}
	in, last := tr.Hops[n-2].Probes[0], tr.Hops[n-1].Probes[0]
	via := "mpls-in-udp " + e.m.Node("pe1").Loopback.Addr().String() + " > " + e.underlay(host).String()
	if in.From != e.underlay(host) || len(in.Labels) != 1 || in.Labels[0].Label != label || in.Via != via {
		t.Errorf("trace ce1 -> %v: hop %+v, want %s (%v) reached %q with label %d:\n%v", dst, in, host, e.underlay(host), via, label, tr)
	}
	if last.From != e.underlay(host) || last.Flag == "" {
		t.Errorf("trace ce1 -> %v ends at %+v, want an unreachable from %s:\n%v", dst, last, host, tr)
	}

	must(t, bgpvpns.DeletePortAssociation(ctx, demo, v.ID, pa.ID).ExtractErr())
	e.until("the prefix withdrawn from pe1 and ce1", 5*time.Second, func() bool { return !e.has("pe1", "tenant", behind) && !e.has("ce1", "", behind) })
	if got := e.lab.Attachments(host); len(got) != 0 {
		t.Errorf("attachments left on %s: %+v", host, got)
	}
	if rs := cn.Router.RouteTable("green").Routes; len(rs) != 0 {
		t.Errorf("%s's table green still routes %+v", host, rs)
	}
	for _, row := range cn.Router.LFIBTable() {
		if row.InLabel == label {
			t.Errorf("%s's LFIB still has %+v", host, row)
		}
	}
}

// What a port association gives the lab, from Neutron's state: the
// port's fixed IPs only with advertise_fixed_ips, its prefix routes with
// their own local_pref or none (the BGPVPN's then applies), routes of
// type bgpvpn and malformed or IPv6 prefixes left out, and nothing for a
// port that is not a VM's.
func TestPortAssociationRoutesAsTheLabGetsThem(t *testing.T) {
	lp := func(v int64) *int64 { return &v }
	vm := neutron.Port{NetworkID: "n1", DeviceOwner: "compute:nova",
		FixedIPs: []neutron.FixedIP{{SubnetID: "s6", IPAddress: "2001:db8::5"}, {SubnetID: "s1", IPAddress: "192.168.60.5"}}}
	vm.ID, vm.HostID = "p1", "cloud3-cn2"
	dhcp := neutron.Port{NetworkID: "n1", DeviceOwner: "network:dhcp", FixedIPs: []neutron.FixedIP{{SubnetID: "s1", IPAddress: "192.168.60.2"}}}
	dhcp.ID = "p2"
	bgpvpn := neutron.BGPVPN{Type: neutron.BGPVPNTypeL3, RouteTargets: []string{"65000:1"}, LocalPref: lp(120)}
	bgpvpn.ID, bgpvpn.Name = "v1", "green"
	routes := []neutron.BGPVPNPortRoute{
		{Type: neutron.RouteTypePrefix, Prefix: "10.60.0.0/24", LocalPref: lp(250)},
		{Type: neutron.RouteTypePrefix, Prefix: "10.61.0.9/16"},
		{Type: neutron.RouteTypePrefix, Prefix: "2001:db8:1::/48"},
		{Type: neutron.RouteTypePrefix, Prefix: "not-a-prefix"},
		{Type: neutron.RouteTypeBGPVPN, BGPVPNID: "v2", LocalPref: lp(300)},
	}
	via := lab.CloudVM{Addr: netip.MustParseAddr("192.168.60.5"), Port: "p1", Host: "cloud3-cn2"}
	wantRoutes := []lab.CloudVPNRoute{
		{Prefix: netip.MustParsePrefix("10.60.0.0/24"), Port: via, LocalPref: 250},
		{Prefix: netip.MustParsePrefix("10.61.0.0/16"), Port: via},
	}
	for _, tc := range []struct {
		name       string
		port       neutron.Port
		advertise  bool
		wantPorts  []lab.CloudVM
		wantRoutes []lab.CloudVPNRoute
	}{
		{"advertise_fixed_ips true", vm, true, []lab.CloudVM{via}, wantRoutes},
		{"advertise_fixed_ips false", vm, false, nil, wantRoutes},
		{"not a VM's port", dhcp, true, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := neutron.BGPVPNPortAssociation{BGPVPNID: "v1", PortID: tc.port.ID, AdvertiseFixedIPs: tc.advertise, Routes: routes}
			st := neutron.State{Ports: []neutron.Port{tc.port}, BGPVPNs: []neutron.BGPVPN{bgpvpn}, BGPVPNPortAssociations: []neutron.BGPVPNPortAssociation{as}}
			got := bgpvpnAttachments(st)
			if tc.wantPorts == nil && tc.wantRoutes == nil {
				if len(got) != 0 {
					t.Fatalf("attachments %+v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("attachments %+v, want one", got)
			}
			if !slices.Equal(got[0].Ports, tc.wantPorts) || !slices.Equal(got[0].Routes, tc.wantRoutes) || got[0].LocalPref != 120 {
				t.Errorf("attachment %+v\nwant ports %+v, routes %+v, local_pref 120", got[0], tc.wantPorts, tc.wantRoutes)
			}
		})
	}
}
