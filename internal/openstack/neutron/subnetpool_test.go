package neutron

import (
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/addressscopes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
)

// TestSubnetPools allocates subnets from an address-scoped pool, as the
// dynamic-routing integration wants tenant prefixes allocated.
func TestSubnetPools(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")

	scope, err := addressscopes.Create(ctx, adm, addressscopes.CreateOpts{Name: "wan", IPVersion: 4, Shared: true}).Extract()
	if err != nil {
		t.Fatalf("create address scope: %v", err)
	}
	if scope.IPVersion != 4 || !scope.Shared || scope.ProjectID == "" {
		t.Errorf("address scope %+v", scope)
	}
	// Listed under "address_scopes", as Neutron names the collection in bodies.
	if pages, err := addressscopes.List(demo, addressscopes.ListOpts{}).AllPages(ctx); err != nil {
		t.Fatal(err)
	} else if list, err := addressscopes.ExtractAddressScopes(pages); err != nil || len(list) != 1 || list[0].ID != scope.ID {
		t.Errorf("address scopes listed: %+v %v", list, err)
	}
	code, body := raw(t, lb, demo, "POST", "/v2.0/address-scopes", map[string]any{"address_scope": map[string]any{"name": "x", "ip_version": 4, "shared": true}})
	wantNeutronError(t, "member shares a scope", code, body, 403, "PolicyNotAuthorized", "(rule:create_address_scope and rule:create_address_scope:shared) is disallowed by policy")

	pool, err := subnetpools.Create(ctx, adm, subnetpools.CreateOpts{
		Name: "tenant-pool", Prefixes: []string{"10.100.0.0/16"}, DefaultPrefixLen: 26, MinPrefixLen: 24, MaxPrefixLen: 28,
		AddressScopeID: scope.ID, Shared: true,
	}).Extract()
	if err != nil {
		t.Fatalf("create subnet pool: %v", err)
	}
	if pool.IPversion != 4 || pool.DefaultPrefixLen != 26 || pool.AddressScopeID != scope.ID {
		t.Errorf("subnet pool %+v", pool)
	}
	code, body = raw(t, lb, adm, "POST", "/v2.0/subnetpools", map[string]any{"subnetpool": map[string]any{
		"name": "clash", "prefixes": []string{"10.100.128.0/17"}, "address_scope_id": scope.ID}})
	wantNeutronError(t, "overlapping pool in one scope", code, body, 409, "AddressScopePrefixConflict",
		"Failed to associate address scope: subnetpools within an address scope must have unique prefixes.")

	net, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "scoped"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	// The pool's default length, then an explicit one: first free prefixes.
	s1, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: net.ID, IPVersion: 4, SubnetPoolID: pool.ID}).Extract()
	if err != nil {
		t.Fatalf("subnet from pool: %v", err)
	}
	if s1.CIDR != "10.100.0.0/26" || s1.SubnetPoolID != pool.ID || s1.GatewayIP != "10.100.0.1" {
		t.Errorf("first allocation %+v", s1)
	}
	s2, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: net.ID, IPVersion: 4, SubnetPoolID: pool.ID, Prefixlen: 24}).Extract()
	if err != nil {
		t.Fatalf("subnet /24 from pool: %v", err)
	}
	if s2.CIDR != "10.100.1.0/24" {
		t.Errorf("second allocation %s, want 10.100.1.0/24 (10.100.0.0/24 holds the /26)", s2.CIDR)
	}
	s3, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: net.ID, IPVersion: 4, SubnetPoolID: pool.ID, Prefixlen: 28}).Extract()
	if err != nil || s3.CIDR != "10.100.0.64/28" {
		t.Errorf("third allocation %+v, %v; want 10.100.0.64/28", s3, err)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/networks/"+net.ID, nil)
	if n, _ := body["network"].(map[string]any); code != 200 || n["ipv4_address_scope"] != scope.ID || len(n["subnets"].([]any)) != 3 {
		t.Errorf("network of scoped subnets: %v", body)
	}

	before := snapshotJSON(t, lb)
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": net.ID, "ip_version": 4, "subnetpool_id": pool.ID, "prefixlen": 20}})
	wantNeutronError(t, "prefix shorter than the pool allows", code, body, 400, "MinPrefixSubnetAllocationError",
		"Unable to allocate subnet with prefix length 20, minimum allowed prefix is 24.")
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": net.ID, "ip_version": 4, "subnetpool_id": pool.ID, "cidr": "10.100.1.0/25"}})
	wantNeutronError(t, "requested prefix taken", code, body, 500, "SubnetAllocationError",
		"Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.")
	code, body = raw(t, lb, demo, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{"network_id": net.ID, "ip_version": 4}})
	wantNeutronError(t, "neither cidr nor pool", code, body, 400, "BadRequest", "Bad subnets request: a subnetpool must be specified in the absence of a cidr.")
	code, body = raw(t, lb, adm, "DELETE", "/v2.0/subnetpools/"+pool.ID, nil)
	wantNeutronError(t, "delete a pool in use", code, body, 409, "SubnetPoolInUse", "Unable to complete operation on subnet pool "+pool.ID+". Subnet pool has existing allocations.")
	code, body = raw(t, lb, adm, "DELETE", "/v2.0/address-scopes/"+scope.ID, nil)
	wantNeutronError(t, "delete a scope in use", code, body, 409, "AddressScopeInUse", "Unable to complete operation on address scope "+scope.ID+". There are one or more subnet pools in use on the address scope.")
	if snapshotJSON(t, lb) != before {
		t.Error("refused requests changed state")
	}

	// Exhaust a small pool.
	small, err := subnetpools.Create(ctx, demo, subnetpools.CreateOpts{Name: "small", Prefixes: []string{"192.168.0.0/23"}, DefaultPrefixLen: 24}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	n2, _ := networks.Create(ctx, demo, networks.CreateOpts{Name: "n2"}).Extract()
	for _, want := range []string{"192.168.0.0/24", "192.168.1.0/24"} {
		n, _ := networks.Create(ctx, demo, networks.CreateOpts{Name: want}).Extract()
		if s, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: n.ID, IPVersion: 4, SubnetPoolID: small.ID}).Extract(); err != nil || s.CIDR != want {
			t.Errorf("allocation from the small pool: %+v %v, want %s", s, err, want)
		}
	}
	gcError(t, "pool exhausted", subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: n2.ID, IPVersion: 4, SubnetPoolID: small.ID}).Err,
		500, "SubnetAllocationError", "Failed to allocate subnet: Insufficient prefix space to allocate subnet size /24.")
}
