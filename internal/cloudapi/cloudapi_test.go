package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// muxMounter mounts on a plain ServeMux.
type muxMounter struct{ *http.ServeMux }

func (m muxMounter) Handle(pattern string, h http.Handler) error {
	m.ServeMux.Handle(pattern, h)
	return nil
}

// serve opens the APIs on dir and serves them on a new loopback port.
// restart closes c and its server, as a stopped lab does, and serves
// the clouds again from the state in dir.
func restart(t *testing.T, c *Clouds, srv *httptest.Server, dir string, m *topology.Model) (*Clouds, *httptest.Server) {
	t.Helper()
	srv.Close()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	return serve(t, dir, m)
}

func serve(t *testing.T, dir string, m *topology.Model) (*Clouds, *httptest.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := Open(ctx, dir, m, "http://"+ln.Addr().String(), Options{})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := c.Mount(muxMounter{mux}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	return c, srv
}

// call sends a JSON request and decodes the JSON answer.
func call(t *testing.T, method, url, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

// login authenticates a region's demo user and returns the token and the
// region's network endpoint from the catalog.
func login(t *testing.T, c *Clouds, region string) (string, string) {
	t.Helper()
	o := c.Describe()
	r, ok := o.Region(region)
	if !ok {
		t.Fatalf("no region %s in %+v", region, o)
	}
	code, h, body := call(t, "POST", o.AuthURL+"/auth/tokens", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": r.User, "domain": map[string]any{"name": o.Domain}, "password": o.Password}}},
		"scope": map[string]any{"project": map[string]any{"name": r.Project, "domain": map[string]any{"name": o.Domain}}},
	}})
	if code != http.StatusCreated {
		t.Fatalf("login %s: %d %v", r.User, code, body)
	}
	for _, e := range body["token"].(map[string]any)["catalog"].([]any) {
		e := e.(map[string]any)
		if e["type"] != "network" {
			continue
		}
		for _, ep := range e["endpoints"].([]any) {
			ep := ep.(map[string]any)
			if ep["region_id"] == region && ep["interface"] == "public" {
				return h.Get("X-Subject-Token"), ep["url"].(string)
			}
		}
	}
	t.Fatalf("no network endpoint for %s in the catalog", region)
	return "", ""
}

// TestStateOutlivesRestart creates a network, reopens the APIs on the same
// state directory at another address and finds it there, with the
// catalog following the new address.
func TestStateOutlivesRestart(t *testing.T) {
	m := &topology.Model{Clouds: []*topology.Cloud{{Name: "cloud1"}, {Name: "cloud2"}}}
	dir := t.TempDir()

	c, srv := serve(t, dir, m)
	token, network := login(t, c, "cloud1")
	if want := srv.URL + "/cloud/cloud1/network/"; network != want {
		t.Errorf("catalog lists %s, want %s", network, want)
	}
	code, _, body := call(t, "POST", network+"v2.0/networks", token, map[string]any{"network": map[string]any{"name": "net1"}})
	if code != http.StatusCreated {
		t.Fatalf("create network: %d %v", code, body)
	}

	c, srv = restart(t, c, srv, dir, m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	token, network = login(t, c, "cloud1")
	if !strings.HasPrefix(network, srv.URL+"/") {
		t.Errorf("after restart the catalog lists %s, not under %s", network, srv.URL)
	}
	code, _, body = call(t, "GET", network+"v2.0/networks?name=net1", token, nil)
	if nets, _ := body["networks"].([]any); code != http.StatusOK || len(nets) != 1 {
		t.Errorf("after restart: %d %v, want net1", code, body)
	}
	// Regions are separate: cloud2's Neutron does not list it.
	token2, network2 := login(t, c, "cloud2")
	code, _, body = call(t, "GET", network2+"v2.0/networks", token2, nil)
	if nets, _ := body["networks"].([]any); code != http.StatusOK || len(nets) != 0 {
		t.Errorf("cloud2 lists %v", body)
	}
	if c.Neutron("cloud2") == nil || c.Neutron("nope") != nil || c.Keystone() == nil {
		t.Error("accessors")
	}
}

func TestOpenWithoutClouds(t *testing.T) {
	if _, err := Open(context.Background(), t.TempDir(), &topology.Model{}, "http://127.0.0.1:1", Options{}); err == nil {
		t.Error("Open accepted a topology without clouds")
	}
}

// TestComputeAndImageMounted finds each cloud's Nova and Glance where its
// catalog entries say, answering with the flavors and images.
func TestComputeAndImageMounted(t *testing.T) {
	m := &topology.Model{Clouds: []*topology.Cloud{{Name: "cloud1", Computes: []*topology.Compute{{Name: "cloud1-cn1"}}}}}
	c, srv := serve(t, t.TempDir(), m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	token, _ := login(t, c, "cloud1")
	code, _, body := call(t, "GET", srv.URL+"/cloud/cloud1/compute/v2.1/flavors", token, nil)
	if fl, _ := body["flavors"].([]any); code != http.StatusOK || len(fl) == 0 {
		t.Errorf("flavors: %d %v", code, body)
	}
	code, _, body = call(t, "GET", srv.URL+"/cloud/cloud1/image/v2/images?name=cirros-0.6.2-x86_64-disk", token, nil)
	if im, _ := body["images"].([]any); code != http.StatusOK || len(im) != 1 {
		t.Errorf("images: %d %v", code, body)
	} else if owner := im[0].(map[string]any)["owner"]; owner != c.Describe().AdminProjectID {
		t.Errorf("images are owned by %v, want the admin project", owner)
	}
	if c.Nova("cloud1") == nil || c.Nova("nope") != nil {
		t.Error("Nova accessor")
	}
}

// TestDiscoveryRootsWithoutSlash: clients' version discovery asks for
// the catalog's image URL, which has no slash, and the compute root.
func TestDiscoveryRootsWithoutSlash(t *testing.T) {
	m := &topology.Model{Clouds: []*topology.Cloud{{Name: "cloud1"}}}
	c, srv := serve(t, t.TempDir(), m)
	defer func() {
		srv.Close()
		c.Close()
	}()
	if code, _, body := call(t, "GET", srv.URL+"/cloud/cloud1/image", "", nil); code != http.StatusMultipleChoices || body["versions"] == nil {
		t.Errorf("image root: %d %v", code, body)
	}
	if code, _, body := call(t, "GET", srv.URL+"/cloud/cloud1/compute", "", nil); code != http.StatusOK || body["versions"] == nil {
		t.Errorf("compute root: %d %v", code, body)
	}
}
