package neutron

import (
	"net/http"
	"net/netip"
	"slices"
)

// Address groups (Neutron's "address-group" extension): named sets of
// prefixes a security group rule may name as its remote end.

const kindAddressGroup = "address_group"

// AddressGroup is an address group; Addresses are CIDRs, sorted.
type AddressGroup struct {
	Common
	Addresses []string `json:"addresses"`
}

func (s *state) addressGroup(id string) *AddressGroup { return get[*AddressGroup](s, id) }
func (s *state) addressGroups() []*AddressGroup {
	return all[*AddressGroup](s, kindAddressGroup)
}

func addressGroupNotFound(id string) *apiError {
	return notFound("AddressGroupNotFound", "Address group %s could not be found.", id)
}

var addressGroupAttrs = withStandard(attrs{
	"name":      {aPost | aPut | aFilter | aSort, tStr},
	"addresses": {aPost, tOther},
})

func (s *Service) addressGroupCollection() *collection {
	return &collection{
		name: "address-groups", member: "address_group", kind: kindAddressGroup, attrs: addressGroupAttrs,
		notFound: addressGroupNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			return c.owns(r.base().ProjectID)
		},
		view: func(st *state, r resource) map[string]any {
			v := toMap(r)
			delete(v, "tags")
			if v["addresses"] == nil {
				v["addresses"] = []any{}
			}
			return v
		},
		create: func(st *state, c *caller, b *body) (resource, error) {
			a := &AddressGroup{}
			if err := b.common(c, &a.Common, true, 255); err != nil {
				return nil, err
			}
			addrs, err := parseAddresses(b)
			if err != nil {
				return nil, err
			}
			name, desc, project := a.Name, a.Description, a.ProjectID
			s.stamp(&a.Common)
			a.Name, a.Description, a.ProjectID = name, desc, project
			a.Addresses = addrs
			st.add(kindAddressGroup, a)
			return a, nil
		},
		update: func(st *state, c *caller, r resource, b *body) error {
			return b.common(c, r.base(), false, 255)
		},
		delete: func(st *state, c *caller, r resource) error {
			for _, ru := range st.securityGroupRules() {
				if ru.RemoteAddressGroupID != nil && *ru.RemoteAddressGroupID == r.base().ID {
					return conflict("AddressGroupInUse", "Address group %s is in use on one or more security group rules.", r.base().ID)
				}
			}
			return nil
		},
	}
}

// parseAddresses reads a body's addresses: CIDRs, or addresses standing
// for their host prefixes, kept as Neutron normalizes them.
func parseAddresses(b *body) ([]string, error) {
	v, ok := b.m["addresses"]
	if !ok || v == nil {
		return []string{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, b.invalid("addresses", "'%s' is not a list", pyStr(v))
	}
	out := []string{}
	for _, e := range list {
		str, _ := e.(string)
		p, err := parseCIDROrAddr(str)
		if err != nil {
			return nil, b.invalid("addresses", "'%s' is not a valid IP subnet", pyStr(e))
		}
		out = append(out, p.Masked().String())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// addressGroupAction is PUT /v2.0/address-groups/{id}/add_addresses or
// remove_addresses, answering the group.
func (s *Service) addressGroupAction(add bool) func(http.ResponseWriter, *http.Request, *caller) {
	col := s.addressGroupCollection()
	return memberAction(s, col, func(r *http.Request, c *caller) ([]string, error) {
		info, err := decodeActionBody(r)
		if err != nil {
			return nil, err
		}
		b := &body{member: "address_group", m: info}
		if info == nil || !b.has("addresses") {
			return nil, httpBadRequest("Unrecognized action")
		}
		return parseAddresses(b)
	}, func(st *state, c *caller, res resource, addrs []string) (any, error) {
		a := res.(*AddressGroup)
		var clash []string
		for _, x := range addrs {
			if slices.Contains(a.Addresses, x) == add {
				clash = append(clash, x)
			}
		}
		if len(clash) > 0 {
			if add {
				return nil, newErr(http.StatusBadRequest, "AddressesAlreadyExist", "Addresses %s already exist in the address group %s.", pyRepr(clash), a.ID)
			}
			return nil, notFound("AddressesNotFound", "Addresses %s not found in the address group %s.", pyRepr(clash), a.ID)
		}
		if add {
			a.Addresses = append(a.Addresses, addrs...)
			slices.Sort(a.Addresses)
		} else {
			a.Addresses = slices.DeleteFunc(a.Addresses, func(x string) bool { return slices.Contains(addrs, x) })
		}
		st.touch(a, s.now())
		return map[string]any{"address_group": col.render(st, c, a)}, nil
	})
}

// addressPrefixes is the group's addresses as prefixes.
func (a *AddressGroup) addressPrefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range a.Addresses {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
