package nova

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/secgroups"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// TestSecurityGroupProxy: Nova's os-security-groups shows the project's
// Neutron groups in Nova's shape (ingress rules, Nova's port numbers, a
// group or a CIDR as source) up to 2.35 and is gone from 2.36; a name is
// no id.
func TestSecurityGroupProxy(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/security-groups", nil, map[string]any{"security_group": map[string]any{"name": "web", "description": "front"}})
	if code != 201 {
		t.Fatalf("create group: %d %v", code, body)
	}
	web := body["security_group"].(map[string]any)["id"].(string)
	for _, r := range []map[string]any{
		{"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "10.0.0.0/8"},
		{"protocol": "udp"},
		{"protocol": "icmp", "remote_group_id": web},
	} {
		r["security_group_id"], r["direction"] = web, "ingress"
		if code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/security-group-rules", nil, map[string]any{"security_group_rule": r}); code != 201 {
			t.Fatalf("create rule %v: %d %v", r, code, body)
		}
	}

	pages, err := secgroups.List(demo.compute).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := secgroups.ExtractSecurityGroups(pages)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range all {
		names = append(names, g.Name)
	}
	if !slices.Equal(names, []string{"default", "web"}) {
		t.Fatalf("groups %v, want default and web", names)
	}
	g, err := secgroups.Get(ctx, demo.compute, web).Extract()
	if err != nil || g.Name != "web" || g.Description != "front" || len(g.Rules) != 3 {
		t.Fatalf("web: %v %+v", err, g)
	}
	var got []string
	for _, r := range g.Rules {
		src := r.IPRange.CIDR
		if r.Group.Name != "" {
			src = "group " + r.Group.Name
		}
		got = append(got, fmt.Sprintf("%s %d %d %s", r.IPProtocol, r.FromPort, r.ToPort, src))
	}
	slices.Sort(got)
	if want := []string{"icmp -1 -1 group web", "tcp 22 22 10.0.0.0/8", "udp 1 65535 0.0.0.0/0"}; !slices.Equal(got, want) {
		t.Errorf("web's rules %v, want %v (no egress rules)", got, want)
	}

	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"os-security-groups/web", nil, nil)
	wantFault(t, "a name", code, body, 400, "badRequest", "Security group id should be uuid")
	code, _, body = call(t, demo.compute, "GET", demo.compute.Endpoint+"os-security-groups", map[string]string{"X-OpenStack-Nova-API-Version": "2.36"}, nil)
	wantFault(t, "the proxy at 2.36", code, body, 404, "itemNotFound", "The resource could not be found.")
}

// TestOpenstackClientServerSecurityGroups: `openstack server add security
// group` and `remove security group` find the group through the proxy
// and change the server's ports.
func TestOpenstackClientServerSecurityGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLabClock(t, "", true)
	const demo = "demo-cloud1"
	c := lb.clients(t, demo, demo, "cloud1")
	net := tenantNetwork(t, lb, c, "net1", "10.0.0.0/24")
	cli(t, lb, demo, nil, "security", "group", "create", "web")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sv, err := servers.Create(ctx, c.compute, servers.CreateOpts{Name: "vm1", ImageRef: firstImage(t), FlavorRef: "1", Networks: []servers.Network{{UUID: net}}}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	shown := func() []string {
		var out struct {
			SecurityGroups []struct{ Name string } `json:"security_groups"`
		}
		cli(t, lb, demo, &out, "server", "show", "vm1")
		var names []string
		for _, g := range out.SecurityGroups {
			names = append(names, g.Name)
		}
		slices.Sort(names)
		return names
	}
	cli(t, lb, demo, nil, "server", "add", "security", "group", "vm1", "web")
	if got := shown(); !slices.Equal(got, []string{"default", "web"}) {
		t.Errorf("after add: %v, want default and web", got)
	}
	cli(t, lb, demo, nil, "server", "remove", "security", "group", sv.ID, "default")
	if got := shown(); !slices.Equal(got, []string{"web"}) {
		t.Errorf("after remove: %v, want web", got)
	}
}
