package neutron

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"sync"
)

// Attribute flags, after Neutron's attribute maps.
const (
	aPost   = 1 << iota // may be given on create
	aPut                // may be given on update
	aFilter             // is_filter: may filter lists
	aSort               // is_sort_key
	aAdmin              // shown to administrators only (policy)
	aReq                // required on create
)

// Attribute types, for converting query filters.
const (
	tStr = iota
	tBool
	tInt
	tOther
	tTags // a tag filter, matched on the view's tags
)

type attrSpec struct {
	flags int
	typ   int
}

type attrs map[string]attrSpec

// standard attributes every resource with standard attributes has, plus
// the project.
func withStandard(a attrs) attrs {
	std := attrs{
		"id":              {aFilter | aSort, tStr},
		"tenant_id":       {aPost | aFilter | aSort, tStr},
		"project_id":      {aPost | aFilter | aSort, tStr},
		"description":     {aPost | aPut | aFilter, tStr},
		"created_at":      {aFilter, tStr},
		"updated_at":      {aFilter, tStr},
		"revision_number": {aFilter, tInt},
		// standard-attr-tag's filters (tags.go).
		"tags":         {aFilter, tTags},
		"tags-any":     {aFilter, tTags},
		"not-tags":     {aFilter, tTags},
		"not-tags-any": {aFilter, tTags},
	}
	for k, v := range a {
		std[k] = v
	}
	return std
}

// collection is one resource type of the API and what it does.
type collection struct {
	name, member, kind string
	attrs              attrs
	notFound           func(id string) *apiError
	// visible reports whether the caller may see r.
	visible func(st *state, c *caller, r resource) bool
	// view renders r for the caller with every attribute (admin-only ones
	// are stripped afterwards).
	view   func(st *state, r resource) map[string]any
	create func(st *state, c *caller, b *body) (resource, error)
	update func(st *state, c *caller, r resource, b *body) error
	delete func(st *state, c *caller, r resource) error
	bulk   bool
	// adminOnly: Neutron's policy lets only an admin get, update or
	// delete these (neutron-dynamic-routing's resources, agents). A
	// member's list leaves them out, a member's show is webob's 404, and
	// a member's update or delete is 403 for what its project owns, 404
	// otherwise, as Neutron's controller answers a refused policy check.
	adminOnly bool
	// lenientFilters: the plugin does not declare filter validation, so
	// Neutron ignores query parameters that are not filters.
	lenientFilters bool
	// noProject: the resource has no tenant_id (agents).
	noProject bool
	// beforeList, when set, runs before a list (security groups make the
	// caller's default group on its first list).
	beforeList func(ctx context.Context, c *caller) error
}

func (s *Service) collections() []*collection {
	return []*collection{s.networkCollection(), s.subnetCollection(), s.portCollection(),
		s.subnetPoolCollection(), s.addressScopeCollection(), s.routerCollection(), s.floatingIPCollection(),
		s.bgpSpeakerCollection(), s.bgpPeerCollection(), s.agentCollection(),
		s.securityGroupCollection(), s.securityGroupRuleCollection(), s.addressGroupCollection()}
}

// memberDenied is Neutron's answer when policy refuses a member action
// on r of an admin-only collection: 403 when r is the caller's project's,
// else webob's 404, so as not to reveal r.
func (col *collection) memberDenied(c *caller, r resource, action string) error {
	if !col.adminOnly || c.admin {
		return nil
	}
	if p := r.base().ProjectID; p != "" && p == c.project {
		return policyDenied("rule:" + action + "_" + col.member)
	}
	return httpNotFound()
}

// render is r's view for c: tenant_id beside project_id, admin-only
// attributes removed for members.
func (col *collection) render(st *state, c *caller, r resource) map[string]any {
	v := col.view(st, r)
	if !col.noProject {
		v["tenant_id"] = v["project_id"]
	}
	if !c.admin {
		for k, a := range col.attrs {
			if a.flags&aAdmin != 0 {
				delete(v, k)
			}
		}
	}
	return v
}

// toMap turns a resource into its JSON object: what encoding/json makes
// of it, decoded into a map (numbers as float64, lists as []any, objects
// as map[string]any, nil pointers and slices as nil), built directly.
// The resources are plain structs of strings, numbers, booleans,
// pointers, slices and embedded structs, with json tags naming every
// field.
func toMap(r any) map[string]any {
	v := reflect.ValueOf(r)
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	m, ok := jsonValue(v).(map[string]any)
	if !ok {
		panic("toMap of a non-struct") // only plain structs are rendered
	}
	return m
}

// jsonField is a struct field as encoding/json names it.
type jsonField struct {
	index    int
	name     string
	embedded bool // an untagged embedded struct, whose fields are inlined
}

var jsonFields sync.Map // reflect.Type -> []jsonField

func fieldsOfType(t reflect.Type) []jsonField {
	if f, ok := jsonFields.Load(t); ok {
		return f.([]jsonField)
	}
	var out []jsonField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			out = append(out, jsonField{index: i, embedded: true})
			continue
		}
		if !sf.IsExported() || tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		out = append(out, jsonField{index: i, name: name})
	}
	jsonFields.Store(t, out)
	return out
}

// jsonValue is v as encoding/json would encode and then decode it into
// an any.
func jsonValue(v reflect.Value) any {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonValue(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = jsonValue(v.Index(i))
		}
		return out
	case reflect.Struct:
		// Room for the fields (tenant_id, and what the views add, too).
		m := make(map[string]any, 2*v.NumField()+4)
		addFields(m, v)
		return m
	}
	panic("toMap: unsupported " + v.Type().String())
}

// addFields puts v's fields into m; a field of v wins over an inlined
// one of the same name, as encoding/json has the shallower field win.
func addFields(m map[string]any, v reflect.Value) {
	fs := fieldsOfType(v.Type())
	for _, f := range fs {
		if f.embedded {
			addFields(m, v.Field(f.index))
		}
	}
	for _, f := range fs {
		if !f.embedded {
			m[f.name] = jsonValue(v.Field(f.index))
		}
	}
}

// find returns the resource of the collection with id that the caller
// may see, or the collection's not-found error.
func (col *collection) find(st *state, c *caller, id string) (resource, error) {
	if st.kindOf(id) != col.kind {
		return nil, col.notFound(id)
	}
	r := st.resource(id)
	if r == nil || !col.visible(st, c, r) {
		return nil, col.notFound(id)
	}
	return r, nil
}

func (s *Service) listHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		q, err := parseListQuery(r, col)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if col.beforeList != nil {
			if err := col.beforeList(r.Context(), c); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		st, err := s.read(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out, links, err := q.run(st, c, col, r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		resp := map[string]any{col.key(): out}
		if len(links) > 0 {
			resp[col.key()+"_links"] = links
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

func (s *Service) showHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		st, err := s.read(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		res, err := col.find(st, c, r.PathValue("id"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if col.adminOnly && !c.admin {
			s.fail(w, r, httpNotFound())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{col.member: trimFields(col.render(st, c, res), fieldsOf(r))})
	}
}

func (s *Service) createHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		raw, err := decodeBody(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		// Bulk: {"networks": [{...}, ...]}, all or nothing.
		var items []*body
		if top, ok := raw.(map[string]any); ok && top[col.key()] != nil && col.bulk {
			list, ok := top[col.key()].([]any)
			if !ok {
				s.fail(w, r, httpBadRequest("Body contains invalid data"))
				return
			}
			if len(list) == 0 {
				s.fail(w, r, httpBadRequest("Resources required"))
				return
			}
			for _, it := range list {
				m, ok := it.(map[string]any)
				if !ok {
					s.fail(w, r, httpBadRequest("Body contains invalid data"))
					return
				}
				if _, wrapped := m[col.member]; !wrapped {
					m = map[string]any{col.member: m}
				}
				b, err := col.prepareItem(c, m, true)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				items = append(items, b)
			}
		} else if ok && top[col.key()] != nil {
			s.fail(w, r, httpBadRequest("Bulk operation not supported"))
			return
		} else {
			b, err := col.prepare(c, raw, true)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			items = []*body{b}
		}
		var views []any
		err = s.update(r.Context(), func(st *state) error {
			var made []resource
			for _, b := range items {
				res, err := col.create(st, c, b)
				if err != nil {
					return err
				}
				made = append(made, res)
			}
			for _, res := range made {
				views = append(views, col.render(st, c, res))
			}
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(items) == 1 && !isBulk(raw, col) {
			writeJSON(w, http.StatusCreated, map[string]any{col.member: views[0]})
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{col.key(): views})
	}
}

func isBulk(raw any, col *collection) bool {
	top, ok := raw.(map[string]any)
	return ok && top[col.key()] != nil
}

// key is the collection's name in bodies: the path's with underscores
// ("address_scopes" for /v2.0/address-scopes).
func (col *collection) key() string { return strings.ReplaceAll(col.name, "-", "_") }

func (s *Service) updateHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		raw, err := decodeBody(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		b, err := col.prepare(c, raw, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		want, err := revisionConstraint(r, col)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var view map[string]any
		err = s.update(r.Context(), func(st *state) error {
			res, err := col.find(st, c, r.PathValue("id"))
			if err != nil {
				return err
			}
			if err := col.memberDenied(c, res, "update"); err != nil {
				return err
			}
			if !c.owns(res.base().ProjectID) {
				return policyDenied("rule:update_" + col.member)
			}
			if err := checkRevision(res, want); err != nil {
				return err
			}
			if err := col.update(st, c, res, b); err != nil {
				return err
			}
			st.touch(res, s.now())
			view = col.render(st, c, res)
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{col.member: view})
	}
}

func (s *Service) deleteHandler(col *collection) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		want, err := revisionConstraint(r, col)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		err = s.update(r.Context(), func(st *state) error {
			res, err := col.find(st, c, r.PathValue("id"))
			if err != nil {
				return err
			}
			if err := col.memberDenied(c, res, "delete"); err != nil {
				return err
			}
			if !c.owns(res.base().ProjectID) {
				return policyDenied("rule:delete_" + col.member)
			}
			if err := checkRevision(res, want); err != nil {
				return err
			}
			if err := col.delete(st, c, res); err != nil {
				return err
			}
			st.remove(res.base().ID)
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// fieldsOf is the request's fields parameters, empty ones dropped.
func fieldsOf(r *http.Request) []string {
	var out []string
	for _, f := range r.URL.Query()["fields"] {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// trimFields keeps only fields of v (all when fields is empty).
func trimFields(v map[string]any, fields []string) map[string]any {
	if len(fields) == 0 {
		return v
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if x, ok := v[f]; ok {
			out[f] = x
		}
	}
	return out
}

// nowStamp fills a new resource's standard attributes.
func (s *Service) stamp(cm *Common) {
	cm.ID = newUUID()
	cm.CreatedAt = s.now()
	cm.UpdatedAt = cm.CreatedAt
	if cm.Tags == nil {
		cm.Tags = []string{}
	}
}
