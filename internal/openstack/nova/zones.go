package nova

import (
	"net/http"
)

// zone is the one availability zone the cloud's computes are in, Nova's
// default.
const zone = "nova"

// listZones answers GET /os-availability-zone (`openstack availability
// zone list --compute`, Terraform's openstack_compute_availability_zones_v2)
// and, for the admin, .../detail with the zone's compute hosts and their
// nova-compute service.
func (s *Service) listZones(detail bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		z := map[string]any{"zoneName": zone, "zoneState": map[string]any{"available": true}, "hosts": nil}
		if detail {
			if !c.admin {
				fail(w, c.version, &apiError{http.StatusForbidden, "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed."})
				return
			}
			hosts := map[string]any{}
			for _, h := range s.cfg.Computes {
				hosts[h] = map[string]any{"nova-compute": map[string]any{"available": true, "active": true, "updated_at": s.cfg.Now().UTC().Format("2006-01-02T15:04:05.000000")}}
			}
			z["hosts"] = hosts
		}
		writeJSON(w, c.version, http.StatusOK, map[string]any{"availabilityZoneInfo": []any{z}})
	}
}
