package neutron

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenstackClientPortAttributes: python3-openstackclient 6.0 gives a
// port address pairs, a DHCP option and a vnic type, an admin binds it
// to a host, and a subnet serves one kind of port.
func TestOpenstackClientPortAttributes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	const user, project = "demo-cloud1", "demo-cloud1"
	privateNet(t, lb)
	var p map[string]any
	cliJSON(t, lb, user, project, &p, "port", "create", "--network", "private",
		"--allowed-address", "ip-address=10.0.0.50", "--allowed-address", "ip-address=192.168.9.0/24,mac-address=fa:16:3e:00:00:09",
		"--extra-dhcp-option", "name=bootfile-name,value=pxelinux.0", "--vnic-type", "direct", "p1")
	pairs := toJSON(p["allowed_address_pairs"])
	if !strings.Contains(pairs, `"ip_address":"10.0.0.50","mac_address":"`+p["mac_address"].(string)+`"`) ||
		!strings.Contains(pairs, `"ip_address":"192.168.9.0/24","mac_address":"fa:16:3e:00:00:09"`) {
		t.Errorf("port create allowed_address_pairs: %s", pairs)
	}
	if opts := toJSON(p["extra_dhcp_opts"]); !strings.Contains(opts, `"opt_name":"bootfile-name"`) || !strings.Contains(opts, `"opt_value":"pxelinux.0"`) {
		t.Errorf("port create extra_dhcp_opts: %s", opts)
	}
	if p["binding_vnic_type"] != "direct" {
		t.Errorf("port create binding_vnic_type: %v", p["binding_vnic_type"])
	}
	id := p["id"].(string)
	if _, err := openstackCLI(t, lb, "admin", "admin", "port", "set", "--host", "cloud1-cn1", id); err != nil {
		t.Fatalf("port set --host: %v", err)
	}
	cliJSON(t, lb, "admin", "admin", &p, "port", "show", id)
	if p["binding_host_id"] != "cloud1-cn1" || p["binding_vif_type"] != "ovs" {
		t.Errorf("port show after --host: host %v vif_type %v", p["binding_host_id"], p["binding_vif_type"])
	}
	var sn map[string]any
	cliJSON(t, lb, user, project, &sn, "subnet", "create", "--network", "private", "--subnet-range", "10.5.0.0/24",
		"--service-type", "compute:nova", "s2")
	if toJSON(sn["service_types"]) != `["compute:nova"]` {
		t.Errorf("subnet create service_types: %v", sn["service_types"])
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
