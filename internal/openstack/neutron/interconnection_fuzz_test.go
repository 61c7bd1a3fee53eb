package neutron

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzInterconnectionBody feeds arbitrary create bodies to the
// interconnection's parser and checks: a refusal is a Neutron error with
// a 4xx status, never a panic; what is accepted is a router or
// network_l3 half with valid UUIDs, an http(s) Keystone URL and a
// region, whose local router is the caller's.
func FuzzInterconnectionBody(f *testing.F) {
	const router = "0f4b8a52-3f8e-4c1e-9d57-1f2e3a4b5c6d"
	for _, s := range []string{
		`{"interconnection": {"type": "router", "local_resource_id": "` + router + `", "remote_resource_id": "6c2a2b4e-0d0f-4c43-9a5e-3b8e1f2d7c11", "remote_region": "b", "remote_keystone": null}}`,
		`{"interconnection": {"type": "network_l2", "local_resource_id": "` + router + `", "remote_resource_id": "x", "remote_region": "b", "remote_keystone": "http://h/v3"}}`,
		`{"interconnection": {"type": "router", "local_resource_id": "` + router + `", "remote_resource_id": "6C2A2B4E0D0F4C439A5E3B8E1F2D7C11", "remote_region": "", "remote_keystone": "https://[::1]:5000/identity/v3", "name": 7}}`,
		`{"interconnection": {"type": ["router"], "state": "ACTIVE"}}`,
		`{"interconnection": null}`, `[]`, `{"interconnections": [{}]}`,
	} {
		f.Add(s)
	}
	s := &Service{cfg: Config{Region: "a", AuthURI: "http://127.0.0.1/identity/v3", Now: time.Now}}
	col := s.interconnectionCollection()
	c := &caller{user: "u", project: "p"}
	f.Fuzz(func(t *testing.T, in string) {
		st := newState("a")
		st.add(kindRouter, &Router{Common: Common{ID: router, ProjectID: "p"}})
		var res resource
		raw, err := parseBody([]byte(in))
		if err == nil {
			var b *body
			if b, err = col.prepare(c, raw, true); err == nil {
				res, err = col.create(st, c, b)
			}
		}
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status < 400 || ae.Status > 499 || ae.Message == "" {
				t.Fatalf("%s: refused with %v", in, err)
			}
			return
		}
		ic := res.(*Interconnection)
		u, uerr := url.Parse(ic.RemoteKeystone)
		if ic.Type != InterconnectionRouter && ic.Type != InterconnectionNetworkL3 || ic.LocalResourceID != router ||
			!isUUID(ic.RemoteResourceID) || strings.TrimSpace(ic.RemoteRegion) == "" || uerr != nil ||
			(u.Scheme != "http" && u.Scheme != "https") || ic.State != StateToValidate || ic.ProjectID != "p" {
			t.Errorf("accepted %s as %+v", in, ic)
		}
		if v := interView(ic); v["local_parameters"] == nil || v["id"] != ic.ID {
			t.Errorf("view of %s: %v", in, v)
		}
	})
}
