package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"
)

// Tables of a cloud that live in its OpenStack APIs rather than in the
// lab (show CLOUD interconnections). The daemon sets the reader when it
// serves clouds.

// CloudTables reads table of cloud; ok is false when it is not such a
// table (the lab's tables then answer).
type CloudTables func(ctx context.Context, cloud, table string) (data any, text string, ok bool, err error)

// SetCloudTables sets where show finds the clouds' own tables.
func (s *Server) SetCloudTables(f CloudTables) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cloudTables = f
}

// cloudTable answers a cloud's own table, reporting whether it did.
func (s *Server) cloudTable(w http.ResponseWriter, r *http.Request, node, table string) bool {
	s.mu.Lock()
	f := s.cloudTables
	s.mu.Unlock()
	if f == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	data, text, ok, err := f(ctx, node, table)
	if !ok {
		return false
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("reading %s's %s: %w", node, table, err))
		return true
	}
	writeJSON(w, http.StatusOK, Table{Node: node, Table: table, Data: data, Text: text})
	return true
}

// Interconnection is one half of a Neutron-Neutron interconnection (the
// interconnection API of the cloud's Neutron) with the BGPVPNs built for
// it: a row of show CLOUD interconnections.
type Interconnection struct {
	ID                      string                  `json:"id"`
	Name                    string                  `json:"name"`
	Project                 string                  `json:"project_id"`
	Type                    string                  `json:"type"`
	State                   string                  `json:"state"`
	Reason                  string                  `json:"state_reason"`
	LocalResource           string                  `json:"local_resource_id"`
	RemoteRegion            string                  `json:"remote_region"`
	RemoteResource          string                  `json:"remote_resource_id"`
	RemoteInterconnectionID string                  `json:"remote_interconnection_id"`
	LocalRT                 string                  `json:"local_route_target"`
	RemoteRT                string                  `json:"remote_route_target"`
	BGPVPNs                 []InterconnectionBGPVPN `json:"bgpvpns"`
}

// InterconnectionBGPVPN is a BGPVPN an interconnection built.
type InterconnectionBGPVPN struct {
	ID            string   `json:"id"`
	ImportTargets []string `json:"import_targets"`
	ExportTargets []string `json:"export_targets"`
	Routers       []string `json:"routers"`
	Networks      []string `json:"networks"`
}

// InterconnectionsText renders the halves as show prints them.
func InterconnectionsText(cloud string, ics []Interconnection) string {
	if len(ics) == 0 {
		return fmt.Sprintf("%s has no interconnections\n", cloud)
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tLOCAL\tREMOTE\tSTATE\tEXPORT\tIMPORT\tBGPVPN")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, ic := range ics {
		vpn := "-"
		if len(ic.BGPVPNs) > 0 {
			v := ic.BGPVPNs[0]
			vpn = v.ID + " on " + strings.Join(append(append([]string{}, v.Routers...), v.Networks...), ",")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s:%s\t%s\t%s\t%s\t%s\n", ic.ID, ic.Type, ic.LocalResource, ic.RemoteRegion, ic.RemoteResource,
			ic.State, dash(ic.LocalRT), dash(ic.RemoteRT), vpn)
	}
	tw.Flush()
	for _, ic := range ics {
		if ic.Reason != "" {
			fmt.Fprintf(&b, "%s: %s\n", ic.ID, ic.Reason)
		}
	}
	return b.String()
}
