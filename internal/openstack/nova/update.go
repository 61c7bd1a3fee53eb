package nova

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
)

// updateServer answers PUT /servers/{id}: a new name, description (from
// 2.19) or access addresses, as `openstack server set` sends them.
func (s *Service) updateServer(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	req, ok := body["server"].(map[string]any)
	if !ok {
		fail(w, c.version, invalid("server", body["server"], "'server' is a required property"))
		return
	}
	for k, v := range req {
		switch k {
		case "name":
			n, ok := v.(string)
			if !ok || strings.TrimSpace(n) == "" || len(n) > 255 {
				fail(w, c.version, invalid("name", v, "is not a valid server name"))
				return
			}
			sv.Name = n
		case "description":
			if !c.version.atLeast(2, 19) {
				fail(w, c.version, invalid("server", req, "Additional properties are not allowed ('description' was unexpected)"))
				return
			}
			switch d := v.(type) {
			case nil:
				sv.Description = nil
			case string:
				sv.Description = &d
			default:
				fail(w, c.version, invalid("description", v, "is not of type 'string', 'null'"))
				return
			}
		case "accessIPv4", "accessIPv6":
			a, ok := v.(string)
			if !ok {
				fail(w, c.version, invalid(k, v, "is not of type 'string'"))
				return
			}
			if k == "accessIPv4" {
				sv.AccessV4 = a
			} else {
				sv.AccessV6 = a
			}
		default:
			fail(w, c.version, invalid("server", req, "Additional properties are not allowed ('"+k+"' was unexpected)"))
			return
		}
	}
	if err := s.save(r.Context(), sv); err != nil {
		fail(w, c.version, err)
		return
	}
	nv, err := s.network(r.Context(), c.token)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"server": s.view(r, c, sv, nv)})
}

// save writes a changed server's record.
func (s *Service) save(ctx context.Context, sv *server) error {
	body, err := json.Marshal(sv)
	if err != nil {
		return err
	}
	return s.st.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE nova_servers SET body = ? WHERE region = ? AND id = ?`, string(body), s.cfg.Region, sv.ID)
		return err
	})
}

// limits answers GET /limits: Nova's default absolute limits and what
// the project uses of them, as `openstack limits show --absolute` reads
// them.
func (s *Service) limits(w http.ResponseWriter, r *http.Request, c *caller) {
	used, err := s.quotaUsage(r.Context(), s.st.DB(), c.project())
	if err != nil {
		fail(w, c.version, err)
		return
	}
	q, err := s.quotaLimits(r.Context(), s.st.DB(), c.project())
	if err != nil {
		fail(w, c.version, err)
		return
	}
	abs := map[string]any{
		"maxServerMeta": q["metadata_items"], "maxImageMeta": 128, "maxTotalKeypairs": q["key_pairs"],
		"maxServerGroups": q["server_groups"], "maxServerGroupMembers": q["server_group_members"], "totalServerGroupsUsed": 0,
		"maxTotalInstances": q["instances"], "maxTotalCores": q["cores"], "maxTotalRAMSize": q["ram"],
		"totalInstancesUsed": used["instances"], "totalCoresUsed": used["cores"], "totalRAMUsed": used["ram"],
	}
	if !c.version.atLeast(2, 57) {
		abs["maxPersonality"], abs["maxPersonalitySize"] = q["injected_files"], q["injected_file_content_bytes"]
	}
	if !c.version.atLeast(2, 36) {
		abs["maxSecurityGroups"], abs["maxSecurityGroupRules"], abs["totalSecurityGroupsUsed"] = 10, 20, 0
		abs["maxTotalFloatingIps"], abs["totalFloatingIpsUsed"] = 10, 0
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"limits": map[string]any{"rate": []any{}, "absolute": abs}})
}
