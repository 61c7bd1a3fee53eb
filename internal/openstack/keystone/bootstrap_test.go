package keystone

import (
	"net/http"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// TestBootstrapGrows: bootstrapping again with a cloud more adds its
// region, endpoints, project and user; existing users keep their
// passwords even when the seed's password changed.
func TestBootstrapGrows(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	m := testModel()
	m.Clouds = append(m.Clouds, &topology.Cloud{Name: "cloud4"})
	if err := ts.svc.Bootstrap(t.Context(), SeedFromModel(m, ts.URL, "another")); err != nil {
		t.Fatal(err)
	}
	if code, _, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("admin", testPassword, "admin")); code != http.StatusCreated {
		t.Errorf("admin with its original password after a re-seed: %d %v", code, body)
	}
	code, _, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("demo-cloud4", "another", "demo-cloud4"))
	if code != http.StatusCreated {
		t.Fatalf("new cloud's demo user: %d %v", code, body)
	}
	var regions []string
	for _, svc := range body["token"].(map[string]any)["catalog"].([]any) {
		for _, e := range svc.(map[string]any)["endpoints"].([]any) {
			if ep := e.(map[string]any); svc.(map[string]any)["type"] == "network" && ep["interface"] == "public" {
				regions = append(regions, ep["region"].(string))
			}
		}
	}
	if len(regions) != 4 || regions[3] != "cloud4" {
		t.Errorf("network regions after adding cloud4: %v", regions)
	}
	if err := ts.svc.Bootstrap(t.Context(), Seed{}); err == nil {
		t.Error("Bootstrap without an identity URL succeeded")
	}
	if err := ts.svc.Bootstrap(t.Context(), Seed{IdentityURL: ts.URL, Regions: []Region{{Name: "cloud5"}}}); err == nil {
		t.Error("Bootstrap of a region without a network URL succeeded")
	}
	// The refused seeds changed nothing (one transaction each).
	code, _, body = ts.do(t, "GET", "/v3/regions", map[string]string{"X-Auth-Token": ts.issueToken(t, "admin", "admin")}, nil)
	if rs, _ := body["regions"].([]any); code != 200 || len(rs) != 4 {
		t.Errorf("regions after refused seeds: %d %v", code, body)
	}
}

// TestBootstrappedUsersShareAHashButNotAPassword: the users one bootstrap
// makes have its password under one hash (made once), and changing one
// user's password leaves the others' as they were.
func TestBootstrappedUsersShareAHashButNotAPassword(t *testing.T) {
	ts := startServer(t, t.TempDir(), &testClock{t: time.Now()})
	hashes := map[string]string{}
	rows, err := ts.st.DB().QueryContext(t.Context(), `SELECT name, password_hash FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, hash string
		if err := rows.Scan(&name, &hash); err != nil {
			t.Fatal(err)
		}
		hashes[name] = hash
	}
	rows.Close()
	if len(hashes) < 4 || hashes["demo-cloud1"] != hashes["admin"] || hashes["demo-cloud3"] != hashes["admin"] {
		t.Fatalf("bootstrapped users' hashes: %v", hashes)
	}
	for _, u := range []string{"admin", "demo-cloud1", "demo-cloud2", "demo-cloud3"} {
		project := u
		if code, _, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth(u, testPassword, project)); code != http.StatusCreated {
			t.Errorf("%s with the bootstrap's password: %d %v", u, code, body)
		}
	}
	admin := map[string]string{"X-Auth-Token": ts.issueToken(t, "admin", "admin")}
	code, _, body := ts.do(t, "GET", "/v3/users?name=demo-cloud2", admin, nil)
	us, _ := body["users"].([]any)
	if code != http.StatusOK || len(us) != 1 {
		t.Fatalf("demo-cloud2: %d %v", code, body)
	}
	id := us[0].(map[string]any)["id"].(string)
	if code, _, body := ts.do(t, "PATCH", "/v3/users/"+id, admin, map[string]any{"user": map[string]any{"password": "changed"}}); code != http.StatusOK {
		t.Fatalf("password change: %d %v", code, body)
	}
	if code, _, _ := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("demo-cloud2", "changed", "demo-cloud2")); code != http.StatusCreated {
		t.Errorf("demo-cloud2 with its new password: %d", code)
	}
	if code, _, _ := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("demo-cloud2", testPassword, "demo-cloud2")); code != http.StatusUnauthorized {
		t.Errorf("demo-cloud2 with its old password: %d", code)
	}
	if code, _, _ := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth("demo-cloud1", testPassword, "demo-cloud1")); code != http.StatusCreated {
		t.Errorf("demo-cloud1 after demo-cloud2's change: %d", code)
	}
}
