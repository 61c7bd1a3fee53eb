package neutron

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/extradhcpopts"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

type portWithExts struct {
	ports.Port
	extradhcpopts.ExtraDHCPOptsExt
	portsbinding.PortsBindingExt
}

func TestAPortKeepsTheAddressPairsDHCPOptionsAndVnicTypeGophercloudSends(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	opts := portsbinding.CreateOptsExt{
		CreateOptsBuilder: extradhcpopts.CreateOptsExt{
			CreateOptsBuilder: ports.CreateOpts{NetworkID: netID, AllowedAddressPairs: []ports.AddressPair{
				{IPAddress: "10.0.0.50"}, {IPAddress: "192.168.7.0/24", MACAddress: "fa:16:3e:00:00:01"}}},
			ExtraDHCPOpts: []extradhcpopts.CreateExtraDHCPOpt{{OptName: "bootfile-name", OptValue: "pxelinux.0"}},
		},
		VNICType: "direct",
	}
	var p portWithExts
	if err := ports.Create(testCtx(t), demo, opts).ExtractInto(&p); err != nil {
		t.Fatal(err)
	}
	want := []ports.AddressPair{{IPAddress: "10.0.0.50", MACAddress: p.MACAddress}, {IPAddress: "192.168.7.0/24", MACAddress: "fa:16:3e:00:00:01"}}
	if len(p.AllowedAddressPairs) != 2 || p.AllowedAddressPairs[0] != want[0] || p.AllowedAddressPairs[1] != want[1] {
		t.Errorf("pairs %+v, want %+v", p.AllowedAddressPairs, want)
	}
	if len(p.ExtraDHCPOpts) != 1 || p.ExtraDHCPOpts[0] != (extradhcpopts.ExtraDHCPOpt{OptName: "bootfile-name", OptValue: "pxelinux.0", IPVersion: 4}) {
		t.Errorf("extra_dhcp_opts %+v", p.ExtraDHCPOpts)
	}
	if p.VNICType != "direct" {
		t.Errorf("vnic_type %q", p.VNICType)
	}
	// A member sees no binding but its vnic_type; an admin sees it unbound.
	_, body := raw(t, lb, demo, "GET", "/v2.0/ports/"+p.ID, nil)
	for _, k := range []string{"binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details"} {
		if _, ok := body["port"].(map[string]any)[k]; ok {
			t.Errorf("member sees %s", k)
		}
	}
	_, body = raw(t, lb, lb.admin(t), "GET", "/v2.0/ports/"+p.ID, nil)
	ap := body["port"].(map[string]any)
	if ap["binding:vif_type"] != "unbound" || ap["binding:host_id"] != "" || len(ap["binding:vif_details"].(map[string]any)) != 0 || len(ap["binding:profile"].(map[string]any)) != 0 {
		t.Errorf("admin's view of an unbound port: %v", ap)
	}

	// A null opt_value removes the option; a new name adds one.
	code, body := raw(t, lb, demo, "PUT", "/v2.0/ports/"+p.ID, map[string]any{"port": map[string]any{"extra_dhcp_opts": []any{
		map[string]any{"opt_name": "bootfile-name", "opt_value": nil}, map[string]any{"opt_name": "tftp-server", "opt_value": "10.0.0.2", "ip_version": 4}}}})
	if got := body["port"].(map[string]any)["extra_dhcp_opts"].([]any); code != 200 || len(got) != 1 || got[0].(map[string]any)["opt_name"] != "tftp-server" {
		t.Errorf("update extra_dhcp_opts: %d %v", code, body)
	}
	// Pairs need port security.
	code, body = raw(t, lb, demo, "PUT", "/v2.0/ports/"+p.ID, map[string]any{"port": map[string]any{"port_security_enabled": false, "security_groups": []any{}}})
	wantNeutronError(t, "port security off under pairs", code, body, 409, "AddressPairAndPortSecurityRequired", "Port Security must be enabled in order to have allowed address pairs on a port.")
}

func TestBadAddressPairsGetNeutronsRefusals(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	many := []any{}
	for i := range 11 {
		many = append(many, map[string]any{"ip_address": "10.9.0." + string(rune('1'+i%9)) + string(rune('0'+i/9))})
	}
	for _, c := range []struct {
		what  string
		pairs any
		typ   string
		msg   string
	}{
		{"eleven pairs", many, "AllowedAddressPairExhausted", "The number of allowed address pair exceeds the maximum 10."},
		{"no ip", []any{map[string]any{"mac_address": "fa:16:3e:00:00:01"}}, "AllowedAddressPairsMissingIP", "AllowedAddressPair must contain ip_address"},
		{"twice", []any{map[string]any{"ip_address": "10.0.0.9"}, map[string]any{"ip_address": "10.0.0.9"}}, "DuplicateAddressPairInRequest", "Request contains duplicate address pair: mac_address None ip_address 10.0.0.9."},
		{"host bits", []any{map[string]any{"ip_address": "10.0.0.9/24"}}, "HTTPBadRequest", "'10.0.0.9/24' isn't a recognized IP subnet cidr, '10.0.0.0/24' is recommended"},
		{"not an address", []any{map[string]any{"ip_address": "ten"}}, "HTTPBadRequest", "'ten' is not a valid IP address"},
		{"other key", []any{map[string]any{"ip_address": "10.0.0.9", "vlan": 5}}, "HTTPBadRequest", "Unrecognized attribute(s) 'vlan'"},
		{"not a list", "10.0.0.9", "HTTPBadRequest", "Allowed address pairs must be a list."},
	} {
		code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "allowed_address_pairs": c.pairs}})
		wantNeutronError(t, c.what, code, body, 400, c.typ, c.msg)
	}
	code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "port_security_enabled": false,
		"allowed_address_pairs": []any{map[string]any{"ip_address": "10.0.0.9"}}}})
	wantNeutronError(t, "pairs without port security", code, body, 409, "AddressPairAndPortSecurityRequired", "Port Security must be enabled in order to have allowed address pairs on a port.")
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "binding:vnic_type": "fast"}})
	wantNeutronError(t, "vnic_type", code, body, 400, "HTTPBadRequest", "Invalid input for binding:vnic_type. Reason: 'fast' is not in ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed', 'accelerator-direct', 'accelerator-direct-physical'].")
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "binding:vif_type": "ovs"}})
	wantNeutronError(t, "vif_type", code, body, 400, "HTTPBadRequest", "Attribute 'binding:vif_type' not allowed in POST")
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "trusty": true}})
	wantNeutronError(t, "unknown attribute", code, body, 400, "HTTPBadRequest", "Unrecognized attribute(s) 'trusty'")
}

func TestOnlyAnAdminBindsAPortToAHost(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	admin := lb.admin(t)
	netID := privateNet(t, lb)
	code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "binding:host_id": "cloud1-cn1"}})
	if e, _ := body["NeutronError"].(map[string]any); code != 403 || e["type"] != "PolicyNotAuthorized" {
		t.Errorf("member binds: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID}})
	if code != 201 {
		t.Fatalf("port: %d %v", code, body)
	}
	id := body["port"].(map[string]any)["id"].(string)
	code, body = raw(t, lb, admin, "PUT", "/v2.0/ports/"+id, map[string]any{"port": map[string]any{"binding:host_id": "cloud1-cn1", "binding:profile": map[string]any{"pci_slot": "0000:03:00.1"}}})
	p, _ := body["port"].(map[string]any)
	if code != 200 || p["binding:host_id"] != "cloud1-cn1" || p["binding:vif_type"] != "ovs" || p["binding:vif_details"].(map[string]any)["port_filter"] != true ||
		p["binding:profile"].(map[string]any)["pci_slot"] != "0000:03:00.1" {
		t.Errorf("admin binds: %d %v", code, body)
	}
	code, body = raw(t, lb, admin, "GET", "/v2.0/ports?binding:host_id=cloud1-cn1", nil)
	if list, _ := body["ports"].([]any); code != 200 || len(list) != 1 {
		t.Errorf("ports on cloud1-cn1: %d %v", code, body)
	}
}

func TestSubnetServiceTypesChooseWhichPortsASubnetAddresses(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	if code != 201 {
		t.Fatalf("network: %d %v", code, body)
	}
	netID := body["network"].(map[string]any)["id"].(string)
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": netID, "cidr": "10.1.0.0/24", "ip_version": 4, "service_types": []any{"foo:bar"}}})
	wantNeutronError(t, "bad service type", code, body, 400, "InvalidSubnetServiceType", "Subnet service type foo:bar does not correspond to a valid device owner.")
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": netID, "cidr": "10.1.0.0/24", "ip_version": 4, "service_types": []any{"compute:nova"}}})
	if got := body["subnet"].(map[string]any)["service_types"].([]any); code != 201 || len(got) != 1 || got[0] != "compute:nova" {
		t.Fatalf("typed subnet: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "device_owner": "other:thing"}})
	wantNeutronError(t, "no subnet serves the owner", code, body, 400, "InvalidInput", "Invalid input for operation: No valid service subnet for the given device owner, network "+netID+", device owner other:thing.")
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": netID, "cidr": "10.2.0.0/24", "ip_version": 4}})
	if got := body["subnet"].(map[string]any)["service_types"].([]any); code != 201 || len(got) != 0 {
		t.Fatalf("untyped subnet: %d %v", code, body)
	}
	for owner, prefix := range map[string]string{"compute:nova": "10.1.0.", "other:thing": "10.2.0."} {
		code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "device_owner": owner}})
		ips, _ := body["port"].(map[string]any)["fixed_ips"].([]any)
		if code != 201 || len(ips) != 1 || ips[0].(map[string]any)["ip_address"].(string)[:len(prefix)] != prefix {
			t.Errorf("port of %s: %d %v, want an address in %s*", owner, code, body, prefix)
		}
	}
}
