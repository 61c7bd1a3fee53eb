package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// The Terraform test drives examples/terraform/main.tf against a running
// lab with OpenTofu (or Terraform) and the OpenStack provider, the
// reference client of the clouds' APIs: apply, a plan that finds nothing
// to change, destroy. scripts/needs/tofu.sh and
// scripts/needs/terraform-provider-openstack.sh build both into
// $HOME/.cache/intercloud/bin.

// toolBin is where scripts/needs puts the tools it builds.
func toolBin() string {
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "intercloud", "bin")
}

// terraformCLI is OpenTofu, else Terraform, from scripts/needs' directory
// or PATH; the test skips without one.
func terraformCLI(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"tofu", "terraform"} {
		if p := filepath.Join(toolBin(), name); isExecutable(p) {
			return p
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no tofu or terraform: scripts/needs/tofu.sh builds OpenTofu into ~/.cache/intercloud/bin (about 10 minutes, once)")
	return ""
}

// providerDir is the directory holding terraform-provider-openstack, for
// dev_overrides; the test skips without it.
func providerDir(t *testing.T) string {
	t.Helper()
	if isExecutable(filepath.Join(toolBin(), "terraform-provider-openstack")) {
		return toolBin()
	}
	if p, err := exec.LookPath("terraform-provider-openstack"); err == nil {
		return filepath.Dir(p)
	}
	t.Skip("no terraform-provider-openstack: scripts/needs/terraform-provider-openstack.sh builds it into ~/.cache/intercloud/bin (about a minute)")
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// tfRun runs the CLI in dir with exactly env (openrc's OS_* and what the
// CLI itself needs), bounded, and returns its combined output and exit
// code.
type tfRun func(args ...string) (string, int)

func terraformIn(t *testing.T, cli, dir string, env [][2]string) tfRun {
	cfg := filepath.Join(dir, "cli.tfrc")
	// dev_overrides needs no `init` and no registry: the provider is the
	// binary scripts/needs built.
	rc := "provider_installation {\n  dev_overrides {\n    \"terraform-provider-openstack/openstack\" = \"" + providerDir(t) + "\"\n  }\n  direct {}\n}\n"
	if err := os.WriteFile(cfg, []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(),
		"TF_CLI_CONFIG_FILE=" + cfg, "TF_DATA_DIR=" + filepath.Join(dir, ".tfdata"),
		"TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1",
	}
	for _, kv := range env {
		vars = append(vars, kv[0]+"="+kv[1])
	}
	return func(args ...string) (string, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, cli, append(args, "-no-color")...)
		cmd.Dir, cmd.Env = dir, vars
		cmd.WaitDelay = 5 * time.Second
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("%s %s: %v", filepath.Base(cli), args[0], time.Since(start).Round(time.Millisecond))
		var ee *exec.ExitError
		switch {
		case err == nil:
			return string(out), 0
		case errors.As(err, &ee) && ctx.Err() == nil:
			return string(out), ee.ExitCode()
		}
		t.Fatalf("%s %s: %v\n%s", cli, strings.Join(args, " "), err, out)
		return "", -1
	}
}

// osClients are a user's network and compute clients, authenticated
// with what `intercloud openrc` printed.
type osClients struct{ network, compute *gophercloud.ServiceClient }

func clientsFromOpenrc(t *testing.T, env [][2]string) osClients {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	provider, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: envValue(env, "OS_AUTH_URL"), Username: envValue(env, "OS_USERNAME"),
		Password: envValue(env, "OS_PASSWORD"), TenantID: envValue(env, "OS_PROJECT_ID"),
		DomainID: envValue(env, "OS_USER_DOMAIN_ID"),
	})
	if err != nil {
		t.Fatalf("authenticate %s: %v", envValue(env, "OS_USERNAME"), err)
	}
	eo := gophercloud.EndpointOpts{Region: envValue(env, "OS_REGION_NAME")}
	var c osClients
	if c.network, err = openstack.NewNetworkV2(provider, eo); err != nil {
		t.Fatal(err)
	}
	if c.compute, err = openstack.NewComputeV2(provider, eo); err != nil {
		t.Fatal(err)
	}
	return c
}

// projectIDs is every id the user sees, by kind: what a destroy must
// leave as it found it.
func projectIDs(t *testing.T, c osClients) map[string][]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := map[string][]string{}
	add := func(kind string, ids []string, err error) {
		if err != nil {
			t.Fatalf("list %s: %v", kind, err)
		}
		slices.Sort(ids)
		out[kind] = ids
	}
	{
		p, err := networks.List(c.network, nil).AllPages(ctx)
		all, _ := networks.ExtractNetworks(p)
		add("networks", mapIDs(all, func(x networks.Network) string { return x.ID }), err)
	}
	{
		p, err := subnets.List(c.network, nil).AllPages(ctx)
		all, _ := subnets.ExtractSubnets(p)
		add("subnets", mapIDs(all, func(x subnets.Subnet) string { return x.ID }), err)
	}
	{
		p, err := routers.List(c.network, routers.ListOpts{}).AllPages(ctx)
		all, _ := routers.ExtractRouters(p)
		add("routers", mapIDs(all, func(x routers.Router) string { return x.ID }), err)
	}
	{
		p, err := ports.List(c.network, nil).AllPages(ctx)
		all, _ := ports.ExtractPorts(p)
		add("ports", mapIDs(all, func(x ports.Port) string { return x.ID }), err)
	}
	{
		p, err := groups.List(c.network, groups.ListOpts{}).AllPages(ctx)
		all, _ := groups.ExtractGroups(p)
		add("security groups", mapIDs(all, func(x groups.SecGroup) string { return x.ID }), err)
	}
	{
		p, err := rules.List(c.network, rules.ListOpts{}).AllPages(ctx)
		all, _ := rules.ExtractRules(p)
		add("security group rules", mapIDs(all, func(x rules.SecGroupRule) string { return x.ID }), err)
	}
	{
		p, err := floatingips.List(c.network, nil).AllPages(ctx)
		all, _ := floatingips.ExtractFloatingIPs(p)
		add("floating IPs", mapIDs(all, func(x floatingips.FloatingIP) string { return x.ID }), err)
	}
	{
		p, err := servers.List(c.compute, nil).AllPages(ctx)
		all, _ := servers.ExtractServers(p)
		add("servers", mapIDs(all, func(x servers.Server) string { return x.ID }), err)
	}
	return out
}

func mapIDs[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

// tfState is what `tofu show -json` says of the managed resources.
type tfState struct {
	Values struct {
		Outputs map[string]struct {
			Value any `json:"value"`
		} `json:"outputs"`
		RootModule struct {
			Resources []struct {
				Address string         `json:"address"`
				Mode    string         `json:"mode"`
				Values  map[string]any `json:"values"`
			} `json:"resources"`
		} `json:"root_module"`
	} `json:"values"`
}

// id is the id of the managed resource at address.
func (s tfState) id(t *testing.T, address string) string {
	t.Helper()
	for _, r := range s.Values.RootModule.Resources {
		if r.Address == address && r.Mode == "managed" {
			id, _ := r.Values["id"].(string)
			return id
		}
	}
	t.Fatalf("no %s in the state", address)
	return ""
}

// TestTerraformAppliesThePlanAndDestroysAll: examples/terraform/main.tf
// (network, subnet, router with a gateway on public, interface, security
// group and rules, a port with a fixed IP and an allowed address pair, a
// VM on it, a floating IP) applied with OpenTofu and the OpenStack
// provider as the demo user of cloud2 makes what it says; a plan right
// after finds nothing to change (the APIs answer what they were sent);
// renaming the VM and changing its metadata update it in place; destroy
// leaves the project as it was.
func TestTerraformAppliesThePlanAndDestroysAll(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon and OpenTofu")
	}
	cli := terraformCLI(t)
	providerDir(t)
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "terraform", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	api, _ := freeAPI(t)
	startUp(t, api, t.TempDir(), "")
	env := openrc(t, "cloud2", api)
	demo := clientsFromOpenrc(t, env)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The router's gateway and the floating IP go on the external network
	// the cloud starts with, as on DevStack.
	iTrue := true
	p, err := networks.List(demo.network, external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: &iTrue}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	extNets, _ := networks.ExtractNetworks(p)
	if len(extNets) != 1 {
		t.Fatalf("cloud2's demo user sees external networks %+v, want one (DevStack's public)", extNets)
	}
	public := extNets[0]
	before := projectIDs(t, demo)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	tf := terraformIn(t, cli, dir, append(slices.Clone(env), [2]string{"TF_VAR_external_network", public.Name}))
	if out, code := tf("apply", "-auto-approve"); code != 0 || !strings.Contains(out, "Apply complete! Resources: 13 added") {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	out, code := tf("show", "-json")
	var st tfState
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		t.Fatalf("show -json: exit %d %v\n%s", code, err, out)
	}

	// What the APIs hold is what main.tf says.
	netID := st.id(t, "openstack_networking_network_v2.app")
	if n, err := networks.Get(ctx, demo.network, netID).Extract(); err != nil || n.Name != "app" || !n.AdminStateUp || !slices.Equal(n.Tags, []string{"terraform"}) {
		t.Errorf("network app: %v %+v", err, n)
	}
	subnetID := st.id(t, "openstack_networking_subnet_v2.app")
	sn, err := subnets.Get(ctx, demo.network, subnetID).Extract()
	if err != nil || sn.NetworkID != netID || sn.CIDR != "192.168.50.0/24" || sn.GatewayIP != "192.168.50.1" || !sn.EnableDHCP ||
		!slices.Equal(sn.DNSNameservers, []string{"192.0.2.53"}) ||
		!slices.Equal(sn.AllocationPools, []subnets.AllocationPool{{Start: "192.168.50.100", End: "192.168.50.199"}}) {
		t.Errorf("subnet app-v4: %v %+v", err, sn)
	}
	routerID := st.id(t, "openstack_networking_router_v2.app")
	if r, err := routers.Get(ctx, demo.network, routerID).Extract(); err != nil || r.Name != "app-router" || r.GatewayInfo.NetworkID != public.ID || len(r.GatewayInfo.ExternalFixedIPs) != 1 {
		t.Errorf("router app-router: %v %+v", err, r)
	}
	iface, err := ports.Get(ctx, demo.network, st.id(t, "openstack_networking_router_interface_v2.app")).Extract()
	if err != nil || iface.DeviceID != routerID || iface.DeviceOwner != "network:router_interface" ||
		len(iface.FixedIPs) != 1 || iface.FixedIPs[0] != (ports.IP{SubnetID: subnetID, IPAddress: "192.168.50.1"}) {
		t.Errorf("router interface: %v %+v", err, iface)
	}
	sgID := st.id(t, "openstack_networking_secgroup_v2.web")
	sg, err := groups.Get(ctx, demo.network, sgID).Extract()
	if err != nil || sg.Name != "web" || !slices.Equal(sg.Tags, []string{"terraform"}) {
		t.Fatalf("security group web: %v %+v", err, sg)
	}
	// Neutron's two default egress rules went (delete_default_rules); the
	// five of main.tf are there, each as sent.
	var got []string
	for _, r := range sg.Rules {
		remote := r.RemoteIPPrefix
		if r.RemoteGroupID == sgID {
			remote = "web"
		}
		got = append(got, fmt.Sprintf("%s %s %s %d-%d from %s", r.Direction, r.EtherType, r.Protocol, r.PortRangeMin, r.PortRangeMax, remote))
	}
	slices.Sort(got)
	want := []string{
		"egress IPv4  0-0 from ",
		"ingress IPv4  0-0 from web",
		"ingress IPv4 icmp 0-0 from 0.0.0.0/0",
		"ingress IPv4 tcp 22-22 from 0.0.0.0/0",
		"ingress IPv4 tcp 80-80 from 0.0.0.0/0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("web's rules:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	serverID := st.id(t, "openstack_compute_instance_v2.vm")
	portID := st.id(t, "openstack_networking_port_v2.vm")
	port, err := ports.Get(ctx, demo.network, portID).Extract()
	if err != nil || port.Name != "vm1-port" || port.NetworkID != netID || !slices.Equal(port.SecurityGroups, []string{sgID}) ||
		!slices.Equal(port.FixedIPs, []ports.IP{{SubnetID: subnetID, IPAddress: "192.168.50.10"}}) ||
		len(port.AllowedAddressPairs) != 1 || port.AllowedAddressPairs[0].IPAddress != "192.168.50.250/32" ||
		port.DeviceID != serverID || port.DeviceOwner != "compute:nova" {
		t.Errorf("port vm1-port: %v %+v", err, port)
	}
	sv, err := servers.Get(ctx, demo.compute, serverID).Extract()
	if err != nil || sv.Name != "vm1" || sv.Status != "ACTIVE" || sv.Flavor["original_name"] != "m1.tiny" && sv.Flavor["id"] != "1" ||
		sv.Metadata["role"] != "web" || len(sv.SecurityGroups) != 1 || sv.SecurityGroups[0]["name"] != "web" {
		t.Errorf("server vm1: %v %+v", err, sv)
	}
	fip, err := floatingips.Get(ctx, demo.network, st.id(t, "openstack_networking_floatingip_v2.vm[0]")).Extract()
	if err != nil || fip.FloatingNetworkID != public.ID || fip.PortID != portID || fip.FixedIP != "192.168.50.10" || fip.RouterID != routerID {
		t.Errorf("floating IP: %v %+v", err, fip)
	}
	if o := st.Values.Outputs; o["vm_address"].Value != "192.168.50.10" || o["floating_ip"].Value != fip.FloatingIP {
		t.Errorf("outputs %+v, want vm_address 192.168.50.10 and floating_ip %s", o, fip.FloatingIP)
	}

	// Nothing the APIs answered differs from what was sent.
	if out, code := tf("plan", "-detailed-exitcode"); code != 0 {
		t.Errorf("plan after apply: exit %d, want 0 (no changes)\n%s", code, out)
	}

	// A new name and metadata change the VM and its port in place (Nova's
	// PUT /servers/ID and metadata API, Neutron's port update), and the
	// plan after finds nothing again.
	vars := []string{"-var", "vm_name=vm2", "-var", `vm_metadata={role="db",tier="back"}`}
	if out, code := tf(append([]string{"apply", "-auto-approve"}, vars...)...); code != 0 || !strings.Contains(out, "Apply complete! Resources: 0 added, 2 changed, 0 destroyed") {
		t.Fatalf("apply with a new name and metadata: exit %d\n%s", code, out)
	}
	if sv, err := servers.Get(ctx, demo.compute, serverID).Extract(); err != nil || sv.Name != "vm2" || !maps.Equal(sv.Metadata, map[string]string{"role": "db", "tier": "back"}) {
		t.Errorf("vm1 renamed: %v %+v", err, sv)
	}
	if p, err := ports.Get(ctx, demo.network, portID).Extract(); err != nil || p.Name != "vm2-port" || p.DeviceID != serverID {
		t.Errorf("vm1-port renamed: %v %+v", err, p)
	}
	if out, code := tf(append([]string{"plan", "-detailed-exitcode"}, vars...)...); code != 0 {
		t.Errorf("plan after the update: exit %d, want 0 (no changes)\n%s", code, out)
	}

	if out, code := tf(append([]string{"destroy", "-auto-approve"}, vars...)...); code != 0 || !strings.Contains(out, "Destroy complete! Resources: 13 destroyed") {
		t.Fatalf("destroy: exit %d\n%s", code, out)
	}
	if _, err := ports.Get(ctx, demo.network, portID).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("vm1-port after destroy: %v, want 404", err)
	}
	if _, err := servers.Get(ctx, demo.compute, serverID).Extract(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("vm1 after destroy: %v, want 404", err)
	}
	after := projectIDs(t, demo)
	for kind, ids := range before {
		if !slices.Equal(after[kind], ids) {
			t.Errorf("%s after destroy %v, before apply %v", kind, after[kind], ids)
		}
	}
}
