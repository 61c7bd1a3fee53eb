package nova

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// A server's interfaces (/servers/{id}/os-interface[/{port_id}]): attach
// a port, or a new one on a network, to a running server and detach it.
// Terraform's openstack_compute_interface_attach_v2 and `openstack server
// add port` / `add network` / `remove port` use them.

// interfaceView is Nova's interface attachment: the port as Neutron has
// it, tag from 2.70.
func interfaceView(c *caller, p map[string]any) map[string]any {
	v := map[string]any{
		"net_id": p["network_id"], "port_id": p["id"], "mac_addr": p["mac_address"],
		"port_state": p["status"], "fixed_ips": p["fixed_ips"],
	}
	if c.version.atLeast(2, 70) {
		v["tag"] = nil
	}
	return v
}

func (s *Service) listInterfaces(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	ports, err := s.list(r.Context(), c.token, "ports", url.Values{"device_id": {sv.ID}})
	if err != nil {
		fail(w, c.version, err)
		return
	}
	out := []any{}
	for _, p := range ports {
		out = append(out, interfaceView(c, p))
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"interfaceAttachments": out})
}

// serverPort is port id of server sv, or Nova's 404s.
func (s *Service) serverPort(r *http.Request, c *caller, sv *server, id string) (map[string]any, error) {
	rep, err := s.neutron(r.Context(), c.token, "GET", "/v2.0/ports/"+url.PathEscape(id), nil)
	if err != nil {
		return nil, err
	}
	if !rep.ok() {
		return nil, notFound("Port id %s could not be found.", id)
	}
	p, _ := rep.body["port"].(map[string]any)
	if str(p["device_id"]) != sv.ID {
		return nil, notFound("Instance %s does not have a port with id %s", sv.ID, id)
	}
	return p, nil
}

func (s *Service) showInterface(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	p, err := s.serverPort(r, c, sv, r.PathValue("port"))
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"interfaceAttachment": interfaceView(c, p)})
}

// attachRequest reads {"interfaceAttachment": {net_id | port_id,
// fixed_ips: [{ip_address}]}} as Nova's schema and controller do; an
// empty body picks the project's only network.
func attachRequest(body map[string]any) (nic, error) {
	var n nic
	for k := range body {
		if k != "interfaceAttachment" {
			return n, invalid("", body, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
		}
	}
	raw, ok := body["interfaceAttachment"]
	if !ok {
		return n, nil
	}
	a, ok := raw.(map[string]any)
	if !ok {
		return n, invalid("interfaceAttachment", raw, "is not of type 'object'")
	}
	for k, v := range a {
		switch k {
		case "net_id", "port_id":
			id, ok := v.(string)
			if !ok || !uuidRE.MatchString(id) {
				b, _ := json.Marshal(v)
				return n, invalid("interfaceAttachment/"+k, v, fmt.Sprintf("%s is not a 'uuid'", b))
			}
			if k == "net_id" {
				n.network = id
			} else {
				n.port = id
			}
		case "fixed_ips":
			ips, ok := v.([]any)
			if !ok || len(ips) > 1 {
				return n, invalid("interfaceAttachment/fixed_ips", v, "is not a list of at most one fixed IP")
			}
			for _, e := range ips {
				m, _ := e.(map[string]any)
				ip, ok := m["ip_address"].(string)
				if !ok || len(m) != 1 {
					return n, invalid("interfaceAttachment/fixed_ips/0", e, "'ip_address' is a required property")
				}
				n.fixedIP = ip
			}
		default:
			return n, invalid("interfaceAttachment", a, fmt.Sprintf("Additional properties are not allowed ('%s' was unexpected)", k))
		}
	}
	if n.network != "" && n.port != "" {
		return n, badRequest("Must not input both network_id and port_id")
	}
	if n.fixedIP != "" && n.network == "" {
		return n, badRequest("Must input network_id when request IP address")
	}
	return n, nil
}

// attachInterface answers POST /servers/{id}/os-interface: the port
// bound to the server (or made on the network, in the server's groups)
// and to its host, as the interface attachment Nova shows.
func (s *Service) attachInterface(w http.ResponseWriter, r *http.Request, c *caller) {
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
	n, err := attachRequest(body)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if !s.active(sv) {
		fail(w, c.version, conflicting("Cannot 'attach_interface' instance %s while it is in vm_state building", sv.ID))
		return
	}
	if err := s.checkAttachable(r, c, &n); err != nil {
		fail(w, c.version, err)
		return
	}
	var groups []string
	if n.port == "" {
		if groups, err = s.securityGroups(r.Context(), c, sv.SecurityGroups); err != nil {
			fail(w, c.version, err)
			return
		}
	}
	before, ownBefore := len(sv.Ports), len(sv.OwnPorts)
	if err := s.plug(r.Context(), c.token, sv, n, groups); err != nil {
		if ae := (*apiError)(nil); errors.As(err, &ae) && strings.Contains(ae.message, "already in use") {
			err = conflicting("%s", ae.message)
		}
		fail(w, c.version, err)
		return
	}
	added := sv.Ports[before:]
	if err := s.save(r.Context(), sv); err != nil {
		s.detach(r.Context(), c.token, &server{ID: sv.ID, Name: sv.Name, Ports: added, OwnPorts: sv.OwnPorts[ownBefore:]})
		fail(w, c.version, err)
		return
	}
	s.bindPorts(r.Context(), c.token, added, sv.Host)
	p, err := s.serverPort(r, c, sv, added[0])
	if err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusOK, map[string]any{"interfaceAttachment": interfaceView(c, p)})
}

// checkAttachable refuses, as Nova does, a port that does not exist or
// is in use and a network that does not exist; with neither it picks
// the project's only network.
func (s *Service) checkAttachable(r *http.Request, c *caller, n *nic) error {
	ctx := r.Context()
	switch {
	case n.port != "":
		rep, err := s.neutron(ctx, c.token, "GET", "/v2.0/ports/"+n.port, nil)
		if err != nil {
			return err
		}
		if !rep.ok() {
			return notFound("Port id %s could not be found.", n.port)
		}
		if p, _ := rep.body["port"].(map[string]any); str(p["device_id"]) != "" {
			return conflicting("Port %s is still in use.", n.port)
		}
	case n.network != "":
		rep, err := s.neutron(ctx, c.token, "GET", "/v2.0/networks/"+n.network, nil)
		if err != nil {
			return err
		}
		if !rep.ok() {
			return notFound("Network %s could not be found.", n.network)
		}
	default:
		id, err := s.defaultNetwork(ctx, c)
		if ae := (*apiError)(nil); errors.As(err, &ae) && ae.status == http.StatusConflict {
			return badRequest("%s", ae.message)
		}
		if err != nil {
			return err
		}
		if id == "" {
			return badRequest("No specific network was requested and none are available for project '%s'.", c.project())
		}
		n.network = id
	}
	return nil
}

// detachInterface answers DELETE /servers/{id}/os-interface/{port_id}:
// 202, the port Nova made deleted, one it was given unbound. Nova's
// compute does this after answering, so a port the server does not have
// is accepted and nothing happens.
func (s *Service) detachInterface(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if !s.active(sv) {
		fail(w, c.version, conflicting("Cannot 'detach_interface' instance %s while it is in vm_state building", sv.ID))
		return
	}
	id := r.PathValue("port")
	if _, err := s.serverPort(r, c, sv, id); err != nil {
		if ae := (*apiError)(nil); errors.As(err, &ae) && ae.status == http.StatusNotFound {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		fail(w, c.version, err)
		return
	}
	one := &server{ID: sv.ID, Name: sv.Name, Ports: []string{id}}
	if slices.Contains(sv.OwnPorts, id) {
		one.OwnPorts = []string{id}
	}
	if err := s.detach(r.Context(), c.token, one); err != nil {
		fail(w, c.version, err)
		return
	}
	sv.Ports = slices.DeleteFunc(sv.Ports, func(p string) bool { return p == id })
	sv.OwnPorts = slices.DeleteFunc(sv.OwnPorts, func(p string) bool { return p == id })
	if err := s.save(r.Context(), sv); err != nil {
		fail(w, c.version, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
