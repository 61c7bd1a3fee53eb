package neutron

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

var portAttrs = withStandard(attrs{
	"name":           {aPost | aPut | aFilter | aSort, tStr},
	"network_id":     {aPost | aReq | aFilter | aSort, tStr},
	"admin_state_up": {aPost | aPut | aFilter | aSort, tBool},
	"mac_address":    {aPost | aPut | aFilter | aSort, tStr},
	"fixed_ips":      {aPost | aPut | aFilter, tOther},
	"device_id":      {aPost | aPut | aFilter | aSort, tStr},
	"device_owner":   {aPost | aPut | aFilter | aSort, tStr},
	"status":         {aFilter | aSort, tStr},
	// security-group and port-security (securitygroups.go).
	"security_groups":       {aPost | aPut | aFilter, tOther},
	"port_security_enabled": {aPost | aPut | aFilter, tBool},
})

func (s *Service) portCollection() *collection {
	return &collection{
		name: "ports", member: "port", kind: kindPort, attrs: portAttrs, bulk: true,
		notFound: portNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			p := r.(*Port)
			if c.owns(p.ProjectID) {
				return true
			}
			n := st.network(p.NetworkID)
			return n != nil && c.owns(n.ProjectID)
		},
		view: func(st *state, r resource) map[string]any {
			p := r.(*Port)
			return s.portDNSView(p, portAttrsView(p, portView(p)))
		},
		create: s.createPort,
		update: s.updatePort,
		delete: s.deletePort,
	}
}

// portStatus is what Neutron's agents would report: service ports are
// up, a VM's port is up once it has a device, an unbound port is down.
func portStatus(p *Port) string {
	switch {
	case p.DeviceOwner == ownerFloatingIP:
		return "N/A"
	case !p.AdminStateUp:
		return "DOWN"
	case strings.HasPrefix(p.DeviceOwner, "network:"), p.DeviceID != "":
		return "ACTIVE"
	}
	return "DOWN"
}

func (s *Service) createPort(st *state, c *caller, b *body) (resource, error) {
	p := &Port{AdminStateUp: true}
	if err := b.common(c, &p.Common, true, 255); err != nil {
		return nil, err
	}
	netID, err := b.uuid("network_id")
	if err != nil {
		return nil, err
	}
	n, err := networkForWrite(st, c, netID)
	if err != nil {
		return nil, err
	}
	p.NetworkID = netID
	if err := enforce("create_port", b, true, portPolicy(c, n, b)); err != nil {
		return nil, err
	}
	if err := s.checkQuota(st, kindPort, p.ProjectID); err != nil {
		return nil, err
	}
	if err := portScalars(p, b); err != nil {
		return nil, err
	}
	if b.has("mac_address") {
		if err := st.setMAC(p, b); err != nil {
			return nil, err
		}
	} else {
		p.MACAddress = st.newMAC(netID)
	}
	p.ID = newUUID()
	if b.has("fixed_ips") && b.m["fixed_ips"] != nil {
		reqs, err := parseFixedIPs(b)
		if err != nil {
			return nil, err
		}
		if err := checkFixedIPCount(p, reqs); err != nil {
			return nil, err
		}
		if p.FixedIPs, err = st.assignIPs(n, p.ID, reqs); err != nil {
			return nil, err
		}
	} else if p.FixedIPs, err = st.autoIPFor(n, p.DeviceOwner); err != nil {
		return nil, err
	}
	if err := s.portSecurity(st, c, p, n, b, true); err != nil {
		return nil, err
	}
	if err := setPortAttrs(p, b); err != nil {
		return nil, err
	}
	if err := s.setPortDNS(p, b); err != nil {
		return nil, err
	}
	id := p.ID
	s.stamp(&p.Common)
	p.ID = id
	p.Status = portStatus(p)
	st.add(kindPort, p)
	return p, nil
}

// portPolicy is Neutron's default policy on port attributes: the
// network's owner (or the admin) picks MAC and addresses and may give
// network:* device owners; others may pick a subnet of a shared network.
func portPolicy(c *caller, n *Network, b *body) []policyAttr {
	owner := c.owns(n.ProjectID)
	devOwner, _ := b.m["device_owner"].(string)
	return []policyAttr{
		{name: "mac_address", allowed: owner},
		{name: "fixed_ips", allowed: true, list: true, subAllowed: func(sub string) bool {
			return owner || (sub == "subnet_id" && n.Shared)
		}},
		{name: "device_id", def: "", allowed: true},
		{name: "device_owner", def: "", allowed: owner || !strings.HasPrefix(devOwner, "network:")},
		{name: "binding:host_id", allowed: c.admin || c.service},
		{name: "binding:profile", allowed: c.admin || c.service},
		{name: "trusted", allowed: c.admin},
	}
}

// portScalars reads admin_state_up, device_id and device_owner.
func portScalars(p *Port, b *body) error {
	if b.has("admin_state_up") {
		v, err := b.boolean("admin_state_up")
		if err != nil {
			return err
		}
		p.AdminStateUp = v
	}
	for _, k := range []string{"device_id", "device_owner"} {
		if !b.has(k) {
			continue
		}
		v, err := b.str(k, 255)
		if err != nil {
			return err
		}
		if k == "device_id" {
			p.DeviceID = v
		} else {
			p.DeviceOwner = v
		}
	}
	return nil
}

func (st *state) setMAC(p *Port, b *body) error {
	s, _ := b.m["mac_address"].(string)
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 || hw[0]&1 == 1 {
		return b.invalid("mac_address", "'%s' is not a valid MAC address", pyStr(b.m["mac_address"]))
	}
	mac := hw.String()
	if holder, used := st.macHolder(p.NetworkID, mac); used && holder != p.ID {
		return conflict("MacAddressInUse", "Unable to complete operation for network %s. The mac address %s is in use.", p.NetworkID, mac)
	}
	p.MACAddress = mac
	return nil
}

// fixedReq is one entry of a request's fixed_ips.
type fixedReq struct {
	subnetID string
	ip       *netip.Addr
}

func parseFixedIPs(b *body) ([]fixedReq, error) {
	list, ok := b.m["fixed_ips"].([]any)
	if !ok {
		return nil, b.invalid("fixed_ips", "Invalid data format for fixed IP: '%s'", pyStr(b.m["fixed_ips"]))
	}
	var reqs []fixedReq
	seen := map[netip.Addr]bool{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, b.invalid("fixed_ips", "Invalid data format for fixed IP: '%s'", pyStr(e))
		}
		var r fixedReq
		for k, v := range m {
			switch k {
			case "subnet_id":
				s, ok := v.(string)
				if !ok || !isUUID(s) {
					return nil, b.invalid("fixed_ips", "'%s' is not a valid UUID", pyStr(v))
				}
				r.subnetID = s
			case "ip_address":
				a, err := parseV4Addr("fixed_ips", v)
				if err != nil {
					return nil, err
				}
				if seen[a] {
					return nil, b.invalid("fixed_ips", "Duplicate IP address '%s'", a)
				}
				seen[a] = true
				r.ip = &a
			default:
				return nil, b.invalid("fixed_ips", "Invalid data format for fixed IP: '%s'", pyStr(e))
			}
		}
		if r.subnetID == "" && r.ip == nil {
			return nil, invalidInput("IP allocation requires subnet_id or ip_address")
		}
		reqs = append(reqs, r)
	}
	return reqs, nil
}

// autoIP allocates one address for a port that asked for none: from the
// first subnet of the network with room, as Neutron does for IPv4.
func (st *state) autoIP(n *Network) ([]FixedIP, error) {
	subnets := st.subnetsOf(n.ID)
	for _, sn := range subnets {
		if ip, ok := st.nextFreeIP(sn, nil); ok {
			return []FixedIP{{SubnetID: sn.ID, IPAddress: ip}}, nil
		}
	}
	if len(subnets) > 0 {
		return nil, conflict("IpAddressGenerationFailure", "No more IP addresses available on network %s.", n.ID)
	}
	return []FixedIP{}, nil
}

// assignIPs resolves requested fixed IPs for port portID on network n.
// An address the port already holds stays its own.
func (st *state) assignIPs(n *Network, portID string, reqs []fixedReq) ([]FixedIP, error) {
	out := []FixedIP{}
	taken := map[uint32]bool{}
	for _, r := range reqs {
		var sn *Subnet
		if r.subnetID != "" {
			sn = st.subnet(r.subnetID)
			if sn == nil || sn.NetworkID != n.ID {
				return nil, invalidInput("Failed to create port on network %s, because fixed_ips included invalid subnet %s", n.ID, r.subnetID)
			}
			if r.ip != nil && !validHostIP(sn, *r.ip) {
				return nil, newErr(http.StatusBadRequest, "InvalidIpForSubnet", "IP address %s is not a valid IP for the specified subnet.", r.ip)
			}
		} else {
			for _, o := range st.subnetsOf(n.ID) {
				if validHostIP(o, *r.ip) {
					sn = o
					break
				}
			}
			if sn == nil {
				return nil, newErr(http.StatusBadRequest, "InvalidIpForNetwork", "IP address %s is not a valid IP for any of the subnets on the specified network.", r.ip)
			}
		}
		if r.ip != nil {
			holder, used := st.ipHolder(sn.ID, *r.ip)
			if (used && holder != portID) || taken[u32(*r.ip)] {
				return nil, conflict("IpAddressAlreadyAllocated", "IP address %s already allocated in subnet %s", r.ip, sn.ID)
			}
			taken[u32(*r.ip)] = true
			out = append(out, FixedIP{SubnetID: sn.ID, IPAddress: r.ip.String()})
			continue
		}
		ip, ok := st.nextFreeIP(sn, taken)
		if !ok {
			return nil, conflict("IpAddressGenerationFailure", "No more IP addresses available on network %s.", n.ID)
		}
		a, _ := netip.ParseAddr(ip)
		taken[u32(a)] = true
		out = append(out, FixedIP{SubnetID: sn.ID, IPAddress: ip})
	}
	return out, nil
}

// validHostIP reports whether a is an address a port may hold on sn.
func validHostIP(sn *Subnet, a netip.Addr) bool {
	p := subnetPrefix(sn)
	if !p.Contains(a) {
		return false
	}
	lo, hi := hostRange(p)
	return u32(a) >= lo && u32(a) <= hi
}

func (s *Service) updatePort(st *state, c *caller, r resource, b *body) error {
	p := r.(*Port)
	n := st.network(p.NetworkID)
	if err := b.common(c, &p.Common, false, 255); err != nil {
		return err
	}
	if n != nil {
		if err := enforce("update_port", b, false, portPolicy(c, n, b)); err != nil {
			return err
		}
	}
	if err := portScalars(p, b); err != nil {
		return err
	}
	if b.has("mac_address") {
		if err := st.setMAC(p, b); err != nil {
			return err
		}
	}
	if b.has("fixed_ips") {
		reqs, err := parseFixedIPs(b)
		if b.m["fixed_ips"] == nil {
			reqs, err = nil, nil
		}
		if err != nil {
			return err
		}
		if err := checkFixedIPCount(p, reqs); err != nil {
			return err
		}
		// An entry naming only a subnet the port already has an address on
		// keeps that address.
		for i, rq := range reqs {
			if rq.ip == nil {
				for _, f := range p.FixedIPs {
					if f.SubnetID == rq.subnetID {
						a, _ := netip.ParseAddr(f.IPAddress)
						reqs[i].ip = &a
						break
					}
				}
			}
		}
		ips, err := st.assignIPs(n, p.ID, reqs)
		if err != nil {
			return err
		}
		p.FixedIPs = ips
	}
	if err := s.portSecurity(st, c, p, n, b, false); err != nil {
		return err
	}
	if err := setPortAttrs(p, b); err != nil {
		return err
	}
	if err := s.setPortDNS(p, b); err != nil {
		return err
	}
	p.Status = portStatus(p)
	return nil
}

func (s *Service) deletePort(st *state, c *caller, r resource) error {
	p := r.(*Port)
	switch p.DeviceOwner {
	case ownerRouterInterface, ownerRouterGateway, ownerFloatingIP:
		if st.router(p.DeviceID) != nil || st.floatingIP(p.DeviceID) != nil {
			return conflict("ServicePortInUse", "Port %s cannot be deleted directly via the port API: has device owner %s.", p.ID, p.DeviceOwner)
		}
	}
	// A port's floating IPs are disassociated, as Neutron does.
	for _, f := range st.floatingIPs() {
		if f.PortID != nil && *f.PortID == p.ID {
			f.PortID, f.FixedIPAddress, f.RouterID = nil, nil, nil
			f.Status = "DOWN"
			st.touch(f, s.now())
		}
	}
	return nil
}
