package nova

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/secgroups"
)

// TestAddAndRemoveSecurityGroup: addSecurityGroup puts a group on every
// port of the server (by name or id, as gophercloud's secgroups.AddServer
// and Terraform send it), removeSecurityGroup takes it off, and the
// refusals are Nova's.
func TestAddAndRemoveSecurityGroup(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	net1 := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	net2 := tenantNetwork(t, lb, demo, "net2", "10.0.1.0/24")
	project := ""
	group := func(name string) string {
		code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/security-groups", nil, map[string]any{"security_group": map[string]any{"name": name}})
		if code != 201 {
			t.Fatalf("create group %s: %d %v", name, code, body)
		}
		project = body["security_group"].(map[string]any)["project_id"].(string)
		return body["security_group"].(map[string]any)["id"].(string)
	}
	web, db := group("web"), group("db")
	group("twin")
	group("twin")
	code, _, body := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{"server": map[string]any{
		"name": "vm1", "imageRef": firstImage(t), "flavorRef": "1", "networks": []any{map[string]any{"uuid": net1}, map[string]any{"uuid": net2}}}})
	if code != 202 {
		t.Fatalf("create server: %d %v", code, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	// portGroups is each of the server's ports' groups.
	portGroups := func() [][]string {
		var out [][]string
		for _, p := range ports(t, demo, id) {
			var gs []string
			for _, g := range p.(map[string]any)["security_groups"].([]any) {
				gs = append(gs, g.(string))
			}
			slices.Sort(gs)
			out = append(out, gs)
		}
		return out
	}
	if got := portGroups(); len(got) != 2 {
		t.Fatalf("vm1 has ports %v, want two", got)
	}
	def := portGroups()[0][0]

	if err := secgroups.AddServer(ctx, demo.compute, id, "web").ExtractErr(); err != nil {
		t.Fatalf("add web by name: %v", err)
	}
	if err := secgroups.AddServer(ctx, demo.compute, id, db).ExtractErr(); err != nil {
		t.Fatalf("add db by id: %v", err)
	}
	want := slices.Sorted(slices.Values([]string{def, web, db}))
	if got := portGroups(); !slices.Equal(got[0], want) || !slices.Equal(got[1], want) {
		t.Errorf("ports in %v, want both in %v", got, want)
	}
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"servers/"+id, nil, nil)
	var shown []string
	for _, g := range body["server"].(map[string]any)["security_groups"].([]any) {
		shown = append(shown, g.(map[string]any)["name"].(string))
	}
	if slices.Sort(shown); code != 200 || !slices.Equal(shown, []string{"db", "default", "web"}) {
		t.Errorf("server shows groups %v, want db, default, web", shown)
	}
	// Adding a group the ports have changes nothing.
	if err := secgroups.AddServer(ctx, demo.compute, id, "web").ExtractErr(); err != nil {
		t.Errorf("add web again: %v", err)
	}

	if err := secgroups.RemoveServer(ctx, demo.compute, id, "default").ExtractErr(); err != nil {
		t.Fatalf("remove default: %v", err)
	}
	if err := secgroups.RemoveServer(ctx, demo.compute, id, web).ExtractErr(); err != nil {
		t.Fatalf("remove web by id: %v", err)
	}
	if got := portGroups(); !slices.Equal(got[0], []string{db}) || !slices.Equal(got[1], []string{db}) {
		t.Errorf("ports in %v after removing default and web, want db", got)
	}

	action := func(body any) (int, map[string]any) {
		code, _, out := call(t, demo.compute, "POST", demo.compute.Endpoint+"servers/"+id+"/action", nil, body)
		return code, out
	}
	code, body = action(map[string]any{"removeSecurityGroup": map[string]any{"name": "web"}})
	wantFault(t, "removing a group the server lacks", code, body, 404, "itemNotFound", "Security group web not associated with the instance "+id)
	code, body = action(map[string]any{"addSecurityGroup": map[string]any{"name": "nope"}})
	wantFault(t, "an unknown group", code, body, 404, "itemNotFound", "Security group nope is not found for project "+project)
	code, body = action(map[string]any{"addSecurityGroup": map[string]any{"name": "twin"}})
	wantFault(t, "an ambiguous name", code, body, 409, "conflictingRequest", "Multiple security_group matches found for name 'twin', use an ID to be more specific.")
	code, body = action(map[string]any{"addSecurityGroup": map[string]any{}})
	wantFault(t, "no name", code, body, 400, "badRequest", "Security group not specified")
	code, body = action(map[string]any{"addSecurityGroup": map[string]any{"name": " "}})
	wantFault(t, "a blank name", code, body, 400, "badRequest", "Security group name cannot be empty")
	code, body = action(map[string]any{"addSecurityGroup": "web"})
	wantFault(t, "no object", code, body, 400, "badRequest", "Missing parameter dict")

	// A port without port security takes no groups: nothing changes.
	p := ports(t, demo, id)[1].(map[string]any)["id"].(string)
	code, _, body = call(t, demo.network, "PUT", demo.network.Endpoint+"v2.0/ports/"+p, nil, map[string]any{"port": map[string]any{"security_groups": []any{}, "port_security_enabled": false}})
	if code != 200 {
		t.Fatalf("turn port security off: %d %v", code, body)
	}
	code, body = action(map[string]any{"addSecurityGroup": map[string]any{"name": "web"}})
	wantFault(t, "a port without port security", code, body, 400, "badRequest", "Network requires port_security_enabled and subnet associated in order to apply security groups.")
	if got := portGroups(); !slices.Equal(got[0], []string{db}) || len(got[1]) != 0 {
		t.Errorf("a refused add changed the ports: %v, want [%s] and []", got, db)
	}
}
