package srte

import (
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// PolicyView is a row of "show NODE sr-policy".
type PolicyView struct {
	Name         string     `json:"name,omitempty"`
	Color        uint32     `json:"color"`
	Endpoint     netip.Addr `json:"endpoint"`
	EndpointName string     `json:"endpoint_name,omitempty"`
	State        string     `json:"state"` // "up" or "down"
	// ActivePreference is the preference of the active candidate path
	// (0 when the policy is down).
	ActivePreference uint32     `json:"active_preference,omitempty"`
	Paths            []PathView `json:"candidate_paths"`
}

// PathView is one candidate path and what became of it.
type PathView struct {
	Name       string    `json:"name,omitempty"`
	Preference uint32    `json:"preference"`
	Type       string    `json:"type"` // "explicit" or "dynamic"
	Strict     bool      `json:"strict,omitempty"`
	Metric     Metric    `json:"metric,omitempty"`
	ExcludeAny []string  `json:"exclude_any,omitempty"`
	Active     bool      `json:"active"`
	Valid      bool      `json:"valid"`
	Reason     string    `json:"reason,omitempty"` // why invalid
	Segments   []Segment `json:"segments,omitempty"`
	// Hops are the routers a dynamic path crosses and Cost its metric
	// (microseconds for latency).
	Hops     []netip.Addr     `json:"hops,omitempty"`
	Cost     uint64           `json:"cost,omitempty"`
	Nexthops []router.Nexthop `json:"nexthops,omitempty"`
}

// Policies lists the policies, by color then endpoint.
func (h *Headend) Policies() []PolicyView {
	out := make([]PolicyView, 0, len(h.policies))
	for _, p := range h.policies {
		v := PolicyView{Name: p.Name, Color: p.Color, Endpoint: p.Endpoint, State: "down"}
		if h.cfg.Name != nil {
			v.EndpointName = h.cfg.Name(p.Endpoint)
		}
		if p.active >= 0 {
			v.State, v.ActivePreference = "up", p.Paths[p.active].Preference
		}
		for i, c := range p.Paths {
			pv := PathView{Name: c.Name, Preference: c.Preference, Type: "explicit", Strict: c.Strict, Active: i == p.active}
			if c.Dynamic != nil {
				pv.Type, pv.Metric, pv.ExcludeAny = "dynamic", c.Dynamic.Metric, c.Dynamic.ExcludeAny
			}
			if i < len(p.results) {
				r := p.results[i]
				pv.Valid, pv.Reason, pv.Hops, pv.Cost = r.valid, r.reason, r.hops, r.cost
				pv.Segments, pv.Nexthops = r.segments, cloneNexthops(r.nexthops)
			}
			v.Paths = append(v.Paths, pv)
		}
		out = append(out, v)
	}
	return out
}

// Configured returns the policies as configured (for the API's list).
func (h *Headend) Configured() []Policy {
	out := make([]Policy, len(h.policies))
	for i, p := range h.policies {
		out[i] = p.Policy
	}
	return out
}
