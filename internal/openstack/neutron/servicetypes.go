package neutron

import (
	"net/http"
	"slices"
	"strings"
)

func init() {
	subnetAttrs["service_types"] = attrSpec{aPost | aPut | aFilter, tOther}
	registerExtensions(extension{"subnet-service-types", "Subnet service types", "Provides ability to set the subnet service_types field", "2016-03-03T10:00:00-00:00"})
}

// serviceTypePrefixes are the device owner prefixes a subnet's service
// type may name (neutron-lib's network:, neutron:, compute:, baremetal:).
var serviceTypePrefixes = []string{"network:", "neutron:", "compute:", "baremetal:"}

// setServiceTypes applies a body's service_types to sn: a list of device
// owners whose ports the subnet gives addresses to.
func setServiceTypes(sn *Subnet, b *body) error {
	if !b.has("service_types") {
		return nil
	}
	v := b.m["service_types"]
	if v == nil {
		sn.ServiceTypes = []string{}
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return newErr(http.StatusBadRequest, "InvalidSubnetServiceType", "Subnet service type %s does not correspond to a valid device owner.", pyStr(v))
	}
	out := []string{}
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return newErr(http.StatusBadRequest, "InvalidInputSubnetServiceType", "Subnet service type %s is not a string.", pyStr(e))
		}
		if !slices.ContainsFunc(serviceTypePrefixes, func(p string) bool { return strings.HasPrefix(s, p) }) {
			return newErr(http.StatusBadRequest, "InvalidSubnetServiceType", "Subnet service type %s does not correspond to a valid device owner.", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	sn.ServiceTypes = out
	return nil
}

// subnetTypesView shows a subnet stored without service types as [].
func subnetTypesView(sn *Subnet, v map[string]any) map[string]any {
	if sn.ServiceTypes == nil {
		v["service_types"] = []any{}
	}
	return v
}

// serves reports whether sn gives addresses to a port of owner: a subnet
// without service types serves every port, as Neutron's IPAM picks.
func serves(sn *Subnet, owner string) bool {
	return len(sn.ServiceTypes) == 0 || slices.Contains(sn.ServiceTypes, owner)
}

// autoIPFor allocates one address for a port of owner that asked for
// none, from the first subnet of the network that serves owner and has
// room.
func (st *state) autoIPFor(n *Network, owner string) ([]FixedIP, error) {
	all := st.subnetsOf(n.ID)
	var subnets []*Subnet
	for _, sn := range all {
		if serves(sn, owner) {
			subnets = append(subnets, sn)
		}
	}
	for _, sn := range subnets {
		if ip, ok := st.nextFreeIP(sn, nil); ok {
			return []FixedIP{{SubnetID: sn.ID, IPAddress: ip}}, nil
		}
	}
	if len(subnets) > 0 {
		return nil, conflict("IpAddressGenerationFailure", "No more IP addresses available on network %s.", n.ID)
	}
	if len(all) > 0 {
		return nil, invalidInput("No valid service subnet for the given device owner, network %s, device owner %s", n.ID, owner)
	}
	return []FixedIP{}, nil
}
