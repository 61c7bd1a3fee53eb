package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/addressscopes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// initialNames are the names of what c sees of the kinds a cloud's
// initial networks are made of, each list sorted.
type initialNames struct {
	Networks, Subnets, Routers, Pools, Scopes, Groups []string
}

func listInitial(t *testing.T, c *gophercloud.ServiceClient) initialNames {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var in initialNames
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nets, err := networks.List(c, nil).AllPages(ctx)
	must(err)
	ns, err := networks.ExtractNetworks(nets)
	must(err)
	for _, n := range ns {
		in.Networks = append(in.Networks, n.Name)
	}
	sns, err := subnets.List(c, nil).AllPages(ctx)
	must(err)
	ss, err := subnets.ExtractSubnets(sns)
	must(err)
	for _, s := range ss {
		in.Subnets = append(in.Subnets, s.Name)
	}
	rts, err := routers.List(c, routers.ListOpts{}).AllPages(ctx)
	must(err)
	rs, err := routers.ExtractRouters(rts)
	must(err)
	for _, r := range rs {
		in.Routers = append(in.Routers, r.Name)
	}
	pools, err := subnetpools.List(c, nil).AllPages(ctx)
	must(err)
	ps, err := subnetpools.ExtractSubnetPools(pools)
	must(err)
	for _, p := range ps {
		in.Pools = append(in.Pools, p.Name)
	}
	scopes, err := addressscopes.List(c, nil).AllPages(ctx)
	must(err)
	as, err := addressscopes.ExtractAddressScopes(scopes)
	must(err)
	for _, a := range as {
		in.Scopes = append(in.Scopes, a.Name)
	}
	gps, err := groups.List(c, groups.ListOpts{}).AllPages(ctx)
	must(err)
	gs, err := groups.ExtractGroups(gps)
	must(err)
	for _, g := range gs {
		in.Groups = append(in.Groups, g.Name)
	}
	for _, l := range []*[]string{&in.Networks, &in.Subnets, &in.Routers, &in.Pools, &in.Scopes, &in.Groups} {
		slices.Sort(*l)
	}
	return in
}

func (in initialNames) String() string {
	b, _ := json.Marshal(in)
	return string(b)
}

// What the demo user of a cloud sees of its initial networks (public is
// the admin's, external, visible to every project); the admin sees the
// same plus its own default group.
var (
	demoInitial = initialNames{
		Networks: []string{"private", "public"}, Subnets: []string{"private-subnet", "public-subnet"},
		Routers: []string{"router1"}, Pools: []string{"shared-default-subnetpool-v4"},
		Scopes: []string{"shared-default-address-scope-v4"}, Groups: []string{"default"},
	}
	adminInitial = initialNames{
		Networks: demoInitial.Networks, Subnets: demoInitial.Subnets, Routers: demoInitial.Routers,
		Pools: demoInitial.Pools, Scopes: demoInitial.Scopes, Groups: []string{"default", "default"},
	}
)

// env pairs of `intercloud openrc CLOUD -o json` run against d.
func (d *daemon) openrcEnv(t *testing.T, cloud string, extra ...string) [][2]string {
	t.Helper()
	out, err := d.intercloud(append([]string{"openrc", cloud, "-o", "json"}, extra...)...)
	if err != nil {
		t.Fatalf("openrc: %v\n%s", err, out)
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	var env [][2]string
	for k, v := range m {
		env = append(env, [2]string{k, v})
	}
	slices.SortFunc(env, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return env
}

// cliNames are the names `openstack ARGS -f json` lists.
func cliNames(t *testing.T, env [][2]string, args ...string) []string {
	t.Helper()
	out := openstackCLI(t, env, append(args, "-f", "json", "-c", "Name")...)
	var rows []struct{ Name string }
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("openstack %v: %q: %v", args, out, err)
	}
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	slices.Sort(names)
	return names
}

// TestANewcomerFindsDevStacksInitialNetworks runs the daemon as a
// newcomer does (the seed lab, `intercloud up`) and uses cloud1 with
// nothing but what openrc prints: the openstack CLI finds public as the
// one external network, router1, the default pool and the default
// group; gophercloud from the same environment lists the whole set. The
// daemon is then killed with SIGKILL and started again on the same
// state: every cloud still has exactly one of each.
func TestANewcomerFindsDevStacksInitialNetworks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	bin := buildIntercloud(t)
	stateDir := t.TempDir()
	d := startDaemon(t, bin, stateDir)

	env := d.openrcEnv(t, "cloud1")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"network", "list", "--external"}, []string{"public"}},
		{[]string{"router", "list"}, []string{"router1"}},
		{[]string{"subnet", "pool", "list"}, []string{"shared-default-subnetpool-v4"}},
		{[]string{"security", "group", "list"}, []string{"default"}},
	} {
		if got := cliNames(t, env, c.args...); !slices.Equal(got, c.want) {
			t.Errorf("openstack %s: %v, want %v", strings.Join(c.args, " "), got, c.want)
		}
	}
	useEnv(t, env)
	_, demo := gophercloudFromEnv(t)
	if got := listInitial(t, demo); got.String() != demoInitial.String() {
		t.Errorf("demo-cloud1 lists %v, want %v", got, demoInitial)
	}

	d.kill(t)
	d = startDaemon(t, bin, stateDir)
	for _, cloud := range []string{"cloud1", "cloud2", "cloud3"} {
		if got := listInitial(t, d.client(t, cloud, "--admin")); got.String() != adminInitial.String() {
			t.Errorf("%s after kill -9 and restart: the admin lists %v, want %v", cloud, got, adminInitial)
		}
	}
}

// TestInitialNetworksOffLeavesTheCloudsEmpty: with initial_networks:
// false under defaults, every cloud of the lab starts with nothing but
// the demo project's default group (which Neutron makes on first use).
func TestInitialNetworksOffLeavesTheCloudsEmpty(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the lab daemon")
	}
	seed, err := os.ReadFile("../../examples/seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(seed), "defaults:\n", "defaults:\n  initial_networks: false\n", 1)
	file := filepath.Join(t.TempDir(), "empty-clouds.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	api, _ := freeAPI(t)
	startUp(t, api, t.TempDir(), file)
	for _, cloud := range []string{"cloud1", "cloud2"} {
		useEnv(t, openrc(t, cloud, api))
		_, c := gophercloudFromEnv(t)
		if got, want := listInitial(t, c), (initialNames{Groups: []string{"default"}}); got.String() != want.String() {
			t.Errorf("%s with initial_networks: false lists %v, want %v", cloud, got, want)
		}
	}
}
