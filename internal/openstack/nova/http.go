package nova

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/osmux"
)

// version is a compute API microversion.
type version struct{ major, minor int }

// The microversions this Nova serves.
var (
	minVersion = version{2, 1}
	maxVersion = version{2, 96}
)

func (v version) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

func (v version) String() string { return fmt.Sprintf("%d.%d", v.major, v.minor) }

// requestedVersion reads the microversion the client asks for:
// OpenStack-API-Version: compute X.Y, else X-OpenStack-Nova-API-Version,
// else 2.1; "latest" is the newest served.
func requestedVersion(r *http.Request) (version, error) {
	raw := ""
	for _, h := range r.Header.Values("OpenStack-API-Version") {
		for _, part := range strings.Split(h, ",") {
			f := strings.Fields(part)
			if len(f) == 2 && strings.EqualFold(f[0], "compute") {
				raw = f[1]
			}
		}
	}
	if raw == "" {
		raw = strings.TrimSpace(r.Header.Get("X-OpenStack-Nova-API-Version"))
	}
	if raw == "" {
		return minVersion, nil
	}
	if strings.EqualFold(raw, "latest") {
		return maxVersion, nil
	}
	maj, min, ok := strings.Cut(raw, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil || a < 0 || b < 0 || maj != strconv.Itoa(a) || min != strconv.Itoa(b) {
		return version{}, badRequest("API Version String %s is of invalid format. Must be of format MajorNum.MinorNum.", raw)
	}
	v := version{a, b}
	if !v.atLeast(minVersion.major, minVersion.minor) || !maxVersion.atLeast(a, b) {
		return version{}, &apiError{http.StatusNotAcceptable, fmt.Sprintf("Version %s is not supported by the API. Minimum is %s and maximum is %s.", raw, minVersion, maxVersion)}
	}
	return v, nil
}

// apiError is an error answered as Nova's fault wrapper does:
// {"itemNotFound": {"code": 404, "message": "..."}}, named by status.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) *apiError {
	return &apiError{http.StatusNotFound, fmt.Sprintf(format, args...)}
}

func conflicting(format string, args ...any) *apiError {
	return &apiError{http.StatusConflict, fmt.Sprintf(format, args...)}
}

// faultNames are Nova's names for error statuses; others are computeFault.
var faultNames = map[int]string{
	400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound", 405: "badMethod",
	409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 429: "overLimit",
	501: "notImplemented", 503: "serviceUnavailable",
}

func fail(w http.ResponseWriter, v version, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible."}
	}
	name, ok := faultNames[ae.status]
	if !ok {
		name = "computeFault"
	}
	writeJSON(w, v, ae.status, map[string]any{name: map[string]any{"code": ae.status, "message": ae.message}})
}

// writeJSON answers body with the microversion headers Nova sends.
func writeJSON(w http.ResponseWriter, v version, code int, body any) {
	h := w.Header()
	if v.major != 0 {
		h.Set("OpenStack-API-Version", "compute "+v.String())
		h.Set("X-OpenStack-Nova-API-Version", v.String())
		h.Set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version")
	}
	if body == nil {
		w.WriteHeader(code)
		return
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// caller is who a request comes from, and the microversion it asked for.
type caller struct {
	keystone.Identity
	token   string
	version version
	admin   bool
}

func (c *caller) project() string { return c.Identity.Project.ID }

type handler func(http.ResponseWriter, *http.Request, *caller)

// maxBody is oslo.middleware's max_request_body_size default.
const maxBody = 114688

// Handler serves the Compute API relative to the cloud's compute
// service root (the catalog's endpoint is its /v2.1): "/" (versions),
// "/v2.1/" and the resources under it.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /v2.1", s.version)
	mux.HandleFunc("GET /v2.1/{$}", s.version)
	route := func(pattern string, h handler) { mux.HandleFunc(pattern, s.authed(h)) }
	route("GET /v2.1/flavors", s.listFlavors(false))
	route("GET /v2.1/flavors/detail", s.listFlavors(true))
	route("GET /v2.1/flavors/{id}", s.showFlavor)
	route("GET /v2.1/flavors/{id}/os-extra_specs", s.listExtraSpecs)
	route("GET /v2.1/flavors/{id}/os-extra_specs/{key}", s.showExtraSpec)
	route("GET /v2.1/servers", s.listServers(false))
	route("GET /v2.1/servers/detail", s.listServers(true))
	route("POST /v2.1/servers", s.createServer)
	route("GET /v2.1/servers/{id}", s.showServer)
	route("DELETE /v2.1/servers/{id}", s.deleteServer)
	route("PUT /v2.1/servers/{id}", s.updateServer)
	route("GET /v2.1/limits", s.limits)
	route("GET /v2.1/os-availability-zone", s.listZones(false))
	route("GET /v2.1/os-security-groups", s.listProxyGroups)
	route("GET /v2.1/os-security-groups/{id}", s.showProxyGroup)
	route("GET /v2.1/os-availability-zone/detail", s.listZones(true))
	route("GET /v2.1/os-hypervisors", s.listHypervisors(false))
	route("GET /v2.1/os-hypervisors/detail", s.listHypervisors(true))
	route("GET /v2.1/os-services", s.listServices)
	route("GET /v2.1/os-keypairs", s.listKeypairs)
	route("POST /v2.1/os-keypairs", s.createKeypair)
	route("GET /v2.1/os-keypairs/{name}", s.showKeypair)
	route("DELETE /v2.1/os-keypairs/{name}", s.deleteKeypair)
	route("POST /v2.1/servers/{id}/action", s.serverAction)
	route("GET /v2.1/servers/{id}/os-interface", s.listInterfaces)
	route("POST /v2.1/servers/{id}/os-interface", s.attachInterface)
	route("GET /v2.1/servers/{id}/os-interface/{port}", s.showInterface)
	route("DELETE /v2.1/servers/{id}/os-interface/{port}", s.detachInterface)
	route("GET /v2.1/servers/{id}/metadata", s.listMetadata)
	route("POST /v2.1/servers/{id}/metadata", s.setMetadata(false))
	route("PUT /v2.1/servers/{id}/metadata", s.setMetadata(true))
	route("GET /v2.1/servers/{id}/metadata/{key}", s.showMetadataItem)
	route("PUT /v2.1/servers/{id}/metadata/{key}", s.setMetadataItem)
	route("DELETE /v2.1/servers/{id}/metadata/{key}", s.deleteMetadataItem)
	route("GET /v2.1/os-server-groups", s.listGroups)
	route("POST /v2.1/os-server-groups", s.createGroup)
	route("GET /v2.1/os-server-groups/{id}", s.showGroup)
	route("DELETE /v2.1/os-server-groups/{id}", s.deleteGroup)
	route("GET /v2.1/os-quota-sets/{id}", s.showQuotas(false))
	route("GET /v2.1/os-quota-sets/{id}/detail", s.showQuotas(true))
	route("GET /v2.1/os-quota-sets/{id}/defaults", s.defaultQuotas)
	route("PUT /v2.1/os-quota-sets/{id}", s.updateQuotas)
	route("DELETE /v2.1/os-quota-sets/{id}", s.deleteQuotas)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The catalog's URL without a slash, as clients' discovery asks
		// for it, is the root.
		if r.URL.Path == "" {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = "/", ""
			r = r2
		}
		if r.ContentLength > maxBody {
			fail(w, version{}, &apiError{http.StatusRequestEntityTooLarge, "Request is too large."})
			return
		}
		if code, _, unrouted := osmux.Unrouted(mux, r); unrouted {
			osmux.WebobUnrouted(w, code)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// authed checks the token as keystonemiddleware does, then the
// microversion as Nova's API does.
func (s *Service) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("X-Auth-Token")
		var id keystone.Identity
		err := errors.New("no token")
		if token != "" {
			id, err = s.ks.Validate(r.Context(), token)
		}
		if err != nil {
			if token != "" && !errors.Is(err, keystone.ErrUnauthorized) {
				s.log.Error("token validation failed", "err", err)
				fail(w, version{}, err)
				return
			}
			uri := s.cfg.AuthURI
			if uri == "" {
				uri = "http://" + r.Host
			}
			w.Header().Set("WWW-Authenticate", `Keystone uri="`+uri+`"`)
			writeJSON(w, version{}, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication.",
			}})
			return
		}
		v, err := requestedVersion(r)
		if err != nil {
			fail(w, version{}, err)
			return
		}
		h(w, r, &caller{Identity: id, token: token, version: v, admin: id.IsAdmin()})
	}
}

// links are a resource's self and bookmark links.
func links(r *http.Request, collection, id string) []any {
	base := osmux.Endpoint(r)
	return []any{
		map[string]any{"rel": "self", "href": base + "/v2.1/" + collection + "/" + id},
		map[string]any{"rel": "bookmark", "href": base + "/" + collection + "/" + id},
	}
}

func (s *Service) versionDoc(r *http.Request) map[string]any {
	return map[string]any{
		"id": "v2.1", "status": "CURRENT", "version": maxVersion.String(), "min_version": minVersion.String(),
		"updated": "2013-07-23T11:33:21Z",
		"links":   []any{map[string]any{"rel": "self", "href": osmux.Endpoint(r) + "/v2.1/"}},
	}
}

// versions answers GET / (no token needed), as Nova does.
func (s *Service) versions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, version{}, http.StatusOK, map[string]any{"versions": []any{s.versionDoc(r)}})
}

// version answers GET /v2.1/ with the version's document.
func (s *Service) version(w http.ResponseWriter, r *http.Request) {
	d := s.versionDoc(r)
	d["links"] = append(d["links"].([]any), map[string]any{"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"})
	d["media-types"] = []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}}
	writeJSON(w, version{}, http.StatusOK, map[string]any{"version": d})
}

func atLeastStr(have int, want string) bool {
	n, err := strconv.Atoi(want)
	return err != nil || have >= n
}
