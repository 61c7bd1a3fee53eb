package neutron

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// standard-attr-tag: tags on the resources with standard attributes,
// set through /v2.0/{collection}/{id}/tags and filtered on with tags,
// tags-any, not-tags and not-tags-any, as Neutron's tag plugin does.

// maxTagLen is Neutron's MAX_TAG_LEN.
const maxTagLen = 255

// taggable are the collections Neutron's tag extension serves (its
// TAG_SUPPORTED_RESOURCES that this Neutron has).
var taggable = []string{"networks", "subnets", "ports", "routers", "floatingips", "subnetpools", "security-groups"}

func init() {
	registerExtensions(extension{"standard-attr-tag",
		"Tag support for resources with standard attribute: subnet, router, network, subnetpool, port, security_group, floatingip",
		"Enables to set tag on resources with standard attribute.", "2017-01-01T00:00:00-00:00"})
}

// tagFilters are the list filters on tags; withStandard declares them.
var tagFilters = []string{"tags", "tags-any", "not-tags", "not-tags-any"}

// matchTags reports whether tags (a view's "tags") pass tag filter f.
// Each value is a comma-separated list, and repeating the key adds to
// it: tags needs all of them, tags-any one, not-tags excludes holders of
// all, not-tags-any holders of any.
func matchTags(f filter, tags any) bool {
	have, _ := tags.([]any)
	var want []string
	for _, v := range f.values {
		want = append(want, strings.Split(v, ",")...)
	}
	has := func(t string) bool { return slices.Contains(have, any(t)) }
	all := !slices.ContainsFunc(want, func(t string) bool { return !has(t) })
	some := slices.ContainsFunc(want, has)
	switch f.key {
	case "tags":
		return all
	case "tags-any":
		return some
	case "not-tags":
		return !all
	}
	return !some // not-tags-any
}

// tagRoutes serves each taggable collection's tags.
func (s *Service) tagRoutes(mux *routeTable) {
	for _, col := range s.collections() {
		if !slices.Contains(taggable, col.name) {
			continue
		}
		base := "/v2.0/" + col.name + "/{id}/tags"
		mux.HandleFunc("GET "+base, s.authed(s.tagHandler(col, tagsIndex)))
		mux.HandleFunc("POST "+base, s.authed(s.tagHandler(col, tagsCreate)))
		mux.HandleFunc("PUT "+base, s.authed(s.tagHandler(col, tagsReplace)))
		mux.HandleFunc("DELETE "+base, s.authed(s.tagHandler(col, tagsClear)))
		mux.HandleFunc("GET "+base+"/{tag}", s.authed(s.tagHandler(col, tagShow)))
		mux.HandleFunc("PUT "+base+"/{tag}", s.authed(s.tagHandler(col, tagAdd)))
		mux.HandleFunc("DELETE "+base+"/{tag}", s.authed(s.tagHandler(col, tagRemove)))
	}
}

// Tag operations, after the tag controller's actions.
const (
	tagsIndex = iota
	tagsCreate
	tagsReplace
	tagsClear
	tagShow
	tagAdd
	tagRemove
)

func (s *Service) tagHandler(col *collection, op int) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		tag := r.PathValue("tag")
		var given []string
		switch op {
		case tagShow, tagAdd, tagRemove:
			if utf8.RuneCountInString(tag) > maxTagLen { // Python counts characters
				s.fail(w, r, invalidInput("'%s' exceeds maximum length of %d", tag, maxTagLen))
				return
			}
		case tagsCreate, tagsReplace:
			raw, err := decodeBody(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if given, err = parseTags(raw); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		var status int
		var answer any
		find := func(st *state, write bool) (resource, error) {
			res, err := col.find(st, c, r.PathValue("id"))
			if err != nil {
				return nil, notFound("TagResourceNotFound", "Resource %s %s could not be found.", col.key(), r.PathValue("id"))
			}
			if write && !c.owns(res.base().ProjectID) {
				return nil, policyDenied("rule:update_" + col.key() + "_tags")
			}
			return res, nil
		}
		if op == tagsIndex || op == tagShow {
			st, err := s.read(r.Context())
			if err != nil {
				s.fail(w, r, err)
				return
			}
			res, err := find(st, false)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			tags := res.base().Tags
			if op == tagsIndex {
				writeJSON(w, http.StatusOK, map[string]any{"tags": nonNil(tags)})
				return
			}
			if !slices.Contains(tags, tag) {
				s.fail(w, r, tagNotFound(tag))
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		err := s.update(r.Context(), func(st *state) error {
			res, err := find(st, true)
			if err != nil {
				return err
			}
			cm := res.base()
			old := slices.Clone(cm.Tags)
			switch op {
			case tagsCreate:
				for _, t := range given {
					if !slices.Contains(cm.Tags, t) {
						cm.Tags = append(cm.Tags, t)
					}
				}
				status, answer = http.StatusCreated, map[string]any{"tags": given}
			case tagsReplace:
				cm.Tags = given
				status, answer = http.StatusOK, map[string]any{"tags": given}
			case tagsClear:
				cm.Tags = []string{}
				status = http.StatusNoContent
			case tagAdd:
				if !slices.Contains(cm.Tags, tag) {
					cm.Tags = append(cm.Tags, tag)
				}
				status = http.StatusCreated
			case tagRemove:
				if !slices.Contains(cm.Tags, tag) {
					return tagNotFound(tag)
				}
				cm.Tags = slices.DeleteFunc(cm.Tags, func(t string) bool { return t == tag })
				status = http.StatusNoContent
			}
			// A change of tags is a change of the resource: its revision
			// goes up, as Neutron's revision plugin counts tag rows.
			if !sameSet(old, cm.Tags) {
				st.touch(res, s.now())
			}
			return nil
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if answer == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, answer)
	}
}

func tagNotFound(tag string) *apiError {
	return notFound("TagNotFound", "Tag %s could not be found.", tag)
}

// parseTags reads {"tags": [...]}: unique strings of at most maxTagLen,
// refused with the messages of Neutron's validate_tags.
func parseTags(raw any) ([]string, error) {
	m, ok := raw.(map[string]any)
	if !ok || !hasKey(m, "tags") {
		return nil, invalidInput("Invalid tags body")
	}
	list, ok := m["tags"].([]any)
	if !ok {
		return nil, invalidInput("'%s' is not a list", pyStr(m["tags"]))
	}
	tags := make([]string, 0, len(list))
	dup := false
	for _, v := range list {
		t, ok := v.(string)
		if ok && slices.Contains(tags, t) {
			dup = true
		}
		tags = append(tags, t)
	}
	if dup {
		return nil, invalidInput("Duplicate items in the list: '%s'", strings.Join(tags, ", "))
	}
	for i, v := range list {
		if _, ok := v.(string); !ok {
			return nil, invalidInput("'%s' is not a valid string", pyStr(v))
		}
		if utf8.RuneCountInString(tags[i]) > maxTagLen {
			return nil, invalidInput("'%s' exceeds maximum length of %d", tags[i], maxTagLen)
		}
	}
	return tags, nil
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sameSet reports whether a and b hold the same tags, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range a {
		if !slices.Contains(b, t) {
			return false
		}
	}
	return true
}
