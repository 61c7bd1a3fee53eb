package cloudapi

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/topology"
)

// snapshot is cloud's Neutron state.
func snapshot(t *testing.T, c *Clouds, cloud string) neutron.State {
	t.Helper()
	st, err := c.Neutron(cloud).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// initialCounts counts what makeInitial makes, by kind.
type initialCounts struct{ scopes, pools, networks, subnets, routers, ports, groups int }

func countInitial(st neutron.State) initialCounts {
	return initialCounts{len(st.AddressScopes), len(st.SubnetPools), len(st.Networks), len(st.Subnets),
		len(st.Routers), len(st.Ports), len(st.SecurityGroups)}
}

// checkInitial checks one cloud's initial networks hold together: the
// pool over the cloud's prefix in the shared scope, public external with
// public-subnet from it, demo's private, private-subnet and router1 with
// its gateway on public and an interface on private-subnet, and the
// default groups of admin and demo.
func checkInitial(t *testing.T, c *Clouds, cl *topology.Cloud) {
	t.Helper()
	st := snapshot(t, c, cl.Name)
	demo := c.Describe()
	region, _ := demo.Region(cl.Name)
	if got, want := countInitial(st), (initialCounts{1, 1, 2, 2, 1, 2, 2}); got != want {
		t.Fatalf("%s: %+v, want %+v", cl.Name, got, want)
	}
	scope, pool := st.AddressScopes[0], st.SubnetPools[0]
	if scope.Name != InitialAddressScope || !scope.Shared || pool.Name != InitialSubnetPool || !pool.Shared || !pool.IsDefault ||
		pool.AddressScopeID == nil || *pool.AddressScopeID != scope.ID || !slices.Equal(pool.Prefixes, []string{cl.Prefix.String()}) {
		t.Errorf("%s: scope %+v, pool %+v", cl.Name, scope, pool)
	}
	nets := map[string]neutron.Network{}
	for _, n := range st.Networks {
		nets[n.Name] = n
	}
	pub, priv := nets[PublicNetwork], nets[PrivateNetwork]
	if !pub.External || pub.Shared || pub.NetworkType != "flat" || pub.ProjectID != demo.AdminProjectID {
		t.Errorf("%s: public %+v", cl.Name, pub)
	}
	if priv.External || priv.ProjectID != region.ProjectID {
		t.Errorf("%s: private %+v, want demo's (%s)", cl.Name, priv, region.ProjectID)
	}
	subnets := map[string]neutron.Subnet{}
	for _, sn := range st.Subnets {
		subnets[sn.Name] = sn
		p := netip.MustParsePrefix(sn.CIDR)
		if sn.SubnetPoolID == nil || *sn.SubnetPoolID != pool.ID || !cl.Prefix.Contains(p.Addr()) || p.Bits() < cl.Prefix.Bits() {
			t.Errorf("%s: subnet %s %s not from the pool over %v", cl.Name, sn.Name, sn.CIDR, cl.Prefix)
		}
	}
	if sn := subnets[PublicSubnet]; sn.NetworkID != pub.ID || sn.EnableDHCP || netip.MustParsePrefix(sn.CIDR).Bits() != 24 {
		t.Errorf("%s: public-subnet %+v", cl.Name, sn)
	}
	if sn := subnets[PrivateSubnet]; sn.NetworkID != priv.ID || sn.ProjectID != region.ProjectID || netip.MustParsePrefix(sn.CIDR).Bits() != 26 {
		t.Errorf("%s: private-subnet %+v", cl.Name, sn)
	}
	rt := st.Routers[0]
	if rt.Name != DemoRouter || rt.ProjectID != region.ProjectID || rt.GatewayInfo == nil || rt.GatewayInfo.NetworkID != pub.ID {
		t.Errorf("%s: router %+v", cl.Name, rt)
	}
	owners := map[string]string{}
	for _, p := range st.Ports {
		if p.DeviceID == rt.ID && len(p.FixedIPs) == 1 {
			owners[p.DeviceOwner] = p.FixedIPs[0].SubnetID
		}
	}
	if owners["network:router_gateway"] != subnets[PublicSubnet].ID || owners["network:router_interface"] != subnets[PrivateSubnet].ID {
		t.Errorf("%s: router ports %v", cl.Name, owners)
	}
	var groups []string
	for _, g := range st.SecurityGroups {
		if g.Name == "default" {
			groups = append(groups, g.ProjectID)
		}
	}
	slices.Sort(groups)
	want := []string{demo.AdminProjectID, region.ProjectID}
	slices.Sort(want)
	if !slices.Equal(groups, want) {
		t.Errorf("%s: default groups of %v, want %v", cl.Name, groups, want)
	}
}

// TestInitialNetworks opens the seed lab's clouds and finds DevStack's
// initial networks in each, inside its own allocated prefix; reopening
// makes nothing more, nor does a restart after a crash that came before
// the set was recorded as made, and a network deleted on purpose stays
// deleted.
func TestInitialNetworks(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c, srv := serve(t, dir, m)
	for _, cl := range m.Clouds {
		checkInitial(t, c, cl)
	}
	before := countInitial(snapshot(t, c, "cloud1"))

	// A crash before the set was recorded: the next start finds what
	// exists and makes nothing twice.
	c, srv = restart(t, c, srv, dir, m)
	if _, err := c.st.DB().Exec(`DELETE FROM cloudapi_initial_networks WHERE region = 'cloud1'`); err != nil {
		t.Fatal(err)
	}
	c, srv = restart(t, c, srv, dir, m)
	checkInitial(t, c, m.Clouds[0])
	if got := countInitial(snapshot(t, c, "cloud1")); got != before {
		t.Errorf("after restarts: %+v, before %+v", got, before)
	}

	// The tenant tears its network down; a restart does not bring it back.
	admin, err := c.asUser(t.Context(), c.Neutron("cloud2"), keystone.AdminUser, keystone.DemoName("cloud2"))
	if err != nil {
		t.Fatal(err)
	}
	st := snapshot(t, c, "cloud2")
	var router, private, privSubnet string
	for _, sn := range st.Subnets {
		if sn.Name == PrivateSubnet {
			private, privSubnet = sn.NetworkID, sn.ID
		}
	}
	router = st.Routers[0].ID
	for _, step := range []struct{ method, path string }{
		{"PUT", "/v2.0/routers/" + router + "/remove_router_interface"},
		{"DELETE", "/v2.0/routers/" + router},
		{"DELETE", "/v2.0/networks/" + private},
	} {
		var body any
		if step.method == "PUT" {
			body = map[string]any{"subnet_id": privSubnet}
		}
		if _, err := admin.call(t.Context(), step.method, step.path, body); err != nil {
			t.Fatal(err)
		}
	}
	admin.close()
	c, srv = restart(t, c, srv, dir, m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	if got := countInitial(snapshot(t, c, "cloud2")); got.networks != 1 || got.routers != 0 {
		t.Errorf("cloud2 after its tenant deleted private and router1 and a restart: %+v", got)
	}
}

// A cloud with initial_networks: false starts empty; the others do not.
func TestInitialNetworksOff(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	m.Clouds[1].InitialNetworks = false
	c, srv := serve(t, t.TempDir(), m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	if got := countInitial(snapshot(t, c, "cloud2")); got != (initialCounts{}) {
		t.Errorf("cloud2 without initial networks has %+v", got)
	}
	checkInitial(t, c, m.Clouds[0])
}

// seedWithoutInitialNetworks is the seed lab, and a copy of it whose
// clouds make no initial networks (a state directory from before them).
func seedWithoutInitialNetworks(t *testing.T) (m, off *topology.Model) {
	t.Helper()
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	cp := *m
	cp.Clouds = nil
	for _, cl := range m.Clouds {
		c := *cl
		c.InitialNetworks = false
		cp.Clouds = append(cp.Clouds, &c)
	}
	return m, &cp
}

// A state directory from before initial networks, where a tenant already
// made its own public network with a subnet outside the pool: the clouds
// still open (the clash is logged, not fatal), nothing the tenant made is
// changed, and the other clouds get their initial networks.
func TestInitialNetworksClashDoesNotStopTheLab(t *testing.T) {
	m, off := seedWithoutInitialNetworks(t)
	dir := t.TempDir()
	c, srv := serve(t, dir, off)
	admin, err := c.asUser(t.Context(), c.Neutron("cloud1"), keystone.AdminUser, keystone.AdminProject)
	if err != nil {
		t.Fatal(err)
	}
	net, err := admin.call(t.Context(), "POST", "/v2.0/networks", map[string]any{"network": map[string]any{
		"name": PublicNetwork, "router:external": true}})
	if err != nil {
		t.Fatal(err)
	}
	netID, _ := net["network"].(map[string]any)["id"].(string)
	if _, err := admin.call(t.Context(), "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": netID, "cidr": "198.51.100.0/24", "ip_version": 4}}); err != nil {
		t.Fatal(err)
	}
	admin.close()

	c, srv = restart(t, c, srv, dir, m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	st := snapshot(t, c, "cloud1")
	var cidrs []string
	for _, sn := range st.Subnets {
		if sn.NetworkID == netID {
			cidrs = append(cidrs, sn.CIDR)
		}
	}
	if !slices.Equal(cidrs, []string{"198.51.100.0/24"}) {
		t.Errorf("the tenant's public network now has subnets %v", cidrs)
	}
	checkInitial(t, c, m.Clouds[1])
}

// A cloud whose demo project gives no token (disabled in a reused state
// directory) gets no initial networks, with a warning; the lab still
// starts and the other clouds get theirs.
func TestInitialNetworksSkipACloudWithoutATokenOnly(t *testing.T) {
	m, off := seedWithoutInitialNetworks(t)
	dir := t.TempDir()
	c, srv := serve(t, dir, off)
	if _, err := c.st.DB().Exec(`UPDATE projects SET enabled = 0 WHERE name = ?`, keystone.DemoName("cloud1")); err != nil {
		t.Fatal(err)
	}

	c, srv = restart(t, c, srv, dir, m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	if got := countInitial(snapshot(t, c, "cloud1")); got.networks != 0 {
		t.Errorf("cloud1, whose demo project is disabled: %+v", got)
	}
	for _, cl := range m.Clouds[1:] {
		if cl.InitialNetworks {
			checkInitial(t, c, cl)
		}
	}
}
