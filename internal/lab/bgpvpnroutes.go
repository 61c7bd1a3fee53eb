package lab

import (
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/router"
)

// Port-association prefix routes (networking-bgpvpn's bgpvpn-routes-control
// extension): a port association may say that a prefix is reached through
// its port — the VM is a router, a firewall, a load balancer for the
// prefix. The compute hosting the port advertises the prefix into the
// BGPVPN from its attachment VRF as it does the port's own address: its
// VRF's label, its underlay address as next hop, the route's local_pref
// (else the BGPVPN's). The lab's VMs do not route, so the prefix ends on
// the compute (router.AddLocal): a packet for it crosses the WAN and the
// tunnel into the VRF, where the compute answers for the VM — an ICMP
// unreachable for an address no VM holds — and traceroute shows it there.

// CloudVPNRoute is a prefix a port association routes through its port.
type CloudVPNRoute struct {
	Prefix netip.Prefix
	// Port is the port the prefix is reached through, placed on a compute
	// as VMs are (cloudvm.go); its address is the route's next hop in
	// the VM's network.
	Port CloudVM
	// LocalPref is the route's local_pref, 0 to take the BGPVPN's.
	LocalPref uint32
}

// addRoute adds a prefix route to the attachment, once per prefix (the
// first association naming it wins, as a VRF holds one route per
// prefix from one origin).
func (at *attachment) addRoute(rt CloudVPNRoute, bgpvpnPref uint32) {
	p := rt.Prefix.Masked()
	if !p.Addr().Is4() || at.nets[p] || slices.ContainsFunc(at.routes, func(a l3vpn.Attached) bool { return a.Prefix == p }) {
		return
	}
	pref := rt.LocalPref
	if pref == 0 {
		pref = bgpvpnPref
	}
	at.nets[p] = true
	at.routes = append(at.routes, l3vpn.Attached{Prefix: p, LocalPref: pref})
}

// syncNets makes want the prefixes that end in vrf on r for prefix
// routes, have being those that did.
func syncNets(r *router.Router, vrf string, have, want map[netip.Prefix]bool) error {
	for p := range have {
		if !want[p] {
			r.RemoveLocal(vrf, p)
		}
	}
	for _, p := range sortedKeys(want, comparePrefixes) {
		if !have[p] {
			if err := r.AddLocal(vrf, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func comparePrefixes(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}
