package keystone

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestVersionDiscovery(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	for _, path := range []string{"/v3", "/v3/"} {
		code, _, body := ts.do(t, "GET", path, nil, nil)
		v, _ := body["version"].(map[string]any)
		if code != http.StatusOK || v["id"] != apiVersion || v["status"] != "stable" {
			t.Errorf("GET %s: %d %v", path, code, body)
			continue
		}
		links, _ := v["links"].([]any)
		if len(links) != 1 || links[0].(map[string]any)["href"] != ts.URL+"/v3/" {
			t.Errorf("GET %s: links %v, want self %s/v3/", path, links, ts.URL)
		}
	}
	code, _, body := ts.do(t, "GET", "/", nil, nil)
	vs, _ := body["versions"].(map[string]any)
	values, _ := vs["values"].([]any)
	if code != http.StatusMultipleChoices || len(values) != 1 || values[0].(map[string]any)["id"] != apiVersion {
		t.Errorf("GET /: %d %v, want 300 with v3 listed", code, body)
	}
}

func TestTokenBodyShape(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)}
	ts := startServer(t, t.TempDir(), clock)
	code, h, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("demo-cloud1", testPassword, "demo-cloud1"))
	if code != http.StatusCreated || h.Get("X-Subject-Token") == "" {
		t.Fatalf("auth: %d, token %q", code, h.Get("X-Subject-Token"))
	}
	tok := body["token"].(map[string]any)
	if got := tok["issued_at"]; got != "2026-01-02T03:04:05.123456Z" {
		t.Errorf("issued_at %v", got)
	}
	if got := tok["expires_at"]; got != "2026-01-02T04:04:05.123456Z" {
		t.Errorf("expires_at %v", got)
	}
	if m := tok["methods"].([]any); len(m) != 1 || m[0] != "password" {
		t.Errorf("methods %v", m)
	}
	user := tok["user"].(map[string]any)
	if user["name"] != "demo-cloud1" || user["domain"].(map[string]any)["name"] != "Default" {
		t.Errorf("user %v", user)
	}
	if audits := tok["audit_ids"].([]any); len(audits) != 1 || len(audits[0].(string)) != 22 {
		t.Errorf("audit_ids %v", audits)
	}
	roles := tok["roles"].([]any)
	if len(roles) != 1 || roles[0].(map[string]any)["name"] != RoleMember {
		t.Errorf("roles %v", roles)
	}
	var regions []string
	for _, svc := range tok["catalog"].([]any) {
		s := svc.(map[string]any)
		if s["type"] != "network" {
			continue
		}
		for _, e := range s["endpoints"].([]any) {
			ep := e.(map[string]any)
			if ep["interface"] == "public" {
				regions = append(regions, ep["region_id"].(string))
				if ep["url"] != ts.URL+"/"+ep["region"].(string)+"/network/" {
					t.Errorf("network endpoint %v", ep)
				}
			}
		}
	}
	if !slices.Equal(regions, []string{"cloud1", "cloud2", "cloud3"}) {
		t.Errorf("network regions %v", regions)
	}

	// ?nocatalog leaves the catalog out; an unscoped token has none either.
	_, _, body = ts.do(t, "POST", "/v3/auth/tokens?nocatalog", nil, passwordAuth("admin", testPassword, "admin"))
	if _, ok := body["token"].(map[string]any)["catalog"]; ok {
		t.Error("nocatalog token has a catalog")
	}
	code, _, body = ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("admin", testPassword, ""))
	tok = body["token"].(map[string]any)
	if code != http.StatusCreated || tok["project"] != nil || tok["catalog"] != nil || tok["roles"] != nil {
		t.Errorf("unscoped token: %d %v", code, tok)
	}
}

// TestTokenAuthRescopes turns an unscoped password token into a project
// token by token authentication, keeping expiry and audit chain.
func TestTokenAuthRescopes(t *testing.T) {
	clock := &testClock{t: time.Now().UTC()}
	ts := startServer(t, t.TempDir(), clock)
	unscoped := ts.issueToken(t, "demo-cloud2", "")
	_, _, first := ts.do(t, "GET", "/v3/auth/tokens", map[string]string{"X-Auth-Token": unscoped, "X-Subject-Token": unscoped}, nil)
	clock.Advance(10 * time.Minute)

	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"token"}, "token": map[string]any{"id": unscoped}},
		"scope":    map[string]any{"project": map[string]any{"name": "demo-cloud2", "domain": map[string]any{"name": "Default"}}},
	}}
	code, h, resp := ts.do(t, "POST", "/v3/auth/tokens", nil, body)
	if code != http.StatusCreated {
		t.Fatalf("token auth: %d %v", code, resp)
	}
	tok := resp["token"].(map[string]any)
	orig := first["token"].(map[string]any)
	if tok["expires_at"] != orig["expires_at"] {
		t.Errorf("rescoped token expires %v, original %v", tok["expires_at"], orig["expires_at"])
	}
	if m := tok["methods"].([]any); len(m) != 2 || m[0] != "token" || m[1] != "password" {
		t.Errorf("methods %v, want [token password]", m)
	}
	audits := tok["audit_ids"].([]any)
	if len(audits) != 2 || audits[1] != orig["audit_ids"].([]any)[0] {
		t.Errorf("audit_ids %v, want new id then %v", audits, orig["audit_ids"])
	}
	if tok["project"].(map[string]any)["name"] != "demo-cloud2" {
		t.Errorf("project %v", tok["project"])
	}
	// Rescoping the rescoped token keeps the chain's first audit id.
	body["auth"].(map[string]any)["identity"].(map[string]any)["token"] = map[string]any{"id": h.Get("X-Subject-Token")}
	body["auth"].(map[string]any)["scope"] = "unscoped"
	code, _, resp = ts.do(t, "POST", "/v3/auth/tokens", nil, body)
	if code != http.StatusCreated {
		t.Fatalf("second rescope: %d %v", code, resp)
	}
	third := resp["token"].(map[string]any)
	if a := third["audit_ids"].([]any); len(a) != 2 || a[1] != orig["audit_ids"].([]any)[0] || a[0] == audits[0] {
		t.Errorf("audit_ids after two rescopes %v, want a new id then %v", a, orig["audit_ids"])
	}
	if third["project"] != nil {
		t.Errorf("explicitly unscoped token has project %v", third["project"])
	}
	// A user cannot rescope into a project it has no role on.
	body["auth"].(map[string]any)["scope"] = map[string]any{"project": map[string]any{"name": "admin", "domain": map[string]any{"id": "default"}}}
	code, _, resp = ts.do(t, "POST", "/v3/auth/tokens", nil, body)
	wantKeystoneError(t, "rescope to a foreign project", code, resp, http.StatusUnauthorized)
}

func TestErrors(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin := ts.issueToken(t, "admin", "admin")
	demo := ts.issueToken(t, "demo-cloud1", "demo-cloud1")
	byID := func(auth map[string]any) map[string]any { return map[string]any{"auth": auth} }
	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    any
		want    int
	}{
		{"malformed JSON", "POST", "/v3/auth/tokens", nil, `{"auth": `, 400},
		{"no identity", "POST", "/v3/auth/tokens", nil, byID(map[string]any{}), 400},
		{"no methods", "POST", "/v3/auth/tokens", nil, byID(map[string]any{"identity": map[string]any{}}), 400},
		{"user name without domain", "POST", "/v3/auth/tokens", nil, byID(map[string]any{"identity": map[string]any{
			"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{"name": "admin", "password": testPassword}}}}), 400},
		{"project name without domain", "POST", "/v3/auth/tokens", nil, byID(map[string]any{
			"identity": passwordAuth("admin", testPassword, "")["auth"].(map[string]any)["identity"],
			"scope":    map[string]any{"project": map[string]any{"name": "admin"}}}), 400},
		{"domain scope", "POST", "/v3/auth/tokens", nil, byID(map[string]any{
			"identity": passwordAuth("admin", testPassword, "")["auth"].(map[string]any)["identity"],
			"scope":    map[string]any{"domain": map[string]any{"id": "default"}}}), 400},
		{"unsupported method", "POST", "/v3/auth/tokens", nil, byID(map[string]any{"identity": map[string]any{"methods": []string{"totp"}}}), 401},
		{"wrong password", "POST", "/v3/auth/tokens", nil, passwordAuth("admin", "nope", "admin"), 401},
		{"unknown project", "POST", "/v3/auth/tokens", nil, passwordAuth("admin", testPassword, "nowhere"), 401},
		{"unknown token auth", "POST", "/v3/auth/tokens", nil, byID(map[string]any{"identity": map[string]any{
			"methods": []string{"token"}, "token": map[string]any{"id": "bogus"}}}), 401},
		{"validate without token", "GET", "/v3/auth/tokens", map[string]string{"X-Subject-Token": demo}, nil, 401},
		{"validate without subject", "GET", "/v3/auth/tokens", map[string]string{"X-Auth-Token": admin}, nil, 400},
		{"validate unknown subject", "GET", "/v3/auth/tokens", map[string]string{"X-Auth-Token": admin, "X-Subject-Token": "bogus"}, nil, 404},
		{"member validates admin's token", "GET", "/v3/auth/tokens", map[string]string{"X-Auth-Token": demo, "X-Subject-Token": admin}, nil, 403},
		{"member revokes admin's token", "DELETE", "/v3/auth/tokens", map[string]string{"X-Auth-Token": demo, "X-Subject-Token": admin}, nil, 403},
		{"member lists users", "GET", "/v3/users", map[string]string{"X-Auth-Token": demo}, nil, 403},
		{"member lists roles", "GET", "/v3/roles", map[string]string{"X-Auth-Token": demo}, nil, 403},
		{"list projects without token", "GET", "/v3/projects", nil, nil, 401},
		{"unknown project id", "GET", "/v3/projects/0000", map[string]string{"X-Auth-Token": admin}, nil, 404},
		{"member shows a foreign project", "GET", "/v3/projects/0000", map[string]string{"X-Auth-Token": demo}, nil, 403},
		{"unknown user id", "GET", "/v3/users/0000", map[string]string{"X-Auth-Token": admin}, nil, 404},
		{"bad enabled filter", "GET", "/v3/projects?enabled=maybe", map[string]string{"X-Auth-Token": admin}, nil, 400},
		{"unknown path", "GET", "/v3/nothing", nil, nil, 404},
		{"wrong method", "PUT", "/v3/auth/tokens", nil, nil, 405},
	}
	for _, c := range cases {
		code, h, body := ts.do(t, c.method, c.path, c.headers, c.body)
		wantKeystoneError(t, c.name, code, body, c.want)
		if c.want == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Keystone uri=") {
			t.Errorf("%s: WWW-Authenticate %q", c.name, h.Get("WWW-Authenticate"))
		}
	}
	// None of the refusals changed anything: both tokens still work.
	for _, tok := range []string{admin, demo} {
		if code, _, body := ts.do(t, "GET", "/v3/auth/tokens", map[string]string{"X-Auth-Token": tok, "X-Subject-Token": tok}, nil); code != 200 {
			t.Errorf("token no longer valid after refused requests: %d %v", code, body)
		}
	}
}

// TestAdminReads lists users and roles and shows one of each as an admin,
// and a member reads itself.
func TestAdminReads(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin := map[string]string{"X-Auth-Token": ts.issueToken(t, "admin", "admin")}
	code, _, body := ts.do(t, "GET", "/v3/users", admin, nil)
	users, _ := body["users"].([]any)
	var names []string
	for _, u := range users {
		names = append(names, u.(map[string]any)["name"].(string))
	}
	if code != 200 || !slices.Equal(names, []string{"admin", "demo-cloud1", "demo-cloud2", "demo-cloud3"}) {
		t.Errorf("users: %d %v", code, names)
	}
	code, _, body = ts.do(t, "GET", "/v3/roles?name=member", admin, nil)
	roles, _ := body["roles"].([]any)
	if code != 200 || len(roles) != 1 || roles[0].(map[string]any)["name"] != "member" {
		t.Fatalf("roles?name=member: %d %v", code, body)
	}
	roleID := roles[0].(map[string]any)["id"].(string)
	if code, _, body := ts.do(t, "GET", "/v3/roles/"+roleID, admin, nil); code != 200 || body["role"].(map[string]any)["id"] != roleID {
		t.Errorf("show role: %d %v", code, body)
	}
	code, _, body = ts.do(t, "GET", "/v3/regions", admin, nil)
	if regions, _ := body["regions"].([]any); code != 200 || len(regions) != 3 {
		t.Errorf("regions: %d %v", code, body)
	}

	demoTok := ts.issueToken(t, "demo-cloud1", "demo-cloud1")
	id, err := ts.svc.Validate(t.Context(), demoTok)
	if err != nil {
		t.Fatal(err)
	}
	demo := map[string]string{"X-Auth-Token": demoTok}
	if code, _, body := ts.do(t, "GET", "/v3/users/"+id.User.ID, demo, nil); code != 200 || body["user"].(map[string]any)["name"] != "demo-cloud1" {
		t.Errorf("member shows itself: %d %v", code, body)
	}
	if code, _, body := ts.do(t, "GET", "/v3/projects/"+id.Project.ID, demo, nil); code != 200 || body["project"].(map[string]any)["name"] != "demo-cloud1" {
		t.Errorf("member shows its project: %d %v", code, body)
	}
	if code, _, body := ts.do(t, "GET", "/v3/users/"+id.User.ID+"/projects", demo, nil); code != 200 || len(body["projects"].([]any)) != 1 {
		t.Errorf("member lists its projects: %d %v", code, body)
	}
	if code, _, body := ts.do(t, "GET", "/v3/auth/catalog", demo, nil); code != 200 || len(body["catalog"].([]any)) != 4 {
		t.Errorf("auth/catalog: %d %v", code, body)
	}
}

func TestRoleAssignments(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	admin := map[string]string{"X-Auth-Token": ts.issueToken(t, "admin", "admin")}
	demo, err := ts.svc.Validate(t.Context(), ts.issueToken(t, "demo-cloud2", "demo-cloud2"))
	if err != nil {
		t.Fatal(err)
	}
	code, _, body := ts.do(t, "GET", "/v3/role_assignments?include_names", admin, nil)
	// admin on admin and, as in DevStack, on each demo project; each demo
	// user member of its own.
	if all, _ := body["role_assignments"].([]any); code != 200 || len(all) != 7 {
		t.Fatalf("all assignments: %d %v", code, body)
	}
	code, _, body = ts.do(t, "GET", "/v3/role_assignments?include_names&user.id="+demo.User.ID, admin, nil)
	got, _ := body["role_assignments"].([]any)
	if code != 200 || len(got) != 1 {
		t.Fatalf("assignments of demo-cloud2: %d %v", code, body)
	}
	a := got[0].(map[string]any)
	project := a["scope"].(map[string]any)["project"].(map[string]any)
	if a["role"].(map[string]any)["name"] != RoleMember || project["id"] != demo.Project.ID || project["name"] != "demo-cloud2" ||
		a["user"].(map[string]any)["name"] != "demo-cloud2" {
		t.Errorf("assignment %v", a)
	}
	code, _, body = ts.do(t, "GET", "/v3/role_assignments?scope.domain.id=default", admin, nil)
	if got, _ := body["role_assignments"].([]any); code != 200 || len(got) != 0 {
		t.Errorf("domain-scoped assignments: %d %v, want none", code, body)
	}
	code, _, body = ts.do(t, "GET", "/v3/role_assignments", map[string]string{"X-Auth-Token": ts.issueToken(t, "demo-cloud2", "demo-cloud2")}, nil)
	wantKeystoneError(t, "member lists assignments", code, body, http.StatusForbidden)
}

// TestAuthByID selects the user and the project by id instead of names.
func TestAuthByID(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	named, err := ts.svc.Validate(t.Context(), ts.issueToken(t, "demo-cloud3", "demo-cloud3"))
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"id": named.User.ID, "password": testPassword}}},
		"scope": map[string]any{"project": map[string]any{"id": named.Project.ID}},
	}}
	code, h, resp := ts.do(t, "POST", "/v3/auth/tokens", nil, body)
	if code != http.StatusCreated {
		t.Fatalf("auth by ids: %d %v", code, resp)
	}
	byID, err := ts.svc.Validate(t.Context(), h.Get("X-Subject-Token"))
	if err != nil {
		t.Fatal(err)
	}
	if byID.User != named.User || byID.Project != named.Project || !byID.HasRole(RoleMember) {
		t.Errorf("by id %+v, by name %+v", byID, named)
	}
	body["auth"].(map[string]any)["identity"].(map[string]any)["password"].(map[string]any)["user"].(map[string]any)["password"] = "wrong"
	code, _, resp = ts.do(t, "POST", "/v3/auth/tokens", nil, body)
	wantKeystoneError(t, "wrong password by id", code, resp, http.StatusUnauthorized)
}
