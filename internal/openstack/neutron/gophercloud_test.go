package neutron

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/provider"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ptr[T any](v T) *T { return &v }

// networkWithProvider reads a network with the provider and external
// extensions' attributes.
type networkWithProvider struct {
	networks.Network
	provider.NetworkProviderExt
	external.NetworkExternalExt
	MTU int `json:"mtu"`
}

// createPublic makes, as the admin, the external flat network floating IPs
// and router gateways come from, with subnet 203.0.113.0/24.
func createPublic(t *testing.T, a *gophercloud.ServiceClient) (networkWithProvider, subnets.Subnet) {
	t.Helper()
	ctx := testCtx(t)
	opts := external.CreateOptsExt{
		CreateOptsBuilder: provider.CreateOptsExt{
			CreateOptsBuilder: networks.CreateOpts{Name: "public"},
			Segments:          []provider.Segment{{NetworkType: "flat", PhysicalNetwork: "physnet1"}},
		},
		External: ptr(true),
	}
	var net networkWithProvider
	if err := networks.Create(ctx, a, opts).ExtractInto(&net); err != nil {
		t.Fatalf("create public network: %v", err)
	}
	sn, err := subnets.Create(ctx, a, subnets.CreateOpts{
		NetworkID: net.ID, Name: "public-subnet", IPVersion: gophercloud.IPv4, CIDR: "203.0.113.0/24",
		EnableDHCP:      ptr(false),
		AllocationPools: []subnets.AllocationPool{{Start: "203.0.113.10", End: "203.0.113.200"}},
	}).Extract()
	if err != nil {
		t.Fatalf("create public subnet: %v", err)
	}
	return net, *sn
}

// TestGophercloudWorkflow is a tenant's day as automation lives it: a
// private network behind a router to the public network, a port, a
// floating IP on it, lists with filters and pagination.
func TestGophercloudWorkflow(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")

	pub, pubSubnet := createPublic(t, adm)
	if pub.NetworkType != "flat" || pub.PhysicalNetwork != "physnet1" || !pub.External || pub.MTU != 1500 || pub.Status != "ACTIVE" {
		t.Errorf("public network %+v", pub)
	}
	if pubSubnet.GatewayIP != "203.0.113.1" || len(pubSubnet.AllocationPools) != 1 || pubSubnet.AllocationPools[0].Start != "203.0.113.10" {
		t.Errorf("public subnet %+v", pubSubnet)
	}

	// The demo user's own network: VXLAN, allocated segment, MTU 1450,
	// provider attributes hidden from a member.
	var priv networkWithProvider
	if err := networks.Create(ctx, demo, networks.CreateOpts{Name: "private"}).ExtractInto(&priv); err != nil {
		t.Fatalf("create private network: %v", err)
	}
	if priv.MTU != 1450 || priv.NetworkType != "" || priv.ProjectID == "" || priv.TenantID != priv.ProjectID || !priv.AdminStateUp {
		t.Errorf("private network as the member sees it: %+v", priv)
	}
	var privAdmin networkWithProvider
	if err := networks.Get(ctx, adm, priv.ID).ExtractInto(&privAdmin); err != nil {
		t.Fatal(err)
	}
	if privAdmin.NetworkType != "vxlan" || privAdmin.SegmentationID != "1" {
		t.Errorf("private network as the admin sees it: type %q segment %q", privAdmin.NetworkType, privAdmin.SegmentationID)
	}
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{
		NetworkID: priv.ID, Name: "private-subnet", IPVersion: gophercloud.IPv4, CIDR: "10.0.0.0/24",
		DNSNameservers: []string{"9.9.9.9"},
	}).Extract()
	if err != nil {
		t.Fatalf("create private subnet: %v", err)
	}
	if sn.GatewayIP != "10.0.0.1" || !sn.EnableDHCP || len(sn.AllocationPools) != 1 ||
		sn.AllocationPools[0] != (subnets.AllocationPool{Start: "10.0.0.2", End: "10.0.0.254"}) ||
		!slices.Equal(sn.DNSNameservers, []string{"9.9.9.9"}) || sn.ProjectID != priv.ProjectID {
		t.Errorf("private subnet %+v", sn)
	}

	// A router with a gateway on the public network and an interface on
	// the private subnet.
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "router1", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	if err != nil {
		t.Fatalf("create router: %v", err)
	}
	gw := rt.GatewayInfo
	if gw.NetworkID != pub.ID || gw.EnableSNAT == nil || !*gw.EnableSNAT || len(gw.ExternalFixedIPs) != 1 ||
		gw.ExternalFixedIPs[0].IPAddress != "203.0.113.10" || gw.ExternalFixedIPs[0].SubnetID != pubSubnet.ID || rt.Status != "ACTIVE" {
		t.Errorf("router gateway %+v", gw)
	}
	iface, err := routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	if err != nil {
		t.Fatalf("add router interface: %v", err)
	}
	if iface.ID != rt.ID || iface.SubnetID != sn.ID || iface.PortID == "" || iface.TenantID != rt.TenantID {
		t.Errorf("add_router_interface answered %+v", iface)
	}
	rport, err := ports.Get(ctx, demo, iface.PortID).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if rport.DeviceOwner != "network:router_interface" || rport.DeviceID != rt.ID || len(rport.FixedIPs) != 1 ||
		rport.FixedIPs[0].IPAddress != "10.0.0.1" || rport.Status != "ACTIVE" {
		t.Errorf("router interface port %+v", rport)
	}
	gcError(t, "adding the same subnet again", routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Err,
		400, "BadRequest", "Bad router request: Router already has a port on subnet "+sn.ID+".")

	// A VM's port gets the first free address of the pool.
	vm, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: priv.ID, Name: "vm1", DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	if err != nil {
		t.Fatalf("create port: %v", err)
	}
	if len(vm.FixedIPs) != 1 || vm.FixedIPs[0].IPAddress != "10.0.0.2" || vm.FixedIPs[0].SubnetID != sn.ID ||
		!strings.HasPrefix(vm.MACAddress, "fa:16:3e:") || len(vm.MACAddress) != 17 || vm.Status != "ACTIVE" {
		t.Errorf("port %+v", vm)
	}
	fixed, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: priv.ID, Name: "fixed",
		FixedIPs: []ports.IP{{SubnetID: sn.ID, IPAddress: "10.0.0.50"}}}).Extract()
	if err != nil || fixed.FixedIPs[0].IPAddress != "10.0.0.50" || fixed.Status != "DOWN" {
		t.Errorf("port with a requested address: %+v, %v", fixed, err)
	}

	// A floating IP on the VM's port, through the router.
	fip, err := floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: vm.ID}).Extract()
	if err != nil {
		t.Fatalf("create floating IP: %v", err)
	}
	if fip.FloatingIP != "203.0.113.11" || fip.FixedIP != "10.0.0.2" || fip.RouterID != rt.ID || fip.PortID != vm.ID || fip.Status != "ACTIVE" {
		t.Errorf("floating IP %+v", fip)
	}
	code, body := raw(t, lb, demo, "GET", "/v2.0/floatingips/"+fip.ID, nil)
	details, _ := body["floatingip"].(map[string]any)["port_details"].(map[string]any)
	if code != 200 || details["device_id"] != "vm-1" || details["mac_address"] != vm.MACAddress || details["network_id"] != priv.ID {
		t.Errorf("floating IP port_details: %d %v", code, details)
	}
	// Disassociate and associate again.
	if f, err := floatingips.Update(ctx, demo, fip.ID, floatingips.UpdateOpts{PortID: new(string)}).Extract(); err != nil || f.PortID != "" || f.RouterID != "" || f.Status != "DOWN" {
		t.Errorf("disassociate: %+v, %v", f, err)
	}
	if f, err := floatingips.Update(ctx, demo, fip.ID, floatingips.UpdateOpts{PortID: &vm.ID}).Extract(); err != nil || f.PortID != vm.ID || f.RouterID != rt.ID {
		t.Errorf("associate: %+v, %v", f, err)
	}
	gcError(t, "remove the interface a floating IP needs", routers.RemoveInterface(ctx, demo, rt.ID, routers.RemoveInterfaceOpts{SubnetID: sn.ID}).Err,
		409, "RouterInterfaceInUseByFloatingIP", "Router interface for subnet "+sn.ID+" on router "+rt.ID+" cannot be deleted, as it is required by one or more floating IPs.")

	// Extra routes: the next hop must be on a connected subnet.
	routes := []routers.Route{{DestinationCIDR: "172.16.0.0/16", NextHop: "10.0.0.50"}}
	if r, err := routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{Routes: &routes}).Extract(); err != nil || len(r.Routes) != 1 || r.Routes[0].NextHop != "10.0.0.50" {
		t.Errorf("set routes: %+v, %v", r, err)
	}
	bad := []routers.Route{{DestinationCIDR: "172.17.0.0/16", NextHop: "192.168.99.1"}}
	gcError(t, "route via an unconnected next hop", routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{Routes: &bad}).Err,
		400, "InvalidRoutes", "Invalid format for routes: [{'destination': '172.17.0.0/16', 'nexthop': '192.168.99.1'}], the nexthop is not connected with router")

	// Lists: filters (a repeated value is OR), fields, pagination.
	for _, name := range []string{"n-a", "n-b", "n-c", "n-d"} {
		if _, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	all, err := networks.List(demo, networks.ListOpts{Name: "n-b"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := networks.ExtractNetworks(all); len(got) != 1 || got[0].Name != "n-b" {
		t.Errorf("filter name=n-b: %+v", got)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/networks?name=n-a&name=n-c&fields=name&fields=id&sort_key=name&sort_dir=desc", nil)
	list, _ := body["networks"].([]any)
	if code != 200 || len(list) != 2 || list[0].(map[string]any)["name"] != "n-c" || len(list[0].(map[string]any)) != 2 {
		t.Errorf("name=n-a&name=n-c with fields, sorted desc: %d %v", code, body)
	}
	// The member sees its 6 networks and the external one.
	var seen []string
	pages := 0
	err = networks.List(demo, networks.ListOpts{Limit: 2, SortKey: "name", SortDir: "asc"}).EachPage(ctx, func(_ context.Context, p pagination.Page) (bool, error) {
		pages++
		ns, err := networks.ExtractNetworks(p)
		for _, n := range ns {
			seen = append(seen, n.Name)
		}
		return true, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"n-a", "n-b", "n-c", "n-d", "private", "public"}; !slices.Equal(seen, want) || pages < 3 {
		t.Errorf("paged list (limit 2, by name) gave %v in %d pages, want %v", seen, pages, want)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/networks?limit=2&sort_key=name&sort_dir=asc", nil)
	links, _ := body["networks_links"].([]any)
	if code != 200 || len(links) != 2 {
		t.Fatalf("networks_links: %d %v", code, body)
	}
	next := links[0].(map[string]any)
	second := body["networks"].([]any)[1].(map[string]any)
	if next["rel"] != "next" || !strings.HasPrefix(next["href"].(string), lb.URL+"/cloud1/network/v2.0/networks?") ||
		!strings.Contains(next["href"].(string), "marker="+second["id"].(string)) {
		t.Errorf("next link %v", next)
	}

	// Ports filtered by fixed IP, as `openstack port list --fixed-ip` asks.
	code, body = raw(t, lb, demo, "GET", "/v2.0/ports?fixed_ips=ip_address%3D10.0.0.50", nil)
	if list, _ := body["ports"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != fixed.ID {
		t.Errorf("ports by fixed IP: %d %v", code, body)
	}

	// The lab's view.
	snap, err := lb.neutron["cloud1"].Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Networks) != 6 || len(snap.Subnets) != 2 || len(snap.Routers) != 1 || len(snap.FloatingIPs) != 1 ||
		len(snap.Ports) != 5 || snap.Routers[0].GatewayInfo.ExternalFixedIPs[0].IPAddress != "203.0.113.10" {
		t.Errorf("snapshot: %d networks %d subnets %d ports %d routers %d floating IPs",
			len(snap.Networks), len(snap.Subnets), len(snap.Ports), len(snap.Routers), len(snap.FloatingIPs))
	}
	if n := lb.changeCount("cloud1"); n < 15 {
		t.Errorf("OnChange called %d times", n)
	}
	if s2, _ := lb.neutron["cloud2"].Snapshot(ctx); len(s2.Networks) != 0 || lb.changeCount("cloud2") != 0 {
		t.Errorf("cloud2 sees cloud1's networks: %+v", s2)
	}

	// Tear down in Neutron's order.
	if err := floatingips.Delete(ctx, demo, fip.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if err := routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{Routes: &[]routers.Route{}}).Err; err != nil {
		t.Fatal(err)
	}
	if _, err := routers.RemoveInterface(ctx, demo, rt.ID, routers.RemoveInterfaceOpts{SubnetID: sn.ID}).Extract(); err != nil {
		t.Fatalf("remove interface: %v", err)
	}
	if err := routers.Delete(ctx, demo, rt.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{vm.ID, fixed.ID} {
		if err := ports.Delete(ctx, demo, p).ExtractErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := networks.Delete(ctx, demo, priv.ID).ExtractErr(); err != nil {
		t.Fatalf("delete network: %v", err)
	}
	if _, err := subnets.Get(ctx, demo, sn.ID).Extract(); !gophercloud.ResponseCodeIs(err, 404) {
		t.Errorf("subnet outlived its network: %v", err)
	}
	if snap, _ := lb.neutron["cloud1"].Snapshot(ctx); len(snap.Ports) != 0 {
		t.Errorf("ports left: %+v", snap.Ports)
	}
}
