package nova

import (
	"strings"
	"testing"
)

// Bad creates are refused with Nova's statuses and messages, and leave
// no port behind.
func TestCreateErrorsAnswerAsNova(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	img := firstImage(t)
	const missing = "3f1c55d1-9d27-4a68-9b0c-3e9d4c1b2a10"
	url := demo.compute.Endpoint + "servers"
	create := func(server map[string]any) (int, map[string]any) {
		code, _, body := call(t, demo.compute, "POST", url, nil, map[string]any{"server": server})
		return code, body
	}
	for _, tc := range []struct {
		what   string
		server map[string]any
		msg    string
	}{
		{"unknown flavor", map[string]any{"name": "a", "imageRef": img, "flavorRef": "m1.huge", "networks": []any{map[string]any{"uuid": netID}}}, "Invalid flavorRef provided."},
		{"unknown image", map[string]any{"name": "a", "imageRef": missing, "flavorRef": "1", "networks": []any{map[string]any{"uuid": netID}}}, "Can not find requested image"},
		{"unknown network", map[string]any{"name": "a", "imageRef": img, "flavorRef": "1", "networks": []any{map[string]any{"uuid": missing}}}, "Network " + missing + " could not be found."},
		{"unknown port", map[string]any{"name": "a", "imageRef": img, "flavorRef": "1", "networks": []any{map[string]any{"uuid": netID}, map[string]any{"port": missing}}}, "Port id " + missing + " could not be found."},
		{"bad network id", map[string]any{"name": "a", "imageRef": img, "flavorRef": "1", "networks": []any{map[string]any{"uuid": "net1"}}}, "Bad networks format: network uuid is not in proper format (net1)"},
		{"image id not a UUID", map[string]any{"name": "a", "imageRef": "cirros", "flavorRef": "1"}, "Invalid imageRef provided."},
		{"no image", map[string]any{"name": "a", "flavorRef": "1"}, "Missing imageRef attribute"},
		{"key pair", map[string]any{"name": "a", "imageRef": img, "flavorRef": "1", "key_name": "mykey"}, "Invalid key_name provided."},
		{"image too big for the flavor", map[string]any{"name": "a", "imageRef": imagesOf()[2], "flavorRef": "42"}, "Flavor's memory is too small for requested image."},
	} {
		code, body := create(tc.server)
		wantFault(t, tc.what, code, body, 400, "badRequest", tc.msg)
	}
	// A network without a subnet: Nova's own words, not Neutron's.
	code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/networks", nil, map[string]any{"network": map[string]any{"name": "bare"}})
	if code != 201 {
		t.Fatalf("create bare network: %d %v", code, body)
	}
	bare := body["network"].(map[string]any)["id"].(string)
	code, body = create(map[string]any{"name": "a", "imageRef": img, "flavorRef": "1", "networks": []any{map[string]any{"uuid": bare}}})
	wantFault(t, "network without a subnet", code, body, 400, "badRequest", "Network "+bare+" requires a subnet in order to boot instances on.")
	code, body = create(map[string]any{"imageRef": img, "flavorRef": "1"})
	if code != 400 || !strings.Contains(body["badRequest"].(map[string]any)["message"].(string), "'name' is a required property") {
		t.Errorf("no name: %d %v", code, body)
	}
	if ps := ports(t, demo, ""); len(ps) != 0 {
		t.Errorf("refused creates left ports: %v", ps)
	}
	// From 2.37 networks is required.
	code, _, body = call(t, demo.compute, "POST", url, map[string]string{"OpenStack-API-Version": "compute 2.37"},
		map[string]any{"server": map[string]any{"name": "a", "imageRef": img, "flavorRef": "1"}})
	if code != 400 || !strings.Contains(body["badRequest"].(map[string]any)["message"].(string), "'networks' is a required property") {
		t.Errorf("2.37 without networks: %d %v", code, body)
	}
	// Two networks and none named: the user must choose.
	tenantNetwork(t, lb, demo, "net2", "10.0.1.0/24")
	code, body = create(map[string]any{"name": "a", "imageRef": img, "flavorRef": "1"})
	wantFault(t, "two networks", code, body, 409, "conflictingRequest", "Multiple possible networks found, use a Network ID to be more specific.")
}

// Another project's servers, and servers that do not exist, are 404
// itemNotFound to every call.
func TestOtherProjectsServersAreNotFound(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	other := lb.clients(t, "demo-cloud2", "demo-cloud2", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "vm1", "imageRef": firstImage(t), "flavorRef": "1"}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	for _, target := range []string{id, "vm1"} {
		for _, req := range []struct{ method, path string }{{"GET", ""}, {"DELETE", ""}, {"POST", "/action"}} {
			code, _, body := call(t, other.compute, req.method, other.compute.Endpoint+"servers/"+target+req.path, nil,
				map[string]any{"os-getConsoleOutput": map[string]any{"length": nil}})
			wantFault(t, req.method+" "+target+req.path, code, body, 404, "itemNotFound", "Instance "+target+" could not be found.")
		}
	}
	code, _, body = call(t, other.compute, "GET", other.compute.Endpoint+"servers/detail", nil, nil)
	if code != 200 || len(body["servers"].([]any)) != 0 {
		t.Errorf("the other project lists %d %v", code, body)
	}
	code, _, body = call(t, other.compute, "GET", other.compute.Endpoint+"flavors/nope", nil, nil)
	wantFault(t, "unknown flavor", code, body, 404, "itemNotFound", "Flavor nope could not be found.")
	// The console is not ready while the server builds.
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers/"+id+"/action", nil, map[string]any{"os-getConsoleOutput": map[string]any{}})
	wantFault(t, "console while building", code, body, 409, "conflictingRequest", "Cannot 'get_console_output' instance "+id+" while it is in vm_state building")
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers/"+id+"/action", nil, map[string]any{"reboot": map[string]any{"type": "SOFT"}})
	wantFault(t, "unknown action", code, body, 400, "badRequest", "There is no such action: reboot")
}

// The API checks the token and the microversion before anything else,
// and names the version it answered at.
func TestTokenAndMicroversion(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	code, h, body := call(t, nil, "GET", demo.compute.Endpoint+"servers", nil, nil)
	if code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Keystone uri=") || body["error"] == nil {
		t.Errorf("no token: %d %v %v", code, h, body)
	}
	code, h, _ = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers", map[string]string{"X-OpenStack-Nova-API-Version": "2.53"}, nil)
	if code != 200 || h.Get("OpenStack-API-Version") != "compute 2.53" || h.Get("X-OpenStack-Nova-API-Version") != "2.53" {
		t.Errorf("2.53: %d %v", code, h)
	}
	code, h, _ = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers", map[string]string{"OpenStack-API-Version": "compute latest"}, nil)
	if code != 200 || h.Get("OpenStack-API-Version") != "compute 2.96" {
		t.Errorf("latest: %d %v", code, h)
	}
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers", map[string]string{"OpenStack-API-Version": "compute 2.200"}, nil)
	wantFault(t, "2.200", code, body, 406, "computeFault", "Version 2.200 is not supported by the API. Minimum is 2.1 and maximum is 2.96.")
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers", map[string]string{"OpenStack-API-Version": "compute 2.x"}, nil)
	wantFault(t, "2.x", code, body, 400, "badRequest", "API Version String 2.x is of invalid format. Must be of format MajorNum.MinorNum.")
	// The version documents need no token.
	root := strings.TrimSuffix(demo.compute.Endpoint, "v2.1/")
	code, _, body = call(t, nil, "GET", root, nil, nil)
	if vs, _ := body["versions"].([]any); code != 200 || len(vs) != 1 || vs[0].(map[string]any)["version"] != "2.96" {
		t.Errorf("versions: %d %v", code, body)
	}
	code, _, body = call(t, nil, "GET", demo.compute.Endpoint, nil, nil)
	if v, _ := body["version"].(map[string]any); code != 200 || v["min_version"] != "2.1" || v["id"] != "v2.1" {
		t.Errorf("v2.1: %d %v", code, body)
	}
}

// Servers are in the store: a Nova opened again on it finds them.
func TestServersOutliveRestart(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "vm1", "imageRef": firstImage(t), "flavorRef": "1"}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)

	again := startLab(t, lb.dir)
	demo = again.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers/"+id, nil, nil)
	v, _ := body["server"].(map[string]any)
	if code != 200 || v["name"] != "vm1" || len(v["addresses"].(map[string]any)["net1"].([]any)) != 1 {
		t.Errorf("after restart: %d %v", code, body)
	}
}

// A project gets Nova's default quotas: 20 cores, then 10 instances; a
// refused server leaves no port behind.
func TestQuotasRefuseAsNova(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	img := firstImage(t)
	create := func(name, flavor string) (int, map[string]any) {
		code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
			map[string]any{"server": map[string]any{"name": name, "imageRef": img, "flavorRef": flavor}})
		return code, body
	}
	var big []string
	for _, n := range []string{"big1", "big2"} {
		code, body := create(n, "5") // m1.xlarge: 8 cores
		if code != 202 {
			t.Fatalf("create %s: %d %v", n, code, body)
		}
		big = append(big, body["server"].(map[string]any)["id"].(string))
	}
	code, body := create("big3", "5")
	wantFault(t, "a third m1.xlarge", code, body, 403, "forbidden", "Quota exceeded for cores: Requested 8, but already used 16 of 20 cores")
	for _, id := range big {
		if code, _, body := call(t, demo.compute, "DELETE", demo.compute.Endpoint+"servers/"+id, nil, nil); code != 204 {
			t.Fatalf("delete: %d %v", code, body)
		}
	}
	for i := range 10 {
		if code, body := create("vm", "42"); code != 202 {
			t.Fatalf("server %d: %d %v", i+1, code, body)
		}
	}
	code, body = create("vm11", "42")
	wantFault(t, "an eleventh server", code, body, 403, "forbidden", "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances")
	code, _, body = call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports?device_owner=compute:nova", nil, nil)
	if n := len(body["ports"].([]any)); code != 200 || n != 10 {
		t.Errorf("%d compute ports, want the 10 servers'", n)
	}
}

// A server is renamed and described as `openstack server set` does, and
// limits count what the project uses.
func TestUpdateAndLimits(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "vm1", "imageRef": firstImage(t), "flavorRef": "2"}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	v219 := map[string]string{"OpenStack-API-Version": "compute 2.19"}
	code, _, body = call(t, demo.compute, "PUT", demo.compute.Endpoint+"servers/"+id, v219, map[string]any{"server": map[string]any{"name": "web1", "description": "front"}})
	if v, _ := body["server"].(map[string]any); code != 200 || v["name"] != "web1" || v["description"] != "front" {
		t.Errorf("update: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "PUT", demo.compute.Endpoint+"servers/"+id, nil, map[string]any{"server": map[string]any{"description": "x"}})
	if code != 400 {
		t.Errorf("description at 2.1: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"limits", nil, nil)
	abs, _ := body["limits"].(map[string]any)["absolute"].(map[string]any)
	if code != 200 || abs["totalInstancesUsed"] != float64(1) || abs["totalRAMUsed"] != float64(2048) || abs["maxTotalCores"] != float64(20) {
		t.Errorf("limits: %d %v", code, body)
	}
}

// An admin lists only its project's servers unless it asks for
// all_tenants, and then sees where each runs.
func TestAdminListsAllProjectsWhenAsked(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil,
		map[string]any{"server": map[string]any{"name": "vm1", "imageRef": firstImage(t), "flavorRef": "1"}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	code, _, body = call(t, admin.compute, "GET", admin.compute.Endpoint+"servers/detail", nil, nil)
	if code != 200 || len(body["servers"].([]any)) != 0 {
		t.Errorf("admin's own list: %d %v", code, body)
	}
	code, _, body = call(t, admin.compute, "GET", admin.compute.Endpoint+"servers/detail?all_tenants=True", nil, nil)
	if ss, _ := body["servers"].([]any); code != 200 || len(ss) != 1 || ss[0].(map[string]any)["OS-EXT-SRV-ATTR:host"] != "cloud1-cn1" {
		t.Errorf("all_tenants: %d %v", code, body)
	}
	// A member may not ask for every project's.
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers?all_tenants=1", nil, nil)
	wantFault(t, "member all_tenants", code, body, 403, "forbidden", "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.")
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers?all_tenants=0", nil, nil)
	if code != 200 || len(body["servers"].([]any)) != 1 {
		t.Errorf("member all_tenants=0: %d %v", code, body)
	}
}
