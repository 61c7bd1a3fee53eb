package l3vpn

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// Steering is automated steering (RFC 9256 section 8.8): the first hops,
// with the segment list's labels, of the headend's valid SR policy
// (color, endpoint). It runs under the control lock.
type Steering interface {
	Steer(color uint32, endpoint netip.Addr) ([]router.Nexthop, bool)
}

// SetSteering makes the Node steer VPN routes carrying a Color extended
// community onto s's policies (before Start).
func (n *Node) SetSteering(s Steering) { n.steering = s }

// SteeringChanged (control lock held) re-imports the VPN routes after an
// SR policy's state changed.
func (n *Node) SteeringChanged() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.full = true
	n.scheduleLocked()
}

// exportCommunities are the VRF's export route targets and its color.
func (v *vrf) exportCommunities() []bgp.ExtCommunity {
	if v.color == 0 {
		return v.exports
	}
	return append(slices.Clone(v.exports), bgp.ColorCommunity(v.color))
}

// importRoute is a VPN route as the VRF installs it: over the SR policy
// its color and next hop name when that policy is valid (the highest
// such color, RFC 9256 section 8.4.1), else recursively over the
// transport LSP to the next hop.
func (n *Node) importRoute(k bgp.RouteKey, label uint32, a *bgp.Attrs) router.Route {
	h := &vpnHop{label: [1]uint32{label}}
	h.nh[0] = n.vpnNexthop(h.label[:], a) // over an LSP, or a tunnel (encap.go)
	rt := router.Route{
		Prefix:   k.Prefix,
		Nexthops: h.nh[:],
		Info:     n.vpnInfo(k.RD),
	}
	if n.steering == nil {
		return rt
	}
	colors := a.Colors()
	slices.Sort(colors)
	for i := len(colors) - 1; i >= 0; i-- {
		nhs, ok := n.steering.Steer(colors[i], a.NextHop)
		if !ok {
			continue
		}
		for j := range nhs {
			nhs[j].Labels = append(nhs[j].Labels, label)
		}
		rt.Nexthops = nhs
		rt.Info += fmt.Sprintf(" sr-policy color %d endpoint %v", colors[i], a.NextHop)
		return rt
	}
	return rt
}

// vpnHop is a VPN route's nexthop and the label under it in one
// allocation, not two: a PE imports every far site's routes.
type vpnHop struct {
	nh    [1]router.Nexthop
	label [1]uint32
}

// vpnInfo is "vpn " and the RD, the Info of a VPN route a VRF imports.
// A PE imports thousands of routes from each far VRF: they share one
// string. The cache is bounded, in case a peer sends many RDs.
func (n *Node) vpnInfo(rd bgp.RD) string {
	n.infoMu.Lock()
	defer n.infoMu.Unlock()
	if s, ok := n.infos[rd]; ok {
		return s
	}
	s := "vpn " + rd.String()
	if n.infos == nil {
		n.infos = map[bgp.RD]string{}
	}
	if len(n.infos) < maxVPNInfos {
		n.infos[rd] = s
	}
	return s
}

// maxVPNInfos bounds vpnInfo's cache: a lab's far VRFs are a few
// thousand at most.
const maxVPNInfos = 1 << 14
