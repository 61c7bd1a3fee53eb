package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The seed's cloud3 as a user meets it (option 3): `intercloud up`, then
// Debian's openstack CLI as cloud3's demo user shows the initial BGPVPN
// tenant with the network private associated, opens ICMP and boots a
// server on private; `intercloud ping ce1 VM` gets answers across the core
// and `show COMPUTE vrf` names the attachment. (A restart on the same
// database is internal/cloud's TestARestartAfterTheAssociationEndsInTheSameState:
// a second daemon here would double the test's 20 s.)
func TestUpCloud3ServerOnPrivateJoinsVPNTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	api, _ := freeAPI(t)
	stop := startUp(t, api, t.TempDir(), "")
	defer stop()
	env := openrc(t, "cloud3", api)

	var vpn struct {
		Name     string   `json:"Name"`
		Networks []string `json:"Associated Networks"`
	}
	out := openstackCLI(t, env, "bgpvpn", "show", "tenant", "-f", "json")
	if err := json.Unmarshal([]byte(out), &vpn); err != nil || vpn.Name != "tenant" || len(vpn.Networks) != 1 {
		t.Fatalf("bgpvpn show tenant: %v\n%s", err, out)
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

	// The wait ends at the first answer. Its bound leaves room for a
	// loaded machine: the compute's sessions start only with its first
	// port, and a session whose dial fails retries after a delay that
	// doubles up to 8 s.
	waitOrExplain(t, 30*time.Second, "intercloud ping ce1 "+vm, func() (bool, string) {
		out, errOut, _ := run(t, "ping", "ce1", vm, "-c", "1", api)
		return strings.Contains(out, "1 received"), out + errOut
	}, func() string {
		// Where the path stops: the computes' sessions, VRF, filter,
		// tunnels and events, and pe1's VRF tenant.
		var b strings.Builder
		for _, show := range [][]string{
			{"cloud3-cn1", "bgp", "summary"}, {"cloud3-cn2", "bgp", "summary"},
			{"cloud3-cn1", "vrf"}, {"cloud3-cn2", "vrf"},
			{"cloud3-cn1", "bgp", "vpnv4"}, {"cloud3-cn2", "bgp", "vpnv4"},
			{"cloud3-cn1", "security-groups"}, {"cloud3-cn2", "security-groups"},
			{"cloud3-cn1", "events"}, {"cloud3-cn2", "events"}, {"cloud3-cn1", "tunnels"}, {"cloud3-cn2", "tunnels"},
			{"pe1", "vrf", "tenant", "routes"}, {"pe1", "tunnels"}, {"pe1", "events"},
		} {
			out, errOut, code := run(t, append(append([]string{"show"}, show...), api)...)
			fmt.Fprintf(&b, "$ intercloud show %s (exit %d)\n%s%s\n", strings.Join(show, " "), code, out, errOut)
		}
		return b.String()
	})
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
}
