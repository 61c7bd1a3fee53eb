package neutron

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
)

var subnetAttrs = withStandard(attrs{
	"name":              {aPost | aPut | aFilter | aSort, tStr},
	"ip_version":        {aPost | aReq | aFilter | aSort, tInt},
	"network_id":        {aPost | aReq | aFilter | aSort, tStr},
	"subnetpool_id":     {aPost | aFilter | aSort, tStr},
	"prefixlen":         {aPost, tInt},
	"cidr":              {aPost | aFilter | aSort, tStr},
	"gateway_ip":        {aPost | aPut | aFilter | aSort, tStr},
	"allocation_pools":  {aPost | aPut, tOther},
	"dns_nameservers":   {aPost | aPut, tOther},
	"host_routes":       {aPost | aPut, tOther},
	"enable_dhcp":       {aPost | aPut | aFilter | aSort, tBool},
	"ipv6_ra_mode":      {aPost | aFilter | aSort, tStr},
	"ipv6_address_mode": {aPost | aFilter | aSort, tStr},
})

func (s *Service) subnetCollection() *collection {
	return &collection{
		name: "subnets", member: "subnet", kind: kindSubnet, attrs: subnetAttrs, bulk: true,
		notFound: subnetNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			sn := r.(*Subnet)
			if c.owns(sn.ProjectID) {
				return true
			}
			n := st.network(sn.NetworkID)
			return n != nil && (n.Shared || n.External || c.owns(n.ProjectID))
		},
		view: func(st *state, r resource) map[string]any {
			return subnetTypesView(r.(*Subnet), toMap(r))
		},
		create: s.createSubnet,
		update: s.updateSubnet,
		delete: s.deleteSubnet,
	}
}

// networkForWrite finds the network a port or subnet is created on as
// Neutron checks it: invisible is NetworkNotFound, visible but another
// project's and not shared is a plain 404.
func networkForWrite(st *state, c *caller, id string) (*Network, error) {
	n := st.network(id)
	if n == nil || !(c.owns(n.ProjectID) || n.Shared || n.External) {
		return nil, networkNotFound(id)
	}
	if !c.owns(n.ProjectID) && !n.Shared {
		return nil, httpNotFound()
	}
	return n, nil
}

func (s *Service) createSubnet(st *state, c *caller, b *body) (resource, error) {
	sn := &Subnet{EnableDHCP: true, DNSNameservers: []string{}, HostRoutes: []HostRoute{}}
	if err := b.common(c, &sn.Common, true, 255); err != nil {
		return nil, err
	}
	netID, err := b.uuid("network_id")
	if err != nil {
		return nil, err
	}
	ver, err := b.integer("ip_version")
	if err != nil {
		return nil, err
	}
	if ver != 4 && ver != 6 {
		return nil, b.invalid("ip_version", "%d is not in [4, 6]", ver)
	}
	n, err := networkForWrite(st, c, netID)
	if err != nil {
		return nil, err
	}
	if !c.owns(n.ProjectID) {
		return nil, policyDenied("rule:create_subnet")
	}
	if err := s.checkQuota(st, kindSubnet, sn.ProjectID); err != nil {
		return nil, err
	}
	if ver == 6 {
		return nil, invalidInput("only IPv4 subnets are supported by this Neutron")
	}
	sn.NetworkID, sn.IPVersion = netID, ver
	for _, k := range []string{"ipv6_ra_mode", "ipv6_address_mode"} {
		if b.has(k) && b.m[k] != nil {
			return nil, invalidInput("%s is not valid when ip_version is 4", k)
		}
	}

	// The prefix: given, or allocated from a subnet pool.
	var prefix netip.Prefix
	hasCIDR := b.has("cidr") && b.m["cidr"] != nil
	if hasCIDR {
		if prefix, err = parseV4Prefix("cidr", b.m["cidr"]); err != nil {
			return nil, err
		}
	}
	var prefixlen int
	if b.has("prefixlen") {
		if prefixlen, err = b.integer("prefixlen"); err != nil {
			return nil, err
		}
		if prefixlen < 0 {
			return nil, b.invalid("prefixlen", "'%d' should be non-negative", prefixlen)
		}
	}
	var pool *SubnetPool
	if b.has("subnetpool_id") {
		id, err := b.uuidOrNone("subnetpool_id")
		if err != nil {
			return nil, err
		}
		if id != nil {
			pool = st.subnetPool(*id)
			if pool == nil || !(c.owns(pool.ProjectID) || pool.Shared) {
				return nil, subnetPoolNotFound(*id)
			}
			if pool.IPVersion != ver {
				return nil, invalidInput("Cannot allocate IPv%d subnet from IPv%d subnet pool", ver, pool.IPVersion)
			}
		}
	}
	switch {
	case pool != nil:
		if prefix, err = st.allocateFromPool(pool, prefix, hasCIDR, prefixlen, b.has("prefixlen")); err != nil {
			return nil, err
		}
		if err := st.checkPoolQuota(pool, sn.ProjectID, prefix); err != nil {
			return nil, err
		}
		sn.SubnetPoolID = &pool.ID
	case !hasCIDR:
		return nil, badRequest("subnets", "a subnetpool must be specified in the absence of a cidr")
	}
	sn.CIDR = prefix.String()
	for _, o := range st.subnetsOf(netID) {
		if (o.SubnetPoolID == nil) != (sn.SubnetPoolID == nil) || (o.SubnetPoolID != nil && *o.SubnetPoolID != *sn.SubnetPoolID) {
			return nil, newErr(http.StatusBadRequest, "NetworkSubnetPoolAffinityError", "Subnets hosted on the same network must be allocated from the same subnet pool.")
		}
		if overlaps(subnetPrefix(o), prefix) {
			return nil, invalidInput("Requested subnet with cidr: %s for network: %s overlaps with another subnet", sn.CIDR, netID)
		}
	}

	// Gateway: the first host unless given (null for none).
	var gw *netip.Addr
	if !b.has("gateway_ip") {
		lo, _ := hostRange(prefix)
		a := addr(lo)
		gw = &a
	} else if b.m["gateway_ip"] != nil {
		a, err := parseV4Addr("gateway_ip", b.m["gateway_ip"])
		if err != nil {
			return nil, err
		}
		if err := checkGateway(prefix, a); err != nil {
			return nil, err
		}
		gw = &a
	}
	if gw != nil {
		g := gw.String()
		sn.GatewayIP = &g
	}
	if err := s.subnetDetails(sn, prefix, gw, b, true); err != nil {
		return nil, err
	}
	if err := setServiceTypes(sn, b); err != nil {
		return nil, err
	}
	s.stamp(&sn.Common)
	st.add(kindSubnet, sn)
	st.touch(n, s.now())
	return sn, nil
}

// checkGateway refuses the network and broadcast addresses; a gateway
// outside the CIDR is accepted, as Neutron accepts it (on-link gateway).
func checkGateway(p netip.Prefix, a netip.Addr) error {
	if p.Contains(a) && p.Bits() < 31 {
		first, last := bounds(p)
		if u32(a) == first || u32(a) == last {
			return conflict("IpamValueInvalid", "Gateway IP %s cannot be the network or broadcast IP address %s", a, p)
		}
	}
	return nil
}

// subnetDetails reads allocation pools, DNS servers, host routes and DHCP
// of a create or update.
func (s *Service) subnetDetails(sn *Subnet, prefix netip.Prefix, gw *netip.Addr, b *body, create bool) error {
	if b.has("allocation_pools") && b.m["allocation_pools"] != nil {
		pools, err := parsePools(b, prefix)
		if err != nil {
			return err
		}
		sn.AllocationPools = pools
	} else if create {
		sn.AllocationPools = defaultPools(prefix, gw)
	}
	if gw != nil {
		g := u32(*gw)
		for _, p := range sn.AllocationPools {
			lo, hi := poolRange(p)
			if g >= lo && g <= hi {
				return conflict("GatewayConflictWithAllocationPools", "Gateway ip %s conflicts with allocation pool %s-%s.", gw, p.Start, p.End)
			}
		}
	}
	if b.has("dns_nameservers") {
		list, ok := b.m["dns_nameservers"].([]any)
		if !ok && b.m["dns_nameservers"] != nil {
			return b.invalid("dns_nameservers", "'%s' is not a list", pyStr(b.m["dns_nameservers"]))
		}
		dns := []string{}
		for _, v := range list {
			a, err := parseV4Addr("dns_nameservers", v)
			if err != nil {
				return b.invalid("dns_nameservers", "'%s' is not a valid nameserver. '%s' is not a valid IP address", pyStr(v), pyStr(v))
			}
			if slices.Contains(dns, a.String()) {
				return b.invalid("dns_nameservers", "Duplicate nameserver '%s'", a)
			}
			dns = append(dns, a.String())
		}
		if len(dns) > maxDNSNameservers {
			return listExhausted("DNSNameServersExhausted", "The number of DNS nameservers exceeds the limit", subnetRef(sn, create), maxDNSNameservers)
		}
		sn.DNSNameservers = dns
	}
	if b.has("host_routes") {
		routes, err := parseRoutes(b, "host_routes")
		if err != nil {
			return err
		}
		if len(routes) > maxSubnetHostRoutes {
			return listExhausted("HostRoutesExhausted", "The number of host routes exceeds the limit", subnetRef(sn, create), maxSubnetHostRoutes)
		}
		sn.HostRoutes = routes
	}
	if b.has("enable_dhcp") {
		v, err := b.boolean("enable_dhcp")
		if err != nil {
			return err
		}
		sn.EnableDHCP = v
	}
	return nil
}

// parsePools validates allocation pools against the subnet's CIDR.
func parsePools(b *body, prefix netip.Prefix) ([]Pool, error) {
	list, ok := b.m["allocation_pools"].([]any)
	if !ok {
		return nil, b.invalid("allocation_pools", "Invalid data format for IP pool: '%s'", pyStr(b.m["allocation_pools"]))
	}
	lo, hi := hostRange(prefix)
	var pools []Pool
	var ranges [][2]uint32
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok || len(m) != 2 || m["start"] == nil || m["end"] == nil {
			return nil, b.invalid("allocation_pools", "Invalid data format for IP pool: '%s'", pyStr(v))
		}
		start, err := parseV4Addr("allocation_pools", m["start"])
		if err != nil {
			return nil, err
		}
		end, err := parseV4Addr("allocation_pools", m["end"])
		if err != nil {
			return nil, err
		}
		p := Pool{Start: start.String(), End: end.String()}
		r := [2]uint32{u32(start), u32(end)}
		if r[0] > r[1] {
			return nil, newErr(http.StatusBadRequest, "InvalidAllocationPool", "The allocation pool %s-%s is not valid.", p.Start, p.End)
		}
		if r[0] < lo || r[1] > hi {
			return nil, newErr(http.StatusBadRequest, "OutOfBoundsAllocationPool", "The allocation pool %s-%s spans beyond the subnet cidr %s.", p.Start, p.End, prefix)
		}
		for i, o := range ranges {
			if r[0] <= o[1] && o[0] <= r[1] {
				return nil, conflict("OverlappingAllocationPools", "Found overlapping allocation pools: %s-%s %s-%s for subnet %s.",
					pools[i].Start, pools[i].End, p.Start, p.End, prefix)
			}
		}
		pools = append(pools, p)
		ranges = append(ranges, r)
	}
	if pools == nil {
		pools = []Pool{}
	}
	return pools, nil
}

// parseRoutes validates a list of {destination, nexthop}.
func parseRoutes(b *body, k string) ([]HostRoute, error) {
	v := b.m[k]
	if v == nil {
		return []HostRoute{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, b.invalid(k, "Invalid data format for hostroute: '%s'", pyStr(v))
	}
	routes := []HostRoute{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || len(m) != 2 || m["destination"] == nil || m["nexthop"] == nil {
			return nil, b.invalid(k, "Invalid data format for hostroute: '%s'", pyStr(e))
		}
		dst, err := parseV4Prefix(k, m["destination"])
		if err != nil {
			return nil, err
		}
		nh, err := parseV4Addr(k, m["nexthop"])
		if err != nil {
			return nil, err
		}
		r := HostRoute{Destination: dst.String(), Nexthop: nh.String()}
		if slices.Contains(routes, r) {
			return nil, b.invalid(k, "Duplicate hostroute '%s'", pyRepr(map[string]any{"destination": r.Destination, "nexthop": r.Nexthop}))
		}
		routes = append(routes, r)
	}
	return routes, nil
}

func (s *Service) updateSubnet(st *state, c *caller, r resource, b *body) error {
	sn := r.(*Subnet)
	if err := b.common(c, &sn.Common, false, 255); err != nil {
		return err
	}
	prefix := subnetPrefix(sn)
	var gw *netip.Addr
	if sn.GatewayIP != nil {
		a, _ := netip.ParseAddr(*sn.GatewayIP)
		gw = &a
	}
	if b.has("gateway_ip") {
		var newGW *netip.Addr
		if b.m["gateway_ip"] != nil {
			a, err := parseV4Addr("gateway_ip", b.m["gateway_ip"])
			if err != nil {
				return err
			}
			if err := checkGateway(prefix, a); err != nil {
				return err
			}
			newGW = &a
		}
		if gw != nil && (newGW == nil || *newGW != *gw) {
			for _, p := range st.ports() {
				if p.DeviceOwner == ownerRouterInterface && slices.Contains(p.FixedIPs, FixedIP{SubnetID: sn.ID, IPAddress: gw.String()}) {
					return conflict("GatewayIpInUse", "Current gateway ip %s already in use by port %s. Unable to update.", gw, p.ID)
				}
			}
		}
		gw = newGW
		sn.GatewayIP = nil
		if gw != nil {
			g := gw.String()
			sn.GatewayIP = &g
		}
	}
	if err := setServiceTypes(sn, b); err != nil {
		return err
	}
	return s.subnetDetails(sn, prefix, gw, b, false)
}

func (s *Service) deleteSubnet(st *state, c *caller, r resource) error {
	sn := r.(*Subnet)
	if len(st.usedIPs(sn.ID)) > 0 {
		return conflict("SubnetInUse", "Unable to complete operation on subnet %s: One or more ports have an IP allocation from this subnet.", sn.ID)
	}
	if n := st.network(sn.NetworkID); n != nil {
		st.touch(n, s.now())
	}
	return nil
}

// allocateFromPool picks a subnet's prefix from a subnet pool: the
// requested CIDR when free, or the first free prefix of the requested
// (or default) length.
func (st *state) allocateFromPool(sp *SubnetPool, want netip.Prefix, hasCIDR bool, prefixlen int, hasLen bool) (netip.Prefix, error) {
	var used []netip.Prefix
	for _, o := range st.subnets() {
		if o.SubnetPoolID != nil && *o.SubnetPoolID == sp.ID {
			used = append(used, subnetPrefix(o))
		}
	}
	free := func(p netip.Prefix) bool {
		for _, u := range used {
			if overlaps(u, p) {
				return false
			}
		}
		return true
	}
	length := sp.DefaultPrefixlen
	if hasCIDR {
		length = want.Bits()
	} else if hasLen {
		length = prefixlen
	}
	if length < sp.MinPrefixlen {
		return netip.Prefix{}, newErr(http.StatusBadRequest, "MinPrefixSubnetAllocationError",
			"Unable to allocate subnet with prefix length %d, minimum allowed prefix is %d.", length, sp.MinPrefixlen)
	}
	if length > sp.MaxPrefixlen {
		return netip.Prefix{}, newErr(http.StatusBadRequest, "MaxPrefixSubnetAllocationError",
			"Unable to allocate subnet with prefix length %d, maximum allowed prefix is %d.", length, sp.MaxPrefixlen)
	}
	allocErr := func(reason string) error {
		// A NeutronException the API maps to no HTTP error: a 500 with its body.
		return newErr(http.StatusInternalServerError, "SubnetAllocationError", "Failed to allocate subnet: %s.", reason)
	}
	if hasCIDR {
		for _, ps := range sp.Prefixes {
			p, _ := netip.ParsePrefix(ps)
			if p.Bits() <= want.Bits() && p.Contains(want.Addr()) && free(want) {
				return want, nil
			}
		}
		return netip.Prefix{}, allocErr("Cannot allocate requested subnet from the available set of prefixes")
	}
	for _, ps := range sp.Prefixes {
		p, _ := netip.ParsePrefix(ps)
		if p.Bits() > length {
			continue
		}
		first, last := bounds(p)
		step := uint64(1) << (32 - length)
		for a := uint64(first); a+step-1 <= uint64(last); a += step {
			cand := netip.PrefixFrom(addr(uint32(a)), length)
			if free(cand) {
				return cand, nil
			}
		}
	}
	return netip.Prefix{}, allocErr(fmt.Sprintf("Insufficient prefix space to allocate subnet size /%d", length))
}
