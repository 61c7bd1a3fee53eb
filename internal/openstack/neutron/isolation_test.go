package neutron

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

func listNetworkNames(t *testing.T, c *gophercloud.ServiceClient) []string {
	t.Helper()
	pages, err := networks.List(c, networks.ListOpts{SortKey: "name", SortDir: "asc"}).AllPages(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := networks.ExtractNetworks(pages)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range ns {
		names = append(names, n.Name)
	}
	return names
}

// TestProjectIsolation checks what members of two projects and the admin
// see of each other's resources.
func TestProjectIsolation(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, d1, d2 := lb.admin(t), lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	pub, _ := createPublic(t, adm)

	n1, err := networks.Create(ctx, d1, networks.CreateOpts{Name: "d1-net"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	s1, err := subnets.Create(ctx, d1, subnets.CreateOpts{NetworkID: n1.ID, IPVersion: 4, CIDR: "10.1.0.0/24"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	p1, err := ports.Create(ctx, d1, ports.CreateOpts{NetworkID: n1.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	r1, err := routers.Create(ctx, d1, routers.CreateOpts{Name: "d1-router"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	// The second project's network may overlap the first's: addresses
	// are per network.
	n2, err := networks.Create(ctx, d2, networks.CreateOpts{Name: "d2-net"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subnets.Create(ctx, d2, subnets.CreateOpts{NetworkID: n2.ID, IPVersion: 4, CIDR: "10.1.0.0/24"}).Extract(); err != nil {
		t.Fatalf("overlapping subnet in another project's network: %v", err)
	}

	if got := listNetworkNames(t, d1); len(got) != 2 || got[0] != "d1-net" || got[1] != "public" {
		t.Errorf("demo-cloud1 lists %v, want its own and the external network", got)
	}
	if got := listNetworkNames(t, d2); len(got) != 2 || got[0] != "d2-net" || got[1] != "public" {
		t.Errorf("demo-cloud2 lists %v", got)
	}
	if got := listNetworkNames(t, adm); len(got) != 3 {
		t.Errorf("admin lists %v, want all three", got)
	}

	// Another project's resources do not exist for a member.
	gcError(t, "show another project's network", networks.Get(ctx, d2, n1.ID).Err, 404, "NetworkNotFound", "Network "+n1.ID+" could not be found.")
	gcError(t, "update another project's network", networks.Update(ctx, d2, n1.ID, networks.UpdateOpts{Name: ptr("mine")}).Err,
		404, "NetworkNotFound", "Network "+n1.ID+" could not be found.")
	gcError(t, "delete another project's network", networks.Delete(ctx, d2, n1.ID).Err, 404, "NetworkNotFound", "Network "+n1.ID+" could not be found.")
	gcError(t, "show another project's subnet", subnets.Get(ctx, d2, s1.ID).Err, 404, "SubnetNotFound", "Subnet "+s1.ID+" could not be found.")
	gcError(t, "show another project's port", ports.Get(ctx, d2, p1.ID).Err, 404, "PortNotFound", "Port "+p1.ID+" could not be found.")
	gcError(t, "show another project's router", routers.Get(ctx, d2, r1.ID).Err, 404, "RouterNotFound", "Router "+r1.ID+" could not be found")
	gcError(t, "port on another project's network", ports.Create(ctx, d2, ports.CreateOpts{NetworkID: n1.ID}).Err,
		404, "NetworkNotFound", "Network "+n1.ID+" could not be found.")
	gcError(t, "interface on another project's router", routers.AddInterface(ctx, d2, r1.ID, routers.AddInterfaceOpts{SubnetID: s1.ID}).Err,
		404, "RouterNotFound", "Router "+r1.ID+" could not be found")
	pages, err := ports.List(d2, ports.ListOpts{}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ps, _ := ports.ExtractPorts(pages); len(ps) != 0 {
		t.Errorf("demo-cloud2 lists ports %+v", ps)
	}
	// A filter on another project's id finds nothing.
	code, body := raw(t, lb, d2, "GET", "/v2.0/networks?project_id="+n1.ProjectID, nil)
	if list, _ := body["networks"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("filtering on another project: %d %v", code, body)
	}

	// A member may not create for another project; the admin may.
	gcError(t, "member creates for another project", networks.Create(ctx, d1, networks.CreateOpts{Name: "x", ProjectID: n2.ProjectID}).Err,
		400, "HTTPBadRequest", "Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
	code, body = raw(t, lb, d1, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"project_id": n1.ProjectID, "tenant_id": n2.ProjectID}})
	wantNeutronError(t, "project_id and tenant_id differ", code, body, 400, "HTTPBadRequest", "'project_id' and 'tenant_id' do not match")
	forD2, err := networks.Create(ctx, adm, networks.CreateOpts{Name: "made-by-admin", ProjectID: n2.ProjectID}).Extract()
	if err != nil || forD2.ProjectID != n2.ProjectID || forD2.TenantID != n2.ProjectID {
		t.Fatalf("admin creates for demo-cloud2: %+v, %v", forD2, err)
	}
	if _, err := networks.Get(ctx, d2, forD2.ID).Extract(); err != nil {
		t.Errorf("demo-cloud2 cannot see the network the admin made for it: %v", err)
	}

	// Admin-only attributes.
	code, body = raw(t, lb, d1, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "prov", "provider:network_type": "vlan"}})
	wantNeutronError(t, "member sets a provider attribute", code, body, 403, "PolicyNotAuthorized",
		"(rule:create_network and rule:create_network:provider:network_type) is disallowed by policy")
	code, body = raw(t, lb, d1, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "s", "shared": true}})
	wantNeutronError(t, "member shares a network", code, body, 403, "PolicyNotAuthorized",
		"(rule:create_network and rule:create_network:shared) is disallowed by policy")
	code, body = raw(t, lb, d1, "GET", "/v2.0/networks/"+pub.ID, nil)
	if net, _ := body["network"].(map[string]any); code != 200 || net["router:external"] != true || net["provider:network_type"] != nil {
		t.Errorf("member's view of the external network: %d %v", code, body)
	}
	if _, has := body["network"].(map[string]any)["provider:physical_network"]; has {
		t.Errorf("member sees provider:physical_network")
	}

	// A shared network: every project sees it and may attach ports, only
	// its owner (or the admin) changes it.
	shared, err := networks.Create(ctx, adm, networks.CreateOpts{Name: "shared", Shared: ptr(true)}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: shared.ID, IPVersion: 4, CIDR: "192.168.50.0/24"}).Extract(); err != nil {
		t.Fatal(err)
	}
	if p, err := ports.Create(ctx, d2, ports.CreateOpts{NetworkID: shared.ID}).Extract(); err != nil || p.FixedIPs[0].IPAddress != "192.168.50.2" {
		t.Errorf("member's port on the shared network: %+v, %v", p, err)
	}
	gcError(t, "member deletes the shared network", networks.Delete(ctx, d2, shared.ID).Err, 403, "PolicyNotAuthorized", "rule:delete_network is disallowed by policy")
	gcError(t, "member adds a subnet to the shared network",
		subnets.Create(ctx, d2, subnets.CreateOpts{NetworkID: shared.ID, IPVersion: 4, CIDR: "192.168.51.0/24"}).Err,
		403, "PolicyNotAuthorized", "rule:create_subnet is disallowed by policy")
	gcError(t, "member picks an address on the shared network",
		ports.Create(ctx, d2, ports.CreateOpts{NetworkID: shared.ID, FixedIPs: []ports.IP{{IPAddress: "192.168.50.9"}}}).Err,
		403, "PolicyNotAuthorized", "(rule:create_port and (rule:create_port:fixed_ips and (rule:create_port:fixed_ips:ip_address))) is disallowed by policy")

	// Floating IPs: a member may not pick the address, nor see others'.
	gcError(t, "member picks a floating IP address",
		floatingips.Create(ctx, d1, floatingips.CreateOpts{FloatingNetworkID: pub.ID, FloatingIP: "203.0.113.99"}).Err,
		403, "PolicyNotAuthorized", "(rule:create_floatingip and rule:create_floatingip:floating_ip_address) is disallowed by policy")
	fip, err := floatingips.Create(ctx, d1, floatingips.CreateOpts{FloatingNetworkID: pub.ID}).Extract()
	if err != nil || fip.FloatingIP != "203.0.113.10" || fip.Status != "DOWN" || fip.PortID != "" {
		t.Fatalf("unassociated floating IP: %+v, %v", fip, err)
	}
	gcError(t, "show another project's floating IP", floatingips.Get(ctx, d2, fip.ID).Err, 404, "FloatingIPNotFound", "Floating IP "+fip.ID+" could not be found")
	// The floating IP's own port is not the member's to see.
	code, body = raw(t, lb, d1, "GET", "/v2.0/ports?device_owner=network:floatingip", nil)
	if list, _ := body["ports"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("member sees the floating IP's port: %v", body)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/ports?device_owner=network:floatingip&fields=device_id&fields=status", nil)
	if list, _ := body["ports"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["device_id"] != fip.ID ||
		list[0].(map[string]any)["status"] != "N/A" {
		t.Errorf("admin's view of the floating IP's port: %v", body)
	}
}
