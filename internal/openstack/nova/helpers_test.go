package nova

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"

	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/openstack/ostest"
	"github.com/intercloud/intercloud/internal/openstack/ostest/kslab"
	"github.com/intercloud/intercloud/internal/store"
	"github.com/intercloud/intercloud/internal/topology"
)

const testPassword = "s3cret"

// lab is Keystone at the root and, per cloud, Neutron, Nova and Glance
// at /CLOUD/network/, /CLOUD/compute/ and /CLOUD/image/, on 127.0.0.1,
// as the daemon mounts them.
type lab struct {
	URL     string
	dir     string
	st      *store.Store
	ks      *keystone.Service
	neutron map[string]*neutron.Service
	nova    map[string]*Service

	mu   sync.Mutex
	now  time.Time // the services' clock, moved by the test...
	real bool      // ...or the real one
}

func (lb *lab) clock() time.Time {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.real {
		return time.Now()
	}
	return lb.now
}

// advance moves the clock past servers' boot time.
func (lb *lab) advance(d time.Duration) {
	lb.mu.Lock()
	lb.now = lb.now.Add(d)
	lb.mu.Unlock()
}

// startLab serves the services of cloud1 and cloud2 on loopback over a
// store in dir (a new one when empty).
func startLab(t testing.TB, dir string) *lab {
	t.Helper()
	return startLabClock(t, dir, false)
}

// startLabClock is startLab on the real clock when real is set: servers
// then boot in a millisecond, for clients that poll with sleeps.
func startLabClock(t testing.TB, dir string, real bool) *lab {
	t.Helper()
	ctx := context.Background()
	if dir == "" {
		dir = t.TempDir()
	}
	model := &topology.Model{}
	for _, c := range []string{"cloud1", "cloud2"} {
		model.Clouds = append(model.Clouds, &topology.Cloud{Name: c, Computes: []*topology.Compute{{Name: c + "-cn1"}, {Name: c + "-cn2"}}})
	}
	kl := kslab.New(t, dir, store.Options{}, model, testPassword)
	st, ks := kl.Store, kl.Keystone
	lb := &lab{URL: kl.URL, dir: dir, st: st, ks: ks, neutron: map[string]*neutron.Service{}, nova: map[string]*Service{},
		now: time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC), real: real}
	boot := 10 * time.Second
	if real {
		boot = time.Millisecond
	}
	mux := kl.Mux
	for _, c := range model.Clouds {
		n, err := neutron.New(ctx, st, ks, neutron.Config{Region: c.Name, Now: lb.clock})
		if err != nil {
			t.Fatal(err)
		}
		var computes []string
		for _, cn := range c.Computes {
			computes = append(computes, cn.Name)
		}
		nv, err := New(ctx, st, ks, Config{Region: c.Name, Neutron: n.Handler(), Computes: computes, Now: lb.clock, BootTime: boot})
		if err != nil {
			t.Fatal(err)
		}
		g, err := glance.New(ks, glance.Config{})
		if err != nil {
			t.Fatal(err)
		}
		lb.neutron[c.Name], lb.nova[c.Name] = n, nv
		mux.Handle("/"+c.Name+"/network/", http.StripPrefix("/"+c.Name+"/network", n.Handler()))
		for p, h := range map[string]http.Handler{"/" + c.Name + "/compute": nv.Handler(), "/" + c.Name + "/image": g.Handler()} {
			mux.Handle(p+"/", http.StripPrefix(p, h))
			mux.Handle(p, http.StripPrefix(p, h))
		}
	}
	kl.Serve(t)
	return lb
}

// provider authenticates user on project (Default domain).
func (lb *lab) provider(t testing.TB, user, project string) *gophercloud.ProviderClient {
	t.Helper()
	return ostest.Authenticate(t, lb.URL, user, testPassword, project)
}

// clients are one user's gophercloud clients of a region.
type clients struct {
	compute, network, image *gophercloud.ServiceClient
}

func (lb *lab) clients(t testing.TB, user, project, region string) clients {
	t.Helper()
	p := lb.provider(t, user, project)
	eo := gophercloud.EndpointOpts{Region: region}
	var c clients
	var err error
	if c.compute, err = openstack.NewComputeV2(p, eo); err != nil {
		t.Fatal(err)
	}
	if c.network, err = openstack.NewNetworkV2(p, eo); err != nil {
		t.Fatal(err)
	}
	if c.image, err = openstack.NewImageV2(p, eo); err != nil {
		t.Fatal(err)
	}
	return c
}

// call sends a raw request with c's token (none when c is nil).
func call(t testing.TB, c *gophercloud.ServiceClient, method, url string, headers map[string]string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	h := map[string]string{}
	for k, v := range headers {
		h[k] = v
	}
	if c != nil {
		h["X-Auth-Token"] = c.Token()
	}
	return ostest.Call(t, method, url, h, body)
}

// wantFault checks a status and Nova's fault body {"NAME": {"code",
// "message"}}.
func wantFault(t testing.TB, what string, code int, body map[string]any, wantCode int, wantName, wantMessage string) {
	t.Helper()
	if code != wantCode {
		t.Errorf("%s: status %d, want %d (%v)", what, code, wantCode, body)
		return
	}
	f, ok := body[wantName].(map[string]any)
	if !ok || len(body) != 1 {
		t.Errorf("%s: body %v, want only %s", what, body, wantName)
		return
	}
	if f["code"] != float64(wantCode) || f["message"] != wantMessage {
		t.Errorf("%s: %s %v %q, want %d %q", what, wantName, f["code"], f["message"], wantCode, wantMessage)
	}
}

// imagesOf are the seeded images' ids.
func imagesOf() []string {
	var ids []string
	for _, im := range glance.Images() {
		ids = append(ids, im.ID)
	}
	return ids
}
