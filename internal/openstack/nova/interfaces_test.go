package nova

import (
	"context"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/attachinterfaces"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// TestAttachAndDetachInterfaces: a port the user made, then a new port on
// a network with a fixed IP, attached to a running server through
// gophercloud's attachinterfaces (Terraform's calls), listed and shown as
// Nova does; detaching unbinds the user's port and deletes Nova's; the
// refusals are Nova's.
func TestAttachAndDetachInterfaces(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	net1 := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	net2 := tenantNetwork(t, lb, demo, "net2", "10.0.1.0/24")
	sv, err := servers.Create(ctx, demo.compute, servers.CreateOpts{
		Name: "vm1", ImageRef: firstImage(t), FlavorRef: "1", Networks: []servers.Network{{UUID: net1}},
	}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/ports", nil, map[string]any{"port": map[string]any{"network_id": net2, "name": "mine"}})
	if code != 201 {
		t.Fatalf("create port: %d %v", code, body)
	}
	mine := body["port"].(map[string]any)["id"].(string)

	url := demo.compute.Endpoint + "servers/" + sv.ID + "/os-interface"
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"interfaceAttachment": map[string]any{"port_id": mine}})
	wantFault(t, "attach while building", code, body, 409, "conflictingRequest", "Cannot 'attach_interface' instance "+sv.ID+" while it is in vm_state building")
	lb.advance(10 * time.Second)

	ia, err := attachinterfaces.Create(ctx, demo.compute, sv.ID, attachinterfaces.CreateOpts{PortID: mine}).Extract()
	if err != nil || ia.PortID != mine || ia.NetID != net2 || len(ia.FixedIPs) != 1 || ia.MACAddr == "" {
		t.Fatalf("attach my port: %v %+v", err, ia)
	}
	made, err := attachinterfaces.Create(ctx, demo.compute, sv.ID, attachinterfaces.CreateOpts{
		NetworkID: net2, FixedIPs: []attachinterfaces.FixedIP{{IPAddress: "10.0.1.77"}}}).Extract()
	if err != nil || made.NetID != net2 || len(made.FixedIPs) != 1 || made.FixedIPs[0].IPAddress != "10.0.1.77" {
		t.Fatalf("attach a new port on net2: %v %+v", err, made)
	}
	admin := lb.clients(t, "admin", "admin", "cloud1")
	host, err := servers.Get(ctx, admin.compute, sv.ID).Extract()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{mine, made.PortID} {
		p := port(t, admin, id)
		if p["device_id"] != sv.ID || p["device_owner"] != "compute:nova" || p["binding:host_id"] != host.Host || host.Host == "" {
			t.Errorf("port %s after attach: device %v owner %v host %v, want vm1 on %s", id, p["device_id"], p["device_owner"], p["binding:host_id"], host.Host)
		}
	}
	pages, err := attachinterfaces.List(demo.compute, sv.ID).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := attachinterfaces.ExtractInterfaces(pages)
	if len(all) != 3 {
		t.Errorf("vm1 lists %d interfaces, want 3: %+v", len(all), all)
	}
	if got, err := attachinterfaces.Get(ctx, demo.compute, sv.ID, mine).Extract(); err != nil || got.PortID != mine || got.PortState == "" {
		t.Errorf("show my port's attachment: %v %+v", err, got)
	}

	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"interfaceAttachment": map[string]any{"port_id": mine}})
	wantFault(t, "a port in use", code, body, 409, "conflictingRequest", "Port "+mine+" is still in use.")
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"interfaceAttachment": map[string]any{"port_id": mine, "net_id": net2}})
	wantFault(t, "both a port and a network", code, body, 400, "badRequest", "Must not input both network_id and port_id")
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"interfaceAttachment": map[string]any{"fixed_ips": []any{map[string]any{"ip_address": "10.0.1.9"}}}})
	wantFault(t, "an address without a network", code, body, 400, "badRequest", "Must input network_id when request IP address")
	gone := "0b6e1c0a-58f4-4d7c-a0f4-2b2c07a0e2a1"
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{"interfaceAttachment": map[string]any{"net_id": gone}})
	wantFault(t, "a network that does not exist", code, body, 404, "itemNotFound", "Network "+gone+" could not be found.")
	code, _, body = call(t, demo.compute, "GET", url+"/"+gone, nil, nil)
	wantFault(t, "a port that does not exist", code, body, 404, "itemNotFound", "Port id "+gone+" could not be found.")
	code, _, body = call(t, demo.compute, "POST", url, nil, map[string]any{})
	wantFault(t, "no network with two to choose from", code, body, 400, "badRequest", "Multiple possible networks found, use a Network ID to be more specific.")

	if err := attachinterfaces.Delete(ctx, demo.compute, sv.ID, mine).ExtractErr(); err != nil {
		t.Fatalf("detach my port: %v", err)
	}
	if p := port(t, demo, mine); p["device_id"] != "" || p["device_owner"] != "" {
		t.Errorf("my port after detach: device %v owner %v, want none", p["device_id"], p["device_owner"])
	}
	if _, err := attachinterfaces.Get(ctx, demo.compute, sv.ID, mine).Extract(); err == nil {
		t.Errorf("my port's attachment is still shown after detach")
	}
	if err := attachinterfaces.Delete(ctx, demo.compute, sv.ID, made.PortID).ExtractErr(); err != nil {
		t.Fatalf("detach Nova's port: %v", err)
	}
	code, _, _ = call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports/"+made.PortID, nil, nil)
	if code != 404 {
		t.Errorf("the port Nova made is still there after detach: %d", code)
	}
	// The server's delete releases only what it still has.
	if err := servers.Delete(ctx, demo.compute, sv.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if p := port(t, demo, mine); p["device_id"] != "" {
		t.Errorf("my port after the server's delete: %v", p)
	}
}

// port is Neutron's port id.
func port(t *testing.T, c clients, id string) map[string]any {
	t.Helper()
	code, _, body := call(t, c.network, "GET", c.network.Endpoint+"v2.0/ports/"+id, nil, nil)
	if code != 200 {
		t.Fatalf("port %s: %d %v", id, code, body)
	}
	return body["port"].(map[string]any)
}
