package neutron

import (
	"net/http"
	"net/netip"
)

// subnetpool-prefix-ops: PUT /v2.0/subnetpools/{id}/add_prefixes and
// remove_prefixes, each answering {"prefixes": [...]} as the pool has
// them after, compacted. Adding is an update of the pool's prefixes (so
// checked as one); removing a prefix a subnet of the pool was allocated
// from is refused, and removing what the pool lacks changes nothing.

func init() {
	registerExtensions(extension{"subnetpool-prefix-ops", "Subnet Pool Prefix Operations",
		"Provides support for adjusting the prefix list of subnet pools", "2019-02-08T10:00:00-00:00"})
}

func (s *Service) prefixRoutes(mux *routeTable) {
	mux.HandleFunc("PUT /v2.0/subnetpools/{id}/add_prefixes", s.authed(s.prefixHandler(true)))
	mux.HandleFunc("PUT /v2.0/subnetpools/{id}/remove_prefixes", s.authed(s.prefixHandler(false)))
}

func (s *Service) prefixHandler(add bool) func(http.ResponseWriter, *http.Request, *caller) {
	col := s.subnetPoolCollection()
	action := "remove_prefixes"
	if add {
		action = "add_prefixes"
	}
	return memberAction(s, col, func(r *http.Request, c *caller) ([]any, error) {
		raw, err := decodeBody(r)
		if err != nil {
			return nil, err
		}
		// Neutron's get_operation_request_body: a non-empty list.
		m, _ := raw.(map[string]any)
		list, _ := m["prefixes"].([]any)
		if len(list) == 0 {
			return nil, httpBadRequest("Request body contains invalid data")
		}
		return list, nil
	}, func(st *state, c *caller, res resource, list []any) (any, error) {
		if !c.owns(res.base().ProjectID) {
			return nil, policyDenied("rule:" + action)
		}
		sp := res.(*SubnetPool)
		if add {
			merged := make([]any, 0, len(sp.Prefixes)+len(list))
			for _, p := range sp.Prefixes {
				merged = append(merged, p)
			}
			b := &body{member: col.member, m: map[string]any{"prefixes": append(merged, list...)}}
			if err := s.subnetPoolBody(st, c, sp, b, false); err != nil {
				return nil, err
			}
		} else if err := st.removePrefixes(sp, list); err != nil {
			return nil, err
		}
		st.touch(sp, s.now())
		return map[string]any{"prefixes": nonNil(sp.Prefixes)}, nil
	})
}

// removePrefixes takes list out of the pool's prefixes unless a subnet
// allocated from the pool is in what goes.
func (st *state) removePrefixes(sp *SubnetPool, list []any) error {
	var gone []netip.Prefix
	for _, v := range list {
		p, err := parseV4Prefix("prefixes", v)
		if err != nil {
			return err
		}
		gone = append(gone, p)
	}
	have := parsedPrefixes(sp.Prefixes)
	if !prefixesOverlap(have, gone) {
		return nil
	}
	var used []netip.Prefix
	for _, sn := range st.subnets() {
		if sn.SubnetPoolID != nil && *sn.SubnetPoolID == sp.ID {
			used = append(used, subnetPrefix(sn))
		}
	}
	if prefixesOverlap(used, gone) {
		// Neutron's message ends in a dot, and so does its format.
		return newErr(http.StatusBadRequest, "IllegalSubnetPoolPrefixUpdate",
			"Illegal update to prefixes: One or more the prefixes to be removed is in use by a subnet..")
	}
	sp.Prefixes = prefixStrings(subtractPrefixes(have, gone))
	return nil
}

func parsedPrefixes(ss []string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
