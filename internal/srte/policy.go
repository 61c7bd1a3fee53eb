package srte

import (
	"errors"
	"fmt"
	"net/netip"
)

// Metric is what a dynamic path minimises.
type Metric string

const (
	MetricIGP     Metric = "igp"     // the links' IGP costs
	MetricLatency Metric = "latency" // the links' configured latency
)

// Policy is an SR policy of the headend: (Color, Endpoint) and its
// candidate paths.
type Policy struct {
	Name     string          `json:"name,omitempty"`
	Color    uint32          `json:"color"`
	Endpoint netip.Addr      `json:"endpoint"` // the endpoint's loopback
	Paths    []CandidatePath `json:"candidate_paths"`
}

// CandidatePath is one way of realising a policy.
type CandidatePath struct {
	Name       string `json:"name,omitempty"`
	Preference uint32 `json:"preference"`
	// Explicit lists the segments as the loopbacks of nodes (their node
	// SIDs). The endpoint is added at the end when it is not the last.
	Explicit []netip.Addr `json:"explicit,omitempty"`
	// Strict requires each explicit segment to be a neighbour of the
	// previous one (the headend first), reached over their link as the
	// IGP's only shortest path: the path is then exactly those links, and
	// invalid once one of them fails.
	Strict  bool     `json:"strict,omitempty"`
	Dynamic *Dynamic `json:"dynamic,omitempty"`
}

// Dynamic asks for a path computed by CSPF.
type Dynamic struct {
	Metric Metric `json:"metric"`
	// ExcludeAny: no link carrying one of these affinities is used.
	ExcludeAny []string `json:"exclude_any,omitempty"`
}

// Limits on what a policy may hold: a label stack deeper than a dozen
// entries is more than hardware pushes, and a policy's candidate paths
// and a headend's policies are configuration, not data.
const (
	MaxCandidatePaths = 16
	MaxSegments       = 12
	MaxExclude        = 32
	MaxPolicies       = 1024
)

// Validate checks a policy as a user wrote it.
func (p *Policy) Validate() error {
	if p.Color == 0 {
		return errors.New("color must be from 1 to 4294967295")
	}
	if !p.Endpoint.Is4() {
		return errors.New("endpoint must be an IPv4 loopback address")
	}
	if len(p.Paths) == 0 {
		return errors.New("a policy needs at least one candidate path")
	}
	if len(p.Paths) > MaxCandidatePaths {
		return fmt.Errorf("%d candidate paths: at most %d", len(p.Paths), MaxCandidatePaths)
	}
	seen := map[uint32]bool{}
	for i, c := range p.Paths {
		switch {
		case c.Preference == 0:
			return fmt.Errorf("candidate path %d: preference must be from 1 to 4294967295", i+1)
		case seen[c.Preference]:
			return fmt.Errorf("candidate path %d: preference %d given twice", i+1, c.Preference)
		case (len(c.Explicit) > 0) == (c.Dynamic != nil):
			return fmt.Errorf("candidate path %d: give either an explicit segment list or dynamic", i+1)
		case c.Dynamic != nil && c.Dynamic.Metric != MetricIGP && c.Dynamic.Metric != MetricLatency:
			return fmt.Errorf("candidate path %d: metric %q: use igp or latency", i+1, c.Dynamic.Metric)
		case c.Strict && c.Dynamic != nil:
			return fmt.Errorf("candidate path %d: strict applies to explicit paths", i+1)
		}
		if len(c.Explicit) > MaxSegments {
			return fmt.Errorf("candidate path %d: %d segments: at most %d", i+1, len(c.Explicit), MaxSegments)
		}
		if c.Dynamic != nil && len(c.Dynamic.ExcludeAny) > MaxExclude {
			return fmt.Errorf("candidate path %d: %d excluded affinities: at most %d", i+1, len(c.Dynamic.ExcludeAny), MaxExclude)
		}
		for _, a := range c.Explicit {
			if !a.Is4() {
				return fmt.Errorf("candidate path %d: segment %v is not an IPv4 address", i+1, a)
			}
		}
		seen[c.Preference] = true
	}
	return nil
}

// Key identifies a policy on its headend.
type Key struct {
	Color    uint32
	Endpoint netip.Addr
}

func (k Key) String() string { return fmt.Sprintf("color %d endpoint %v", k.Color, k.Endpoint) }
