package router

import (
	"fmt"
	"net/netip"
	"slices"
)

// Extra local prefixes: addresses and subnets a router owns beyond its
// interfaces and loopback. The lab gives them to the node standing for a
// cloud's network node, which answers for the cloud's VMs and router
// ports (ping, traceroute, UDP) and terminates its tenant subnets.
//
// A /32 is an address the router answers for, like its loopback (shown
// "L"). A shorter prefix is a subnet that ends here (shown "C" on lo):
// its addresses that are not the router's own are unreachable, so a
// packet for an absent VM gets an ICMP unreachable instead of following
// the default route back out.

// AddLocal makes p one of the router's own prefixes in vrf (see above).
// Adding it twice is harmless. Do not call it with the control lock held.
func (r *Router) AddLocal(vrf string, p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is4() {
		return fmt.Errorf("router %s: local prefix %v: need an IPv4 prefix", r.name, p)
	}
	r.ctl.Lock()
	defer r.ctl.Unlock()
	if r.rib.setLocal(vrf, p.Masked(), true) {
		r.rib.recompute(changeVRF(vrf))
	}
	return nil
}

// RemoveLocal takes back a prefix AddLocal gave and reports whether it
// was there.
func (r *Router) RemoveLocal(vrf string, p netip.Prefix) bool {
	r.ctl.Lock()
	defer r.ctl.Unlock()
	if !r.rib.setLocal(vrf, p.Masked(), false) {
		return false
	}
	r.rib.recompute(changeVRF(vrf))
	return true
}

// Locals lists the prefixes AddLocal gave in vrf, sorted.
func (r *Router) Locals(vrf string) []netip.Prefix {
	r.rib.mu.Lock()
	defer r.rib.mu.Unlock()
	var out []netip.Prefix
	for p := range r.rib.locals[vrf] {
		out = append(out, p)
	}
	slices.SortFunc(out, comparePrefix)
	return out
}

// setLocal adds or removes a local prefix and reports whether that
// changed anything.
func (m *ribManager) setLocal(vrf string, p netip.Prefix, on bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.locals[vrf]
	if set[p] == on {
		return false
	}
	if on {
		if set == nil {
			set = map[netip.Prefix]bool{}
			if m.locals == nil {
				m.locals = map[string]map[netip.Prefix]bool{}
			}
			m.locals[vrf] = set
		}
		set[p] = true
	} else {
		delete(set, p)
	}
	m.markDirty(m.vrfIndexLocked(vrf), p)
	return true
}
