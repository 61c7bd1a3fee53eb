package main

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

// `openstack hypervisor list` and `openstack compute service list`, run
// as cloud1's admin against the daemon, show the lab's compute nodes of
// cloud1 (the ones `intercloud inspect` lists), each hypervisor with its
// address on the cloud's underlay.
func TestOpenstackCLIListsTheLabsComputesAsHypervisors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	ips := map[string]string{}
	for _, n := range m.Nodes {
		if n.Role == topology.RoleCompute && n.Cloud == "cloud1" {
			want = append(want, n.Name)
			ips[n.Name] = n.Interfaces[0].Addr.Addr().String()
		}
	}
	api, _ := freeAPI(t)
	stop := startUp(t, api, t.TempDir(), "")
	defer stop()
	env := openrc(t, "cloud1", "--admin", api)

	var hvs []struct {
		Name   string `json:"Hypervisor Hostname"`
		HostIP string `json:"Host IP"`
		State  string `json:"State"`
	}
	out := openstackCLI(t, env, "hypervisor", "list", "-f", "json")
	if err := json.Unmarshal([]byte(out), &hvs); err != nil {
		t.Fatalf("hypervisor list output %q: %v", out, err)
	}
	var got []string
	for _, h := range hvs {
		got = append(got, h.Name)
		if h.HostIP != ips[h.Name] || h.State != "up" {
			t.Errorf("hypervisor %s: host IP %q state %q, want %s and up", h.Name, h.HostIP, h.State, ips[h.Name])
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("hypervisor list %v, want the lab's computes %v:\n%s", got, want, out)
	}

	var svcs []struct {
		Binary string `json:"Binary"`
		Host   string `json:"Host"`
		State  string `json:"State"`
	}
	out = openstackCLI(t, env, "compute", "service", "list", "-f", "json")
	if err := json.Unmarshal([]byte(out), &svcs); err != nil {
		t.Fatalf("compute service list output %q: %v", out, err)
	}
	got = nil
	for _, s := range svcs {
		if s.Binary == "nova-compute" && s.State == "up" {
			got = append(got, s.Host)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("nova-compute services up on %v, want %v:\n%s", got, want, out)
	}
}
