package neutron

import (
	"fmt"
	"reflect"
	"strings"
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

// TestAnotherProjectCanNeitherSeeNorTouchAProjectsResources goes through
// every resource kind and every action a member has, as project B
// (demo-cloud2) on project A's (demo-cloud1) things in one Neutron. What
// A owns is invisible to B, so Neutron answers 404 with the kind's
// NotFound — for the object itself, and for an object B names in its own
// request (a subnet on A's network, a floating IP on A's port, A's subnet
// on B's router...) — and the admin-only BGP API answers a member webob's
// bare 404. Nothing B tries changes A's objects.
func TestAnotherProjectCanNeitherSeeNorTouchAProjectsResources(t *testing.T) {
	lb := startLab(t)
	adm, a, b := lb.admin(t), lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	pub, _ := createPublic(t, adm)
	ok := func(what string, code int, body map[string]any, want int) map[string]any {
		t.Helper()
		if code != want {
			t.Fatalf("%s: %d %v", what, code, body)
		}
		return body
	}
	id := func(body map[string]any, key string) string { return body[key].(map[string]any)["id"].(string) }
	post := func(c *gophercloud.ServiceClient, path, key string, attrs map[string]any) string {
		t.Helper()
		code, body := raw(t, lb, c, "POST", "/v2.0/"+path, map[string]any{key: attrs})
		return id(ok("create "+key, code, body, 201), key)
	}

	// Project A: a network with a subnet from its own pool in its own
	// address scope, a port, a router with a gateway and an interface, a
	// floating IP on the port.
	scopeA := post(a, "address-scopes", "address_scope", map[string]any{"name": "a-scope", "ip_version": 4})
	poolA := post(a, "subnetpools", "subnetpool", map[string]any{"name": "a-pool", "prefixes": []string{"10.60.0.0/16"},
		"default_prefixlen": 24, "address_scope_id": scopeA})
	netA := post(a, "networks", "network", map[string]any{"name": "a-net"})
	subA := post(a, "subnets", "subnet", map[string]any{"network_id": netA, "ip_version": 4, "subnetpool_id": poolA})
	portA := post(a, "ports", "port", map[string]any{"network_id": netA, "device_owner": "compute:nova", "device_id": "vm-a"})
	routerA := post(a, "routers", "router", map[string]any{"name": "a-router", "external_gateway_info": map[string]any{"network_id": pub.ID}})
	code, body := raw(t, lb, a, "PUT", "/v2.0/routers/"+routerA+"/add_router_interface", map[string]any{"subnet_id": subA})
	itfA := ok("A's router interface", code, body, 200)["port_id"].(string)
	fipA := post(a, "floatingips", "floatingip", map[string]any{"floating_network_id": pub.ID, "port_id": portA})
	projectA := lb.projectOf(t, a, netA)
	// BGP is the admin's: neutron-dynamic-routing gives a speaker and a
	// peer the admin's project whatever the body says, so a member meets
	// only others' speakers.
	speaker := post(adm, "bgp-speakers", "bgp_speaker", map[string]any{"name": "a-speaker", "local_as": 64512, "ip_version": 4, "project_id": projectA})
	peer := post(adm, "bgp-peers", "bgp_peer", map[string]any{"name": "a-peer", "peer_ip": "192.0.2.1", "remote_as": 64513, "auth_type": "none", "project_id": projectA})
	code, body = raw(t, lb, adm, "PUT", "/v2.0/bgp-speakers/"+speaker+"/add_bgp_peer", map[string]any{"bgp_peer_id": peer})
	ok("the admin adds the peer to the speaker", code, body, 200)

	// Project B's own things, to name A's in its requests.
	netB := post(b, "networks", "network", map[string]any{"name": "b-net"})
	subB := post(b, "subnets", "subnet", map[string]any{"network_id": netB, "ip_version": 4, "cidr": "10.70.0.0/24"})
	portB := post(b, "ports", "port", map[string]any{"network_id": netB})
	routerB := post(b, "routers", "router", map[string]any{"name": "b-router"})
	fipB := post(b, "floatingips", "floatingip", map[string]any{"floating_network_id": pub.ID})

	before := lb.everything(t, adm)
	for kind, objs := range before.of(projectA) {
		if len(objs) == 0 && !strings.HasPrefix(kind, "bgp-") {
			t.Fatalf("project A has no %s to protect", kind)
		}
	}

	// Every kind: B's list does not hold A's object, and show, update and
	// delete answer the kind's NotFound.
	kinds := []struct {
		path, key, id, notFound, message, update string
	}{
		{"networks", "network", netA, "NetworkNotFound", "Network %s could not be found.", "name"},
		{"subnets", "subnet", subA, "SubnetNotFound", "Subnet %s could not be found.", "name"},
		{"ports", "port", portA, "PortNotFound", "Port %s could not be found.", "name"},
		{"ports", "port", itfA, "PortNotFound", "Port %s could not be found.", "name"},
		{"routers", "router", routerA, "RouterNotFound", "Router %s could not be found", "name"},
		{"floatingips", "floatingip", fipA, "FloatingIPNotFound", "Floating IP %s could not be found", "description"},
		{"subnetpools", "subnetpool", poolA, "SubnetPoolNotFound", "Subnet pool %s could not be found.", "name"},
		{"address-scopes", "address_scope", scopeA, "AddressScopeNotFound", "Address scope %s could not be found.", "name"},
		{"bgp-speakers", "bgp_speaker", speaker, "BgpSpeakerNotFound", "BGP speaker %s could not be found.", "name"},
		{"bgp-peers", "bgp_peer", peer, "BgpPeerNotFound", "BGP peer %s could not be found.", "name"},
	}
	for _, k := range kinds {
		owner := "A's "
		if strings.HasPrefix(k.path, "bgp-") {
			owner = "the admin's "
		}
		t.Run("B's "+k.key+" list lacks "+owner+k.key, func(t *testing.T) {
			code, body := raw(t, lb, b, "GET", "/v2.0/"+k.path, nil)
			if code != 200 {
				t.Fatalf("list: %d %v", code, body)
			}
			for _, o := range body[strings.ReplaceAll(k.path, "-", "_")].([]any) {
				if o.(map[string]any)["id"] == k.id {
					t.Errorf("B lists %s%s %s", owner, k.key, k.id)
				}
			}
			code, body = raw(t, lb, b, "GET", "/v2.0/"+k.path+"?id="+k.id, nil)
			if list, _ := body[strings.ReplaceAll(k.path, "-", "_")].([]any); code != 200 || len(list) != 0 {
				t.Errorf("B filtering on A's id: %d %v", code, body)
			}
		})
		msg := fmt.Sprintf(k.message, k.id)
		t.Run("B showing "+owner+k.key+" gets 404 "+k.notFound, func(t *testing.T) {
			code, body := raw(t, lb, b, "GET", "/v2.0/"+k.path+"/"+k.id, nil)
			wantNeutronError(t, "show", code, body, 404, k.notFound, msg)
		})
		t.Run("B updating "+owner+k.key+" gets 404 "+k.notFound, func(t *testing.T) {
			code, body := raw(t, lb, b, "PUT", "/v2.0/"+k.path+"/"+k.id, map[string]any{k.key: map[string]any{k.update: "B was here"}})
			wantNeutronError(t, "update", code, body, 404, k.notFound, msg)
		})
		t.Run("B deleting "+owner+k.key+" gets 404 "+k.notFound, func(t *testing.T) {
			code, body := raw(t, lb, b, "DELETE", "/v2.0/"+k.path+"/"+k.id, nil)
			wantNeutronError(t, "delete", code, body, 404, k.notFound, msg)
		})
	}

	// Every action that names an object: A's object is not found for B.
	actions := []struct {
		name, method, path string
		body               any
		code               int
		typ, message       string
	}{
		{"B adding an interface to A's router gets 404 RouterNotFound", "PUT", "/v2.0/routers/" + routerA + "/add_router_interface",
			map[string]any{"subnet_id": subB}, 404, "RouterNotFound", "Router " + routerA + " could not be found"},
		{"B removing A's router interface gets 404 RouterNotFound", "PUT", "/v2.0/routers/" + routerA + "/remove_router_interface",
			map[string]any{"subnet_id": subA}, 404, "RouterNotFound", "Router " + routerA + " could not be found"},
		{"B plugging A's subnet into its router gets 404 SubnetNotFound", "PUT", "/v2.0/routers/" + routerB + "/add_router_interface",
			map[string]any{"subnet_id": subA}, 404, "SubnetNotFound", "Subnet " + subA + " could not be found."},
		{"B plugging A's port into its router gets 404 PortNotFound", "PUT", "/v2.0/routers/" + routerB + "/add_router_interface",
			map[string]any{"port_id": portA}, 404, "PortNotFound", "Port " + portA + " could not be found."},
		{"B removing A's interface port from its router gets 404 RouterInterfaceNotFound", "PUT", "/v2.0/routers/" + routerB + "/remove_router_interface",
			map[string]any{"port_id": itfA}, 404, "RouterInterfaceNotFound", "Router " + routerB + " does not have an interface with id " + itfA},
		{"B making a subnet on A's network gets 404 NetworkNotFound", "POST", "/v2.0/subnets",
			map[string]any{"subnet": map[string]any{"network_id": netA, "ip_version": 4, "cidr": "10.80.0.0/24"}}, 404, "NetworkNotFound", "Network " + netA + " could not be found."},
		{"B making a port on A's network gets 404 NetworkNotFound", "POST", "/v2.0/ports",
			map[string]any{"port": map[string]any{"network_id": netA}}, 404, "NetworkNotFound", "Network " + netA + " could not be found."},
		{"B making a subnet from A's subnet pool gets 404 SubnetPoolNotFound", "POST", "/v2.0/subnets",
			map[string]any{"subnet": map[string]any{"network_id": netB, "ip_version": 4, "subnetpool_id": poolA}}, 404, "SubnetPoolNotFound", "Subnet pool " + poolA + " could not be found."},
		{"B putting its router's gateway on A's network gets 404 NetworkNotFound", "PUT", "/v2.0/routers/" + routerB,
			map[string]any{"router": map[string]any{"external_gateway_info": map[string]any{"network_id": netA}}}, 404, "NetworkNotFound", "Network " + netA + " could not be found."},
		{"B making a router with its gateway on A's network gets 404 NetworkNotFound", "POST", "/v2.0/routers",
			map[string]any{"router": map[string]any{"external_gateway_info": map[string]any{"network_id": netA}}}, 404, "NetworkNotFound", "Network " + netA + " could not be found."},
		{"B making a floating IP on A's port gets 404 PortNotFound", "POST", "/v2.0/floatingips",
			map[string]any{"floatingip": map[string]any{"floating_network_id": pub.ID, "port_id": portA}}, 404, "PortNotFound", "Port " + portA + " could not be found."},
		{"B pointing its floating IP at A's port gets 404 PortNotFound", "PUT", "/v2.0/floatingips/" + fipB,
			map[string]any{"floatingip": map[string]any{"port_id": portA}}, 404, "PortNotFound", "Port " + portA + " could not be found."},
		{"B adding a peer to the admin's BGP speaker gets 404 BgpSpeakerNotFound", "PUT", "/v2.0/bgp-speakers/" + speaker + "/add_bgp_peer",
			map[string]any{"bgp_peer_id": peer}, 404, "BgpSpeakerNotFound", "BGP speaker " + speaker + " could not be found."},
		{"B removing a peer from the admin's BGP speaker gets 404 BgpSpeakerNotFound", "PUT", "/v2.0/bgp-speakers/" + speaker + "/remove_bgp_peer",
			map[string]any{"bgp_peer_id": peer}, 404, "BgpSpeakerNotFound", "BGP speaker " + speaker + " could not be found."},
		{"B adding a gateway network to the admin's BGP speaker gets 404 BgpSpeakerNotFound", "PUT", "/v2.0/bgp-speakers/" + speaker + "/add_gateway_network",
			map[string]any{"network_id": netB}, 404, "BgpSpeakerNotFound", "BGP speaker " + speaker + " could not be found."},
		{"B removing a gateway network from the admin's BGP speaker gets 404 BgpSpeakerNotFound", "PUT", "/v2.0/bgp-speakers/" + speaker + "/remove_gateway_network",
			map[string]any{"network_id": pub.ID}, 404, "BgpSpeakerNotFound", "BGP speaker " + speaker + " could not be found."},
		{"B reading the admin's BGP speaker's advertised routes gets 404 BgpSpeakerNotFound", "GET", "/v2.0/bgp-speakers/" + speaker + "/get_advertised_routes",
			nil, 404, "BgpSpeakerNotFound", "BGP speaker " + speaker + " could not be found."},
		// Quotas: another project's are the admin's business, and Neutron
		// says so with 403 (quotasv2 checks the rule itself).
		{"B showing A's quota gets 403 PolicyNotAuthorized", "GET", "/v2.0/quotas/" + projectA,
			nil, 403, "PolicyNotAuthorized", "rule:get_quota is disallowed by policy"},
		{"B showing A's quota details gets 403 AdminRequired", "GET", "/v2.0/quotas/" + projectA + "/details",
			nil, 403, "AdminRequired", "User does not have admin privileges: Only admin is authorized to access quotas for another tenant."},
		{"B listing every project's quotas gets 403 PolicyNotAuthorized", "GET", "/v2.0/quotas",
			nil, 403, "PolicyNotAuthorized", "rule:get_quota is disallowed by policy"},
		{"B raising A's quota gets 403 PolicyNotAuthorized", "PUT", "/v2.0/quotas/" + projectA,
			map[string]any{"quota": map[string]any{"network": 1000}}, 403, "PolicyNotAuthorized", "rule:update_quota is disallowed by policy"},
		{"B resetting A's quota gets 403 PolicyNotAuthorized", "DELETE", "/v2.0/quotas/" + projectA,
			nil, 403, "PolicyNotAuthorized", "rule:delete_quota is disallowed by policy"},
	}
	for _, c := range actions {
		t.Run(c.name, func(t *testing.T) {
			code, body := raw(t, lb, b, c.method, c.path, c.body)
			wantNeutronError(t, c.name, code, body, c.code, c.typ, c.message)
		})
	}

	// A fixed IP on A's subnet for B's port: Neutron answers 404
	// SubnetNotFound (its _get_subnet_object sees only B's subnets); this
	// Neutron answers 400 InvalidInput naming B's own network. Either way
	// the port stays as it was and nothing of A's is revealed.
	t.Run("B putting its port on A's subnet is refused without revealing A's network", func(t *testing.T) {
		code, body := raw(t, lb, b, "PUT", "/v2.0/ports/"+portB, map[string]any{"port": map[string]any{"fixed_ips": []any{map[string]any{"subnet_id": subA}}}})
		if code != 404 && code != 400 || body["NeutronError"] == nil || strings.Contains(fmt.Sprint(body), netA) {
			t.Errorf("%d %v", code, body)
		}
		code, body = raw(t, lb, b, "GET", "/v2.0/ports/"+portB, nil)
		ips, _ := body["port"].(map[string]any)["fixed_ips"].([]any)
		if code != 200 || len(ips) != 1 || ips[0].(map[string]any)["subnet_id"] != subB {
			t.Errorf("B's port after the refusal: %d %v", code, body)
		}
	})

	// B was refused everything, so nothing changed, A's things least.
	if after := lb.everything(t, adm); !reflect.DeepEqual(before, after) {
		t.Errorf("resources changed:\nbefore %v\nafter  %v", before, after)
	}
}

// projectOf is the project of the network id as the client sees it.
func (lb *lab) projectOf(t *testing.T, c *gophercloud.ServiceClient, netID string) string {
	t.Helper()
	code, body := raw(t, lb, c, "GET", "/v2.0/networks/"+netID, nil)
	if code != 200 {
		t.Fatalf("show network: %d %v", code, body)
	}
	return body["network"].(map[string]any)["project_id"].(string)
}

// resources are the admin's listings of every kind, by kind then id.
type resources map[string]map[string]map[string]any

// everything lists every kind as the admin sees it.
func (lb *lab) everything(t *testing.T, adm *gophercloud.ServiceClient) resources {
	t.Helper()
	all := resources{}
	for _, path := range []string{"networks", "subnets", "ports", "routers", "floatingips", "subnetpools", "address-scopes", "bgp-speakers", "bgp-peers"} {
		code, body := raw(t, lb, adm, "GET", "/v2.0/"+path, nil)
		if code != 200 {
			t.Fatalf("admin lists %s: %d %v", path, code, body)
		}
		all[path] = map[string]map[string]any{}
		for _, o := range body[strings.ReplaceAll(path, "-", "_")].([]any) {
			m := o.(map[string]any)
			all[path][m["id"].(string)] = m
		}
	}
	return all
}

// of keeps the objects of project p, and the ports on its networks.
func (r resources) of(p string) resources {
	out := resources{}
	for kind, objs := range r {
		out[kind] = map[string]map[string]any{}
		for id, o := range objs {
			if o["project_id"] == p || kind == "ports" && r["networks"][fmt.Sprint(o["network_id"])]["project_id"] == p {
				out[kind][id] = o
			}
		}
	}
	return out
}
