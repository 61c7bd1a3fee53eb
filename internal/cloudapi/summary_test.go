package cloudapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestSummaries reads the seed lab's clouds as the web UI does: every
// cloud in the topology's order, its initial networks with their subnets,
// its router with its gateway and interface, a VM made through Nova with
// its compute node and address, a BGPVPN with its network, and the
// projects owning them by name.
func TestSummaries(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	c, srv := serve(t, t.TempDir(), m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	// A VM on cloud1's private network, made through Nova as a user would.
	token, _ := login(t, c, "cloud1")
	compute := srv.URL + "/cloud/cloud1/compute/v2.1"
	_, _, flavors := call(t, "GET", compute+"/flavors", token, nil)
	_, _, images := call(t, "GET", srv.URL+"/cloud/cloud1/image/v2/images", token, nil)
	var private string
	for _, n := range snapshot(t, c, "cloud1").Networks {
		if n.Name == PrivateNetwork {
			private = n.ID
		}
	}
	fl, _ := flavors["flavors"].([]any)
	im, _ := images["images"].([]any)
	if len(fl) == 0 || len(im) == 0 || private == "" {
		t.Fatalf("flavors %v, images %v, private network %q", flavors, images, private)
	}
	code, _, body := call(t, "POST", compute+"/servers", token, map[string]any{"server": map[string]any{
		"name": "vm1", "flavorRef": fl[0].(map[string]any)["id"], "imageRef": im[0].(map[string]any)["id"],
		"networks": []any{map[string]any{"uuid": private}},
	}})
	if code != http.StatusAccepted {
		t.Fatalf("create a server: %d %v", code, body)
	}

	// A BGPVPN holding that network, made by the admin.
	admin, err := c.asUser(t.Context(), c.Neutron("cloud1"), keystone.AdminUser, keystone.DemoName("cloud1"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.close()
	vpn, err := admin.call(t.Context(), "POST", "/v2.0/bgpvpn/bgpvpns", map[string]any{"bgpvpn": map[string]any{"name": "vpn-blue", "route_targets": []any{"64512:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	vpnID := vpn["bgpvpn"].(map[string]any)["id"].(string)
	if _, err := admin.call(t.Context(), "POST", "/v2.0/bgpvpn/bgpvpns/"+vpnID+"/network_associations", map[string]any{"network_association": map[string]any{"network_id": private}}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sums, err := c.Summaries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != len(m.Clouds) {
		t.Fatalf("%d summaries for %d clouds", len(sums), len(m.Clouds))
	}
	if vms := sums[0].Servers; len(vms) != 1 || vms[0].Name != "vm1" || !strings.HasPrefix(vms[0].Host, "cloud1-") || len(vms[0].Addresses) != 1 {
		t.Errorf("cloud1's VMs: %+v, want vm1 on a compute node with its address", vms)
	}
	if v := sums[0].BGPVPNs; len(v) != 1 || v[0].Name != "vpn-blue" || !slices.Equal(v[0].RouteTargets, []string{"64512:1"}) || !slices.Equal(v[0].Networks, []string{PrivateNetwork}) {
		t.Errorf("cloud1's BGPVPNs: %+v, want vpn-blue with RT 64512:1 holding %s", v, PrivateNetwork)
	}
	for i, sum := range sums {
		if sum.Name != m.Clouds[i].Name {
			t.Errorf("summary %d is %s, want %s", i, sum.Name, m.Clouds[i].Name)
		}
		st := snapshot(t, c, sum.Name)
		if len(sum.Networks) != len(st.Networks) || len(sum.Routers) != len(st.Routers) || len(sum.Speakers) != len(st.BGPSpeakers) {
			t.Errorf("%s: %d networks, %d routers, %d speakers; Neutron has %d, %d, %d",
				sum.Name, len(sum.Networks), len(sum.Routers), len(sum.Speakers), len(st.Networks), len(st.Routers), len(st.BGPSpeakers))
		}
		for _, n := range sum.Networks {
			var cidrs []string
			for _, sn := range st.Subnets {
				if sn.NetworkID == n.ID {
					cidrs = append(cidrs, sn.CIDR)
				}
			}
			if !slices.Equal(n.Subnets, cidrs) {
				t.Errorf("%s network %s: subnets %v, Neutron has %v", sum.Name, n.Name, n.Subnets, cidrs)
			}
			if n.Name == PublicNetwork && !n.External {
				t.Errorf("%s: %s is not shown as external", sum.Name, n.Name)
			}
		}
		for _, r := range sum.Routers {
			if len(r.Gateway) == 0 || len(r.Interfaces) == 0 || !strings.Contains(r.Interfaces[0], " on ") {
				t.Errorf("%s router %s: gateway %v, interfaces %v", sum.Name, r.Name, r.Gateway, r.Interfaces)
			}
		}
		var names []string
		for _, p := range sum.Projects {
			names = append(names, p.Name)
		}
		if !slices.Contains(names, "admin") || !slices.Contains(names, "demo-"+sum.Name) {
			t.Errorf("%s: projects %v, want admin and demo-%s by name", sum.Name, names, sum.Name)
		}
	}
}
