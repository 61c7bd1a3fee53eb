package keystone

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

// testClock is a settable clock for token expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testPassword = "s3cret"

// testModel has the clouds of the seed lab; Bootstrap reads only names.
func testModel() *topology.Model {
	return &topology.Model{Clouds: []*topology.Cloud{{Name: "cloud1"}, {Name: "cloud2"}, {Name: "cloud3"}}}
}

// testServer is a running Keystone over a store in dir, on 127.0.0.1.
type testServer struct {
	URL string
	svc *Service
	st  *store.Store
	srv *httptest.Server

	mu       sync.Mutex
	requests []string // "METHOD /path" of every request, in order
}

// takeRequests returns the requests seen since the last call.
func (ts *testServer) takeRequests() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	r := ts.requests
	ts.requests = nil
	return r
}

// startServer opens the store in dir, bootstraps it from testModel and
// serves it. Call stop (or let cleanup do it) to shut it down.
func startServer(t *testing.T, dir string, clock *testClock) *testServer {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(ctx, st, Config{Now: clock.Now})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	// The catalog names the server's address, so listen before bootstrapping.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	base := "http://" + l.Addr().String()
	if err := svc.Bootstrap(ctx, SeedFromModel(testModel(), base, testPassword)); err != nil {
		l.Close()
		st.Close()
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", svc.Handler())
	for _, c := range testModel().Clouds {
		mux.HandleFunc("GET /"+c.Name+"/network/{$}", neutronVersions)
	}
	ts := &testServer{URL: base, svc: svc, st: st}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		ts.requests = append(ts.requests, r.Method+" "+r.URL.Path)
		ts.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	ts.srv = srv
	t.Cleanup(ts.stop)
	return ts
}

// neutronVersions stands in for the Neutron that the lab daemon will
// mount at each cloud's network URL: gophercloud's NewNetworkV2 reads the
// version list there before it returns a client. It answers what Neutron
// answers at its root.
func neutronVersions(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"versions": []any{map[string]any{
		"id": "v2.0", "status": "CURRENT",
		"links": []any{map[string]string{"rel": "self", "href": "http://" + r.Host + r.URL.Path + "v2.0/"}},
	}}})
}

func (ts *testServer) stop() {
	if ts.srv == nil {
		return
	}
	ts.srv.Close()
	ts.st.Close()
	ts.srv = nil
}

// do sends a request and returns the status, headers and decoded JSON body
// (nil when there is none).
func (ts *testServer) do(t *testing.T, method, path string, headers map[string]string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	return ostest.Call(t, method, ts.URL+path, headers, body)
}

// passwordAuth is the body of a password authentication scoped to project
// (unscoped when project is empty), with names in the Default domain.
func passwordAuth(user, password, project string) map[string]any {
	auth := map[string]any{
		"identity": map[string]any{
			"methods": []string{"password"},
			"password": map[string]any{"user": map[string]any{
				"name": user, "domain": map[string]any{"name": "Default"}, "password": password,
			}},
		},
	}
	if project != "" {
		auth["scope"] = map[string]any{"project": map[string]any{"name": project, "domain": map[string]any{"id": "default"}}}
	}
	return map[string]any{"auth": auth}
}

// issueToken authenticates with password and returns the token.
func (ts *testServer) issueToken(t *testing.T, user, project string) string {
	t.Helper()
	code, h, body := ts.do(t, "POST", "/v3/auth/tokens", nil, passwordAuth(user, testPassword, project))
	if code != http.StatusCreated {
		t.Fatalf("auth %s/%s: %d %v", user, project, code, body)
	}
	return h.Get("X-Subject-Token")
}

// wantKeystoneError checks a Keystone error body and status.
func wantKeystoneError(t *testing.T, what string, code int, body map[string]any, want int) {
	t.Helper()
	if code != want {
		t.Errorf("%s: status %d, want %d (body %v)", what, code, want, body)
		return
	}
	e, ok := body["error"].(map[string]any)
	if !ok {
		t.Errorf("%s: no error object in %v", what, body)
		return
	}
	if e["code"] != float64(want) || e["title"] != http.StatusText(want) || e["message"] == "" || e["message"] == nil {
		t.Errorf("%s: error body %v, want code %d title %q and a message", what, e, want, http.StatusText(want))
	}
}
