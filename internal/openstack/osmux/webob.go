package osmux

import (
	"io"
	"net/http"
	"strings"
)

// Webob writes an error page as webob's exceptions render one for a
// client that did not ask for HTML: the title, the detail, and the three
// spaces of the empty comment line, as text. Nova, Neutron and Glance
// answer with it where their Paste pipeline or router, not the service's
// own code, refuses a request.
func Webob(w http.ResponseWriter, code int, title, detail string) {
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	w.WriteHeader(code)
	io.WriteString(w, title+"\n\n"+detail+"\n\n   ")
}

// WebobUnrouted answers what Unrouted found (404 or 405) with webob's
// page, as the routes-based services' routers do; it sends no Allow
// header, as they do not.
func WebobUnrouted(w http.ResponseWriter, code int) {
	if code == http.StatusMethodNotAllowed {
		Webob(w, http.StatusMethodNotAllowed, "405 Method Not Allowed", "The method is not allowed for this resource.")
		return
	}
	Webob(w, http.StatusNotFound, "404 Not Found", "The resource could not be found.")
}

// Endpoint is the URL of the endpoint a handler is mounted at, as the
// client reached it, without a trailing slash: the scheme, the Host, and
// the request URI's path with the part the handler serves (r.URL.Path,
// what http.StripPrefix left) cut off.
func Endpoint(r *http.Request) string {
	full := r.RequestURI
	if i := strings.IndexByte(full, '?'); i >= 0 {
		full = full[:i]
	}
	prefix := strings.TrimSuffix(full, r.URL.Path)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimRight(prefix, "/")
}
