package neutron

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// openstackCLI runs Debian's python3-openstackclient against the lab as
// an openrc would point it, region cloud1, with nothing of the caller's
// OS_* environment or clouds.yaml.
func openstackCLI(t *testing.T, lb *lab, user, project string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("openstack")
	if err != nil {
		t.Skip("openstack CLI not installed (Debian package python3-openstackclient)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"OS_AUTH_URL=" + lb.URL + "/v3",
		"OS_USERNAME=" + user,
		"OS_PASSWORD=" + testPassword,
		"OS_PROJECT_NAME=" + project,
		"OS_USER_DOMAIN_NAME=Default",
		"OS_PROJECT_DOMAIN_NAME=Default",
		"OS_REGION_NAME=cloud1",
		"OS_IDENTITY_API_VERSION=3",
		"OS_INTERFACE=public",
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	if os.Getenv("NEUTRON_CLI_DEBUG") != "" {
		t.Log(stderr.String())
	}
	return stdout.String(), nil
}

func cliJSON(t *testing.T, lb *lab, user, project string, v any, args ...string) {
	t.Helper()
	out, err := openstackCLI(t, lb, user, project, append(args, "-f", "json")...)
	if err != nil {
		t.Fatalf("openstack %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("openstack %s: output %q: %v", strings.Join(args, " "), out, err)
	}
}

func TestOpenstackClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	const user, project = "demo-cloud1", "demo-cloud1"

	var pub map[string]any
	cliJSON(t, lb, "admin", "admin", &pub, "network", "create", "--external", "--provider-network-type", "flat",
		"--provider-physical-network", "physnet1", "public")
	if pub["router:external"] != true && pub["router_external"] != true && pub["is_router_external"] != true {
		t.Errorf("external network as the CLI shows it: %v", pub)
	}
	var pubSubnet map[string]any
	cliJSON(t, lb, "admin", "admin", &pubSubnet, "subnet", "create", "--network", "public", "--subnet-range", "203.0.113.0/24",
		"--no-dhcp", "--allocation-pool", "start=203.0.113.100,end=203.0.113.200", "public-subnet")

	var net map[string]any
	cliJSON(t, lb, user, project, &net, "network", "create", "private")
	if net["name"] != "private" || net["status"] != "ACTIVE" || net["mtu"] != float64(1450) {
		t.Errorf("network create: %v", net)
	}
	var sn map[string]any
	cliJSON(t, lb, user, project, &sn, "subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/24", "private-subnet")
	if sn["cidr"] != "10.0.0.0/24" || sn["gateway_ip"] != "10.0.0.1" || sn["network_id"] != net["id"] {
		t.Errorf("subnet create: %v", sn)
	}
	var rt map[string]any
	cliJSON(t, lb, user, project, &rt, "router", "create", "router1")
	if out, err := openstackCLI(t, lb, user, project, "router", "set", "--external-gateway", "public", "router1"); err != nil {
		t.Fatalf("router set --external-gateway: %v\n%s", err, out)
	}
	if out, err := openstackCLI(t, lb, user, project, "router", "add", "subnet", "router1", "private-subnet"); err != nil {
		t.Fatalf("router add subnet: %v\n%s", err, out)
	}
	var port map[string]any
	cliJSON(t, lb, user, project, &port, "port", "create", "--network", "private", "--device", "vm-1", "--device-owner", "compute:nova", "vm1-port")
	var fip map[string]any
	cliJSON(t, lb, user, project, &fip, "floating", "ip", "create", "--port", "vm1-port", "public")
	if fip["floating_ip_address"] != "203.0.113.101" || fip["fixed_ip_address"] != "10.0.0.2" || fip["router_id"] != rt["id"] {
		t.Errorf("floating ip create: %v", fip)
	}

	var nets []map[string]any
	cliJSON(t, lb, user, project, &nets, "network", "list")
	names := map[string]bool{}
	for _, n := range nets {
		names[n["Name"].(string)] = true
	}
	if len(nets) != 2 || !names["private"] || !names["public"] {
		t.Errorf("network list: %v", nets)
	}
	var ports []map[string]any
	cliJSON(t, lb, user, project, &ports, "port", "list", "--router", "router1")
	if len(ports) != 1 {
		t.Errorf("port list --router: %v", ports)
	}

	// The CLI shows Neutron's refusal.
	out, err := openstackCLI(t, lb, user, project, "subnet", "create", "--network", "private", "--subnet-range", "10.0.0.0/25", "again")
	if err == nil || !strings.Contains(out, "overlaps with another subnet") {
		t.Errorf("overlapping subnet: err %v, output %q", err, out)
	}

	snap, err := lb.neutron["cloud1"].Snapshot(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Networks) != 2 || len(snap.Routers) != 1 || len(snap.FloatingIPs) != 1 || snap.FloatingIPs[0].RouterID == nil {
		t.Errorf("state after the CLI session: %+v", snap)
	}
}
