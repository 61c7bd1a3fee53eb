package nova

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Server groups (os-server-groups): a project's scheduling policy for a
// set of servers. A create names its group in the scheduler hints, and
// the scheduler places the server by the group's policy over the
// cloud's compute nodes, which in the lab are routers: anti-affinity
// really spreads a service's VMs over hosts that fail apart.

// serverGroup is one group's record.
type serverGroup struct {
	ID, Name, ProjectID, UserID, Policy string
	// MaxPerHost is anti-affinity's max_server_per_host rule (2.64);
	// 0 when the group has none, which means 1.
	MaxPerHost int
}

// Policies by the microversion that brought them.
var groupPolicies = []struct {
	name string
	from version
}{
	{"anti-affinity", version{2, 1}},
	{"affinity", version{2, 1}},
	{"soft-anti-affinity", version{2, 15}},
	{"soft-affinity", version{2, 15}},
}

// groupMember is a server of a group and the host it runs on.
type groupMember struct{ id, host string }

func (s *Service) groupView(c *caller, g *serverGroup, members []groupMember) map[string]any {
	ids := []any{}
	for _, m := range members {
		ids = append(ids, m.id)
	}
	v := map[string]any{"id": g.ID, "name": g.Name, "members": ids}
	if c.version.atLeast(2, 64) {
		v["policy"] = g.Policy
		rules := map[string]any{}
		if g.MaxPerHost > 0 {
			rules["max_server_per_host"] = g.MaxPerHost
		}
		v["rules"] = rules
	} else {
		v["policies"] = []any{g.Policy}
		v["metadata"] = map[string]any{}
	}
	if c.version.atLeast(2, 13) {
		v["project_id"], v["user_id"] = g.ProjectID, g.UserID
	}
	return v
}

// parseGroup checks a create's body as Nova's schemas for the caller's
// microversion do: policies, a one-item list, before 2.64; policy and
// rules from 2.64.
func parseGroup(c *caller, body map[string]any) (*serverGroup, error) {
	req, ok := body["server_group"].(map[string]any)
	if !ok {
		return nil, invalid("server_group", body["server_group"], "'server_group' is a required property")
	}
	name, ok := req["name"].(string)
	if !ok {
		return nil, invalid("server_group", req, "'name' is a required property")
	}
	if strings.TrimSpace(name) == "" || len(name) > 255 {
		return nil, invalid("name", name, "'"+name+"' does not match '^(?! )[\\S ]{1,255}(?<! )$'")
	}
	allowed := func(p string) bool {
		for _, gp := range groupPolicies {
			if gp.name == p && c.version.atLeast(gp.from.major, gp.from.minor) {
				return true
			}
		}
		return false
	}
	g := &serverGroup{ID: newUUID(), Name: name, ProjectID: c.project(), UserID: c.User.ID}
	known := map[string]bool{"name": true}
	if c.version.atLeast(2, 64) {
		known["policy"], known["rules"] = true, true
		p, ok := req["policy"].(string)
		if !ok {
			return nil, invalid("server_group", req, "'policy' is a required property")
		}
		if !allowed(p) {
			return nil, invalid("policy", p, fmt.Sprintf("'%s' is not one of ['anti-affinity', 'affinity', 'soft-anti-affinity', 'soft-affinity']", p))
		}
		g.Policy = p
		if raw, has := req["rules"]; has {
			rules, ok := raw.(map[string]any)
			if !ok {
				return nil, invalid("rules", raw, "is not of type 'object'")
			}
			for k, v := range rules {
				if k != "max_server_per_host" {
					return nil, invalid("rules", rules, "Additional properties are not allowed ('"+k+"' was unexpected)")
				}
				n, err := positiveInt(v)
				if err != nil {
					return nil, invalid("rules/max_server_per_host", v, err.Error())
				}
				g.MaxPerHost = n
			}
			if len(rules) > 0 && p != "anti-affinity" {
				return nil, badRequest("Only anti-affinity policy supports rules.")
			}
		}
	} else {
		known["policies"] = true
		list, ok := req["policies"].([]any)
		if !ok {
			return nil, invalid("server_group", req, "'policies' is a required property")
		}
		if len(list) != 1 {
			return nil, invalid("policies", list, "is not valid under any of the given schemas: a server group has exactly one policy")
		}
		p, _ := list[0].(string)
		if !allowed(p) {
			return nil, invalid("policies", list, fmt.Sprintf("%v is not one of the policies this microversion accepts", list[0]))
		}
		g.Policy = p
	}
	for k := range req {
		if !known[k] {
			return nil, invalid("server_group", req, "Additional properties are not allowed ('"+k+"' was unexpected)")
		}
	}
	return g, nil
}

// positiveInt is a JSON number or numeric string that is an integer of
// at least 1, as Nova's parameter_types.positive_integer.
func positiveInt(v any) (int, error) {
	var n int
	switch x := v.(type) {
	case float64:
		if x != float64(int(x)) {
			return 0, errors.New("is not of type 'integer', 'string'")
		}
		n = int(x)
	case string:
		i, err := strconv.Atoi(x)
		if err != nil {
			return 0, errors.New("does not match '^[0-9]*$'")
		}
		n = i
	default:
		return 0, errors.New("is not of type 'integer', 'string'")
	}
	if n < 1 {
		return 0, errors.New("is less than the minimum of 1")
	}
	return n, nil
}

func (s *Service) createGroup(w http.ResponseWriter, r *http.Request, c *caller) {
	body, err := readBody(r)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	g, err := parseGroup(c, body)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	err = s.st.Tx(r.Context(), func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(r.Context(), `SELECT count(*) FROM nova_server_groups WHERE region = ? AND project_id = ?`, s.cfg.Region, g.ProjectID).Scan(&n); err != nil {
			return err
		}
		limits, err := s.quotaLimits(r.Context(), tx, g.ProjectID)
		if err != nil {
			return err
		}
		if max := limits["server_groups"]; max >= 0 && n+1 > max {
			return &apiError{http.StatusForbidden, "Quota exceeded, too many server groups."}
		}
		_, err = tx.ExecContext(r.Context(), `INSERT INTO nova_server_groups (region, id, project_id, user_id, name, policy, max_per_host) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			s.cfg.Region, g.ID, g.ProjectID, g.UserID, g.Name, g.Policy, g.MaxPerHost)
		return err
	})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"server_group": s.groupView(c, g, nil)})
}

// group reads group id of the region; nil when there is none.
func (s *Service) group(ctx context.Context, q querier, id string) (*serverGroup, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, project_id, user_id, policy, max_per_host FROM nova_server_groups WHERE region = ? AND id = ?`, s.cfg.Region, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	g := &serverGroup{}
	err = rows.Scan(&g.ID, &g.Name, &g.ProjectID, &g.UserID, &g.Policy, &g.MaxPerHost)
	return g, err
}

// members are the servers of group id with their hosts, oldest first.
func (s *Service) members(ctx context.Context, q querier, id string) ([]groupMember, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, host FROM nova_servers WHERE region = ? AND server_group = ? ORDER BY seq`, s.cfg.Region, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []groupMember
	for rows.Next() {
		var m groupMember
		if err := rows.Scan(&m.id, &m.host); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// findGroup is the group the path names as the caller may act on it:
// Nova's 404 when there is none, its policy 403 for another project's.
func (s *Service) findGroup(r *http.Request, c *caller, action string) (*serverGroup, error) {
	id := r.PathValue("id")
	g, err := s.group(r.Context(), s.st.DB(), id)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, notFound("Instance group %s could not be found.", id)
	}
	if !c.admin && g.ProjectID != c.project() {
		return nil, &apiError{http.StatusForbidden, "Policy doesn't allow os_compute_api:os-server-groups:" + action + " to be performed."}
	}
	return g, nil
}

func (s *Service) showGroup(w http.ResponseWriter, r *http.Request, c *caller) {
	g, err := s.findGroup(r, c, "show")
	if err != nil {
		fail(w, c.version, err)
		return
	}
	members, err := s.members(r.Context(), s.st.DB(), g.ID)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"server_group": s.groupView(c, g, members)})
}

// deleteGroup removes the group; its servers keep running, no longer
// members of anything, as Nova's members mapping goes with the group.
func (s *Service) deleteGroup(w http.ResponseWriter, r *http.Request, c *caller) {
	g, err := s.findGroup(r, c, "delete")
	if err != nil {
		fail(w, c.version, err)
		return
	}
	err = s.st.Tx(r.Context(), func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(r.Context(), `DELETE FROM nova_server_groups WHERE region = ? AND id = ?`, s.cfg.Region, g.ID); err != nil {
			return err
		}
		_, err := tx.ExecContext(r.Context(), `UPDATE nova_servers SET server_group = '' WHERE region = ? AND server_group = ?`, s.cfg.Region, g.ID)
		return err
	})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusNoContent, nil)
}

// listGroups answers GET /os-server-groups: the project's groups (an
// admin's all_projects: every project's), paged by limit and offset.
func (s *Service) listGroups(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	page := map[string]int{"limit": -1, "offset": 0}
	for k := range page {
		if v := q.Get(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				fail(w, c.version, badRequest("%s param must be an integer", k))
				return
			}
			page[k] = n
		}
	}
	query := `SELECT id FROM nova_server_groups WHERE region = ? AND project_id = ? ORDER BY rowid`
	args := []any{s.cfg.Region, c.project()}
	if _, all := q["all_projects"]; all && c.admin {
		query, args = `SELECT id FROM nova_server_groups WHERE region = ? ORDER BY rowid`, args[:1]
	}
	rows, err := s.st.DB().QueryContext(r.Context(), query, args...)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			fail(w, c.version, err)
			return
		}
		ids = append(ids, id)
	}
	rows.Close()
	ids = ids[min(page["offset"], len(ids)):]
	if page["limit"] >= 0 {
		ids = ids[:min(page["limit"], len(ids))]
	}
	out := []any{}
	for _, id := range ids {
		g, err := s.group(r.Context(), s.st.DB(), id)
		if err != nil || g == nil {
			continue // deleted meanwhile
		}
		members, err := s.members(r.Context(), s.st.DB(), id)
		if err != nil {
			fail(w, c.version, err)
			return
		}
		out = append(out, s.groupView(c, g, members))
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"server_groups": out})
}

// schedulerGroup is the group a create's scheduler hints name ("" for
// none), checked as Nova's schema checks it.
func schedulerGroup(body map[string]any) (string, error) {
	for _, key := range []string{"os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"} {
		raw, has := body[key]
		if !has {
			continue
		}
		hints, ok := raw.(map[string]any)
		if !ok {
			return "", invalid(key, raw, "is not of type 'object'")
		}
		g, has := hints["group"]
		if !has {
			return "", nil
		}
		id, ok := g.(string)
		if !ok || !uuidRE.MatchString(id) {
			return "", invalid(key+"/group", g, "is not a 'uuid'")
		}
		return id, nil
	}
	return "", nil
}

// errNoValidHost is the scheduler's answer when a group's policy leaves
// no host: the server is made, in ERROR, as Nova's conductor leaves it.
var errNoValidHost = errors.New("No valid host was found. There are not enough hosts available.")

// place picks the host for a new server of the region: the least loaded
// compute (the first among equals) that the server's group allows.
// load counts every server per host; members are the group's.
func place(computes []string, load map[string]int, g *serverGroup, members []groupMember) (string, error) {
	inGroup := map[string]int{}
	for _, m := range members {
		inGroup[m.host]++
	}
	least := func(hosts []string) string {
		best := hosts[0]
		for _, h := range hosts[1:] {
			if load[h] < load[best] {
				best = h
			}
		}
		return best
	}
	if g == nil {
		return least(computes), nil
	}
	var ok []string
	switch g.Policy {
	case "affinity":
		if len(members) == 0 {
			return least(computes), nil
		}
		if slices.Contains(computes, members[0].host) {
			return members[0].host, nil
		}
	case "anti-affinity":
		max := max(g.MaxPerHost, 1)
		for _, h := range computes {
			if inGroup[h] < max {
				ok = append(ok, h)
			}
		}
	case "soft-affinity":
		// The host with most members weighs most; load breaks ties.
		best := ""
		for _, h := range computes {
			if best == "" || inGroup[h] > inGroup[best] || inGroup[h] == inGroup[best] && load[h] < load[best] {
				best = h
			}
		}
		return best, nil
	case "soft-anti-affinity":
		best := ""
		for _, h := range computes {
			if best == "" || inGroup[h] < inGroup[best] || inGroup[h] == inGroup[best] && load[h] < load[best] {
				best = h
			}
		}
		return best, nil
	}
	if len(ok) == 0 {
		return "", errNoValidHost
	}
	return least(ok), nil
}

// serverGroups is a server's groups as 2.71's view lists them: the one
// its create named, while that group exists.
func (s *Service) serverGroups(ctx context.Context, sv *server) []any {
	if sv.Group == "" {
		return []any{}
	}
	if g, err := s.group(ctx, s.st.DB(), sv.Group); err != nil || g == nil {
		return []any{}
	}
	return []any{sv.Group}
}
