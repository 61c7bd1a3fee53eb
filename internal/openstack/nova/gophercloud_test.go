package nova

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// tenantNetwork makes a network with a /24 subnet as c's user and
// returns the network's id.
func tenantNetwork(t *testing.T, lb *lab, c clients, name, cidr string) string {
	t.Helper()
	code, _, body := call(t, c.network, "POST", c.network.Endpoint+"v2.0/networks", nil, map[string]any{"network": map[string]any{"name": name}})
	if code != 201 {
		t.Fatalf("create network: %d %v", code, body)
	}
	id := body["network"].(map[string]any)["id"].(string)
	code, _, body = call(t, c.network, "POST", c.network.Endpoint+"v2.0/subnets", nil, map[string]any{"subnet": map[string]any{
		"network_id": id, "ip_version": 4, "cidr": cidr, "name": name + "-subnet"}})
	if code != 201 {
		t.Fatalf("create subnet: %d %v", code, body)
	}
	return id
}

// ports lists the Neutron ports whose device is id.
func ports(t *testing.T, c clients, id string) []any {
	t.Helper()
	code, _, body := call(t, c.network, "GET", c.network.Endpoint+"v2.0/ports?device_id="+id, nil, nil)
	if code != 200 {
		t.Fatalf("list ports: %d %v", code, body)
	}
	return body["ports"].([]any)
}

func TestServerLifecycleThroughGophercloud(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	admin := lb.clients(t, "admin", "admin", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")

	pages, err := images.List(demo.image, images.ListOpts{Name: "cirros-0.6.2-x86_64-disk"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := images.ExtractImages(pages)
	if err != nil || len(imgs) != 1 || imgs[0].Status != "active" || imgs[0].Visibility != "public" {
		t.Fatalf("images named cirros: %v %+v", err, imgs)
	}
	if im, err := images.Get(ctx, demo.image, imgs[0].ID).Extract(); err != nil || im.Name != "cirros-0.6.2-x86_64-disk" || im.DiskFormat != "qcow2" {
		t.Fatalf("image get: %v %+v", err, im)
	}
	fpages, err := flavors.ListDetail(demo.compute, nil).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fl, _ := flavors.ExtractFlavors(fpages)
	if len(fl) < 5 || fl[0].Name != "m1.tiny" || fl[0].RAM != 512 || fl[0].VCPUs != 1 || fl[0].Disk != 1 || !fl[0].IsPublic {
		t.Fatalf("flavors: %+v", fl)
	}
	if f, err := flavors.Get(ctx, demo.compute, "c1").Extract(); err != nil || f.Name != "cirros256" || f.RAM != 256 {
		t.Fatalf("flavor c1: %v %+v", err, f)
	}

	created, err := servers.Create(ctx, demo.compute, servers.CreateOpts{
		Name: "vm1", ImageRef: imgs[0].ID, FlavorRef: "1", Networks: []servers.Network{{UUID: netID}},
	}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || len(created.AdminPass) != 12 {
		t.Errorf("create answered %+v", created)
	}
	sv, err := servers.Get(ctx, demo.compute, created.ID).Extract()
	if err != nil || sv.Status != "BUILD" || sv.Name != "vm1" || sv.Image["id"] != imgs[0].ID || sv.Flavor["id"] != "1" {
		t.Fatalf("new server: %v %+v", err, sv)
	}
	lb.advance(10 * time.Second)
	if err := servers.WaitForStatus(ctx, demo.compute, created.ID, "ACTIVE"); err != nil {
		t.Fatal(err)
	}
	sv, _ = servers.Get(ctx, demo.compute, created.ID).Extract()
	ps := ports(t, demo, created.ID)
	if len(ps) != 1 {
		t.Fatalf("the server's ports: %v", ps)
	}
	port := ps[0].(map[string]any)
	ip := port["fixed_ips"].([]any)[0].(map[string]any)["ip_address"].(string)
	if port["device_owner"] != "compute:nova" || port["network_id"] != netID || port["status"] != "ACTIVE" {
		t.Errorf("the server's port: %v", port)
	}
	addrs, _ := sv.Addresses["net1"].([]any)
	if len(addrs) != 1 {
		t.Fatalf("addresses %v", sv.Addresses)
	}
	a := addrs[0].(map[string]any)
	if a["addr"] != ip || a["OS-EXT-IPS:type"] != "fixed" || a["OS-EXT-IPS-MAC:mac_addr"] != port["mac_address"] || a["version"] != float64(4) {
		t.Errorf("address %v, want the port's %s", a, ip)
	}
	if _, ok := sv.Flavor["original_name"]; ok {
		t.Errorf("flavor at 2.1 is a reference, got %v", sv.Flavor)
	}

	// The console shows the guest's boot with its address and name.
	out, err := servers.ShowConsoleOutput(ctx, demo.compute, created.ID, servers.ShowConsoleOutputOpts{}).Extract()
	if err != nil || !strings.Contains(out, "lease of "+ip+" obtained") || !strings.HasSuffix(out, "vm1 login: \n") ||
		!strings.Contains(out, "running 'init' at Sat, 05 Dec 2026 17:00:10 +0000") {
		t.Errorf("console output: %v\n%s", err, out)
	}
	if tail, err := servers.ShowConsoleOutput(ctx, demo.compute, created.ID, servers.ShowConsoleOutputOpts{Length: 1}).Extract(); err != nil || tail != "vm1 login: \n" {
		t.Errorf("console output, 1 line: %v %q", err, tail)
	}

	// The admin sees where it runs; the next server goes to the other
	// compute node.
	code, _, body := call(t, admin.compute, "GET", admin.compute.Endpoint+"servers/"+created.ID, nil, nil)
	if host := body["server"].(map[string]any)["OS-EXT-SRV-ATTR:host"]; code != 200 || host != "cloud1-cn1" {
		t.Errorf("admin's view: %d host %v", code, host)
	}
	if _, ok := sv.Addresses["OS-EXT-SRV-ATTR:host"]; ok {
		t.Error("a member sees the host")
	}
	second, err := servers.Create(ctx, demo.compute, servers.CreateOpts{Name: "vm2", ImageRef: imgs[0].ID, FlavorRef: "42"}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	code, _, body = call(t, admin.compute, "GET", admin.compute.Endpoint+"servers/"+second.ID, map[string]string{"OpenStack-API-Version": "compute 2.47"}, nil)
	v := body["server"].(map[string]any)
	if code != 200 || v["OS-EXT-SRV-ATTR:host"] != "cloud1-cn2" || v["flavor"].(map[string]any)["original_name"] != "m1.nano" {
		t.Errorf("second server at 2.47: %d %v", code, v)
	}
	// With no network named, Nova takes the project's only one.
	if len(ports(t, demo, second.ID)) != 1 {
		t.Error("vm2 has no port on the project's only network")
	}

	spages, err := servers.List(demo.compute, servers.ListOpts{}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := servers.ExtractServers(spages)
	if len(all) != 2 || all[0].Name != "vm2" || all[1].Name != "vm1" {
		t.Errorf("server list: %+v", all)
	}
	spages, _ = servers.List(demo.compute, servers.ListOpts{Name: "^vm1$"}).AllPages(ctx)
	if one, _ := servers.ExtractServers(spages); len(one) != 1 || one[0].ID != created.ID {
		t.Errorf("list by name: %+v", one)
	}

	if err := servers.Delete(ctx, demo.compute, created.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := servers.Get(ctx, demo.compute, created.ID).Extract(); err == nil {
		t.Error("deleted server still shown")
	}
	if ps := ports(t, demo, created.ID); len(ps) != 0 {
		t.Errorf("the port Nova made outlives the server: %v", ps)
	}
}

// A port the user made and gave to the server is unbound, not deleted,
// when the server goes, as Nova does.
func TestGivenPortIsUnboundOnDelete(t *testing.T) {
	lb := startLab(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	demo := lb.clients(t, "demo-cloud1", "demo-cloud1", "cloud1")
	netID := tenantNetwork(t, lb, demo, "net1", "10.0.0.0/24")
	code, _, body := call(t, demo.network, "POST", demo.network.Endpoint+"v2.0/ports", nil, map[string]any{"port": map[string]any{"network_id": netID, "name": "p1"}})
	if code != 201 {
		t.Fatalf("create port: %d %v", code, body)
	}
	portID := body["port"].(map[string]any)["id"].(string)
	img := firstImage(t)
	sv, err := servers.Create(ctx, demo.compute, servers.CreateOpts{Name: "vm1", ImageRef: img, FlavorRef: "1", Networks: []servers.Network{{Port: portID}}}, nil).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if ps := ports(t, demo, sv.ID); len(ps) != 1 || ps[0].(map[string]any)["id"] != portID {
		t.Fatalf("server's ports %v, want p1", ps)
	}
	// The port is in use now.
	code, _, body = call(t, demo.compute, "POST", demo.compute.Endpoint+"servers", nil, map[string]any{"server": map[string]any{
		"name": "vm2", "imageRef": img, "flavorRef": "1", "networks": []any{map[string]any{"port": portID}}}})
	wantFault(t, "a second server on p1", code, body, 409, "conflictingRequest", "Port "+portID+" is still in use.")

	if err := servers.Delete(ctx, demo.compute, sv.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	code, _, body = call(t, demo.network, "GET", demo.network.Endpoint+"v2.0/ports/"+portID, nil, nil)
	if p, _ := body["port"].(map[string]any); code != 200 || p["device_id"] != "" || p["device_owner"] != "" {
		t.Errorf("p1 after the delete: %d %v", code, body)
	}
}

func firstImage(t *testing.T) string {
	t.Helper()
	for _, im := range imagesOf() {
		return im
	}
	t.Fatal("no images")
	return ""
}
