package cloudapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// neutronClient calls a cloud's Neutron in process, through its HTTP
// handler, with a token of a seeded user: the daemon's own requests go
// through the API exactly as a client's do.
type neutronClient struct {
	h       http.Handler
	token   string
	project string // the token's project id
	revoke  func()
}

// asUser is a client of n acting as user on project (both by name).
func (c *Clouds) asUser(ctx context.Context, n *neutron.Service, user, project string) (*neutronClient, error) {
	token, err := c.ks.ServiceToken(ctx, user, project, 10*time.Minute)
	if err != nil {
		return nil, err
	}
	id, err := c.ks.Validate(ctx, token)
	if err != nil {
		return nil, err
	}
	return &neutronClient{h: n.Handler(), token: token, project: id.Project.ID,
		revoke: func() { c.ks.RevokeToken(context.WithoutCancel(ctx), token) }}, nil
}

func (nc *neutronClient) close() { nc.revoke() }

// on is a client of another cloud's Neutron with nc's token, which
// Keystone gave for them all. Closing it revokes nothing: nc's close does.
func (nc *neutronClient) on(n *neutron.Service) *neutronClient {
	return &neutronClient{h: n.Handler(), token: nc.token, project: nc.project, revoke: func() {}}
}

// call sends one request and decodes the answer; a status other than 2xx
// is an error with Neutron's message.
func (nc *neutronClient) call(ctx context.Context, method, path string, body any) (map[string]any, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://neutron"+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.RequestURI = req.URL.RequestURI()
	req.Header.Set("X-Auth-Token", nc.token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	nc.h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil && rec.Code < 300 {
			return nil, fmt.Errorf("neutron %s %s: %w", method, path, err)
		}
	}
	if rec.Code < 200 || rec.Code >= 300 {
		msg := http.StatusText(rec.Code)
		if e, ok := out["NeutronError"].(map[string]any); ok {
			msg, _ = e["message"].(string)
		}
		return nil, fmt.Errorf("neutron %s %s: %d %s", method, path, rec.Code, msg)
	}
	return out, nil
}

// list is a collection's members that the query (URL-encoded) selects.
func (nc *neutronClient) list(ctx context.Context, collection, query string) ([]map[string]any, error) {
	out, err := nc.call(ctx, "GET", "/v2.0/"+collection+"?"+query, nil)
	if err != nil {
		return nil, err
	}
	// The path's address-scopes are the body's address_scopes.
	items, _ := out[strings.ReplaceAll(collection, "-", "_")].([]any)
	ms := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			ms = append(ms, m)
		}
	}
	return ms, nil
}

// ensure returns the id of the first member that query selects, creating
// one from attrs when there is none.
func (nc *neutronClient) ensure(ctx context.Context, collection, member, query string, attrs map[string]any) (string, error) {
	have, err := nc.list(ctx, collection, query)
	if err != nil {
		return "", err
	}
	if len(have) > 0 {
		id, _ := have[0]["id"].(string)
		return id, nil
	}
	out, err := nc.call(ctx, "POST", "/v2.0/"+collection, map[string]any{member: attrs})
	if err != nil {
		return "", err
	}
	m, _ := out[member].(map[string]any)
	id, _ := m["id"].(string)
	if id == "" {
		return "", fmt.Errorf("neutron POST /v2.0/%s: no id in the answer", collection)
	}
	return id, nil
}
