package cloud

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/cloudapi"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/router"
)

// initialNet is the one network named name c sees, with its one subnet.
func initialNet(t *testing.T, c *gophercloud.ServiceClient, name string) (networks.Network, subnets.Subnet) {
	t.Helper()
	ctx := ctxT(t)
	pages, err := networks.List(c, networks.ListOpts{Name: name}).AllPages(ctx)
	must(t, err)
	nets, err := networks.ExtractNetworks(pages)
	must(t, err)
	if len(nets) != 1 || len(nets[0].Subnets) != 1 {
		t.Fatalf("networks named %s: %+v", name, nets)
	}
	sn, err := subnets.Get(ctx, c, nets[0].Subnets[0]).Extract()
	must(t, err)
	return nets[0], *sn
}

// TestInitialNetworksServeAFloatingIP is the newcomer's first VM in
// cloud2 of the seed lab (floating-ip, behind ce2), on nothing but the
// cloud's initial networks: a server on private gets its address from
// private-subnet, a floating IP from public is associated with it, ce2
// announces public-subnet (inside cloud2's prefix) to the core, and ce1,
// at the other site, pings the floating IP and is answered from it.
func TestInitialNetworksServeAFloatingIP(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	c := e.cloud("cloud2")
	demo := e.demo("cloud2")
	priv, privSubnet := initialNet(t, demo, cloudapi.PrivateNetwork)
	pub, pubSubnet := initialNet(t, demo, cloudapi.PublicNetwork)
	pubCIDR := netip.MustParsePrefix(pubSubnet.CIDR)
	if !c.Prefix.Contains(pubCIDR.Addr()) {
		t.Fatalf("public-subnet %s is outside cloud2's prefix %v", pubCIDR, c.Prefix)
	}

	sv, err := servers.Create(ctx, e.compute("cloud2"), servers.CreateOpts{Name: "vm1", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: priv.ID}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(demo, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	ps, err := ports.ExtractPorts(pages)
	must(t, err)
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || ps[0].FixedIPs[0].SubnetID != privSubnet.ID {
		t.Fatalf("vm1's ports: %+v", ps)
	}
	fixed := netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress)
	if !netip.MustParsePrefix(privSubnet.CIDR).Contains(fixed) {
		t.Fatalf("vm1 has %v, outside private-subnet %s", fixed, privSubnet.CIDR)
	}
	openDefaultGroup(t, ctx, demo)
	fip, err := floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: ps[0].ID}).Extract()
	must(t, err)
	floating := netip.MustParseAddr(fip.FloatingIP)
	if !pubCIDR.Contains(floating) || fip.FixedIP != fixed.String() {
		t.Fatalf("floating IP %+v: want one of %v for %v", fip, pubCIDR, fixed)
	}
	node, _ := e.lab.Node("cloud2")
	if got := node.Router.NAT(""); len(got) != 1 || got[0] != (router.NAT1to1{Outside: floating, Inside: fixed}) {
		t.Fatalf("cloud2's NAT table: %+v, want %v -> %v", got, floating, fixed)
	}
	e.until("ce1 learns cloud2's public subnet", 5*time.Second, func() bool { return e.has("ce1", "", pubCIDR) })
	res := e.ping("ce1", floating.String(), 3)
	if res.Received != 3 || res.Replies[0].From != floating {
		t.Fatalf("ping ce1 -> %v: %+v, want 3 replies from the floating IP", floating, res)
	}
}

// TestInitialNetworksAnnouncedByDynamicRouting: in cloud1 of the seed lab
// (dynamic-routing, behind ce1) private-subnet and public-subnet come
// from one address-scoped pool, so once the admin adds a BGP speaker
// peering with ce1 on public, the speaker announces private-subnet
// (no NAT), ce2 at the other site learns it through the VPN, and pings a
// VM port on private.
func TestInitialNetworksAnnouncedByDynamicRouting(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	demo := e.demo("cloud1")
	priv, privSubnet := initialNet(t, demo, cloudapi.PrivateNetwork)
	pub, _ := initialNet(t, demo, cloudapi.PublicNetwork)
	tenant := netip.MustParsePrefix(privSubnet.CIDR)
	vm, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: priv.ID, DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, demo)

	e.addBGP(&tenantCloud{name: "cloud1", adm: e.admin("cloud1"), public: pub.ID}, e.cloudASN("cloud1"))
	e.until("ce2 learns cloud1's private-subnet", 10*time.Second, func() bool { return e.has("ce2", "", tenant) })
	addr := vm.FixedIPs[0].IPAddress
	if res := e.ping("ce2", addr, 2); res.Received != 2 {
		t.Fatalf("ping ce2 -> %s on private: %+v", addr, res)
	}
}
