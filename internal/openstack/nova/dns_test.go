package nova

import (
	"strings"
	"testing"
)

// Neutron has DNS integration, so Nova names a server's ports after its
// hostname ("Web Server 1" -> web-server-1), both the port it makes and
// the one it is given, and clears the given port's dns_name when the
// server goes; a given port already named otherwise is refused.
func TestNovaNamesAServersPortsAfterItsHostname(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	port := func(body map[string]any) map[string]any {
		t.Helper()
		code, _, out := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/ports", nil, map[string]any{"port": body})
		if code != 201 {
			t.Fatalf("port: %d %v", code, out)
		}
		return out["port"].(map[string]any)
	}
	given := port(map[string]any{"network_id": netID})["id"].(string)
	named := port(map[string]any{"network_id": netID, "dns_name": "db"})["id"].(string)

	code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{"server": map[string]any{
		"name": "Web Server 1", "imageRef": firstImage(t), "flavorRef": "1", "networks": []any{map[string]any{"port": named}}}})
	f, _ := body["badRequest"].(map[string]any)
	msg, _ := f["message"].(string)
	if code != 400 || !strings.HasPrefix(msg, "Port "+named+" not usable for instance ") ||
		!strings.HasSuffix(msg, ". Value db assigned to dns_name attribute does not match instance's hostname web-server-1") {
		t.Errorf("a port named otherwise: %d %v", code, body)
	}

	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{"server": map[string]any{
		"name": "Web Server 1", "imageRef": firstImage(t), "flavorRef": "1", "networks": []any{map[string]any{"uuid": netID}, map[string]any{"port": given}}}})
	if code != 202 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	_, _, body = call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports?device_id="+id, nil, nil)
	list, _ := body["ports"].([]any)
	if len(list) != 2 {
		t.Fatalf("the server's ports: %v", body)
	}
	for _, p := range list {
		if p := p.(map[string]any); p["dns_name"] != "web-server-1" {
			t.Errorf("port %v: dns_name %q, want web-server-1", p["id"], p["dns_name"])
		}
	}
	if code, _, body := call(t, demo.compute, "DELETE", demo.compute.Endpoint+"servers/"+id, nil, nil); code != 204 {
		t.Fatalf("delete: %d %v", code, body)
	}
	_, _, body = call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports/"+given, nil, nil)
	if p := body["port"].(map[string]any); p["dns_name"] != "" {
		t.Errorf("the given port after the server's delete: dns_name %q", p["dns_name"])
	}
}
