package cloud

import (
	"net/netip"
	"strings"

	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/secgroup"
)

// filteredPorts is the security groups of the VMs the cloud node answers
// for (addrs), resolved for its packet filter: each IPv4 address of a
// VM's port with port security, with the IPv4 rules of the port's
// groups; a remote group becomes its member ports' addresses, an
// address group its prefixes. Each may send from its port's IPv4
// addresses and allowed address pairs (anti-spoofing). A port without
// port security is left out: nothing filters it, nor checks its sources.
func filteredPorts(st neutron.State, addrs []netip.Addr) []secgroup.Port {
	onNode := map[netip.Addr]bool{}
	for _, a := range addrs {
		onNode[a] = true
	}
	groups := map[string]neutron.SecurityGroup{}
	for _, g := range st.SecurityGroups {
		groups[g.ID] = g
	}
	rulesOf := map[string][]neutron.SecurityGroupRule{}
	for _, r := range st.SecurityGroupRules {
		rulesOf[r.SecurityGroupID] = append(rulesOf[r.SecurityGroupID], r)
	}
	addrGroups := map[string]neutron.AddressGroup{}
	for _, a := range st.AddressGroups {
		addrGroups[a.ID] = a
	}
	members := map[string][]netip.Prefix{} // group id -> its ports' addresses
	for _, p := range st.Ports {
		for _, g := range p.SecurityGroups {
			for _, f := range p.FixedIPs {
				if a, err := netip.ParseAddr(f.IPAddress); err == nil && a.Is4() {
					members[g] = append(members[g], netip.PrefixFrom(a, 32))
				}
			}
		}
	}
	var out []secgroup.Port
	for _, p := range st.Ports {
		if !strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) || (p.PortSecurity != nil && !*p.PortSecurity) {
			continue
		}
		var rules []secgroup.Rule
		for _, gid := range p.SecurityGroups {
			for _, r := range rulesOf[gid] {
				if r.Ethertype != "IPv4" {
					continue
				}
				rules = append(rules, resolveRule(r, groups[gid].Name, members, addrGroups))
			}
		}
		sources := portSources(p)
		for _, f := range p.FixedIPs {
			if a, err := netip.ParseAddr(f.IPAddress); err == nil && onNode[a] {
				out = append(out, secgroup.Port{Addr: a, Rules: rules, Sources: sources})
			}
		}
	}
	return out
}

// portSources are the IPv4 addresses and prefixes a port may send from:
// its fixed IPs and its allowed address pairs' ip_address (an address
// or a CIDR), as Neutron's firewall drivers allow them.
func portSources(p neutron.Port) []netip.Prefix {
	var out []netip.Prefix
	add := func(pfx netip.Prefix) {
		if pfx.Addr().Is4() {
			out = append(out, pfx.Masked())
		}
	}
	for _, f := range p.FixedIPs {
		if a, err := netip.ParseAddr(f.IPAddress); err == nil {
			add(netip.PrefixFrom(a, 32))
		}
	}
	for _, pair := range p.AddressPairs {
		if pfx, err := netip.ParsePrefix(pair.IPAddress); err == nil {
			add(pfx)
		} else if a, err := netip.ParseAddr(pair.IPAddress); err == nil {
			add(netip.PrefixFrom(a, 32))
		}
	}
	return out
}

// resolveRule is a Neutron rule as the filter matches it.
func resolveRule(r neutron.SecurityGroupRule, group string, members map[string][]netip.Prefix, addrGroups map[string]neutron.AddressGroup) secgroup.Rule {
	out := secgroup.Rule{ID: r.ID, Group: group, Direction: secgroup.Ingress, Proto: neutron.ProtocolNumber(r.Protocol),
		PortMin: secgroup.Any, PortMax: secgroup.Any}
	if out.Proto < 0 {
		out.Proto = secgroup.Any
	}
	if r.Direction == "egress" {
		out.Direction = secgroup.Egress
	}
	if r.PortRangeMin != nil {
		out.PortMin = *r.PortRangeMin
	}
	if r.PortRangeMax != nil {
		out.PortMax = *r.PortRangeMax
	}
	switch {
	case r.RemoteIPPrefix != nil:
		if p, err := netip.ParsePrefix(*r.RemoteIPPrefix); err == nil && p.Addr().Is4() {
			out.Remotes = []netip.Prefix{p.Masked()}
			out.AnyRemote = p.Bits() == 0
		}
	case r.RemoteGroupID != nil:
		out.Remotes = members[*r.RemoteGroupID]
	case r.RemoteAddressGroupID != nil:
		for _, s := range addrGroups[*r.RemoteAddressGroupID].Addresses {
			if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() {
				out.Remotes = append(out.Remotes, p.Masked())
			}
		}
	default:
		out.AnyRemote = true
	}
	return out
}
