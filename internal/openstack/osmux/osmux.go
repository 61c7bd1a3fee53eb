// Package osmux holds what the OpenStack services share about routing
// requests: asking Go's ServeMux what it would answer for a path no route
// takes, so that each service can answer it in its own upstream's words;
// webob's plain-text pages, the words of those whose upstream is a
// Paste/routes application; and the endpoint's URL as the client reached
// it. Each service's own error bodies stay in its package: Nova's,
// Neutron's and Glance's differ.
package osmux

import "net/http"

// Unrouted reports, for a request no pattern of mux matches, whether the
// path exists with other methods (405, with the Allow header mux would
// send) or not at all (404). ok is false when a pattern matches.
func Unrouted(mux *http.ServeMux, r *http.Request) (code int, allow string, ok bool) {
	h, pattern := mux.Handler(r)
	if pattern != "" {
		return 0, "", false
	}
	p := &probe{}
	h.ServeHTTP(p, r)
	return p.code, p.Header().Get("Allow"), true
}

// probe records the status mux's own fallback handler would send.
type probe struct {
	h    http.Header
	code int
}

func (p *probe) Header() http.Header {
	if p.h == nil {
		p.h = http.Header{}
	}
	return p.h
}
func (p *probe) Write(b []byte) (int, error) { return len(b), nil }
func (p *probe) WriteHeader(code int)        { p.code = code }
