package keystone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/store"
)

// FuzzAuthTokens sends arbitrary bodies to POST /v3/auth/tokens: whatever
// arrives, Keystone answers with a status below 500 and a JSON body, and
// issues a token only to a valid password.
func FuzzAuthTokens(f *testing.F) {
	for _, seed := range []string{
		`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Default"},"password":"` + testPassword + `"}}},"scope":{"project":{"name":"admin","domain":{"name":"Default"}}}}}`,
		`{"auth":{"identity":{"methods":["token"],"token":{"id":"x"}}}}`,
		`{"auth":{"identity":{"methods":["password"],"password":{"user":{"id":1}}}}}`,
		`{"auth":{}}`, `[]`, `null`, `{`, ``,
	} {
		f.Add(seed)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.TempDir(), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	svc, err := New(ctx, st, Config{})
	if err != nil {
		f.Fatal(err)
	}
	if err := svc.Bootstrap(ctx, SeedFromModel(testModel(), "http://127.0.0.1:5000", testPassword)); err != nil {
		f.Fatal(err)
	}
	h := svc.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v3/auth/tokens", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("status %d for %q: body is not JSON: %q", rec.Code, body, rec.Body)
		}
		if rec.Code == http.StatusCreated && (!strings.Contains(body, testPassword) || rec.Header().Get("X-Subject-Token") == "") {
			t.Fatalf("a token for %q (subject token %q)", body, rec.Header().Get("X-Subject-Token"))
		}
	})
}

// FuzzAdminWrites sends arbitrary bodies to the admin's creates and
// updates: whatever arrives, Keystone answers below 500 with a JSON
// body, and what it creates it shows back.
func FuzzAdminWrites(f *testing.F) {
	for _, seed := range []string{
		`{"project":{"name":"p1","description":"d","enabled":false}}`,
		`{"user":{"name":"u1","password":"x","email":"u@example.org","default_project_id":null}}`,
		`{"role":{"name":"r1"}}`,
		`{"project":{"name":"  "}}`, `{"user":{"name":"u","enabled":"no"}}`, `{"role":{}}`, `{"project":[]}`, `null`, `{`, ``,
	} {
		f.Add(seed, uint8(0))
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.TempDir(), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	svc, err := New(ctx, st, Config{})
	if err != nil {
		f.Fatal(err)
	}
	if err := svc.Bootstrap(ctx, SeedFromModel(testModel(), "http://127.0.0.1:5000", testPassword)); err != nil {
		f.Fatal(err)
	}
	token, err := svc.ServiceToken(ctx, AdminUser, AdminProject, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	h := svc.Handler()
	targets := []struct{ method, path string }{
		{"POST", "/v3/projects"}, {"POST", "/v3/users"}, {"POST", "/v3/roles"},
		{"PATCH", "/v3/projects/"}, {"PATCH", "/v3/users/"},
	}
	f.Fuzz(func(t *testing.T, body string, which uint8) {
		tg := targets[int(which)%len(targets)]
		path := tg.path
		if tg.method == "PATCH" {
			// Update the admin's own project or user, found by name.
			kind := strings.Trim(strings.TrimPrefix(path, "/v3/"), "/")
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/v3/"+kind+"?name=admin", nil)
			req.Header.Set("X-Auth-Token", token)
			h.ServeHTTP(rec, req)
			var list map[string][]map[string]any
			json.Unmarshal(rec.Body.Bytes(), &list)
			if len(list[kind]) == 0 {
				t.Skip("the admin renamed itself away")
			}
			path += list[kind][0]["id"].(string)
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tg.method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Auth-Token", token)
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d for %q: %s", tg.method, path, rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s: status %d for %q: body is not JSON: %q", tg.method, path, rec.Code, body, rec.Body)
		}
	})
}
