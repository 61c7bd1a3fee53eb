package keystone

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The admin's side of the Identity API: projects, users, roles and the
// grants between them, as `openstack project/user/role create`, `role
// add` and Terraform's identity resources drive them. Every call here
// needs the admin role, as Keystone's default policy says for
// project-scoped tokens. Deleting a project or a user takes its role
// assignments and tokens with it (the schema cascades), so a removed
// member's token stops working at once.

// apiErr is a refusal with Keystone's status and message.
type apiErr struct {
	code    int
	message string
}

func (e *apiErr) Error() string { return e.message }

func badInput(format string, args ...any) *apiErr {
	return &apiErr{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// answer writes err as Keystone does: its own refusals with their
// status, anything else as a 500 (logged).
func (s *Service) answer(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiErr
	if errors.As(err, &ae) {
		writeError(w, ae.code, ae.message)
		return
	}
	s.fail(w, r, err)
}

// adminOnly wraps a handler of the admin API.
func adminOnly(h func(http.ResponseWriter, *http.Request, Identity)) func(http.ResponseWriter, *http.Request, Identity) {
	return func(w http.ResponseWriter, r *http.Request, id Identity) {
		if !id.IsAdmin() {
			writeError(w, http.StatusForbidden, msgForbidden)
			return
		}
		h(w, r, id)
	}
}

// readObject reads a body {"<key>": {...}} as Keystone's schemas see it.
func readObject(r *http.Request, key string) (map[string]any, error) {
	var body map[string]any
	if err := decodeJSON(r, &body); err != nil {
		return nil, badInput("Malformed request body: %v", err)
	}
	obj, ok := body[key].(map[string]any)
	if !ok {
		return nil, badInput("'%s' is a required property", key)
	}
	return obj, nil
}

// field checks an optional attribute's JSON type: "string", "bool" or
// "string|null"; ok is false when it is absent.
func field(obj map[string]any, name, typ string) (v any, ok bool, err error) {
	v, ok = obj[name]
	if !ok {
		return nil, false, nil
	}
	switch {
	case v == nil && strings.HasSuffix(typ, "|null"):
		return nil, true, nil
	case strings.HasPrefix(typ, "string"):
		if _, isStr := v.(string); isStr {
			return v, true, nil
		}
	case typ == "bool":
		if _, isBool := v.(bool); isBool {
			return v, true, nil
		}
	}
	kind := strings.ReplaceAll(strings.TrimSuffix(typ, "|null"), "bool", "boolean")
	b, _ := json.Marshal(v)
	return nil, true, badInput("Invalid input for field '%s': %s is not of type '%s'", name, b, kind)
}

// nameField checks a resource's name: 1 to 64 characters, not only spaces.
func nameField(obj map[string]any, required bool) (string, bool, error) {
	v, ok, err := field(obj, "name", "string")
	if err != nil {
		return "", false, err
	}
	if !ok {
		if required {
			return "", false, badInput("'name' is a required property")
		}
		return "", false, nil
	}
	n := v.(string)
	if strings.TrimSpace(n) == "" || len(n) > 64 {
		b, _ := json.Marshal(n)
		return "", false, badInput("Invalid input for field 'name': %s does not match '^[\\S\\s]*\\S+[\\S\\s]*$' or is longer than 64", b)
	}
	return n, true, nil
}

// domainOf is the domain a create names, or the Default domain; it must
// exist.
func (s *Service) domainOf(ctx context.Context, tx *sql.Tx, obj map[string]any) (string, error) {
	v, ok, err := field(obj, "domain_id", "string")
	if err != nil {
		return "", err
	}
	d := DefaultDomainID
	if ok {
		d = v.(string)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM domains WHERE id = ?`, d).Scan(&n); err != nil {
		return "", err
	}
	if n == 0 {
		return "", badInput("Could not find domain: %s.", d)
	}
	return d, nil
}

// isUnique tells whether err is the database refusing a duplicate.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func duplicate(typ, name, domain string) *apiErr {
	details := "Duplicate entry found with name " + name
	if domain != "" {
		details += " at domain ID " + domain
	}
	return &apiErr{http.StatusConflict, "Conflict occurred attempting to store " + typ + " - " + details + "."}
}

// createProject is POST /v3/projects.
func (s *Service) createProject(w http.ResponseWriter, r *http.Request, _ Identity) {
	obj, err := readObject(r, "project")
	if err != nil {
		s.answer(w, r, err)
		return
	}
	p := Project{Enabled: true}
	if p.Name, _, err = nameField(obj, true); err != nil {
		s.answer(w, r, err)
		return
	}
	if v, ok, err := field(obj, "description", "string|null"); err != nil {
		s.answer(w, r, err)
		return
	} else if ok && v != nil {
		p.Description = v.(string)
	}
	if v, ok, err := field(obj, "enabled", "bool"); err != nil {
		s.answer(w, r, err)
		return
	} else if ok {
		p.Enabled = v.(bool)
	}
	if v, ok, _ := field(obj, "is_domain", "bool"); ok && v == true {
		s.answer(w, r, badInput("Projects acting as domains are not supported here."))
		return
	}
	if p.ID, err = newID(); err != nil {
		s.answer(w, r, err)
		return
	}
	err = s.write(r.Context(), func(tx *sql.Tx) error {
		if p.DomainID, err = s.domainOf(r.Context(), tx, obj); err != nil {
			return err
		}
		if v, ok, err := field(obj, "parent_id", "string|null"); err != nil {
			return err
		} else if ok && v != nil && v != p.DomainID {
			return badInput("Project hierarchies are not supported here: parent_id must be the domain.")
		}
		_, err := tx.ExecContext(r.Context(), `INSERT INTO projects (id, name, domain_id, description, enabled) VALUES (?, ?, ?, ?, ?)`,
			p.ID, p.Name, p.DomainID, p.Description, p.Enabled)
		if isUnique(err) {
			return duplicate("project", p.Name, p.DomainID)
		}
		return err
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"project": projectJSON(r, p)})
}

// project reads one project by id; nil when there is none.
func (s *Service) project(ctx context.Context, id string) (*Project, error) {
	var f filter
	f.add("p.id = ?", id)
	ps, err := s.projects(ctx, f)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return &ps[0], nil
}

// updateProject is PATCH /v3/projects/{id}: name, description, enabled.
func (s *Service) updateProject(w http.ResponseWriter, r *http.Request, _ Identity) {
	obj, err := readObject(r, "project")
	if err != nil {
		s.answer(w, r, err)
		return
	}
	p, err := s.project(r.Context(), r.PathValue("id"))
	if err != nil || p == nil {
		s.answer(w, r, notFoundErr(err, "project", r.PathValue("id")))
		return
	}
	for k := range obj {
		switch k {
		case "name":
			if p.Name, _, err = nameField(obj, true); err != nil {
				s.answer(w, r, err)
				return
			}
		case "description":
			v, _, err := field(obj, k, "string|null")
			if err != nil {
				s.answer(w, r, err)
				return
			}
			p.Description, _ = v.(string)
		case "enabled":
			v, _, err := field(obj, k, "bool")
			if err != nil {
				s.answer(w, r, err)
				return
			}
			p.Enabled = v.(bool)
		case "domain_id":
			if obj[k] != p.DomainID {
				s.answer(w, r, badInput("Update of `domain_id` is not allowed."))
				return
			}
		case "tags", "options":
			// Accepted as Keystone does; this lab keeps none.
		default:
			s.answer(w, r, badInput("Additional properties are not allowed ('%s' was unexpected)", k))
			return
		}
	}
	err = s.write(r.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), `UPDATE projects SET name = ?, description = ?, enabled = ? WHERE id = ?`,
			p.Name, p.Description, p.Enabled, p.ID)
		if isUnique(err) {
			return duplicate("project", p.Name, p.DomainID)
		}
		return err
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"project": projectJSON(r, *p)})
}

// notFoundErr is Keystone's 404 for a missing object, or err itself.
func notFoundErr(err error, typ, id string) error {
	if err != nil {
		return err
	}
	return &apiErr{http.StatusNotFound, "Could not find " + typ + ": " + id + "."}
}

// deleteRow answers DELETE for one row of table: 204, or Keystone's 404.
func (s *Service) deleteRow(w http.ResponseWriter, r *http.Request, table, typ string) {
	id := r.PathValue("id")
	err := s.write(r.Context(), func(tx *sql.Tx) error {
		res, err := tx.ExecContext(r.Context(), `DELETE FROM `+table+` WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFoundErr(nil, typ, id)
		}
		return nil
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) deleteProject(w http.ResponseWriter, r *http.Request, _ Identity) {
	s.deleteRow(w, r, "projects", "project")
}

func (s *Service) deleteUser(w http.ResponseWriter, r *http.Request, _ Identity) {
	s.deleteRow(w, r, "users", "user")
}

func (s *Service) deleteRole(w http.ResponseWriter, r *http.Request, _ Identity) {
	s.deleteRow(w, r, "roles", "role")
}

// userFields reads the attributes a user create or update may carry
// into u (and its new password, "" for none).
func userFields(obj map[string]any, u *User, creating bool) (password string, err error) {
	for k := range obj {
		switch k {
		case "name":
			if u.Name, _, err = nameField(obj, true); err != nil {
				return "", err
			}
		case "password":
			v, _, err := field(obj, k, "string|null")
			if err != nil {
				return "", err
			}
			password, _ = v.(string)
		case "enabled":
			v, _, err := field(obj, k, "bool")
			if err != nil {
				return "", err
			}
			u.Enabled = v.(bool)
		case "default_project_id":
			v, _, err := field(obj, k, "string|null")
			if err != nil {
				return "", err
			}
			u.DefaultProjectID, _ = v.(string)
		case "description", "email":
			v, _, err := field(obj, k, "string|null")
			if err != nil {
				return "", err
			}
			if v == nil {
				delete(u.Extra, k)
			} else {
				u.Extra[k] = v.(string)
			}
		case "domain_id":
			if !creating && obj[k] != u.DomainID {
				return "", badInput("Update of `domain_id` is not allowed.")
			}
		case "options", "federated":
			// Accepted as Keystone does; this lab keeps none.
		default:
			return "", badInput("Additional properties are not allowed ('%s' was unexpected)", k)
		}
	}
	if creating && u.Name == "" {
		return "", badInput("'name' is a required property")
	}
	return password, nil
}

// createUser is POST /v3/users. A user made without a password cannot
// authenticate until it gets one, as in Keystone.
func (s *Service) createUser(w http.ResponseWriter, r *http.Request, _ Identity) {
	obj, err := readObject(r, "user")
	if err != nil {
		s.answer(w, r, err)
		return
	}
	u := User{Enabled: true, Extra: map[string]string{}}
	password, err := userFields(obj, &u, true)
	if err != nil {
		s.answer(w, r, err)
		return
	}
	hash := "!" // matches no password
	if password != "" {
		if hash, err = hashPassword(password); err != nil {
			s.answer(w, r, err)
			return
		}
	}
	if u.ID, err = newID(); err != nil {
		s.answer(w, r, err)
		return
	}
	err = s.write(r.Context(), func(tx *sql.Tx) error {
		if u.DomainID, err = s.domainOf(r.Context(), tx, obj); err != nil {
			return err
		}
		if err := checkProject(r.Context(), tx, u.DefaultProjectID); err != nil {
			return err
		}
		extra, _ := json.Marshal(u.Extra)
		_, err := tx.ExecContext(r.Context(), `INSERT INTO users (id, name, domain_id, password_hash, enabled, default_project_id, extra) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Name, u.DomainID, hash, u.Enabled, u.DefaultProjectID, string(extra))
		if isUnique(err) {
			return duplicate("user", u.Name, u.DomainID)
		}
		return err
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": userJSON(r, u)})
}

// checkProject refuses a default_project_id that names no project.
func checkProject(ctx context.Context, tx *sql.Tx, id string) error {
	if id == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM projects WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFoundErr(nil, "project", id)
	}
	return nil
}

// updateUser is PATCH /v3/users/{id}. A new password ends the user's
// tokens, as Keystone revokes them.
func (s *Service) updateUser(w http.ResponseWriter, r *http.Request, _ Identity) {
	obj, err := readObject(r, "user")
	if err != nil {
		s.answer(w, r, err)
		return
	}
	var f filter
	f.add("u.id = ?", r.PathValue("id"))
	us, err := s.users(r.Context(), f)
	if err != nil || len(us) == 0 {
		s.answer(w, r, notFoundErr(err, "user", r.PathValue("id")))
		return
	}
	u := us[0]
	password, err := userFields(obj, &u, false)
	if err != nil {
		s.answer(w, r, err)
		return
	}
	hash := ""
	if password != "" {
		if hash, err = hashPassword(password); err != nil {
			s.answer(w, r, err)
			return
		}
	}
	err = s.write(r.Context(), func(tx *sql.Tx) error {
		if err := checkProject(r.Context(), tx, u.DefaultProjectID); err != nil {
			return err
		}
		extra, _ := json.Marshal(u.Extra)
		_, err := tx.ExecContext(r.Context(), `UPDATE users SET name = ?, enabled = ?, default_project_id = ?, extra = ? WHERE id = ?`,
			u.Name, u.Enabled, u.DefaultProjectID, string(extra), u.ID)
		if isUnique(err) {
			return duplicate("user", u.Name, u.DomainID)
		}
		if err != nil || hash == "" {
			return err
		}
		if _, err := tx.ExecContext(r.Context(), `UPDATE users SET password_hash = ? WHERE id = ?`, hash, u.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(r.Context(), `DELETE FROM tokens WHERE user_id = ?`, u.ID)
		return err
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(r, u)})
}

// createRole is POST /v3/roles.
func (s *Service) createRole(w http.ResponseWriter, r *http.Request, _ Identity) {
	obj, err := readObject(r, "role")
	if err != nil {
		s.answer(w, r, err)
		return
	}
	var role Ref
	if role.Name, _, err = nameField(obj, true); err != nil {
		s.answer(w, r, err)
		return
	}
	if v, ok, _ := field(obj, "domain_id", "string|null"); ok && v != nil {
		s.answer(w, r, badInput("Domain-specific roles are not supported here."))
		return
	}
	if role.ID, err = newID(); err != nil {
		s.answer(w, r, err)
		return
	}
	err = s.write(r.Context(), func(tx *sql.Tx) error {
		_, err := tx.ExecContext(r.Context(), `INSERT INTO roles (id, name) VALUES (?, ?)`, role.ID, role.Name)
		if isUnique(err) {
			return duplicate("role", role.Name, "")
		}
		return err
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"role": roleJSON(r, role)})
}

// grantTarget checks that the project, user and role of a grant path
// exist, with Keystone's 404 for the first that does not.
func (s *Service) grantTarget(ctx context.Context, q querier, r *http.Request) (project, user, role string, err error) {
	project, user, role = r.PathValue("project"), r.PathValue("user"), r.PathValue("role")
	for _, c := range []struct{ table, typ, id string }{{"projects", "project", project}, {"users", "user", user}, {"roles", "role", role}} {
		if c.id == "" {
			continue
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+c.table+` WHERE id = ?`, c.id).Scan(&n); err != nil {
			return "", "", "", err
		}
		if n == 0 {
			return "", "", "", notFoundErr(nil, c.typ, c.id)
		}
	}
	return project, user, role, nil
}

// grantWrite runs change on a grant path's project, user and role in
// one transaction, answering 204 or the error.
func (s *Service) grantWrite(w http.ResponseWriter, r *http.Request, change func(tx *sql.Tx, project, user, role string) error) {
	err := s.write(r.Context(), func(tx *sql.Tx) error {
		p, u, role, err := s.grantTarget(r.Context(), tx, r)
		if err != nil {
			return err
		}
		return change(tx, p, u, role)
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// noGrant is Keystone's 404 for a role assignment that is not there.
func noGrant(project, user, role string) *apiErr {
	return &apiErr{http.StatusNotFound, "Could not find role assignment with role: " + role + ", user or group: " + user + ", project, domain, or system: " + project + "."}
}

// putGrant is PUT /v3/projects/{project}/users/{user}/roles/{role}.
func (s *Service) putGrant(w http.ResponseWriter, r *http.Request, _ Identity) {
	s.grantWrite(w, r, func(tx *sql.Tx, p, u, role string) error {
		_, err := tx.ExecContext(r.Context(), `INSERT INTO assignments (user_id, project_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, u, p, role)
		return err
	})
}

// checkGrant is GET or HEAD of a grant: 204 when it exists.
func (s *Service) checkGrant(w http.ResponseWriter, r *http.Request, _ Identity) {
	p, u, role, err := s.grantTarget(r.Context(), s.st.DB(), r)
	if err != nil {
		s.answer(w, r, err)
		return
	}
	var n int
	if err := s.st.DB().QueryRowContext(r.Context(), `SELECT count(*) FROM assignments WHERE user_id = ? AND project_id = ? AND role_id = ?`, u, p, role).Scan(&n); err != nil {
		s.answer(w, r, err)
		return
	}
	if n == 0 {
		s.answer(w, r, noGrant(p, u, role))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteGrant is DELETE of a grant; the user's tokens on the project
// stop working with it (Validate checks assignments).
func (s *Service) deleteGrant(w http.ResponseWriter, r *http.Request, _ Identity) {
	s.grantWrite(w, r, func(tx *sql.Tx, p, u, role string) error {
		res, err := tx.ExecContext(r.Context(), `DELETE FROM assignments WHERE user_id = ? AND project_id = ? AND role_id = ?`, u, p, role)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return noGrant(p, u, role)
		}
		return nil
	})
}

// listGrants is GET /v3/projects/{project}/users/{user}/roles.
func (s *Service) listGrants(w http.ResponseWriter, r *http.Request, _ Identity) {
	p, u, _, err := s.grantTarget(r.Context(), s.st.DB(), r)
	if err != nil {
		s.answer(w, r, err)
		return
	}
	roles, err := loadRoles(r.Context(), s.st.DB(), u, p)
	if err != nil {
		s.answer(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, role := range roles {
		out = append(out, roleJSON(r, role))
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": out, "links": selfLinks(r)})
}

// listDomains is GET /v3/domains (admin), with the name and enabled
// filters.
func (s *Service) listDomains(w http.ResponseWriter, r *http.Request, _ Identity) {
	var f filter
	if !commonFilters(r, "d", &f, false) {
		writeError(w, http.StatusBadRequest, "Invalid value for enabled.")
		return
	}
	if v := r.URL.Query().Get("enabled"); v != "" {
		f.add("d.enabled = ?", v == "true" || v == "1" || v == "True")
	}
	s.answerDomains(w, r, f, false)
}

// showDomain is GET /v3/domains/{id}.
func (s *Service) showDomain(w http.ResponseWriter, r *http.Request, _ Identity) {
	var f filter
	f.add("d.id = ?", r.PathValue("id"))
	s.answerDomains(w, r, f, true)
}

func (s *Service) answerDomains(w http.ResponseWriter, r *http.Request, f filter, one bool) {
	rows, err := s.st.DB().QueryContext(r.Context(), `SELECT d.id, d.name, d.enabled FROM domains d`+f.sql()+` ORDER BY d.name`, f.args...)
	if err != nil {
		s.answer(w, r, err)
		return
	}
	type domain struct {
		id, name string
		enabled  bool
	}
	ds, err := scanAll(rows, func(rows *sql.Rows) (domain, error) {
		var d domain
		err := rows.Scan(&d.id, &d.name, &d.enabled)
		return d, err
	})
	if err != nil {
		s.answer(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, d := range ds {
		out = append(out, map[string]any{
			"id": d.id, "name": d.name, "enabled": d.enabled, "description": "", "tags": []string{}, "options": map[string]any{},
			"links": map[string]string{"self": baseURL(r) + "/v3/domains/" + d.id},
		})
	}
	if !one {
		writeJSON(w, http.StatusOK, map[string]any{"domains": out, "links": selfLinks(r)})
		return
	}
	if len(out) == 0 {
		s.answer(w, r, notFoundErr(nil, "domain", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"domain": out[0]})
}
