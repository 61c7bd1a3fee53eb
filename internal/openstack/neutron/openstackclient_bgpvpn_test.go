package neutron

import (
	"slices"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// TestOpenstackClientBGPVPN drives networking-bgpvpn's API with the
// bgpvpn commands python3-neutronclient's OSC plugin adds to Debian's
// openstack CLI: the admin makes a BGPVPN for a project and changes its
// route targets, the project's member associates its network, router
// and port, and each side sees its own view.
func TestOpenstackClientBGPVPN(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	if out, err := openstackCLI(t, lb, "admin", "admin", "bgpvpn", "list", "--help"); err != nil {
		t.Skipf("the openstack CLI has no bgpvpn commands (Debian package python3-neutronclient provides them): %v\n%s", err, out)
	}
	const adm, user, project = "admin", "demo-cloud1", "demo-cloud1"
	ctx := testCtx(t)

	// The tenant's network, router and port, made through the API.
	demo := lb.demo(t, "cloud1")
	net := tenantNet(t, demo, "blue", "10.1.0.0/24")
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	port, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: net.ID, Name: "vm1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}

	var v map[string]any
	cliJSON(t, lb, adm, adm, &v, "bgpvpn", "create", "--project", project, "--name", "vpn1",
		"--route-target", "64512:1", "--route-target", "4200000000:2", "--import-target", "192.0.2.1:3",
		"--route-distinguisher", "64512:100", "--vni", "1000", "--local-pref", "50")
	// The CLI shows the attributes under its own column names.
	if v["Name"] != "vpn1" || v["Type"] != "l3" || v["Project"] != net.ProjectID || v["VNI"] != float64(1000) || v["Local Pref"] != float64(50) ||
		!sameStrings(v["Route Targets"], "64512:1", "4200000000:2") || !sameStrings(v["Import Targets"], "192.0.2.1:3") ||
		!sameStrings(v["Route Distinguishers"], "64512:100") {
		t.Errorf("bgpvpn create: %v", v)
	}
	// set adds route targets to those it has.
	if out, err := openstackCLI(t, lb, adm, adm, "bgpvpn", "set", "vpn1", "--route-target", "64512:9", "--no-import-target"); err != nil {
		t.Fatalf("bgpvpn set: %v\n%s", err, out)
	}
	var shown map[string]any
	cliJSON(t, lb, adm, adm, &shown, "bgpvpn", "show", "vpn1")
	if !sameStrings(shown["Route Targets"], "4200000000:2", "64512:1", "64512:9") || !sameStrings(shown["Import Targets"]) {
		t.Errorf("bgpvpn show after set: %v", shown)
	}
	out, err := openstackCLI(t, lb, adm, adm, "bgpvpn", "set", "vpn1", "--route-target", "64512:70000:1")
	if err == nil || !strings.Contains(out, "is not a valid input") {
		t.Errorf("bad route target: err %v, output %q", err, out)
	}
	out, err = openstackCLI(t, lb, user, project, "bgpvpn", "create", "--name", "mine")
	if err == nil || !strings.Contains(out, "disallowed by policy") {
		t.Errorf("member creates a bgpvpn: err %v, output %q", err, out)
	}

	// The member: no route targets in its view; associations.
	var mine map[string]any
	cliJSON(t, lb, user, project, &mine, "bgpvpn", "show", "vpn1")
	if mine["ID"] != v["ID"] || mine["Project"] != net.ProjectID || mine["Route Targets"] != nil || mine["VNI"] != nil {
		t.Errorf("member's bgpvpn show: %v", mine)
	}
	var na, ra, pa map[string]any
	cliJSON(t, lb, user, project, &na, "bgpvpn", "network", "association", "create", "vpn1", "blue")
	if na["Network ID"] != net.ID {
		t.Errorf("network association create: %v", na)
	}
	cliJSON(t, lb, user, project, &ra, "bgpvpn", "router", "association", "create", "--no-advertise_extra_routes", "vpn1", "r1")
	if ra["Router ID"] != rt.ID || ra["Advertise extra routes"] != false {
		t.Errorf("router association create: %v", ra)
	}
	if out, err := openstackCLI(t, lb, user, project, "bgpvpn", "router", "association", "set", "--advertise_extra_routes", ra["ID"].(string), "vpn1"); err != nil {
		t.Fatalf("router association set: %v\n%s", err, out)
	}
	cliJSON(t, lb, user, project, &ra, "bgpvpn", "router", "association", "show", ra["ID"].(string), "vpn1")
	if ra["Advertise extra routes"] != true {
		t.Errorf("router association after set: %v", ra)
	}
	cliJSON(t, lb, user, project, &pa, "bgpvpn", "port", "association", "create", "--prefix-route", "prefix=20.1.0.0/16,local_pref=100",
		"--no-advertise-fixed-ips", "vpn1", "vm1")
	if pa["Port ID"] != port.ID || pa["Advertise Port's Fixed IPs"] != false || !sameStrings(pa["Prefix Routes (BGP LOCAL_PREF)"], "20.1.0.0/16 (100)") {
		t.Errorf("port association create: %v", pa)
	}
	if out, err := openstackCLI(t, lb, user, project, "bgpvpn", "port", "association", "set", "--prefix-route", "prefix=20.2.0.0/16",
		"--advertise-fixed-ips", pa["ID"].(string), "vpn1"); err != nil {
		t.Fatalf("port association set: %v\n%s", err, out)
	}
	var list []map[string]any
	cliJSON(t, lb, user, project, &list, "bgpvpn", "network", "association", "list", "vpn1")
	if len(list) != 1 || list[0]["ID"] != na["ID"] {
		t.Errorf("network association list: %v", list)
	}
	cliJSON(t, lb, user, project, &shown, "bgpvpn", "show", "vpn1")
	if !sameStrings(shown["Associated Networks"], net.ID) || !sameStrings(shown["Associated Routers"], rt.ID) || !sameStrings(shown["Associated Ports"], port.ID) {
		t.Errorf("bgpvpn with its associations: %v", shown)
	}

	snap, err := lb.neutron["cloud1"].Snapshot(testCtx(t)) // the CLI took long: a new deadline
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.BGPVPNPortAssociations) != 1 {
		t.Fatalf("port associations: %+v", snap.BGPVPNPortAssociations)
	}
	got := snap.BGPVPNPortAssociations[0]
	var prefixes []string
	for _, r := range got.Routes {
		prefixes = append(prefixes, r.Prefix)
	}
	slices.Sort(prefixes)
	if !got.AdvertiseFixedIPs || !slices.Equal(prefixes, []string{"20.1.0.0/16", "20.2.0.0/16"}) {
		t.Errorf("port association after set: %+v", got)
	}

	// Deleting: the member its association, the admin the BGPVPN.
	if out, err := openstackCLI(t, lb, user, project, "bgpvpn", "network", "association", "delete", na["ID"].(string), "vpn1"); err != nil {
		t.Fatalf("network association delete: %v\n%s", err, out)
	}
	out, err = openstackCLI(t, lb, user, project, "bgpvpn", "delete", "vpn1")
	if err == nil {
		t.Errorf("member deletes the bgpvpn: %s", out)
	}
	if out, err := openstackCLI(t, lb, adm, adm, "bgpvpn", "delete", "vpn1"); err != nil {
		t.Fatalf("bgpvpn delete: %v\n%s", err, out)
	}
	cliJSON(t, lb, adm, adm, &list, "bgpvpn", "list")
	if len(list) != 0 {
		t.Errorf("bgpvpn list after delete: %v", list)
	}
}

// sameStrings reports whether v, a JSON list, holds exactly want, in
// any order (the CLI's set merges lists as sets).
func sameStrings(v any, want ...string) bool {
	l, ok := v.([]any)
	if !ok || len(l) != len(want) {
		return false
	}
	var got []string
	for _, e := range l {
		s, _ := e.(string)
		got = append(got, s)
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	return slices.Equal(got, want)
}
