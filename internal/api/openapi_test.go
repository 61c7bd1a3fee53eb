package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// parsedOpenAPI is the document as a client reads it.
func parsedOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(OpenAPI()))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// samplePathValues fill the document's path templates in, so the
// server's mux can say which pattern serves them.
var samplePathValues = strings.NewReplacer("{node}", "pe1", "{table}", "igp/neighbors", "{color}", "100", "{endpoint}", "pe2", "{a}", "pe1", "{b}", "p1")

// Every pattern the server mounts is documented, and every documented
// path and method reaches the pattern documented for it: neither can
// be added or renamed without the other.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	srv, _ := rawServer(t)
	documented := map[string]bool{}
	for _, op := range operations {
		if documented[op.Pattern] {
			t.Errorf("%s documented twice", op.Pattern)
		}
		documented[op.Pattern] = true
	}
	for _, p := range srv.patterns {
		if !documented[p] {
			t.Errorf("route %s is mounted but not in the OpenAPI document (add it to operations in openapi.go)", p)
		}
		delete(documented, p)
	}
	for p := range documented {
		t.Errorf("the OpenAPI document has %s, which the server does not mount", p)
	}

	doc := parsedOpenAPI(t)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v", doc["openapi"])
	}
	n := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			n++
			req, err := http.NewRequest(strings.ToUpper(method), "http://127.0.0.1"+samplePathValues.Replace(path), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, pattern := srv.mux.Handler(req)
			id := op.(map[string]any)["operationId"]
			want := ""
			for _, o := range operations {
				if o.ID == id {
					want = o.Pattern
				}
			}
			if pattern != want || want == "" {
				t.Errorf("documented %s %s (%v) is served by pattern %q, want %q", method, path, id, pattern, want)
			}
		}
	}
	if n != len(srv.patterns) {
		t.Errorf("document has %d operations, server mounts %d patterns", n, len(srv.patterns))
	}

	// Every type is reflected (none hides behind its own MarshalJSON)
	// and every reference resolves.
	g := newSchemas()
	buildOpenAPI(g)
	if len(g.opaque) > 0 {
		t.Errorf("types whose JSON reflection cannot see: %v", g.opaque)
	}
	refs := regexp.MustCompile(`"\$ref": "#/components/(schemas|responses)/([^"]+)"`).FindAllStringSubmatch(string(OpenAPI()), -1)
	if len(refs) == 0 {
		t.Fatal("no references")
	}
	comps := doc["components"].(map[string]any)
	for _, r := range refs {
		if _, ok := comps[r[1]].(map[string]any)[r[2]]; !ok {
			t.Errorf("unresolved reference %s/%s", r[1], r[2])
		}
	}
}

// The document is readable without the token (it holds nothing of a
// lab), but the Host check still applies to it.
func TestOpenAPIIsServedWithoutTokenBehindTheHostCheck(t *testing.T) {
	_, addr := rawServer(t)
	code, body := call(t, addr, "GET", OpenAPIPath, "", nil)
	if code != http.StatusOK || !json.Valid([]byte(body)) || !strings.Contains(body, `"openapi": "3.1.0"`) {
		t.Fatalf("GET %s: %d %.200s", OpenAPIPath, code, body)
	}
	if code, body := call(t, addr, "GET", OpenAPIPath, "", map[string]string{"Host": "attacker.example:4950"}); code != http.StatusForbidden {
		t.Fatalf("rebound Host: %d %.200s", code, body)
	}
	if code, _ := call(t, addr, "GET", "/api/v1/status", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("status without token: %d", code)
	}
}

// checkedTables are the tables whose data checkSamples checked against
// x-table-data.
var checkedTables = map[string]bool{}

// sample is one request of the live check and the answer it must get.
type sample struct {
	op      string // the operation's pattern; "" for what no route serves
	method  string
	path    string
	body    string
	headers map[string]string // Content-Type defaults to JSON on changes
	noToken bool
	want    int
}

// checkSamples sends each sample to the daemon at addr and checks its
// status is one the document lists for the operation and its body
// matches the document's schema for that status. It returns the
// operations answered with their success status.
func checkSamples(t *testing.T, addr, token string, doc map[string]any, samples []sample) map[string]bool {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	succeeded := map[string]bool{}
	for _, s := range samples {
		req, err := http.NewRequest(s.method, "http://"+addr+s.path, strings.NewReader(s.body))
		if err != nil {
			t.Fatal(err)
		}
		if !s.noToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if changes(s.method) {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range s.headers {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Set(k, v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		resp, err := hc.Do(req.WithContext(ctx))
		if err != nil {
			cancel()
			t.Fatalf("%s %s: %v", s.method, s.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		name := fmt.Sprintf("%s %s -> %d", s.method, s.path, resp.StatusCode)
		if resp.StatusCode != s.want {
			t.Errorf("%s, want %d: %.300s", name, s.want, body)
			continue
		}
		var schema map[string]any
		media := "application/json"
		if s.op == "" {
			schema = doc["components"].(map[string]any)["schemas"].(map[string]any)["api.Error"].(map[string]any)
		} else {
			method, path, _ := strings.Cut(s.op, " ")
			op := doc["paths"].(map[string]any)[openAPIPath(path)].(map[string]any)[strings.ToLower(method)].(map[string]any)
			r, ok := op["responses"].(map[string]any)[fmt.Sprint(resp.StatusCode)].(map[string]any)
			if !ok {
				t.Errorf("%s: status not in the document's responses", name)
				continue
			}
			if ref, ok := r["$ref"].(string); ok {
				r = resolve(doc, ref)
			}
			if resp.StatusCode/100 == 2 || resp.StatusCode/100 == 3 {
				succeeded[s.op] = true
			}
			content, _ := r["content"].(map[string]any)
			if len(content) == 0 {
				if len(body) != 0 {
					t.Errorf("%s: documented without a body, got %.100s", name, body)
				}
				continue
			}
			ct := resp.Header.Get("Content-Type")
			mt, _, _ := strings.Cut(ct, ";")
			var found bool
			for m, c := range content {
				if mm, _, _ := strings.Cut(m, ";"); mm == mt {
					media, found = m, true
					schema = c.(map[string]any)["schema"].(map[string]any)
				}
			}
			if !found {
				t.Errorf("%s: Content-Type %q is not documented", name, ct)
				continue
			}
		}
		if !strings.HasPrefix(media, "application/json") {
			continue
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s: not JSON: %v", name, err)
			continue
		}
		if err := validate(doc, schema, v, "body"); err != nil {
			t.Errorf("%s: does not match the document: %v\n%.500s", name, err, body)
		}
		// A table whose wire type the document gives: its data too.
		if s.op != "" && resp.StatusCode == http.StatusOK {
			method, path, _ := strings.Cut(s.op, " ")
			op := doc["paths"].(map[string]any)[openAPIPath(path)].(map[string]any)[strings.ToLower(method)].(map[string]any)
			if tables, ok := op["x-table-data"].(map[string]any); ok {
				b := v.(map[string]any)
				name := tableName(b["table"].(string))
				if ts, ok := tables[name].(map[string]any); ok {
					if err := validate(doc, ts, b["data"], "data"); err != nil {
						t.Errorf("%s: data does not match x-table-data: %v\n%.500s", name, err, body)
					}
					checkedTables[name] = true
				}
			}
		}
	}
	return succeeded
}

// Real answers of a running seed lab (and of the SR-TE example for SR
// policies) match the document: status codes and bodies, errors
// included. Every operation is answered successfully at least once.
func TestOpenAPIDescribesLiveAnswers(t *testing.T) {
	doc := parsedOpenAPI(t)
	succeeded := map[string]bool{}
	merge := func(m map[string]bool) {
		for k := range m {
			succeeded[k] = true
		}
	}

	c := startLab(t)
	big := `{"src":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	merge(checkSamples(t, c.Addr, c.Token, doc, []sample{
		{op: "GET /api/v1/status", method: "GET", path: "/api/v1/status", want: 200},
		{op: "GET /api/v1/status", method: "GET", path: "/api/v1/status", noToken: true, want: 401},
		{op: "GET /api/v1/status", method: "GET", path: "/api/v1/status", headers: map[string]string{"Host": "evil.example"}, want: 403},
		{op: "GET /api/v1/nodes", method: "GET", path: "/api/v1/nodes", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/route", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/igp/neighbors", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/interfaces", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/ce1/interfaces", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/route?vrf=tenant", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/fib", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/lfib", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/igp/database", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/igp/database/detail", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/igp/routes", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/igp/status", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/igp/ranges", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/ldp/bindings", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/ldp/neighbors", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/sr", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/frr", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/bgp/summary", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/bgp/vpnv4", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/bgp/evpn", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/ce1/bgp/ipv4/unicast", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/bgp/neighbor/ce1", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/vrf", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/vrf/tenant/routes", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/events", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/cloud1-cn1/security-groups", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/tunnels", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/cloud1/advertised", want: 200},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/nosuch/route", want: 404},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/nosuch", want: 400},
		{op: "GET /api/v1/links", method: "GET", path: "/api/v1/links", want: 200},
		{op: "PUT /api/v1/links/{a}/{b}", method: "PUT", path: "/api/v1/links/pe1/p1", body: `{"up":true}`, want: 200},
		{op: "PUT /api/v1/links/{a}/{b}", method: "PUT", path: "/api/v1/links/pe1/nosuch", body: `{"up":true}`, want: 404},
		{op: "PUT /api/v1/links/{a}/{b}", method: "PUT", path: "/api/v1/links/pe1/p1", body: `{}`, want: 400},
		{op: "PUT /api/v1/links/{a}/{b}", method: "PUT", path: "/api/v1/links/pe1/p1", body: `up=1`, headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, want: 415},
		{op: "POST /api/v1/ping", method: "POST", path: "/api/v1/ping", body: `{"src":"ce1","dst":"ce2","count":2,"interval_ns":50000000}`, want: 200},
		{op: "POST /api/v1/ping", method: "POST", path: "/api/v1/ping", body: big, want: 413},
		{op: "POST /api/v1/ping", method: "POST", path: "/api/v1/ping", body: `{"src":"ce1","dst":"nosuch"}`, want: 404},
		{op: "POST /api/v1/trace", method: "POST", path: "/api/v1/trace", body: `{"src":"ce1","dst":"ce2","probes":3}`, want: 200},
		{op: "POST /api/v1/trace", method: "POST", path: "/api/v1/trace", body: `{"src":"ce1","dst":"ce2","bogus":1}`, want: 400},
		{op: "GET /api/v1/capture", method: "GET", path: "/api/v1/capture?a=pe1&b=p1&duration=200ms", want: 200},
		{op: "GET /api/v1/capture", method: "GET", path: "/api/v1/capture", want: 400},
		{op: "GET /api/v1/events", method: "GET", path: "/api/v1/events", want: 200},
		{op: "GET /api/v1/events", method: "GET", path: "/api/v1/events?since=yesterday", want: 400},
		{op: "GET /api/v1/openstack", method: "GET", path: "/api/v1/openstack", want: 404},
		{op: "GET /api/v1/topology", method: "GET", path: "/api/v1/topology", want: 200},
		{op: "GET /api/v1/sessions", method: "GET", path: "/api/v1/sessions", want: 200},
		{op: "GET /api/v1/clouds", method: "GET", path: "/api/v1/clouds", want: 404},
		{op: "GET /metrics", method: "GET", path: "/metrics", want: 200},
		{op: "GET " + loginPath, method: "GET", path: loginPath + "?token=" + c.Token + "&next=/", noToken: true, want: 303},
		{op: "GET " + loginPath, method: "GET", path: loginPath + "?token=wrong", noToken: true, want: 401},
		{op: "GET " + OpenAPIPath, method: "GET", path: OpenAPIPath, noToken: true, want: 200},
		{method: "DELETE", path: "/api/v1/status", want: 405},
		{method: "GET", path: "/api/v1/nosuch", want: 404},
		{op: "POST /api/v1/nodes/{node}/restart-bgp", method: "POST", path: "/api/v1/nodes/nosuch/restart-bgp", want: 404},
		{op: "POST /api/v1/nodes/{node}/restart-bgp", method: "POST", path: "/api/v1/nodes/pe1/restart-bgp", want: 200},
		{op: "POST /api/v1/shutdown", method: "POST", path: "/api/v1/shutdown", want: 202},
	}))

	// The OpenStack description, as a daemon serving clouds answers it.
	srv, addr := rawServer(t)
	merge(checkSamples(t, addr, srv.Token(), doc, []sample{
		{op: "GET /api/v1/openstack", method: "GET", path: "/api/v1/openstack", want: 200},
		{op: "GET /api/v1/status", method: "GET", path: "/api/v1/status", want: 200},
	}))
	srv.SetCloudSummaries(func(context.Context) ([]CloudSummary, error) {
		return []CloudSummary{{Name: "east", Projects: []CloudProject{{ID: "p"}}, Networks: []CloudNetwork{{ID: "n", Name: "net", Project: "p", Subnets: []string{"10.0.0.0/24"}}}}}, nil
	})
	merge(checkSamples(t, addr, srv.Token(), doc, []sample{
		{op: "GET /api/v1/clouds", method: "GET", path: "/api/v1/clouds", want: 200},
	}))

	sc, saddr := startSRTELab(t)
	merge(checkSamples(t, saddr, sc.Token, doc, []sample{
		{op: "POST /api/v1/nodes/{node}/sr-policies", method: "POST", path: "/api/v1/nodes/pe1/sr-policies", body: `{"color":300,"endpoint":"pe2","candidate_paths":[{"preference":10,"dynamic":true,"metric":"igp"}]}`, want: 201},
		{op: "POST /api/v1/nodes/{node}/sr-policies", method: "POST", path: "/api/v1/nodes/pe1/sr-policies", body: `{"color":300,"endpoint":"pe2","candidate_paths":[{"preference":10,"dynamic":true,"metric":"igp"}]}`, want: 409},
		{op: "GET /api/v1/nodes/{node}/{table...}", method: "GET", path: "/api/v1/nodes/pe1/sr-policy", want: 200},
		{op: "DELETE /api/v1/nodes/{node}/sr-policies/{color}/{endpoint}", method: "DELETE", path: "/api/v1/nodes/pe1/sr-policies/300/pe2", want: 204},
		{op: "DELETE /api/v1/nodes/{node}/sr-policies/{color}/{endpoint}", method: "DELETE", path: "/api/v1/nodes/pe1/sr-policies/300/pe2", want: 404},
		{op: "DELETE /api/v1/nodes/{node}/sr-policies/{color}/{endpoint}", method: "DELETE", path: "/api/v1/nodes/pe1/sr-policies/zero/pe2", want: 400},
	}))

	for name := range tableData {
		if !checkedTables[name] {
			t.Errorf("table %s has a wire type but no sample checked it", name)
		}
	}
	var missed []string
	for _, op := range operations {
		if !succeeded[op.Pattern] {
			missed = append(missed, op.Pattern)
		}
	}
	sort.Strings(missed)
	if len(missed) > 0 {
		t.Errorf("operations never answered successfully here (add a sample): %v", missed)
	}
}

func resolve(doc map[string]any, ref string) map[string]any {
	var v any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		v = v.(map[string]any)[part]
	}
	return v.(map[string]any)
}

// validate checks v against schema, for the part of JSON Schema 2020-12
// the document uses; any other keyword is an error, so the checker
// cannot pass what it does not understand.
func validate(doc, schema map[string]any, v any, at string) error {
	for k, want := range schema {
		switch k {
		case "description", "contentEncoding", "x-event-schema":
		case "$ref":
			if err := validate(doc, resolve(doc, want.(string)), v, at); err != nil {
				return err
			}
		case "anyOf":
			var errs []string
			for _, s := range want.([]any) {
				err := validate(doc, s.(map[string]any), v, at)
				if err == nil {
					errs = nil
					break
				}
				errs = append(errs, err.Error())
			}
			if errs != nil {
				return fmt.Errorf("%s: matches none of anyOf: %s", at, strings.Join(errs, "; "))
			}
		case "const":
			if fmt.Sprint(v) != fmt.Sprint(want) {
				return fmt.Errorf("%s: %v, want %v", at, v, want)
			}
		case "type":
			types := []string{}
			switch w := want.(type) {
			case string:
				types = append(types, w)
			case []any:
				for _, t := range w {
					types = append(types, t.(string))
				}
			}
			if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
				return fmt.Errorf("%s: a %s, want %v", at, jsonType(v), types)
			}
		case "format":
			if want == "date-time" {
				if s, ok := v.(string); ok {
					if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
						return fmt.Errorf("%s: %v", at, err)
					}
				}
			}
		case "required":
			if o, ok := v.(map[string]any); ok {
				for _, name := range want.([]any) {
					if _, ok := o[name.(string)]; !ok {
						return fmt.Errorf("%s: no %q", at, name)
					}
				}
			}
		case "properties", "additionalProperties":
			o, ok := v.(map[string]any)
			if !ok {
				continue
			}
			props, _ := schema["properties"].(map[string]any)
			for name, fv := range o {
				ps, known := props[name].(map[string]any)
				if k == "properties" {
					if known {
						if err := validate(doc, ps, fv, at+"."+name); err != nil {
							return err
						}
					}
					continue
				}
				if known {
					continue
				}
				switch extra := want.(type) {
				case bool:
					if !extra {
						return fmt.Errorf("%s: undocumented field %q", at, name)
					}
				case map[string]any:
					if err := validate(doc, extra, fv, at+"."+name); err != nil {
						return err
					}
				}
			}
		case "items":
			if a, ok := v.([]any); ok {
				for i, e := range a {
					if err := validate(doc, want.(map[string]any), e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
						return err
					}
				}
			}
		case "minItems", "maxItems":
			if a, ok := v.([]any); ok {
				n, _ := want.(json.Number).Int64()
				if (k == "minItems" && int64(len(a)) < n) || (k == "maxItems" && int64(len(a)) > n) {
					return fmt.Errorf("%s: %d items, %s %d", at, len(a), k, n)
				}
			}
		default:
			return fmt.Errorf("%s: the checker does not know keyword %q", at, k)
		}
	}
	return nil
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "number"
		}
		return "integer"
	}
	return fmt.Sprintf("%T", v)
}

// The checker itself refuses what it should: a wrong type, a missing or
// undocumented field, a bad item, a bad time.
func TestOpenAPIValidatorRefusesMismatches(t *testing.T) {
	doc := parsedOpenAPI(t)
	status := map[string]any{"$ref": "#/components/schemas/api.Status"}
	var good map[string]any
	b, _ := json.Marshal(Status{Topology: "seed", Started: time.Now()})
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.Decode(&good)
	if err := validate(doc, status, good, "body"); err != nil {
		t.Fatalf("a real Status: %v", err)
	}
	for name, mutate := range map[string]func(map[string]any){
		"wrong type":   func(m map[string]any) { m["routers"] = "15" },
		"float as int": func(m map[string]any) { m["routers"] = json.Number("1.5") },
		"missing":      func(m map[string]any) { delete(m, "ready") },
		"undocumented": func(m map[string]any) { m["colour"] = "red" },
		"bad time":     func(m map[string]any) { m["started"] = "yesterday" },
		"bad nested":   func(m map[string]any) { m["openstack"] = map[string]any{"regions": []any{map[string]any{"name": 1}}} },
	} {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		mutate(m)
		if err := validate(doc, status, m, "body"); err == nil {
			t.Errorf("%s: passed", name)
		}
	}
}

// The document is valid OpenAPI 3.1 by an independent validator
// (python's openapi-spec-validator), when it is installed.
func TestOpenAPIPassesOpenAPISpecValidator(t *testing.T) {
	tool, err := exec.LookPath("openapi-spec-validator")
	if err != nil {
		t.Skip("openapi-spec-validator not found: scripts/needs/openapi-spec-validator.sh installs it (pip install openapi-spec-validator)")
	}
	path := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(path, OpenAPI(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, "--schema", "3.1.0", path).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", tool, err, out)
	}
	if !strings.Contains(string(out), "OK") {
		t.Fatalf("%s says: %s", tool, out)
	}
}
