package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/topology"
)

// CloudAdvertised is what a cloud announces towards the WAN, read where
// the cloud hands it over, before the WAN's filter on the cloud's
// prefix: a floating-ip cloud's external subnets on its uplink (which its
// attach CE would announce), a dynamic-routing cloud's speaker's
// advertised routes, and a PE-acting cloud's (BGPVPN, SDN) own VPN routes.
type CloudAdvertised struct {
	Cloud  string       `json:"cloud"`
	Join   string       `json:"join"`
	Prefix netip.Prefix `json:"prefix"` // what it may announce (its pool)
	// Prefixes are what it announces, each once, in address order.
	Prefixes []netip.Prefix `json:"prefixes"`
	// Outside are those not within Prefix: the WAN refuses them.
	Outside []netip.Prefix `json:"outside"`
}

func (a *CloudAdvertised) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Cloud %s (%s) may announce %v\n", a.Cloud, a.Join, a.Prefix)
	if len(a.Prefixes) == 0 {
		b.WriteString("  announces nothing\n")
	}
	for _, p := range a.Prefixes {
		note := ""
		if slices.Contains(a.Outside, p) {
			note = "  outside its prefix: refused"
		}
		fmt.Fprintf(&b, "  %v%s\n", p, note)
	}
	return b.String()
}

// cloudAdvertised answers `show NODE advertised` for a cloud's node.
func (l *Lab) cloudAdvertised(n *Node) (*CloudAdvertised, error) {
	var c *topology.Cloud
	for _, x := range l.Model.Clouds {
		if x.Node == n.Model.Name {
			c = x
		}
	}
	if c == nil {
		return nil, fmt.Errorf("%s is no cloud's node: advertised is shown for clouds", n.Model.Name)
	}
	a := &CloudAdvertised{Cloud: c.Name, Join: c.JoinText(), Prefix: c.Prefix, Prefixes: []netip.Prefix{}, Outside: []netip.Prefix{}}
	set := map[netip.Prefix]bool{}
	l.bgpMu.Lock()
	cr := l.clouds[c.Name]
	l.bgpMu.Unlock()
	if cr != nil {
		cr.mu.Lock()
		if c.Joins(topology.JoinFloatingIP) {
			for p := range cr.uplink {
				set[p.Masked()] = true
			}
		}
		if c.Joins(topology.JoinDynamicRouting) && cr.sp != nil {
			for _, r := range cr.sp.sp.Routes(bgp.IPv4Unicast) {
				if r.Local {
					set[r.Key.Prefix] = true
				}
			}
		}
		cr.mu.Unlock()
	}
	if c.ActsAsPE() && n.bgp != nil {
		for _, r := range n.bgp.vpn.Speaker().Routes(bgp.VPNv4) {
			if r.Local {
				set[r.Key.Prefix] = true
			}
		}
	}
	for p := range set {
		a.Prefixes = append(a.Prefixes, p)
	}
	slices.SortFunc(a.Prefixes, comparePrefix)
	for _, p := range a.Prefixes {
		if p.Bits() < c.Prefix.Bits() || !c.Prefix.Contains(p.Addr()) {
			a.Outside = append(a.Outside, p)
		}
	}
	return a, nil
}
