package neutron

import (
	"net/http"
	"net/netip"
	"slices"
)

var subnetPoolAttrs = withStandard(attrs{
	"name":              {aPost | aPut | aReq | aFilter | aSort, tStr},
	"prefixes":          {aPost | aPut | aReq, tOther},
	"default_quota":     {aPost | aPut | aFilter | aSort, tInt},
	"ip_version":        {aFilter | aSort, tInt},
	"default_prefixlen": {aPost | aPut | aFilter | aSort, tInt},
	"min_prefixlen":     {aPost | aPut | aFilter | aSort, tInt},
	"max_prefixlen":     {aPost | aPut | aFilter | aSort, tInt},
	"is_default":        {aPost | aPut | aFilter | aSort, tBool},
	"shared":            {aPost | aFilter | aSort, tBool},
	"address_scope_id":  {aPost | aPut | aFilter | aSort, tStr},
})

var addressScopeAttrs = attrs{
	"id":         {aFilter | aSort, tStr},
	"name":       {aPost | aPut | aFilter | aSort, tStr},
	"tenant_id":  {aPost | aFilter | aSort, tStr},
	"project_id": {aPost | aFilter | aSort, tStr},
	"shared":     {aPost | aPut | aFilter | aSort, tBool},
	"ip_version": {aPost | aReq | aFilter | aSort, tInt},
}

func (s *Service) subnetPoolCollection() *collection {
	return &collection{
		name: "subnetpools", member: "subnetpool", kind: kindSubnetPool, attrs: subnetPoolAttrs,
		notFound: subnetPoolNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			sp := r.(*SubnetPool)
			return c.owns(sp.ProjectID) || sp.Shared
		},
		view:   func(st *state, r resource) map[string]any { return toMap(r) },
		create: s.createSubnetPool,
		update: s.updateSubnetPool,
		delete: func(st *state, c *caller, r resource) error {
			sp := r.(*SubnetPool)
			for _, sn := range st.subnets() {
				if sn.SubnetPoolID != nil && *sn.SubnetPoolID == sp.ID {
					return conflict("SubnetPoolInUse", "Unable to complete operation on subnet pool %s. Subnet pool has existing allocations.", sp.ID)
				}
			}
			return nil
		},
	}
}

func (s *Service) createSubnetPool(st *state, c *caller, b *body) (resource, error) {
	sp := &SubnetPool{IPVersion: 4, MinPrefixlen: 8, MaxPrefixlen: 32}
	if err := b.common(c, &sp.Common, true, 255); err != nil {
		return nil, err
	}
	if sp.Name == "" {
		return nil, b.invalid("name", "'' Blank strings are not permitted")
	}
	err := enforce("create_subnetpool", b, true, []policyAttr{
		{name: "shared", def: false, allowed: c.admin},
		{name: "is_default", def: false, allowed: c.admin},
	})
	if err != nil {
		return nil, err
	}
	if err := s.checkQuota(st, kindSubnetPool, sp.ProjectID); err != nil {
		return nil, err
	}
	for _, k := range []string{"shared", "is_default"} {
		if !b.has(k) {
			continue
		}
		v, err := b.boolean(k)
		if err != nil {
			return nil, err
		}
		if k == "shared" {
			sp.Shared = v
		} else {
			sp.IsDefault = v
		}
	}
	sp.ID = newUUID()
	if err := s.subnetPoolBody(st, c, sp, b, true); err != nil {
		return nil, err
	}
	id := sp.ID
	s.stamp(&sp.Common)
	sp.ID = id
	st.add(kindSubnetPool, sp)
	return sp, nil
}

// subnetPoolBody reads prefixes, prefix lengths, quota and address scope
// of a create or update, and checks they hold together.
func (s *Service) subnetPoolBody(st *state, c *caller, sp *SubnetPool, b *body, create bool) error {
	if b.has("prefixes") {
		list, ok := b.m["prefixes"].([]any)
		if !ok {
			return b.invalid("prefixes", "'%s' is not a list", pyStr(b.m["prefixes"]))
		}
		if len(list) == 0 {
			return newErr(http.StatusBadRequest, "EmptySubnetPoolPrefixList", "Empty subnet pool prefix list.")
		}
		var prefixes []string
		for _, v := range list {
			p, err := parseV4Prefix("prefixes", v)
			if err != nil {
				return err
			}
			if !slices.Contains(prefixes, p.String()) {
				prefixes = append(prefixes, p.String())
			}
		}
		if !create {
			for _, old := range sp.Prefixes {
				op, _ := netip.ParsePrefix(old)
				if !slices.ContainsFunc(prefixes, func(n string) bool {
					np, _ := netip.ParsePrefix(n)
					return np.Bits() <= op.Bits() && np.Contains(op.Addr())
				}) {
					return newErr(http.StatusBadRequest, "IllegalSubnetPoolPrefixUpdate", "Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.")
				}
			}
		}
		// Kept compacted, as Neutron's SubnetPoolReader keeps them.
		sp.Prefixes = prefixStrings(compactPrefixes(parsedPrefixes(prefixes)))
	}
	defaultGiven := false
	for _, k := range []string{"min_prefixlen", "max_prefixlen", "default_prefixlen", "default_quota"} {
		if !b.has(k) || b.m[k] == nil {
			continue
		}
		v, err := b.integer(k)
		if err != nil {
			return err
		}
		if v < 0 {
			return b.invalid(k, "'%d' should be non-negative", v)
		}
		switch k {
		case "min_prefixlen":
			sp.MinPrefixlen = v
		case "max_prefixlen":
			sp.MaxPrefixlen = v
		case "default_prefixlen":
			sp.DefaultPrefixlen, defaultGiven = v, true
		case "default_quota":
			sp.DefaultQuota = &v
		}
	}
	if create && !defaultGiven {
		sp.DefaultPrefixlen = sp.MinPrefixlen
	}
	if sp.MaxPrefixlen > 32 {
		return newErr(http.StatusBadRequest, "IllegalSubnetPoolPrefixBounds", "Illegal prefix bounds: max_prefixlen=%d, base_prefixlen=32.", sp.MaxPrefixlen)
	}
	if sp.MinPrefixlen > sp.MaxPrefixlen {
		return newErr(http.StatusBadRequest, "IllegalSubnetPoolPrefixBounds", "Illegal prefix bounds: min_prefixlen=%d, max_prefixlen=%d.", sp.MinPrefixlen, sp.MaxPrefixlen)
	}
	if sp.DefaultPrefixlen < sp.MinPrefixlen {
		return newErr(http.StatusBadRequest, "IllegalSubnetPoolPrefixBounds", "Illegal prefix bounds: default_prefixlen=%d, min_prefixlen=%d.", sp.DefaultPrefixlen, sp.MinPrefixlen)
	}
	if sp.DefaultPrefixlen > sp.MaxPrefixlen {
		return newErr(http.StatusBadRequest, "IllegalSubnetPoolPrefixBounds", "Illegal prefix bounds: default_prefixlen=%d, max_prefixlen=%d.", sp.DefaultPrefixlen, sp.MaxPrefixlen)
	}
	if b.has("address_scope_id") {
		id, err := b.uuidOrNone("address_scope_id")
		if err != nil {
			return err
		}
		if id != nil {
			as := st.addressScope(*id)
			if as == nil || !(c.owns(as.ProjectID) || as.Shared) {
				return addressScopeNotFound(*id)
			}
			if as.IPVersion != sp.IPVersion {
				return newErr(http.StatusBadRequest, "IllegalSubnetPoolIpVersionAssociationToAddressScope",
					"Illegal subnetpool association: subnetpool %s cannot associate with address scope %s because subnetpool ip_version is not %d.", sp.ID, as.ID, as.IPVersion)
			}
		}
		sp.AddressScopeID = id
	}
	if sp.AddressScopeID != nil {
		for _, o := range st.subnetPools() {
			if o.ID == sp.ID || o.AddressScopeID == nil || *o.AddressScopeID != *sp.AddressScopeID {
				continue
			}
			for _, a := range o.Prefixes {
				for _, b := range sp.Prefixes {
					pa, _ := netip.ParsePrefix(a)
					pb, _ := netip.ParsePrefix(b)
					if overlaps(pa, pb) {
						return conflict("AddressScopePrefixConflict", "Failed to associate address scope: subnetpools within an address scope must have unique prefixes.")
					}
				}
			}
		}
	}
	return nil
}

func (s *Service) updateSubnetPool(st *state, c *caller, r resource, b *body) error {
	sp := r.(*SubnetPool)
	if err := b.common(c, &sp.Common, false, 255); err != nil {
		return err
	}
	if err := enforce("update_subnetpool", b, false, []policyAttr{{name: "is_default", allowed: c.admin}}); err != nil {
		return err
	}
	if b.has("is_default") {
		v, err := b.boolean("is_default")
		if err != nil {
			return err
		}
		sp.IsDefault = v
	}
	return s.subnetPoolBody(st, c, sp, b, false)
}

func (s *Service) addressScopeCollection() *collection {
	return &collection{
		name: "address-scopes", member: "address_scope", kind: kindAddressScope, attrs: addressScopeAttrs,
		notFound: addressScopeNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			as := r.(*AddressScope)
			return c.owns(as.ProjectID) || as.Shared
		},
		view: func(st *state, r resource) map[string]any {
			v := toMap(r)
			for _, k := range []string{"description", "created_at", "updated_at", "revision_number", "tags"} {
				delete(v, k)
			}
			return v
		},
		create: func(st *state, c *caller, b *body) (resource, error) {
			as := &AddressScope{}
			if err := b.common(c, &as.Common, true, 255); err != nil {
				return nil, err
			}
			v, err := b.integer("ip_version")
			if err != nil {
				return nil, err
			}
			if v != 4 && v != 6 {
				return nil, b.invalid("ip_version", "%d is not in [4, 6]", v)
			}
			as.IPVersion = v
			if err := addressScopeShared(c, as, b, "create_address_scope", true); err != nil {
				return nil, err
			}
			s.stamp(&as.Common)
			st.add(kindAddressScope, as)
			return as, nil
		},
		update: func(st *state, c *caller, r resource, b *body) error {
			as := r.(*AddressScope)
			if err := b.common(c, &as.Common, false, 255); err != nil {
				return err
			}
			if b.has("shared") && as.Shared {
				if v, _ := toBool(b.m["shared"]); !v {
					return newErr(http.StatusBadRequest, "AddressScopeUpdateError", "Unable to update address scope %s : Shared address scope can't be unshared.", as.ID)
				}
			}
			return addressScopeShared(c, as, b, "update_address_scope", false)
		},
		delete: func(st *state, c *caller, r resource) error {
			as := r.(*AddressScope)
			for _, sp := range st.subnetPools() {
				if sp.AddressScopeID != nil && *sp.AddressScopeID == as.ID {
					return conflict("AddressScopeInUse", "Unable to complete operation on address scope %s. There are one or more subnet pools in use on the address scope.", as.ID)
				}
			}
			return nil
		},
	}
}

func addressScopeShared(c *caller, as *AddressScope, b *body, action string, create bool) error {
	if err := enforce(action, b, create, []policyAttr{{name: "shared", def: false, allowed: c.admin}}); err != nil {
		return err
	}
	if !b.has("shared") {
		return nil
	}
	v, err := b.boolean("shared")
	if err != nil {
		return err
	}
	as.Shared = v
	return nil
}
