package nova

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servergroups"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// bootInGroup creates a server of the demo project in group g and
// returns it as the admin sees it (with its host).
func bootInGroup(t *testing.T, lb *lab, demo, admin clients, netID, name, group string) *servers.Server {
	t.Helper()
	ctx := context.Background()
	created, err := servers.Create(ctx, demo.compute, servers.CreateOpts{
		Name: name, ImageRef: imagesOf()[0], FlavorRef: "1", Networks: []servers.Network{{UUID: netID}},
	}, servers.SchedulerHintOpts{Group: group}).Extract()
	if err != nil {
		t.Fatalf("boot %s in group %s: %v", name, group, err)
	}
	sv, err := servers.Get(ctx, admin.compute, created.ID).Extract()
	if err != nil {
		t.Fatal(err)
	}
	return sv
}

// TestAntiAffinityPutsAServicesServersOnDifferentComputes: a group made
// through gophercloud at 2.1 (policies) places its servers on different
// compute nodes, whose ports are bound there; with both hosts taken the
// third is ERROR with the scheduler's fault and no port, and still a
// member. An affinity group keeps its servers together.
func TestAntiAffinityPutsAServicesServersOnDifferentComputes(t *testing.T) {
	lb := startLab(t, "")
	ctx := context.Background()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")

	g, err := servergroups.Create(ctx, demo.compute, servergroups.CreateOpts{Name: "web", Policies: []string{"anti-affinity"}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "web" || len(g.Policies) != 1 || g.Policies[0] != "anti-affinity" || len(g.Members) != 0 || g.Policy != nil {
		t.Fatalf("created group at 2.1: %+v", g)
	}
	a := bootInGroup(t, lb, demo, admin, netID, "web1", g.ID)
	b := bootInGroup(t, lb, demo, admin, netID, "web2", g.ID)
	if a.Host == "" || a.Host == b.Host {
		t.Fatalf("anti-affinity: web1 on %q, web2 on %q", a.Host, b.Host)
	}
	for _, sv := range []*servers.Server{a, b} {
		ps := ports(t, admin, sv.ID)
		if len(ps) != 1 || ps[0].(map[string]any)["binding:host_id"] != sv.Host {
			t.Errorf("%s on %s: ports %v", sv.Name, sv.Host, ps)
		}
	}
	c := bootInGroup(t, lb, demo, admin, netID, "web3", g.ID)
	if c.Status != "ERROR" || c.Host != "" || c.Fault.Code != 500 || c.Fault.Message != "No valid host was found. There are not enough hosts available." {
		t.Errorf("a third server with two computes: status %s host %q fault %+v", c.Status, c.Host, c.Fault)
	}
	if ps := ports(t, admin, c.ID); len(ps) != 0 {
		t.Errorf("the unscheduled server kept ports: %v", ps)
	}
	lb.advance(10 * time.Second)
	if sv, _ := servers.Get(ctx, demo.compute, c.ID).Extract(); sv == nil || sv.Status != "ERROR" {
		t.Errorf("the unscheduled server became %+v", sv)
	}
	got, err := servergroups.Get(ctx, demo.compute, g.ID).Extract()
	if err != nil || strings.Join(got.Members, ",") != a.ID+","+b.ID+","+c.ID {
		t.Errorf("members: %v %+v, want web1, web2, web3", err, got)
	}

	together, err := servergroups.Create(ctx, demo.compute, servergroups.CreateOpts{Name: "db", Policies: []string{"affinity"}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	d1 := bootInGroup(t, lb, demo, admin, netID, "db1", together.ID)
	d2 := bootInGroup(t, lb, demo, admin, netID, "db2", together.ID)
	if d1.Host == "" || d1.Host != d2.Host {
		t.Errorf("affinity: db1 on %q, db2 on %q", d1.Host, d2.Host)
	}

	// Deleting a group leaves its servers running, members of nothing.
	if err := servergroups.Delete(ctx, demo.compute, g.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := servergroups.Get(ctx, demo.compute, g.ID).Extract(); err == nil {
		t.Error("the deleted group is still shown")
	}
	if sv, err := servers.Get(ctx, demo.compute, a.ID).Extract(); err != nil || sv.Status != "ACTIVE" {
		t.Errorf("web1 after its group's delete: %v %+v", err, sv)
	}
}

// TestServerGroupPolicyAndRulesFrom264: at 2.64 a group has one policy
// and anti-affinity's max_server_per_host rule lets that many share a
// host; a server shows its groups from 2.71.
func TestServerGroupPolicyAndRulesFrom264(t *testing.T) {
	lb := startLab(t, "")
	ctx := context.Background()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	demo.compute.Microversion = "2.64"
	g, err := servergroups.Create(ctx, demo.compute, servergroups.CreateOpts{Name: "pairs", Policy: "anti-affinity",
		Rules: &servergroups.Rules{MaxServerPerHost: 2}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if g.Policy == nil || *g.Policy != "anti-affinity" || g.Rules == nil || g.Rules.MaxServerPerHost != 2 || g.Policies != nil {
		t.Fatalf("created group at 2.64: %+v", g)
	}
	hosts := map[string]int{}
	for _, name := range []string{"a", "b", "c", "d"} {
		sv := bootInGroup(t, lb, demo, admin, netID, name, g.ID)
		hosts[sv.Host]++
	}
	if len(hosts) != 2 || hosts["cloud1-cn1"] != 2 || hosts["cloud1-cn2"] != 2 {
		t.Errorf("four servers, two per host allowed: %v", hosts)
	}
	demo.compute.Microversion = "2.71"
	code, _, body := call(t, demo.compute, "GET", demo.compute.Endpoint+"servers/detail", map[string]string{"OpenStack-API-Version": "compute 2.71"}, nil)
	if code != 200 {
		t.Fatalf("servers at 2.71: %d %v", code, body)
	}
	for _, s := range body["servers"].([]any) {
		if groups := s.(map[string]any)["server_groups"]; toJSON(groups) != `["`+g.ID+`"]` {
			t.Errorf("server_groups at 2.71: %v", groups)
		}
	}
}

// TestServerGroupErrorsAsNovaAnswersThem: the schema's 400s, the
// policy's 403 for another project's group, a missing group's 404, the
// quota's 403, and a create naming a group that is not there.
func TestServerGroupErrorsAsNovaAnswersThem(t *testing.T) {
	lb := startLab(t, "")
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	other := lb.clients(t, "demo-cloud2", "demo-cloud2", "cloud1")
	url := demo.compute.Endpoint + "os-server-groups"
	v264 := map[string]string{"OpenStack-API-Version": "compute 2.64"}
	for _, tc := range []struct {
		what    string
		headers map[string]string
		body    any
		code    int
		message string
	}{
		{"no policies", nil, map[string]any{"server_group": map[string]any{"name": "g"}}, 400,
			`Invalid input for field/attribute server_group. Value: {"name":"g"}. 'policies' is a required property`},
		{"soft policy before 2.15", nil, map[string]any{"server_group": map[string]any{"name": "g", "policies": []any{"soft-affinity"}}}, 400,
			`Invalid input for field/attribute policies. Value: ["soft-affinity"]. soft-affinity is not one of the policies this microversion accepts`},
		{"rules on affinity", v264, map[string]any{"server_group": map[string]any{"name": "g", "policy": "affinity", "rules": map[string]any{"max_server_per_host": 2}}}, 400,
			"Only anti-affinity policy supports rules."},
		{"rule below 1", v264, map[string]any{"server_group": map[string]any{"name": "g", "policy": "anti-affinity", "rules": map[string]any{"max_server_per_host": 0}}}, 400,
			"Invalid input for field/attribute rules/max_server_per_host. Value: 0. is less than the minimum of 1"},
		{"unknown policy", v264, map[string]any{"server_group": map[string]any{"name": "g", "policy": "spread"}}, 400,
			`Invalid input for field/attribute policy. Value: "spread". 'spread' is not one of ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']`},
	} {
		code, _, body := call(t, demo.compute, "POST", url, tc.headers, tc.body)
		wantFault(t, tc.what, code, body, tc.code, "badRequest", tc.message)
	}

	code, _, body := call(t, demo.compute, "POST", url, nil, map[string]any{"server_group": map[string]any{"name": "mine", "policies": []any{"affinity"}}})
	if code != 200 {
		t.Fatalf("create: %d %v", code, body)
	}
	id := body["server_group"].(map[string]any)["id"].(string)
	code, _, body = call(t, other.compute, "GET", url+"/"+id, nil, nil)
	wantFault(t, "another project's group", code, body, 403, "forbidden", "Policy doesn't allow os_compute_api:os-server-groups:show to be performed.")
	code, _, body = call(t, other.compute, "GET", url, nil, nil)
	if code != 200 || len(body["server_groups"].([]any)) != 0 {
		t.Errorf("another project's list: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "DELETE", url+"/"+id, nil, nil)
	if code != 204 {
		t.Fatalf("delete: %d %v", code, body)
	}
	code, _, body = call(t, demo.compute, "DELETE", url+"/"+id, nil, nil)
	wantFault(t, "delete again", code, body, 404, "itemNotFound", "Instance group "+id+" could not be found.")

	for i := range 10 {
		if code, _, body := call(t, demo.compute, "POST", url, nil, map[string]any{"server_group": map[string]any{"name": "g", "policies": []any{"affinity"}}}); code != 200 {
			t.Fatalf("group %d of the quota's 10: %d %v", i+1, code, body)
		}
	}
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"server_group": map[string]any{"name": "g", "policies": []any{"affinity"}}})
	wantFault(t, "an eleventh group", code, body, 403, "forbidden", "Quota exceeded, too many server groups.")

	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	missing := newUUID()
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{
		"server":             map[string]any{"name": "vm", "imageRef": imagesOf()[0], "flavorRef": "1", "networks": []any{map[string]any{"uuid": netID}}},
		"os:scheduler_hints": map[string]any{"group": missing}})
	wantFault(t, "a create in a missing group", code, body, 400, "badRequest", "Instance group "+missing+" could not be found.")
	if code, _, body := call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports?device_owner=compute:nova", nil, nil); code != 200 || len(body["ports"].([]any)) != 0 {
		t.Errorf("the refused create left ports: %d %v", code, body)
	}
}

// TestOpenstackClientSpreadsServersWithAServerGroup: Debian's openstack
// CLI makes an anti-affinity group, boots two servers with --hint
// group=, and sees them on different hosts and in the group's members.
func TestOpenstackClientSpreadsServersWithAServerGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLabClock(t, "", true)
	const demo = "demo-cloud1"
	c := lb.clients(t, demo, demo, "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	tenantNetwork(t, lb, c, "net1", "10.0.0.0/24")
	var g map[string]any
	cli(t, lb, demo, &g, "server", "group", "create", "--policy", "anti-affinity", "web")
	id, _ := g["id"].(string)
	if id == "" || !strings.Contains(toJSON(g), "anti-affinity") {
		t.Fatalf("server group create: %v", g)
	}
	hosts := map[string]bool{}
	var ids []string
	for _, name := range []string{"web1", "web2"} {
		var sv map[string]any
		cli(t, lb, demo, &sv, "server", "create", "--image", "cirros-0.6.2-x86_64-disk", "--flavor", "m1.tiny", "--network", "net1",
			"--hint", "group="+id, "--wait", name)
		if sv["status"] != "ACTIVE" {
			t.Fatalf("server create %s: %v", name, sv)
		}
		full, err := servers.Get(context.Background(), admin.compute, sv["id"].(string)).Extract()
		if err != nil {
			t.Fatal(err)
		}
		hosts[full.Host] = true
		ids = append(ids, full.ID)
	}
	if len(hosts) != 2 {
		t.Errorf("two servers of an anti-affinity group share a host: %v", hosts)
	}
	var shown map[string]any
	cli(t, lb, demo, &shown, "server", "group", "show", "web")
	for _, sid := range ids {
		if !strings.Contains(toJSON(shown["members"]), sid) {
			t.Errorf("server group show: members %v, want %s", shown["members"], sid)
		}
	}
	var list []map[string]any
	cli(t, lb, demo, &list, "server", "group", "list")
	if len(list) != 1 || list[0]["Name"] != "web" {
		t.Errorf("server group list: %v", list)
	}
	cli(t, lb, demo, nil, "server", "group", "delete", "web")
	if code, _, body := call(t, c.compute, "GET", c.compute.Endpoint+"os-server-groups/"+id, nil, nil); code != 404 {
		t.Errorf("the group after server group delete: %d %v", code, body)
	}
}
