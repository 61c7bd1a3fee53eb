package neutron

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// TestUpdates changes resources and checks what Neutron refuses to change.
func TestUpdates(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	pub, _ := createPublic(t, adm)
	net, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "n"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	up, err := networks.Update(ctx, demo, net.ID, networks.UpdateOpts{Name: ptr("renamed"), Description: ptr("d")}).Extract()
	if err != nil || up.Name != "renamed" || up.Description != "d" || up.RevisionNumber <= net.RevisionNumber {
		t.Errorf("rename: %+v, %v", up, err)
	}
	gcError(t, "member shares its network", networks.Update(ctx, demo, net.ID, networks.UpdateOpts{Shared: ptr(true)}).Err,
		403, "PolicyNotAuthorized", "(rule:update_network and rule:update_network:shared) is disallowed by policy")
	// On update any policy attribute given counts, even at its default.
	gcError(t, "member unshares its network", networks.Update(ctx, demo, net.ID, networks.UpdateOpts{Shared: ptr(false)}).Err,
		403, "PolicyNotAuthorized", "(rule:update_network and rule:update_network:shared) is disallowed by policy")
	if _, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "explicit-default", Shared: ptr(false)}).Extract(); err != nil {
		t.Errorf("member creates with shared=false (the default): %v", err)
	}
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: net.ID, IPVersion: 4, CIDR: "10.0.0.0/24"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	// Move a port's address, keep its MAC.
	p, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	moved, err := ports.Update(ctx, demo, p.ID, ports.UpdateOpts{FixedIPs: []ports.IP{{SubnetID: sn.ID, IPAddress: "10.0.0.77"}}}).Extract()
	if err != nil || len(moved.FixedIPs) != 1 || moved.FixedIPs[0].IPAddress != "10.0.0.77" || moved.MACAddress != p.MACAddress {
		t.Errorf("move port address: %+v, %v", moved, err)
	}
	if p2, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID}).Extract(); err != nil || p2.FixedIPs[0].IPAddress != "10.0.0.2" {
		t.Errorf("freed address not reused: %+v, %v", p2, err)
	}
	// Subnet gateway: moving it is allowed until a router uses it.
	if s, err := subnets.Update(ctx, demo, sn.ID, subnets.UpdateOpts{GatewayIP: ptr("10.0.0.254"),
		AllocationPools: []subnets.AllocationPool{{Start: "10.0.0.2", End: "10.0.0.200"}}}).Extract(); err != nil || s.GatewayIP != "10.0.0.254" {
		t.Errorf("move gateway: %+v, %v", s, err)
	}
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	iface, err := routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	gcError(t, "move a gateway a router uses", subnets.Update(ctx, demo, sn.ID, subnets.UpdateOpts{GatewayIP: ptr("10.0.0.253")}).Err,
		409, "GatewayIpInUse", "Current gateway ip 10.0.0.254 already in use by port "+iface.PortID+". Unable to update.")
	gcError(t, "delete a router interface port directly", ports.Delete(ctx, demo, iface.PortID).Err,
		409, "ServicePortInUse", "Port "+iface.PortID+" cannot be deleted directly via the port API: has device owner network:router_interface.")
	gcError(t, "delete a router with interfaces", routers.Delete(ctx, demo, rt.ID).Err, 409, "RouterInUse", "Router "+rt.ID+" still has ports")
	gcError(t, "member sets enable_snat", routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID, EnableSNAT: ptr(false)}}).Err,
		403, "PolicyNotAuthorized", "(rule:update_router and (rule:update_router:external_gateway_info and "+
			"(rule:update_router:external_gateway_info:network_id and rule:update_router:external_gateway_info:enable_snat))) is disallowed by policy")
	if r, err := routers.Update(ctx, adm, rt.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID, EnableSNAT: ptr(false)}}).Extract(); err != nil ||
		*r.GatewayInfo.EnableSNAT || r.GatewayInfo.ExternalFixedIPs[0].IPAddress != "203.0.113.10" {
		t.Errorf("admin turns SNAT off: %+v, %v", r, err)
	}
	fip, err := floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: p.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	gcError(t, "clear a gateway floating IPs need", routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{}}).Err,
		409, "RouterExternalGatewayInUseByFloatingIp", "Gateway cannot be updated for router "+rt.ID+", since a gateway to external network "+pub.ID+" is required by one or more floating IPs.")
	gcError(t, "second floating IP on the same fixed IP", floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: p.ID}).Err,
		409, "FloatingIPPortAlreadyAssociated", "Cannot associate floating IP 203.0.113.12 (*")
	// Deleting the port disassociates its floating IP.
	if err := ports.Delete(ctx, demo, p.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if f, err := floatingips.Get(ctx, demo, fip.ID).Extract(); err != nil || f.PortID != "" || f.Status != "DOWN" {
		t.Errorf("floating IP after its port went: %+v, %v", f, err)
	}
	if r, err := routers.Update(ctx, demo, rt.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{}}).Extract(); err != nil || r.GatewayInfo.NetworkID != "" {
		t.Errorf("clear gateway: %+v, %v", r, err)
	}
	code, body := raw(t, lb, demo, "GET", "/v2.0/ports?device_owner=network:router_gateway", nil)
	if list, _ := body["ports"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("gateway port left: %v", body)
	}
}

// TestDiscovery checks the version, resource and extension documents.
func TestDiscovery(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	code, body := raw(t, lb, nil, "GET", "/", nil)
	v := body["versions"].([]any)[0].(map[string]any)
	if code != 200 || v["id"] != "v2.0" || v["status"] != "CURRENT" ||
		v["links"].([]any)[0].(map[string]any)["href"] != lb.URL+"/cloud1/network/v2.0/" {
		t.Errorf("versions: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/", nil)
	if res, _ := body["resources"].([]any); code != 200 || len(res) != 13 {
		t.Errorf("resources: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/extensions", nil)
	aliases := map[string]bool{}
	for _, e := range body["extensions"].([]any) {
		aliases[e.(map[string]any)["alias"].(string)] = true
	}
	for _, a := range []string{"router", "ext-gw-mode", "extraroute", "subnet_allocation", "address-scope", "external-net", "provider",
		"standard-attr-description", "project-id", "pagination", "sorting", "fip-port-details", "net-mtu", "filter-validation",
		"agent", "bgp", "bgp_4byte_asn", "bgp_dragent_scheduler", "security-group", "address-group", "port-security",
		"bgpvpn", "bgpvpn-routes-control", "bgpvpn-vni"} {
		if !aliases[a] {
			t.Errorf("extension %s not listed", a)
		}
	}
	if aliases["fwaas_v2"] {
		t.Errorf("lists extensions it does not implement: %v", aliases)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/extensions/router", nil)
	if code != 200 || body["extension"].(map[string]any)["name"] != "Neutron L3 Router" {
		t.Errorf("show extension: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/networks.json", nil)
	if _, ok := body["networks"]; code != 200 || !ok {
		t.Errorf(".json suffix: %d %v", code, body)
	}
}
