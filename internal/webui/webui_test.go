package webui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// muxMounter mounts on a plain ServeMux, as the lab API's server does
// beside its own routes.
type muxMounter struct{ *http.ServeMux }

func (m muxMounter) Handle(pattern string, h http.Handler) error {
	m.ServeMux.Handle(pattern, h)
	return nil
}

func TestServesThePage(t *testing.T) {
	mux := http.NewServeMux()
	if err := Mount(muxMounter{mux}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, c := range []struct{ path, ctype, has string }{
		{"/", "text/html", `<script src="/ui/app.js"`},
		{"/ui/", "text/html", `<svg id="map"`},
		{"/ui/app.js", "javascript", "new EventSource("},
		{"/ui/style.css", "text/css", "#map"},
	} {
		resp, body := get(c.path)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(body, c.has) {
			t.Errorf("GET %s: %d %s, body has %q: %v", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), c.has, strings.Contains(body, c.has))
		}
		// The page runs only its own scripts and cannot be framed.
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", c.path, csp)
		}
	}
	if resp, _ := get("/ui/nope.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /ui/nope.js: %d, want 404", resp.StatusCode)
	}
	// Nothing in the page loads from elsewhere: it must work offline.
	_, page := get("/")
	_, js := get("/ui/app.js")
	_, css := get("/ui/style.css")
	for _, s := range []string{page, js, css} {
		if strings.Contains(s, "https://") || strings.Contains(s, "//cdn") {
			t.Errorf("the page refers to another site:\n%.300s", s)
		}
	}
}
