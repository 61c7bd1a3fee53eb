package nova

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
)

// quotaResource is one of Nova's quotas: its [quota] default, and the
// microversion that stopped showing it (zero: every version shows it).
type quotaResource struct {
	name  string
	def   int
	until version
}

// quotaResources are the quotas os-quota-sets shows, in Nova's order.
// The network ones are -1: Neutron counts those (and 2.36 dropped
// them); 2.57 dropped the injected files with personality.
var quotaResources = []quotaResource{
	{"cores", quotaCores, version{}},
	{"fixed_ips", -1, version{2, 36}},
	{"floating_ips", -1, version{2, 36}},
	{"injected_file_content_bytes", 10240, version{2, 57}},
	{"injected_file_path_bytes", 255, version{2, 57}},
	{"injected_files", 5, version{2, 57}},
	{"instances", quotaInstances, version{}},
	{"key_pairs", 100, version{}},
	{"metadata_items", 128, version{}},
	{"ram", quotaRAM, version{}},
	{"security_group_rules", -1, version{2, 36}},
	{"security_groups", -1, version{2, 36}},
	{"server_group_members", 10, version{}},
	{"server_groups", 10, version{}},
}

// shown tells whether microversion v has the quota.
func (q quotaResource) shown(v version) bool {
	return q.until.major == 0 || !v.atLeast(q.until.major, q.until.minor)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// quotaLimits are project's limits in the region: the defaults, with
// what an admin set over them.
func (s *Service) quotaLimits(ctx context.Context, q querier, project string) (map[string]int, error) {
	out := map[string]int{}
	for _, r := range quotaResources {
		out[r.name] = r.def
	}
	rows, err := q.QueryContext(ctx, `SELECT resource, hard_limit FROM nova_quotas WHERE region = ? AND project_id = ?`, s.cfg.Region, project)
	if err != nil {
		return nil, fmt.Errorf("nova: read quotas: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var limit int
		if err := rows.Scan(&name, &limit); err != nil {
			return nil, err
		}
		out[name] = limit
	}
	return out, rows.Err()
}

// quotaUsage is what project's servers in the region take.
func (s *Service) quotaUsage(ctx context.Context, q querier, project string) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT body FROM nova_servers WHERE region = ? AND project_id = ?`, s.cfg.Region, project)
	if err != nil {
		return nil, fmt.Errorf("nova: read servers: %w", err)
	}
	defer rows.Close()
	used := map[string]int{}
	for rows.Next() {
		var body string
		var o server
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &o); err != nil {
			return nil, err
		}
		f, _ := lookupFlavor(o.FlavorID)
		used["instances"]++
		used["cores"] += f.VCPUs
		used["ram"] += f.RAM
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	groups, err := q.QueryContext(ctx, `SELECT count(*) FROM nova_server_groups WHERE region = ? AND project_id = ?`, s.cfg.Region, project)
	if err != nil {
		return nil, fmt.Errorf("nova: read server groups: %w", err)
	}
	defer groups.Close()
	for groups.Next() {
		var n int
		if err := groups.Scan(&n); err != nil {
			return nil, err
		}
		used["server_groups"] = n
	}
	return used, groups.Err()
}

// quotaPolicy is Nova's os-quota-sets policy: a project reads its own
// quotas, an admin any project's; anyone reads the defaults; only an
// admin changes them.
func quotaPolicy(c *caller, action, project string) error {
	ok := c.admin
	switch action {
	case "defaults":
		ok = true
	case "show", "detail":
		ok = ok || project == c.project()
	}
	if !ok {
		return &apiError{http.StatusForbidden, "Policy doesn't allow os_compute_api:os-quota-sets:" + action + " to be performed."}
	}
	return nil
}

// quotaSet answers a quota set as the caller's microversion shows it;
// detail gives each its limit, in_use and reserved.
func quotaSet(c *caller, id string, limits, used map[string]int, detail bool) map[string]any {
	qs := map[string]any{}
	if id != "" {
		qs["id"] = id
	}
	for _, r := range quotaResources {
		if !r.shown(c.version) {
			continue
		}
		if detail {
			qs[r.name] = map[string]any{"limit": limits[r.name], "in_use": used[r.name], "reserved": 0}
		} else {
			qs[r.name] = limits[r.name]
		}
	}
	return map[string]any{"quota_set": qs}
}

// showQuotas answers GET /os-quota-sets/{id} and its /detail.
func (s *Service) showQuotas(detail bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		id, action := r.PathValue("id"), "show"
		if detail {
			action = "detail"
		}
		if err := quotaPolicy(c, action, id); err != nil {
			fail(w, c.version, err)
			return
		}
		limits, err := s.quotaLimits(r.Context(), s.st.DB(), id)
		if err != nil {
			fail(w, c.version, err)
			return
		}
		used, err := s.quotaUsage(r.Context(), s.st.DB(), id)
		if err != nil {
			fail(w, c.version, err)
			return
		}
		writeJSON(w, c.version, http.StatusOK, quotaSet(c, id, limits, used, detail))
	}
}

// defaultQuotas answers GET /os-quota-sets/{id}/defaults.
func (s *Service) defaultQuotas(w http.ResponseWriter, r *http.Request, c *caller) {
	if err := quotaPolicy(c, "defaults", r.PathValue("id")); err != nil {
		fail(w, c.version, err)
		return
	}
	limits := map[string]int{}
	for _, q := range quotaResources {
		limits[q.name] = q.def
	}
	writeJSON(w, c.version, http.StatusOK, quotaSet(c, r.PathValue("id"), limits, nil, false))
}

// quotaValue is Nova's schema for a quota: an integer, or a string of
// one, from -1 (unlimited) to the database's largest integer.
var quotaValue = regexp.MustCompile(`^-?[0-9]+$`)

func parseQuota(name string, v any) (int, error) {
	var n float64
	switch x := v.(type) {
	case float64:
		if x != float64(int64(x)) {
			return 0, invalid(name, v, fmt.Sprintf("%v is not of type 'integer', 'string'", x))
		}
		n = x
	case string:
		if !quotaValue.MatchString(x) {
			return 0, invalid(name, v, fmt.Sprintf("'%s' does not match '^-?[0-9]+$'", x))
		}
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, invalid(name, v, fmt.Sprintf("'%s' is greater than the maximum of 2147483647", x))
		}
		n = float64(i)
	default:
		b, _ := json.Marshal(v)
		return 0, invalid(name, v, fmt.Sprintf("%s is not of type 'integer', 'string'", b))
	}
	if n < -1 {
		return 0, invalid(name, v, fmt.Sprintf("%v is less than the minimum of -1", v))
	}
	if n > 0x7FFFFFFF {
		return 0, invalid(name, v, fmt.Sprintf("%v is greater than the maximum of 2147483647", v))
	}
	return int(n), nil
}

// updateQuotas answers PUT /os-quota-sets/{id}: an admin sets the
// project's limits, none below what it uses unless forced, and gets the
// new set back without its id, as Nova answers.
func (s *Service) updateQuotas(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if err := quotaPolicy(c, "update", id); err != nil {
		fail(w, c.version, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	req, ok := body["quota_set"].(map[string]any)
	if !ok {
		fail(w, c.version, invalid("quota_set", body["quota_set"], "'quota_set' is a required property"))
		return
	}
	settable := map[string]bool{}
	for _, q := range quotaResources {
		settable[q.name] = q.shown(c.version)
	}
	force := false
	set := map[string]int{}
	for k, v := range req {
		if k == "force" {
			f, ok := v.(bool)
			if s, isStr := v.(string); isStr {
				f, ok = boolFromString(s)
			}
			if !ok {
				fail(w, c.version, invalid("force", v, "is not of type 'boolean', 'string'"))
				return
			}
			force = f
			continue
		}
		if !settable[k] {
			fail(w, c.version, invalid("quota_set", req, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k)))
			return
		}
		n, err := parseQuota(k, v)
		if err != nil {
			fail(w, c.version, err)
			return
		}
		set[k] = n
	}
	var limits, used map[string]int
	err = s.st.Tx(r.Context(), func(tx *sql.Tx) error {
		var err error
		if used, err = s.quotaUsage(r.Context(), tx, id); err != nil {
			return err
		}
		for k, n := range set {
			if !force && n != -1 && n < used[k] {
				return badRequest("Quota limit %d for %s must be greater than or equal to already used and reserved %d.", n, k, used[k])
			}
		}
		for k, n := range set {
			if _, err := tx.ExecContext(r.Context(), `INSERT INTO nova_quotas (region, project_id, resource, hard_limit) VALUES (?, ?, ?, ?)
				ON CONFLICT (region, project_id, resource) DO UPDATE SET hard_limit = excluded.hard_limit`, s.cfg.Region, id, k, n); err != nil {
				return err
			}
		}
		limits, err = s.quotaLimits(r.Context(), tx, id)
		return err
	})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, quotaSet(c, "", limits, used, false))
}

// deleteQuotas answers DELETE /os-quota-sets/{id}: the project's limits
// go back to the defaults, 202 as Nova answers.
func (s *Service) deleteQuotas(w http.ResponseWriter, r *http.Request, c *caller) {
	id := r.PathValue("id")
	if err := quotaPolicy(c, "delete", id); err != nil {
		fail(w, c.version, err)
		return
	}
	err := s.st.Tx(r.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), `DELETE FROM nova_quotas WHERE region = ? AND project_id = ?`, s.cfg.Region, id)
		return err
	})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusAccepted, nil)
}
