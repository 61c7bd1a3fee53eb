package neutron

import "strings"

// policyAttr is an attribute Neutron's policy engine checks on create and
// update (enforce_policy in its attribute map).
type policyAttr struct {
	name string
	// def is the attribute's default: on create, a value equal to it is not
	// "explicitly set" and escapes the check. nil: no default.
	def any
	// allowed reports whether the caller may set the attribute.
	allowed bool
	// subs are a dict attribute's sub-attributes in Neutron's order, each
	// checked when present; subAllowed says which the caller may set.
	subs       []string
	list       bool // a list of dicts (fixed_ips), checked per key of each entry
	subAllowed func(sub string) bool
}

// enforce checks a create or update body as neutron.policy.enforce does:
// the rule is the action and every explicitly set policy attribute (with
// their sub-attributes), and refusing any part refuses the whole rule,
// whose text the 403 shows.
func enforce(action string, b *body, create bool, attrs []policyAttr) error {
	rule := "rule:" + action
	denied := false
	for _, a := range attrs {
		v, ok := b.m[a.name]
		if !ok || (create && a.def != nil && equalsDefault(v, a.def)) {
			continue
		}
		if !a.allowed {
			denied = true
		}
		ar := "rule:" + action + ":" + a.name
		var subs []string
		switch {
		case a.subs != nil:
			if m, ok := v.(map[string]any); ok {
				for _, s := range a.subs {
					if _, ok := m[s]; ok {
						subs = append(subs, s)
					}
				}
			}
		case a.list:
			entries, _ := v.([]any)
			for _, e := range entries {
				m, _ := e.(map[string]any)
				for _, s := range []string{"subnet_id", "ip_address"} {
					if _, ok := m[s]; ok {
						subs = append(subs, s)
					}
				}
			}
		}
		if len(subs) > 0 {
			parts := make([]string, len(subs))
			for i, s := range subs {
				parts[i] = ar + ":" + s
				if a.subAllowed != nil && !a.subAllowed(s) {
					denied = true
				}
			}
			ar = "(" + ar + " and (" + strings.Join(parts, " and ") + "))"
		}
		rule = "(" + rule + " and " + ar + ")"
	}
	if denied {
		return policyDenied(rule)
	}
	return nil
}

// jsonNull is the default of attributes whose default is None.
type jsonNull struct{}

func equalsDefault(v, def any) bool {
	if _, ok := def.(jsonNull); ok {
		return v == nil
	}
	if d, ok := def.(bool); ok {
		b, ok := toBool(v)
		return ok && b == d
	}
	return v == def
}
