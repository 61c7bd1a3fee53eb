package keystone

import "net/http"

// The Identity API version intercloud implements and reports, with the
// date Keystone gives for it.
const (
	apiVersion = "v3.14"
	apiUpdated = "2020-04-07T00:00:00Z"
)

func versionDoc(r *http.Request) map[string]any {
	return map[string]any{
		"id":      apiVersion,
		"status":  "stable",
		"updated": apiUpdated,
		"links":   []map[string]string{{"rel": "self", "href": baseURL(r) + "/v3/"}},
		"media-types": []map[string]string{{
			"base": "application/json",
			"type": "application/vnd.openstack.identity-v3+json",
		}},
	}
}

// versions answers GET / with the list of versions. Keystone answers it
// with 300 Multiple Choices, and clients that discover versions expect it.
func (s *Service) versions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMultipleChoices, map[string]any{
		"versions": map[string]any{"values": []any{versionDoc(r)}},
	})
}

// version answers GET /v3, which the openstack CLI reads before it
// authenticates.
func (s *Service) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"version": versionDoc(r)})
}
