package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The seed's cloud3 as a user meets it (option 3): `intercloud up`, then
// Debian's openstack CLI as cloud3's demo user lists the initial BGPVPN
// tenant with the network private associated, opens ICMP and boots a
// server on private; `intercloud ping ce1 VM` gets answers across the core
// and `show COMPUTE vrf` names the attachment. After `down` and `up` on
// the same state directory the VM answers again with no API call.
func TestUpCloud3ServerOnPrivateJoinsVPNTenantAndSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	stateDir := t.TempDir()
	api, _ := freeAPI(t)
	stop := startUp(t, api, stateDir, "")
	env := openrc(t, "cloud3", api)

	var vpns []struct {
		Name string `json:"Name"`
	}
	out := openstackCLI(t, env, "bgpvpn", "list", "-f", "json")
	if err := json.Unmarshal([]byte(out), &vpns); err != nil || len(vpns) != 1 || vpns[0].Name != "tenant" {
		t.Fatalf("bgpvpn list: %v\n%s", err, out)
	}
	if out := openstackCLI(t, env, "bgpvpn", "network", "association", "list", "tenant", "-f", "value"); strings.Count(strings.TrimSpace(out), "\n") != 0 || out == "" {
		t.Errorf("bgpvpn network association list tenant: want one\n%s", out)
	}
	openstackCLI(t, env, "security", "group", "rule", "create", "--protocol", "icmp", "default")
	out = openstackCLI(t, env, "server", "create", "--image", "cirros-0.6.2-x86_64-disk", "--flavor", "m1.tiny", "--network", "private", "vm1", "-f", "json")
	var sv struct {
		Addresses map[string][]string `json:"addresses"`
	}
	if err := json.Unmarshal([]byte(out), &sv); err != nil || len(sv.Addresses["private"]) != 1 {
		t.Fatalf("server create: %v\n%s", err, out)
	}
	vm := sv.Addresses["private"][0]

	pingVM := func(api string) {
		t.Helper()
		waitUntil(t, 10*time.Second, "intercloud ping ce1 "+vm, func() (bool, string) {
			out, errOut, _ := run(t, "ping", "ce1", vm, "-c", "1", api)
			return strings.Contains(out, "1 received"), out + errOut
		})
	}
	pingVM(api)
	var host string
	for _, cn := range []string{"cloud3-cn1", "cloud3-cn2"} {
		if out, _, code := run(t, "show", cn, "vrf", api); code == 0 && strings.Contains(out, "ports "+vm) {
			host = cn
		}
	}
	if host == "" {
		t.Fatalf("no compute of cloud3 shows %s in its vrf tenant", vm)
	}
	if out, errOut, code := run(t, "show", host, "bgp", "vpnv4", api); code != 0 || !strings.Contains(out, vm+"/32") || !strings.Contains(out, "mpls-in-udp") {
		t.Errorf("show %s bgp vpnv4: %d\n%s%s", host, code, out, errOut)
	}
	stop()

	api2, _ := freeAPI(t)
	stop2 := startUp(t, api2, stateDir, "")
	defer stop2()
	pingVM(api2)
}
