package nova

import (
	"testing"
)

// A server's port is in the groups the create names (resolved by name or
// id in the project, as Nova does), else in the project's default group,
// and the server shows its ports' groups.
func TestSecurityGroupsGoToThePort(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/security-groups", nil, map[string]any{"security_group": map[string]any{"name": "web"}})
	if code != 201 {
		t.Fatalf("create group: %d %v", code, body)
	}
	web := body["security_group"].(map[string]any)["id"].(string)
	create := func(name string, groups ...string) (int, map[string]any) {
		srv := map[string]any{"name": name, "imageRef": firstImage(t), "flavorRef": "1"}
		if groups != nil {
			var gs []any
			for _, g := range groups {
				gs = append(gs, map[string]any{"name": g})
			}
			srv["security_groups"] = gs
		}
		code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{"server": srv})
		return code, body
	}
	groupsOf := func(id string) (port []any, shown []any) {
		ps := ports(t, demo, id)
		if len(ps) != 1 {
			t.Fatalf("ports of %s: %v", id, ps)
		}
		_, _, body := call(t, demo.compute, "GET", demo.compute.Endpoint+"servers/"+id, nil, nil)
		return ps[0].(map[string]any)["security_groups"].([]any), body["server"].(map[string]any)["security_groups"].([]any)
	}

	code, body = create("vm1", "web")
	if code != 202 {
		t.Fatalf("create with web: %d %v", code, body)
	}
	port, shown := groupsOf(body["server"].(map[string]any)["id"].(string))
	if len(port) != 1 || port[0] != web || len(shown) != 1 || shown[0].(map[string]any)["name"] != "web" {
		t.Errorf("vm1: port in %v, shown %v; want web", port, shown)
	}
	code, body = create("vm2", web) // by id, as the openstack CLI sends it
	if code != 202 {
		t.Fatalf("create with web's id: %d %v", code, body)
	}
	if port, _ := groupsOf(body["server"].(map[string]any)["id"].(string)); len(port) != 1 || port[0] != web {
		t.Errorf("vm2: port in %v, want web", port)
	}
	code, body = create("vm3")
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	if _, shown := groupsOf(body["server"].(map[string]any)["id"].(string)); len(shown) != 1 || shown[0].(map[string]any)["name"] != "default" {
		t.Errorf("vm3 shows %v, want default", shown)
	}
	code, body = create("vm4", "nope")
	wantFault(t, "an unknown group", code, body, 400, "badRequest", "Security group nope not found.")
}
