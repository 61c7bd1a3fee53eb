package nova

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
)

// A server's metadata API (/servers/{id}/metadata[/{key}]): Terraform's
// openstack_compute_instance_v2 changes metadata through it, `openstack
// server set --property` and `unset` too.

// metaKey is the key Nova's schema allows.
var metaKey = regexp.MustCompile(`^[a-zA-Z0-9-_:. ]{1,255}$`)

// metadataArg reads body[field] as Nova's metadata schema does: an
// object of keys metaKey allows and strings of at most 255 characters.
func metadataArg(body map[string]any, field string) (map[string]string, error) {
	v, ok := body[field]
	if !ok {
		return nil, invalid(field, body, fmt.Sprintf("'%s' is a required property", field))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(field, v, "is not of type 'object'")
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		if !metaKey.MatchString(k) {
			return nil, invalid(field, v, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
		}
		s, ok := x.(string)
		if !ok {
			b, _ := json.Marshal(x)
			return nil, invalid(field+"/"+k, x, fmt.Sprintf("%s is not of type 'string'", b))
		}
		if len([]rune(s)) > 255 {
			return nil, invalid(field+"/"+k, x, fmt.Sprintf("'%s' is too long", s))
		}
		out[k] = s
	}
	return out, nil
}

// changeable is the server as the caller may change its metadata: Nova
// refuses while it builds.
func (s *Service) changeable(r *http.Request, c *caller, action string) (*server, error) {
	sv, err := s.find(r, c)
	if err != nil {
		return nil, err
	}
	if !s.active(sv) {
		return nil, conflicting("Cannot '%s' instance %s while it is in vm_state building", action, sv.ID)
	}
	return sv, nil
}

// saveMetadata stores md as the server's metadata, within the project's
// metadata_items quota.
func (s *Service) saveMetadata(r *http.Request, c *caller, sv *server, md map[string]string) error {
	q, err := s.quotaLimits(r.Context(), s.st.DB(), sv.ProjectID)
	if err != nil {
		return err
	}
	if limit := q["metadata_items"]; limit >= 0 && len(md) > limit {
		return &apiError{http.StatusForbidden, fmt.Sprintf("Maximum number of metadata items exceeds %d", limit)}
	}
	sv.Metadata = md
	return s.save(r.Context(), sv)
}

func (s *Service) listMetadata(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"metadata": sv.Metadata})
}

// setMetadata answers POST (merge into the metadata) and PUT (replace
// it) on /servers/{id}/metadata: the whole metadata after.
func (s *Service) setMetadata(replace bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		sv, err := s.changeable(r, c, "update metadata")
		if err != nil {
			fail(w, c.version, err)
			return
		}
		body, err := readBody(r)
		if err != nil {
			fail(w, c.version, err)
			return
		}
		md, err := metadataArg(body, "metadata")
		if err != nil {
			fail(w, c.version, err)
			return
		}
		if !replace {
			merged := maps.Clone(sv.Metadata)
			if merged == nil {
				merged = map[string]string{}
			}
			maps.Copy(merged, md)
			md = merged
		}
		if err := s.saveMetadata(r, c, sv, md); err != nil {
			fail(w, c.version, err)
			return
		}
		writeJSON(w, c.version, http.StatusOK, map[string]any{"metadata": md})
	}
}

func (s *Service) showMetadataItem(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	key := r.PathValue("key")
	v, ok := sv.Metadata[key]
	if !ok {
		fail(w, c.version, notFound("Metadata item was not found"))
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"meta": map[string]string{key: v}})
}

// setMetadataItem answers PUT /servers/{id}/metadata/{key} with
// {"meta": {key: value}}.
func (s *Service) setMetadataItem(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.changeable(r, c, "update metadata")
	if err != nil {
		fail(w, c.version, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	meta, err := metadataArg(body, "meta")
	if err != nil {
		fail(w, c.version, err)
		return
	}
	switch {
	case len(meta) == 0:
		fail(w, c.version, invalid("meta", body["meta"], "does not have enough properties"))
		return
	case len(meta) > 1:
		fail(w, c.version, invalid("meta", body["meta"], "has too many properties"))
		return
	}
	key := r.PathValue("key")
	v, ok := meta[key]
	if !ok {
		fail(w, c.version, badRequest("Request body and URI mismatch"))
		return
	}
	md := maps.Clone(sv.Metadata)
	if md == nil {
		md = map[string]string{}
	}
	md[key] = v
	if err := s.saveMetadata(r, c, sv, md); err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"meta": meta})
}

func (s *Service) deleteMetadataItem(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.changeable(r, c, "delete metadata")
	if err != nil {
		fail(w, c.version, err)
		return
	}
	key := r.PathValue("key")
	if _, ok := sv.Metadata[key]; !ok {
		fail(w, c.version, notFound("Metadata item was not found"))
		return
	}
	md := maps.Clone(sv.Metadata)
	delete(md, key)
	if err := s.saveMetadata(r, c, sv, md); err != nil {
		fail(w, c.version, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
