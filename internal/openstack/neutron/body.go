package neutron

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// body is a request's resource object being validated.
type body struct {
	member string
	m      map[string]any
}

// has reports whether the request gives attribute k.
func (b *body) has(k string) bool { _, ok := b.m[k]; return ok }

func (b *body) invalid(k, reason string, args ...any) *apiError {
	return httpBadRequest("Invalid input for %s. Reason: %s.", k, fmt.Sprintf(reason, args...))
}

// str validates a string attribute (type:string) of at most maxLen bytes.
func (b *body) str(k string, maxLen int) (string, error) {
	v := b.m[k]
	s, ok := v.(string)
	if !ok {
		return "", b.invalid(k, "'%s' is not a valid string", pyStr(v))
	}
	if maxLen > 0 && len(s) > maxLen {
		return "", b.invalid(k, "'%s' exceeds maximum length of %d", s, maxLen)
	}
	return s, nil
}

// boolean converts as Neutron's convert_to_boolean.
func (b *body) boolean(k string) (bool, error) {
	v, ok := toBool(b.m[k])
	if !ok {
		return false, invalidInput("'%s' cannot be converted to boolean", pyStr(b.m[k]))
	}
	return v, nil
}

func toBool(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	case json.Number:
		switch x.String() {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	}
	return false, false
}

// integer converts as Neutron's convert_to_int.
func (b *body) integer(k string) (int, error) {
	n, ok := toInt(b.m[k])
	if !ok {
		return 0, invalidInput("'%s' is not an integer", pyStr(b.m[k]))
	}
	return n, nil
}

func toInt(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		if err != nil || n > 1<<31 || n < -(1<<31) {
			return 0, false
		}
		return int(n), true
	case string:
		var n json.Number = json.Number(strings.TrimSpace(x))
		i, err := n.Int64()
		if err != nil || i > 1<<31 || i < -(1<<31) {
			return 0, false
		}
		return int(i), true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// uuid validates type:uuid.
func (b *body) uuid(k string) (string, error) {
	v := b.m[k]
	s, ok := v.(string)
	if !ok || !isUUID(s) {
		return "", b.invalid(k, "'%s' is not a valid UUID", pyStr(v))
	}
	return s, nil
}

// uuidOrNone validates type:uuid_or_none.
func (b *body) uuidOrNone(k string) (*string, error) {
	if b.m[k] == nil {
		return nil, nil
	}
	s, err := b.uuid(k)
	return &s, err
}

func isUUID(s string) bool {
	s = strings.ToLower(strings.ReplaceAll(s, "-", ""))
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// prepare validates a create (create true) or update body as Neutron's
// Controller.prepare_request_body does, and returns the resource object.
func (col *collection) prepare(c *caller, raw any, create bool) (*body, error) {
	if raw == nil {
		return nil, httpBadRequest("Resource body required")
	}
	top, ok := raw.(map[string]any)
	if !ok {
		return nil, httpBadRequest("Body contains invalid data")
	}
	return col.prepareItem(c, top, create)
}

func (col *collection) prepareItem(c *caller, top map[string]any, create bool) (*body, error) {
	v, ok := top[col.member]
	if !ok || v == nil {
		return nil, httpBadRequest("Unable to find '%s' in request body", col.member)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, httpBadRequest("Object '%s' contains invalid data", col.member)
	}
	b := &body{member: col.member, m: m}
	// populate_project_info and _validate_privileges.
	if create {
		t, hasT := m["tenant_id"]
		p, hasP := m["project_id"]
		if hasT && !hasP {
			m["project_id"], p, hasP = t, t, true
		} else if hasP && !hasT {
			m["tenant_id"], t, hasT = p, p, true
		}
		if hasT && hasP && pyStr(t) != pyStr(p) {
			return nil, httpBadRequest("'project_id' and 'tenant_id' do not match")
		}
		if hasP && !c.admin && pyStr(p) != c.project {
			return nil, httpBadRequest("Specifying 'project_id' other than the authenticated project in request is not allowed for the current user.")
		}
	}
	var unknown []string
	for k := range m {
		if _, ok := col.attrs[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, httpBadRequest("Unrecognized attribute(s) '%s'", strings.Join(unknown, ", "))
	}
	names := make([]string, 0, len(col.attrs))
	for k := range col.attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		a := col.attrs[k]
		_, given := m[k]
		switch {
		case create && a.flags&aReq != 0 && !given:
			return nil, httpBadRequest("Failed to parse request. Required attribute '%s' not specified", k)
		case create && given && a.flags&aPost == 0:
			return nil, httpBadRequest("Attribute '%s' not allowed in POST", k)
		case !create && given && a.flags&aPut == 0:
			return nil, httpBadRequest("Cannot update read-only attribute %s", k)
		}
	}
	if create {
		if _, ok := m["project_id"]; ok {
			if _, err := b.str("project_id", 255); err != nil {
				return nil, err
			}
		} else if c.project == "" {
			// An unscoped token names no project to own the resource.
			return nil, httpBadRequest("Running without keystone AuthN requires that project_id is specified")
		}
	}
	return b, nil
}

// common reads the standard attributes of a create or update body into
// cm: name and description (and on create the project).
func (b *body) common(c *caller, cm *Common, create bool, nameMax int) error {
	if b.has("name") {
		s, err := b.str("name", nameMax)
		if err != nil {
			return err
		}
		cm.Name = s
	}
	if b.has("description") {
		s, err := b.str("description", 255)
		if err != nil {
			return err
		}
		cm.Description = s
	}
	if create {
		cm.ProjectID = c.project
		if p, ok := b.m["project_id"].(string); ok {
			cm.ProjectID = p
		}
		cm.Tags = []string{}
	}
	return nil
}
