package nova

import "context"

// neutronHasDNS reports whether the region's Neutron has DNS integration
// (dns-integration), as Nova asks before naming a server's ports after
// its hostname.
func (s *Service) neutronHasDNS(ctx context.Context, token string) bool {
	r, err := s.neutron(ctx, token, "GET", "/v2.0/extensions/dns-integration", nil)
	return err == nil && r.ok()
}

// checkPortDNS is Nova's PortNotUsableDNS: a port given to a server
// whose dns_name is set must carry the server's hostname.
func checkPortDNS(port map[string]any, id string, sv *server) error {
	if name := str(port["dns_name"]); name != "" && name != hostname(sv.Name) {
		return badRequest("Port %s not usable for instance %s. Value %s assigned to dns_name attribute does not match instance's hostname %s",
			id, sv.ID, name, hostname(sv.Name))
	}
	return nil
}
