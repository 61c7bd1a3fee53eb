package neutron

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// snapshotJSON is cloud1's whole state, to compare before and after.
func snapshotJSON(t *testing.T, lb *lab) string {
	t.Helper()
	s, err := lb.neutron["cloud1"].Snapshot(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestErrors sends what Neutron refuses and checks the status, the
// NeutronError body, and that nothing changed.
func TestErrors(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	pub, _ := createPublic(t, adm)
	net, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "private"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: net.ID, IPVersion: 4, CIDR: "10.0.0.0/24"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	port, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	fakeID := "6b1a6c1e-0000-4000-8000-000000000000"

	cases := []struct {
		name         string
		method, path string
		body         any
		noToken      bool
		code         int
		typ, message string
	}{
		{"malformed JSON", "POST", "/v2.0/networks", `{"network": {"name": `, false, 400, "MalformedRequestBody", "Malformed request body: Cannot understand JSON."},
		{"no body", "POST", "/v2.0/networks", nil, false, 400, "HTTPBadRequest", "Resource body required"},
		{"wrong wrapper", "POST", "/v2.0/networks", map[string]any{"net": map[string]any{}}, false, 400, "HTTPBadRequest", "Unable to find 'network' in request body"},
		{"wrapper not an object", "POST", "/v2.0/networks", map[string]any{"network": "x"}, false, 400, "HTTPBadRequest", "Object 'network' contains invalid data"},
		{"body is a list", "POST", "/v2.0/networks", []any{1}, false, 400, "HTTPBadRequest", "Body contains invalid data"},
		{"unknown attribute", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "x", "foo": 1, "bar": 2}}, false, 400, "HTTPBadRequest", "Unrecognized attribute(s) 'bar, foo'"},
		{"name not a string", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": 5}}, false, 400, "HTTPBadRequest", "Invalid input for name. Reason: '5' is not a valid string."},
		{"admin_state_up not a boolean", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"admin_state_up": "maybe"}}, false, 400, "InvalidInput", "Invalid input for operation: 'maybe' cannot be converted to boolean."},
		{"read-only attribute on POST", "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"status": "DOWN"}}, false, 400, "HTTPBadRequest", "Attribute 'status' not allowed in POST"},
		{"read-only attribute on PUT", "PUT", "/v2.0/subnets/" + sn.ID, map[string]any{"subnet": map[string]any{"cidr": "10.9.0.0/24"}}, false, 400, "HTTPBadRequest", "Cannot update read-only attribute cidr"},
		{"missing required attribute", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": net.ID, "cidr": "10.2.0.0/24"}}, false, 400, "HTTPBadRequest", "Failed to parse request. Required attribute 'ip_version' not specified"},
		{"network_id not a UUID", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": "nope"}}, false, 400, "HTTPBadRequest", "Invalid input for network_id. Reason: 'nope' is not a valid UUID."},
		{"cidr not a network address", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": net.ID, "ip_version": 4, "cidr": "10.3.0.5/24"}}, false, 400, "HTTPBadRequest", "Invalid input for cidr. Reason: '10.3.0.5/24' isn't a recognized IP subnet cidr, '10.3.0.0/24' is recommended."},
		{"missing token", "GET", "/v2.0/networks", nil, true, 401, "", ""},
		{"unknown network", "GET", "/v2.0/networks/" + fakeID, nil, false, 404, "NetworkNotFound", "Network " + fakeID + " could not be found."},
		{"unknown subnet on delete", "DELETE", "/v2.0/subnets/" + fakeID, nil, false, 404, "SubnetNotFound", "Subnet " + fakeID + " could not be found."},
		{"overlapping subnet", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": net.ID, "ip_version": 4, "cidr": "10.0.0.128/25"}}, false, 400, "InvalidInput",
			"Invalid input for operation: Requested subnet with cidr: 10.0.0.128/25 for network: " + net.ID + " overlaps with another subnet."},
		{"gateway in the pool", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": net.ID, "ip_version": 4, "cidr": "10.4.0.0/24", "gateway_ip": "10.4.0.5",
			"allocation_pools": []any{map[string]any{"start": "10.4.0.2", "end": "10.4.0.100"}}}}, false, 409, "GatewayConflictWithAllocationPools", "Gateway ip 10.4.0.5 conflicts with allocation pool 10.4.0.2-10.4.0.100."},
		{"pool outside the cidr", "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": net.ID, "ip_version": 4, "cidr": "10.5.0.0/24",
			"allocation_pools": []any{map[string]any{"start": "10.5.0.10", "end": "10.5.1.10"}}}}, false, 400, "OutOfBoundsAllocationPool", "The allocation pool 10.5.0.10-10.5.1.10 spans beyond the subnet cidr 10.5.0.0/24."},
		{"address in use", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": net.ID, "fixed_ips": []any{map[string]any{"ip_address": port.FixedIPs[0].IPAddress}}}}, false, 409, "IpAddressAlreadyAllocated",
			"IP address " + port.FixedIPs[0].IPAddress + " already allocated in subnet " + sn.ID},
		{"address outside every subnet", "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": net.ID, "fixed_ips": []any{map[string]any{"ip_address": "172.31.0.9"}}}}, false, 400, "InvalidIpForNetwork",
			"IP address 172.31.0.9 is not a valid IP for any of the subnets on the specified network."},
		{"delete a subnet with ports", "DELETE", "/v2.0/subnets/" + sn.ID, nil, false, 409, "SubnetInUse", "Unable to complete operation on subnet " + sn.ID + ": One or more ports have an IP allocation from this subnet."},
		{"delete a network with ports", "DELETE", "/v2.0/networks/" + net.ID, nil, false, 409, "NetworkInUse", "Unable to complete operation on network " + net.ID + ". There are one or more ports still in use on the network."},
		{"floating IP without a router", "POST", "/v2.0/floatingips", map[string]any{"floatingip": map[string]any{"floating_network_id": pub.ID, "port_id": port.ID}}, false, 404, "ExternalGatewayForFloatingIPNotFound",
			"External network " + pub.ID + " is not reachable from subnet " + sn.ID + ".  Therefore, cannot associate Port " + port.ID + " with a Floating IP."},
		{"floating IP on an internal network", "POST", "/v2.0/floatingips", map[string]any{"floatingip": map[string]any{"floating_network_id": net.ID}}, false, 400, "BadRequest",
			"Bad floatingip request: Network " + net.ID + " is not a valid external network."},
		{"gateway on an internal network", "PUT", "/v2.0/routers/" + rt.ID, map[string]any{"router": map[string]any{"external_gateway_info": map[string]any{"network_id": net.ID}}}, false, 400, "BadRequest",
			"Bad router request: Network " + net.ID + " is not an external network."},
		{"interface without subnet or port", "PUT", "/v2.0/routers/" + rt.ID + "/add_router_interface", map[string]any{}, false, 400, "BadRequest", "Bad router request: Either subnet_id or port_id must be specified."},
		{"remove an interface the router lacks", "PUT", "/v2.0/routers/" + rt.ID + "/remove_router_interface", map[string]any{"subnet_id": sn.ID}, false, 404, "RouterInterfaceNotFoundForSubnet",
			"Router " + rt.ID + " has no interface on subnet " + sn.ID},
		{"invalid filter", "GET", "/v2.0/networks?foo=bar", nil, false, 400, "HTTPBadRequest", "['foo'] is invalid attribute for filtering"},
		{"invalid sort key", "GET", "/v2.0/networks?sort_key=subnets&sort_dir=asc", nil, false, 400, "HTTPBadRequest", "['subnets'] is invalid attribute for sort_keys"},
		{"invalid limit", "GET", "/v2.0/networks?limit=-1", nil, false, 400, "BadRequest", "Bad limit request: Limit must be an integer 0 or greater and not '-1'."},
		{"filter value of the wrong type", "GET", "/v2.0/networks?shared=perhaps", nil, false, 400, "InvalidInput", "Invalid input for operation: 'perhaps' cannot be converted to boolean."},
		{"unknown extension", "GET", "/v2.0/extensions/fwaas_v2", nil, false, 404, "HTTPNotFound", "Extension with alias fwaas_v2 does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, changes := snapshotJSON(t, lb), lb.changeCount("cloud1")
			c := demo
			if tc.noToken {
				c = nil
			}
			code, body := raw(t, lb, c, tc.method, tc.path, tc.body)
			if tc.code == http.StatusUnauthorized {
				e, _ := body["error"].(map[string]any)
				if code != 401 || e["code"] != float64(401) || e["title"] != "Unauthorized" || e["message"] != "The request you have made requires authentication." {
					t.Errorf("missing token: %d %v, want keystonemiddleware's 401", code, body)
				}
			} else {
				wantNeutronError(t, tc.name, code, body, tc.code, tc.typ, tc.message)
			}
			if after := snapshotJSON(t, lb); after != before || lb.changeCount("cloud1") != changes {
				t.Errorf("state changed by a refused request")
			}
		})
	}

	// A bad token is refused like a missing one, naming Keystone.
	req, _ := http.NewRequest("GET", lb.URL+"/cloud1/network/v2.0/networks", nil)
	req.Header.Set("X-Auth-Token", "not-a-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Keystone uri="`+lb.URL+`"` {
		t.Errorf("bad token: %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	// Bulk create is all or nothing: the second network's error leaves
	// the first uncreated.
	before := snapshotJSON(t, lb)
	code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"networks": []any{
		map[string]any{"name": "ok"}, map[string]any{"name": "bad", "mtu": 9000},
	}})
	wantNeutronError(t, "bulk with a bad item", code, body, 400, "InvalidInput", "Invalid input for operation: Requested MTU is too big, maximum is 1450.")
	if snapshotJSON(t, lb) != before {
		t.Error("a failed bulk create left state behind")
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"networks": []any{map[string]any{"name": "b1"}, map[string]any{"name": "b2"}}})
	if list, _ := body["networks"].([]any); code != 201 || len(list) != 2 {
		t.Errorf("bulk create: %d %v", code, body)
	}

	// The refusals gophercloud users meet, through gophercloud.
	gcError(t, "duplicate address through gophercloud", ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID,
		FixedIPs: []ports.IP{{SubnetID: sn.ID, IPAddress: port.FixedIPs[0].IPAddress}}}).Err,
		409, "IpAddressAlreadyAllocated", "IP address "+port.FixedIPs[0].IPAddress+" already allocated in subnet "+sn.ID)
	gcError(t, "floating IP on an unrouted port", floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: port.ID}).Err,
		404, "ExternalGatewayForFloatingIPNotFound", "External network "+pub.ID+" is not reachable from subnet "+sn.ID+".  Therefore, cannot associate Port "+port.ID+" with a Floating IP.")
	// Full pools.
	tiny, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "tiny"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: tiny.ID, IPVersion: 4, CIDR: "10.9.9.0/30"}).Extract(); err != nil {
		t.Fatal(err)
	}
	if p, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: tiny.ID}).Extract(); err != nil || p.FixedIPs[0].IPAddress != "10.9.9.2" {
		t.Fatalf("the one address of a /30: %+v %v", p, err)
	}
	gcError(t, "no address left", ports.Create(ctx, demo, ports.CreateOpts{NetworkID: tiny.ID}).Err,
		409, "IpAddressGenerationFailure", "No more IP addresses available on network "+tiny.ID+".")
}
