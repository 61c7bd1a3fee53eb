package neutron

import "slices"

// gatewayIPsChange reports whether a gateway request on the network the
// router's gateway is on asks for other addresses than the gateway
// port's, as Neutron's _check_for_external_ip_change judges it: no
// external_fixed_ips (or an empty list) is no change; else the subnets
// named and the addresses named must each be the port's, as sets.
func (st *state) gatewayIPsChange(rt *Router, g *gatewayRequest) bool {
	if len(g.fixed) == 0 {
		return false
	}
	var gw *Port
	for _, p := range st.routerPorts(rt.ID) {
		if p.DeviceOwner == ownerRouterGateway {
			gw = p
		}
	}
	if gw == nil {
		return true
	}
	var haveSubnets, haveIPs, wantSubnets, wantIPs []string
	for _, f := range gw.FixedIPs {
		haveSubnets = appendNew(haveSubnets, f.SubnetID)
		haveIPs = appendNew(haveIPs, f.IPAddress)
	}
	for _, f := range g.fixed {
		if f.subnetID != "" {
			wantSubnets = appendNew(wantSubnets, f.subnetID)
		}
		if f.ip != nil {
			wantIPs = appendNew(wantIPs, f.ip.String())
		}
	}
	return !sameSet(haveSubnets, wantSubnets) || !sameSet(haveIPs, wantIPs)
}

func appendNew(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
