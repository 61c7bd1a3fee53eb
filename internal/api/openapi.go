package api

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/diagram"
	"github.com/intercloud/intercloud/internal/lab"
)

// OpenAPIPath is where the daemon serves the OpenAPI 3.1 document of
// its API. It is readable without the token: it describes the shape of
// the API, the same for every lab and already public in the source, and
// holds nothing of a lab; tools (code generators, Swagger UI) fetch it
// before they have a token. The Host and Origin checks still apply.
const OpenAPIPath = "/api/v1/openapi.json"

// The document's operations, one per pattern the server mounts. Their
// schemas are reflected from the Go values the handlers encode and
// decode, so a field renamed or added in those types changes the
// document with the wire; TestOpenAPIMatchesRoutes fails when a route is
// mounted without an entry here, or an entry names no route.
var operations = []operation{
	{Pattern: "GET /api/v1/status", ID: "getStatus", Summary: "The running lab: counts, readiness, the OpenStack APIs it serves", Response: Status{}},
	{Pattern: "POST /api/v1/shutdown", ID: "shutdown", Summary: "Stop the daemon (it answers first)", Status: http.StatusAccepted, Response: map[string]string{}},
	{Pattern: "GET /api/v1/nodes", ID: "listNodes", Summary: "The lab's routers", Response: []NodeInfo{}},
	{Pattern: "GET /api/v1/nodes/{node}/{table...}", ID: "showTable", Summary: "One of a node's tables, as data and as FRR-shaped text",
		Description: "table is one of: " + strings.Join(lab.Tables, ", ") + "; its words are joined by '/' (igp/neighbors), so the value may hold slashes. " +
			"data's shape depends on the table: x-table-data gives it for each table.",
		Params:    []param{{Name: "vrf", In: "query", Description: "the VRF whose table to show (route, fib)"}},
		Response:  Table{},
		TableData: tableData,
		Errors:    []int{http.StatusBadRequest, http.StatusNotFound},
		PathParam: map[string]string{"node": "a node's name", "table": "the table, words joined by '/'"}},
	{Pattern: "POST /api/v1/nodes/{node}/restart-bgp", ID: "restartBGP", Summary: "Restart a node's BGP gracefully (RFC 4724)",
		Response: RestartBGP{}, Errors: []int{http.StatusBadRequest, http.StatusNotFound}, PathParam: map[string]string{"node": "a node's name"}},
	{Pattern: "POST /api/v1/nodes/{node}/sr-policies", ID: "addSRPolicy", Summary: "Install an SR policy on a headend; answers the headend's policies",
		Body: SRPolicy{}, Status: http.StatusCreated, Response: []SRPolicyState{},
		Errors: []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict}, PathParam: map[string]string{"node": "the headend"}},
	{Pattern: "DELETE /api/v1/nodes/{node}/sr-policies/{color}/{endpoint}", ID: "deleteSRPolicy", Summary: "Remove a headend's SR policy",
		Status: http.StatusNoContent, Errors: []int{http.StatusBadRequest, http.StatusNotFound},
		PathParam: map[string]string{"node": "the headend", "color": "the policy's color, 1 to 4294967295", "endpoint": "the policy's endpoint: a node or its loopback"}},
	{Pattern: "GET /api/v1/links", ID: "listLinks", Summary: "The lab's links: state, impairment, counters", Response: []Link{}},
	{Pattern: "PUT /api/v1/links/{a}/{b}", ID: "changeLink", Summary: "Take the links between two nodes up or down, or change their impairment",
		Body: LinkChange{}, Response: []Link{}, Errors: []int{http.StatusBadRequest, http.StatusNotFound},
		PathParam: map[string]string{"a": "one end: NODE or NODE:INTERFACE", "b": "the other end"}},
	{Pattern: "POST /api/v1/ping", ID: "ping", Summary: "Ping from a node", Body: PingRequest{}, Response: PingResponse{},
		Errors: []int{http.StatusBadRequest, http.StatusNotFound}},
	{Pattern: "POST /api/v1/trace", ID: "trace", Summary: "Traceroute from a node (labels quoted per RFC 4950)", Body: TraceRequest{}, Response: TraceResponse{},
		Errors: []int{http.StatusBadRequest, http.StatusNotFound}},
	{Pattern: "GET /api/v1/capture", ID: "capture", Summary: "A live pcap of a link", Media: "application/vnd.tcpdump.pcap",
		Params: []param{
			{Name: "a", In: "query", Required: true, Description: "a node (with b), or NODE:INTERFACE alone"},
			{Name: "b", In: "query", Description: "the other end"},
			{Name: "duration", In: "query", Description: "how long to capture, a Go duration such as 10s"},
			{Name: "count", In: "query", Schema: map[string]any{"type": "integer"}, Description: "stop after this many frames"},
		},
		Errors: []int{http.StatusBadRequest, http.StatusNotFound}},
	{Pattern: "GET /api/v1/events", ID: "events", Summary: "The lab's events; with follow=1 or Accept: text/event-stream, a stream of them (Server-Sent Events, each data a NumberedEvent)",
		Params: []param{
			{Name: "since", In: "query", Description: "only events after this time (RFC 3339)"},
			{Name: "follow", In: "query", Description: "1 to stream events as they come"},
			{Name: "after", In: "query", Schema: map[string]any{"type": "integer"}, Description: "stream events after this id"},
			{Name: "Last-Event-ID", In: "header", Schema: map[string]any{"type": "integer"}, Description: "what EventSource sends on reconnecting"},
		},
		Response: []Event{}, Stream: NumberedEvent{}, Errors: []int{http.StatusBadRequest}},
	{Pattern: "GET /api/v1/openstack", ID: "getOpenStack", Summary: "What an openrc needs for the clouds' OpenStack APIs", Response: OpenStack{},
		Errors: []int{http.StatusNotFound}},
	{Pattern: "GET /api/v1/topology", ID: "getTopology", Summary: "The model laid out for drawing, as intercloud graph draws it",
		Description: "Coordinates are pixels in a width x height canvas, y growing downwards; schema names the shape (" + diagram.JSONSchema + ").",
		Response:    Topology{}},
	{Pattern: "GET /api/v1/sessions", ID: "listSessions", Summary: "The core's and PE-CE BGP sessions' states", Response: []Session{}},
	{Pattern: "GET /api/v1/clouds", ID: "listClouds", Summary: "Each cloud's OpenStack resources", Response: []CloudSummary{},
		Errors: []int{http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable}},
	{Pattern: "GET /metrics", ID: "metrics", Summary: "Prometheus metrics", Media: "text/plain; version=0.0.4"},
	{Pattern: "GET " + loginPath, ID: "login", Summary: "Trade the token for a cookie and go to next (a browser's way in)", Public: true,
		Params: []param{
			{Name: "token", In: "query", Required: true, Description: "the lab's token"},
			{Name: "next", In: "query", Description: "a path on the daemon to go to (default /)"},
		},
		Status: http.StatusSeeOther, Media: "text/html; charset=utf-8", Errors: []int{http.StatusUnauthorized}},
	{Pattern: "GET " + OpenAPIPath, ID: "getOpenAPI", Summary: "This document", Public: true, Schema: map[string]any{"type": "object"}},
}

// operation documents one mounted pattern.
type operation struct {
	Pattern     string // as mounted: "METHOD /path"
	ID, Summary string
	Description string
	Public      bool              // served without the token
	PathParam   map[string]string // path parameters' descriptions
	Params      []param           // query parameters and headers
	Body        any               // a value of the request body's type
	Status      int               // on success; 200 unless set
	Response    any               // a value of the success body's type (JSON)
	Schema      map[string]any    // the success body's schema, when it is not reflected
	Media       string            // the success body's media type, when not JSON
	Stream      any               // the event type of a text/event-stream answer
	TableData   map[string]any    // a table's data type by table name (x-table-data)
	Errors      []int             // error statuses of the operation itself
}

type param struct {
	Name, In, Description string
	Required              bool
	Schema                map[string]any // a string unless set
}

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
)

// OpenAPI returns the OpenAPI 3.1 document of the daemon's API.
func OpenAPI() []byte {
	openAPIOnce.Do(func() {
		b, err := json.MarshalIndent(buildOpenAPI(newSchemas()), "", "  ")
		if err != nil {
			panic(err) // only maps, slices and strings: cannot fail
		}
		openAPIDoc = b
	})
	return openAPIDoc
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(OpenAPI())
}

var pathParam = regexp.MustCompile(`\{([a-z]+)(\.\.\.)?\}`)

// openAPIPath turns a mux pattern's path into OpenAPI's template.
func openAPIPath(path string) string { return pathParam.ReplaceAllString(path, "{$1}") }

// buildOpenAPI builds the document, reflecting schemas into g.
func buildOpenAPI(g *schemas) map[string]any {
	paths := map[string]map[string]any{}
	for _, op := range operations {
		method, path, _ := strings.Cut(op.Pattern, " ")
		item := paths[openAPIPath(path)]
		if item == nil {
			item = map[string]any{}
			paths[openAPIPath(path)] = item
		}
		item[strings.ToLower(method)] = g.operation(op, method, path)
	}
	errorBody := map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(Error{}))}}
	responses := map[string]any{}
	for code, desc := range errorDescriptions {
		responses[errorName(code)] = map[string]any{"description": desc, "content": errorBody}
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "intercloud lab API",
			"version": "v1",
			"description": "The lab daemon's API (intercloud up). Every answer that is not 2xx has the body {\"error\": \"...\"}. " +
				"Every request must name the daemon in its Host header (an IP literal, localhost, or the --api name) and, from a browser, " +
				"change state only from the daemon's own origin (403 otherwise). The token is in the file " + TokenFile + " of the lab's state directory.",
		},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []string{}}, map[string]any{"cookie": []string{}}},
		"paths":    paths,
		"components": map[string]any{
			"schemas":   g.defs,
			"responses": responses,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "Authorization: Bearer TOKEN, the lab's token"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": tokenCookie, "description": "set by " + loginPath},
			},
		},
	}
}

// errorDescriptions are the error answers, as components/responses.
var errorDescriptions = map[int]string{
	http.StatusBadRequest:            "The request is wrong: a bad body, parameter or value",
	http.StatusUnauthorized:          "No token, or not the lab's (WWW-Authenticate: Bearer)",
	http.StatusForbidden:             "The Host header does not name the daemon, or a browser changed state from another origin",
	http.StatusNotFound:              "No such node, interface, link or policy; or no such endpoint",
	http.StatusMethodNotAllowed:      "The path does not take this method; Allow lists those it takes",
	http.StatusConflict:              "It exists already",
	http.StatusRequestEntityTooLarge: "The body is larger than MaxBodyBytes",
	http.StatusUnsupportedMediaType:  "A state-changing request without Content-Type: application/json",
	http.StatusInternalServerError:   "The daemon failed",
	http.StatusServiceUnavailable:    "The daemon did not answer in time",
}

func errorName(code int) string { return strings.ReplaceAll(http.StatusText(code), " ", "") }

func (g *schemas) operation(op operation, method, path string) map[string]any {
	out := map[string]any{"operationId": op.ID, "summary": op.Summary}
	if op.TableData != nil {
		data := map[string]any{}
		for name, v := range op.TableData {
			data[name] = g.of(reflect.TypeOf(v))
		}
		out["x-table-data"] = data
	}
	if op.Description != "" {
		out["description"] = op.Description
	}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "description": op.PathParam[m[1]], "schema": map[string]any{"type": "string"}})
	}
	for _, p := range op.Params {
		sch := p.Schema
		if sch == nil {
			sch = map[string]any{"type": "string"}
		}
		params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.Required, "description": p.Description, "schema": sch})
	}
	if params != nil {
		out["parameters"] = params
	}
	if op.Body != nil {
		out["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(op.Body))}}}
	}
	status := op.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	content := map[string]any{}
	switch {
	case op.Response != nil:
		content["application/json"] = map[string]any{"schema": g.of(reflect.TypeOf(op.Response))}
	case op.Schema != nil:
		content["application/json"] = map[string]any{"schema": op.Schema}
	case op.Media != "":
		content[op.Media] = map[string]any{"schema": map[string]any{"type": "string"}}
	}
	if op.Stream != nil {
		content["text/event-stream"] = map[string]any{"schema": map[string]any{"type": "string", "description": "events as 'id: N' and 'data: JSON' lines, the data a " + g.name(reflect.TypeOf(op.Stream))},
			"x-event-schema": g.of(reflect.TypeOf(op.Stream))}
	}
	if len(content) > 0 {
		ok["content"] = content
	}
	if status == http.StatusSeeOther {
		ok["headers"] = map[string]any{"Location": map[string]any{"schema": map[string]any{"type": "string"}}, "Set-Cookie": map[string]any{"schema": map[string]any{"type": "string"}}}
	}
	responses := map[string]any{fmt.Sprint(status): ok}
	errs := append([]int{http.StatusForbidden, http.StatusMethodNotAllowed}, op.Errors...)
	if op.Public {
		out["security"] = []any{}
	} else {
		errs = append(errs, http.StatusUnauthorized)
	}
	if changes(method) {
		errs = append(errs, http.StatusUnsupportedMediaType)
		if op.Body != nil {
			errs = append(errs, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
		}
	}
	for _, code := range errs {
		responses[fmt.Sprint(code)] = map[string]any{"$ref": "#/components/responses/" + errorName(code)}
	}
	out["responses"] = responses
	return out
}

// schemas reflects Go types into JSON Schemas (2020-12, as OpenAPI 3.1
// uses them) the way encoding/json encodes them; named structs become
// components.
type schemas struct {
	defs map[string]any
	// opaque lists types encoded by their own MarshalJSON, whose shape
	// reflection cannot see (a test requires it empty).
	opaque []string
}

func newSchemas() *schemas { return &schemas{defs: map[string]any{}} }

var (
	timeType          = reflect.TypeOf(time.Time{})
	durationType      = reflect.TypeOf(time.Duration(0))
	jsonMarshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshalerType = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

// name is a named type's component name: package.Type.
func (g *schemas) name(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
		pkg = pkg[i+1:]
	}
	return pkg + "." + t.Name()
}

func nullable(s map[string]any) map[string]any {
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// of returns the schema of t's JSON.
func (g *schemas) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == durationType:
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	case t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType):
		g.opaque = append(g.opaque, t.String())
		return map[string]any{}
	case t.Implements(textMarshalerType) || (t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(textMarshalerType)):
		return map[string]any{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Pointer:
		return nullable(g.of(t.Elem()))
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !t.Elem().Implements(textMarshalerType) {
			return map[string]any{"type": []string{"string", "null"}, "contentEncoding": "base64"}
		}
		return map[string]any{"type": []string{"array", "null"}, "items": g.of(t.Elem())}
	case reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem()), "minItems": t.Len(), "maxItems": t.Len()}
	case reflect.Map:
		return map[string]any{"type": []string{"object", "null"}, "additionalProperties": g.of(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		n := g.name(t)
		if _, ok := g.defs[n]; !ok {
			g.defs[n] = nil // placeholder: a type may refer to itself
			g.defs[n] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + n}
	}
	g.opaque = append(g.opaque, t.String())
	return map[string]any{}
}

// object is a struct's schema: its fields as encoding/json names them,
// those without omitempty or omitzero required, no others allowed.
func (g *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range jsonFields(t) {
		s := g.of(f.typ)
		if f.asString {
			s = map[string]any{"type": "string"}
		}
		props[f.name] = s
		if !f.omit {
			required = append(required, f.name)
		}
	}
	sort.Strings(required)
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

type jsonField struct {
	name     string
	typ      reflect.Type
	omit     bool // omitempty or omitzero: may be absent
	asString bool // ",string"
	depth    int
}

// jsonFields lists t's fields as encoding/json encodes them: tags,
// skipped fields, and embedded structs' fields promoted (a shallower
// field hides a deeper one of the same name; two at the same depth
// hide each other).
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					walk(et, depth+1)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			all = append(all, jsonField{name: name, typ: ft, depth: depth,
				omit:     strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,"),
				asString: strings.Contains(","+opts+",", ",string,")})
		}
	}
	walk(t, 0)
	byName := map[string][]jsonField{}
	var order []string
	for _, f := range all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, n := range order {
		fs := byName[n]
		sort.SliceStable(fs, func(i, j int) bool { return fs[i].depth < fs[j].depth })
		if len(fs) > 1 && fs[0].depth == fs[1].depth {
			continue
		}
		out = append(out, fs[0])
	}
	return out
}
