package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/peers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/speakers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/addressscopes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/topology"
)

// TestUpDynamicRoutingSurvivesRestart runs `intercloud up` on the seed
// lab, sets up neutron-dynamic-routing in cloud1 through its Neutron with
// gophercloud (as admin: scope, pools inside cloud1's prefix, external
// and tenant networks, router, a VM port, a speaker in cloud1's AS
// peering with ce1), then `intercloud ping` from ce2 reaches the VM across
// the core. After `down` and `up` on the same state directory the route
// and the traffic are back with no API call: the daemon applied what the
// database held.
func TestUpDynamicRoutingSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	var cloud *topology.Cloud
	for _, c := range m.Clouds {
		if c.Name == "cloud1" {
			cloud = c
		}
	}
	var sess topology.Session
	for _, s := range m.Sessions {
		if s.Kind == topology.SessionCloudCE && s.B == "cloud1" {
			sess = s
		}
	}
	stateDir := t.TempDir()
	api, addr := freeAPI(t)
	stop := startUp(t, api, stateDir, "")
	vm := setupDynamicRouting(t, "http://"+addr+"/identity/v3", cloud, sess)

	pingVM := func(api string) string {
		t.Helper()
		var out string
		waitUntil(t, 10*time.Second, "intercloud ping ce2 "+vm.String(), func() (bool, string) {
			var errOut string
			out, errOut, _ = run(t, "ping", "ce2", vm.String(), "-c", "1", api)
			return strings.Contains(out, "1 received"), out + errOut
		})
		return out
	}
	pingVM(api)
	// The speaker advertises the tenant subnet, and nothing else: the
	// check names what cloud1 announces.
	tenant := netip.PrefixFrom(vm, 24).Masked()
	file := filepath.Join(t.TempDir(), "seed.yaml")
	os.WriteFile(file, append(seedWith(t), []byte("  - advertises: cloud1\n    exactly: ["+tenant.String()+"]\n")...), 0o644)
	out, errOut, code := run(t, "validate", "--live", api, file)
	if want := "PASS  cloud cloud1 advertises exactly " + tenant.String() + " (announces " + tenant.String() + ")"; code != 0 || !strings.Contains(out, want) {
		t.Errorf("validate --live: %d, want %q in\n%s%s", code, want, out, errOut)
	}
	stop()

	api2, _ := freeAPI(t)
	startUp(t, api2, stateDir, "")
	out = pingVM(api2)
	if !strings.Contains(out, "bytes from "+vm.String()) {
		t.Errorf("after the restart:\n%s", out)
	}
}

// setupDynamicRouting does a cloud admin's neutron-dynamic-routing setup
// in cloud and returns the VM's address.
func setupDynamicRouting(t *testing.T, authURL string, cloud *topology.Cloud, sess topology.Session) netip.Addr {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: authURL, Username: "admin", Password: "intercloud", DomainName: "Default", TenantName: "admin",
	})
	must(err)
	c, err := openstack.NewNetworkV2(p, gophercloud.EndpointOpts{Region: cloud.Name})
	must(err)
	b := cloud.Prefix.Addr().As4()
	ext := netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], 0, 0}), 24)
	ten := netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], 128, 0}), 17)
	scope, err := addressscopes.Create(ctx, c, addressscopes.CreateOpts{Name: "wan", IPVersion: 4}).Extract()
	must(err)
	extPool, err := subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "public", Prefixes: []string{ext.String()}, DefaultPrefixLen: 24, AddressScopeID: scope.ID}).Extract()
	must(err)
	tenPool, err := subnetpools.Create(ctx, c, subnetpools.CreateOpts{Name: "tenant", Prefixes: []string{ten.String()}, DefaultPrefixLen: 24, AddressScopeID: scope.ID}).Extract()
	must(err)
	yes := true
	pub, err := networks.Create(ctx, c, external.CreateOptsExt{CreateOptsBuilder: networks.CreateOpts{Name: "public"}, External: &yes}).Extract()
	must(err)
	_, err = subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: pub.ID, IPVersion: 4, SubnetPoolID: extPool.ID}).Extract()
	must(err)
	priv, err := networks.Create(ctx, c, networks.CreateOpts{Name: "private"}).Extract()
	must(err)
	sn, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: priv.ID, IPVersion: 4, SubnetPoolID: tenPool.ID}).Extract()
	must(err)
	rt, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r1", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	must(err)
	_, err = routers.AddInterface(ctx, c, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	must(err)
	port, err := ports.Create(ctx, c, ports.CreateOpts{NetworkID: priv.ID, DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	must(err)
	// The VM's default security group admits no ping until a rule does.
	sgPages, err := groups.List(c, groups.ListOpts{Name: "default"}).AllPages(ctx)
	must(err)
	sgs, err := groups.ExtractGroups(sgPages)
	must(err)
	_, err = rules.Create(ctx, c, rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: sgs[0].ID,
		Protocol: rules.ProtocolICMP, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	must(err)
	sp, err := speakers.Create(ctx, c, speakers.CreateOpts{Name: "dr", IPVersion: 4, LocalAS: strconv.FormatUint(uint64(cloud.ASN), 10), AdvertiseTenantNetworks: true}).Extract()
	must(err)
	peer, err := peers.Create(ctx, c, peers.CreateOpts{Name: sess.A, AuthType: "none", RemoteAS: int(sess.AASN), PeerIP: sess.AAddr.String()}).Extract()
	must(err)
	must(speakers.AddBGPPeer(ctx, c, sp.ID, speakers.AddBGPPeerOpts{BGPPeerID: peer.ID}).Err)
	must(speakers.AddGatewayNetwork(ctx, c, sp.ID, speakers.AddGatewayNetworkOpts{NetworkID: pub.ID}).Err)
	return netip.MustParseAddr(port.FixedIPs[0].IPAddress)
}
