package nova

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
)

// The cloud's compute nodes seen as Nova's admin sees them: one
// hypervisor and one nova-compute service per compute host (the lab's
// compute nodes of the cloud, Config.Computes), as `openstack hypervisor
// list` and `openstack compute service list` show them. The scheduler and
// the conductor run on the controller, the cloud's network node (named
// as the region).

// hostUUID is a stable id for a host's record of kind ("hypervisor",
// "service"): Nova gives UUIDs from microversion 2.53 on.
func (s *Service) hostUUID(kind, host string) string {
	h := sha256.Sum256([]byte(s.cfg.Region + "/" + kind + "/" + host))
	h[6] = h[6]&0x0f | 0x40 // version 4 layout
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// hostID is the id of a host's record: its UUID from 2.53, else its
// position (from 1) as Nova's database numbers it.
func (s *Service) hostID(v version, kind, host string, n int) any {
	if v.atLeast(2, 53) {
		return s.hostUUID(kind, host)
	}
	return n
}

// serversOn counts the region's servers on each host.
func (s *Service) serversOn(ctx context.Context) (map[string]int, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT host, count(*) FROM nova_servers WHERE region = ? GROUP BY host`, s.cfg.Region)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var h string
		var n int
		if err := rows.Scan(&h, &n); err != nil {
			return nil, err
		}
		out[h] = n
	}
	return out, rows.Err()
}

// listHypervisors answers GET /os-hypervisors and .../detail (admin only).
func (s *Service) listHypervisors(detail bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		if !c.admin {
			fail(w, c.version, &apiError{http.StatusForbidden, "Policy doesn't allow os_compute_api:os-hypervisors:list to be performed."})
			return
		}
		load, err := s.serversOn(r.Context())
		if err != nil {
			fail(w, c.version, err)
			return
		}
		out := []any{}
		for i, h := range s.cfg.Computes {
			hv := map[string]any{"id": s.hostID(c.version, "hypervisor", h, i+1), "hypervisor_hostname": h, "state": "up", "status": "enabled"}
			if detail {
				hv["hypervisor_type"] = "QEMU"
				hv["hypervisor_version"] = 8002000
				hv["host_ip"] = s.cfg.HostIPs[h]
				hv["service"] = map[string]any{"host": h, "id": s.hostID(c.version, "service", "nova-compute@"+h, i+3), "disabled_reason": nil}
				if !c.version.atLeast(2, 88) {
					// From 2.88 the figures are Placement's; of them the
					// lab knows only its servers (no vCPU or memory model).
					hv["running_vms"] = load[h]
				}
			}
			out = append(out, hv)
		}
		writeJSON(w, c.version, http.StatusOK, map[string]any{"hypervisors": out})
	}
}

// listServices answers GET /os-services (admin only): nova-compute on
// every compute host, the scheduler and the conductor on the controller.
func (s *Service) listServices(w http.ResponseWriter, r *http.Request, c *caller) {
	if !c.admin {
		fail(w, c.version, &apiError{http.StatusForbidden, "Policy doesn't allow os_compute_api:os-services:list to be performed."})
		return
	}
	now := s.cfg.Now().UTC().Format("2006-01-02T15:04:05.000000")
	type svc struct{ binary, host, zone string }
	list := []svc{{"nova-scheduler", s.cfg.Region, "internal"}, {"nova-conductor", s.cfg.Region, "internal"}}
	for _, h := range s.cfg.Computes {
		list = append(list, svc{"nova-compute", h, zone})
	}
	out := []any{}
	for i, sv := range list {
		m := map[string]any{"id": s.hostID(c.version, "service", sv.binary+"@"+sv.host, i+1), "binary": sv.binary, "host": sv.host,
			"zone": sv.zone, "status": "enabled", "state": "up", "updated_at": now, "disabled_reason": nil}
		if c.version.atLeast(2, 11) {
			m["forced_down"] = false
		}
		out = append(out, m)
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"services": out})
}
