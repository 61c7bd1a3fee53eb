package keystone

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
