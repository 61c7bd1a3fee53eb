package cloud

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/speakers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
)

// TestDynamicRoutingVMToVM drives two clouds' Neutrons with gophercloud
// as their admins and tenants would (examples/two-clouds.yaml: edmonton
// behind ce1, toronto behind ce2, one VPN) and checks what they get: each
// CE learns its cloud's tenant subnet from the cloud's speaker with the
// router's gateway as next hop, each PE has it in the VRF, the other
// site's CE learns it, and a VM in edmonton pings and traces a VM in
// toronto across the MPLS core, with the VPN label under the transport
// label in the core; a floating IP's host route reaches toronto and the
// address answers. Then a tenant subnet outside edmonton's block is
// refused at ce1 (counted, shown, logged), and removing the gateway
// network withdraws edmonton's routes from the other site.
func TestDynamicRoutingVMToVM(t *testing.T) {
	e := start(t, loadModel(t, "two-clouds.yaml"), t.TempDir())
	a, b := e.setupCloud("edmonton"), e.setupCloud("toronto")
	// Without BGP the VMs answer on their cloud node but nobody routes to them.
	if e.has("ce2", "", a.tenant) {
		t.Fatal("ce2 routes edmonton's tenant subnet before any BGP speaker")
	}
	e.addBGP(a, e.cloudASN("edmonton"))
	e.addBGP(b, e.cloudASN("toronto"))
	took := e.until("ce2 learns edmonton's subnet and ce1 toronto's", 5*time.Second, func() bool {
		return e.has("ce2", "", a.tenant) && e.has("ce1", "", b.tenant)
	})
	t.Logf("routes crossed the core %v of lab time after add_gateway_network", took)

	ce1, _ := e.lab.Node("ce1")
	var fromCloud *bgp.Route
	for _, r := range ce1.BGP().Routes(bgp.IPv4Unicast) {
		if r.Key.Prefix == a.tenant && r.Best {
			fromCloud = &r
		}
	}
	if fromCloud == nil || fromCloud.NextHop != a.gateway || fromCloud.Attrs.ASPathString() != itoa(e.cloudASN("edmonton")) {
		t.Fatalf("ce1's route for %v: %+v, want next hop %v (the router's gateway) and path %d", a.tenant, fromCloud, a.gateway, e.cloudASN("edmonton"))
	}
	pe1, _ := e.lab.Node("pe1")
	pe2, _ := e.lab.Node("pe2")
	if r, ok := pe1.Router.RIB().Best("tenant", a.tenant); !ok || r.Proto != router.ProtoEBGP {
		t.Errorf("pe1 vrf tenant %v: %+v, want from ce1 over eBGP", a.tenant, r)
	}
	if r, ok := pe2.Router.RIB().Best("tenant", a.tenant); !ok || r.Proto != router.ProtoIBGP {
		t.Errorf("pe2 vrf tenant %v: %+v, want VPNv4 from pe1", a.tenant, r)
	}
	for _, n := range []string{"p1", "p2"} {
		if e.has(n, "", a.tenant) {
			t.Errorf("core router %s has the tenant's route in its global table", n)
		}
	}

	res := e.ping(a.vm.String(), b.vm.String(), 3)
	if res.Received != 3 || res.Src != a.vm {
		t.Fatalf("ping %v -> %v: %+v", a.vm, b.vm, res)
	}
	t.Logf("ping %v -> %v: %d/%d, rtt %v", a.vm, b.vm, res.Received, res.Sent, res.AvgRTT)
	tr := e.trace(a.vm.String(), b.vm.String())
	t.Logf("trace %v -> %v:\n%v", a.vm, b.vm, tr)
	if !tr.Reached {
		t.Fatalf("trace %v -> %v did not reach:\n%+v", a.vm, b.vm, tr)
	}
	vpnLabel := pe2.VPNLabel("tenant")
	stacked := false
	for _, h := range tr.Hops {
		for _, p := range h.Probes {
			if len(p.Labels) == 2 && p.Labels[1].Label == vpnLabel {
				stacked = true
			}
		}
	}
	if !stacked {
		t.Errorf("no hop showed a transport label over pe2's VPN label %d:\n%+v", vpnLabel, tr.Hops)
	}

	// A floating IP for edmonton's VM: its host route reaches toronto, and
	// the address answers on edmonton's node (its router NATs it).
	ctx := ctxT(t)
	fip, err := floatingips.Create(ctx, a.demo, floatingips.CreateOpts{FloatingNetworkID: a.public, PortID: a.vmPort}).Extract()
	must(t, err)
	fipHost := netip.PrefixFrom(netip.MustParseAddr(fip.FloatingIP), 32)
	e.until("ce2 learns the floating IP's host route", time.Second, func() bool { return e.has("ce2", "", fipHost) })
	if res := e.ping(b.vm.String(), fipHost.Addr().String(), 1); res.Received != 1 {
		t.Errorf("ping toronto's VM -> edmonton's floating IP %v: %+v", fipHost.Addr(), res)
	}

	// A tenant subnet from a pool outside edmonton's block, in the same
	// address scope: Neutron advertises it; ce1 must not take it.
	stray := netip.MustParsePrefix("192.168.77.0/24")
	pool, err := subnetpools.Create(ctx, a.adm, subnetpools.CreateOpts{Name: "stray", Prefixes: []string{stray.String()},
		DefaultPrefixLen: 24, AddressScopeID: a.poolScope, Shared: true}).Extract()
	must(t, err)
	net2, err := networks.Create(ctx, a.demo, networks.CreateOpts{Name: "stray"}).Extract()
	must(t, err)
	sn, err := subnets.Create(ctx, a.demo, subnets.CreateOpts{NetworkID: net2.ID, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
	must(t, err)
	_, err = routers.AddInterface(ctx, a.demo, a.routerID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	must(t, err)
	pages, err := speakers.GetAdvertisedRoutes(a.adm, a.speaker).AllPages(ctx)
	must(t, err)
	adv, err := speakers.ExtractAdvertisedRoutes(pages)
	must(t, err)
	if !slices.ContainsFunc(adv, func(r speakers.AdvertisedRoute) bool { return r.Destination == stray.String() }) {
		t.Fatalf("Neutron does not advertise %v: %+v", stray, adv)
	}
	e.until("ce1 reports the refusal", time.Second, func() bool {
		_, text, err := e.lab.Show("ce1", "bgp neighbor edmonton", "")
		return err == nil && strings.Contains(text, "Filtered: "+stray.String())
	})
	if e.has("ce1", "", stray) || e.has("ce2", "", stray) {
		t.Error("a CE routes a prefix outside edmonton's block")
	}
	refused := false
	for _, ev := range e.lab.Events(time.Time{}) {
		if ev.Node == "ce1" && ev.Kind == "bgp-filtered" && strings.Contains(ev.Detail, stray.String()) {
			refused = true
		}
	}
	if !refused {
		t.Error("no bgp-filtered event on ce1 in the lab's log")
	}

	// Removing the gateway network withdraws edmonton's routes.
	must(t, speakers.RemoveGatewayNetwork(ctx, a.adm, a.speaker, speakers.RemoveGatewayNetworkOpts{NetworkID: a.public}).ExtractErr())
	e.until("ce2 forgets edmonton's subnet", 5*time.Second, func() bool { return !e.has("ce2", "", a.tenant) })
	if e.has("pe1", "tenant", a.tenant) {
		t.Error("pe1's vrf still routes edmonton's subnet")
	}
	if res := e.ping(b.vm.String(), a.vm.String(), 1); res.Received != 0 {
		t.Errorf("toronto still reaches edmonton's VM: %+v", res)
	}
}

// TestDynamicRoutingSeed uses the seed lab (cloud1 dynamic-routing behind
// ce1): a speaker created with a local_as other than the cloud's ASN gets
// no session — ce1 refuses its OPEN, and `show ce1 bgp neighbor cloud1`
// says so; recreated with the right one, the tenant subnet reaches ce2
// and the VM answers a ping from ce2, across the core. After a restart
// on the same database (what `intercloud up` does), the routes and the
// traffic come back without any API call.
func TestDynamicRoutingSeed(t *testing.T) {
	m := loadModel(t, "")
	dir := t.TempDir()
	e := start(t, m, dir)
	c := e.setupCloud("cloud1")
	e.addBGP(c, 65099)
	e.clk.Advance(2 * time.Second)
	_, text, err := e.lab.Show("ce1", "bgp neighbor cloud1", "")
	if err != nil || strings.Contains(text, "state = Established") || !strings.Contains(text, "peer AS 65099, expected "+itoa(e.cloudASN("cloud1"))) {
		t.Fatalf("show ce1 bgp neighbor cloud1 with a wrong local_as: %v\n%s", err, text)
	}
	if e.has("ce2", "", c.tenant) {
		t.Fatal("ce2 learned the subnet over a session that should not be up")
	}
	ctx := ctxT(t)
	must(t, speakers.Delete(ctx, c.adm, c.speaker).ExtractErr())
	sp, err := speakers.Create(ctx, c.adm, speakers.CreateOpts{Name: "dr-cloud1", IPVersion: 4, LocalAS: itoa(e.cloudASN("cloud1")), AdvertiseTenantNetworks: true}).Extract()
	must(t, err)
	must(t, speakers.AddBGPPeer(ctx, c.adm, sp.ID, speakers.AddBGPPeerOpts{BGPPeerID: c.peer}).Err)
	must(t, speakers.AddGatewayNetwork(ctx, c.adm, sp.ID, speakers.AddGatewayNetworkOpts{NetworkID: c.public}).Err)
	e.until("ce2 learns cloud1's subnet", 5*time.Second, func() bool { return e.has("ce2", "", c.tenant) })
	_, text, _ = e.lab.Show("cloud1", "bgp summary", "")
	t.Logf("show cloud1 bgp summary:\n%s", text)
	if res := e.ping("ce2", c.vm.String(), 2); res.Received != 2 {
		t.Fatalf("ping ce2 -> cloud1's VM %v: %+v", c.vm, res)
	}

	e.stop()
	e = start(t, m, dir)
	e.until("ce2 learns cloud1's subnet again after the restart", 5*time.Second, func() bool { return e.has("ce2", "", c.tenant) })
	if res := e.ping(c.vm.String(), "ce2", 2); res.Received != 2 {
		t.Fatalf("after the restart, ping cloud1's VM -> ce2: %+v", res)
	}

	// Taking the peer off the speaker ends the session: the routes go.
	must(t, speakers.RemoveBGPPeer(ctxT(t), e.admin("cloud1"), sp.ID, speakers.RemoveBGPPeerOpts{BGPPeerID: c.peer}).ExtractErr())
	e.until("ce2 forgets cloud1's subnet once the peer is removed", 5*time.Second, func() bool { return !e.has("ce2", "", c.tenant) })
	if _, _, err := e.lab.Show("cloud1", "bgp summary", ""); err == nil {
		t.Error("cloud1 still runs a speaker with no peer on its uplink")
	}
}

// TestDynamicRoutingOverTCP runs the seed lab as the daemon does, its BGP
// over real TCP on 127/8: the dragent's session with ce1 is a TCP session
// between the two routers' own addresses, and the tenant subnet still
// reaches ce2 with the emulated addresses as next hops, so the VM answers
// ce2 across the core.
func TestDynamicRoutingOverTCP(t *testing.T) {
	port := testpeer.LabPort(t)
	e := startWith(t, loadModel(t, ""), t.TempDir(), lab.Options{BGPTransport: "tcp", BGPPort: port})
	c := e.setupCloud("cloud1")
	e.addBGP(c, e.cloudASN("cloud1"))
	e.until("ce2 learns cloud1's subnet over TCP sessions", 20*time.Second, func() bool { return e.has("ce2", "", c.tenant) })
	d, text, err := e.lab.Show("ce1", "bgp neighbor cloud1", "")
	nd, _ := d.(bgp.NeighborDetail)
	cloudTCP, _ := e.lab.TCPAddr("cloud1")
	if err != nil || nd.State != "Established" || nd.Neighbor.Neighbor != cloudTCP {
		t.Errorf("show ce1 bgp neighbor cloud1 over TCP (want Established with %v): %v\n%s", cloudTCP, err, text)
	}
	if res := e.ping(c.vm.String(), "ce2", 2); res.Received != 2 {
		t.Fatalf("ping cloud1's VM -> ce2: %+v", res)
	}
}
