package neutron

import (
	"context"
	"net/http"
	"testing"
)

// interconnectionsPath is the collection below cloud1's Neutron.
const interconnectionsPath = "/v2.0/interconnection/interconnections"

// TestInterconnectionAPI: the collection as a tenant uses it without the
// other cloud's engine: create (TO_VALIDATE), list with filters and
// fields, show, rename, delete; refresh answers the half.
func TestInterconnectionAPI(t *testing.T) {
	lb := startLab(t, func(c *Config) { c.AuthURI = "http://127.0.0.1:5000/v3" })
	demo := lb.demo(t, "cloud1")
	code, body := raw(t, lb, demo, "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r1"}})
	if code != http.StatusCreated {
		t.Fatalf("router: %d %v", code, body)
	}
	routerID := body["router"].(map[string]any)["id"].(string)
	remote := "6c2a2b4e-0d0f-4c43-9a5e-3b8e1f2d7c11"
	code, body = raw(t, lb, demo, "POST", interconnectionsPath, map[string]any{"interconnection": map[string]any{
		"name": "to-cloud2", "type": "router", "local_resource_id": routerID, "remote_resource_id": remote,
		"remote_region": "cloud2", "remote_keystone": nil,
	}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, body)
	}
	ic := body["interconnection"].(map[string]any)
	id := ic["id"].(string)
	for k, want := range map[string]any{"state": StateToValidate, "type": "router", "local_resource_id": routerID,
		"remote_resource_id": remote, "remote_region": "cloud2", "remote_interconnection_id": nil, "name": "to-cloud2"} {
		if ic[k] != want {
			t.Errorf("%s = %v, want %v", k, ic[k], want)
		}
	}
	if ic["tenant_id"] != ic["project_id"] || ic["project_id"] == "" {
		t.Errorf("project: %v", ic)
	}
	if _, ok := ic["local_parameters"]; ok {
		t.Errorf("a tenant sees local_parameters: %v", ic)
	}
	if ic["remote_keystone"] != "http://127.0.0.1:5000/v3" {
		t.Errorf("a null remote_keystone is not this lab's Keystone: %v", ic["remote_keystone"])
	}

	code, body = raw(t, lb, demo, "GET", interconnectionsPath+"?local_resource_id="+routerID+"&fields=id&fields=state", nil)
	list, _ := body["interconnections"].([]any)
	if code != http.StatusOK || len(list) != 1 || len(list[0].(map[string]any)) != 2 {
		t.Errorf("filtered list: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", interconnectionsPath+"?local_resource_id="+remote, nil)
	if list, _ := body["interconnections"].([]any); code != http.StatusOK || len(list) != 0 {
		t.Errorf("list filtered on another resource: %d %v", code, body)
	}
	// The admin sees the (empty) parameters.
	code, body = raw(t, lb, lb.admin(t), "GET", interconnectionsPath+"/"+id, nil)
	if p, ok := body["interconnection"].(map[string]any)["local_parameters"].(map[string]any); code != http.StatusOK || !ok || len(p) != 0 {
		t.Errorf("admin show: %d %v", code, body)
	}

	code, body = raw(t, lb, demo, "PUT", interconnectionsPath+"/"+id, map[string]any{"interconnection": map[string]any{"name": "renamed"}})
	if code != http.StatusOK || body["interconnection"].(map[string]any)["name"] != "renamed" {
		t.Errorf("rename: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "PUT", interconnectionsPath+"/"+id, map[string]any{"interconnection": map[string]any{"remote_region": "x"}})
	wantNeutronError(t, "update remote_region", code, body, http.StatusBadRequest, "HTTPBadRequest", "Cannot update read-only attribute remote_region")
	code, body = raw(t, lb, demo, "PUT", interconnectionsPath+"/"+id+"/refresh", nil)
	if code != http.StatusOK || body["interconnection"].(map[string]any)["id"] != id {
		t.Errorf("refresh: %d %v", code, body)
	}
	// A second half between the same resources is refused.
	code, body = raw(t, lb, demo, "POST", interconnectionsPath, map[string]any{"interconnection": map[string]any{
		"type": "router", "local_resource_id": routerID, "remote_resource_id": remote, "remote_region": "cloud2", "remote_keystone": nil,
	}})
	wantNeutronError(t, "duplicate", code, body, http.StatusConflict, "InterconnectionExists", "Interconnection "+id+" already connects*")

	if code, body = raw(t, lb, demo, "DELETE", interconnectionsPath+"/"+id, nil); code != http.StatusNoContent {
		t.Errorf("delete: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", interconnectionsPath+"/"+id, nil)
	wantNeutronError(t, "show deleted", code, body, http.StatusNotFound, "InterconnectionNotFound", "Interconnection "+id+" could not be found.")

	// Persisted like the rest: a new service on the same store sees what
	// the API committed.
	code, body = raw(t, lb, demo, "POST", interconnectionsPath, map[string]any{"interconnection": map[string]any{
		"type": "router", "local_resource_id": routerID, "remote_resource_id": remote, "remote_region": "cloud2", "remote_keystone": nil,
	}})
	if code != http.StatusCreated {
		t.Fatalf("create again: %d %v", code, body)
	}
	again, err := New(context.Background(), lb.st, lb.ks, Config{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	ics, err := again.Interconnections(context.Background())
	if err != nil || len(ics) != 1 || ics[0].ID != body["interconnection"].(map[string]any)["id"] {
		t.Errorf("a new service reads %v (%v)", ics, err)
	}
}

// TestInterconnectionErrors: bad input gets Neutron's status codes and
// bodies.
func TestInterconnectionErrors(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, body := raw(t, lb, demo, "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r1"}})
	if code != http.StatusCreated {
		t.Fatalf("router: %d %v", code, body)
	}
	routerID := body["router"].(map[string]any)["id"].(string)
	remote := "6c2a2b4e-0d0f-4c43-9a5e-3b8e1f2d7c11"
	good := func(change map[string]any) map[string]any {
		m := map[string]any{"type": "router", "local_resource_id": routerID, "remote_resource_id": remote,
			"remote_region": "cloud2", "remote_keystone": "http://127.0.0.1:5000/v3"}
		for k, v := range change {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return map[string]any{"interconnection": m}
	}
	for _, c := range []struct {
		what     string
		body     any
		code     int
		typ, msg string
	}{
		{"no body", nil, 400, "HTTPBadRequest", "Resource body required"},
		{"not JSON", "{", 400, "MalformedRequestBody", "Malformed request body: Cannot understand JSON."},
		{"no type", good(map[string]any{"type": nil}), 400, "HTTPBadRequest", "Failed to parse request. Required attribute 'type' not specified"},
		{"no remote region", good(map[string]any{"remote_region": nil}), 400, "HTTPBadRequest", "Failed to parse request. Required attribute 'remote_region' not specified"},
		{"bad type", good(map[string]any{"type": "vxlan"}), 400, "HTTPBadRequest",
			"Invalid input for type. Reason: 'vxlan' is not in ['router', 'network_l2', 'network_l3']."},
		{"network_l2 of a router", good(map[string]any{"type": "network_l2"}), 404, "NetworkNotFound", "Network " + routerID + " could not be found."},
		{"bad uuid", good(map[string]any{"remote_resource_id": "r1"}), 400, "HTTPBadRequest",
			"Invalid input for remote_resource_id. Reason: 'r1' is not a valid UUID."},
		{"bad keystone", good(map[string]any{"remote_keystone": "ftp://x"}), 400, "HTTPBadRequest",
			"Invalid input for remote_keystone. Reason: 'ftp://x' is not a Keystone URL*"},
		{"empty region", good(map[string]any{"remote_region": " "}), 400, "HTTPBadRequest",
			"Invalid input for remote_region. Reason: ' ' is not a region name."},
		{"state given", good(map[string]any{"state": "ACTIVE"}), 400, "HTTPBadRequest", "Attribute 'state' not allowed in POST"},
		{"unknown attribute", good(map[string]any{"color": "red"}), 400, "HTTPBadRequest", "Unrecognized attribute(s) 'color'"},
		{"missing router", good(map[string]any{"local_resource_id": remote}), 404, "RouterNotFound", "Router " + remote + " could not be found"},
		{"missing network", good(map[string]any{"type": "network_l3"}), 404, "NetworkNotFound", "Network " + routerID + " could not be found."},
		{"bulk", map[string]any{"interconnections": []any{}}, 400, "HTTPBadRequest", "Bulk operation not supported"},
	} {
		code, body := raw(t, lb, demo, "POST", interconnectionsPath, c.body)
		wantNeutronError(t, c.what, code, body, c.code, c.typ, c.msg)
	}
	// Another tenant's router is not found; its halves neither.
	other := lb.demo(t, "cloud2")
	code, body = raw(t, lb, other, "POST", interconnectionsPath, good(nil))
	wantNeutronError(t, "another tenant's router", code, body, 404, "RouterNotFound", "Router "+routerID+" could not be found")
	code, body = raw(t, lb, nil, "GET", interconnectionsPath, nil)
	if code != http.StatusUnauthorized {
		t.Errorf("no token: %d %v", code, body)
	}
}
