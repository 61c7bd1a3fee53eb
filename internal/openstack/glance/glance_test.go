package glance

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
)

// validator accepts the token "good" as a member of project p1.
type validator struct{}

func (validator) Validate(_ context.Context, token string) (keystone.Identity, error) {
	if token != "good" {
		return keystone.Identity{}, keystone.ErrUnauthorized
	}
	return keystone.Identity{Project: keystone.Ref{ID: "p1"}}, nil
}

func serve(t testing.TB) *httptest.Server {
	t.Helper()
	s, err := New(validator{}, Config{Owner: "admin-project"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/image", s.Handler()))
	t.Cleanup(srv.Close)
	return srv
}

func get(t testing.TB, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestImagesAnswerAsGlance(t *testing.T) {
	srv := serve(t)
	if code, body := get(t, srv.URL+"/image/", ""); code != http.StatusMultipleChoices || !strings.Contains(body, srv.URL+"/image/v2/") {
		t.Errorf("versions: %d %s", code, body)
	}
	if code, _ := get(t, srv.URL+"/image/v2/images", ""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d", code)
	}
	code, body := get(t, srv.URL+"/image/v2/images", "good")
	if code != 200 || strings.Count(body, `"visibility":"public"`) != len(Images()) || !strings.Contains(body, `"owner":"admin-project"`) {
		t.Errorf("list: %d %s", code, body)
	}
	cirros := Images()[0]
	if code, body := get(t, srv.URL+"/image/v2/images?name=cirros-0.6.2-x86_64-disk&limit=5", "good"); code != 200 || strings.Count(body, `"id"`) != 1 || !strings.Contains(body, cirros.ID) {
		t.Errorf("by name: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/image/v2/images?name=nope", "good"); code != 200 || !strings.Contains(body, `"images":[]`) {
		t.Errorf("by unknown name: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/image/v2/images/"+cirros.ID, "good"); code != 200 || !strings.Contains(body, `"disk_format":"qcow2"`) {
		t.Errorf("show: %d %s", code, body)
	}
	if code, body := get(t, srv.URL+"/image/v2/images/cirros", "good"); code != 404 || !strings.Contains(body, "No image found with ID cirros") {
		t.Errorf("unknown id: %d %s", code, body)
	}
	if code, _ := get(t, srv.URL+"/image/v2/images?limit=x", "good"); code != 400 {
		t.Errorf("bad limit: %d", code)
	}
	// The ids are the same on every start.
	if Images()[0].ID != nameUUID("cirros-0.6.2-x86_64-disk") {
		t.Error("image ids are not derived from names")
	}
}

// FuzzImageQuery: any query string is a list or a 400, never a panic.
func FuzzImageQuery(f *testing.F) {
	for _, s := range []string{"name=cirros-0.6.2-x86_64-disk", "limit=1&marker=x", "visibility=all", "status=in:active,queued", "limit=-1", "size=21430272"} {
		f.Add(s)
	}
	srv := serve(f)
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := url.ParseQuery(q); err != nil {
			return
		}
		req, err := http.NewRequest("GET", srv.URL+"/image/v2/images?"+q, nil)
		if err != nil {
			return
		}
		req.Header.Set("X-Auth-Token", "good")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return
			}
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 400 {
			t.Fatalf("%q: %d", q, resp.StatusCode)
		}
	})
}
