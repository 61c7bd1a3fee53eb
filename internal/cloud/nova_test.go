package cloud

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
)

// TestNovaServerAnswersAcrossTheCore creates a server through edmonton's
// Nova on the tenant network its speaker announces, with ICMP allowed in
// the project's default group, as a tenant would with gophercloud: ce2,
// the other site's CE, pings its address across the MPLS core. Deleted,
// the server no longer answers.
func TestNovaServerAnswersAcrossTheCore(t *testing.T) {
	e := start(t, loadModel(t, "two-clouds.yaml"), t.TempDir())
	a := e.setupCloud("edmonton")
	e.addBGP(a, e.cloudASN("edmonton"))
	e.until("ce2 learns edmonton's subnet", 5*time.Second, func() bool { return e.has("ce2", "", a.tenant) })

	ctx := ctxT(t)
	compute := e.compute("edmonton")
	gpages, err := groups.List(a.demo, groups.ListOpts{Name: "default"}).AllPages(ctx)
	must(t, err)
	defaults, err := groups.ExtractGroups(gpages)
	must(t, err)
	if len(defaults) != 1 {
		t.Fatalf("default groups: %+v", defaults)
	}
	// (setupCloud may have allowed it already.)
	rpages, err := rules.List(a.demo, rules.ListOpts{SecGroupID: defaults[0].ID, Direction: "ingress", Protocol: "icmp"}).AllPages(ctx)
	must(t, err)
	if icmp, _ := rules.ExtractRules(rpages); len(icmp) == 0 {
		_, err = rules.Create(ctx, a.demo, rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4,
			SecGroupID: defaults[0].ID, Protocol: rules.ProtocolICMP}).Extract()
		must(t, err)
	}
	sv, err := servers.Create(ctx, compute, servers.CreateOpts{Name: "web1", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: a.network}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(a.demo, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	ps, err := ports.ExtractPorts(pages)
	must(t, err)
	if len(ps) != 1 || ps[0].DeviceOwner != "compute:nova" {
		t.Fatalf("web1's ports: %+v", ps)
	}
	addr := netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress)
	if !a.tenant.Contains(addr) {
		t.Fatalf("web1 has %v, outside the tenant subnet %v", addr, a.tenant)
	}
	if res := e.ping("ce2", addr.String(), 2); res.Received != 2 {
		t.Fatalf("ping ce2 -> web1 %v: %+v", addr, res)
	}
	must(t, servers.Delete(ctx, compute, sv.ID).ExtractErr())
	if res := e.ping("ce2", addr.String(), 1); res.Received != 0 {
		t.Errorf("ping ce2 -> deleted web1 %v: %+v", addr, res)
	}
}

// compute is a gophercloud compute client of cloud for its demo user.
func (e *env) compute(cloud string) *gophercloud.ServiceClient {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: e.clouds.AuthURL(), Username: keystone.DemoName(cloud), Password: keystone.DefaultPassword,
		DomainName: "Default", TenantName: keystone.DemoName(cloud),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := openstack.NewComputeV2(p, gophercloud.EndpointOpts{Region: cloud})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
