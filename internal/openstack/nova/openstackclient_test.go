package nova

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
)

// cli runs Debian's openstack CLI as an openrc for user on region cloud1
// would, and decodes its -f json output into v when v is not nil.
func cli(t *testing.T, lb *lab, user string, v any, args ...string) string {
	t.Helper()
	if v != nil {
		args = append(args, "-f", "json")
	}
	stdout, stderr, err := ostest.CLI(t, ostest.Openrc(lb.URL+"/v3", "cloud1", user, testPassword, user), args...)
	if err != nil {
		t.Fatalf("openstack %s: %v\n%s%s", strings.Join(args, " "), err, stdout, stderr)
	}
	if os.Getenv("NOVA_CLI_DEBUG") != "" {
		t.Log(stderr)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(stdout), v); err != nil {
			t.Fatalf("openstack %s: output %q: %v", strings.Join(args, " "), stdout, err)
		}
	}
	return stdout
}

func TestOpenstackClientServerLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLabClock(t, "", true)
	const demo = "demo-cloud1"
	// An external network for floating IPs, and the project's network
	// behind a router to it.
	admin := lb.clients(t, "admin", "admin", "cloud1")
	code, _, body := call(t, admin.network, "POST", admin.network.Endpoint+"v2.0/networks", nil, map[string]any{"network": map[string]any{
		"name": "public", "router:external": true, "provider:network_type": "flat", "provider:physical_network": "physnet1"}})
	if code != 201 {
		t.Fatalf("public network: %d %v", code, body)
	}
	pub := body["network"].(map[string]any)["id"].(string)
	if code, _, body = call(t, admin.network, "POST", admin.network.Endpoint+"v2.0/subnets", nil, map[string]any{"subnet": map[string]any{
		"network_id": pub, "ip_version": 4, "cidr": "203.0.113.0/24", "enable_dhcp": false}}); code != 201 {
		t.Fatalf("public subnet: %d %v", code, body)
	}
	c := lb.clients(t, demo, demo, "cloud1")
	tenantNetwork(t, lb, c, "net1", "10.0.0.0/24")
	cli(t, lb, demo, nil, "router", "create", "router1")
	cli(t, lb, demo, nil, "router", "set", "--external-gateway", "public", "router1")
	cli(t, lb, demo, nil, "router", "add", "subnet", "router1", "net1-subnet")

	pubKey, _ := newKey("me@laptop")
	keyFile := filepath.Join(t.TempDir(), "id.pub")
	if err := os.WriteFile(keyFile, []byte(pubKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var key map[string]any
	cli(t, lb, demo, &key, "keypair", "create", "--public-key", keyFile, "mykey")
	if fp, _ := fingerprint(pubKey); key["fingerprint"] != fp {
		t.Errorf("keypair create: %v, want fingerprint %s", key, fp)
	}

	if code, _, body := call(t, c.network, "POST", c.network.Endpoint+"v2.0/security-groups", nil, map[string]any{"security_group": map[string]any{"name": "web"}}); code != 201 {
		t.Fatalf("security group: %d %v", code, body)
	}

	var sv map[string]any
	cli(t, lb, demo, &sv, "server", "create", "--image", "cirros-0.6.2-x86_64-disk", "--flavor", "m1.tiny", "--network", "net1",
		"--key-name", "mykey", "--security-group", "web", "--wait", "vm1")
	if !strings.Contains(toJSON(sv["security_groups"]), "web") {
		t.Errorf("server create security_groups: %v", sv["security_groups"])
	}
	if sv["status"] != "ACTIVE" || sv["name"] != "vm1" || !strings.Contains(sv["flavor"].(string), "m1.tiny") ||
		!strings.Contains(sv["image"].(string), "cirros-0.6.2-x86_64-disk") {
		t.Errorf("server create: %v", sv)
	}
	id := sv["id"].(string)
	port := ports(t, c, id)[0].(map[string]any)
	ip := port["fixed_ips"].([]any)[0].(map[string]any)["ip_address"].(string)

	var list []map[string]any
	cli(t, lb, demo, &list, "server", "list")
	if len(list) != 1 || list[0]["Name"] != "vm1" || list[0]["Status"] != "ACTIVE" || list[0]["Flavor"] != "m1.tiny" {
		t.Errorf("server list: %v", list)
	}
	if nets := list[0]["Networks"]; !strings.Contains(toJSON(nets), ip) {
		t.Errorf("server list networks %v, want %s", nets, ip)
	}
	out := cli(t, lb, demo, nil, "console", "log", "show", "vm1")
	if !strings.Contains(out, "lease of "+ip+" obtained") || !strings.Contains(out, "vm1 login:") || !strings.Contains(out, key["fingerprint"].(string)) {
		t.Errorf("console log:\n%s", out)
	}
	var limits []map[string]any
	cli(t, lb, demo, &limits, "limits", "show", "--absolute")
	if !strings.Contains(toJSON(limits), `{"Name":"totalInstancesUsed","Value":1}`) {
		t.Errorf("limits show --absolute: %v", limits)
	}
	cli(t, lb, demo, nil, "server", "set", "--name", "web1", "vm1")

	var fip map[string]any
	cli(t, lb, demo, &fip, "floating", "ip", "create", "public")
	addr := fip["floating_ip_address"].(string)
	cli(t, lb, demo, nil, "server", "add", "floating", "ip", "web1", addr)
	cli(t, lb, demo, &sv, "server", "show", "web1")
	if got := toJSON(sv["addresses"]); !strings.Contains(got, ip) || !strings.Contains(got, addr) {
		t.Errorf("server show addresses %s, want %s and %s", got, ip, addr)
	}
	cli(t, lb, demo, nil, "server", "remove", "floating", "ip", "web1", addr)
	cli(t, lb, demo, &sv, "server", "show", "web1")
	if got := toJSON(sv["addresses"]); strings.Contains(got, addr) {
		t.Errorf("after remove floating ip: %s", got)
	}

	cli(t, lb, demo, nil, "server", "delete", "--wait", "web1")
	cli(t, lb, demo, &list, "server", "list")
	if len(list) != 0 {
		t.Errorf("after delete: %v", list)
	}
	if ps := ports(t, c, id); len(ps) != 0 {
		t.Errorf("ports after delete: %v", ps)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
