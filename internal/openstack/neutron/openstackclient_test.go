package neutron

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
)

// openstackCLI runs Debian's python3-openstackclient against the lab as
// an openrc would point it, region cloud1, with nothing of the caller's
// OS_* environment or clouds.yaml.
func openstackCLI(t *testing.T, lb *lab, user, project string, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := ostest.CLI(t, ostest.Openrc(lb.URL+"/v3", "cloud1", user, testPassword, project), args...)
	if err != nil {
		return stdout + stderr, err
	}
	if os.Getenv("NEUTRON_CLI_DEBUG") != "" {
		t.Log(stderr)
	}
	return stdout, nil
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

// TestOpenstackClientBGP drives neutron-dynamic-routing's API with the
// bgp commands python3-neutronclient's OSC plugin adds to Debian's
// openstack CLI, as an admin.
func TestOpenstackClientBGP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	if out, err := openstackCLI(t, lb, "admin", "admin", "bgp", "speaker", "list", "--help"); err != nil {
		t.Skipf("the openstack CLI has no bgp commands (Debian package python3-neutronclient provides them): %v\n%s", err, out)
	}
	const adm = "admin"

	var sp map[string]any
	cliJSON(t, lb, adm, adm, &sp, "bgp", "speaker", "create", "--local-as", "65010", "s1")
	if sp["name"] != "s1" || sp["local_as"] != float64(65010) || sp["ip_version"] != float64(4) ||
		sp["advertise_tenant_networks"] != true || sp["advertise_floating_ip_host_routes"] != true {
		t.Errorf("bgp speaker create: %v", sp)
	}
	var peer map[string]any
	cliJSON(t, lb, adm, adm, &peer, "bgp", "peer", "create", "--peer-ip", "10.0.0.1", "--remote-as", "65000", "p1")
	if peer["name"] != "p1" || peer["peer_ip"] != "10.0.0.1" || peer["remote_as"] != float64(65000) || peer["auth_type"] != "none" {
		t.Errorf("bgp peer create: %v", peer)
	}
	if out, err := openstackCLI(t, lb, adm, adm, "bgp", "speaker", "add", "peer", "s1", "p1"); err != nil {
		t.Fatalf("bgp speaker add peer: %v\n%s", err, out)
	}
	var list []map[string]any
	cliJSON(t, lb, adm, adm, &list, "bgp", "speaker", "list")
	if len(list) != 1 || list[0]["Name"] != "s1" || list[0]["Local AS"] != float64(65010) || list[0]["IP Version"] != float64(4) || list[0]["ID"] != sp["id"] {
		t.Errorf("bgp speaker list: %v", list)
	}
	var shown map[string]any
	cliJSON(t, lb, adm, adm, &shown, "bgp", "speaker", "show", "s1")
	if ps, _ := shown["peers"].([]any); len(ps) != 1 || ps[0] != peer["id"] {
		t.Errorf("bgp speaker show: %v", shown)
	}

	var dras []map[string]any
	cliJSON(t, lb, adm, adm, &dras, "bgp", "dragent", "list")
	if len(dras) != 1 || dras[0]["Host"] != "cloud1-network" || dras[0]["State"] != true || dras[0]["Alive"] != ":-)" {
		t.Fatalf("bgp dragent list: %v", dras)
	}
	var hosting []map[string]any
	cliJSON(t, lb, adm, adm, &hosting, "bgp", "dragent", "list", "--bgp-speaker", "s1")
	if len(hosting) != 1 || hosting[0]["ID"] != dras[0]["ID"] {
		t.Errorf("bgp dragent list --bgp-speaker s1: %v", hosting)
	}
	var onAgent []map[string]any
	cliJSON(t, lb, adm, adm, &onAgent, "bgp", "speaker", "list", "--agent", dras[0]["ID"].(string))
	if len(onAgent) != 1 || onAgent[0]["Name"] != "s1" {
		t.Errorf("bgp speaker list --agent: %v", onAgent)
	}
	var agentList []map[string]any
	cliJSON(t, lb, adm, adm, &agentList, "network", "agent", "list", "--agent-type", "bgp")
	if len(agentList) != 1 || agentList[0]["Host"] != "cloud1-network" || agentList[0]["Binary"] != "neutron-bgp-dragent" {
		t.Errorf("network agent list --agent-type bgp: %v", agentList)
	}

	// Scheduling by hand, and the routes of a gateway network.
	if out, err := openstackCLI(t, lb, adm, adm, "bgp", "dragent", "remove", "speaker", dras[0]["ID"].(string), "s1"); err != nil {
		t.Fatalf("bgp dragent remove speaker: %v\n%s", err, out)
	}
	if out, err := openstackCLI(t, lb, adm, adm, "bgp", "dragent", "add", "speaker", dras[0]["ID"].(string), "s1"); err != nil {
		t.Fatalf("bgp dragent add speaker: %v\n%s", err, out)
	}
	cliJSON(t, lb, adm, adm, &map[string]any{}, "network", "create", "--external", "public")
	if out, err := openstackCLI(t, lb, adm, adm, "bgp", "speaker", "add", "network", "s1", "public"); err != nil {
		t.Fatalf("bgp speaker add network: %v\n%s", err, out)
	}
	var routes []map[string]any
	cliJSON(t, lb, adm, adm, &routes, "bgp", "speaker", "list", "advertised", "routes", "s1")
	if len(routes) != 0 {
		t.Errorf("routes of a bare network: %v", routes)
	}

	// The CLI shows Neutron's refusals.
	out, err := openstackCLI(t, lb, adm, adm, "bgp", "peer", "create", "--peer-ip", "10.0.0.2", "--remote-as", "65000", "--auth-type", "md5", "--password", "", "p2")
	if err == nil || !strings.Contains(out, "A password must be supplied when using auth_type md5") {
		t.Errorf("md5 peer with an empty password: err %v, output %q", err, out)
	}
	out, err = openstackCLI(t, lb, "demo-cloud1", "demo-cloud1", "bgp", "speaker", "create", "--local-as", "65011", "s2")
	if err == nil || !strings.Contains(out, "rule:create_bgp_speaker is disallowed by policy") {
		t.Errorf("member creates a speaker: err %v, output %q", err, out)
	}

	snap, err := lb.neutron["cloud1"].Snapshot(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.BGPSpeakers) != 1 || len(snap.BGPSpeakers[0].BGPPeers) != 1 || snap.BGPSpeakers[0].BGPPeers[0].PeerIP != "10.0.0.1" ||
		len(snap.BGPSpeakers[0].AgentHosts) != 1 {
		t.Errorf("state after the CLI session: %+v", snap.BGPSpeakers)
	}
}
