package nova

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
)

// neutronReply is an answer of the region's Neutron.
type neutronReply struct {
	status int
	body   map[string]any
}

// message is Neutron's error message, for Nova's own errors.
func (r neutronReply) message() string {
	if e, ok := r.body["NeutronError"].(map[string]any); ok {
		if m, ok := e["message"].(string); ok {
			return m
		}
	}
	return http.StatusText(r.status)
}

func (r neutronReply) ok() bool { return r.status >= 200 && r.status < 300 }

// neutron calls the region's Neutron in process with the user's token,
// as Nova calls Neutron for the user.
func (s *Service) neutron(ctx context.Context, token, method, path string, body any) (neutronReply, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return neutronReply{}, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://neutron"+path, bytes.NewReader(raw))
	if err != nil {
		return neutronReply{}, err
	}
	req.RequestURI = req.URL.RequestURI()
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.cfg.Neutron.ServeHTTP(rec, req)
	out := neutronReply{status: rec.Code}
	if rec.Body.Len() > 0 {
		json.Unmarshal(rec.Body.Bytes(), &out.body)
	}
	if out.status >= 500 {
		return out, fmt.Errorf("nova: neutron %s %s: %d %s", method, path, out.status, out.message())
	}
	return out, nil
}

// list reads a Neutron collection as the user sees it.
func (s *Service) list(ctx context.Context, token, collection string, filters url.Values) ([]map[string]any, error) {
	p := "/v2.0/" + collection
	if len(filters) > 0 {
		p += "?" + filters.Encode()
	}
	r, err := s.neutron(ctx, token, "GET", p, nil)
	if err != nil {
		return nil, err
	}
	if !r.ok() {
		return nil, fmt.Errorf("nova: neutron lists %s: %d %s", collection, r.status, r.message())
	}
	// The body's key is the collection's name with underscores
	// (security-groups lists security_groups).
	items, _ := r.body[strings.ReplaceAll(collection, "-", "_")].([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// netView is what a server's view needs of Neutron: its ports, their
// networks' names, subnets and floating IPs.
type netView struct {
	ports    []map[string]any
	networks map[string]map[string]any
	subnets  map[string]map[string]any
	fips     []map[string]any
	// groups are the security groups' names by id; nil when Neutron has
	// no security groups.
	groups map[string]string
}

// network reads what the user sees of ports, networks, subnets and
// floating IPs in one pass, for any number of servers.
func (s *Service) network(ctx context.Context, token string) (*netView, error) {
	nv := &netView{networks: map[string]map[string]any{}, subnets: map[string]map[string]any{}}
	var err error
	if nv.ports, err = s.list(ctx, token, "ports", nil); err != nil {
		return nil, err
	}
	nets, err := s.list(ctx, token, "networks", nil)
	if err != nil {
		return nil, err
	}
	for _, n := range nets {
		nv.networks[str(n["id"])] = n
	}
	sns, err := s.list(ctx, token, "subnets", nil)
	if err != nil {
		return nil, err
	}
	for _, sn := range sns {
		nv.subnets[str(sn["id"])] = sn
	}
	if nv.fips, err = s.list(ctx, token, "floatingips", nil); err != nil {
		return nil, err
	}
	if r, err := s.neutron(ctx, token, "GET", "/v2.0/security-groups", nil); err == nil && r.ok() {
		nv.groups = map[string]string{}
		items, _ := r.body["security_groups"].([]any)
		for _, it := range items {
			if g, ok := it.(map[string]any); ok {
				nv.groups[str(g["id"])] = str(g["name"])
			}
		}
	}
	return nv, nil
}

// securityGroups resolves the names (or ids) a create asks for to the
// project's security groups, as Nova does: a name before an id, a name
// two groups share is ambiguous. nil, and no error, when Neutron has no
// security groups.
func (s *Service) securityGroups(ctx context.Context, c *caller, names []string) ([]string, error) {
	r, err := s.neutron(ctx, c.token, "GET", "/v2.0/security-groups?"+url.Values{"project_id": {c.project()}}.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusNotFound {
		return nil, nil
	}
	if !r.ok() {
		return nil, fmt.Errorf("nova: neutron lists security groups: %d %s", r.status, r.message())
	}
	items, _ := r.body["security_groups"].([]any)
	var ids []string
	for _, want := range names {
		byName, byID := "", ""
		for _, it := range items {
			g, _ := it.(map[string]any)
			if str(g["name"]) == want {
				if byName != "" {
					return nil, conflicting("Multiple security groups found matching '%s'. Use an ID to be more specific.", want)
				}
				byName = str(g["id"])
			}
			if str(g["id"]) == want {
				byID = want
			}
		}
		switch {
		case byName != "":
			ids = append(ids, byName)
		case byID != "":
			ids = append(ids, byID)
		default:
			return nil, badRequest("Security group %s not found.", want)
		}
	}
	return ids, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
