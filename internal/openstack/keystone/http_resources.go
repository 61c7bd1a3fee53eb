package keystone

import (
	"net/http"
	"strconv"
)

func selfLinks(r *http.Request) map[string]any {
	return map[string]any{"self": baseURL(r) + r.URL.RequestURI(), "previous": nil, "next": nil}
}

func projectJSON(r *http.Request, p Project) map[string]any {
	return map[string]any{
		"id": p.ID, "name": p.Name, "domain_id": p.DomainID, "description": p.Description,
		"enabled": p.Enabled, "is_domain": false, "parent_id": p.DomainID,
		"tags": []string{}, "options": map[string]any{},
		"links": map[string]string{"self": baseURL(r) + "/v3/projects/" + p.ID},
	}
}

func userJSON(r *http.Request, u User) map[string]any {
	m := map[string]any{
		"id": u.ID, "name": u.Name, "domain_id": u.DomainID, "enabled": u.Enabled,
		"password_expires_at": nil, "options": map[string]any{},
		"links": map[string]string{"self": baseURL(r) + "/v3/users/" + u.ID},
	}
	if u.DefaultProjectID != "" {
		m["default_project_id"] = u.DefaultProjectID
	}
	for k, v := range u.Extra {
		m[k] = v
	}
	return m
}

func roleJSON(r *http.Request, role Ref) map[string]any {
	return map[string]any{
		"id": role.ID, "name": role.Name, "domain_id": nil, "description": nil, "options": map[string]any{},
		"links": map[string]string{"self": baseURL(r) + "/v3/roles/" + role.ID},
	}
}

// commonFilters adds Keystone's list filters name, domain_id and enabled
// for a table alias.
func commonFilters(r *http.Request, alias string, f *filter, withDomain bool) (ok bool) {
	q := r.URL.Query()
	if v := q.Get("name"); v != "" {
		f.add(alias+".name = ?", v)
	}
	if !withDomain {
		return true
	}
	if v := q.Get("domain_id"); v != "" {
		f.add(alias+".domain_id = ?", v)
	}
	if v := q.Get("enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false
		}
		f.add(alias+".enabled = ?", b)
	}
	return true
}

// listProjects is GET /v3/projects (admin only, as in Keystone's policy
// for project-scoped tokens).
func (s *Service) listProjects(w http.ResponseWriter, r *http.Request, id Identity) {
	if !id.IsAdmin() {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	s.answerProjects(w, r, filter{})
}

// authProjects is GET /v3/auth/projects: the projects the token's user
// may scope to.
func (s *Service) authProjects(w http.ResponseWriter, r *http.Request, id Identity) {
	var f filter
	f.add(memberOf, id.User.ID)
	f.add("p.enabled = ?", true)
	s.answerProjects(w, r, f)
}

// userProjects is GET /v3/users/{id}/projects (the user or an admin).
func (s *Service) userProjects(w http.ResponseWriter, r *http.Request, id Identity) {
	uid := r.PathValue("id")
	if !id.IsAdmin() && id.User.ID != uid {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	var f filter
	f.add(memberOf, uid)
	s.answerProjects(w, r, f)
}

func (s *Service) answerProjects(w http.ResponseWriter, r *http.Request, f filter) {
	if !commonFilters(r, "p", &f, true) {
		writeError(w, http.StatusBadRequest, "Invalid value for enabled.")
		return
	}
	ps, err := s.projects(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, p := range ps {
		out = append(out, projectJSON(r, p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out, "links": selfLinks(r)})
}

// showProject is GET /v3/projects/{id}: an admin, or a user with a role
// on the project. Others get 403 whether or not it exists, as Keystone's
// policy is checked before the lookup.
func (s *Service) showProject(w http.ResponseWriter, r *http.Request, id Identity) {
	var f filter
	f.add("p.id = ?", r.PathValue("id"))
	if !id.IsAdmin() {
		f.add(memberOf, id.User.ID)
	}
	ps, err := s.projects(r.Context(), f)
	switch {
	case err != nil:
		s.fail(w, r, err)
	case len(ps) == 0 && !id.IsAdmin():
		writeError(w, http.StatusForbidden, msgForbidden)
	case len(ps) == 0:
		writeError(w, http.StatusNotFound, "Could not find project: "+r.PathValue("id")+".")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"project": projectJSON(r, ps[0])})
	}
}

// listUsers is GET /v3/users (admin only).
func (s *Service) listUsers(w http.ResponseWriter, r *http.Request, id Identity) {
	if !id.IsAdmin() {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	var f filter
	if !commonFilters(r, "u", &f, true) {
		writeError(w, http.StatusBadRequest, "Invalid value for enabled.")
		return
	}
	us, err := s.users(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, u := range us {
		out = append(out, userJSON(r, u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out, "links": selfLinks(r)})
}

// showUser is GET /v3/users/{id} (the user itself or an admin).
func (s *Service) showUser(w http.ResponseWriter, r *http.Request, id Identity) {
	uid := r.PathValue("id")
	if !id.IsAdmin() && id.User.ID != uid {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	var f filter
	f.add("u.id = ?", uid)
	us, err := s.users(r.Context(), f)
	switch {
	case err != nil:
		s.fail(w, r, err)
	case len(us) == 0:
		writeError(w, http.StatusNotFound, "Could not find user: "+uid+".")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"user": userJSON(r, us[0])})
	}
}

// listRoles is GET /v3/roles (admin only).
func (s *Service) listRoles(w http.ResponseWriter, r *http.Request, id Identity) {
	if !id.IsAdmin() {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	var f filter
	commonFilters(r, "r", &f, false)
	rs, err := s.roles(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, role := range rs {
		out = append(out, roleJSON(r, role))
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": out, "links": selfLinks(r)})
}

// showRole is GET /v3/roles/{id} (admin only).
func (s *Service) showRole(w http.ResponseWriter, r *http.Request, id Identity) {
	if !id.IsAdmin() {
		writeError(w, http.StatusForbidden, msgForbidden)
		return
	}
	var f filter
	f.add("r.id = ?", r.PathValue("id"))
	rs, err := s.roles(r.Context(), f)
	switch {
	case err != nil:
		s.fail(w, r, err)
	case len(rs) == 0:
		writeError(w, http.StatusNotFound, "Could not find role: "+r.PathValue("id")+".")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"role": roleJSON(r, rs[0])})
	}
}

// listRegions is GET /v3/regions (any valid token).
func (s *Service) listRegions(w http.ResponseWriter, r *http.Request, _ Identity) {
	rs, err := s.regions(r.Context(), filter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, g := range rs {
		out = append(out, map[string]any{
			"id": g.ID, "description": g.Name, "parent_region_id": nil,
			"links": map[string]string{"self": baseURL(r) + "/v3/regions/" + g.ID},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": out, "links": selfLinks(r)})
}

// authCatalog is GET /v3/auth/catalog: the catalog of a scoped token.
func (s *Service) authCatalog(w http.ResponseWriter, r *http.Request, id Identity) {
	if !id.Scoped() {
		writeError(w, http.StatusForbidden, "A project-scoped token is required to produce a service catalog.")
		return
	}
	cat, err := s.Catalog(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"catalog": emptyIfNil(cat), "links": selfLinks(r)})
}
