package neutron

import (
	"net/http"
	"slices"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/extraroutes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// routerOn10 makes a router with an interface on 10.0.0.0/24, so next
// hops in it are connected.
func routerOn10(t *testing.T, c *gophercloud.ServiceClient) *routers.Router {
	t.Helper()
	ctx := testCtx(t)
	n, err := networks.Create(ctx, c, networks.CreateOpts{Name: "inside"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	sn, err := subnets.Create(ctx, c, subnets.CreateOpts{NetworkID: n.ID, IPVersion: gophercloud.IPv4, CIDR: "10.0.0.0/24"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	rt, err := routers.Create(ctx, c, routers.CreateOpts{Name: "r"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := routers.AddInterface(ctx, c, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	return rt
}

func TestExtraRoutesAreAddedAndRemovedAsSetsThroughGophercloud(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	ctx := testCtx(t)
	rt := routerOn10(t, demo)
	a := routers.Route{DestinationCIDR: "192.0.2.0/24", NextHop: "10.0.0.5"}
	b := routers.Route{DestinationCIDR: "198.51.100.0/24", NextHop: "10.0.0.6"}
	got, err := extraroutes.Add(ctx, demo, rt.ID, extraroutes.Opts{Routes: &[]routers.Route{a}}).Extract()
	if err != nil || !slices.Equal(got.Routes, []routers.Route{a}) || got.ID != rt.ID || got.Name != "r" {
		t.Fatalf("add a: %+v %v", got, err)
	}
	rev := got.RevisionNumber
	// Adding what is there again, with something new, adds the new only.
	got, err = extraroutes.Add(ctx, demo, rt.ID, extraroutes.Opts{Routes: &[]routers.Route{a, b, b}}).Extract()
	if err != nil || !slices.Equal(got.Routes, []routers.Route{a, b}) || got.RevisionNumber != rev+1 {
		t.Fatalf("add a, b, b: %+v %v", got, err)
	}
	// Removing what is not there is no error.
	c := routers.Route{DestinationCIDR: "203.0.113.0/24", NextHop: "10.0.0.7"}
	got, err = extraroutes.Remove(ctx, demo, rt.ID, extraroutes.Opts{Routes: &[]routers.Route{a, c}}).Extract()
	if err != nil || !slices.Equal(got.Routes, []routers.Route{b}) {
		t.Fatalf("remove a, c: %+v %v", got, err)
	}
	// The whole set is judged as an update of routes would be.
	far := routers.Route{DestinationCIDR: "203.0.113.0/24", NextHop: "172.16.0.1"}
	_, err = extraroutes.Add(ctx, demo, rt.ID, extraroutes.Opts{Routes: &[]routers.Route{far}}).Extract()
	gcError(t, "a next hop the router is not connected to", err, http.StatusBadRequest, "InvalidRoutes",
		"Invalid format for routes: [{'destination': '198.51.100.0/24', 'nexthop': '10.0.0.6'}, {'destination': '203.0.113.0/24', 'nexthop': '172.16.0.1'}], the nexthop is not connected with router")
	if r, _ := routers.Get(ctx, demo, rt.ID).Extract(); r == nil || !slices.Equal(r.Routes, []routers.Route{b}) {
		t.Errorf("routes after a refused add: %+v", r)
	}
	// Another project's router is not found.
	other := lb.demo(t, "cloud2")
	_, err = extraroutes.Add(ctx, other, rt.ID, extraroutes.Opts{Routes: &[]routers.Route{a}}).Extract()
	gcError(t, "another project's router", err, http.StatusNotFound, "RouterNotFound", "Router "+rt.ID+" could not be found")
}
