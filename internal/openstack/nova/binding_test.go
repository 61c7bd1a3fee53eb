package nova

import (
	"context"
	"testing"
)

// The ports of a server are bound to the compute host Nova chose, which
// an admin sees as binding:host_id (vif_type ovs) and its user does not;
// a port the user gave is unbound again when the server goes.
func TestNovaBindsAServersPortsToItsHost(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/ports", nil, map[string]any{"port": map[string]any{"network_id": netID}})
	if code != 201 {
		t.Fatalf("port: %d %v", code, body)
	}
	given := body["port"].(map[string]any)["id"].(string)
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{"server": map[string]any{
		"name": "vm1", "imageRef": firstImage(t), "flavorRef": "1", "networks": []any{map[string]any{"uuid": netID}, map[string]any{"port": given}}}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	sv, err := lb.nova["cloud1"].server(context.Background(), id)
	if err != nil || sv == nil || len(sv.Ports) != 2 {
		t.Fatalf("server record: %+v %v", sv, err)
	}
	for _, p := range sv.Ports {
		_, _, body = call(t, admin.network, "GET", admin.network.Endpoint+"v2.0/ports/"+p, nil, nil)
		if port := body["port"].(map[string]any); port["binding:host_id"] != sv.Host || port["binding:vif_type"] != "ovs" {
			t.Errorf("port %s: host %v vif_type %v, want %s ovs", p, port["binding:host_id"], port["binding:vif_type"], sv.Host)
		}
		_, _, body = call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports/"+p, nil, nil)
		if _, seen := body["port"].(map[string]any)["binding:host_id"]; seen {
			t.Errorf("the user sees port %s's host", p)
		}
	}
	if code, _, body := call(t, demo.compute, "DELETE", demo.compute.Endpoint+"servers/"+id, nil, nil); code != 204 {
		t.Fatalf("delete: %d %v", code, body)
	}
	_, _, body = call(t, admin.network, "GET", admin.network.Endpoint+"v2.0/ports/"+given, nil, nil)
	if port := body["port"].(map[string]any); port["binding:host_id"] != "" || port["binding:vif_type"] != "unbound" || port["device_id"] != "" {
		t.Errorf("given port after delete: %v", port)
	}
}
