package bgp

import "slices"

// Next-hop-self and tunnels (RFC 9012). A route's Encapsulation extended
// communities and Tunnel Encapsulation attribute describe how to reach
// its next hop. A speaker that puts its own address in the next hop (to
// an eBGP peer, or with next-hop-self) makes them describe the wrong
// router: a data-centre gateway between an IP fabric and an MPLS core
// would tell the core to reach it in the vRouters' UDP tunnels, and the
// vRouters to reach it by the core's MPLS. A gateway's export policy
// rewrites them (Junos: `community delete`, then `community add
// encap-udp`), which PeerConfig.SelfEncapsulations says per peer.

// SelfEncapsulations is a peer's export policy for the tunnels that
// routes sent to it with our address as next hop offer: exactly Types
// (none: the peer reaches us by plain MPLS on the link or its LSPs).
type SelfEncapsulations struct {
	Types []TunnelType
}

// key is the policy as an update group's key holds it: "" for no
// policy, else one byte to say there is one and two per type.
func (p *SelfEncapsulations) key() string {
	if p == nil {
		return ""
	}
	b := []byte{1}
	for _, t := range p.Types {
		b = append(b, byte(t>>8), byte(t))
	}
	return string(b)
}

// applySelfEncaps (for a group whose key says so) replaces a's tunnels
// by the group's.
func applySelfEncaps(a *Attrs, key string) {
	if key == "" {
		return
	}
	ecs := slices.DeleteFunc(a.ExtCommunityList(), func(e ExtCommunity) bool {
		_, encap := e.Encapsulation()
		return encap
	})
	for i := 1; i+1 < len(key); i += 2 {
		e := EncapsulationCommunity(TunnelType(key[i])<<8 | TunnelType(key[i+1]))
		if !slices.Contains(ecs, e) {
			ecs = append(ecs, e)
		}
	}
	a.ExtCommunities = PackExtCommunities(ecs)
	a.TunnelEncap = ""
}
