package cloud

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// Device owners, as Nova and Neutron set them.
const (
	ownerComputePrefix   = "compute:"
	ownerRouterInterface = "network:router_interface"
	ownerRouterGateway   = "network:router_gateway"
)

// Config turns a cloud's Neutron state into what the lab applies.
//
// Only what a router connects to its gateway without NAT is routed on the
// cloud's node: a tenant subnet on a router interface whose subnet pool
// is in an address scope of the router's external network (the subnets
// neutron-dynamic-routing announces), and the external subnets
// themselves. Other tenant subnets are private, possibly overlapping
// between projects, and stay behind SNAT: their VMs are not given to the
// lab. VM ports on routed subnets are listed with their binding
// (binding:host_id), which places each on a compute node. Associated
// floating IPs are listed with the fixed IP of their port: a cloud joining by floating-ip NATs each 1:1 to its VM on the
// node (the Neutron router's external side); others answer them there.
func Config(st neutron.State) lab.CloudConfig {
	subnets := map[string]neutron.Subnet{}
	for _, sn := range st.Subnets {
		subnets[sn.ID] = sn
	}
	pools := map[string]neutron.SubnetPool{}
	for _, p := range st.SubnetPools {
		pools[p.ID] = p
	}
	scopeOf := func(sn neutron.Subnet) string {
		if sn.SubnetPoolID == nil {
			return ""
		}
		if p, ok := pools[*sn.SubnetPoolID]; ok && p.AddressScopeID != nil {
			return *p.AddressScopeID
		}
		return ""
	}

	var cfg lab.CloudConfig
	routed := map[string]bool{} // subnet ids routed on the cloud node
	for _, rt := range st.Routers {
		if !rt.AdminStateUp || rt.GatewayInfo == nil {
			continue
		}
		extScopes := map[string]bool{}
		for _, sn := range st.Subnets {
			if sn.NetworkID == rt.GatewayInfo.NetworkID && sn.IPVersion == 4 {
				if s := scopeOf(sn); s != "" {
					extScopes[s] = true
				}
			}
		}
		for _, p := range st.Ports {
			if p.DeviceID != rt.ID {
				continue
			}
			for _, f := range p.FixedIPs {
				sn, ok := subnets[f.SubnetID]
				if !ok || sn.IPVersion != 4 {
					continue
				}
				switch {
				case p.DeviceOwner == ownerRouterGateway:
					cfg.Uplink = appendPrefix(cfg.Uplink, sn.CIDR)
				case p.DeviceOwner == ownerRouterInterface && extScopes[scopeOf(sn)]:
				default:
					continue
				}
				routed[sn.ID] = true
				cfg.Subnets = appendPrefix(cfg.Subnets, sn.CIDR)
				cfg.Addresses = appendAddr(cfg.Addresses, f.IPAddress)
			}
		}
	}
	for _, p := range st.Ports {
		if !strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) {
			continue
		}
		for _, f := range p.FixedIPs {
			a, err := netip.ParseAddr(f.IPAddress)
			if !routed[f.SubnetID] || err != nil || !a.Is4() || slices.ContainsFunc(cfg.VMs, func(vm lab.CloudVM) bool { return vm.Addr == a }) {
				continue
			}
			cfg.VMs = append(cfg.VMs, lab.CloudVM{Addr: a, Port: p.ID, Host: p.HostID})
		}
	}
	// Security groups filter the VMs on routed subnets, as before they
	// lived on computes (a VM reached by a floating IP alone is not).
	hosted := slices.Clone(cfg.Addresses)
	for _, vm := range cfg.VMs {
		hosted = append(hosted, vm.Addr)
	}
	portsByID := map[string]neutron.Port{}
	for _, p := range st.Ports {
		portsByID[p.ID] = p
	}
	for _, f := range st.FloatingIPs {
		if f.PortID == nil || f.RouterID == nil || f.FixedIPAddress == nil {
			continue
		}
		fip, err1 := netip.ParseAddr(f.FloatingIPAddress)
		fixed, err2 := netip.ParseAddr(*f.FixedIPAddress)
		if err1 != nil || err2 != nil || !fip.Is4() || !fixed.Is4() {
			continue
		}
		cfg.FloatingIPs = append(cfg.FloatingIPs, lab.CloudFloatingIP{Floating: fip, Fixed: fixed})
		// A VM reached by its floating IP alone lives on its compute too.
		if p, ok := portsByID[*f.PortID]; ok && strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) &&
			!slices.ContainsFunc(cfg.VMs, func(vm lab.CloudVM) bool { return vm.Addr == fixed }) {
			cfg.VMs = append(cfg.VMs, lab.CloudVM{Addr: fixed, Port: p.ID, Host: p.HostID})
		}
	}
	slices.SortFunc(cfg.FloatingIPs, func(a, b lab.CloudFloatingIP) int { return a.Floating.Compare(b.Floating) })
	cfg.Speaker = speaker(st)
	cfg.Ports = filteredPorts(st, hosted)
	cfg.BGPVPNs = bgpvpnAttachments(st) // bgpvpn.go
	cfg.L2VPNs = l2vpnAttachments(st)   // l2vpn.go
	return cfg
}

// speaker is the IPv4 speaker a dragent of the cloud runs (each hosts at
// most one; the cloud's node is the network node where they all run):
// the first speaker hosted by an enabled agent, with that agent's host.
// Failing that, the first speaker hosted by no enabled agent — only
// disabled ones, or none, as between the DELETE and the POST that move
// it — Unhosted: the lab then takes it down as a dead dragent goes,
// without a NOTIFICATION, and brings it back gracefully when an agent
// takes it again.
func speaker(st neutron.State) *lab.CloudSpeaker {
	up := map[string]string{} // enabled BGP agents' hosts by id
	for _, a := range st.Agents {
		if a.AdminStateUp {
			up[a.ID] = a.Host
		}
	}
	var orphan *lab.CloudSpeaker
	for _, s := range st.BGPSpeakers {
		if s.IPVersion != 4 || s.LocalAS <= 0 || s.LocalAS > 1<<32-1 {
			continue
		}
		host := ""
		for _, id := range s.AgentIDs {
			if h, ok := up[id]; ok {
				host = h
				break
			}
		}
		if host == "" {
			if orphan == nil {
				orphan = speakerConfig(s, "")
			}
			continue
		}
		return speakerConfig(s, host)
	}
	return orphan
}

// speakerConfig is s as the lab runs it on agent host.
func speakerConfig(s neutron.BGPSpeakerState, host string) *lab.CloudSpeaker {
	out := &lab.CloudSpeaker{Name: s.Name, LocalAS: uint32(s.LocalAS), Agent: host, Unhosted: host == ""}
	if out.Name == "" {
		out.Name = s.ID
	}
	for _, p := range s.BGPPeers {
		a, err := netip.ParseAddr(p.PeerIP)
		if err != nil || !a.Is4() || p.RemoteAS <= 0 || p.RemoteAS > 1<<32-1 {
			continue
		}
		out.Peers = append(out.Peers, lab.CloudPeer{Addr: a, ASN: uint32(p.RemoteAS)})
	}
	for _, r := range s.AdvertisedRoutes {
		dst, err1 := netip.ParsePrefix(r.Destination)
		nh, err2 := netip.ParseAddr(r.NextHop)
		if err1 != nil || err2 != nil || !dst.Addr().Is4() {
			continue
		}
		out.Routes = append(out.Routes, lab.CloudRoute{Prefix: dst.Masked(), NextHop: nh})
	}
	return out
}

func appendPrefix(ps []netip.Prefix, s string) []netip.Prefix {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || slices.Contains(ps, p.Masked()) {
		return ps
	}
	return append(ps, p.Masked())
}

func appendAddr(as []netip.Addr, s string) []netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() || slices.Contains(as, a) {
		return as
	}
	return append(as, a)
}
