package neutron

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/quotas"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/store"
)

// projectOf is the id of the project c's token is scoped to.
func projectOf(t *testing.T, lb *lab, c *gophercloud.ServiceClient) string {
	t.Helper()
	id, err := lb.ks.Validate(testCtx(t), c.Token())
	if err != nil {
		t.Fatal(err)
	}
	return id.Project.ID
}

// setQuota has the admin set limits for project, checking the answer.
func setQuota(t *testing.T, lb *lab, project string, limits map[string]any) map[string]any {
	t.Helper()
	code, body := raw(t, lb, lb.admin(t), "PUT", "/v2.0/quotas/"+project, map[string]any{"quota": limits})
	if code != http.StatusOK {
		t.Fatalf("set quota %v: %d %v", limits, code, body)
	}
	return body["quota"].(map[string]any)
}

// defaultQuota is Neutron's default for every resource it counts.
var defaultQuota = map[string]any{
	"bgpvpn": float64(-1), "floatingip": float64(50), "network": float64(100), "port": float64(500), "rbac_policy": float64(10),
	"router": float64(10), "security_group": float64(10), "security_group_rule": float64(100),
	"subnet": float64(100), "subnetpool": float64(-1),
}

func sameQuota(got map[string]any, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func withQuota(over map[string]any) map[string]any {
	q := map[string]any{}
	for k, v := range defaultQuota {
		q[k] = v
	}
	for k, v := range over {
		q[k] = v
	}
	return q
}

func TestNetworkBeyondTheProjectQuotaIsRefusedWith409OverQuotaAndWritesNothing(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	setQuota(t, lb, project, map[string]any{"network": 2})
	for i := range 2 {
		if code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": fmt.Sprint("n", i)}}); code != 201 {
			t.Fatalf("network %d within the quota: %d %v", i, code, body)
		}
	}
	before := snapshotJSON(t, lb)
	code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "third"}})
	wantNeutronError(t, "third network", code, body, 409, "OverQuota", "Quota exceeded for resources: ['network'].")
	if snapshotJSON(t, lb) != before {
		t.Error("a refused create changed the region")
	}
	// -1 is unlimited.
	setQuota(t, lb, project, map[string]any{"network": -1})
	if code, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "third"}}); code != 201 {
		t.Errorf("network with an unlimited quota: %d %v", code, body)
	}
}

func TestAdminCreatingForAProjectIsHeldToThatProjectsQuota(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	setQuota(t, lb, project, map[string]any{"router": 1})
	if code, body := raw(t, lb, demo, "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r1"}}); code != 201 {
		t.Fatalf("first router: %d %v", code, body)
	}
	code, body := raw(t, lb, lb.admin(t), "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r2", "project_id": project}})
	wantNeutronError(t, "admin's router for the project", code, body, 409, "OverQuota", "Quota exceeded for resources: ['router'].")
	// The admin's own project has its own quota.
	if code, body := raw(t, lb, lb.admin(t), "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "mine"}}); code != 201 {
		t.Errorf("admin's own router: %d %v", code, body)
	}
}

func TestBulkCreateBeyondThePortQuotaCreatesNoPort(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	setQuota(t, lb, projectOf(t, lb, demo), map[string]any{"port": 3})
	_, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	netID := body["network"].(map[string]any)["id"]
	var list []any
	for range 4 {
		list = append(list, map[string]any{"network_id": netID})
	}
	code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"ports": list})
	wantNeutronError(t, "4 ports with a quota of 3", code, body, 409, "OverQuota", "Quota exceeded for resources: ['port'].")
	if code, body := raw(t, lb, demo, "GET", "/v2.0/ports", nil); code != 200 || len(body["ports"].([]any)) != 0 {
		t.Errorf("ports after the refused bulk: %d %v", code, body)
	}
	if code, body := raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"ports": list[:3]}); code != 201 {
		t.Errorf("3 ports with a quota of 3: %d %v", code, body)
	}
}

// A region's VNI range is shared by its projects: the network quota
// keeps one member from taking it all.
func TestOneMemberCannotTakeAllOfARegionsVNIs(t *testing.T) {
	lb := startLab(t, func(c *Config) { c.VNIMax = 3 })
	d1, d2 := lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	setQuota(t, lb, projectOf(t, lb, d1), map[string]any{"network": 2})
	for i := range 2 {
		if code, body := raw(t, lb, d1, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": fmt.Sprint("a", i)}}); code != 201 {
			t.Fatalf("member 1's network %d: %d %v", i, code, body)
		}
	}
	code, body := raw(t, lb, d1, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "greedy"}})
	wantNeutronError(t, "member 1's third network", code, body, 409, "OverQuota", "Quota exceeded for resources: ['network'].")
	code, body = raw(t, lb, d2, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "b"}})
	if code != 201 {
		t.Fatalf("member 2's network: %d %v", code, body)
	}
	n, _ := networks.Get(testCtx(t), lb.admin(t), body["network"].(map[string]any)["id"].(string)).Extract()
	if n == nil {
		t.Fatal("member 2's network is not there")
	}
}

// The default floating IP quota (50) leaves an external network's other
// addresses to other projects.
func TestOneMemberCannotTakeAllOfAnExternalNetworksAddresses(t *testing.T) {
	lb := startLab(t)
	adm, d1, d2 := lb.admin(t), lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	code, body := raw(t, lb, adm, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{
		"name": "public", "router:external": true, "provider:network_type": "flat", "provider:physical_network": "physnet1"}})
	if code != 201 {
		t.Fatalf("public: %d %v", code, body)
	}
	pub := body["network"].(map[string]any)["id"]
	code, body = raw(t, lb, adm, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
		"network_id": pub, "ip_version": 4, "cidr": "203.0.113.0/24", "enable_dhcp": false,
		"allocation_pools": []any{map[string]any{"start": "203.0.113.100", "end": "203.0.113.159"}}}})
	if code != 201 {
		t.Fatalf("public subnet: %d %v", code, body)
	}
	fip := map[string]any{"floatingip": map[string]any{"floating_network_id": pub}}
	for i := range 50 {
		if code, body := raw(t, lb, d1, "POST", "/v2.0/floatingips", fip); code != 201 {
			t.Fatalf("member 1's floating IP %d: %d %v", i, code, body)
		}
	}
	code, body = raw(t, lb, d1, "POST", "/v2.0/floatingips", fip)
	wantNeutronError(t, "member 1's 51st floating IP", code, body, 409, "OverQuota", "Quota exceeded for resources: ['floatingip'].")
	if code, body := raw(t, lb, d2, "POST", "/v2.0/floatingips", fip); code != 201 {
		t.Errorf("member 2's floating IP: %d %v", code, body)
	}
}

func TestQuotaAPIShowsSetsAndResetsLimitsAsNeutron(t *testing.T) {
	lb := startLab(t)
	adm, demo, other := lb.admin(t), lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	project, otherProject := projectOf(t, lb, demo), projectOf(t, lb, other)

	code, body := raw(t, lb, demo, "GET", "/v2.0/quotas/"+project, nil)
	if q, _ := body["quota"].(map[string]any); code != 200 || !sameQuota(q, defaultQuota) {
		t.Errorf("member's own quota: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/quotas/"+otherProject, nil)
	wantNeutronError(t, "member reads another project's quota", code, body, 403, "PolicyNotAuthorized", "rule:get_quota is disallowed by policy")
	code, body = raw(t, lb, demo, "PUT", "/v2.0/quotas/"+project, map[string]any{"quota": map[string]any{"network": 1000}})
	wantNeutronError(t, "member sets its quota", code, body, 403, "PolicyNotAuthorized", "rule:update_quota is disallowed by policy")
	code, body = raw(t, lb, demo, "DELETE", "/v2.0/quotas/"+project, nil)
	wantNeutronError(t, "member resets its quota", code, body, 403, "PolicyNotAuthorized", "rule:delete_quota is disallowed by policy")
	code, body = raw(t, lb, demo, "GET", "/v2.0/quotas", nil)
	wantNeutronError(t, "member lists quotas", code, body, 403, "PolicyNotAuthorized", "rule:get_quota is disallowed by policy")

	got := setQuota(t, lb, project, map[string]any{"network": 5, "port": "20", "security_group": 3})
	want := withQuota(map[string]any{"network": float64(5), "port": float64(20), "security_group": float64(3)})
	if !sameQuota(got, want) {
		t.Errorf("PUT answered %v, want %v", got, want)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/quotas/"+project, nil)
	if q, _ := body["quota"].(map[string]any); code != 200 || !sameQuota(q, want) {
		t.Errorf("quota after PUT: %d %v", code, body)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/quotas/"+project+"/default", nil)
	if q, _ := body["quota"].(map[string]any); code != 200 || !sameQuota(q, defaultQuota) {
		t.Errorf("default quota: %d %v", code, body)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/quotas", nil)
	list, _ := body["quotas"].([]any)
	if code != 200 || len(list) != 1 {
		t.Fatalf("quota list: %d %v", code, body)
	}
	item := list[0].(map[string]any)
	if item["project_id"] != project || item["tenant_id"] != project || item["network"] != float64(5) || item["router"] != float64(10) {
		t.Errorf("quota list item: %v", item)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/quotas/project", nil)
	if p, _ := body["project"].(map[string]any); code != 200 || p["project_id"] != project {
		t.Errorf("quotas/project: %d %v", code, body)
	}

	bad := []struct {
		what  string
		body  any
		code  int
		typ   string
		msget string
	}{
		{"below -1", map[string]any{"quota": map[string]any{"network": -2}}, 400, "HTTPBadRequest", "Invalid input for network. Reason: '-2' is too small - must be at least '-1'."},
		{"above the database's integers", map[string]any{"quota": map[string]any{"port": 2147483648}}, 400, "HTTPBadRequest", "Invalid input for port. Reason: '2147483648' is too large - must be no larger than '2147483647'."},
		{"not a number", map[string]any{"quota": map[string]any{"router": "ten"}}, 400, "InvalidInput", "Invalid input for operation: 'ten' is not an integer."},
		{"unknown resource", map[string]any{"quota": map[string]any{"bgp_speaker": 1, "network": 1}}, 400, "HTTPBadRequest", "Unrecognized attribute(s) 'bgp_speaker'"},
		{"no quota object", map[string]any{"quotas": map[string]any{}}, 400, "HTTPBadRequest", "Unable to find 'quota' in request body"},
		{"no body", nil, 400, "HTTPBadRequest", "Resource body required"},
	}
	before := item
	for _, c := range bad {
		code, body := raw(t, lb, adm, "PUT", "/v2.0/quotas/"+project, c.body)
		wantNeutronError(t, c.what, code, body, c.code, c.typ, c.msget)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/quotas", nil)
	if after := body["quotas"].([]any)[0].(map[string]any); !sameQuota(after, before) {
		t.Errorf("refused updates changed the quota: %v, was %v", after, before)
	}
	code, body = raw(t, lb, adm, "POST", "/v2.0/quotas", map[string]any{"quota": map[string]any{}})
	wantNeutronError(t, "POST quotas", code, body, 501, "HTTPNotImplemented", "POST requests are not supported on this resource.")

	code, _ = raw(t, lb, adm, "DELETE", "/v2.0/quotas/"+project, nil)
	if code != 204 {
		t.Errorf("DELETE quota: %d", code)
	}
	code, body = raw(t, lb, demo, "GET", "/v2.0/quotas/"+project, nil)
	if q, _ := body["quota"].(map[string]any); code != 200 || !sameQuota(q, defaultQuota) {
		t.Errorf("quota after DELETE: %d %v", code, body)
	}
	code, body = raw(t, lb, adm, "DELETE", "/v2.0/quotas/"+project, nil)
	wantNeutronError(t, "DELETE of a default quota", code, body, 404, "TenantQuotaNotFound", "Quota for tenant "+project+" could not be found.")
}

func TestQuotaDetailsCountWhatTheProjectHolds(t *testing.T) {
	lb := startLab(t)
	demo, other := lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	project := projectOf(t, lb, demo)
	_, body := raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "n"}})
	netID := body["network"].(map[string]any)["id"]
	raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID}})
	raw(t, lb, other, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "theirs"}})
	setQuota(t, lb, project, map[string]any{"network": 7})

	code, body := raw(t, lb, demo, "GET", "/v2.0/quotas/"+project+"/details", nil)
	q, _ := body["quota"].(map[string]any)
	detail := func(k string) map[string]any { d, _ := q[k].(map[string]any); return d }
	if code != 200 || len(q) != len(defaultQuota) {
		t.Fatalf("details: %d %v", code, body)
	}
	if d := detail("network"); d["limit"] != float64(7) || d["used"] != float64(1) || d["reserved"] != float64(0) {
		t.Errorf("network details: %v", d)
	}
	if d := detail("port"); d["limit"] != float64(500) || d["used"] != float64(1) {
		t.Errorf("port details: %v", d)
	}
	if d := detail("security_group"); d["limit"] != float64(10) || d["used"] != float64(0) {
		t.Errorf("security_group details: %v", d)
	}
	code, body = raw(t, lb, other, "GET", "/v2.0/quotas/"+project+"/details", nil)
	wantNeutronError(t, "another project's details", code, body, 403, "AdminRequired",
		"User does not have admin privileges: Only admin is authorized to access quotas for another tenant.")
}

func TestQuotaCheckLimitRefusesALimitBelowUse(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	for i := range 3 {
		raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": fmt.Sprint("n", i)}})
	}
	code, body := raw(t, lb, lb.admin(t), "PUT", "/v2.0/quotas/"+project, map[string]any{"quota": map[string]any{"network": 2, "check_limit": true}})
	wantNeutronError(t, "limit below use with check_limit", code, body, 400, "HTTPBadRequest",
		"Quota limit 2 for network must be greater than or equal to already used 3")
	// Without it (or with force) the limit is set; creates stop there.
	got := setQuota(t, lb, project, map[string]any{"network": 2, "force": true})
	if got["network"] != float64(2) {
		t.Errorf("forced limit: %v", got)
	}
	code, body = raw(t, lb, demo, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": "more"}})
	wantNeutronError(t, "network over a lowered quota", code, body, 409, "OverQuota", "Quota exceeded for resources: ['network'].")
}

func TestQuotasAreKeptInTheStoreAndPerRegion(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	setQuota(t, lb, project, map[string]any{"subnet": 4})

	// cloud2's Neutron has its own quotas.
	code, _, body := ostestCall(t, "GET", lb.URL+"/cloud2/network/v2.0/quotas/"+project, demo.Token())
	if q, _ := body["quota"].(map[string]any); code != 200 || q["subnet"] != float64(100) {
		t.Errorf("cloud2's quota: %d %v", code, body)
	}
	// A second process on the same database reads the limit back.
	st2, err := store.Open(context.Background(), dirOf(t, lb), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	n2, err := New(context.Background(), st2, lb.ks, Config{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := startHandler(t, n2.Handler())
	code, _, body = ostestCall(t, "GET", srv+"/v2.0/quotas/"+project, demo.Token())
	if q, _ := body["quota"].(map[string]any); code != 200 || q["subnet"] != float64(4) {
		t.Errorf("reopened quota: %d %v", code, body)
	}
}

func TestGophercloudReadsAndSetsQuotas(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	project := projectOf(t, lb, demo)
	q, err := quotas.Get(ctx, demo, project).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if q.Network != 100 || q.Subnet != 100 || q.Port != 500 || q.Router != 10 || q.FloatingIP != 50 ||
		q.SecurityGroup != 10 || q.SecurityGroupRule != 100 || q.SubnetPool != -1 || q.RBACPolicy != 10 {
		t.Errorf("default quota through gophercloud: %+v", q)
	}
	q, err = quotas.Update(ctx, adm, project, quotas.UpdateOpts{Network: ptr(1), Port: ptr(-1)}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if q.Network != 1 || q.Port != -1 || q.Router != 10 {
		t.Errorf("updated quota: %+v", q)
	}
	_, err = quotas.Update(ctx, demo, project, quotas.UpdateOpts{Network: ptr(50)}).Extract()
	gcError(t, "member's update", err, 403, "PolicyNotAuthorized", "rule:update_quota is disallowed by policy")

	n, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "only"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	_, err = networks.Create(ctx, demo, networks.CreateOpts{Name: "second"}).Extract()
	gcError(t, "second network", err, 409, "OverQuota", "Quota exceeded for resources: ['network'].")
	if _, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: n.ID}).Extract(); err != nil {
		t.Errorf("port with an unlimited quota: %v", err)
	}
	d, err := quotas.GetDetail(ctx, demo, project).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if d.Network.Limit != 1 || d.Network.Used != 1 || d.Port.Used != 1 || d.Port.Limit != -1 {
		t.Errorf("details through gophercloud: %+v", d)
	}
	if err := quotas.Delete(ctx, adm, project).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if q, err := quotas.Get(ctx, demo, project).Extract(); err != nil || q.Network != 100 {
		t.Errorf("quota after delete: %+v %v", q, err)
	}
}

func TestQuotaExtensionsAreListed(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	for _, alias := range []string{"quotas", "quota_details", "quota-check-limit"} {
		code, body := raw(t, lb, demo, "GET", "/v2.0/extensions/"+alias, nil)
		if code != 200 {
			t.Errorf("extension %s: %d %v", alias, code, body)
		}
	}
	code, body := raw(t, lb, demo, "GET", "/v2.0/extensions/quotas", nil)
	if e, _ := body["extension"].(map[string]any); code != 200 || e["name"] != "Quota management support" ||
		!strings.HasPrefix(e["description"].(string), "Expose functions for quotas management") {
		t.Errorf("quotas extension: %v", body)
	}
}

// ostestCall sends a bodiless request with token to url.
func ostestCall(t *testing.T, method, url, token string) (int, http.Header, map[string]any) {
	t.Helper()
	return ostest.Call(t, method, url, map[string]string{"X-Auth-Token": token}, nil)
}

// startHandler serves h on 127.0.0.1 until the test ends and returns its
// URL.
func startHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// liftQuotas makes every counted resource unlimited for the project of
// token, as an operator does before loading a region beyond Neutron's
// defaults (the benchmarks' thousands of ports).
func liftQuotas(tb testing.TB, lb *lab, token string) {
	tb.Helper()
	id, err := lb.ks.Validate(context.Background(), token)
	if err != nil {
		tb.Fatal(err)
	}
	admin := lb.client(tb, "admin", "admin", "cloud1").Token()
	unlimited := map[string]any{}
	for _, q := range quotaResources {
		unlimited[q.name] = -1
	}
	for _, region := range testClouds {
		code, _, body := ostest.Call(tb, "PUT", lb.URL+"/"+region+"/network/v2.0/quotas/"+id.Project.ID,
			map[string]string{"X-Auth-Token": admin}, map[string]any{"quota": unlimited})
		if code != http.StatusOK {
			tb.Fatalf("lift %s's quotas in %s: %d %v", id.Project.ID, region, code, body)
		}
	}
}

// Debian's openstack CLI (6.0.0) reads and enforces Neutron's quotas.
// Its "quota show" and "quota set" ask for the compute service's client
// before anything else and fail in a catalog without Nova, whatever
// Neutron answers; "quota list --network" asks Neutron only.
func TestOpenstackQuotaListShowsNeutronsQuotasAndNetworkCreateTheOverQuota(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	lb := startLab(t)
	const user, project = "demo-cloud1", "demo-cloud1"
	demo := lb.demo(t, "cloud1")
	id := projectOf(t, lb, demo)
	setQuota(t, lb, id, map[string]any{"network": 1, "router": -1})

	var list []map[string]any
	cliJSON(t, lb, "admin", "admin", &list, "quota", "list", "--network")
	if len(list) != 1 || list[0]["Project ID"] != id || list[0]["Networks"] != float64(1) || list[0]["Routers"] != float64(-1) ||
		list[0]["Ports"] != float64(500) || list[0]["Security Groups"] != float64(10) || list[0]["Subnet Pools"] != float64(-1) {
		t.Errorf("quota list --network: %v", list)
	}
	if out, err := openstackCLI(t, lb, user, project, "network", "create", "first"); err != nil {
		t.Fatalf("first network: %v\n%s", err, out)
	}
	out, err := openstackCLI(t, lb, user, project, "network", "create", "second")
	if err == nil || !strings.Contains(out, "ConflictException: 409, Quota exceeded for resources: ['network'].") {
		t.Errorf("second network: %v\n%s", err, out)
	}
	var detail []map[string]any
	cliJSON(t, lb, "admin", "admin", &detail, "quota", "list", "--network", "--detail", "--project", project)
	found := false
	for _, r := range detail {
		if r["Resource"] == "networks" || r["Resource"] == "network" {
			found = true
			if r["In Use"] != float64(1) || r["Limit"] != float64(1) || r["Reserved"] != float64(0) {
				t.Errorf("networks in quota list --detail: %v", r)
			}
		}
	}
	if !found {
		t.Errorf("quota list --detail has no networks row: %v", detail)
	}
}

// A shared subnet pool's default_quota bounds the addresses each
// project's subnets take from it, so one member cannot take the pool.
func TestOneMemberCannotTakeAllOfASharedSubnetPool(t *testing.T) {
	lb := startLab(t)
	adm, d1, d2 := lb.admin(t), lb.demo(t, "cloud1"), lb.demo(t, "cloud2")
	code, body := raw(t, lb, adm, "POST", "/v2.0/subnetpools", map[string]any{"subnetpool": map[string]any{
		"name": "shared", "prefixes": []any{"10.8.0.0/16"}, "default_prefixlen": 24, "default_quota": 512, "shared": true}})
	if code != 201 {
		t.Fatalf("pool: %d %v", code, body)
	}
	pool := body["subnetpool"].(map[string]any)["id"]
	subnet := func(c *gophercloud.ServiceClient, name string) (int, map[string]any) {
		_, body := raw(t, lb, c, "POST", "/v2.0/networks", map[string]any{"network": map[string]any{"name": name}})
		netID := body["network"].(map[string]any)["id"]
		return raw(t, lb, c, "POST", "/v2.0/subnets", map[string]any{"subnet": map[string]any{
			"network_id": netID, "ip_version": 4, "subnetpool_id": pool}})
	}
	for i := range 2 {
		if code, body := subnet(d1, fmt.Sprint("a", i)); code != 201 {
			t.Fatalf("member 1's /24 %d: %d %v", i, code, body)
		}
	}
	before := snapshotJSON(t, lb)
	code, body = subnet(d1, "greedy")
	wantNeutronError(t, "member 1's third /24 (512 addresses allowed)", code, body, 409, "SubnetPoolQuotaExceeded", "Per-tenant subnet pool prefix quota exceeded.")
	if after := snapshotJSON(t, lb); strings.Count(after, `"cidr"`) != strings.Count(before, `"cidr"`) {
		t.Error("a refused subnet was kept")
	}
	if code, body := subnet(d2, "b"); code != 201 {
		t.Errorf("member 2's /24: %d %v", code, body)
	}
}

// Limits convert as Python's int() does in Neutron's convert_to_int.
func TestQuotaLimitsConvertAsNeutronsConvertToInt(t *testing.T) {
	lb := startLab(t)
	project := projectOf(t, lb, lb.demo(t, "cloud1"))
	got := setQuota(t, lb, project, map[string]any{"port": 7.9, "router": " 3 ", "network": true})
	if got["port"] != float64(7) || got["router"] != float64(3) || got["network"] != float64(1) {
		t.Errorf("converted limits: %v", got)
	}
	code, body := raw(t, lb, lb.admin(t), "PUT", "/v2.0/quotas/"+project, `{"quota": {"subnet": 100000000000000000000}}`)
	wantNeutronError(t, "a 21-digit limit", code, body, 400, "HTTPBadRequest",
		"Invalid input for subnet. Reason: '100000000000000000000' is too large - must be no larger than '2147483647'.")
	code, body = raw(t, lb, lb.admin(t), "PUT", "/v2.0/quotas/"+project, `{"quota": {"subnet": "1.5"}}`)
	wantNeutronError(t, "a string with a point", code, body, 400, "InvalidInput", "Invalid input for operation: '1.5' is not an integer.")
}
