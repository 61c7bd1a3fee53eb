// Package webui is the lab's web page: plain HTML, CSS and JavaScript
// embedded in the binary and served by the daemon beside its API, so it
// works offline and needs no separate server or build step.
//
// The page reads everything through the lab API (/api/v1) with the cookie
// that /api/v1/login sets from the token `intercloud up` prints: the map
// (GET /topology, the same layout as `intercloud graph`), live link and
// session states, node tables, traces, link changes, the clouds'
// resources, and the event stream (SSE) that keeps it current.
package webui

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Mounter is where the page is served: the lab API's server.
type Mounter interface {
	Handle(pattern string, h http.Handler) error
}

// Mount serves the page at / and its files under /ui/.
func Mount(m Mounter) error {
	files, err := fs.Sub(static, "static")
	if err != nil {
		return err
	}
	assets := secure(http.StripPrefix("/ui/", http.FileServerFS(files)))
	if err := m.Handle("GET /ui/", assets); err != nil {
		return err
	}
	index := secure(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, files, "index.html")
	}))
	if err := m.Handle("GET /{$}", index); err != nil {
		return err
	}
	return m.Handle("GET /ui/{$}", index)
}

// secure sets headers that keep the page's own: it runs only its own
// scripts, and no other site may frame it (a framed page could be made
// to click "bring down").
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
