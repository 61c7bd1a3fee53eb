package keystone

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
)

// Assignment is a role a user holds on a project, with every name.
type Assignment struct {
	User, UserDomain, Project, ProjectDomain, Role Ref
}

// assignments lists role assignments matching f (aliases a, u, ud, p, pd, r).
func (s *Service) assignments(ctx context.Context, f filter) ([]Assignment, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT u.id, u.name, ud.id, ud.name, p.id, p.name, pd.id, pd.name, r.id, r.name
		FROM assignments a
		JOIN users u ON u.id = a.user_id JOIN domains ud ON ud.id = u.domain_id
		JOIN projects p ON p.id = a.project_id JOIN domains pd ON pd.id = p.domain_id
		JOIN roles r ON r.id = a.role_id`+f.sql()+` ORDER BY u.name, p.name, r.name`, f.args...)
	if err != nil {
		return nil, fmt.Errorf("keystone: list role assignments: %w", err)
	}
	return scanAll(rows, func(rows *sql.Rows) (Assignment, error) {
		var x Assignment
		err := rows.Scan(&x.User.ID, &x.User.Name, &x.UserDomain.ID, &x.UserDomain.Name,
			&x.Project.ID, &x.Project.Name, &x.ProjectDomain.ID, &x.ProjectDomain.Name, &x.Role.ID, &x.Role.Name)
		return x, err
	})
}

// listRoleAssignments is GET /v3/role_assignments (admin only), with
// Keystone's filters user.id, scope.project.id and role.id, and
// include_names. There are no groups or inherited roles, so "effective"
// changes nothing; domain and system scopes hold no assignments.
func (s *Service) listRoleAssignments(w http.ResponseWriter, r *http.Request, id Identity) {
	if !id.IsAdmin() {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	q := r.URL.Query()
	var f filter
	for param, col := range map[string]string{"user.id": "u.id", "scope.project.id": "p.id", "role.id": "r.id"} {
		if v := q.Get(param); v != "" {
			f.add(col+" = ?", v)
		}
	}
	for _, param := range []string{"group.id", "scope.domain.id", "scope.system"} {
		if q.Get(param) != "" {
			f.add("0") // nothing is assigned to groups, domains or the system
		}
	}
	_, names := q["include_names"]
	if v := q.Get("include_names"); v == "0" || v == "false" {
		names = false
	}
	xs, err := s.assignments(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, x := range xs {
		user := map[string]any{"id": x.User.ID}
		project := map[string]any{"id": x.Project.ID}
		role := map[string]any{"id": x.Role.ID}
		if names {
			user["name"], user["domain"] = x.User.Name, x.UserDomain
			project["name"], project["domain"] = x.Project.Name, x.ProjectDomain
			role["name"] = x.Role.Name
		}
		out = append(out, map[string]any{
			"user": user, "role": role, "scope": map[string]any{"project": project},
			"links": map[string]string{"assignment": baseURL(r) + "/v3/projects/" + x.Project.ID + "/users/" + x.User.ID + "/roles/" + x.Role.ID},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"role_assignments": out, "links": selfLinks(r)})
}
