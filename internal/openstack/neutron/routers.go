package neutron

import (
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strings"
)

var routerAttrs = withStandard(attrs{
	"name":                  {aPost | aPut | aFilter | aSort, tStr},
	"admin_state_up":        {aPost | aPut | aFilter | aSort, tBool},
	"status":                {aSort, tStr},
	"external_gateway_info": {aPost | aPut, tOther},
	"routes":                {aPut, tOther},
})

func (s *Service) routerCollection() *collection {
	return &collection{
		name: "routers", member: "router", kind: kindRouter, attrs: routerAttrs,
		notFound: routerNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			return c.owns(r.base().ProjectID)
		},
		view:   func(st *state, r resource) map[string]any { return toMap(r) },
		create: s.createRouter,
		update: s.updateRouter,
		delete: s.deleteRouter,
	}
}

func (s *Service) createRouter(st *state, c *caller, b *body) (resource, error) {
	rt := &Router{AdminStateUp: true, Status: "ACTIVE", Routes: []HostRoute{}}
	if err := b.common(c, &rt.Common, true, 255); err != nil {
		return nil, err
	}
	if b.has("admin_state_up") {
		v, err := b.boolean("admin_state_up")
		if err != nil {
			return nil, err
		}
		rt.AdminStateUp = v
	}
	if err := s.checkQuota(st, kindRouter, rt.ProjectID); err != nil {
		return nil, err
	}
	id := newUUID()
	s.stamp(&rt.Common)
	rt.ID = id
	if b.has("external_gateway_info") {
		if err := s.setGateway(st, c, rt, b, "create_router"); err != nil {
			return nil, err
		}
	}
	st.add(kindRouter, rt)
	return rt, nil
}

// gatewayRequest is a parsed external_gateway_info.
type gatewayRequest struct {
	networkID  string
	enableSNAT *bool
	fixed      []fixedReq
	hasFixed   bool
}

func parseGateway(b *body, action string, c *caller, create bool) (*gatewayRequest, error) {
	err := enforce(action, b, create, []policyAttr{{
		name: "external_gateway_info", allowed: true,
		subs:       []string{"network_id", "external_fixed_ips", "enable_snat"},
		subAllowed: func(sub string) bool { return sub == "network_id" || c.admin },
	}})
	if err != nil {
		return nil, err
	}
	v := b.m["external_gateway_info"]
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, b.invalid("external_gateway_info", "'%s' is not a dictionary", pyStr(v))
	}
	if len(m) == 0 {
		return nil, nil
	}
	var extra []string
	for k := range m {
		if k != "network_id" && k != "enable_snat" && k != "external_fixed_ips" {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, b.invalid("external_gateway_info", "Unrecognized attribute(s) '%s'", strings.Join(extra, ", "))
	}
	g := &gatewayRequest{}
	sub := &body{member: b.member, m: m}
	if !sub.has("network_id") {
		return nil, b.invalid("external_gateway_info", "Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: %s", pyKeySet(m))
	}
	id, ok := m["network_id"].(string)
	if !ok || !isUUID(id) {
		return nil, b.invalid("external_gateway_info", "'%s' is not a valid UUID", pyStr(m["network_id"]))
	}
	g.networkID = id
	if sub.has("enable_snat") {
		v, ok := toBool(m["enable_snat"])
		if !ok {
			return nil, invalidInput("'%s' cannot be converted to boolean", pyStr(m["enable_snat"]))
		}
		g.enableSNAT = &v
	}
	if sub.has("external_fixed_ips") {
		g.hasFixed = true
		fb := &body{member: b.member, m: map[string]any{"fixed_ips": m["external_fixed_ips"]}}
		reqs, err := parseFixedIPs(fb)
		if ae, ok := err.(*apiError); ok {
			ae.Message = strings.Replace(ae.Message, "Invalid input for fixed_ips.", "Invalid input for external_gateway_info.", 1)
			return nil, ae
		}
		g.fixed = reqs
	}
	return g, nil
}

func pyKeySet(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, "'"+k+"'")
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ", ") + "}"
}

// setGateway applies a create or update's external_gateway_info.
func (s *Service) setGateway(st *state, c *caller, rt *Router, b *body, action string) error {
	g, err := parseGateway(b, action, c, action == "create_router")
	if err != nil {
		return err
	}
	cur := rt.GatewayInfo
	if g == nil {
		if cur != nil {
			if err := st.checkGatewayUnused(rt, cur.NetworkID); err != nil {
				return err
			}
			st.removeGatewayPort(rt.ID)
			rt.GatewayInfo = nil
		}
		return nil
	}
	n := st.network(g.networkID)
	if n == nil || !(c.owns(n.ProjectID) || n.Shared || n.External) {
		return networkNotFound(g.networkID)
	}
	if !n.External {
		return badRequest("router", "Network %s is not an external network", n.ID)
	}
	snat := true
	if cur != nil && cur.NetworkID == n.ID {
		snat = cur.EnableSNAT
	}
	if g.enableSNAT != nil {
		snat = *g.enableSNAT
	}
	if cur != nil && cur.NetworkID == n.ID && !st.gatewayIPsChange(rt, g) {
		cur.EnableSNAT = snat
		return nil
	}
	if cur != nil && cur.NetworkID != n.ID {
		if err := st.checkGatewayUnused(rt, cur.NetworkID); err != nil {
			return err
		}
	}
	var gw *Port
	for _, p := range st.routerPorts(rt.ID) {
		if p.DeviceOwner == ownerRouterGateway {
			gw = p
		}
	}
	if gw != nil && gw.NetworkID != n.ID {
		st.remove(gw.ID)
		gw = nil
	}
	if gw == nil {
		gw = &Port{NetworkID: n.ID, AdminStateUp: true, DeviceOwner: ownerRouterGateway, DeviceID: rt.ID}
		s.stamp(&gw.Common)
		gw.MACAddress = st.newMAC(n.ID)
		gw.FixedIPs = []FixedIP{}
		gw.Status = "ACTIVE"
	} else {
		st.touch(gw, s.now())
	}
	var ips []FixedIP
	if len(g.fixed) > 0 { // an empty list is no list, as Neutron reads it
		ips, err = st.assignIPs(n, gw.ID, g.fixed)
	} else {
		ips, err = st.autoIP(n)
	}
	if err != nil {
		return err
	}
	gw.FixedIPs = ips
	if st.port(gw.ID) == nil {
		st.add(kindPort, gw)
	}
	rt.GatewayInfo = &GatewayInfo{NetworkID: n.ID, EnableSNAT: snat, ExternalFixedIPs: slices.Clone(ips)}
	return nil
}

// checkGatewayUnused refuses to remove a gateway floating IPs need.
func (st *state) checkGatewayUnused(rt *Router, netID string) error {
	for _, f := range st.floatingIPs() {
		if f.RouterID != nil && *f.RouterID == rt.ID {
			return conflict("RouterExternalGatewayInUseByFloatingIp",
				"Gateway cannot be updated for router %s, since a gateway to external network %s is required by one or more floating IPs.", rt.ID, netID)
		}
	}
	return nil
}

func (st *state) removeGatewayPort(routerID string) {
	for _, p := range st.routerPorts(routerID) {
		if p.DeviceOwner == ownerRouterGateway {
			st.remove(p.ID)
		}
	}
}

func (s *Service) updateRouter(st *state, c *caller, r resource, b *body) error {
	rt := r.(*Router)
	if err := b.common(c, &rt.Common, false, 255); err != nil {
		return err
	}
	if b.has("admin_state_up") {
		v, err := b.boolean("admin_state_up")
		if err != nil {
			return err
		}
		rt.AdminStateUp = v
	}
	if b.has("external_gateway_info") {
		if err := s.setGateway(st, c, rt, b, "update_router"); err != nil {
			return err
		}
	}
	if b.has("routes") {
		routes, err := parseRoutes(b, "routes")
		if err != nil {
			return err
		}
		if len(routes) > maxRoutes {
			return newErr(http.StatusBadRequest, "RoutesExhausted", "Unable to complete operation for %s. The number of routes exceeds the maximum %d.", rt.ID, maxRoutes)
		}
		if err := st.checkRoutes(rt, b.m["routes"], routes); err != nil {
			return err
		}
		rt.Routes = routes
	}
	return nil
}

// checkRoutes validates extra routes: each nexthop on a subnet the router
// is connected to, and not one of the router's own addresses.
func (st *state) checkRoutes(rt *Router, raw any, routes []HostRoute) error {
	var prefixes []netip.Prefix
	var own []string
	for _, p := range st.routerPorts(rt.ID) {
		for _, f := range p.FixedIPs {
			if sn := st.subnet(f.SubnetID); sn != nil {
				prefixes = append(prefixes, subnetPrefix(sn))
			}
			own = append(own, f.IPAddress)
		}
	}
	for _, r := range routes {
		nh, _ := netip.ParseAddr(r.Nexthop)
		if !slices.ContainsFunc(prefixes, func(p netip.Prefix) bool { return p.Contains(nh) }) {
			return newErr(http.StatusBadRequest, "InvalidRoutes", "Invalid format for routes: %s, the nexthop is not connected with router", pyRepr(raw))
		}
		if slices.Contains(own, r.Nexthop) {
			return newErr(http.StatusBadRequest, "InvalidRoutes", "Invalid format for routes: %s, the nexthop is used by router", pyRepr(raw))
		}
	}
	return nil
}

func (s *Service) deleteRouter(st *state, c *caller, r resource) error {
	rt := r.(*Router)
	for _, p := range st.routerPorts(rt.ID) {
		if p.DeviceOwner == ownerRouterInterface {
			return conflict("RouterInUse", "Router %s still has ports", rt.ID)
		}
	}
	if rt.GatewayInfo != nil {
		if err := st.checkGatewayUnused(rt, rt.GatewayInfo.NetworkID); err != nil {
			return err
		}
	}
	st.removeGatewayPort(rt.ID)
	return nil
}

// routerInterfaceHandler serves add_router_interface (add) and
// remove_router_interface.
func (s *Service) routerInterfaceHandler(add bool) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		info, err := decodeActionBody(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var answer map[string]any
		err = s.update(r.Context(), func(st *state) error {
			rt := st.router(r.PathValue("id"))
			if rt == nil || !c.owns(rt.ProjectID) {
				return routerNotFound(r.PathValue("id"))
			}
			var err error
			if add {
				answer, err = s.addInterface(st, c, rt, info)
				if err == nil {
					netID, _ := answer["network_id"].(string)
					err = st.checkRouterInterfaceBGPVPN(rt.ID, netID)
				}
			} else {
				answer, err = s.removeInterface(st, c, rt, info)
			}
			if err == nil {
				st.touch(rt, s.now())
			}
			return err
		})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, answer)
	}
}

// interfaceIDs reads subnet_id and port_id of an interface request.
func interfaceIDs(info map[string]any) (subnetID, portID string, err error) {
	for k, v := range info {
		switch k {
		case "subnet_id", "port_id":
			s, ok := v.(string)
			if !ok || !isUUID(s) {
				return "", "", badRequest("router", "'%s' is not a valid UUID", pyStr(v))
			}
			if k == "subnet_id" {
				subnetID = s
			} else {
				portID = s
			}
		}
	}
	if subnetID == "" && portID == "" {
		return "", "", badRequest("router", "Either subnet_id or port_id must be specified")
	}
	return subnetID, portID, nil
}

func interfaceAnswer(rt *Router, p *Port, subnetID string) map[string]any {
	ids := []string{}
	for _, f := range p.FixedIPs {
		if !slices.Contains(ids, f.SubnetID) {
			ids = append(ids, f.SubnetID)
		}
	}
	if subnetID == "" && len(ids) > 0 {
		subnetID = ids[0]
	}
	if len(ids) == 0 && subnetID != "" {
		ids = []string{subnetID}
	}
	return map[string]any{
		"id": rt.ID, "tenant_id": rt.ProjectID, "project_id": rt.ProjectID,
		"port_id": p.ID, "network_id": p.NetworkID, "subnet_id": subnetID, "subnet_ids": ids,
	}
}

// checkInterfaceSubnets refuses subnets overlapping those the router
// already has an interface on.
func (st *state) checkInterfaceSubnets(rt *Router, subnets []*Subnet) error {
	for _, p := range st.routerPorts(rt.ID) {
		if p.DeviceOwner != ownerRouterInterface {
			continue
		}
		for _, f := range p.FixedIPs {
			have := st.subnet(f.SubnetID)
			if have == nil {
				continue
			}
			for _, sn := range subnets {
				if have.ID == sn.ID {
					return badRequest("router", "Router already has a port on subnet %s", sn.ID)
				}
				if overlaps(subnetPrefix(have), subnetPrefix(sn)) {
					return badRequest("router", "Cidr %s of subnet %s overlaps with cidr %s of subnet %s", sn.CIDR, sn.ID, have.CIDR, have.ID)
				}
			}
		}
	}
	return nil
}

func (s *Service) addInterface(st *state, c *caller, rt *Router, info map[string]any) (map[string]any, error) {
	subnetID, portID, err := interfaceIDs(info)
	if err != nil {
		return nil, err
	}
	if subnetID != "" && portID != "" {
		return nil, badRequest("router", "Cannot specify both subnet-id and port-id")
	}
	if portID != "" {
		p := st.port(portID)
		if p == nil || !c.owns(p.ProjectID) {
			return nil, portNotFound(portID)
		}
		if p.DeviceID != "" {
			return nil, conflict("PortInUse", "Unable to complete operation on port %s for network %s. Port already has an attached device %s.", p.ID, p.NetworkID, p.DeviceID)
		}
		if len(p.FixedIPs) == 0 {
			return nil, badRequest("router", "Router port must have at least one fixed IP")
		}
		var subnets []*Subnet
		for _, f := range p.FixedIPs {
			if sn := st.subnet(f.SubnetID); sn != nil {
				subnets = append(subnets, sn)
			}
		}
		if err := st.checkInterfaceSubnets(rt, subnets); err != nil {
			return nil, err
		}
		p.DeviceOwner, p.DeviceID = ownerRouterInterface, rt.ID
		p.Status = portStatus(p)
		st.touch(p, s.now())
		return interfaceAnswer(rt, p, ""), nil
	}
	sn := st.subnet(subnetID)
	if sn == nil || !s.subnetCollection().visible(st, c, sn) {
		return nil, subnetNotFound(subnetID)
	}
	n := st.network(sn.NetworkID)
	if !c.admin && sn.ProjectID != c.project && (n == nil || !n.Shared) {
		return nil, badRequest("router", "Cannot add interface to router because subnet %s is not owned by project making the request", subnetID)
	}
	if sn.GatewayIP == nil {
		return nil, badRequest("router", "Subnet for router interface must have a gateway IP")
	}
	if err := st.checkInterfaceSubnets(rt, []*Subnet{sn}); err != nil {
		return nil, err
	}
	if _, used := st.usedIPs(sn.ID)[mustAddr(*sn.GatewayIP)]; used {
		return nil, conflict("IpAddressAlreadyAllocated", "IP address %s already allocated in subnet %s", *sn.GatewayIP, sn.ID)
	}
	p := &Port{NetworkID: sn.NetworkID, AdminStateUp: true, DeviceOwner: ownerRouterInterface, DeviceID: rt.ID,
		FixedIPs: []FixedIP{{SubnetID: sn.ID, IPAddress: *sn.GatewayIP}}}
	s.stamp(&p.Common)
	p.ProjectID = rt.ProjectID
	p.MACAddress = st.newMAC(sn.NetworkID)
	p.Status = portStatus(p)
	st.add(kindPort, p)
	return interfaceAnswer(rt, p, sn.ID), nil
}

func mustAddr(s string) uint32 {
	a, _ := netip.ParseAddr(s)
	return u32(a)
}

func (s *Service) removeInterface(st *state, c *caller, rt *Router, info map[string]any) (map[string]any, error) {
	subnetID, portID, err := interfaceIDs(info)
	if err != nil {
		return nil, err
	}
	var p *Port
	if portID != "" {
		p = st.port(portID)
		if p == nil || p.DeviceID != rt.ID || p.DeviceOwner != ownerRouterInterface {
			return nil, notFound("RouterInterfaceNotFound", "Router %s does not have an interface with id %s", rt.ID, portID)
		}
		if subnetID != "" && !slices.ContainsFunc(p.FixedIPs, func(f FixedIP) bool { return f.SubnetID == subnetID }) {
			return nil, newErr(http.StatusBadRequest, "SubnetMismatchForPort", "Subnet on port %s does not match the requested subnet %s.", portID, subnetID)
		}
	} else {
		for _, rp := range st.routerPorts(rt.ID) {
			if rp.DeviceOwner == ownerRouterInterface && slices.ContainsFunc(rp.FixedIPs, func(f FixedIP) bool { return f.SubnetID == subnetID }) {
				p = rp
				break
			}
		}
		if p == nil {
			return nil, notFound("RouterInterfaceNotFoundForSubnet", "Router %s has no interface on subnet %s", rt.ID, subnetID)
		}
	}
	// What goes away: the subnets of the port (or just subnetID).
	var gone []*Subnet
	for _, f := range p.FixedIPs {
		if subnetID == "" || portID != "" || f.SubnetID == subnetID {
			if sn := st.subnet(f.SubnetID); sn != nil {
				gone = append(gone, sn)
			}
		}
	}
	for _, sn := range gone {
		prefix := subnetPrefix(sn)
		for _, f := range st.floatingIPs() {
			if f.RouterID == nil || *f.RouterID != rt.ID || f.FixedIPAddress == nil {
				continue
			}
			if a, err := netip.ParseAddr(*f.FixedIPAddress); err == nil && prefix.Contains(a) {
				return nil, conflict("RouterInterfaceInUseByFloatingIP", "Router interface for subnet %s on router %s cannot be deleted, as it is required by one or more floating IPs.", sn.ID, rt.ID)
			}
		}
		for _, r := range rt.Routes {
			if a, err := netip.ParseAddr(r.Nexthop); err == nil && prefix.Contains(a) {
				return nil, conflict("RouterInterfaceInUseByRoute", "Router interface for subnet %s on router %s cannot be deleted, as it is required by one or more routes.", sn.ID, rt.ID)
			}
		}
	}
	answer := interfaceAnswer(rt, p, subnetID)
	if portID == "" && len(p.FixedIPs) > 1 {
		p.FixedIPs = slices.DeleteFunc(p.FixedIPs, func(f FixedIP) bool { return f.SubnetID == subnetID })
		st.touch(p, s.now())
	} else {
		st.remove(p.ID)
	}
	return answer, nil
}
