package nova

import (
	"context"

	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// bindPorts binds the server's ports to its compute host (or unbinds
// them, host ""), as Nova's compute does with its service role: the
// user's token could not set binding:host_id. A port that refuses is
// logged; the server keeps its addresses.
func (s *Service) bindPorts(ctx context.Context, token string, ports []string, host string) {
	for _, p := range ports {
		r, err := s.neutron(neutron.AsService(ctx), token, "PUT", "/v2.0/ports/"+p,
			map[string]any{"port": map[string]any{"binding:host_id": host}})
		if err == nil && !r.ok() && r.status != 404 {
			s.log.Error("binding a port", "port", p, "host", host, "status", r.status, "message", r.message())
		} else if err != nil {
			s.log.Error("binding a port", "port", p, "host", host, "err", err)
		}
	}
}
