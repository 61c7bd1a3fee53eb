package neutron

import (
	"net/netip"
)

var floatingIPAttrs = withStandard(attrs{
	"floating_ip_address": {aPost | aFilter | aSort, tStr},
	"subnet_id":           {aPost, tStr},
	"floating_network_id": {aPost | aReq | aFilter | aSort, tStr},
	"router_id":           {aFilter | aSort, tStr},
	"port_id":             {aPost | aPut | aFilter, tStr},
	"fixed_ip_address":    {aPost | aPut | aFilter | aSort, tStr},
	"status":              {aFilter | aSort, tStr},
	"port_details":        {0, tOther},
})

func (s *Service) floatingIPCollection() *collection {
	return &collection{
		name: "floatingips", member: "floatingip", kind: kindFloatingIP, attrs: floatingIPAttrs,
		notFound: floatingIPNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			return c.owns(r.base().ProjectID)
		},
		view: func(st *state, r resource) map[string]any {
			f := r.(*FloatingIP)
			v := toMap(f)
			delete(v, "name") // floating IPs have none
			v["port_details"] = nil
			if f.PortID != nil {
				if p := st.port(*f.PortID); p != nil {
					v["port_details"] = map[string]any{
						"name": p.Name, "network_id": p.NetworkID, "mac_address": p.MACAddress,
						"admin_state_up": p.AdminStateUp, "status": p.Status,
						"device_id": p.DeviceID, "device_owner": p.DeviceOwner,
					}
				}
			}
			return v
		},
		create: s.createFloatingIP,
		update: s.updateFloatingIP,
		delete: func(st *state, c *caller, r resource) error {
			for _, p := range st.ports() {
				if p.DeviceOwner == ownerFloatingIP && p.DeviceID == r.base().ID {
					st.remove(p.ID)
				}
			}
			return nil
		},
	}
}

func (s *Service) createFloatingIP(st *state, c *caller, b *body) (resource, error) {
	f := &FloatingIP{Status: "DOWN"}
	if err := b.common(c, &f.Common, true, 255); err != nil {
		return nil, err
	}
	netID, err := b.uuid("floating_network_id")
	if err != nil {
		return nil, err
	}
	if err := enforce("create_floatingip", b, true, []policyAttr{{name: "floating_ip_address", def: jsonNull{}, allowed: c.admin}}); err != nil {
		return nil, err
	}
	if err := s.checkQuota(st, kindFloatingIP, f.ProjectID); err != nil {
		return nil, err
	}
	n := st.network(netID)
	if n == nil || !(c.owns(n.ProjectID) || n.Shared || n.External) {
		return nil, networkNotFound(netID)
	}
	if !n.External {
		return nil, badRequest("floatingip", "Network %s is not a valid external network", netID)
	}
	f.FloatingNetworkID = netID
	if err := setFloatingIPDNS(f, b); err != nil {
		return nil, err
	}
	f.ID = newUUID()
	var req fixedReq
	if b.has("subnet_id") && b.m["subnet_id"] != nil {
		id, err := b.uuid("subnet_id")
		if err != nil {
			return nil, err
		}
		req.subnetID = id
	}
	if b.has("floating_ip_address") && b.m["floating_ip_address"] != nil {
		a, err := parseV4Addr("floating_ip_address", b.m["floating_ip_address"])
		if err != nil {
			return nil, err
		}
		req.ip = &a
	}
	port := &Port{NetworkID: netID, AdminStateUp: true, DeviceOwner: ownerFloatingIP, DeviceID: f.ID}
	s.stamp(&port.Common)
	port.MACAddress = st.newMAC(netID)
	if req.subnetID != "" || req.ip != nil {
		port.FixedIPs, err = st.assignIPs(n, port.ID, []fixedReq{req})
	} else {
		port.FixedIPs, err = st.autoIPFor(n, ownerFloatingIP)
		if err == nil && len(port.FixedIPs) == 0 {
			err = newErr(400, "ExternalIpAddressExhausted", "Unable to find any IP address on external network %s.", netID)
		}
	}
	if err != nil {
		return nil, err
	}
	port.Status = portStatus(port)
	f.FloatingIPAddress = port.FixedIPs[0].IPAddress
	if err := st.associate(c, f, b); err != nil {
		return nil, err
	}
	id := f.ID
	s.stamp(&f.Common)
	f.ID = id
	st.add(kindPort, port)
	st.add(kindFloatingIP, f)
	return f, nil
}

func (s *Service) updateFloatingIP(st *state, c *caller, r resource, b *body) error {
	f := r.(*FloatingIP)
	if err := b.common(c, &f.Common, false, 255); err != nil {
		return err
	}
	return st.associate(c, f, b)
}

// associate applies port_id and fixed_ip_address: the floating IP
// follows the port's fixed IP through a router that has a gateway on the
// floating IP's network and an interface on the fixed IP's subnet.
func (st *state) associate(c *caller, f *FloatingIP, b *body) error {
	if !b.has("port_id") {
		if b.has("fixed_ip_address") && b.m["fixed_ip_address"] != nil && f.PortID == nil {
			return badRequest("floatingip", "fixed_ip_address cannot be specified without a port_id")
		}
		if !b.has("fixed_ip_address") {
			return nil
		}
	}
	portID := f.PortID
	if b.has("port_id") {
		var err error
		if portID, err = b.uuidOrNone("port_id"); err != nil {
			return err
		}
	}
	var fixed *netip.Addr
	if b.has("fixed_ip_address") && b.m["fixed_ip_address"] != nil {
		a, err := parseV4Addr("fixed_ip_address", b.m["fixed_ip_address"])
		if err != nil {
			return err
		}
		fixed = &a
	}
	if portID == nil {
		if fixed != nil {
			return badRequest("floatingip", "fixed_ip_address cannot be specified without a port_id")
		}
		f.PortID, f.FixedIPAddress, f.RouterID = nil, nil, nil
		f.Status = "DOWN"
		return nil
	}
	p := st.port(*portID)
	if p == nil || !c.owns(p.ProjectID) {
		return portNotFound(*portID)
	}
	var ip FixedIP
	if fixed != nil {
		found := false
		for _, fi := range p.FixedIPs {
			if fi.IPAddress == fixed.String() {
				ip, found = fi, true
			}
		}
		if !found {
			return badRequest("floatingip", "Port %s does not have fixed ip %s", p.ID, fixed)
		}
	} else {
		switch len(p.FixedIPs) {
		case 0:
			return badRequest("floatingip", "Cannot add floating IP to port %s that has no fixed IPv4 addresses", p.ID)
		case 1:
			ip = p.FixedIPs[0]
		default:
			return badRequest("floatingip", "Port %s has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP", p.ID)
		}
	}
	for _, o := range st.floatingIPs() {
		if o.ID != f.ID && o.PortID != nil && *o.PortID == p.ID && o.FixedIPAddress != nil && *o.FixedIPAddress == ip.IPAddress &&
			o.FloatingNetworkID == f.FloatingNetworkID {
			return conflict("FloatingIPPortAlreadyAssociated",
				"Cannot associate floating IP %s (%s) with port %s using fixed IP %s, as that fixed IP already has a floating IP on external network %s.",
				f.FloatingIPAddress, f.ID, p.ID, ip.IPAddress, f.FloatingNetworkID)
		}
	}
	routerID := st.routerForFloatingIP(f.FloatingNetworkID, ip)
	if routerID == "" {
		return notFound("ExternalGatewayForFloatingIPNotFound",
			"External network %s is not reachable from subnet %s.  Therefore, cannot associate Port %s with a Floating IP.",
			f.FloatingNetworkID, ip.SubnetID, p.ID)
	}
	pid, addrStr := p.ID, ip.IPAddress
	f.PortID, f.FixedIPAddress, f.RouterID = &pid, &addrStr, &routerID
	f.Status = "ACTIVE"
	return nil
}

// routerForFloatingIP finds, as Neutron does, the routers with a gateway
// on the external network and an interface on the fixed IP's subnet,
// preferring the one whose interface is the subnet's gateway.
func (st *state) routerForFloatingIP(extNetID string, ip FixedIP) string {
	sn := st.subnet(ip.SubnetID)
	first := ""
	for _, rt := range st.routers() {
		if rt.GatewayInfo == nil || rt.GatewayInfo.NetworkID != extNetID {
			continue
		}
		for _, p := range st.routerPorts(rt.ID) {
			if p.DeviceOwner != ownerRouterInterface {
				continue
			}
			for _, fi := range p.FixedIPs {
				if fi.SubnetID != ip.SubnetID {
					continue
				}
				if sn != nil && sn.GatewayIP != nil && fi.IPAddress == *sn.GatewayIP {
					return rt.ID
				}
				if first == "" {
					first = rt.ID
				}
			}
		}
	}
	return first
}
