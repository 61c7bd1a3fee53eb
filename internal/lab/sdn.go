package lab

import (
	"fmt"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/topology"
)

// Option 5 (DESIGN.md section 4, Tungsten Fabric's model; the model's
// side is internal/topology/resolve_sdn.go). An sdn cloud is an AS of its
// own:
//
//   - its compute nodes are vRouters: the same compute PEs as option 3's
//     (computepe.go), attachment VRFs made from Neutron's network
//     associations, but peering with the cloud's control node instead of
//     the WAN's reflectors (their ibgp-cloud sessions name it);
//   - its control node runs a provider l3vpn.Node without VRFs, a route
//     reflector for the vRouters and the gateway;
//   - its gateway, the cloud's node, runs the same l3vpn.Node as the
//     WAN's option B ASBRs (Config.ASBR): iBGP with the control node,
//     next-hop-self, eBGP VPNv4 with the WAN PE on its uplink, a label of
//     its own per route, swapped to the route's. Toward the vRouters its
//     routes offer MPLS-in-UDP (bgp.SelfEncapsulations, as a gateway's
//     export policy adds encapsulation communities), so they send it their
//     VPN traffic in UDP across the underlay; toward the WAN they offer
//     none, so the WAN PE sends it plain MPLS on the link. It reaches the
//     vRouters in the tunnels their routes offer (l3vpn's asbrNexthop).
//
// The WAN PE the cloud attaches to becomes an option B ASBR for this peer
// (the model gives it an ebgp-asbr session, so isASBR holds) and takes
// the tunnels off what it sends the gateway. The gateway's two sessions
// start with the lab and count as its sessions; the vRouters' start with
// their first attachment.

// sdnCloud reports whether c's computes are vRouters behind a control
// node and a gateway.
func sdnCloud(c *topology.Cloud) bool {
	return c.Joins(topology.JoinSDN) && c.Control != nil && len(c.Computes) > 0
}

// isSDNCloud reports whether the cloud named so is an sdn cloud.
func (l *Lab) isSDNCloud(name string) bool {
	for _, c := range l.Model.Clouds {
		if c.Name == name {
			return sdnCloud(c)
		}
	}
	return false
}

// gatewaySession reports whether s is one of sdn cloud c's gateway
// sessions: eBGP with the WAN PE, iBGP with the control node.
func gatewaySession(c *topology.Cloud, s topology.Session) bool {
	return s.Kind == topology.SessionInterAS && s.B == c.Node || s.Kind == topology.SessionIBGPVPN && s.A == c.Node
}

// planSDN (from buildBGP, after the sessions it builds itself) gives each
// sdn cloud's gateway and control node their speakers and records the
// gateway's sessions, which startBGP then starts with the others.
func (l *Lab) planSDN() error {
	for _, c := range l.Model.Clouds {
		if !c.Joins(topology.JoinSDN) {
			continue
		}
		for _, s := range l.Model.Sessions {
			if !gatewaySession(c, s) {
				continue
			}
			a, b := l.nodes[s.A], l.nodes[s.B]
			if a == nil || b == nil {
				continue
			}
			for _, n := range []*Node{a, b} {
				var err error
				if n.Model.Role.IsCore() {
					err = l.ensureSpeaker(n) // the WAN PE: an ASBR for this peer
				} else {
					err = l.sdnSpeaker(c, n)
				}
				if err != nil {
					return err
				}
			}
			bs := &bgpSession{net: l.bgpNets[""], a: a, b: b, aAddr: s.AAddr, bAddr: s.BAddr, aKey: s.AAddr, bKey: s.BAddr,
				aSp: a.bgp.vpn.Speaker(), bSp: b.bgp.vpn.Speaker()}
			if l.tcp != nil {
				bs.net = l.tcp
				bs.aKey, _ = l.SpeakerAddr(s.A, "")
				bs.bKey, _ = l.SpeakerAddr(s.B, "")
			}
			l.bgpSessions = append(l.bgpSessions, bs)
			a.bgp.sessions = append(a.bgp.sessions, bs)
			b.bgp.sessions = append(b.bgp.sessions, bs)
			l.bgpPeers = append(l.bgpPeers, s)
		}
	}
	return nil
}

// sdnSpeaker gives n, sdn cloud c's gateway or control node, its VPN
// function in the cloud's AS: an ASBR on the gateway, a bare reflector
// on the control node. Each listens on its loopback, the gateway also on
// its uplink address, where the WAN PE dials it.
func (l *Lab) sdnSpeaker(c *topology.Cloud, n *Node) error {
	if n.bgp != nil {
		return nil
	}
	gateway := n.Model.Name == c.Node
	lt := &listeners{net: l.bgpNets[""], port: l.bgpPort()}
	lt.add(l.bgpNets[""], n.Model.Loopback.Addr())
	if gateway && c.LinkID >= 0 {
		lk := l.Model.Links[c.LinkID]
		lt.add(l.bgpNets[""], pick(lk.A.Node == n.Model.Name, lk.A.Addr, lk.B.Addr))
	}
	tr, listen, err := l.speakerTransport(n.Model.Name, "", lt)
	if err != nil {
		return err
	}
	st := &bgpState{l: l, n: n}
	vpn, err := l3vpn.New(l3vpn.Config{
		Env: n.Router, Mode: l3vpn.Provider, ASBR: gateway,
		Speaker: bgp.Config{
			ASN: c.ASN, RouterID: n.Model.RouterID, ClusterID: n.Model.ClusterID, Families: []bgp.Family{bgp.VPNv4},
			Transport: tr, ListenAddr: listen, Clock: l.clk, OnFiltered: st.filtered,
		},
	})
	if err != nil {
		return fmt.Errorf("%s: %w", n.Model.Name, err)
	}
	st.vpn = vpn
	n.bgp = st
	role := "control node (route reflector)"
	if gateway {
		role = "DC gateway (inter-AS option B ASBR)"
	}
	n.Router.Event("sdn", fmt.Sprintf("%s of cloud %s, AS %d", role, c.Name, c.ASN))
	return nil
}

// selfEncapsulations is the export policy for tunnels of from's session s
// with to: an sdn gateway offers the control node (and so the vRouters)
// MPLS-in-UDP and the WAN PE nothing, and the WAN PE offers the gateway
// nothing; nil (routes keep what they carry) everywhere else.
func (l *Lab) selfEncapsulations(from, to *Node, s topology.Session) *bgp.SelfEncapsulations {
	if _, ok := l.Model.SDNGateway(from.Model.Name); ok {
		if s.Kind == topology.SessionIBGPVPN {
			return &bgp.SelfEncapsulations{Types: []bgp.TunnelType{bgp.TunnelMPLSInUDP}}
		}
		return &bgp.SelfEncapsulations{}
	}
	if _, ok := l.Model.SDNGateway(to.Model.Name); ok && s.Kind == topology.SessionInterAS {
		return &bgp.SelfEncapsulations{}
	}
	return nil
}
