package api

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// guard is what every request passes before a handler, in this order:
//
//  1. The Host header must name this daemon: an IP literal, localhost,
//     or the host of the address it is bound to. A web page whose name
//     the attacker re-points at 127.0.0.1 (DNS rebinding) sends its own
//     name and is refused (403).
//  2. A state-changing request from a browser must come from the
//     daemon's own origin (http.CrossOriginProtection reads
//     Sec-Fetch-Site and Origin): a page elsewhere cannot POST
//     /api/v1/shutdown or a Neutron call (403).
//  3. On the lab's routes only (tokenAndJSON): the lab token
//     (Authorization: Bearer, 401 without it), and a JSON content type
//     on state-changing requests (415), so no HTML form can send one.
//
// The OpenStack APIs mounted beside it (/identity, /cloud/...) keep
// their own authentication (Keystone tokens), so the openstack CLI,
// gophercloud and Terraform need nothing but an openrc.
func (s *Server) guard(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, fmt.Errorf("cross-origin %s refused: the lab takes changes only from its own pages and from clients that are not browsers", r.Method))
	}))
	checked := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.hostAllowed(r.Host) {
			writeError(w, http.StatusForbidden, fmt.Errorf("host %q is not this lab's address: reach it as %s, localhost or by IP address", r.Host, s.boundAddr()))
			return
		}
		checked.ServeHTTP(w, r)
	})
}

// tokenAndJSON guards one lab route: the token, then a JSON content
// type on a state-changing request.
func (s *Server) tokenAndJSON(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="intercloud"`)
			writeError(w, http.StatusUnauthorized, errors.New("this request needs the lab's token (Authorization: Bearer TOKEN): intercloud reads it from the file "+TokenFile+" in the lab's state directory (--state-dir), or from $"+EnvToken))
			return
		}
		if changes(r.Method) && !isJSON(r.Header.Get("Content-Type")) {
			writeError(w, http.StatusUnsupportedMediaType, fmt.Errorf("%s %s needs Content-Type: application/json (got %q)", r.Method, r.URL.Path, r.Header.Get("Content-Type")))
			return
		}
		next(w, r)
	})
}

// changes says whether a method may change state.
func changes(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// authorized says whether r carries the lab token: as a bearer token
// (the CLI, scripts), or as the cookie login set (a browser on the
// daemon's own pages; the Origin and JSON checks keep other pages from
// riding on it).
func (s *Server) authorized(r *http.Request) bool {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return s.isToken(strings.TrimSpace(tok))
	}
	if c, err := r.Cookie(tokenCookie); err == nil {
		return s.isToken(c.Value)
	}
	return false
}

func (s *Server) isToken(tok string) bool {
	s.mu.Lock()
	want := s.token
	s.mu.Unlock()
	return want != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(want)) == 1
}

// loginPath trades the token in its query for a cookie, as Jupyter's
// token URL does, so a browser opened on
// http://127.0.0.1:4950/api/v1/login?token=TOKEN can use the daemon's
// pages; it then goes to next (a path on the daemon), or to /.
const (
	loginPath   = "/api/v1/login"
	tokenCookie = "intercloud_token"
)

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.isToken(r.URL.Query().Get("token")) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="intercloud"`)
		writeError(w, http.StatusUnauthorized, errors.New("login needs ?token=TOKEN, the lab's token from "+TokenFile+" in its state directory"))
		return
	}
	next := r.URL.Query().Get("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		next = "/" // never a redirect off the daemon
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: r.URL.Query().Get("token"), Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// hostAllowed says whether a Host header names this daemon. An IP
// literal cannot be re-pointed by DNS, nor can localhost (browsers
// resolve it themselves); any other name must be the one the daemon
// was bound to (--api NAME:PORT). Ports are not compared: rebinding
// changes the name, not the port.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	bound, _, err := net.SplitHostPort(s.boundAddr())
	return err == nil && bound != "" && strings.EqualFold(host, bound)
}

// boundAddr is the address Serve listens on, or what NewServer was told.
func (s *Server) boundAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bindName != "" {
		return s.bindName
	}
	return s.addr
}
