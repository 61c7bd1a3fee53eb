package topology

// Option 5 (DESIGN.md section 4, Tungsten Fabric's model). A cloud
// joining by sdn is an AS of its own (its asn, allocated from the pool
// when not given):
//
//   - its compute nodes are vRouters: the PE function, one attachment VRF
//     per BGPVPN their ports are in, peering iBGP VPNv4 (ibgp-cloud,
//     started by the cloud's Neutron) with
//   - its control node, <cloud>-ctl, a route reflector of the cloud's AS
//     on the cloud's underlay (role control), which also reflects for
//   - its DC gateway, the cloud's node: an inter-AS option B ASBR, peering
//     iBGP with the control node (ibgp-vpn) and eBGP VPNv4 with the WAN PE
//     it attaches to (ebgp-asbr) on its uplink; that PE becomes an option
//     B ASBR for this peer, as the WAN's own ASBRs are.
//
// The gateway's two sessions start with the lab; the vRouters' when
// Neutron gives them a port in an associated network. The underlay stays
// inside the cloud: vRouters and gateway reach each other by IP on it
// (MPLS-in-UDP between them), the WAN reaches the gateway on its uplink.

// sdnControlSuffix names an sdn cloud's control node after the cloud.
const sdnControlSuffix = "-ctl"

// planSDNControl (from resolveClouds) names the control node of an sdn
// cloud with compute nodes: with none there is nothing to reflect for.
func (r *resolver) planSDNControl(c *Cloud) {
	if !c.Joins(JoinSDN) || len(c.Computes) == 0 {
		return
	}
	name := c.Name + sdnControlSuffix
	cs := r.cloudSpec(c.Name)
	clash := ""
	if _, ok := r.nodes[name]; ok {
		clash = "node " + name
	}
	for _, cn := range c.Computes {
		if cn.Name == name {
			clash = "its compute node " + name
		}
	}
	if clash != "" {
		r.d.errorf(cs.where("join"), "rename "+name+": an sdn cloud's control node is named after the cloud",
			"cloud %s joins by sdn, and its control node %s would clash with %s", c.Name, name, clash)
		return
	}
	c.Control = &Compute{Name: name}
}

// checkSDNClouds (once ASNs are allocated) enforces what option 5 needs:
// an AS of the cloud's own, a PE to be the gateway's option B peer, and
// vRouters that are the cloud's PEs alone.
func (r *resolver) checkSDNClouds() {
	for _, c := range r.m.Clouds {
		if !c.Joins(JoinSDN) {
			continue
		}
		cs := r.cloudSpec(c.Name)
		for _, other := range []JoinMode{JoinBGPVPN, JoinInterconnection} {
			if c.Joins(other) {
				r.d.errorf(cs.where("join"), "join by sdn or by "+string(other)+", not both",
					"cloud %s joins by sdn and %s: its computes are either vRouters of its own AS or PEs of the provider's", c.Name, other)
			}
		}
		if c.ASN == r.m.ProviderASN && c.ASN != 0 {
			r.d.errorf(cs.where("asn"), "give it an asn of its own, or leave asn out to have one allocated",
				"cloud %s joins by sdn but has the provider's ASN %d: its gateway is an inter-AS option B ASBR", c.Name, c.ASN)
		}
		if att := r.nodes[c.Attach]; att != nil && att.Role == RoleP {
			r.d.errorf(cs.where("attach"), "attach it to a pe, which then acts as its option B ASBR",
				"cloud %s joins by sdn but attaches to %s, a p router: its gateway exchanges VPN routes with a PE", c.Name, att.Name)
		}
	}
}

// sdnSessions are the sessions of sdn cloud c's gateway (its node) and
// vRouters: eBGP VPNv4 with att over the uplink l, iBGP with the control
// node, and each compute's iBGP with the control node from its address
// on the underlay.
func (r *resolver) sdnSessions(c *Cloud, node, att *Node, l *Link) []Session {
	fams := []string{"ipv4-vpn", "rtc"}
	out := []Session{{Kind: SessionInterAS, A: att.Name, B: node.Name, AAddr: l.B.Addr, BAddr: l.A.Addr,
		AASN: att.ASN, BASN: c.ASN, Families: fams}}
	if c.Control == nil {
		return out
	}
	ctl := r.nodes[c.Control.Name]
	if ctl == nil {
		return out
	}
	out = append(out, Session{Kind: SessionIBGPVPN, A: node.Name, B: ctl.Name, AAddr: node.Loopback.Addr(), BAddr: ctl.Loopback.Addr(),
		AASN: c.ASN, BASN: c.ASN, Families: fams, RRClient: true})
	for _, cn := range c.Computes {
		n := r.nodes[cn.Name]
		if n == nil || n.Role != RoleCompute || len(n.Interfaces) == 0 {
			continue // its underlay link has no subnet: reported as such
		}
		out = append(out, Session{Kind: SessionCloudCore, A: n.Name, B: ctl.Name, AAddr: n.Interfaces[0].Addr.Addr(), BAddr: ctl.Loopback.Addr(),
			AASN: c.ASN, BASN: c.ASN, Families: fams, RRClient: true})
	}
	return out
}

// SDNGateway reports whether node is an sdn cloud's DC gateway, and the
// cloud.
func (m *Model) SDNGateway(node string) (*Cloud, bool) {
	for _, c := range m.Clouds {
		if c.Node == node && c.Joins(JoinSDN) {
			return c, true
		}
	}
	return nil, false
}
