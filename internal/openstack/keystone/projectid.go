package keystone

import (
	"context"
	"fmt"
)

// ProjectID returns the id of the project named name in the Default
// domain, where Bootstrap seeds every project: clients such as gophercloud
// scope by OS_PROJECT_ID, which openrc prints.
func (s *Service) ProjectID(ctx context.Context, name string) (string, error) {
	var f filter
	f.add("p.domain_id = ?", DefaultDomainID)
	f.add("p.name = ?", name)
	ps, err := s.projects(ctx, f)
	if err != nil {
		return "", err
	}
	if len(ps) == 0 {
		return "", fmt.Errorf("keystone: no project %q in domain %s", name, DefaultDomainID)
	}
	return ps[0].ID, nil
}
