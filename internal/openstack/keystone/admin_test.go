package keystone

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
)

// TestAnAdminOnboardsATenantWithTheOpenstackCLI: the first thing an
// operator does for a new tenant, with Debian's CLI as the admin:
// project create, user create with a password and default project, role
// add. The new user then gets a token scoped to the project with the CLI
// itself; role remove ends that token's use at once.
func TestAnAdminOnboardsATenantWithTheOpenstackCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the python openstack CLI")
	}
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin := func(v any, args ...string) {
		t.Helper()
		if v != nil {
			args = append(args, "-f", "json")
		}
		out, errOut, err := openstackCLI(t, ts, "admin", testPassword, "admin", args...)
		if err != nil {
			t.Fatalf("openstack %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		if v != nil {
			if err := json.Unmarshal([]byte(out), v); err != nil {
				t.Fatalf("openstack %s: %q: %v", strings.Join(args, " "), out, err)
			}
		}
	}
	var p, u map[string]any
	admin(&p, "project", "create", "--domain", "default", "--description", "ACME's cloud", "acme")
	if p["name"] != "acme" || p["description"] != "ACME's cloud" || p["enabled"] != true || p["domain_id"] != "default" {
		t.Errorf("project create: %v", p)
	}
	admin(&u, "user", "create", "--domain", "default", "--password", "alice-pw", "--project", "acme", "--email", "alice@acme.example", "alice")
	if u["name"] != "alice" || u["default_project_id"] != p["id"] || u["email"] != "alice@acme.example" {
		t.Errorf("user create: %v", u)
	}
	admin(nil, "role", "add", "--project", "acme", "--user", "alice", "member")

	out, errOut, err := openstackCLI(t, ts, "alice", "alice-pw", "acme", "token", "issue", "-f", "json")
	if err != nil {
		t.Fatalf("alice's token: %v\n%s", err, errOut)
	}
	var tok struct {
		ID        string `json:"id"`
		ProjectID string `json:"project_id"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.ProjectID != p["id"] {
		t.Fatalf("alice's token %q: %v, want scoped to %v", out, err, p["id"])
	}
	id, err := ts.svc.Validate(t.Context(), tok.ID)
	if err != nil || !id.HasRole(RoleMember) || id.IsAdmin() {
		t.Fatalf("alice's token validates as %+v, %v", id, err)
	}
	admin(nil, "role", "remove", "--project", "acme", "--user", "alice", "member")
	if _, err := ts.svc.Validate(t.Context(), tok.ID); err == nil {
		t.Error("alice's token still works without a role on its project")
	}
	admin(nil, "project", "delete", "acme")
	if p, err := ts.svc.project(t.Context(), p["id"].(string)); err != nil || p != nil {
		t.Errorf("project delete left %+v, %v", p, err)
	}
}

// TestIdentityAdminThroughGophercloud: projects, users and roles made,
// changed and removed with gophercloud's identity v3 packages, as
// Terraform's OpenStack provider does; a password change ends the
// user's tokens.
func TestIdentityAdminThroughGophercloud(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	ctx := context.Background()
	provider, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: ts.URL + "/v3", Username: "admin", Password: testPassword, DomainID: "default",
		Scope: &gophercloud.AuthScope{ProjectName: "admin", DomainID: "default"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{Region: "cloud1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := projects.Create(ctx, c, projects.CreateOpts{Name: "tf", Description: "made by terraform"}).Extract()
	if err != nil || p.DomainID != "default" || !p.Enabled {
		t.Fatalf("project create: %v %+v", err, p)
	}
	disabled := false
	if p, err = projects.Update(ctx, c, p.ID, projects.UpdateOpts{Enabled: &disabled}).Extract(); err != nil || p.Enabled {
		t.Fatalf("project update: %v %+v", err, p)
	}
	u, err := users.Create(ctx, c, users.CreateOpts{Name: "bob", Password: "pw1", DefaultProjectID: p.ID}).Extract()
	if err != nil || u.DefaultProjectID != p.ID {
		t.Fatalf("user create: %v %+v", err, u)
	}
	role, err := roles.Create(ctx, c, roles.CreateOpts{Name: "reader2"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if err := roles.Assign(ctx, c, role.ID, roles.AssignOpts{UserID: u.ID, ProjectID: p.ID}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	// A disabled project gives no token; enabled again, it does.
	if code, _, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("bob", "pw1", "tf")); code != http.StatusUnauthorized {
		t.Errorf("token on a disabled project: %d %v", code, body)
	}
	enabled := true
	if _, err := projects.Update(ctx, c, p.ID, projects.UpdateOpts{Enabled: &enabled}).Extract(); err != nil {
		t.Fatal(err)
	}
	code, h, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("bob", "pw1", "tf"))
	if code != http.StatusCreated {
		t.Fatalf("bob's token: %d %v", code, body)
	}
	bobToken := h.Get("X-Subject-Token")
	if _, err := users.Update(ctx, c, u.ID, users.UpdateOpts{Password: "pw2"}).Extract(); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.svc.Validate(ctx, bobToken); err == nil {
		t.Error("a token issued before a password change still works")
	}
	if code, _, _ := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("bob", "pw2", "tf")); code != http.StatusCreated {
		t.Errorf("bob's new password: %d", code)
	}
	if err := roles.Unassign(ctx, c, role.ID, roles.UnassignOpts{UserID: u.ID, ProjectID: p.ID}).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	for what, del := range map[string]func() error{
		"user":    func() error { return users.Delete(ctx, c, u.ID).ExtractErr() },
		"role":    func() error { return roles.Delete(ctx, c, role.ID).ExtractErr() },
		"project": func() error { return projects.Delete(ctx, c, p.ID).ExtractErr() },
	} {
		if err := del(); err != nil {
			t.Errorf("delete %s: %v", what, err)
		}
		if err := del(); !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			t.Errorf("delete %s again: %v, want 404", what, err)
		}
	}
}

// TestIdentityAdminRefusalsAsKeystoneAnswersThem: a member may create
// nothing, names are checked, duplicates are 409 and missing objects
// 404, each with Keystone's error body.
func TestIdentityAdminRefusalsAsKeystoneAnswersThem(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin := map[string]string{"X-Auth-Token": ts.issueToken(t, "admin", "admin")}
	member := map[string]string{"X-Auth-Token": ts.issueToken(t, DemoName("cloud1"), DemoName("cloud1"))}
	for _, tc := range []struct {
		what, method, path string
		headers            map[string]string
		body               any
		code               int
		message            string
	}{
		{"a member's project create", "POST", "/v3/projects", member, map[string]any{"project": map[string]any{"name": "x"}}, 403, msgForbidden},
		{"no name", "POST", "/v3/projects", admin, map[string]any{"project": map[string]any{}}, 400, "'name' is a required property"},
		{"a blank name", "POST", "/v3/users", admin, map[string]any{"user": map[string]any{"name": "  "}}, 400,
			`Invalid input for field 'name': "  " does not match '^[\S\s]*\S+[\S\s]*$' or is longer than 64`},
		{"enabled not a boolean", "POST", "/v3/projects", admin, map[string]any{"project": map[string]any{"name": "x", "enabled": "yes"}}, 400,
			`Invalid input for field 'enabled': "yes" is not of type 'boolean'`},
		{"an unknown domain", "POST", "/v3/projects", admin, map[string]any{"project": map[string]any{"name": "x", "domain_id": "nope"}}, 400,
			"Could not find domain: nope."},
		{"a duplicate project", "POST", "/v3/projects", admin, map[string]any{"project": map[string]any{"name": "admin"}}, 409,
			"Conflict occurred attempting to store project - Duplicate entry found with name admin at domain ID default."},
		{"a duplicate role", "POST", "/v3/roles", admin, map[string]any{"role": map[string]any{"name": "member"}}, 409,
			"Conflict occurred attempting to store role - Duplicate entry found with name member."},
		{"a grant to a missing user", "PUT", "/v3/projects/p0/users/u0/roles/r0", admin, nil, 404, "Could not find project: p0."},
		{"a missing project's update", "PATCH", "/v3/projects/p0", admin, map[string]any{"project": map[string]any{"name": "y"}}, 404, "Could not find project: p0."},
		{"an unknown attribute", "PATCH", "/v3/users/u0", admin, map[string]any{"user": map[string]any{"shoe_size": 9}}, 404, "Could not find user: u0."},
	} {
		code, _, body := ts.do(t, tc.method, tc.path, tc.headers, tc.body)
		wantKeystoneError(t, tc.what, code, body, tc.code)
		if e, _ := body["error"].(map[string]any); e != nil && e["message"] != tc.message {
			t.Errorf("%s: message %q, want %q", tc.what, e["message"], tc.message)
		}
	}
}
