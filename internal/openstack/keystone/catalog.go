package keystone

import (
	"context"
	"fmt"
)

// CatalogService is a catalog entry: one OpenStack service and its endpoints.
type CatalogService struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	Endpoints []CatalogEndpoint `json:"endpoints"`
}

// CatalogEndpoint is one URL of a service in a region, for one interface.
type CatalogEndpoint struct {
	ID        string `json:"id"`
	Interface string `json:"interface"`
	Region    string `json:"region"`
	RegionID  string `json:"region_id"`
	URL       string `json:"url"`
}

// Catalog lists every service with its endpoints in every region, ordered
// so that answers are stable.
func (s *Service) Catalog(ctx context.Context) ([]CatalogService, error) {
	rows, err := s.st.DB().QueryContext(ctx, `SELECT s.id, s.type, s.name, e.id, e.interface, e.region_id, e.url
		FROM services s JOIN endpoints e ON e.service_id = s.id
		ORDER BY s.type, e.region_id, e.interface`)
	if err != nil {
		return nil, fmt.Errorf("keystone: read catalog: %w", err)
	}
	defer rows.Close()
	var cat []CatalogService
	for rows.Next() {
		var sv CatalogService
		var e CatalogEndpoint
		if err := rows.Scan(&sv.ID, &sv.Type, &sv.Name, &e.ID, &e.Interface, &e.RegionID, &e.URL); err != nil {
			return nil, fmt.Errorf("keystone: read catalog: %w", err)
		}
		e.Region = e.RegionID
		if n := len(cat); n == 0 || cat[n-1].ID != sv.ID {
			cat = append(cat, sv)
		}
		last := &cat[len(cat)-1]
		last.Endpoints = append(last.Endpoints, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("keystone: read catalog: %w", err)
	}
	return cat, nil
}
