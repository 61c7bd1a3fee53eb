package keystone

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/intercloud/intercloud/internal/openstack/osmux"
)

// Handler serves the Identity API at the root of its mount ("/", "/v3",
// "/v3/..."). Mount it at the root of a listener or behind
// http.StripPrefix (the daemon serves it at /identity/); version
// documents and links point at the host and path it is reached by.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /v3", s.version)
	mux.HandleFunc("GET /v3/{$}", s.version)

	mux.HandleFunc("POST /v3/auth/tokens", s.createToken)
	mux.HandleFunc("GET /v3/auth/tokens", s.checkToken) // also HEAD
	mux.HandleFunc("DELETE /v3/auth/tokens", s.revokeToken)
	mux.HandleFunc("GET /v3/auth/catalog", s.authed(s.authCatalog))
	mux.HandleFunc("GET /v3/auth/projects", s.authed(s.authProjects))

	mux.HandleFunc("GET /v3/projects", s.authed(s.listProjects))
	mux.HandleFunc("GET /v3/projects/{id}", s.authed(s.showProject))
	mux.HandleFunc("GET /v3/users", s.authed(s.listUsers))
	mux.HandleFunc("GET /v3/users/{id}", s.authed(s.showUser))
	mux.HandleFunc("GET /v3/users/{id}/projects", s.authed(s.userProjects))
	mux.HandleFunc("GET /v3/roles", s.authed(s.listRoles))
	mux.HandleFunc("GET /v3/roles/{id}", s.authed(s.showRole))
	mux.HandleFunc("GET /v3/role_assignments", s.authed(s.listRoleAssignments))
	mux.HandleFunc("GET /v3/regions", s.authed(s.listRegions))

	// The admin's API (admin.go).
	admin := func(pattern string, h func(http.ResponseWriter, *http.Request, Identity)) {
		mux.HandleFunc(pattern, s.authed(adminOnly(h)))
	}
	admin("GET /v3/domains", s.listDomains)
	admin("GET /v3/domains/{id}", s.showDomain)
	admin("POST /v3/projects", s.createProject)
	admin("PATCH /v3/projects/{id}", s.updateProject)
	admin("DELETE /v3/projects/{id}", s.deleteProject)
	admin("POST /v3/users", s.createUser)
	admin("PATCH /v3/users/{id}", s.updateUser)
	admin("DELETE /v3/users/{id}", s.deleteUser)
	admin("POST /v3/roles", s.createRole)
	admin("DELETE /v3/roles/{id}", s.deleteRole)
	admin("GET /v3/projects/{project}/users/{user}/roles", s.listGrants)
	admin("PUT /v3/projects/{project}/users/{user}/roles/{role}", s.putGrant)
	admin("GET /v3/projects/{project}/users/{user}/roles/{role}", s.checkGrant) // also HEAD
	admin("DELETE /v3/projects/{project}/users/{user}/roles/{role}", s.deleteGrant)

	// Anything else is Keystone's 404 body rather than net/http's text
	// (and a wrong method on a known path is 405, also as JSON).
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, allow, unrouted := osmux.Unrouted(mux, r); unrouted {
			if code == http.StatusMethodNotAllowed {
				if allow != "" {
					w.Header().Set("Allow", allow)
				}
				writeError(w, http.StatusMethodNotAllowed, "The method is not allowed for the requested URL.")
				return
			}
			writeError(w, http.StatusNotFound, "The resource could not be found.")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// Messages Keystone uses for its most common refusals.
const (
	msgUnauthorized = "The request you have made requires authentication."
	msgForbidden    = "You are not authorized to perform the requested action."
)

// writeError answers as Keystone does:
// {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}.
func writeError(w http.ResponseWriter, code int, message string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{
		"code": code, "title": http.StatusText(code), "message": message,
	}})
}

// writeJSON answers a JSON body with status code.
func writeJSON(w http.ResponseWriter, code int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		// Only a programming error (an unmarshalable type) lands here.
		http.Error(w, `{"error": {"code": 500, "title": "Internal Server Error", "message": "encoding response"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Vary", "X-Auth-Token")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

// fail answers an error from the service: ErrUnauthorized as 401, any
// other (storage) error as 500, logged.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrUnauthorized) {
		s.log.Info("unauthorized", "method", r.Method, "path", r.URL.Path, "reason", err)
		// Keystone tells clients where to authenticate.
		w.Header().Set("WWW-Authenticate", `Keystone uri="`+baseURL(r)+`/v3"`)
		writeError(w, http.StatusUnauthorized, msgUnauthorized)
		return
	}
	s.log.Error("keystone request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, "An unexpected error prevented the server from fulfilling your request.")
}

// authed wraps a handler that needs a valid X-Auth-Token.
func (s *Service) authed(h func(http.ResponseWriter, *http.Request, Identity)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := s.lookupToken(r.Context(), r.Header.Get("X-Auth-Token"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, id)
	}
}

// decodeJSON reads a request body into v. Unknown fields are accepted, as
// Keystone's schemas allow additional properties in auth requests.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON body: %w", err)
	}
	if dec.More() {
		return errors.New("trailing data after the JSON body")
	}
	return nil
}

// baseURL is Keystone's root as the client reached it: the scheme, the
// host and the path Keystone is mounted at. Behind http.StripPrefix (the
// daemon serves Keystone under /identity) the request URI is longer than
// the path Keystone sees by that prefix, which links and version
// documents must keep for clients to follow them.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + mountPath(r)
}

// mountPath is the prefix cut from the request's path before Keystone saw
// it ("" at the root of a listener), without a trailing slash.
func mountPath(r *http.Request) string {
	full := r.RequestURI
	if i := strings.IndexByte(full, '?'); i >= 0 {
		full = full[:i]
	}
	if full == "" || full[0] != '/' {
		return ""
	}
	prefix, ok := strings.CutSuffix(full, r.URL.EscapedPath())
	if !ok {
		return ""
	}
	return strings.TrimRight(prefix, "/")
}
