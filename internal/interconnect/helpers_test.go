package interconnect_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/cloudapi"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

// The two clouds of the test lab.
const (
	east = "east"
	west = "west"
)

func model() *topology.Model {
	return &topology.Model{ProviderASN: 65000, Pools: topology.Pools{RT: topology.NumRange{First: 1, Last: 65535}},
		Clouds: []*topology.Cloud{{Name: east}, {Name: west}}}
}

// muxMounter mounts on a plain ServeMux.
type muxMounter struct{ *http.ServeMux }

func (m muxMounter) Handle(pattern string, h http.Handler) error {
	m.ServeMux.Handle(pattern, h)
	return nil
}

// lab is the clouds' APIs as the daemon serves them, on loopback, with
// a switch that takes one cloud's APIs off the network: while it is off,
// a connection asking for them is closed without an answer, as when the
// cloud's API endpoint is gone.
type lab struct {
	c    *cloudapi.Clouds
	srv  *httptest.Server
	clk  *clock.Virtual
	dir  string
	addr string
	down atomic.Pointer[string] // the cloud whose APIs are off, or nil

	mu      sync.Mutex
	clients map[[3]string]*gophercloud.ServiceClient // signing in costs a password hash
}

// startLab opens the clouds on dir and serves them at addr ("" for a
// new port); clk, when not nil, is the lab's clock.
func startLab(t testing.TB, dir, addr string, clk *clock.Virtual) *lab {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	// The port of a lab just closed may take a moment to be free again.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	lb := &lab{dir: dir, addr: ln.Addr().String(), clk: clk}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := cloudapi.Options{}
	if clk != nil {
		opts.Clock = clk
	}
	c, err := cloudapi.Open(ctx, dir, model(), "http://"+lb.addr, opts)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	if err := c.Mount(muxMounter{mux}); err != nil {
		t.Fatal(err)
	}
	lb.c = c
	lb.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := lb.down.Load(); d != nil && strings.HasPrefix(r.URL.Path, "/cloud/"+*d+"/") {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		mux.ServeHTTP(w, r)
	}))
	lb.srv.Listener.Close()
	lb.srv.Listener = ln
	lb.srv.Start()
	t.Cleanup(lb.stop)
	return lb
}

// stop stops serving and closes the clouds (idempotent).
func (lb *lab) stop() {
	if lb.c == nil {
		return
	}
	lb.srv.Close()
	lb.c.Close()
	lb.c = nil
}

// restart stops the lab and opens it again on the same state directory
// and address, as a daemon restart does.
func (lb *lab) restart(t testing.TB) *lab {
	t.Helper()
	lb.stop()
	return startLab(t, lb.dir, lb.addr, lb.clk)
}

func (lb *lab) keystoneURL() string { return "http://" + lb.addr + cloudapi.IdentityPath }

// client is a gophercloud network client of region, signed in as user
// on project.
func (lb *lab) client(t testing.TB, region, user, project string) *gophercloud.ServiceClient {
	t.Helper()
	k := [3]string{region, user, project}
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if sc := lb.clients[k]; sc != nil {
		return sc
	}
	p := ostest.Authenticate(t, lb.keystoneURL(), user, keystone.DefaultPassword, project)
	sc, err := openstack.NewNetworkV2(p, gophercloud.EndpointOpts{Region: region})
	if err != nil {
		t.Fatal(err)
	}
	if lb.clients == nil {
		lb.clients = map[[3]string]*gophercloud.ServiceClient{}
	}
	lb.clients[k] = sc
	return sc
}

// demo is region's demo user's client, admin the lab admin's (on the
// admin project) for region.
func (lb *lab) demo(t testing.TB, region string) *gophercloud.ServiceClient {
	return lb.client(t, region, keystone.DemoName(region), keystone.DemoName(region))
}

func (lb *lab) admin(t testing.TB, region string) *gophercloud.ServiceClient {
	return lb.client(t, region, keystone.AdminUser, keystone.AdminProject)
}

var interURL = []string{"interconnection", "interconnections"}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// post creates a resource and returns its object.
func post(t testing.TB, sc *gophercloud.ServiceClient, member string, body map[string]any, path ...string) map[string]any {
	t.Helper()
	var out map[string]any
	if _, err := sc.Post(ctx(t), sc.ServiceURL(path...), map[string]any{member: body}, &out, nil); err != nil {
		t.Fatalf("POST %v: %v", path, err)
	}
	return out[member].(map[string]any)
}

// router makes a router of sc's project and returns its id.
func router(t testing.TB, sc *gophercloud.ServiceClient, name string) string {
	return post(t, sc, "router", map[string]any{"name": name}, "routers")["id"].(string)
}

// interconnect creates sc's half from local to remote (in region).
func interconnect(t testing.TB, lb *lab, sc *gophercloud.ServiceClient, typ, local, remote, region string) map[string]any {
	t.Helper()
	return post(t, sc, "interconnection", map[string]any{
		"name": "to-" + region, "type": typ, "local_resource_id": local, "remote_resource_id": remote,
		"remote_region": region, "remote_keystone": lb.keystoneURL() + "/v3",
	}, interURL...)
}

// show reads an interconnection (nil when it is gone).
func show(t testing.TB, sc *gophercloud.ServiceClient, id string) map[string]any {
	t.Helper()
	var out map[string]any
	_, err := sc.Get(ctx(t), sc.ServiceURL(append(interURL, id)...), &out, nil)
	if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("show %s: %v", id, err)
	}
	return out["interconnection"].(map[string]any)
}

// waitFor polls cond until it holds, for at most 20 s.
func waitFor(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	testpeer.WaitForState(t, 20*time.Second, what, cond)
}

// waitState waits for interconnection id to be in state with a reason
// containing reason.
func waitState(t testing.TB, sc *gophercloud.ServiceClient, id, state, reason string) map[string]any {
	t.Helper()
	var ic map[string]any
	waitFor(t, fmt.Sprintf("%s to be %s (%q)", id, state, reason), func() (bool, string) {
		ic = show(t, sc, id)
		if ic == nil {
			return false, "gone"
		}
		return ic["state"] == state && strings.Contains(ic["state_reason"].(string), reason), fmt.Sprintf("%v: %v", ic["state"], ic["state_reason"])
	})
	return ic
}

// bgpvpns lists the BGPVPNs of sc's view.
func bgpvpns(t testing.TB, sc *gophercloud.ServiceClient) []map[string]any {
	t.Helper()
	var out struct {
		BGPVPNs []map[string]any `json:"bgpvpns"`
	}
	if _, err := sc.Get(ctx(t), sc.ServiceURL("bgpvpn", "bgpvpns"), &out, nil); err != nil {
		t.Fatal(err)
	}
	return out.BGPVPNs
}

// rawCall sends body (a string, as is) with sc's token and returns the
// status and the decoded answer, for error bodies.
func rawCall(t testing.TB, sc *gophercloud.ServiceClient, method, body string, path ...string) (int, map[string]any) {
	t.Helper()
	code, _, out := ostest.Call(t, method, sc.ServiceURL(path...), map[string]string{"X-Auth-Token": sc.Token()}, body)
	return code, out
}

// del deletes interconnection id.
func del(t testing.TB, sc *gophercloud.ServiceClient, id string) {
	t.Helper()
	if _, err := sc.Delete(ctx(t), sc.ServiceURL(append(interURL, id)...), nil); err != nil {
		t.Fatalf("delete %s: %v", id, err)
	}
}
