package interconnect_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/ostest"
)

// plainClient is what a Go program does with net/http alone, no
// OpenStack library: a token from Keystone's POST /v3/auth/tokens
// (X-Subject-Token) and each region's public network endpoint read from
// the catalog in the answer.
type plainClient struct {
	token    string
	networks map[string]string // region -> Neutron's URL
}

func signIn(t *testing.T, keystoneURL, user, project string) *plainClient {
	t.Helper()
	scope := map[string]any{"project": map[string]any{"name": project, "domain": map[string]any{"id": "default"}}}
	body := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": user, "domain": map[string]any{"id": "default"}, "password": keystone.DefaultPassword}}},
		"scope": scope,
	}}
	code, hdr, out := ostest.Call(t, "POST", keystoneURL+"/v3/auth/tokens", nil, body)
	if code != http.StatusCreated || hdr.Get("X-Subject-Token") == "" {
		t.Fatalf("sign in as %s: %d %v", user, code, out)
	}
	c := &plainClient{token: hdr.Get("X-Subject-Token"), networks: map[string]string{}}
	catalog, _ := out["token"].(map[string]any)["catalog"].([]any)
	for _, s := range catalog {
		svc := s.(map[string]any)
		if svc["type"] != "network" {
			continue
		}
		for _, e := range svc["endpoints"].([]any) {
			ep := e.(map[string]any)
			if ep["interface"] == "public" {
				c.networks[ep["region_id"].(string)] = strings.TrimRight(ep["url"].(string), "/")
			}
		}
	}
	return c
}

// call is one request to region's Neutron; it fails the test on an
// answer other than want.
func (c *plainClient) call(t *testing.T, region, method, path string, body any, want int) map[string]any {
	t.Helper()
	base, ok := c.networks[region]
	if !ok {
		t.Fatalf("no network endpoint of region %s in the catalog: %v", region, c.networks)
	}
	code, _, out := ostest.Call(t, method, base+"/v2.0/"+path, map[string]string{"X-Auth-Token": c.token}, body)
	if code != want {
		t.Fatalf("%s %s in %s: %d %v, want %d", method, path, region, code, out, want)
	}
	return out
}

// TestPlainGoClientCreatesBothHalves: a tenant with a Go program speaking
// only HTTP and JSON (each demo user on its own cloud) makes a router in
// each cloud and the two halves, sees both ACTIVE with the BGPVPN on its
// router listed by the admin, and deletes them; the other half is then
// TEARDOWN.
func TestPlainGoClientCreatesBothHalves(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	ks := "http://" + lb.addr + "/identity"
	ce := signIn(t, ks, keystone.DemoName(east), keystone.DemoName(east))
	cw := signIn(t, ks, keystone.DemoName(west), keystone.DemoName(west))
	newRouter := func(c *plainClient, region string) string {
		out := c.call(t, region, "POST", "routers", map[string]any{"router": map[string]any{"name": "r-" + region}}, http.StatusCreated)
		return out["router"].(map[string]any)["id"].(string)
	}
	re, rw := newRouter(ce, east), newRouter(cw, west)
	half := func(c *plainClient, region, local, remote, remoteRegion string) string {
		out := c.call(t, region, "POST", "interconnection/interconnections", map[string]any{"interconnection": map[string]any{
			"name": "to-" + remoteRegion, "type": "router", "local_resource_id": local, "remote_resource_id": remote,
			"remote_region": remoteRegion, "remote_keystone": ks + "/v3",
		}}, http.StatusCreated)
		ic := out["interconnection"].(map[string]any)
		if ic["state"] != "TO_VALIDATE" || ic["remote_keystone"] != ks+"/v3" || ic["local_resource_id"] != local {
			t.Errorf("new half in %s: %v", region, ic)
		}
		return ic["id"].(string)
	}
	e := half(ce, east, re, rw, west)
	w := half(cw, west, rw, re, east)
	stateOf := func(c *plainClient, region, id string) (string, string) {
		ic := c.call(t, region, "GET", "interconnection/interconnections/"+id, nil, http.StatusOK)["interconnection"].(map[string]any)
		return ic["state"].(string), fmt.Sprint(ic["state_reason"])
	}
	for _, h := range []struct {
		c          *plainClient
		region, id string
	}{{ce, east, e}, {cw, west, w}} {
		waitFor(t, h.id+" ACTIVE", func() (bool, string) {
			s, r := stateOf(h.c, h.region, h.id)
			return s == "ACTIVE", s + ": " + r
		})
	}
	list := ce.call(t, east, "GET", "interconnection/interconnections?state=ACTIVE", nil, http.StatusOK)["interconnections"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["remote_interconnection_id"] != w {
		t.Errorf("east's ACTIVE halves: %v", list)
	}
	checkActive(t, lb, pair{eastRouter: re, westRouter: rw, eastID: e, westID: w})

	ce.call(t, east, "DELETE", "interconnection/interconnections/"+e, nil, http.StatusNoContent)
	ce.call(t, east, "GET", "interconnection/interconnections/"+e, nil, http.StatusNotFound)
	waitFor(t, w+" TEARDOWN", func() (bool, string) {
		s, r := stateOf(cw, west, w)
		return s == "TEARDOWN", s + ": " + r
	})
	cw.call(t, west, "DELETE", "interconnection/interconnections/"+w, nil, http.StatusNoContent)
}
