package neutron

import (
	"net/http"
	"slices"
	"strings"
)

// Network types this Neutron offers (ML2 type drivers).
const (
	typeVXLAN = "vxlan"
	typeVLAN  = "vlan"
	typeFlat  = "flat"
)

var networkAttrs = withStandard(attrs{
	"name":                      {aPost | aPut | aFilter | aSort, tStr},
	"admin_state_up":            {aPost | aPut | aFilter | aSort, tBool},
	"status":                    {aFilter | aSort, tStr},
	"subnets":                   {0, tOther},
	"shared":                    {aPost | aPut | aFilter, tBool},
	"router:external":           {aPost | aPut | aFilter | aSort, tBool},
	"mtu":                       {aPost | aPut | aFilter | aSort, tInt},
	"provider:network_type":     {aPost | aPut | aFilter | aAdmin, tStr},
	"provider:physical_network": {aPost | aPut | aFilter | aAdmin, tStr},
	"provider:segmentation_id":  {aPost | aPut | aFilter | aAdmin, tInt},
	"segments":                  {aPost | aAdmin, tOther},
	"ipv4_address_scope":        {0, tOther},
	"ipv6_address_scope":        {0, tOther},
	"port_security_enabled":     {aPost | aPut | aFilter, tBool},
})

func (s *Service) networkCollection() *collection {
	return &collection{
		name: "networks", member: "network", kind: kindNetwork, attrs: networkAttrs, bulk: true,
		notFound: networkNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			n := r.(*Network)
			return c.owns(n.ProjectID) || n.Shared || n.External
		},
		view: func(st *state, r resource) map[string]any {
			n := r.(*Network)
			v := toMap(n)
			ids := []string{}
			var scope any
			for _, sn := range st.subnetsOf(n.ID) {
				ids = append(ids, sn.ID)
				if sn.SubnetPoolID != nil {
					if sp := st.subnetPool(*sn.SubnetPoolID); sp != nil && sp.AddressScopeID != nil {
						scope = *sp.AddressScopeID
					}
				}
			}
			v["subnets"] = ids
			v["ipv4_address_scope"] = scope
			v["ipv6_address_scope"] = nil
			v["port_security_enabled"] = securityOn(n.PortSecurity)
			return v
		},
		create: s.createNetwork,
		update: s.updateNetwork,
		delete: s.deleteNetwork,
	}
}

func (s *Service) createNetwork(st *state, c *caller, b *body) (resource, error) {
	n := &Network{AdminStateUp: true, Status: "ACTIVE"}
	if err := b.common(c, &n.Common, true, 255); err != nil {
		return nil, err
	}
	if err := s.networkFlags(c, n, b, "create_network", true); err != nil {
		return nil, err
	}
	if err := setNetworkDNS(n, b); err != nil {
		return nil, err
	}
	if err := s.checkQuota(st, kindNetwork, n.ProjectID); err != nil {
		return nil, err
	}
	if err := s.networkSegment(st, c, n, b); err != nil {
		return nil, err
	}
	maxMTU := s.maxMTU(n.NetworkType)
	n.MTU = maxMTU
	if b.has("mtu") {
		m, err := b.integer("mtu")
		if err != nil {
			return nil, err
		}
		if err := checkMTU(m, maxMTU); err != nil {
			return nil, err
		}
		n.MTU = m
	}
	s.stamp(&n.Common)
	st.add(kindNetwork, n)
	return n, nil
}

func (s *Service) maxMTU(networkType string) int {
	if networkType == typeVXLAN {
		return s.cfg.PhysicalMTU - 50 // IPv4 VXLAN encapsulation
	}
	return s.cfg.PhysicalMTU
}

func checkMTU(m, maxMTU int) error {
	if m < 68 {
		return httpBadRequest("Invalid input for mtu. Reason: '%d' is too small - must be at least '68'.", m)
	}
	if m > maxMTU {
		return invalidInput("Requested MTU is too big, maximum is %d", maxMTU)
	}
	return nil
}

// networkFlags reads admin_state_up, shared and router:external after
// the policy check of the attributes only an administrator may set.
func (s *Service) networkFlags(c *caller, n *Network, b *body, action string, create bool) error {
	err := enforce(action, b, create, []policyAttr{
		{name: "shared", def: false, allowed: c.admin},
		{name: "router:external", def: false, allowed: c.admin},
		{name: "provider:network_type", allowed: c.admin},
		{name: "provider:physical_network", allowed: c.admin},
		{name: "provider:segmentation_id", allowed: c.admin},
		{name: "segments", allowed: c.admin},
	})
	if err != nil {
		return err
	}
	if b.has("port_security_enabled") {
		v, err := b.boolean("port_security_enabled")
		if err != nil {
			return err
		}
		n.PortSecurity = &v
	}
	for _, k := range []string{"admin_state_up", "shared", "router:external"} {
		if !b.has(k) {
			continue
		}
		v, err := b.boolean(k)
		if err != nil {
			return err
		}
		switch k {
		case "admin_state_up":
			n.AdminStateUp = v
		case "shared":
			n.Shared = v
		default:
			n.External = v
		}
	}
	return nil
}

// networkSegment sets a new network's provider attributes: an admin's
// request, or a VXLAN segment allocated from the region's VNI range.
func (s *Service) networkSegment(st *state, c *caller, n *Network, b *body) error {
	if b.has("segments") {
		// multi-provider's segments, with the one segment a network has here.
		list, ok := b.m["segments"].([]any)
		if !ok || len(list) != 1 {
			return invalidInput("only one segment per network is supported")
		}
		seg, ok := list[0].(map[string]any)
		if !ok {
			return b.invalid("segments", "Invalid data format for segment: '%s'", pyStr(list[0]))
		}
		for k, v := range seg {
			switch k {
			case "provider:network_type", "provider:physical_network", "provider:segmentation_id":
				if b.has(k) {
					return invalidInput("Segments and provider values cannot both be set")
				}
				b.m[k] = v
			default:
				return b.invalid("segments", "Unrecognized attribute(s) '%s'", k)
			}
		}
		delete(b.m, "segments")
	}
	var ntype, physnet string
	var segID *int
	if b.has("provider:network_type") {
		v, err := b.str("provider:network_type", 255)
		if err != nil {
			return err
		}
		ntype = v
	}
	if b.has("provider:physical_network") && b.m["provider:physical_network"] != nil {
		v, err := b.str("provider:physical_network", 64)
		if err != nil {
			return err
		}
		physnet = v
	}
	if b.has("provider:segmentation_id") && b.m["provider:segmentation_id"] != nil {
		v, err := b.integer("provider:segmentation_id")
		if err != nil {
			return err
		}
		if v != 0 { // 0 is unset to ML2's type drivers (a falsy value)
			segID = &v
		}
	}
	if ntype == "" {
		if physnet != "" || segID != nil {
			return invalidInput("network_type required")
		}
		ntype = typeVXLAN
	}
	switch ntype {
	case typeFlat:
		if segID != nil {
			return invalidInput("segmentation_id prohibited for flat provider network")
		}
		if physnet == "" {
			return invalidInput("physical_network required for flat provider network")
		}
		if !s.physet[physnet] {
			return invalidInput("physical_network '%s' unknown for flat provider network", physnet)
		}
		for _, o := range st.networks() {
			if o.NetworkType == typeFlat && o.PhysicalNetwork != nil && *o.PhysicalNetwork == physnet {
				return conflict("FlatNetworkInUse", "Unable to create the flat network. Physical network %s is in use.", physnet)
			}
		}
		n.PhysicalNetwork = &physnet
	case typeVLAN:
		if physnet == "" {
			if segID != nil {
				return invalidInput("segmentation_id requires physical_network for VLAN provider network")
			}
			physnet = s.cfg.PhysicalNetworks[0]
		}
		if !s.physet[physnet] {
			return invalidInput("physical_network '%s' unknown for VLAN provider network", physnet)
		}
		used := map[int]bool{}
		for _, o := range st.networks() {
			if o.NetworkType == typeVLAN && o.PhysicalNetwork != nil && *o.PhysicalNetwork == physnet && o.SegmentationID != nil {
				used[*o.SegmentationID] = true
			}
		}
		if segID != nil {
			if *segID < 1 || *segID > 4094 {
				return invalidInput("segmentation_id out of range (1 through 4094)")
			}
			if used[*segID] {
				return conflict("VlanIdInUse", "Unable to create the network. The VLAN %d on physical network %s is in use.", *segID, physnet)
			}
		} else {
			for v := 1; v <= 4094; v++ {
				if !used[v] {
					segID = &v
					break
				}
			}
			if segID == nil {
				return newErr(http.StatusServiceUnavailable, "NoNetworkAvailable", "Unable to create the network. No tenant network is available for allocation.")
			}
		}
		n.PhysicalNetwork = &physnet
	case typeVXLAN:
		if physnet != "" {
			return invalidInput("provider:physical_network specified for VXLAN network")
		}
		used := map[int]bool{}
		for _, o := range st.networks() {
			if o.NetworkType == typeVXLAN && o.SegmentationID != nil {
				used[*o.SegmentationID] = true
			}
		}
		if segID != nil {
			if *segID < 1 || *segID > 1<<24-1 {
				return invalidInput("segmentation_id out of range (1 through %d)", 1<<24-1)
			}
			if used[*segID] {
				return conflict("TunnelIdInUse", "Unable to create the network. The tunnel ID %d is in use.", *segID)
			}
		} else {
			for v := s.cfg.VNIMin; v <= s.cfg.VNIMax; v++ {
				if !used[v] {
					segID = &v
					break
				}
			}
			if segID == nil {
				return newErr(http.StatusServiceUnavailable, "NoNetworkAvailable", "Unable to create the network. No tenant network is available for allocation.")
			}
		}
	default:
		return invalidInput("network_type value '%s' not supported", ntype)
	}
	n.NetworkType, n.SegmentationID = ntype, segID
	return nil
}

func (s *Service) updateNetwork(st *state, c *caller, r resource, b *body) error {
	n := r.(*Network)
	wasExternal, wasShared := n.External, n.Shared
	if err := b.common(c, &n.Common, false, 255); err != nil {
		return err
	}
	if err := s.networkFlags(c, n, b, "update_network", false); err != nil {
		return err
	}
	if err := setNetworkDNS(n, b); err != nil {
		return err
	}
	if b.has("provider:network_type") || b.has("provider:physical_network") || b.has("provider:segmentation_id") {
		return invalidInput("Plugin does not support updating provider attributes")
	}
	if b.has("mtu") {
		m, err := b.integer("mtu")
		if err != nil {
			return err
		}
		if err := checkMTU(m, s.maxMTU(n.NetworkType)); err != nil {
			return err
		}
		n.MTU = m
	}
	if wasExternal && !n.External {
		for _, p := range st.portsOf(n.ID) {
			if p.DeviceOwner == ownerRouterGateway || p.DeviceOwner == ownerFloatingIP {
				return conflict("ExternalNetworkInUse", "External network %s cannot be updated to be made non-external, since it has existing gateway ports.", n.ID)
			}
		}
	}
	if wasShared && !n.Shared {
		for _, p := range st.portsOf(n.ID) {
			if p.ProjectID != n.ProjectID && p.ProjectID != "" {
				return conflict("InvalidSharedSetting", "Unable to reconfigure sharing settings for network %s. Multiple tenants are using it.", n.ID)
			}
		}
	}
	return nil
}

func (s *Service) deleteNetwork(st *state, c *caller, r resource) error {
	n := r.(*Network)
	for _, p := range st.portsOf(n.ID) {
		if !strings.HasPrefix(p.DeviceOwner, "network:dhcp") {
			return conflict("NetworkInUse", "Unable to complete operation on network %s. There are one or more ports still in use on the network.", n.ID)
		}
	}
	for _, p := range st.portsOf(n.ID) {
		st.remove(p.ID)
	}
	for _, sn := range st.subnetsOf(n.ID) {
		st.remove(sn.ID)
	}
	// The speakers' bindings to the network go with it (ON DELETE CASCADE).
	for _, sp := range st.bgpSpeakers() {
		if i := slices.Index(sp.Networks, n.ID); i >= 0 {
			sp.Networks = slices.Delete(sp.Networks, i, i+1)
			st.mark(sp)
		}
	}
	return nil
}
