package nova

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Nova's security group proxy (GET /os-security-groups[/{id}]), which
// reads Neutron's groups in Nova's old shape, up to microversion 2.35.
// The openstack CLI's `server add security group` and `remove security
// group` find the group through it before sending the server action.

// proxyGone is Nova's answer to a proxy API past 2.35.
func proxyGone(c *caller) bool { return c.version.atLeast(2, 36) }

func (s *Service) listProxyGroups(w http.ResponseWriter, r *http.Request, c *caller) {
	if proxyGone(c) {
		fail(w, c.version, notFound("The resource could not be found."))
		return
	}
	filters := url.Values{"project_id": {c.project()}}
	if c.admin && r.URL.Query().Has("all_tenants") {
		filters = nil
	}
	groups, err := s.list(r.Context(), c.token, "security-groups", filters)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	names := groupNames(groups)
	out := make([]map[string]any, 0, len(groups))
	for _, g := range groups {
		out = append(out, proxyGroup(g, names))
	}
	slices.SortFunc(out, func(a, b map[string]any) int {
		if c := strings.Compare(str(a["tenant_id"]), str(b["tenant_id"])); c != 0 {
			return c
		}
		return strings.Compare(str(a["name"]), str(b["name"]))
	})
	writeJSON(w, c.version, http.StatusOK, map[string]any{"security_groups": out})
}

func (s *Service) showProxyGroup(w http.ResponseWriter, r *http.Request, c *caller) {
	if proxyGone(c) {
		fail(w, c.version, notFound("The resource could not be found."))
		return
	}
	id := r.PathValue("id")
	if !uuidRE.MatchString(id) {
		fail(w, c.version, badRequest("Security group id should be uuid"))
		return
	}
	rep, err := s.neutron(r.Context(), c.token, "GET", "/v2.0/security-groups/"+id, nil)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if !rep.ok() {
		fail(w, c.version, notFound("%s", rep.message()))
		return
	}
	g, _ := rep.body["security_group"].(map[string]any)
	// A rule's remote group is named; the user sees the groups it may.
	groups, err := s.list(r.Context(), c.token, "security-groups", nil)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"security_group": proxyGroup(g, groupNames(groups))})
}

// groupRef is what a rule shows of its remote group.
type groupRef struct{ name, project string }

func groupNames(groups []map[string]any) map[string]groupRef {
	out := make(map[string]groupRef, len(groups))
	for _, g := range groups {
		out[str(g["id"])] = groupRef{str(g["name"]), str(g["project_id"])}
	}
	return out
}

// proxyGroup is Neutron's group g in Nova's shape: its ingress rules
// only, a rule's ports as Nova numbers them (1-65535 for a TCP or UDP
// rule without ports, -1 for other protocols), its source a group or a
// CIDR (0.0.0.0/0 when none).
func proxyGroup(g map[string]any, names map[string]groupRef) map[string]any {
	rules := []any{}
	list, _ := g["security_group_rules"].([]any)
	for _, x := range list {
		r, _ := x.(map[string]any)
		if str(r["direction"]) != "ingress" {
			continue
		}
		proto := r["protocol"]
		from, to := r["port_range_min"], r["port_range_max"]
		if p, ok := proto.(string); ok && p != "" && from == nil && to == nil {
			if strings.EqualFold(p, "tcp") || strings.EqualFold(p, "udp") {
				from, to = 1, 65535
			} else {
				from, to = -1, -1
			}
		}
		rule := map[string]any{
			"id": r["id"], "parent_group_id": r["security_group_id"], "ip_protocol": proto,
			"from_port": from, "to_port": to, "group": map[string]any{}, "ip_range": map[string]any{},
		}
		if remote := str(r["remote_group_id"]); remote != "" {
			ref, ok := names[remote]
			if !ok {
				continue // a group the user cannot see, as Nova skips it
			}
			rule["group"] = map[string]any{"name": ref.name, "tenant_id": ref.project}
		} else {
			cidr := str(r["remote_ip_prefix"])
			if cidr == "" {
				cidr = "0.0.0.0/0"
			}
			rule["ip_range"] = map[string]any{"cidr": cidr}
		}
		rules = append(rules, rule)
	}
	return map[string]any{
		"id": g["id"], "name": g["name"], "description": g["description"],
		"tenant_id": g["project_id"], "rules": rules,
	}
}
