package keystone

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/store"
)

// TestMountedUnderPrefix serves Keystone as the daemon does, behind
// http.StripPrefix("/identity"): the version document, resource links and
// the 401's WWW-Authenticate must keep the prefix, or clients that follow
// them (keystoneauth authenticates at the version document's href) leave
// Keystone.
func TestMountedUnderPrefix(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := New(ctx, st, Config{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/identity/", http.StripPrefix("/identity", svc.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	root := srv.URL + "/identity"
	if err := svc.Bootstrap(ctx, SeedFromModel(testModel(), root, testPassword)); err != nil {
		t.Fatal(err)
	}

	get := func(path, token string) (int, http.Header, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if token != "" {
			req.Header.Set("X-Auth-Token", token)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, resp.Header, body
	}

	code, _, body := get("/identity/v3", "")
	v, _ := body["version"].(map[string]any)
	links, _ := v["links"].([]any)
	if code != http.StatusOK || len(links) != 1 || links[0].(map[string]any)["href"] != root+"/v3/" {
		t.Errorf("GET /identity/v3: %d %v, want self %s/v3/", code, body, root)
	}

	code, h, _ := get("/identity/v3/projects", "")
	if want := `Keystone uri="` + root + `/v3"`; code != http.StatusUnauthorized || h.Get("WWW-Authenticate") != want {
		t.Errorf("unauthenticated: %d %q, want 401 %q", code, h.Get("WWW-Authenticate"), want)
	}

	b, _ := json.Marshal(passwordAuth(AdminUser, testPassword, AdminProject))
	resp, err := srv.Client().Post(root+"/v3/auth/tokens", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	token := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("auth under /identity: %d", resp.StatusCode)
	}
	code, _, body = get("/identity/v3/projects?name=admin", token)
	self, _ := body["links"].(map[string]any)["self"].(string)
	if code != http.StatusOK || self != root+"/v3/projects?name=admin" {
		t.Errorf("projects: %d, self link %q", code, self)
	}
	projects, _ := body["projects"].([]any)
	if len(projects) != 1 || !strings.HasPrefix(projects[0].(map[string]any)["links"].(map[string]any)["self"].(string), root+"/v3/projects/") {
		t.Errorf("project links: %v", projects)
	}
}
