package nova

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The addSecurityGroup and removeSecurityGroup server actions: Nova
// changes the security groups of every port of the server, through
// Neutron as the user. Terraform's openstack_compute_instance_v2 sends
// them when its security_groups change, `openstack server add security
// group` too.

const sgCannotBeApplied = "Network requires port_security_enabled and subnet associated in order to apply security groups."

// securityGroupAction answers addSecurityGroup (add true) and
// removeSecurityGroup: 202 and no body.
func (s *Service) securityGroupAction(w http.ResponseWriter, r *http.Request, c *caller, sv *server, args any, add bool) {
	name, err := groupNameArg(args)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	id, err := s.findSecurityGroup(r, c, name)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	ports, err := s.list(r.Context(), c.token, "ports", url.Values{"device_id": {sv.ID}})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if len(ports) == 0 {
		fail(w, c.version, notFound("instance_id %s could not be found as device id on any ports", sv.ID))
		return
	}
	if add {
		err = s.addGroupToPorts(r, c, ports, id)
	} else {
		err = s.removeGroupFromPorts(r, c, ports, id, name, sv.ID)
	}
	if err != nil {
		fail(w, c.version, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// groupNameArg reads {"name": NAME} as Nova's action parser does.
func groupNameArg(args any) (string, error) {
	m, ok := args.(map[string]any)
	if !ok {
		return "", badRequest("Missing parameter dict")
	}
	v, ok := m["name"]
	if !ok {
		return "", badRequest("Security group not specified")
	}
	name, ok := v.(string)
	if !ok {
		return "", invalid("name", v, "is not of type 'string'")
	}
	if strings.TrimSpace(name) == "" {
		return "", badRequest("Security group name cannot be empty")
	}
	return name, nil
}

// findSecurityGroup resolves a group as Nova does through
// neutronclient: an id the user sees first, then a name among the
// project's groups, which must be unique.
func (s *Service) findSecurityGroup(r *http.Request, c *caller, name string) (string, error) {
	byID, err := s.list(r.Context(), c.token, "security-groups", url.Values{"id": {name}})
	if err != nil {
		return "", err
	}
	if len(byID) == 1 {
		return str(byID[0]["id"]), nil
	}
	byName, err := s.list(r.Context(), c.token, "security-groups", url.Values{"name": {name}, "project_id": {c.project()}})
	if err != nil {
		return "", err
	}
	switch len(byName) {
	case 0:
		return "", notFound("Security group %s is not found for project %s", name, c.project())
	case 1:
		return str(byName[0]["id"]), nil
	}
	return "", conflicting("Multiple security_group matches found for name '%s', use an ID to be more specific.", name)
}

// addGroupToPorts adds group id to every port, after checking that each
// can take groups (port security on and an address), so that a refusal
// leaves no port changed.
func (s *Service) addGroupToPorts(r *http.Request, c *caller, ports []map[string]any, id string) error {
	for _, p := range ports {
		fixed, _ := p["fixed_ips"].([]any)
		if on, ok := p["port_security_enabled"].(bool); (ok && !on) || len(fixed) == 0 {
			return badRequest(sgCannotBeApplied)
		}
	}
	for _, p := range ports {
		groups := portGroups(p)
		if slices.Contains(groups, id) {
			continue
		}
		if err := s.setPortGroups(r, c, p, append(groups, id)); err != nil {
			return err
		}
	}
	return nil
}

// removeGroupFromPorts takes group id off every port that has it; none
// having it is Nova's 404.
func (s *Service) removeGroupFromPorts(r *http.Request, c *caller, ports []map[string]any, id, name, server string) error {
	found := false
	for _, p := range ports {
		groups := portGroups(p)
		i := slices.Index(groups, id)
		if i < 0 {
			continue
		}
		if err := s.setPortGroups(r, c, p, slices.Delete(groups, i, i+1)); err != nil {
			return err
		}
		found = true
	}
	if !found {
		return notFound("Security group %s not associated with the instance %s", name, server)
	}
	return nil
}

func portGroups(p map[string]any) []string {
	ids, _ := p["security_groups"].([]any)
	out := make([]string, 0, len(ids)+1)
	for _, id := range ids {
		out = append(out, str(id))
	}
	return out
}

// setPortGroups updates a port's groups as the user; Neutron's 400 is
// Nova's 400 with Neutron's words.
func (s *Service) setPortGroups(r *http.Request, c *caller, p map[string]any, groups []string) error {
	rep, err := s.neutron(r.Context(), c.token, "PUT", "/v2.0/ports/"+str(p["id"]),
		map[string]any{"port": map[string]any{"security_groups": groups}})
	if err != nil {
		return err
	}
	switch {
	case rep.ok():
		return nil
	case rep.status == http.StatusBadRequest:
		return badRequest("%s", rep.message())
	}
	return fmt.Errorf("nova: neutron updates port %s: %d %s", str(p["id"]), rep.status, rep.message())
}
