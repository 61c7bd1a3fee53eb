package neutron

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/store"
)

// FuzzQuotaUpdate sends arbitrary bodies to PUT /v2.0/quotas/{id} as an
// admin: the answer is never a 5xx and always JSON; a 200 holds every
// resource's limit in [-1, 2147483647]; a refusal changes no limit.
func FuzzQuotaUpdate(f *testing.F) {
	for _, seed := range []string{
		`{"quota": {"network": 5}}`,
		`{"quota": {"port": "-1", "router": true, "check_limit": true}}`,
		`{"quota": {"subnet": 2147483648}}`,
		`{"quota": {"network": -2, "force": "yes"}}`,
		`{"quota": {"network": 1.5}}`,
		`{"quota": {"bgp_speaker": 1}}`,
		`{"quota": null}`,
		`{"quota": []}`,
		`[]`,
		``,
		`{"quota": {"network": "1e3"}}`,
	} {
		f.Add(seed)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, f.TempDir(), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	ks, err := keystone.New(ctx, st, keystone.Config{})
	if err != nil {
		f.Fatal(err)
	}
	s, err := New(ctx, st, ks, Config{Region: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	admin := &caller{project: "p-admin", admin: true}
	const project = "p-fuzz"
	f.Fuzz(func(t *testing.T, body string) {
		before, err := s.quotaLimits(ctx, st.DB(), project)
		if err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("PUT", "/v2.0/quotas/"+project, strings.NewReader(body))
		r.SetPathValue("id", project)
		w := httptest.NewRecorder()
		s.updateQuota(w, r, admin)
		if w.Code >= 500 {
			t.Fatalf("%q: %d %s", body, w.Code, w.Body)
		}
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%q: answer %q is not JSON", body, w.Body)
		}
		after, err := s.quotaLimits(ctx, st.DB(), project)
		if err != nil {
			t.Fatal(err)
		}
		if w.Code != http.StatusOK {
			for k, v := range before {
				if after[k] != v {
					t.Fatalf("%q refused (%d) but changed %s from %d to %d", body, w.Code, k, v, after[k])
				}
			}
			return
		}
		q, _ := out["quota"].(map[string]any)
		if len(q) != len(quotaResources) {
			t.Fatalf("%q: answered %v", body, out)
		}
		for _, r := range quotaResources {
			n, ok := q[r.name].(float64)
			if !ok || n < -1 || n > maxQuotaLimit || int(n) != after[r.name] {
				t.Fatalf("%q: %s is %v, stored %d", body, r.name, q[r.name], after[r.name])
			}
		}
	})
}
