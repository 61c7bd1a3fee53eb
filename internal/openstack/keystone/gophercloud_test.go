package keystone

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

func authOpts(ts *testServer, user, password, project string) gophercloud.AuthOptions {
	return gophercloud.AuthOptions{
		IdentityEndpoint: ts.URL + "/v3/",
		Username:         user,
		Password:         password,
		DomainName:       "Default",
		TenantName:       project,
	}
}

// TestGophercloudCatalog authenticates as a user's automation does and
// finds each cloud's Neutron by region in the catalog.
func TestGophercloudCatalog(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})

	provider, err := openstack.AuthenticatedClient(ctx, authOpts(ts, "admin", testPassword, "admin"))
	if err != nil {
		t.Fatalf("AuthenticatedClient: %v", err)
	}
	for _, cloud := range []string{"cloud1", "cloud2", "cloud3"} {
		net, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: cloud})
		if err != nil {
			t.Fatalf("NewNetworkV2 %s: %v", cloud, err)
		}
		// gophercloud appends the API version to the catalog's URL.
		if want := ts.URL + "/" + cloud + "/network/"; net.Endpoint != want || net.ResourceBase != want+"v2.0/" {
			t.Errorf("network endpoint of %s = %q (resources at %q), want %q", cloud, net.Endpoint, net.ResourceBase, want)
		}
		for _, iface := range []gophercloud.Availability{gophercloud.AvailabilityInternal, gophercloud.AvailabilityAdmin} {
			if _, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: cloud, Availability: iface}); err != nil {
				t.Errorf("%s %s network endpoint: %v", cloud, iface, err)
			}
		}
	}
	if _, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: "cloud9"}); err == nil {
		t.Error("found a network endpoint in a region that does not exist")
	}

	// The token's body, as a client reads it back.
	id, err := openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	res := tokens.Get(ctx, id, provider.Token())
	user, err := res.ExtractUser()
	if err != nil || user.Name != "admin" || user.Domain.ID != DefaultDomainID || user.Domain.Name != DefaultDomainName {
		t.Errorf("token user = %+v, %v", user, err)
	}
	project, err := res.ExtractProject()
	if err != nil || project.Name != "admin" || project.Domain.ID != DefaultDomainID {
		t.Errorf("token project = %+v, %v", project, err)
	}
	roles, err := res.ExtractRoles()
	if err != nil || len(roles) != 1 || roles[0].Name != RoleAdmin {
		t.Errorf("token roles = %+v, %v", roles, err)
	}
	tok, err := res.ExtractToken()
	if err != nil || time.Until(tok.ExpiresAt) < 50*time.Minute || time.Until(tok.ExpiresAt) > time.Hour {
		t.Errorf("token expires at %v (err %v), want in about an hour", tok.ExpiresAt, err)
	}
	cat, err := res.ExtractServiceCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range cat.Entries {
		types = append(types, e.Type)
		// one endpoint per region and interface
		if len(e.Endpoints) != 3*3 {
			t.Errorf("%s has %d endpoints, want 9", e.Type, len(e.Endpoints))
		}
		for _, ep := range e.Endpoints {
			if ep.Region != ep.RegionID || ep.Region == "" {
				t.Errorf("%s endpoint region %q region_id %q", e.Type, ep.Region, ep.RegionID)
			}
		}
	}
	if !slices.Equal(types, []string{"compute", "identity", "image", "network"}) {
		t.Errorf("catalog types %v, want compute, identity, image and network", types)
	}
}

// TestGophercloudValidateRevoke validates a token with GET and HEAD and
// revokes it; the revoked token then authenticates nothing.
func TestGophercloudValidateRevoke(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin, err := openstack.AuthenticatedClient(ctx, authOpts(ts, "admin", testPassword, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	idc, err := openstack.NewIdentityV3(admin, gophercloud.EndpointOpts{Region: "cloud2"})
	if err != nil {
		t.Fatal(err)
	}
	demo := ts.issueToken(t, "demo-cloud2", "demo-cloud2")

	if ok, err := tokens.Validate(ctx, idc, demo); err != nil || !ok {
		t.Fatalf("Validate(demo) = %v, %v", ok, err)
	}
	identity, err := ts.svc.Validate(ctx, demo)
	if err != nil {
		t.Fatal(err)
	}
	if identity.User.Name != "demo-cloud2" || identity.Project.Name != "demo-cloud2" || identity.IsAdmin() || !identity.HasRole(RoleMember) {
		t.Errorf("identity of the demo token = %+v", identity)
	}
	if err := tokens.Revoke(ctx, idc, demo).Err; err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	// Keystone answers 404 for an unknown subject token; gophercloud reads
	// that as "not valid".
	if ok, err := tokens.Validate(ctx, idc, demo); ok || err != nil {
		t.Errorf("Validate(revoked) = %v, %v; want false, nil", ok, err)
	}
	if err := tokens.Get(ctx, idc, demo).Err; !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		t.Errorf("Get(revoked): %v, want 404", err)
	}
	if _, err := ts.svc.Validate(ctx, demo); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Go Validate(revoked) = %v, want ErrUnauthorized", err)
	}
	code, _, body := ts.do(t, "GET", "/v3/auth/projects", map[string]string{"X-Auth-Token": demo}, nil)
	wantKeystoneError(t, "revoked token as X-Auth-Token", code, body, http.StatusUnauthorized)
}

// TestGophercloudWrongPassword gets Keystone's 401 and error body.
func TestGophercloudWrongPassword(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	for _, opts := range []gophercloud.AuthOptions{
		authOpts(ts, "admin", "wrong", "admin"),
		authOpts(ts, "nobody", testPassword, "admin"),
		authOpts(ts, "demo-cloud1", testPassword, "admin"), // right password, no role on admin
	} {
		_, err := openstack.AuthenticatedClient(ctx, opts)
		var unexpected gophercloud.ErrUnexpectedResponseCode
		if !errors.As(err, &unexpected) || unexpected.Actual != http.StatusUnauthorized {
			t.Errorf("%s/%s: err %v, want a 401", opts.Username, opts.TenantName, err)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(unexpected.Body, &body); err != nil {
			t.Fatalf("401 body %q: %v", unexpected.Body, err)
		}
		wantKeystoneError(t, opts.Username, unexpected.Actual, body, http.StatusUnauthorized)
	}
}

// TestGophercloudMemberSeesOwnProject: a cloud's demo user lists only its
// project and may not list all projects.
func TestGophercloudMemberSeesOwnProject(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	provider, err := openstack.AuthenticatedClient(ctx, authOpts(ts, "demo-cloud3", testPassword, "demo-cloud3"))
	if err != nil {
		t.Fatal(err)
	}
	idc, err := openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{Region: "cloud3"})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := projects.ListAvailable(idc).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := projects.ExtractProjects(pages)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].Name != "demo-cloud3" || ps[0].DomainID != DefaultDomainID {
		t.Errorf("available projects = %+v, want demo-cloud3 only", ps)
	}
	if _, err := projects.List(idc, nil).AllPages(ctx); !gophercloud.ResponseCodeIs(err, http.StatusForbidden) {
		t.Errorf("member listing all projects: %v, want 403", err)
	}

	admin, err := openstack.AuthenticatedClient(ctx, authOpts(ts, "admin", testPassword, "admin"))
	if err != nil {
		t.Fatal(err)
	}
	aidc, err := openstack.NewIdentityV3(admin, gophercloud.EndpointOpts{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	pages, err = projects.List(aidc, projects.ListOpts{Name: "demo-cloud1"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := projects.ExtractProjects(pages); err != nil || len(ps) != 1 || ps[0].Name != "demo-cloud1" {
		t.Errorf("admin list ?name=demo-cloud1 = %+v, %v", ps, err)
	}
	pages, err = projects.List(aidc, nil).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := projects.ExtractProjects(pages); err != nil || len(ps) != 4 {
		t.Errorf("admin sees %d projects (%v), want admin + 3 demo", len(ps), err)
	}
}

// TestGophercloudDiscovery gives gophercloud the bare Keystone root, as
// clouds.yaml often does: it reads the version list (GET /, 300) and picks
// v3.
func TestGophercloudDiscovery(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	opts := authOpts(ts, "demo-cloud1", testPassword, "demo-cloud1")
	opts.IdentityEndpoint = ts.URL + "/"
	provider, err := openstack.AuthenticatedClient(context.Background(), opts)
	if err != nil {
		t.Fatalf("AuthenticatedClient at the root: %v", err)
	}
	if provider.Token() == "" {
		t.Fatal("no token")
	}
	if reqs := ts.takeRequests(); len(reqs) < 2 || reqs[0] != "GET /" || reqs[len(reqs)-1] != "POST /v3/auth/tokens" {
		t.Errorf("requests %v, want GET / first and POST /v3/auth/tokens last", reqs)
	}
}
