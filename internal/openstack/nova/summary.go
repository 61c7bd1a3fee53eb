package nova

import "context"

// ServerSummary is what a view of the lab shows of a server; its
// addresses are its ports', which Neutron holds.
type ServerSummary struct {
	ID        string
	Name      string
	ProjectID string
	Host      string   // the compute node it runs on
	Ports     []string // Neutron port ids, in order
}

// Servers lists the region's servers in creation order.
func (s *Service) Servers(ctx context.Context) ([]ServerSummary, error) {
	svs, err := s.servers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ServerSummary, 0, len(svs))
	for _, sv := range svs {
		out = append(out, ServerSummary{ID: sv.ID, Name: sv.Name, ProjectID: sv.ProjectID, Host: sv.Host, Ports: append([]string(nil), sv.Ports...)})
	}
	return out, nil
}
