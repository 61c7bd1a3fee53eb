package nova

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/openstack/osmux"
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

// active tells whether a server has booted: its boot time has passed
// and the scheduler found it a host.
func (s *Service) active(sv *server) bool {
	return sv.Fault == nil && !s.cfg.Now().Before(sv.Created.Add(s.cfg.BootTime))
}

// status is where a server is in its life: BUILD until its boot time has
// passed, then ACTIVE; ERROR from the start when it could not be placed.
func (s *Service) status(sv *server) string {
	switch {
	case sv.Fault != nil:
		return "ERROR"
	case s.active(sv):
		return "ACTIVE"
	}
	return "BUILD"
}

// visible: a project sees its servers, an admin every server.
func visible(c *caller, sv *server) bool { return c.admin || sv.ProjectID == c.project() }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// hostname is the guest's hostname Nova derives from the display name.
func hostname(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			b.WriteRune(r)
		case r == ' ', r == '_', r == '.':
			b.WriteByte('-')
		}
	}
	h := strings.Trim(b.String(), "-")
	if len(h) > 63 {
		h = h[:63]
	}
	if h == "" {
		h = "server"
	}
	return h
}

// addresses is the server's addresses map: for each network (by name)
// its ports' fixed IPs, then the floating IPs associated with them.
func addresses(sv *server, nv *netView) map[string]any {
	out := map[string]any{}
	for _, p := range nv.ports {
		if str(p["device_id"]) != sv.ID {
			continue
		}
		name := str(p["network_id"])
		if n, ok := nv.networks[name]; ok && str(n["name"]) != "" {
			name = str(n["name"])
		}
		list, _ := out[name].([]any)
		mac := str(p["mac_address"])
		fixed, _ := p["fixed_ips"].([]any)
		for _, f := range fixed {
			ip := str(f.(map[string]any)["ip_address"])
			list = append(list, addr(ip, "fixed", mac))
		}
		for _, fip := range nv.fips {
			if str(fip["port_id"]) == str(p["id"]) {
				list = append(list, addr(str(fip["floating_ip_address"]), "floating", mac))
			}
		}
		if list == nil {
			list = []any{}
		}
		out[name] = list
	}
	return out
}

func addr(ip, typ, mac string) map[string]any {
	v := 4
	if strings.Contains(ip, ":") {
		v = 6
	}
	return map[string]any{"version": v, "addr": ip, "OS-EXT-IPS:type": typ, "OS-EXT-IPS-MAC:mac_addr": mac}
}

// view is the server as GET /servers/{id} shows it at the caller's
// microversion.
func (s *Service) view(r *http.Request, c *caller, sv *server, nv *netView) map[string]any {
	up := s.active(sv)
	status, vmState, power, task := "BUILD", "building", 0, any("spawning")
	var launched any
	if up {
		status, vmState, power, task = "ACTIVE", "active", 1, nil
		launched = sv.Created.Add(s.cfg.BootTime).UTC().Format("2006-01-02T15:04:05.000000")
	}
	if sv.Fault != nil {
		status, vmState, task = "ERROR", "error", nil
	}
	hostID := fmt.Sprintf("%x", sha256.Sum224([]byte(sv.ProjectID+sv.Host)))
	m := map[string]any{
		"id": sv.ID, "name": sv.Name, "status": status,
		"tenant_id": sv.ProjectID, "user_id": sv.UserID, "metadata": sv.Metadata,
		"hostId": hostID, "created": stamp(sv.Created), "updated": stamp(sv.Created),
		"addresses": addresses(sv, nv), "accessIPv4": sv.AccessV4, "accessIPv6": sv.AccessV6,
		"links":             links(r, "servers", sv.ID),
		"image":             map[string]any{"id": sv.ImageID, "links": []any{map[string]any{"rel": "bookmark", "href": osmux.Endpoint(r) + "/images/" + sv.ImageID}}},
		"OS-DCF:diskConfig": "MANUAL", "progress": 0,
		"OS-EXT-AZ:availability_zone": zone, "config_drive": "", "key_name": sv.KeyName,
		"OS-SRV-USG:launched_at": launched, "OS-SRV-USG:terminated_at": nil,
		"OS-EXT-STS:vm_state": vmState, "OS-EXT-STS:power_state": power, "OS-EXT-STS:task_state": task,
		"os-extended-volumes:volumes_attached": []any{},
		"security_groups":                      groupsOf(sv, nv),
	}
	if up {
		m["progress"] = 100
	}
	if f := sv.Fault; f != nil {
		m["fault"] = map[string]any{"code": f.Code, "message": f.Message, "created": stamp(f.Created)}
	}
	if c.version.atLeast(2, 71) {
		m["server_groups"] = s.serverGroups(r.Context(), sv)
	}
	if f, ok := lookupFlavor(sv.FlavorID); ok {
		if c.version.atLeast(2, 47) {
			m["flavor"] = map[string]any{"vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk, "ephemeral": f.Ephemeral,
				"swap": 0, "original_name": f.Name, "extra_specs": map[string]any{}}
		} else {
			m["flavor"] = map[string]any{"id": f.ID, "links": []any{map[string]any{"rel": "bookmark", "href": osmux.Endpoint(r) + "/flavors/" + f.ID}}}
		}
	}
	// os-extended-server-attributes: the admin's by default policy.
	if c.admin {
		m["OS-EXT-SRV-ATTR:host"] = sv.Host
		m["OS-EXT-SRV-ATTR:hypervisor_hostname"] = sv.Host
		m["OS-EXT-SRV-ATTR:instance_name"] = fmt.Sprintf("instance-%08x", sv.Seq)
		if c.version.atLeast(2, 3) {
			m["OS-EXT-SRV-ATTR:reservation_id"] = "r-" + sv.ID[:8]
			m["OS-EXT-SRV-ATTR:launch_index"] = 0
			m["OS-EXT-SRV-ATTR:kernel_id"] = ""
			m["OS-EXT-SRV-ATTR:ramdisk_id"] = ""
			m["OS-EXT-SRV-ATTR:root_device_name"] = "/dev/vda"
			m["OS-EXT-SRV-ATTR:user_data"] = nil
		}
		if c.version.atLeast(2, 16) {
			m["host_status"] = "UP"
		}
	}
	if c.version.atLeast(2, 3) && c.admin || c.version.atLeast(2, 90) {
		m["OS-EXT-SRV-ATTR:hostname"] = hostname(sv.Name)
	}
	if c.version.atLeast(2, 9) {
		m["locked"] = false
	}
	if c.version.atLeast(2, 19) {
		m["description"] = sv.Description
	}
	if c.version.atLeast(2, 26) {
		m["tags"] = []any{}
	}
	if c.version.atLeast(2, 63) {
		m["trusted_image_certificates"] = nil
	}
	if c.version.atLeast(2, 73) {
		m["locked_reason"] = nil
	}
	if c.version.atLeast(2, 96) {
		m["pinned_availability_zone"] = nil
	}
	return m
}

// find is the server id names as the caller may see it, or Nova's 404.
func (s *Service) find(r *http.Request, c *caller) (*server, error) {
	id := r.PathValue("id")
	sv, err := s.server(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if sv == nil || !visible(c, sv) {
		return nil, notFound("Instance %s could not be found.", id)
	}
	return sv, nil
}

func (s *Service) showServer(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	nv, err := s.network(r.Context(), c.token)
	if err != nil {
		s.log.Error("reading the server's network", "err", err)
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"server": s.view(r, c, sv, nv)})
}

// listServers answers GET /servers[/detail]: the project's servers (an
// admin's all_tenants: every project's), newest first as Nova sorts
// them, filtered by name (a regular expression, as in Nova), status,
// host, flavor and image, paged by limit and marker.
func (s *Service) listServers(detail bool) handler {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		q := r.URL.Query()
		all, err := s.servers(r.Context())
		if err != nil {
			fail(w, c.version, err)
			return
		}
		allTenants := false
		if q.Has("all_tenants") {
			b, ok := boolFromString(q.Get("all_tenants"))
			if !ok {
				fail(w, c.version, badRequest("Invalid input received: Unrecognized value '%s', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'", q.Get("all_tenants")))
				return
			}
			allTenants = b
		}
		if allTenants && !c.admin {
			rule := "index"
			if detail {
				rule = "detail"
			}
			fail(w, c.version, &apiError{http.StatusForbidden, "Policy doesn't allow os_compute_api:servers:" + rule + ":get_all_tenants to be performed."})
			return
		}
		var nameRE *regexp.Regexp
		if n := q.Get("name"); n != "" {
			if nameRE, err = regexp.Compile(n); err != nil {
				nameRE = regexp.MustCompile(regexp.QuoteMeta(n))
			}
		}
		project := c.project()
		if p := q.Get("project_id"); p != "" && c.admin {
			project, allTenants = p, false
		}
		var picked []*server
		for i := len(all) - 1; i >= 0; i-- {
			sv := all[i]
			switch {
			case !allTenants && sv.ProjectID != project,
				nameRE != nil && !nameRE.MatchString(sv.Name),
				q.Get("flavor") != "" && q.Get("flavor") != sv.FlavorID,
				q.Get("image") != "" && q.Get("image") != sv.ImageID,
				q.Get("host") != "" && c.admin && q.Get("host") != sv.Host:
				continue
			}
			if st := q.Get("status"); st != "" && !strings.EqualFold(st, s.status(sv)) {
				continue
			}
			picked = append(picked, sv)
		}
		if m := q.Get("marker"); m != "" {
			i := 0
			for i < len(picked) && picked[i].ID != m {
				i++
			}
			if i == len(picked) {
				fail(w, c.version, badRequest("marker [%s] not found", m))
				return
			}
			picked = picked[i+1:]
		}
		limit := -1
		if l := q.Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 0 {
				fail(w, c.version, badRequest("Invalid input for query parameters limit. Value: %s. '%s' does not match '^[0-9]*$'", l, l))
				return
			}
			limit = n
		}
		var next string
		if limit >= 0 && len(picked) > limit {
			picked = picked[:limit]
			if limit > 0 {
				next = picked[limit-1].ID
			}
		}
		var nv *netView
		if detail {
			if nv, err = s.network(r.Context(), c.token); err != nil {
				fail(w, c.version, err)
				return
			}
		}
		out := []any{}
		for _, sv := range picked {
			if detail {
				out = append(out, s.view(r, c, sv, nv))
			} else {
				out = append(out, map[string]any{"id": sv.ID, "name": sv.Name, "links": links(r, "servers", sv.ID)})
			}
		}
		body := map[string]any{"servers": out}
		if next != "" {
			u := osmux.Endpoint(r) + r.URL.Path
			nq := url.Values{}
			for k, v := range q {
				nq[k] = v
			}
			nq.Set("marker", next)
			body["servers_links"] = []any{map[string]any{"rel": "next", "href": u + "?" + nq.Encode()}}
		}
		writeJSON(w, c.version, http.StatusOK, body)
	}
}

// readBody decodes a JSON object body, or answers Nova's 400.
func readBody(r *http.Request) (map[string]any, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, &apiError{http.StatusRequestEntityTooLarge, "Request is too large."}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, badRequest("Malformed request body")
	}
	return m, nil
}

// invalid is a JSON-schema refusal as Nova words it.
func invalid(field string, value any, why string) *apiError {
	b, _ := json.Marshal(value)
	return badRequest("Invalid input for field/attribute %s. Value: %s. %s", field, b, why)
}

// boolFromString is oslo's strict bool_from_string.
func boolFromString(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

// groupsOf is the server's security_groups: the names of its ports'
// groups, once each, as Nova reads them from Neutron; the names the
// create asked for when it has no port or Neutron has no groups.
func groupsOf(sv *server, nv *netView) []any {
	out := []any{}
	seen := map[string]bool{}
	ported := false
	for _, p := range nv.ports {
		if str(p["device_id"]) != sv.ID || nv.groups == nil {
			continue
		}
		ported = true
		ids, _ := p["security_groups"].([]any)
		for _, id := range ids {
			name := nv.groups[str(id)]
			if name == "" {
				name = str(id)
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, map[string]any{"name": name})
			}
		}
	}
	if !ported {
		for _, g := range sv.SecurityGroups {
			out = append(out, map[string]any{"name": g})
		}
	}
	return out
}
