package topology

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SRPolicy is an SR-TE policy (RFC 9256) of a headend PE: traffic to
// Endpoint steered by Color takes the best valid candidate path.
type SRPolicy struct {
	Headend  string   `json:"headend"`
	Name     string   `json:"name,omitempty"`
	Color    uint32   `json:"color"`
	Endpoint string   `json:"endpoint"`
	Paths    []SRPath `json:"candidate_paths"`
}

// SRPath is a candidate path: an explicit list of nodes (their node
// SIDs), or dynamic (CSPF) with a metric and excluded affinities.
type SRPath struct {
	Name       string   `json:"name,omitempty"`
	Preference uint32   `json:"preference"`
	Explicit   []string `json:"explicit,omitempty"`
	Strict     bool     `json:"strict,omitempty"`
	Dynamic    bool     `json:"dynamic,omitempty"`
	Metric     string   `json:"metric,omitempty"` // "latency" or "igp"
	Exclude    []string `json:"exclude_any,omitempty"`
}

type srPolicySpec struct {
	SRPolicy
	endpointPos Pos
	paths       []*srPathSpec
	at
}

type srPathSpec struct {
	SRPath
	explicitPos []Pos
	excludePos  []Pos
	at
}

var srPolicyKeys = []string{"name", "color", "endpoint", "paths"}
var srPathKeys = []string{"name", "preference", "explicit", "strict", "dynamic"}
var srDynamicKeys = []string{"metric", "exclude"}

// srPolicies reads sr-policies: HEADEND: [policy, ...].
func (c *decoder) srPolicies(n *yaml.Node, s *spec) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		c.d.errorf(posOf(n), "write sr-policies: {pe1: [{color: 100, endpoint: pe2, paths: [...]}]}", "sr-policies must be a mapping of headend to policies, not %s", kindName(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := c.deref(n.Content[i]), c.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			c.d.errorf(posOf(k), "write the headend's name: pe1: [...]", "a key in sr-policies must be a node name, not %s", kindName(k))
			continue
		}
		head := k.Value
		if v.Kind != yaml.SequenceNode {
			c.d.errorf(posOf(v), "write sr-policies: {pe1: [{color: 100, endpoint: pe2, paths: [...]}]}", "sr-policies of %s must be a list, not %s", head, kindName(v))
			continue
		}
		for _, item := range v.Content {
			item = c.deref(item)
			ps := &srPolicySpec{SRPolicy: SRPolicy{Headend: head}, at: at{pos: posOf(item)}}
			what := "sr-policy of " + head
			c.mapping(item, what, srPolicyKeys, func(key string, v *yaml.Node) {
				ps.set(key, posOf(c.deref(v)))
				switch key {
				case "name":
					ps.Name, _ = c.str(v, what+" name")
				case "color":
					if x, ok := c.integer(v, what+" color", 1, 1<<32-1); ok {
						ps.Color = uint32(x)
					}
				case "endpoint":
					ps.Endpoint, _ = c.str(v, what+" endpoint")
					ps.endpointPos = posOf(c.deref(v))
				case "paths":
					v = c.deref(v)
					if v.Kind != yaml.SequenceNode {
						c.d.errorf(posOf(v), "write paths: [{preference: 100, explicit: [p1, pe2]}]", "%s paths must be a list, not %s", what, kindName(v))
						return
					}
					for _, pi := range v.Content {
						ps.paths = append(ps.paths, c.srPath(pi, what))
					}
				}
			})
			for _, key := range []string{"color", "endpoint", "paths"} {
				if !ps.has(key) {
					c.d.errorf(ps.pos, "a policy has color:, endpoint: and paths:", "%s lacks %s", what, key)
				}
			}
			s.SRPolicies = append(s.SRPolicies, ps)
		}
	}
}

func (c *decoder) srPath(n *yaml.Node, what string) *srPathSpec {
	n = c.deref(n)
	ps := &srPathSpec{at: at{pos: posOf(n)}}
	what += " path"
	c.mapping(n, what, srPathKeys, func(key string, v *yaml.Node) {
		ps.set(key, posOf(c.deref(v)))
		switch key {
		case "name":
			ps.Name, _ = c.str(v, what+" name")
		case "preference":
			if x, ok := c.integer(v, what+" preference", 1, 1<<32-1); ok {
				ps.Preference = uint32(x)
			}
		case "explicit":
			ps.Explicit, ps.explicitPos = c.strList(v, what+" explicit")
		case "strict":
			ps.Strict, _ = c.boolean(v, what+" strict")
		case "dynamic":
			ps.Dynamic = true
			ps.Metric = "igp"
			c.mapping(v, what+" dynamic", srDynamicKeys, func(k string, dv *yaml.Node) {
				switch k {
				case "metric":
					if m, ok := c.str(dv, what+" metric"); ok {
						switch m {
						case "igp", "latency":
							ps.Metric = m
						default:
							c.d.errorf(posOf(c.deref(dv)), "latency (the links' configured latency) or igp (their cost)", "unknown metric %q", m)
						}
					}
				case "exclude":
					ps.Exclude, ps.excludePos = c.strList(dv, what+" exclude")
				}
			})
		}
	})
	if !ps.has("preference") {
		c.d.errorf(ps.pos, "give each candidate path a preference: the highest valid one is active", "%s lacks preference", what)
	}
	if ps.has("explicit") == ps.has("dynamic") {
		c.d.errorf(ps.pos, "explicit: [NODE, ...] or dynamic: {metric: latency}", "%s needs either explicit or dynamic", what)
	}
	if ps.Strict && ps.Dynamic {
		c.d.errorf(ps.where("strict"), "strict applies to explicit paths", "%s: strict with dynamic", what)
	}
	return ps
}

// resolveSRPolicies checks the policies against the nodes and links.
func (r *resolver) resolveSRPolicies() {
	affinities := map[string]bool{}
	for _, l := range r.m.Links {
		for _, a := range l.Affinity {
			affinities[a] = true
		}
	}
	srNode := func(name string, p Pos, what string) bool {
		n, ok := r.nodes[name]
		switch {
		case !ok:
			hint := didYouMean(name, r.nodeNames())
			r.d.errorf(p, hint, "%s %q is not a node", what, name)
		case !n.Role.IsCore():
			r.d.errorf(p, "SR policies run between core routers", "%s %s is a %s", what, name, n.Role)
		case n.SRIndex < 0:
			r.d.errorf(p, "give it label_mode: sr", "%s %s does not do segment routing", what, name)
		default:
			return true
		}
		return false
	}
	seen := map[string]Pos{}
	for _, ps := range r.s.SRPolicies {
		if n, ok := r.nodes[ps.Headend]; ok && n.Role != RolePE {
			r.d.errorf(ps.pos, "a headend steers VPN routes: make it a pe", "sr-policy headend %s is a %s", ps.Headend, n.Role)
		} else {
			srNode(ps.Headend, ps.pos, "sr-policy headend")
		}
		if ps.Endpoint != "" {
			srNode(ps.Endpoint, ps.endpointPos, "sr-policy endpoint")
		}
		key := fmt.Sprintf("%s/%d/%s", ps.Headend, ps.Color, ps.Endpoint)
		if prev, dup := seen[key]; dup {
			r.d.errorf(ps.pos, fmt.Sprintf("first given at line %d", prev.Line), "%s has two policies of color %d to %s", ps.Headend, ps.Color, ps.Endpoint)
		}
		seen[key] = ps.pos
		prefs := map[uint32]bool{}
		for _, pp := range ps.paths {
			if prefs[pp.Preference] && pp.Preference != 0 {
				r.d.errorf(pp.where("preference"), "preferences order the candidate paths: make them differ", "preference %d given twice", pp.Preference)
			}
			prefs[pp.Preference] = true
			for i, hop := range pp.Explicit {
				srNode(hop, pp.explicitPos[i], "explicit segment")
			}
			for i, a := range pp.Exclude {
				if !affinities[a] {
					known := slices.Sorted(func(yield func(string) bool) {
						for k := range affinities {
							if !yield(k) {
								return
							}
						}
					})
					hint := "no link has affinity: " + a
					if len(known) > 0 {
						hint = "links' affinities: " + strings.Join(known, ", ")
					}
					r.d.errorf(pp.excludePos[i], hint, "affinity %q is on no link", a)
				}
			}
			ps.Paths = append(ps.Paths, pp.SRPath)
		}
		p := ps.SRPolicy
		r.m.SRPolicies = append(r.m.SRPolicies, &p)
	}
}
