package neutron

import (
	"strings"
	"testing"
)

// TestOpenstackClientSecurityGroups drives security groups as a user of
// the openstack CLI does: create, list, show, rules, a port moved into
// a group, and the refusals the CLI reports.
func TestOpenstackClientSecurityGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	const user, project = "demo-cloud1", "demo-cloud1"
	var list []map[string]any
	cliJSON(t, lb, user, project, &list, "security", "group", "list")
	if len(list) != 1 || list[0]["Name"] != "default" {
		t.Fatalf("security group list of a new project: %v", list)
	}
	var web map[string]any
	cliJSON(t, lb, user, project, &web, "security", "group", "create", "--description", "web servers", "web")
	if web["name"] != "web" || web["description"] != "web servers" {
		t.Errorf("security group create: %v", web)
	}
	var rule map[string]any
	cliJSON(t, lb, user, project, &rule, "security", "group", "rule", "create", "--protocol", "icmp", "--ingress",
		"--remote-ip", "0.0.0.0/0", "web")
	if rule["protocol"] != "icmp" || rule["direction"] != "ingress" || rule["remote_ip_prefix"] != "0.0.0.0/0" {
		t.Errorf("rule create: %v", rule)
	}
	out, err := openstackCLI(t, lb, user, project, "security", "group", "rule", "create", "--protocol", "icmp", "--ingress",
		"--remote-ip", "0.0.0.0/0", "web")
	if err == nil || !strings.Contains(out, "Security group rule already exists") {
		t.Errorf("a duplicate rule: %v %s", err, out)
	}
	out, err = openstackCLI(t, lb, user, project, "security", "group", "rule", "create", "--protocol", "bogus", "web")
	if err == nil || !strings.Contains(out, "Security group rule protocol bogus not supported") {
		t.Errorf("an unknown protocol: %v %s", err, out)
	}
	var shown map[string]any
	cliJSON(t, lb, user, project, &shown, "security", "group", "show", "web")
	if rules, _ := shown["rules"].([]any); len(rules) != 3 {
		t.Errorf("security group show: %v", shown)
	}
	// The network and the port come from the API: the CLI's part is the groups.
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	if code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "name": "vm1"}}); code != 201 {
		t.Fatalf("port: %d %v", code, body)
	}
	var port map[string]any
	if _, err := openstackCLI(t, lb, user, project, "port", "set", "--no-security-group", "--security-group", "web", "vm1"); err != nil {
		t.Fatalf("port set --security-group: %v", err)
	}
	cliJSON(t, lb, user, project, &port, "port", "show", "vm1")
	if sgs, _ := port["security_group_ids"].([]any); len(sgs) != 1 || sgs[0] != web["id"] {
		t.Errorf("port's groups after port set: %v", port)
	}
	out, err = openstackCLI(t, lb, user, project, "security", "group", "delete", "web")
	if err == nil || !strings.Contains(out, "in use") {
		t.Errorf("delete a group in use: %v %s", err, out)
	}
	out, err = openstackCLI(t, lb, user, project, "security", "group", "delete", "default")
	if err == nil || !strings.Contains(out, "removing default security group") {
		t.Errorf("delete the default group: %v %s", err, out)
	}
	if code, body := raw(t, lb, demo, "DELETE", "/v2.0/ports/"+port["id"].(string), nil); code != 204 {
		t.Fatalf("port delete: %d %v", code, body)
	}
	if out, err := openstackCLI(t, lb, user, project, "security", "group", "delete", "web"); err != nil {
		t.Errorf("delete an unused group: %v %s", err, out)
	}
}
