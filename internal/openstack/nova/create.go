package nova

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/intercloud/intercloud/internal/openstack/glance"
)

// nic is one entry of a create's networks: a network to make a port on
// (with a fixed IP, maybe) or a port to bind.
type nic struct {
	network, port, fixedIP string
}

// refID is the id a flavorRef or imageRef names: itself, or the last
// element of a link to it.
func refID(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		if strings.Contains(x, "/") {
			return path.Base(x), true
		}
		return x, true
	case float64:
		return fmt.Sprint(x), x == float64(int64(x))
	}
	return "", false
}

func (s *Service) createServer(w http.ResponseWriter, r *http.Request, c *caller) {
	body, err := readBody(r)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	sv, nics, err := s.parseCreate(c, body)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if sv.Group, err = schedulerGroup(body); err != nil {
		fail(w, c.version, err)
		return
	}
	if kn, ok := body["server"].(map[string]any)["key_name"]; ok && kn != nil {
		name, _ := kn.(string)
		k, err := s.keypair(r.Context(), c.User.ID, name)
		if err != nil {
			fail(w, c.version, badRequest("Invalid key_name provided."))
			return
		}
		sv.KeyName, sv.KeyFingerprint = &k.Name, k.Fingerprint
	}
	groups, err := s.securityGroups(r.Context(), c, sv.SecurityGroups)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if err := s.attach(r.Context(), c, sv, nics, groups); err != nil {
		fail(w, c.version, err)
		return
	}
	if err := s.insert(r.Context(), sv); err != nil {
		if ae := (*apiError)(nil); !errors.As(err, &ae) {
			s.log.Error("storing a server", "err", err)
		}
		s.detach(r.Context(), c.token, sv)
		fail(w, c.version, err)
		return
	}
	if sv.Fault != nil {
		// Nova's conductor frees the networking of a server it could
		// not schedule; the server stays, in ERROR.
		if err := s.detach(r.Context(), c.token, sv); err != nil {
			s.log.Error("releasing an unscheduled server's ports", "server", sv.ID, "err", err)
		}
		sv.Ports, sv.OwnPorts = nil, nil
		if err := s.save(r.Context(), sv); err != nil {
			s.log.Error("storing an unscheduled server", "server", sv.ID, "err", err)
		}
	} else {
		s.bindPorts(r.Context(), c.token, sv.Ports, sv.Host)
	}
	sgs := []any{}
	for _, g := range sv.SecurityGroups {
		sgs = append(sgs, map[string]any{"name": g})
	}
	l := links(r, "servers", sv.ID)
	w.Header().Set("Location", l[0].(map[string]any)["href"].(string))
	writeJSON(w, c.version, http.StatusAccepted, map[string]any{"server": map[string]any{
		"id": sv.ID, "links": l, "OS-DCF:diskConfig": "MANUAL", "security_groups": sgs, "adminPass": adminPass(),
	}})
}

// parseCreate checks a create's body as Nova's schema and API do.
func (s *Service) parseCreate(c *caller, body map[string]any) (*server, []nic, error) {
	req, ok := body["server"].(map[string]any)
	if !ok {
		return nil, nil, invalid("server", body["server"], "'server' is a required property")
	}
	name, ok := req["name"].(string)
	if !ok {
		return nil, nil, invalid("server", req, "'name' is a required property")
	}
	if strings.TrimSpace(name) == "" || len(name) > 255 {
		return nil, nil, invalid("name", name, "'"+name+"' does not match '^(?! )[\\S ]{1,255}(?<! )$'")
	}
	if req["flavorRef"] == nil {
		return nil, nil, invalid("server", req, "'flavorRef' is a required property")
	}
	flavorID, ok := refID(req["flavorRef"])
	if _, found := lookupFlavor(flavorID); !ok || !found {
		return nil, nil, badRequest("Invalid flavorRef provided.")
	}
	imageID, _ := refID(req["imageRef"])
	if imageID == "" {
		return nil, nil, badRequest("Missing imageRef attribute")
	}
	if !uuidRE.MatchString(imageID) {
		return nil, nil, badRequest("Invalid imageRef provided.")
	}
	im, found := glance.Lookup(imageID)
	if !found {
		return nil, nil, badRequest("Can not find requested image")
	}
	if f, _ := lookupFlavor(flavorID); f.RAM < im.MinRAM {
		return nil, nil, badRequest("Flavor's memory is too small for requested image.")
	} else if f.Disk < im.MinDisk {
		return nil, nil, badRequest("Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is %d bytes, minimum size is %d bytes.", f.Disk<<30, im.MinDisk<<30)
	}
	if az, ok := req["availability_zone"].(string); ok && az != "" && az != "nova" {
		return nil, nil, badRequest("The requested availability zone is not available")
	}
	sv := &server{
		ID: newUUID(), Name: name, ProjectID: c.project(), UserID: c.User.ID,
		ImageID: im.ID, FlavorID: flavorID, Created: s.cfg.Now().UTC(),
		Metadata: map[string]string{}, SecurityGroups: []string{"default"},
	}
	if c.version.atLeast(2, 19) {
		if d, ok := req["description"].(string); ok {
			sv.Description = &d
		}
	}
	if md, ok := req["metadata"].(map[string]any); ok {
		for k, v := range md {
			vs, ok := v.(string)
			if !ok {
				return nil, nil, invalid("metadata", md, fmt.Sprintf("%v is not of type 'string'", v))
			}
			sv.Metadata[k] = vs
		}
	}
	if groups, ok := req["security_groups"].([]any); ok {
		sv.SecurityGroups = nil
		for _, g := range groups {
			n, _ := g.(map[string]any)["name"].(string)
			if n == "" {
				return nil, nil, invalid("security_groups", groups, "'name' is a required property")
			}
			sv.SecurityGroups = append(sv.SecurityGroups, n)
		}
	}
	nics, err := parseNetworks(c, req)
	return sv, nics, err
}

// parseNetworks reads networks: a list of {uuid, port, fixed_ip}, or
// from 2.37 "auto" or "none" (and then required). nil asks for Nova's
// choice; an empty list for none.
func parseNetworks(c *caller, req map[string]any) ([]nic, error) {
	raw, has := req["networks"]
	if !has {
		if c.version.atLeast(2, 37) {
			return nil, invalid("server", req, "'networks' is a required property")
		}
		return nil, nil
	}
	if sv, ok := raw.(string); ok && c.version.atLeast(2, 37) {
		switch sv {
		case "auto":
			return nil, nil
		case "none":
			return []nic{}, nil
		}
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, invalid("networks", raw, "is not of type 'array'")
	}
	nics := []nic{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, invalid("networks", raw, "is not of type 'object'")
		}
		n := nic{network: str(m["uuid"]), port: str(m["port"]), fixedIP: str(m["fixed_ip"])}
		if n.port != "" && !uuidRE.MatchString(n.port) {
			return nil, badRequest("Bad port format: port uuid is not in proper format (%s)", n.port)
		}
		if n.port == "" && !uuidRE.MatchString(n.network) {
			return nil, badRequest("Bad networks format: network uuid is not in proper format (%s)", n.network)
		}
		nics = append(nics, n)
	}
	return nics, nil
}

// attach gives the server its ports, as the requesting user: a port
// Neutron makes on each network asked for, or the port named, bound.
// Nothing is left behind when one fails.
func (s *Service) attach(ctx context.Context, c *caller, sv *server, nics []nic, groups []string) error {
	if nics == nil {
		n, err := s.defaultNetwork(ctx, c)
		if err != nil {
			return err
		}
		if n != "" {
			nics = []nic{{network: n}}
		}
	}
	// Check everything before changing anything.
	for _, n := range nics {
		if n.port != "" {
			r, err := s.neutron(ctx, c.token, "GET", "/v2.0/ports/"+n.port, nil)
			if err != nil {
				return err
			}
			if !r.ok() {
				return badRequest("Port id %s could not be found.", n.port)
			}
			p, _ := r.body["port"].(map[string]any)
			if str(p["device_id"]) != "" {
				return conflicting("Port %s is still in use.", n.port)
			}
			if err := checkPortDNS(p, n.port, sv); err != nil {
				return err
			}
			continue
		}
		r, err := s.neutron(ctx, c.token, "GET", "/v2.0/networks/"+n.network, nil)
		if err != nil {
			return err
		}
		if !r.ok() {
			return badRequest("Network %s could not be found.", n.network)
		}
		// Nova refuses a network with no subnet before asking Neutron
		// for a port (NetworkRequiresSubnet), rather than passing on
		// Neutron's refusal of security groups on an address-less port.
		if nw, _ := r.body["network"].(map[string]any); nw != nil {
			if subnets, _ := nw["subnets"].([]any); len(subnets) == 0 {
				return badRequest("Network %s requires a subnet in order to boot instances on.", n.network)
			}
		}
	}
	for _, n := range nics {
		if err := s.plug(ctx, c.token, sv, n, groups); err != nil {
			s.detach(ctx, c.token, sv)
			return err
		}
	}
	return nil
}

// plug makes or binds one port of the server. A port Nova makes is in
// groups (Neutron's default group when nil); a given port keeps its own.
func (s *Service) plug(ctx context.Context, token string, sv *server, n nic, groups []string) error {
	bind := map[string]any{"device_id": sv.ID, "device_owner": "compute:nova"}
	if s.neutronHasDNS(ctx, token) {
		bind["dns_name"] = hostname(sv.Name) // Neutron's DHCP and DNS then name it so
	}
	if n.port != "" {
		r, err := s.neutron(ctx, token, "PUT", "/v2.0/ports/"+n.port, map[string]any{"port": bind})
		if err != nil {
			return err
		}
		if !r.ok() {
			return badRequest("%s", r.message())
		}
		sv.Ports = append(sv.Ports, n.port)
		return nil
	}
	bind["network_id"] = n.network
	if groups != nil {
		bind["security_groups"] = groups
	}
	if n.fixedIP != "" {
		bind["fixed_ips"] = []any{map[string]any{"ip_address": n.fixedIP}}
	}
	r, err := s.neutron(ctx, token, "POST", "/v2.0/ports", map[string]any{"port": bind})
	if err != nil {
		return err
	}
	if !r.ok() {
		if r.status == http.StatusConflict && strings.Contains(r.message(), "already allocated") {
			return badRequest("Fixed IP address %s is already in use on instance.", n.fixedIP)
		}
		return badRequest("%s", r.message())
	}
	p, _ := r.body["port"].(map[string]any)
	id := str(p["id"])
	sv.Ports = append(sv.Ports, id)
	sv.OwnPorts = append(sv.OwnPorts, id)
	return nil
}

// detach deletes the ports Nova made for the server and unbinds the
// others, as Nova does when it deletes a server. A port already gone is
// no error.
func (s *Service) detach(ctx context.Context, token string, sv *server) error {
	own := map[string]bool{}
	for _, p := range sv.OwnPorts {
		own[p] = true
	}
	var first error
	for _, p := range sv.Ports {
		var r neutronReply
		var err error
		if own[p] {
			r, err = s.neutron(ctx, token, "DELETE", "/v2.0/ports/"+p, nil)
		} else {
			s.bindPorts(ctx, token, []string{p}, "")
			unbind := map[string]any{"device_id": "", "device_owner": ""}
			if s.neutronHasDNS(ctx, token) {
				unbind["dns_name"] = ""
			}
			r, err = s.neutron(ctx, token, "PUT", "/v2.0/ports/"+p, map[string]any{"port": unbind})
		}
		if err == nil && !r.ok() && r.status != http.StatusNotFound {
			err = fmt.Errorf("nova: port %s: %d %s", p, r.status, r.message())
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// defaultNetwork is the network Nova picks when none is asked for: the
// only one the project may use (its own or shared, not external), ""
// when there is none; more than one is the user's to choose.
func (s *Service) defaultNetwork(ctx context.Context, c *caller) (string, error) {
	nets, err := s.list(ctx, c.token, "networks", url.Values{"router:external": {"false"}})
	if err != nil {
		return "", err
	}
	var usable []string
	for _, n := range nets {
		if str(n["project_id"]) == c.project() || n["shared"] == true {
			usable = append(usable, str(n["id"]))
		}
	}
	switch len(usable) {
	case 0:
		return "", nil
	case 1:
		return usable[0], nil
	}
	return "", conflicting("Multiple possible networks found, use a Network ID to be more specific.")
}

func (s *Service) deleteServer(w http.ResponseWriter, r *http.Request, c *caller) {
	sv, err := s.find(r, c)
	if err != nil {
		fail(w, c.version, err)
		return
	}
	if err := s.detach(r.Context(), c.token, sv); err != nil {
		s.log.Error("releasing a server's ports", "server", sv.ID, "err", err)
		fail(w, c.version, err)
		return
	}
	if err := s.remove(r.Context(), sv.ID); err != nil {
		fail(w, c.version, err)
		return
	}
	writeJSON(w, c.version, http.StatusNoContent, nil)
}

// serverAction answers POST /servers/{id}/action: os-getConsoleOutput.
func (s *Service) serverAction(w http.ResponseWriter, r *http.Request, c *caller) {
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
	if len(body) != 1 {
		fail(w, c.version, badRequest("Malformed request body"))
		return
	}
	for action, args := range body {
		switch action {
		case "os-getConsoleOutput":
			s.consoleOutput(w, r, c, sv, args)
		case "addSecurityGroup", "removeSecurityGroup":
			s.securityGroupAction(w, r, c, sv, args, action == "addSecurityGroup")
		default:
			fail(w, c.version, badRequest("There is no such action: %s", action))
		}
	}
}
