package neutron

import (
	"net/http"
	"testing"
)

// TestSameKeystone: the spellings of one Keystone URL a tenant may send
// match, and URLs of another host, port, scheme or path do not.
func TestSameKeystone(t *testing.T) {
	const lab = "http://127.0.0.1:8080/identity"
	for _, c := range []struct {
		url  string
		same bool
	}{
		{"http://127.0.0.1:8080/identity", true},
		{"http://127.0.0.1:8080/identity/", true},
		{"http://127.0.0.1:8080/identity/v3", true},
		{"http://127.0.0.1:8080/identity/v3/", true},
		{"HTTP://127.0.0.1:8080/identity/v3", true},
		{"http://127.0.0.1:8081/identity/v3", false},
		{"http://127.0.0.2:8080/identity/v3", false},
		{"https://127.0.0.1:8080/identity/v3", false},
		{"http://127.0.0.1:8080/v3", false},
		{"http://127.0.0.1:8080/identity/v2.0", false},
		{"http://127.0.0.1:8080/identity/v3?x=1", false},
		{"http://u:p@127.0.0.1:8080/identity/v3", false},
		{"not a url", false},
	} {
		if got := sameKeystone(c.url, lab); got != c.same {
			t.Errorf("sameKeystone(%q, %q) = %v, want %v", c.url, lab, got, c.same)
		}
	}
	if !sameKeystone("http://Keystone.example:80/", "http://keystone.example/v3") {
		t.Error("the default port and the host's case are not ignored")
	}
	if !sameKeystone("https://[::1]:443/identity/v3", "https://[::1]/identity") {
		t.Error("an IPv6 host with the default port does not match")
	}
}

// FuzzSameKeystone: any pair of strings is compared without a panic,
// a URL that names a Keystone matches itself, and the match is
// symmetric.
func FuzzSameKeystone(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080/identity/v3", "https://[::1]/identity", "http://h", "http://h:/", "ftp://x", "%zz", ""} {
		f.Add(s, "http://127.0.0.1:8080/identity")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := sameKeystone(a, b), sameKeystone(b, a)
		if ab != ba {
			t.Fatalf("sameKeystone(%q, %q) = %v, reversed %v", a, b, ab, ba)
		}
		if _, ok := keystoneKey(a); ok && !sameKeystone(a, a) {
			t.Fatalf("%q does not match itself", a)
		}
	})
}

// TestInterconnectionMarksTheLabsKeystone: a half naming this cloud's
// own Keystone (null, or the URL in another spelling) is marked so, one
// naming another Keystone is not; the API shows remote_keystone as sent
// and never the mark.
func TestInterconnectionMarksTheLabsKeystone(t *testing.T) {
	lb := startLab(t, func(c *Config) { c.AuthURI = "http://127.0.0.1:5000/identity" })
	demo := lb.demo(t, "cloud1")
	for i, c := range []struct {
		sent any
		lab  bool
	}{
		{nil, true},
		{"http://127.0.0.1:5000/identity/v3/", true},
		{"http://127.0.0.1:5001/identity/v3", false},
	} {
		code, body := raw(t, lb, demo, "POST", "/v2.0/routers", map[string]any{"router": map[string]any{"name": "r"}})
		if code != http.StatusCreated {
			t.Fatalf("router: %d %v", code, body)
		}
		code, body = raw(t, lb, demo, "POST", interconnectionsPath, map[string]any{"interconnection": map[string]any{
			"type": "router", "local_resource_id": body["router"].(map[string]any)["id"],
			"remote_resource_id": "6c2a2b4e-0d0f-4c43-9a5e-3b8e1f2d7c1" + string(rune('0'+i)), "remote_region": "cloud2", "remote_keystone": c.sent,
		}})
		if code != http.StatusCreated {
			t.Fatalf("create: %d %v", code, body)
		}
		view := body["interconnection"].(map[string]any)
		want := c.sent
		if want == nil {
			want = "http://127.0.0.1:5000/identity"
		}
		if view["remote_keystone"] != want {
			t.Errorf("remote_keystone shown %v, sent %v", view["remote_keystone"], c.sent)
		}
		if _, shown := view["remote_keystone_is_lab"]; shown {
			t.Errorf("the mark is shown: %v", view)
		}
		ic, ok, err := lb.neutron["cloud1"].Interconnection(t.Context(), view["id"].(string))
		if err != nil || !ok || ic.RemoteKeystoneIsLab != c.lab {
			t.Errorf("sent %v: marked %v, want %v (%v %v)", c.sent, ic.RemoteKeystoneIsLab, c.lab, ok, err)
		}
	}
}
