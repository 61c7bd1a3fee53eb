package neutron

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portstrustedvif"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

type portWithTrusted struct {
	ports.Port
	portsbinding.PortsBindingExt
	portstrustedvif.PortTrustedVIFExt
}

// An admin marks a port trusted (port-trusted-vif), as for an SR-IOV VF
// whose VM may change its MAC: the attribute and the binding profile's
// "trusted" key say so; a port never marked shows null; a member may
// neither set nor see it.
func TestAnAdminMarksAPortTrusted(t *testing.T) {
	lb := startLab(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	yes := true
	var p portWithTrusted
	err := ports.Create(testCtx(t), adm, portstrustedvif.PortCreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: netID}, PortTrustedVIF: &yes}).ExtractInto(&p)
	if err != nil {
		t.Fatal(err)
	}
	if p.PortTrustedVIF == nil || !*p.PortTrustedVIF || p.Profile["trusted"] != true {
		t.Errorf("trusted %v, binding:profile %v", p.PortTrustedVIF, p.Profile)
	}
	no := false
	if err := ports.Update(testCtx(t), adm, p.ID, portstrustedvif.PortUpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{}, PortTrustedVIF: &no}).ExtractInto(&p); err != nil {
		t.Fatal(err)
	}
	if p.PortTrustedVIF == nil || *p.PortTrustedVIF || p.Profile["trusted"] != false {
		t.Errorf("after update: trusted %v, binding:profile %v", p.PortTrustedVIF, p.Profile)
	}

	code, body := raw(t, lb, adm, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID}})
	if v, ok := body["port"].(map[string]any)["trusted"]; code != 201 || !ok || v != nil {
		t.Errorf("a port never marked: %d trusted=%v (present %v)", code, v, ok)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/ports/"+p.ID, nil)
	if _, seen := body["port"].(map[string]any)["trusted"]; code != 200 || seen {
		t.Errorf("member's view: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "trusted": true}})
	wantNeutronError(t, "member sets trusted", code, body, 403, "PolicyNotAuthorized", "(rule:create_port and rule:create_port:trusted) is disallowed by policy")
	code, body = raw(t, lb, adm, "PUT", "/v2.0/ports/"+p.ID, map[string]any{"port": map[string]any{"trusted": "maybe"}})
	wantNeutronError(t, "trusted not a boolean", code, body, 400, "InvalidInput", "Invalid input for operation: 'maybe' cannot be converted to boolean.")
	code, body = raw(t, lb, adm, "GET", "/v2.0/extensions/port-trusted-vif", nil)
	if e, _ := body["extension"].(map[string]any); code != 200 || e["name"] != "Port trusted vif" {
		t.Errorf("GET /v2.0/extensions/port-trusted-vif: %d %v", code, body)
	}
}
