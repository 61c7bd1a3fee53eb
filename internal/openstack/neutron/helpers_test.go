package neutron

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/openstack/ostest/kslab"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

const testPassword = "s3cret"

// testClouds are the regions the test lab has.
var testClouds = []string{"cloud1", "cloud2"}

// lab is Keystone at the root and a Neutron per cloud at /CLOUD/network/,
// as the daemon mounts them, on 127.0.0.1.
type lab struct {
	URL     string
	st      *store.Store
	ks      *keystone.Service
	neutron map[string]*Service

	mu      sync.Mutex
	changes map[string]int // OnChange calls per region
}

// startLab serves Keystone and a Neutron per test cloud on loopback;
// tune, if given, adjusts each Neutron's Config.
func startLab(t testing.TB, tune ...func(*Config)) *lab {
	t.Helper()
	return startLabWith(t, store.Options{}, tune...)
}

// startLabWith is startLab on a store opened with opts.
func startLabWith(t testing.TB, opts store.Options, tune ...func(*Config)) *lab {
	t.Helper()
	ctx := context.Background()
	model := &topology.Model{}
	for _, c := range testClouds {
		model.Clouds = append(model.Clouds, &topology.Cloud{Name: c})
	}
	kl := kslab.New(t, t.TempDir(), opts, model, testPassword)
	lb := &lab{URL: kl.URL, st: kl.Store, ks: kl.Keystone, neutron: map[string]*Service{}, changes: map[string]int{}}
	clock := time.Date(2026, 11, 25, 4, 50, 0, 0, time.UTC)
	for _, c := range testClouds {
		cfg := Config{Region: c, Now: func() time.Time { return clock }, OnChange: func() {
			lb.mu.Lock()
			lb.changes[c]++
			lb.mu.Unlock()
		}}
		for _, f := range tune {
			f(&cfg)
		}
		n, err := New(ctx, kl.Store, kl.Keystone, cfg)
		if err != nil {
			t.Fatal(err)
		}
		lb.neutron[c] = n
		kl.Mux.Handle("/"+c+"/network/", http.StripPrefix("/"+c+"/network", n.Handler()))
	}
	kl.Serve(t)
	return lb
}

func (lb *lab) changeCount(region string) int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.changes[region]
}

// client authenticates user on project through Keystone and returns a
// gophercloud network client for region.
func (lb *lab) client(t testing.TB, user, project, region string) *gophercloud.ServiceClient {
	t.Helper()
	provider := ostest.Authenticate(t, lb.URL, user, testPassword, project)
	c, err := openstack.NewNetworkV2(provider, gophercloud.EndpointOpts{Region: region})
	if err != nil {
		t.Fatalf("network client for %s: %v", region, err)
	}
	return c
}

// admin and demo clients of cloud1.
func (lb *lab) admin(t *testing.T) *gophercloud.ServiceClient {
	return lb.client(t, "admin", "admin", "cloud1")
}
func (lb *lab) demo(t *testing.T, cloud string) *gophercloud.ServiceClient {
	return lb.client(t, "demo-"+cloud, "demo-"+cloud, "cloud1")
}

// raw sends a request to the Neutron of cloud1 with the client's token
// (none when c is nil) and returns the status and decoded body.
func raw(t *testing.T, lb *lab, c *gophercloud.ServiceClient, method, path string, body any) (int, map[string]any) {
	t.Helper()
	headers := map[string]string{}
	if c != nil {
		headers["X-Auth-Token"] = c.Token()
	}
	code, _, out := ostest.Call(t, method, lb.URL+"/cloud1/network"+path, headers, body)
	return code, out
}

// wantNeutronError checks a status and a NeutronError body; a wanted
// message ending in "*" is a prefix.
func wantNeutronError(t *testing.T, what string, code int, body map[string]any, wantCode int, wantType, wantMessage string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: status %d, want %d (body %v)", what, code, wantCode, body)
		return
	}
	e, ok := body["NeutronError"].(map[string]any)
	if !ok {
		t.Errorf("%s: no NeutronError in %v", what, body)
		return
	}
	msg, _ := e["message"].(string)
	okMsg := msg == wantMessage
	if prefix, ok := strings.CutSuffix(wantMessage, "*"); ok { // a message with a generated id in it
		okMsg = strings.HasPrefix(msg, prefix)
	}
	if e["type"] != wantType || !okMsg || e["detail"] != "" {
		t.Errorf("%s: NeutronError %q %q (detail %q), want %q %q", what, e["type"], e["message"], e["detail"], wantType, wantMessage)
	}
}

// gcError checks a gophercloud error's status and NeutronError body.
func gcError(t *testing.T, what string, err error, wantCode int, wantType, wantMessage string) {
	t.Helper()
	var ue gophercloud.ErrUnexpectedResponseCode
	if err == nil {
		t.Errorf("%s: succeeded, want %d %s", what, wantCode, wantType)
		return
	}
	if !asUnexpected(err, &ue) {
		t.Errorf("%s: error %v, want an HTTP %d", what, err, wantCode)
		return
	}
	var body map[string]any
	if jerr := json.Unmarshal(ue.Body, &body); jerr != nil {
		t.Errorf("%s: error body %q is not JSON", what, ue.Body)
		return
	}
	wantNeutronError(t, what, ue.Actual, body, wantCode, wantType, wantMessage)
}

func asUnexpected(err error, ue *gophercloud.ErrUnexpectedResponseCode) bool {
	return errorsAs(err, ue)
}
