package router

import (
	"fmt"
	"net/netip"
)

// SetLocalHeld is AddLocal (on) or RemoveLocal (off) for a caller that
// holds the control lock: a protocol whose own state decides what ends
// on the router (l3vpn's readvertised prefixes, told from its sync).
func (r *Router) SetLocalHeld(vrf string, p netip.Prefix, on bool) error {
	if on && (!p.IsValid() || !p.Addr().Is4()) {
		return fmt.Errorf("router %s: local prefix %v: need an IPv4 prefix", r.name, p)
	}
	if r.rib.setLocal(vrf, p.Masked(), on) {
		r.rib.recompute(changeVRF(vrf))
	}
	return nil
}
