package neutron

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/openstack/osmux"
)

// caller is who a request comes from.
type caller struct {
	user    string
	project string // empty for an unscoped token
	admin   bool
	service bool // a service's in-process request (AsService)
	peer    bool // holds the interconnection peer role (interconnection.go)
}

// owns reports whether the caller may change a resource of project.
func (c *caller) owns(project string) bool { return c.admin || (project != "" && project == c.project) }

// maxBody bounds request bodies: oslo.middleware's max_request_body_size
// default, Neutron's limit.
const maxBody = 114688

// bodyTooLarge is oslo.middleware's RequestBodySizeLimiter refusal of a
// body longer than maxBody: declared so by Content-Length, or found so
// while reading it.
func bodyTooLarge(declared bool) *apiError {
	msg := fmt.Sprintf("Request is too large. Larger than %d.", maxBody)
	if declared {
		msg = fmt.Sprintf("Request is too large. Larger than max_request_body_size (%d).", maxBody)
	}
	return newErr(http.StatusRequestEntityTooLarge, "HTTPRequestEntityTooLarge", "%s", msg)
}

// Handler serves the Networking API relative to the cloud's network
// endpoint: "/" (versions), "/v2.0/" and the resources under it. The
// daemon mounts it at /cloud/CLOUD/network/ behind http.StripPrefix; links in
// answers use the path the client asked for (the request URI), so they
// point back through the mount. It is built once: its routes never change,
// and the daemon asks for it per cloud client (a lab of 1,000 clouds asks
// thousands of times).
func (s *Service) Handler() http.Handler {
	s.handlerOnce.Do(func() { s.handler = s.newHandler() })
	return s.handler
}

func (s *Service) newHandler() http.Handler {
	mux := &routeTable{}
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /v2.0", s.authed(s.apiRoot))
	mux.HandleFunc("GET /v2.0/{$}", s.authed(s.apiRoot))
	mux.HandleFunc("GET /v2.0/extensions", s.authed(s.listExtensions))
	mux.HandleFunc("GET /v2.0/extensions/{alias}", s.authed(s.showExtension))
	for _, c := range s.collections() {
		base := "/v2.0/" + c.name
		mux.HandleFunc("GET "+base, s.authed(s.listHandler(c)))
		if c.create != nil {
			mux.HandleFunc("POST "+base, s.authed(s.createHandler(c)))
		}
		mux.HandleFunc("GET "+base+"/{id}", s.authed(s.showHandler(c)))
		mux.HandleFunc("PUT "+base+"/{id}", s.authed(s.updateHandler(c)))
		mux.HandleFunc("DELETE "+base+"/{id}", s.authed(s.deleteHandler(c)))
	}
	s.bgpRoutes(mux)
	s.bgpvpnRoutes(mux)
	s.interconnectionRoutes(mux)
	s.quotaRoutes(mux)
	s.tagRoutes(mux)
	s.extraRouteRoutes(mux)
	s.prefixRoutes(mux)
	mux.HandleFunc("PUT /v2.0/address-groups/{id}/add_addresses", s.authed(s.addressGroupAction(true)))
	mux.HandleFunc("PUT /v2.0/address-groups/{id}/remove_addresses", s.authed(s.addressGroupAction(false)))
	mux.HandleFunc("PUT /v2.0/routers/{id}/add_router_interface", s.authed(s.routerInterfaceHandler(true)))
	mux.HandleFunc("PUT /v2.0/routers/{id}/remove_router_interface", s.authed(s.routerInterfaceHandler(false)))

	shared, handlers := mux.serveMux(), mux.handlers
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Neutron accepts a ".json" format suffix on every path.
		if p, ok := strings.CutSuffix(r.URL.Path, ".json"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = p
			r2.URL.RawPath = ""
			r = r2
		}
		// The size limit comes before anything reads the body, as the
		// middleware does.
		if r.ContentLength > maxBody {
			writeNeutronError(w, bodyTooLarge(true))
			return
		}
		if code, _, unrouted := osmux.Unrouted(shared, r); unrouted {
			// Neutron's router answers with webob's pages.
			osmux.WebobUnrouted(w, code)
			return
		}
		shared.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routesKey{}, handlers)))
	})
}

// authed checks the X-Auth-Token as keystonemiddleware's auth_token does
// before Neutron sees the request, answering its 401 when it is missing or
// invalid.
func (s *Service) authed(h func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("X-Auth-Token")
		var id keystone.Identity
		err := errors.New("no token")
		if token != "" {
			id, err = s.ks.Validate(r.Context(), token)
		}
		if err != nil {
			if !errors.Is(err, keystone.ErrUnauthorized) && token != "" {
				s.log.Error("token validation failed", "err", err)
				writeNeutronError(w, internalError())
				return
			}
			uri := s.cfg.AuthURI
			if uri == "" {
				uri = baseURL(r)
			}
			w.Header().Set("WWW-Authenticate", `Keystone uri="`+uri+`"`)
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": map[string]any{
				"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication.",
			}})
			return
		}
		h(w, r, &caller{user: id.User.ID, project: id.Project.ID, admin: id.IsAdmin(), service: isService(r.Context()),
			peer: id.HasRole(keystone.RoleInterconnectionPeer)})
	}
}

func internalError() *apiError {
	return newErr(http.StatusInternalServerError, "HTTPInternalServerError",
		"Request Failed: internal server error while processing your request.")
}

// fail answers err: an *apiError as itself, anything else as a 500.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeNeutronError(w, ae)
		return
	}
	s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeNeutronError(w, internalError())
}

// baseURL is the scheme and host the client reached us by.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// requestPath is the path the client asked for, before any StripPrefix.
func requestPath(r *http.Request) string {
	p := r.RequestURI
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	if p == "" || p[0] != '/' {
		p = r.URL.Path
	}
	return p
}

// endpointURL is the URL of the Neutron endpoint (ending in "/") as the
// client reached it: the request's URL with the path below the endpoint
// (r.URL.Path, the part the handler serves) cut off.
func endpointURL(r *http.Request) string {
	full := requestPath(r)
	rel := r.URL.Path
	prefix := full
	if strings.HasSuffix(full, rel) {
		prefix = full[:len(full)-len(rel)]
	} else if p, ok := strings.CutSuffix(full, ".json"); ok && strings.HasSuffix(p, rel) {
		prefix = p[:len(p)-len(rel)]
	}
	return baseURL(r) + strings.TrimRight(prefix, "/") + "/"
}

// decodeBody reads a JSON request body as Neutron's deserializer does:
// an empty body is nil, anything but JSON is MalformedRequestBody.
func decodeBody(r *http.Request) (any, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, bodyTooLarge(false)
	}
	return parseBody(raw)
}

// parseBody decodes raw as a JSON document, keeping numbers exact.
func parseBody(raw []byte) (any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, newErr(http.StatusBadRequest, "MalformedRequestBody", "Malformed request body: Cannot understand JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, newErr(http.StatusBadRequest, "MalformedRequestBody", "Malformed request body: Cannot understand JSON.")
	}
	return v, nil
}

// versions answers GET / as Neutron does (no token needed).
func (s *Service) versions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"versions": []any{map[string]any{
		"id": "v2.0", "status": "CURRENT",
		"links": []any{map[string]any{"rel": "self", "href": endpointURL(r) + "v2.0/"}},
	}}})
}

// apiRoot answers GET /v2.0/ with the collections.
func (s *Service) apiRoot(w http.ResponseWriter, r *http.Request, _ *caller) {
	base := endpointURL(r) + "v2.0/"
	var res []any
	for _, c := range s.collections() {
		res = append(res, map[string]any{
			"name": c.member, "collection": c.name,
			"links": []any{map[string]any{"rel": "self", "href": base + c.name}},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"resources": res})
}

// extension is an API extension this Neutron implements.
type extension struct {
	Alias, Name, Description, Updated string
}

// extensions lists what this Neutron implements, with Neutron's aliases.
var extensions = []extension{
	{"address-group", "Address group", "Support address group", "2020-07-15T10:00:00-00:00"},
	{"address-scope", "Address scope", "Address scopes extension.", "2015-07-26T10:00:00-00:00"},
	{"agent", "agent", "The agent management extension.", "2013-02-03T10:00:00-00:00"},
	{"bgp", "Neutron BGP Dynamic Routing Extension", "Discover and advertise routes for Neutron prefixes dynamically via BGP", "2016-05-10T15:37:00-00:00"},
	{"bgp_4byte_asn", "BGP 4-byte AS numbers", "Support bgp 4-byte AS number", "2017-09-07T00:00:00-00:00"},
	{"bgp_dragent_scheduler", "BGP Dynamic Routing Agent Scheduler", "Schedules BgpSpeakers on BgpDrAgent", "2015-07-30T10:00:00-00:00"},
	{"empty-string-filtering", "Empty String Filtering Extension", "Allow filtering by attributes with empty string value", "2018-05-01T10:00:00-00:00"},
	{"ext-gw-mode", "Neutron L3 Configurable external gateway mode", "Extension of the router abstraction for specifying whether SNAT should occur on the external gateway", "2013-03-28T10:00:00-00:00"},
	{"external-net", "Neutron external network", "Adds external network attribute to network resource.", "2013-01-14T10:00:00-00:00"},
	{"extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router", "2013-02-01T10:00:00-00:00"},
	{"filter-validation", "Filter parameters validation", "Provides validation on filter parameters.", "2018-03-21T10:00:00-00:00"},
	{"fip-port-details", "Floating IP Port Details Extension", "Add port_details attribute to Floating IP resource", "2018-04-09T10:00:00-00:00"},
	{"multi-provider", "Multi Provider Network", "Expose mapping of virtual networks to multiple physical networks", "2013-06-27T10:00:00-00:00"},
	{"net-mtu", "Network MTU", "Provides MTU attribute for a network resource.", "2015-03-25T10:00:00-00:00"},
	{"net-mtu-writable", "Network MTU (writable)", "Provides a writable MTU attribute for a network resource.", "2017-07-12T00:00:00-00:00"},
	{"pagination", "Pagination support", "Extension that indicates that pagination is enabled.", "2016-06-12T00:00:00-00:00"},
	{"port-security", "Port Security", "Provides port security", "2012-07-23T10:00:00-00:00"},
	{"project-id", "project_id field enabled", "Extension that indicates that project_id field is enabled.", "2016-09-09T09:09:09-09:09"},
	{"provider", "Provider Network", "Expose mapping of virtual networks to physical networks", "2012-09-07T10:00:00-00:00"},
	{"quota-check-limit", "Quota engine limit check", "Support for checking the resource usage before applying a new quota limit", "2021-09-08T16:00:00-00:00"},
	{"quota_details", "Quota details management support", "Expose functions for quotas usage statistics per project", "2017-02-10T10:00:00-00:00"},
	{"quotas", "Quota management support", "Expose functions for quotas management per project", "2012-07-29T10:00:00-00:00"},
	{"router", "Neutron L3 Router", "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.", "2012-07-20T10:00:00-00:00"},
	{"security-group", "security-group", "The security groups extension.", "2012-10-05T10:00:00-00:00"},
	{"sorting", "Sorting support", "Extension that indicates that sorting is enabled.", "2016-06-12T00:00:00-00:00"},
	{"standard-attr-description", "standard-attr-description", "Extension to add descriptions to standard attributes", "2016-02-10T10:00:00-00:00"},
	{"standard-attr-revisions", "Resource revision numbers", "This extension will display the revision number of neutron resources.", "2016-04-11T10:00:00-00:00"},
	{"standard-attr-timestamp", "Resource timestamps", "Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.", "2016-09-12T10:00:00-00:00"},
	{"subnet_allocation", "Subnet Allocation", "Enables allocation of subnets from a subnet pool", "2015-03-30T10:00:00-00:00"},
}

func (e extension) view() map[string]any {
	return map[string]any{"alias": e.Alias, "name": e.Name, "description": e.Description, "updated": e.Updated, "links": []any{}}
}

func (s *Service) listExtensions(w http.ResponseWriter, r *http.Request, _ *caller) {
	exts := make([]any, 0, len(extensions))
	for _, e := range extensions {
		exts = append(exts, e.view())
	}
	writeJSON(w, http.StatusOK, map[string]any{"extensions": exts})
}

func (s *Service) showExtension(w http.ResponseWriter, r *http.Request, _ *caller) {
	alias := r.PathValue("alias")
	if i := slices.IndexFunc(extensions, func(e extension) bool { return e.Alias == alias }); i >= 0 {
		writeJSON(w, http.StatusOK, map[string]any{"extension": extensions[i].view()})
		return
	}
	writeNeutronError(w, newErr(http.StatusNotFound, "HTTPNotFound", "Extension with alias %s does not exist", alias))
}

// decodeActionBody reads the body of a member action (PUT
// .../add_router_interface and the like): a JSON object, or nothing (nil).
func decodeActionBody(r *http.Request) (map[string]any, error) {
	raw, err := decodeBody(r)
	if err != nil {
		return nil, err
	}
	info, _ := raw.(map[string]any)
	if raw != nil && info == nil {
		return nil, httpBadRequest("Body contains invalid data")
	}
	return info, nil
}
