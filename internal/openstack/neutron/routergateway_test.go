package neutron

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

func gatewayPort(t *testing.T, c *gophercloud.ServiceClient, routerID string) ports.Port {
	t.Helper()
	pages, err := ports.List(c, ports.ListOpts{DeviceID: routerID, DeviceOwner: "network:router_gateway"}).AllPages(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	all, err := ports.ExtractPorts(pages)
	if err != nil || len(all) != 1 {
		t.Fatalf("gateway ports of %s: %v %v", routerID, all, err)
	}
	return all[0]
}

func TestAGatewayUpdateWithTheSameSubnetsAndAddressesChangesNothing(t *testing.T) {
	lb := startLab(t)
	adm := lb.admin(t)
	ctx := testCtx(t)
	pub, sn := createPublic(t, adm)
	ips := []routers.ExternalFixedIP{{SubnetID: sn.ID, IPAddress: "203.0.113.50"}}
	rt, err := routers.Create(ctx, adm, routers.CreateOpts{Name: "r", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID, ExternalFixedIPs: ips}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	before := gatewayPort(t, adm, rt.ID)
	for _, gi := range []routers.GatewayInfo{
		{NetworkID: pub.ID, ExternalFixedIPs: ips},
		{NetworkID: pub.ID, ExternalFixedIPs: []routers.ExternalFixedIP{}}, // no addresses asked for
		{NetworkID: pub.ID},
	} {
		got, err := routers.Update(ctx, adm, rt.ID, routers.UpdateOpts{GatewayInfo: &gi}).Extract()
		if err != nil {
			t.Fatalf("update with %+v: %v", gi, err)
		}
		after := gatewayPort(t, adm, rt.ID)
		if after.ID != before.ID || after.RevisionNumber != before.RevisionNumber || after.FixedIPs[0].IPAddress != "203.0.113.50" {
			t.Errorf("update with %+v changed the gateway port: %+v, was %+v", gi, after, before)
		}
		if len(got.GatewayInfo.ExternalFixedIPs) != 1 || got.GatewayInfo.ExternalFixedIPs[0].IPAddress != "203.0.113.50" {
			t.Errorf("update with %+v: gateway %+v", gi, got.GatewayInfo)
		}
	}
	// Another address is a change of the same port.
	moved := []routers.ExternalFixedIP{{SubnetID: sn.ID, IPAddress: "203.0.113.60"}}
	got, err := routers.Update(ctx, adm, rt.ID, routers.UpdateOpts{GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID, ExternalFixedIPs: moved}}).Extract()
	if err != nil || got.GatewayInfo.ExternalFixedIPs[0].IPAddress != "203.0.113.60" {
		t.Fatalf("move the gateway address: %+v %v", got, err)
	}
	if after := gatewayPort(t, adm, rt.ID); after.ID != before.ID || after.FixedIPs[0].IPAddress != "203.0.113.60" || after.RevisionNumber != before.RevisionNumber+1 {
		t.Errorf("gateway port after a move: %+v, was %+v", after, before)
	}
}
