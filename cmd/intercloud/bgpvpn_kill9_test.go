package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// Option 3 across a SIGKILL (issue 9: "a daemon restart in the middle
// that ends in the same state"): the seed's cloud3 has the BGPVPN tenant
// with its network private associated; the demo user puts a VM port on
// private and ce1 pings it across the core. The daemon is killed with SIGKILL and started
// again on the same state directory: with no Neutron call in between, the
// compute hosting the port has the same attachment VRF (RD, label, route
// targets, routes), pe1 the VM's VPNv4 route by the same next hop and
// label, and ce1's pings are answered again.
//
// Two daemons' start-ups make it about 20 s (more under load): it runs
// with INTERCLOUD_KILL9=1. The default run has the in-process restart,
// internal/cloud's TestARestartAfterTheAssociationEndsInTheSameState.
func TestKill9WithOption3LiveEndsInTheSameState(t *testing.T) {
	if testing.Short() || os.Getenv("INTERCLOUD_KILL9") != "1" {
		t.Skip("builds and kills the daemon twice (about 20 s): set INTERCLOUD_KILL9=1")
	}
	bin := buildIntercloud(t)
	dir := t.TempDir()
	d := startDaemon(t, bin, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := d.client(t, "cloud3")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pages, err := networks.List(c, networks.ListOpts{Name: "private"}).AllPages(ctx)
	must(err)
	nets, err := networks.ExtractNetworks(pages)
	must(err)
	if len(nets) != 1 {
		t.Fatalf("cloud3's networks named private: %+v", nets)
	}
	port, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: nets[0].ID, DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	must(err)
	vm := port.FixedIPs[0].IPAddress
	sgPages, err := groups.List(c, groups.ListOpts{Name: "default"}).AllPages(ctx)
	must(err)
	sgs, err := groups.ExtractGroups(sgPages)
	must(err)
	_, err = rules.Create(ctx, c, rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sgs[0].ID,
		Protocol: rules.ProtocolICMP, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	must(err)

	pingsBack := func(d *daemon) {
		t.Helper()
		waitUntil(t, 30*time.Second, "ce1 pings "+vm, func() (bool, string) {
			d.mustBeRunning(t)
			out, err := d.intercloud("ping", "ce1", vm, "-c", "1")
			return err == nil && strings.Contains(out, "1 received"), out
		})
	}
	// state is what the test compares across the restart: the compute's
	// VRFs (name, RD, label, RTs, route count) and pe1's VPNv4 routes
	// to the VM (next hop, label), with nothing that ages.
	var host string
	state := func(d *daemon) string {
		t.Helper()
		vrf, err := d.intercloud("show", host, "vrf")
		if err != nil {
			t.Fatalf("show %s vrf: %v\n%s", host, err, vrf)
		}
		bgp, err := d.intercloud("show", "pe1", "bgp", "vpnv4")
		if err != nil {
			t.Fatalf("show pe1 bgp vpnv4: %v\n%s", err, bgp)
		}
		var keep []string
		for _, line := range strings.Split(bgp, "\n") {
			if strings.Contains(line, vm+"/32") {
				keep = append(keep, ageRE.ReplaceAllString(strings.Join(strings.Fields(line), " "), ""))
			}
		}
		if len(keep) == 0 {
			t.Fatalf("pe1 has no VPNv4 route to %s:\n%s", vm, bgp)
		}
		return vrf + strings.Join(keep, "\n")
	}
	pingsBack(d)
	// The lab placed the port (no binding asked for) on one compute.
	for _, cn := range []string{"cloud3-cn1", "cloud3-cn2"} {
		if out, err := d.intercloud("show", cn, "vrf"); err == nil && strings.Contains(out, "ports "+vm) {
			host = cn
		}
	}
	if host == "" {
		t.Fatalf("no compute of cloud3 shows %s in a VRF", vm)
	}
	before := state(d)
	if !strings.Contains(before, "attachment of bgpvpn") || !strings.Contains(before, "ports "+vm) {
		t.Fatalf("show %s vrf before the kill:\n%s", host, before)
	}

	d.kill(t)
	d = startDaemon(t, bin, dir)
	pingsBack(d)
	if after := state(d); after != before {
		t.Errorf("after SIGKILL and restart:\n%s\nbefore:\n%s", after, before)
	}
}

// ageRE matches a duration a route's line may carry (its age).
var ageRE = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s|m|h)\b|\b\d\d:\d\d:\d\d\b`)
