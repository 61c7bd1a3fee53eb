package lab

import (
	"errors"
	"net/netip"
)

// vmSource resolves a VM's address as the source of a ping or trace:
// its compute node sends from it, one routed hop as the VM's own
// packets would be. A VM in an attachment VRF (a BGPVPN's network on a
// compute acting as PE, options 3 and 5) sends in that VRF unless *vrf
// already names one, as the VM's traffic enters the VRF on its compute.
func (l *Lab) vmSource(src string, vrf *string) (*Node, netip.Addr, error) {
	a, err := netip.ParseAddr(src)
	if err != nil {
		return nil, netip.Addr{}, err
	}
	l.bgpMu.Lock()
	runs := make([]*cloudRun, 0, len(l.clouds))
	for _, cr := range l.clouds {
		runs = append(runs, cr)
	}
	l.bgpMu.Unlock()
	for _, cr := range runs {
		cr.mu.Lock()
		host, inVRF := "", ""
		for _, name := range sortedNames(cr.pes) {
			for _, vname := range sortedNames(cr.pes[name].vrfs) {
				if cr.pes[name].vrfs[vname].addrs[a] && host == "" {
					host, inVRF = name, vname
				}
			}
		}
		if host == "" {
			host = cr.vms[a]
		}
		cr.mu.Unlock()
		if n := l.nodes[host]; n != nil {
			if *vrf == "" {
				*vrf = inVRF
			}
			return n, a, nil
		}
	}
	return nil, netip.Addr{}, errors.New("no VM has address " + src)
}
