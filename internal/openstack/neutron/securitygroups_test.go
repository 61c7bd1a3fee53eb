package neutron

import (
	"net/http"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

func TestAProjectsFirstListOfGroupsMakesItsDefaultGroupWithNeutronsDefaultRules(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	for range 2 { // the second list finds the group the first made
		pages, err := groups.List(demo, groups.ListOpts{}).AllPages(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		all, err := groups.ExtractGroups(pages)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].Name != "default" || all[0].ProjectID != project || all[0].Description != "Default security group" {
			t.Fatalf("groups of a new project: %+v", all)
		}
		g := all[0]
		if len(g.Rules) != 4 {
			t.Fatalf("default rules: %+v", g.Rules)
		}
		seen := map[string]bool{}
		for _, r := range g.Rules {
			switch {
			case r.Direction == "ingress" && r.RemoteGroupID == g.ID && r.RemoteIPPrefix == "" && r.Protocol == "":
			case r.Direction == "egress" && r.RemoteGroupID == "" && r.RemoteIPPrefix == "" && r.Protocol == "":
			default:
				t.Errorf("not a default rule: %+v", r)
			}
			seen[r.Direction+r.EtherType] = true
		}
		if len(seen) != 4 {
			t.Errorf("default rules are not ingress and egress for IPv4 and IPv6: %+v", g.Rules)
		}
	}
	// The other project's groups are not the demo's.
	code, body := raw(t, lb, lb.admin(t), "GET", "/v2.0/security-groups?project_id="+project, nil)
	if list, _ := body["security_groups"].([]any); code != 200 || len(list) != 1 {
		t.Errorf("admin's list of the demo's groups: %d %v", code, body)
	}
}

// privateNet makes the demo's network with a subnet and returns its id.
func privateNet(t *testing.T, lb *lab) string {
	t.Helper()
	demo := lb.demo(t, "cloud1")
	n, err := networks.Create(testCtx(t), demo, networks.CreateOpts{Name: "private"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := subnets.Create(testCtx(t), demo, subnets.CreateOpts{NetworkID: n.ID, CIDR: "10.0.0.0/24", IPVersion: 4}).Extract(); err != nil {
		t.Fatal(err)
	}
	return n.ID
}

func TestAPortCreatedWithoutGroupsGetsItsProjectsDefaultGroupAndOneWithoutPortSecurityNone(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "device_owner": "compute:nova"}})
	if code != 201 {
		t.Fatalf("port: %d %v", code, body)
	}
	p := body["port"].(map[string]any)
	sgs, _ := p["security_groups"].([]any)
	if len(sgs) != 1 || p["port_security_enabled"] != true {
		t.Fatalf("port's groups: %v", p)
	}
	g, err := groups.Get(testCtx(t), demo, sgs[0].(string)).Extract()
	if err != nil || g.Name != "default" {
		t.Fatalf("the port's group is not the default: %+v %v", g, err)
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "port_security_enabled": false}})
	if q := body["port"].(map[string]any); code != 201 || len(q["security_groups"].([]any)) != 0 || q["port_security_enabled"] != false {
		t.Errorf("port without port security: %d %v", code, body)
	}
	before := snapshotJSON(t, lb)
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{
		"network_id": netID, "port_security_enabled": false, "security_groups": []any{g.ID}}})
	wantNeutronError(t, "groups without port security", code, body, 400, "PortSecurityAndIPRequiredForSecurityGroups",
		"Port security must be enabled and port must have an IP address in order to use security groups.")
	code, body = raw(t, lb, demo, "PUT", "/v2.0/ports/"+p["id"].(string), map[string]any{"port": map[string]any{"port_security_enabled": false}})
	wantNeutronError(t, "disabling port security under a group", code, body, 409, "PortSecurityPortHasSecurityGroup",
		"Port has security group associated. Cannot disable port security or ip address until security group is removed")
	missing := "0b1e5a4c-5d1c-4f7e-9f34-1d2c3b4a5e6f"
	code, body = raw(t, lb, demo, "PUT", "/v2.0/ports/"+p["id"].(string), map[string]any{"port": map[string]any{"security_groups": []any{missing}}})
	wantNeutronError(t, "a port in a missing group", code, body, 404, "SecurityGroupNotFound", "Security group "+missing+" does not exist")
	if snapshotJSON(t, lb) != before {
		t.Error("refused requests changed the region")
	}
	// Moving the port to another group, as `openstack port set --security-group` does.
	web, err := groups.Create(testCtx(t), demo, groups.CreateOpts{Name: "web"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ports.Update(testCtx(t), demo, p["id"].(string), ports.UpdateOpts{SecurityGroups: &[]string{web.ID}}).Extract()
	if err != nil || len(q.SecurityGroups) != 1 || q.SecurityGroups[0] != web.ID {
		t.Fatalf("port moved to web: %+v %v", q, err)
	}
	pages, err := ports.List(demo, ports.ListOpts{SecurityGroups: []string{web.ID}}).AllPages(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := ports.ExtractPorts(pages); len(in) != 1 || in[0].ID != q.ID {
		t.Errorf("ports filtered by group: %+v", in)
	}
}

func TestBadRulesAreAnsweredAsNeutronAnswersAndChangeNothing(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	g, err := groups.Create(testCtx(t), demo, groups.CreateOpts{Name: "web"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Rules) != 2 {
		t.Errorf("a new group's rules are its two egress rules: %+v", g.Rules)
	}
	icmp, err := rules.Create(testCtx(t), demo, rules.CreateOpts{Direction: "ingress", EtherType: "IPv4", SecGroupID: g.ID,
		Protocol: "icmp", RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	if err != nil || icmp.Protocol != "icmp" || icmp.RemoteIPPrefix != "0.0.0.0/0" {
		t.Fatalf("icmp rule: %+v %v", icmp, err)
	}
	before := snapshotJSON(t, lb)
	rule := func(over map[string]any) (int, map[string]any) {
		r := map[string]any{"security_group_id": g.ID, "direction": "ingress", "ethertype": "IPv4"}
		for k, v := range over {
			r[k] = v
		}
		return raw(t, lb, demo, "POST", "/v2.0/security-group-rules", map[string]any{"security_group_rule": r})
	}
	for _, c := range []struct {
		what     string
		over     map[string]any
		code     int
		typ, msg string
	}{
		{"the same rule again", map[string]any{"protocol": "icmp", "remote_ip_prefix": "0.0.0.0/0"}, 409, "SecurityGroupRuleExists",
			"Security group rule already exists. Rule id is " + icmp.ID + "."},
		{"an unknown protocol", map[string]any{"protocol": "bogus"}, 400, "SecurityGroupRuleInvalidProtocol",
			"Security group rule protocol bogus not supported. Only protocol values [None, 'ah', 'dccp', 'egp', 'esp', 'gre', 'hopopt', 'icmp', 'igmp', 'ipip', 'ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', 'ospf', 'pgm', 'rsvp', 'sctp', 'tcp', 'udp', 'udplite', 'vrrp'] and integer representations [0 to 255] are supported."},
		{"port_range_min above max", map[string]any{"protocol": "tcp", "port_range_min": 443, "port_range_max": 80}, 400,
			"SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max"},
		{"a port beyond 65535", map[string]any{"protocol": "tcp", "port_range_min": 70000, "port_range_max": 70000}, 400,
			"SecurityGroupInvalidPortValue", "Invalid value for port 70000."},
		{"ports without a protocol", map[string]any{"port_range_min": 22, "port_range_max": 22}, 400,
			"SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given."},
		{"an ICMP code without a type", map[string]any{"protocol": "icmp", "port_range_max": 0}, 400,
			"SecurityGroupMissingIcmpType", "ICMP code (port-range-max) 0 is provided but ICMP type (port-range-min) is missing."},
		{"a direction neither way", map[string]any{"direction": "inbound"}, 400, "HTTPBadRequest",
			"Invalid input for direction. Reason: 'inbound' is not in ['ingress', 'egress']."},
		{"an IPv6 prefix on an IPv4 rule", map[string]any{"remote_ip_prefix": "2001:db8::/32"}, 400,
			"SecurityGroupRuleParameterConflict", "Conflicting value ethertype IPv4 for CIDR 2001:db8::/32"},
		{"two remotes", map[string]any{"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": g.ID}, 400,
			"SecurityGroupMultipleRemoteEntites", "Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided."},
		{"a missing group", map[string]any{"security_group_id": "0b1e5a4c-5d1c-4f7e-9f34-1d2c3b4a5e6f"}, 404,
			"SecurityGroupNotFound", "Security group 0b1e5a4c-5d1c-4f7e-9f34-1d2c3b4a5e6f does not exist"},
	} {
		code, body := rule(c.over)
		wantNeutronError(t, c.what, code, body, c.code, c.typ, c.msg)
	}
	if snapshotJSON(t, lb) != before {
		t.Error("refused rules changed the region")
	}
	// A prefix given as an address is its host prefix, shown normalized.
	code, body := rule(map[string]any{"protocol": "tcp", "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "192.0.2.7/24"})
	r, _ := body["security_group_rule"].(map[string]any)
	if code != 201 || r["remote_ip_prefix"] != "192.0.2.7/24" || r["normalized_cidr"] != "192.0.2.0/24" || r["belongs_to_default_sg"] != false {
		t.Errorf("ssh rule: %d %v", code, body)
	}
}

func TestDeletingTheDefaultGroupOrAGroupInUseIsRefusedAndAnUnusedGroupGoesWithItsRules(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	web, err := groups.Create(testCtx(t), demo, groups.CreateOpts{Name: "web"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	p, err := ports.Create(testCtx(t), demo, ports.CreateOpts{NetworkID: netID, SecurityGroups: &[]string{web.ID}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	def, err := groups.List(demo, groups.ListOpts{Name: "default"}).AllPages(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defs, _ := groups.ExtractGroups(def)
	if len(defs) != 1 {
		t.Fatalf("default groups: %+v", defs)
	}
	before := snapshotJSON(t, lb)
	gcError(t, "delete the default group", groups.Delete(testCtx(t), demo, defs[0].ID).ExtractErr(), 409,
		"SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group.")
	gcError(t, "delete a group in use", groups.Delete(testCtx(t), demo, web.ID).ExtractErr(), 409,
		"SecurityGroupInUse", "Security Group "+web.ID+" in use.")
	code, body := raw(t, lb, demo, "POST", "/v2.0/security-groups", map[string]any{"security_group": map[string]any{"name": "default"}})
	wantNeutronError(t, "a second default", code, body, 409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
	if snapshotJSON(t, lb) != before {
		t.Error("refused deletes changed the region")
	}
	if err := ports.Delete(testCtx(t), demo, p.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if err := groups.Delete(testCtx(t), demo, web.ID).ExtractErr(); err != nil {
		t.Fatalf("delete an unused group: %v", err)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/security-group-rules?security_group_id="+web.ID, nil)
	if list, _ := body["security_group_rules"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("rules of a deleted group: %d %v", code, body)
	}
	gcError(t, "show the deleted group", groups.Get(testCtx(t), demo, web.ID).Err, 404,
		"SecurityGroupNotFound", "Security group "+web.ID+" does not exist")
}

func TestGroupsAndRulesCountAgainstTheProjectsQuotas(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	setQuota(t, lb, project, map[string]any{"security_group": 2, "security_group_rule": 7})
	// default (4 rules) and web (2 rules): 2 groups, 6 rules.
	web, err := groups.Create(testCtx(t), demo, groups.CreateOpts{Name: "web"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = groups.Create(testCtx(t), demo, groups.CreateOpts{Name: "db"}).Extract()
	gcError(t, "a third group", err, 409, "OverQuota", "Quota exceeded for resources: ['security_group'].")
	if _, err := rules.Create(testCtx(t), demo, rules.CreateOpts{Direction: "ingress", EtherType: "IPv4", SecGroupID: web.ID, Protocol: "icmp"}).Extract(); err != nil {
		t.Fatal(err)
	}
	_, err = rules.Create(testCtx(t), demo, rules.CreateOpts{Direction: "ingress", EtherType: "IPv4", SecGroupID: web.ID, Protocol: "tcp", PortRangeMin: 80, PortRangeMax: 80}).Extract()
	gcError(t, "an eighth rule", err, 409, "OverQuota", "Quota exceeded for resources: ['security_group_rule'].")
	code, body := raw(t, lb, demo, "GET", "/v2.0/quotas/"+project+"/details", nil)
	q, _ := body["quota"].(map[string]any)
	sg, _ := q["security_group"].(map[string]any)
	sgr, _ := q["security_group_rule"].(map[string]any)
	if code != 200 || sg["used"] != float64(2) || sgr["used"] != float64(7) {
		t.Errorf("quota details: %d %v", code, body)
	}
}

func TestAddressGroupsHoldPrefixesARuleMayNameAndAreKeptWhileInUse(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, body := raw(t, lb, demo, "POST", "/v2.0/address-groups", map[string]any{"address_group": map[string]any{
		"name": "office", "addresses": []any{"192.0.2.9", "198.51.100.0/24"}}})
	ag, _ := body["address_group"].(map[string]any)
	if code != 201 || len(ag["addresses"].([]any)) != 2 || ag["addresses"].([]any)[0] != "192.0.2.9/32" {
		t.Fatalf("address group: %d %v", code, body)
	}
	id := ag["id"].(string)
	code, body = raw(t, lb, demo, "PUT", "/v2.0/address-groups/"+id+"/add_addresses", map[string]any{"addresses": []any{"203.0.113.0/24"}})
	if got := body["address_group"].(map[string]any)["addresses"].([]any); code != 200 || len(got) != 3 {
		t.Errorf("add_addresses: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "PUT", "/v2.0/address-groups/"+id+"/add_addresses", map[string]any{"addresses": []any{"203.0.113.0/24"}})
	wantNeutronError(t, "adding an address twice", code, body, 400, "AddressesAlreadyExist",
		"Addresses ['203.0.113.0/24'] already exist in the address group "+id+".")
	g, err := groups.Create(testCtx(t), demo, groups.CreateOpts{Name: "web"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	r, err := rules.Create(testCtx(t), demo, rules.CreateOpts{Direction: "ingress", EtherType: "IPv4", SecGroupID: g.ID,
		Protocol: "tcp", PortRangeMin: 443, PortRangeMax: 443, RemoteAddressGroupID: id}).Extract()
	if err != nil || r.RemoteAddressGroupID != id {
		t.Fatalf("rule from the address group: %+v %v", r, err)
	}
	code, body = raw(t, lb, demo, "DELETE", "/v2.0/address-groups/"+id, nil)
	wantNeutronError(t, "delete an address group in use", code, body, 409, "AddressGroupInUse",
		"Address group "+id+" is in use on one or more security group rules.")
	if err := rules.Delete(testCtx(t), demo, r.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if code, body = raw(t, lb, demo, "DELETE", "/v2.0/address-groups/"+id, nil); code != http.StatusNoContent {
		t.Errorf("delete an unused address group: %d %v", code, body)
	}
}
