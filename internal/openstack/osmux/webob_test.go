package osmux

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The routes-based services answer a path or method no route takes with
// webob's plain-text pages, byte for byte, and no Allow header.
func TestWebobUnroutedAnswersWebobsPlainTextPages(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/images", func(http.ResponseWriter, *http.Request) {})
	for _, tc := range []struct {
		method, path string
		code         int
		body         string
	}{
		{"DELETE", "/v2/images", 405, "405 Method Not Allowed\n\nThe method is not allowed for this resource.\n\n   "},
		{"GET", "/v2/nothing", 404, "404 Not Found\n\nThe resource could not be found.\n\n   "},
	} {
		r := httptest.NewRequest(tc.method, tc.path, nil)
		code, _, unrouted := Unrouted(mux, r)
		if !unrouted || code != tc.code {
			t.Fatalf("%s %s: Unrouted = %d %v, want %d", tc.method, tc.path, code, unrouted, tc.code)
		}
		w := httptest.NewRecorder()
		WebobUnrouted(w, code)
		if w.Code != tc.code || w.Body.String() != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, w.Code, w.Body, tc.code, tc.body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
		if a := w.Header().Get("Allow"); a != "" {
			t.Errorf("%s %s: Allow %q, want none", tc.method, tc.path, a)
		}
	}
}

// Endpoint is where the client reached the service's mount: the request
// URI less what StripPrefix left the handler, without the query.
func TestEndpointIsTheMountAsTheClientReachedIt(t *testing.T) {
	var got string
	h := http.StripPrefix("/cloud1/image", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Endpoint(r) }))
	for _, tc := range []struct {
		target string
		tls    bool
		want   string
	}{
		{"/cloud1/image/v2/images?limit=1", false, "http://example.com/cloud1/image"},
		{"/cloud1/image/", false, "http://example.com/cloud1/image"},
		{"/cloud1/image/v2/images", true, "https://example.com/cloud1/image"},
	} {
		r := httptest.NewRequest("GET", tc.target, nil)
		if tc.tls {
			r.TLS = &tls.ConnectionState{}
		}
		got = ""
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != tc.want {
			t.Errorf("%s: Endpoint %q, want %q", tc.target, got, tc.want)
		}
	}
}
