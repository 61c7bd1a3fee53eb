package neutron

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/store"
)

// tenantNet makes a network with a subnet for c's project and returns
// the network.
func tenantNet(t *testing.T, c *gophercloud.ServiceClient, name, cidr string) *networks.Network {
	t.Helper()
	ctx := testCtx(t)
	n, err := networks.Create(ctx, c, networks.CreateOpts{Name: name}).Extract()
	if err != nil {
		t.Fatalf("create network %s: %v", name, err)
	}
	if _, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: n.ID, Name: name + "-subnet", IPVersion: gophercloud.IPv4, CIDR: cidr}).Extract(); err != nil {
		t.Fatalf("create subnet %s: %v", cidr, err)
	}
	return n
}

// TestBGPVPNGophercloudLifecycle drives a BGPVPN through gophercloud's
// bgpvpns package as an admin and its tenant use it: the admin creates
// it for the tenant with its route targets, the tenant associates a
// network, a router and a port, both change what they may, the admin
// deletes it and its associations go with it.
func TestBGPVPNGophercloudLifecycle(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")

	net := tenantNet(t, demo, "blue", "10.1.0.0/24")
	project := net.ProjectID

	// The three RFC 4364 forms, in RTs and RDs. Each change is an event
	// for the lab (OnChange), a refusal none.
	changes := lb.changeCount("cloud1")
	lp := 200
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{
		Name: "vpn-blue", TenantID: project,
		RouteTargets:        []string{"64512:100", "4200000000:100", "192.0.2.1:100"},
		ImportTargets:       []string{"64512:101"},
		ExportTargets:       []string{"64512:102"},
		RouteDistinguishers: []string{"64512:4294967295", "198.51.100.7:65535", "4294967295:0"},
		LocalPref:           lp, VNI: 5000,
	}).Extract()
	if err != nil {
		t.Fatalf("create bgpvpn: %v", err)
	}
	if v.Type != "l3" || v.ProjectID != project || v.TenantID != project || len(v.RouteTargets) != 3 || v.RouteTargets[1] != "4200000000:100" ||
		len(v.RouteDistinguishers) != 3 || v.LocalPref == nil || *v.LocalPref != 200 || v.VNI != 5000 ||
		len(v.Networks) != 0 || len(v.Routers) != 0 || len(v.Ports) != 0 {
		t.Errorf("created %+v", v)
	}

	if n := lb.changeCount("cloud1"); n != changes+1 {
		t.Errorf("OnChange calls for a create: %d", n-changes)
	}

	// A minimal one has networking-bgpvpn's defaults.
	code, body := raw(t, lb, adm, "POST", "/v2.0/bgpvpn/bgpvpns", map[string]any{"bgpvpn": map[string]any{"tenant_id": project}})
	minimal, _ := body["bgpvpn"].(map[string]any)
	if code != 201 || minimal["type"] != "l3" || minimal["name"] != "" || minimal["local_pref"] != nil || minimal["vni"] != nil ||
		len(minimal["route_targets"].([]any)) != 0 || len(minimal["route_distinguishers"].([]any)) != 0 {
		t.Errorf("minimal bgpvpn: %d %v", code, body)
	}
	for _, k := range []string{"created_at", "revision_number", "description", "tags"} {
		if _, ok := minimal[k]; ok {
			t.Errorf("bgpvpn shows standard attribute %s: %v", k, minimal)
		}
	}

	// The tenant sees its BGPVPN without the admin-only attributes.
	code, body = raw(t, lb, demo, "GET", "/v2.0/bgpvpn/bgpvpns/"+v.ID, nil)
	seen, _ := body["bgpvpn"].(map[string]any)
	if code != 200 || seen["name"] != "vpn-blue" || seen["tenant_id"] != project || seen["local_pref"] != float64(200) {
		t.Errorf("tenant's show: %d %v", code, body)
	}
	if seen["project_id"] != project {
		t.Errorf("tenant's show without project_id: %v", seen)
	}
	for _, k := range []string{"route_targets", "import_targets", "export_targets", "route_distinguishers", "vni"} {
		if _, ok := seen[k]; ok {
			t.Errorf("tenant sees %s: %v", k, seen)
		}
	}
	// And in lists, with fields and filters.
	code, body = raw(t, lb, adm, "GET", "/v2.0/bgpvpn/bgpvpns?name=vpn-blue&fields=id&fields=route_targets", nil)
	if l, _ := body["bgpvpns"].([]any); code != 200 || len(l) != 1 || len(l[0].(map[string]any)) != 2 {
		t.Errorf("admin's filtered list: %d %v", code, body)
	}
	all, err := bgpvpns.List(demo, bgpvpns.ListOpts{}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := bgpvpns.ExtractBGPVPNs(all); len(list) != 2 {
		t.Errorf("tenant's list: %+v", list)
	}
	paged, err := bgpvpns.List(adm, bgpvpns.ListOpts{Limit: 1}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := bgpvpns.ExtractBGPVPNs(paged); len(list) != 2 || list[0].ID == list[1].ID {
		t.Errorf("list one page at a time: %+v", list)
	}
	otherAdmin, _ := bgpvpns.List(lb.demo(t, "cloud2"), bgpvpns.ListOpts{}).AllPages(ctx)
	if list, _ := bgpvpns.ExtractBGPVPNs(otherAdmin); len(list) != 0 {
		t.Errorf("another tenant lists %+v", list)
	}

	// The tenant renames it and changes local_pref; the RTs are the
	// admin's.
	name := "vpn-blue-2"
	v2, err := bgpvpns.Update(ctx, demo, v.ID, bgpvpns.UpdateOpts{Name: &name}).Extract()
	if err != nil || v2.Name != name {
		t.Errorf("tenant's rename: %+v %v", v2, err)
	}
	_, err = bgpvpns.Update(ctx, demo, v.ID, bgpvpns.UpdateOpts{RouteTargets: &[]string{"64512:1"}}).Extract()
	gcError(t, "tenant sets route_targets", err, 403, "PolicyNotAuthorized", "(rule:update_bgpvpn and rule:update_bgpvpn:route_targets) is disallowed by policy")
	v3, err := bgpvpns.Update(ctx, adm, v.ID, bgpvpns.UpdateOpts{RouteTargets: &[]string{"64512:7"}, ImportTargets: &[]string{}}).Extract()
	if err != nil || !slices.Equal(v3.RouteTargets, []string{"64512:7"}) || len(v3.ImportTargets) != 0 || !slices.Equal(v3.ExportTargets, []string{"64512:102"}) {
		t.Errorf("admin's update: %+v %v", v3, err)
	}
	changes = lb.changeCount("cloud1")
	_, err = bgpvpns.Create(ctx, demo, bgpvpns.CreateOpts{Name: "mine"}).Extract()
	gcError(t, "tenant creates", err, 403, "PolicyNotAuthorized", "((rule:create_bgpvpn and rule:create_bgpvpn:tenant_id) and rule:create_bgpvpn:name) is disallowed by policy")
	if n := lb.changeCount("cloud1"); n != changes {
		t.Errorf("OnChange calls for a refusal: %d", n-changes)
	}

	// The tenant associates its network, a router and a port.
	na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: net.ID}).Extract()
	if err != nil || na.NetworkID != net.ID || na.TenantID != project {
		t.Fatalf("network association: %+v %v", na, err)
	}
	if n := lb.changeCount("cloud1"); n != changes+1 {
		t.Errorf("OnChange calls for an association: %d", n-changes)
	}
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	ra, err := bgpvpns.CreateRouterAssociation(ctx, demo, v.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: rt.ID, AdvertiseExtraRoutes: ptr(false)}).Extract()
	if err != nil || ra.RouterID != rt.ID || ra.AdvertiseExtraRoutes {
		t.Fatalf("router association: %+v %v", ra, err)
	}
	ra2, err := bgpvpns.UpdateRouterAssociation(ctx, demo, v.ID, ra.ID, bgpvpns.UpdateRouterAssociationOpts{AdvertiseExtraRoutes: ptr(true)}).Extract()
	if err != nil || !ra2.AdvertiseExtraRoutes || ra2.ID != ra.ID {
		t.Errorf("router association update: %+v %v", ra2, err)
	}
	port, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID, Name: "vm"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	pa, err := bgpvpns.CreatePortAssociation(ctx, demo, v.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID,
		Routes: []bgpvpns.PortRoutes{{Type: "prefix", Prefix: "20.1.0.0/16", LocalPref: ptr(300)}, {Type: "bgpvpn", BGPVPNID: minimal["id"].(string)}}}).Extract()
	if err != nil || pa.PortID != port.ID || !pa.AdvertiseFixedIPs || len(pa.Routes) != 2 || pa.Routes[0].Prefix != "20.1.0.0/16" ||
		pa.Routes[0].LocalPref == nil || *pa.Routes[0].LocalPref != 300 || pa.Routes[1].BGPVPNID != minimal["id"] {
		t.Fatalf("port association: %+v %v", pa, err)
	}
	pa2, err := bgpvpns.UpdatePortAssociation(ctx, demo, v.ID, pa.ID, bgpvpns.UpdatePortAssociationOpts{
		Routes: &[]bgpvpns.PortRoutes{{Type: "prefix", Prefix: "20.2.0.0/16"}}, AdvertiseFixedIPs: ptr(false)}).Extract()
	if err != nil || pa2.AdvertiseFixedIPs || len(pa2.Routes) != 1 || pa2.Routes[0].Prefix != "20.2.0.0/16" || pa2.Routes[0].LocalPref != nil {
		t.Errorf("port association update: %+v %v", pa2, err)
	}
	got, err := bgpvpns.Get(ctx, demo, v.ID).Extract()
	if err != nil || !slices.Equal(got.Networks, []string{net.ID}) || !slices.Equal(got.Routers, []string{rt.ID}) || !slices.Equal(got.Ports, []string{port.ID}) {
		t.Errorf("bgpvpn with associations: %+v %v", got, err)
	}
	byNet, _ := bgpvpns.List(demo, bgpvpns.ListOpts{Networks: []string{net.ID}}).AllPages(ctx)
	if list, _ := bgpvpns.ExtractBGPVPNs(byNet); len(list) != 1 || list[0].ID != v.ID {
		t.Errorf("list by network: %+v", list)
	}
	pages, _ := bgpvpns.ListNetworkAssociations(demo, v.ID, bgpvpns.ListNetworkAssociationsOpts{}).AllPages(ctx)
	if l, _ := bgpvpns.ExtractNetworkAssociations(pages); len(l) != 1 || l[0].ID != na.ID {
		t.Errorf("network associations: %+v", l)
	}
	if g, err := bgpvpns.GetNetworkAssociation(ctx, demo, v.ID, na.ID).Extract(); err != nil || g.NetworkID != net.ID {
		t.Errorf("get network association: %+v %v", g, err)
	}

	// The tenant may not delete what the admin made.
	gcError(t, "tenant deletes", bgpvpns.Delete(ctx, demo, v.ID).ExtractErr(), 403, "PolicyNotAuthorized", "rule:delete_bgpvpn is disallowed by policy")
	if err := bgpvpns.DeleteNetworkAssociation(ctx, demo, v.ID, na.ID).ExtractErr(); err != nil {
		t.Errorf("delete network association: %v", err)
	}
	_, err = bgpvpns.GetNetworkAssociation(ctx, demo, v.ID, na.ID).Extract()
	gcError(t, "deleted association", err, 404, "BGPVPNNetAssocNotFound", "BGPVPN network association "+na.ID+" could not be found for BGPVPN "+v.ID)

	// Deleting the leaked BGPVPN drops the port association's route to
	// it; deleting the BGPVPN its associations.
	if err := bgpvpns.Delete(ctx, adm, v.ID).ExtractErr(); err != nil {
		t.Fatalf("admin deletes: %v", err)
	}
	_, err = bgpvpns.Get(ctx, adm, v.ID).Extract()
	gcError(t, "deleted bgpvpn", err, 404, "BGPVPNNotFound", "BGPVPN "+v.ID+" could not be found")
	snap, err := lb.neutron["cloud1"].Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.BGPVPNs) != 1 || len(snap.BGPVPNRouterAssociations) != 0 || len(snap.BGPVPNPortAssociations) != 0 || len(snap.BGPVPNNetworkAssociations) != 0 {
		t.Errorf("after delete: %+v", snap)
	}

	code, body = raw(t, lb, adm, "GET", "/v2.0/extensions", nil)
	var aliases []string
	for _, e := range body["extensions"].([]any) {
		aliases = append(aliases, e.(map[string]any)["alias"].(string))
	}
	for _, want := range []string{"bgpvpn", "bgpvpn-routes-control", "bgpvpn-vni"} {
		if code != 200 || !slices.Contains(aliases, want) {
			t.Errorf("extension %s not listed: %v", want, aliases)
		}
	}
}

// TestBGPVPNValidation checks each of networking-bgpvpn's refusals, with
// its status code and error body.
func TestBGPVPNValidation(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	net := tenantNet(t, demo, "blue", "10.1.0.0/24")
	project := net.ProjectID

	create := func(what string, attrs map[string]any, wantCode int, wantType, wantMsg string) {
		t.Helper()
		attrs["tenant_id"] = project
		code, body := raw(t, lb, adm, "POST", "/v2.0/bgpvpn/bgpvpns", map[string]any{"bgpvpn": attrs})
		wantNeutronError(t, what, code, body, wantCode, wantType, wantMsg)
	}
	create("16-bit number after an IPv4 address", map[string]any{"route_targets": []any{"192.0.2.1:65536"}}, 400, "HTTPBadRequest",
		"Invalid input for route_targets. Reason: '192.0.2.1:65536' is not a valid input.")
	create("4-byte ASN with a 32-bit number", map[string]any{"route_distinguishers": []any{"65536:65536"}}, 400, "HTTPBadRequest",
		"Invalid input for route_distinguishers. Reason: '65536:65536' is not a valid input.")
	create("leading zero", map[string]any{"import_targets": "064512:1"}, 400, "HTTPBadRequest",
		"Invalid input for import_targets. Reason: '064512:1' is not a valid input.")
	create("duplicate RTs", map[string]any{"export_targets": []any{"64512:1", "64512:1"}}, 400, "HTTPBadRequest",
		"Invalid input for export_targets. Reason: Duplicate items in the list: '64512:1'.")
	create("type", map[string]any{"type": "l4"}, 400, "HTTPBadRequest", "Invalid input for type. Reason: l4 is not in valid_values.")
	create("vni", map[string]any{"vni": 16777216}, 400, "HTTPBadRequest", "Invalid input for vni. Reason: '16777216' is too large - must be no larger than '16777215'.")
	create("local_pref", map[string]any{"local_pref": -1}, 400, "HTTPBadRequest", "Invalid input for local_pref. Reason: '-1' is too small - must be at least '0'.")
	create("networks are read-only", map[string]any{"networks": []any{net.ID}}, 400, "HTTPBadRequest", "Attribute 'networks' not allowed in POST")
	create("unknown attribute", map[string]any{"description": "x"}, 400, "HTTPBadRequest", "Unrecognized attribute(s) 'description'")
	code, body := raw(t, lb, adm, "PUT", "/v2.0/bgpvpn/bgpvpns/"+net.ID, map[string]any{"bgpvpn": map[string]any{"type": "l2"}})
	wantNeutronError(t, "type is not updatable", code, body, 400, "HTTPBadRequest", "Cannot update read-only attribute type")

	l3, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{TenantID: project, Name: "l3"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	l2, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{TenantID: project, Name: "l2", Type: "l2"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	// Unlimited by default, as networking-bgpvpn's quota; an admin's limit
	// holds.
	setQuota(t, lb, project, map[string]any{"bgpvpn": 2})
	_, err = bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{TenantID: project, Name: "third"}).Extract()
	gcError(t, "over quota", err, 409, "OverQuota", "Quota exceeded for resources: ['bgpvpn'].")

	// Another project's network: the admin's association is not
	// authorized, the tenant does not even see the network.
	adminNet, err := networks.Create(ctx, adm, networks.CreateOpts{Name: "admin-net"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreateNetworkAssociation(ctx, adm, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: adminNet.ID, TenantID: project}).Extract()
	gcError(t, "another project's network", err, 403, "NotAuthorized", "Not authorized.")
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: adminNet.ID}).Extract()
	gcError(t, "a network the tenant cannot see", err, 404, "NetworkNotFound", "Network "+adminNet.ID+" could not be found.")
	// The association must be the BGPVPN's project's too.
	_, err = bgpvpns.CreateNetworkAssociation(ctx, adm, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: net.ID}).Extract()
	gcError(t, "association in the admin's project", err, 403, "NotAuthorized", "Not authorized.")

	// Missing things.
	missing := "9b1d3c52-3f8e-4c1e-9d57-1f2e3a4b5c6d"
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, missing, bgpvpns.CreateNetworkAssociationOpts{NetworkID: net.ID}).Extract()
	gcError(t, "missing bgpvpn", err, 404, "BGPVPNNotFound", "BGPVPN "+missing+" could not be found")
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: missing}).Extract()
	gcError(t, "missing network", err, 404, "NetworkNotFound", "Network "+missing+" could not be found.")
	_, err = bgpvpns.GetRouterAssociation(ctx, demo, l3.ID, missing).Extract()
	gcError(t, "missing router association", err, 404, "BGPVPNRouterAssocNotFound", "BGPVPN router association "+missing+" could not be found for BGPVPN "+l3.ID)
	_, err = bgpvpns.UpdatePortAssociation(ctx, demo, l3.ID, missing, bgpvpns.UpdatePortAssociationOpts{AdvertiseFixedIPs: ptr(true)}).Extract()
	gcError(t, "missing port association", err, 404, "BGPVPNPortAssocNotFound", "BGPVPN port association "+missing+" could not be found for BGPVPN "+l3.ID)
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: "not-a-uuid"}).Extract()
	gcError(t, "network_id not a UUID", err, 400, "HTTPBadRequest", "Invalid input for network_id. Reason: 'not-a-uuid' is not a valid UUID.")

	// A router association on an l2 BGPVPN.
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreateRouterAssociation(ctx, demo, l2.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: rt.ID}).Extract()
	gcError(t, "router association on l2", err, 400, "BadRequest", "Bad bgpvpn request: Router associations require the bgpvpn to be of type l3.")

	// Duplicates.
	if _, err := bgpvpns.CreateNetworkAssociation(ctx, demo, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: net.ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: net.ID}).Extract()
	gcError(t, "duplicate network association", err, 400, "BGPVPNNetAssocAlreadyExists", "network "+net.ID+" is already associated to BGPVPN "+l3.ID)

	// The associated network on the router: the router cannot join, nor
	// the network be added to the router once it has.
	sn, err := subnets.List(demo, subnets.ListOpts{NetworkID: net.ID}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sns, _ := subnets.ExtractSubnets(sn)
	if _, err := routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sns[0].ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreateRouterAssociation(ctx, demo, l3.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: rt.ID}).Extract()
	gcError(t, "router with an associated network", err, 400, "BadRequest",
		"Bad bgpvpn request: router "+rt.ID+" has an attached network "+net.ID+" which is already associated to bgpvpn(s) ['"+l3.ID+"'].")

	// The other way round: a router in the BGPVPN, then its network.
	red := tenantNet(t, demo, "red", "10.2.0.0/24")
	rt2, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r2"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bgpvpns.CreateRouterAssociation(ctx, demo, l3.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: rt2.ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreateRouterAssociation(ctx, demo, l3.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: rt2.ID}).Extract()
	gcError(t, "duplicate router association", err, 400, "BGPVPNRouterAssocAlreadyExists", "router "+rt2.ID+" is already associated to BGPVPN "+l3.ID)
	redSubnets, _ := subnets.List(demo, subnets.ListOpts{NetworkID: red.ID}).AllPages(ctx)
	rs, _ := subnets.ExtractSubnets(redSubnets)
	if _, err := routers.AddInterface(ctx, demo, rt2.ID, routers.AddInterfaceOpts{SubnetID: rs[0].ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, l3.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: red.ID}).Extract()
	gcError(t, "network reached through an associated router", err, 400, "BadRequest",
		"Bad bgpvpn request: Network "+red.ID+" is linked to a router which is already associated to bgpvpn(s) ['"+l3.ID+"'].")
	ifPort, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID, Name: "r2-blue"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = routers.AddInterface(ctx, demo, rt2.ID, routers.AddInterfaceOpts{PortID: ifPort.ID}).Extract()
	gcError(t, "interface between an associated router and network", err, 400, "BadRequest",
		"Bad bgpvpn request: It is not allowed to add an interface to a router if both the router and the network are bound to an L3 BGPVPN.")

	// Port associations: duplicates and routes.
	port, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, l2.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID}).Extract()
	gcError(t, "port association on l2", err, 400, "BadRequest",
		"Bad bgpvpn request: Port associations require the bgpvpn to be of type l3: this cloud's EVPN (type l2) takes network associations only.")
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, l3.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID,
		Routes: []bgpvpns.PortRoutes{{Type: "bgpvpn", BGPVPNID: l2.ID}}}).Extract()
	gcError(t, "leaking a BGPVPN of another type", err, 400, "BGPVPNPortAssocRouteBGPVPNTypeDiffer",
		"bgpvpn specified in route is of type l2, differing from type of associated BGPVPN l3)")
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, l3.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID,
		Routes: []bgpvpns.PortRoutes{{Type: "bgpvpn", BGPVPNID: missing}}}).Extract()
	gcError(t, "leaking a missing BGPVPN", err, 400, "BGPVPNPortAssocRouteNoSuchBGPVPN", "bgpvpn specified in route does not exist ("+missing+")")
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, l3.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID,
		Routes: []bgpvpns.PortRoutes{{Type: "prefix", Prefix: "10.0.0/8"}}}).Extract()
	gcError(t, "a bad prefix", err, 400, "InvalidInput", "Invalid input for operation: No valid key specs matched for: {'prefix': '10.0.0/8', 'type': 'prefix'}.")
	if _, err := bgpvpns.CreatePortAssociation(ctx, demo, l3.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.CreatePortAssociation(ctx, demo, l3.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID}).Extract()
	gcError(t, "duplicate port association", err, 400, "BGPVPNPortAssocAlreadyExists", "port "+port.ID+" is already associated to BGPVPN "+l3.ID)

	// Deleting a network, router or port takes its associations along.
	if err := ports.Delete(ctx, demo, port.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := routers.RemoveInterface(ctx, demo, rt2.ID, routers.RemoveInterfaceOpts{SubnetID: rs[0].ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	if err := routers.Delete(ctx, demo, rt2.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	got, err := bgpvpns.Get(ctx, demo, l3.ID).Extract()
	if err != nil || len(got.Ports) != 0 || len(got.Routers) != 0 || !slices.Equal(got.Networks, []string{net.ID}) {
		t.Errorf("after deleting the port and router: %+v %v", got, err)
	}
}

// TestBGPVPNRestart restarts Neutron between two halves of a BGPVPN's
// life: the restarted service, starting from the store alone, answers
// as before, refuses what the first one had made (a duplicate), changes
// and deletes what the first one made, and a service started after it
// reads the same state.
func TestBGPVPNRestart(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	blue := tenantNet(t, demo, "blue", "10.1.0.0/24")
	red := tenantNet(t, demo, "red", "10.2.0.0/24")
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	port, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: blue.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "vpn", TenantID: blue.ProjectID, RouteTargets: []string{"64512:1"}, VNI: 77}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: blue.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	ra, err := bgpvpns.CreateRouterAssociation(ctx, demo, v.ID, bgpvpns.CreateRouterAssociationOpts{RouterID: rt.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bgpvpns.CreatePortAssociation(ctx, demo, v.ID, bgpvpns.CreatePortAssociationOpts{PortID: port.ID,
		Routes: []bgpvpns.PortRoutes{{Type: "prefix", Prefix: "20.1.0.0/16", LocalPref: ptr(10)}}}).Extract(); err != nil {
		t.Fatal(err)
	}
	before, err := lb.neutron["cloud1"].Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	code, body := raw(t, lb, adm, "GET", "/v2.0/bgpvpn/bgpvpns/"+v.ID, nil)
	if code != 200 {
		t.Fatalf("show before the restart: %d %v", code, body)
	}
	shownBefore := body

	// The restart: a new service on the store, nothing kept in memory.
	restarted := func() *Service {
		st, err := store.Open(ctx, dirOf(t, lb), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		n, err := New(ctx, st, lb.ks, Config{Region: "cloud1", Now: lb.neutron["cloud1"].cfg.Now})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	n2 := restarted()
	srv := httptest.NewServer(http.StripPrefix("/cloud1/network", n2.Handler()))
	t.Cleanup(srv.Close)
	call := func(c *gophercloud.ServiceClient, method, path string, body any) (int, map[string]any) {
		t.Helper()
		code, _, out := ostest.Call(t, method, srv.URL+"/cloud1/network"+path, map[string]string{"X-Auth-Token": c.Token()}, body)
		return code, out
	}
	after, err := n2.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bj, aj := jsonOf(t, before), jsonOf(t, after); bj != aj {
		t.Errorf("state after the restart:\n%s\nwant\n%s", aj, bj)
	}
	if code, body := call(adm, "GET", "/v2.0/bgpvpn/bgpvpns/"+v.ID, nil); code != 200 || jsonOf(t, body) != jsonOf(t, shownBefore) {
		t.Errorf("show after the restart: %d %v, want %v", code, body, shownBefore)
	}

	// The second half.
	code, body = call(demo, "POST", "/v2.0/bgpvpn/bgpvpns/"+v.ID+"/network_associations", map[string]any{"network_association": map[string]any{"network_id": blue.ID}})
	wantNeutronError(t, "duplicate after the restart", code, body, 400, "BGPVPNNetAssocAlreadyExists", "network "+blue.ID+" is already associated to BGPVPN "+v.ID)
	steps := []struct {
		c            *gophercloud.ServiceClient
		method, path string
		body         any
		want         int
	}{
		{adm, "PUT", "/v2.0/bgpvpn/bgpvpns/" + v.ID, map[string]any{"bgpvpn": map[string]any{"route_targets": []any{"64512:2", "10.0.0.1:3"}, "local_pref": 100}}, 200},
		{demo, "PUT", "/v2.0/bgpvpn/bgpvpns/" + v.ID + "/router_associations/" + ra.ID, map[string]any{"router_association": map[string]any{"advertise_extra_routes": false}}, 200},
		{demo, "DELETE", "/v2.0/bgpvpn/bgpvpns/" + v.ID + "/network_associations/" + na.ID, nil, 204},
		{demo, "POST", "/v2.0/bgpvpn/bgpvpns/" + v.ID + "/network_associations", map[string]any{"network_association": map[string]any{"network_id": red.ID}}, 201},
	}
	for _, s := range steps {
		if code, body := call(s.c, s.method, s.path, s.body); code != s.want {
			t.Fatalf("%s %s after the restart: %d %v", s.method, s.path, code, body)
		}
	}
	final, err := n2.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(final.BGPVPNs) != 1 || !slices.Equal(final.BGPVPNs[0].RouteTargets, []string{"64512:2", "10.0.0.1:3"}) ||
		final.BGPVPNs[0].LocalPref == nil || *final.BGPVPNs[0].LocalPref != 100 || final.BGPVPNs[0].VNI == nil || *final.BGPVPNs[0].VNI != 77 ||
		len(final.BGPVPNNetworkAssociations) != 1 || final.BGPVPNNetworkAssociations[0].NetworkID != red.ID ||
		len(final.BGPVPNRouterAssociations) != 1 || final.BGPVPNRouterAssociations[0].AdvertiseExtraRoutes ||
		len(final.BGPVPNPortAssociations) != 1 || final.BGPVPNPortAssociations[0].Routes[0].Prefix != "20.1.0.0/16" {
		t.Errorf("state after the second half: %s", jsonOf(t, final))
	}
	// Another restart reads exactly that.
	again, err := restarted().Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fj, aj := jsonOf(t, final), jsonOf(t, again); fj != aj {
		t.Errorf("state after a second restart:\n%s\nwant\n%s", aj, fj)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBGPVPNNetworkDeleteCascade deletes an associated network: its
// association goes with it, as the foreign key's ON DELETE CASCADE does.
func TestBGPVPNNetworkDeleteCascade(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	n, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "short-lived"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{TenantID: n.ProjectID, Type: "l2"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: n.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if err := networks.Delete(ctx, demo, n.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	_, err = bgpvpns.GetNetworkAssociation(ctx, demo, v.ID, na.ID).Extract()
	gcError(t, "association of a deleted network", err, 404, "BGPVPNNetAssocNotFound", "BGPVPN network association "+na.ID+" could not be found for BGPVPN "+v.ID)
	if got, err := bgpvpns.Get(ctx, demo, v.ID).Extract(); err != nil || len(got.Networks) != 0 {
		t.Errorf("bgpvpn after its network went: %+v %v", got, err)
	}
}
