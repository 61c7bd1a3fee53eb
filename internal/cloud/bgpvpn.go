package cloud

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// bgpvpnAttachments turns the cloud's l3 BGPVPNs and their network associations
// into what the lab's compute nodes attach (option 3, bagpipe's model):
// every IPv4 fixed IP of a VM port (device_owner compute:*) on an
// associated network, with the port's binding, which places it on its
// compute. Route targets go as Neutron holds them: route_targets both
// ways, import_targets and export_targets added. A BGPVPN with no
// network association, no port, or no route target to import or export
// attaches nothing. A port association adds its port's fixed IPs when it
// says advertise_fixed_ips, and its routes of type prefix, reached through
// the port (portRoutes). A router association makes the network node,
// where the (non-DVR) router lives, the PE and the router its CE
// (lab.CloudRouterVPN): it brings the subnets of the router's interfaces,
// which the network node exports, the VM ports of their networks, which
// it reaches on their computes, and, when it says advertise_extra_routes,
// the router's extra routes whose next hop is one of those ports
// (routerRoutes). A port association's routes of type bgpvpn readvertise
// another BGPVPN's routes through its port (portLeaks).
func bgpvpnAttachments(st neutron.State) []lab.CloudBGPVPN {
	byNet := map[string][]neutron.Port{}
	ports := map[string]neutron.Port{}
	for _, p := range st.Ports {
		if strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) {
			byNet[p.NetworkID] = append(byNet[p.NetworkID], p)
		}
		ports[p.ID] = p
	}
	routerIfs := routerInterfaces(st)
	routers := map[string]neutron.Router{}
	for _, r := range st.Routers {
		routers[r.ID] = r
	}
	var out []lab.CloudBGPVPN
	for _, v := range st.BGPVPNs {
		if v.Type != neutron.BGPVPNTypeL3 {
			continue // l2 (EVPN) is not emulated
		}
		c := lab.CloudBGPVPN{ID: v.ID, Name: v.Name,
			Import: union(v.RouteTargets, v.ImportTargets), Export: union(v.RouteTargets, v.ExportTargets)}
		if len(v.RouteDistinguishers) > 0 {
			c.RD = v.RouteDistinguishers[0]
		}
		if v.LocalPref != nil && *v.LocalPref > 0 && *v.LocalPref <= 1<<32-1 {
			c.LocalPref = uint32(*v.LocalPref)
		}
		for _, as := range st.BGPVPNNetworkAssociations {
			if as.BGPVPNID != v.ID {
				continue
			}
			for _, p := range byNet[as.NetworkID] {
				for _, f := range p.FixedIPs {
					c.Ports = addPort(c.Ports, p, f.IPAddress)
				}
			}
		}
		// A port association brings in its port's fixed IPs (when
		// advertise_fixed_ips) and its prefix routes wherever the port
		// lives.
		for _, as := range st.BGPVPNPortAssociations {
			p, ok := ports[as.PortID]
			if as.BGPVPNID != v.ID || !ok || !strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) {
				continue
			}
			if as.AdvertiseFixedIPs {
				for _, f := range p.FixedIPs {
					c.Ports = addPort(c.Ports, p, f.IPAddress)
				}
			}
			c.Routes = append(c.Routes, portRoutes(as, p)...)
			c.Leaks = append(c.Leaks, portLeaks(st, as, p)...)
		}
		for _, as := range st.BGPVPNRouterAssociations {
			if as.BGPVPNID != v.ID {
				continue
			}
			ifs := routerIfs[as.RouterID]
			if len(ifs.subnets) == 0 {
				continue // no interface: nothing to advertise
			}
			rv := lab.CloudRouterVPN{Router: as.RouterID, Subnets: ifs.subnets}
			var vms []neutron.Port
			for _, nw := range ifs.networks {
				vms = append(vms, byNet[nw]...)
			}
			for _, p := range vms {
				for _, f := range p.FixedIPs {
					rv.Ports = addPort(rv.Ports, p, f.IPAddress)
				}
			}
			if r, ok := routers[as.RouterID]; ok && as.AdvertiseExtraRoutes {
				rv.Routes = routerRoutes(r, vms)
			}
			c.Routers = append(c.Routers, rv)
		}
		if len(c.Ports)+len(c.Routes)+len(c.Leaks)+len(c.Routers) == 0 || len(c.Import)+len(c.Export) == 0 {
			continue
		}
		out = append(out, c)
	}
	return out
}

// addPort adds a port's IPv4 address to a BGPVPN's ports, once.
func addPort(vms []lab.CloudVM, p neutron.Port, addr string) []lab.CloudVM {
	a, err := netip.ParseAddr(addr)
	if err != nil || !a.Is4() || slices.ContainsFunc(vms, func(vm lab.CloudVM) bool { return vm.Addr == a }) {
		return vms
	}
	return append(vms, lab.CloudVM{Addr: a, Port: p.ID, Host: p.HostID})
}

// union is a then the members of b not in a.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// portRoutes are a port association's routes of type prefix (IPv4), each
// reached through port p (its first IPv4 fixed IP) with the route's
// local_pref when it has one. A port with no IPv4 address routes nothing.
func portRoutes(as neutron.BGPVPNPortAssociation, p neutron.Port) []lab.CloudVPNRoute {
	via, ok := portVia(p)
	if !ok {
		return nil
	}
	var out []lab.CloudVPNRoute
	for _, r := range as.Routes {
		if r.Type != neutron.RouteTypePrefix {
			continue
		}
		pfx, err := netip.ParsePrefix(r.Prefix)
		if err != nil || !pfx.Addr().Is4() {
			continue
		}
		rt := lab.CloudVPNRoute{Prefix: pfx.Masked(), Port: via}
		if r.LocalPref != nil && *r.LocalPref > 0 && *r.LocalPref <= 1<<32-1 {
			rt.LocalPref = uint32(*r.LocalPref)
		}
		out = append(out, rt)
	}
	return out
}

// routerIfs are the networks a router has an interface on and the
// IPv4 subnets of those interfaces.
type routerIfs struct {
	networks []string
	subnets  []netip.Prefix
}

// routerInterfaces are, per router id, its interfaces (its
// network:router_interface ports), in port order.
func routerInterfaces(st neutron.State) map[string]routerIfs {
	cidrs := map[string]string{}
	for _, sn := range st.Subnets {
		cidrs[sn.ID] = sn.CIDR
	}
	out := map[string]routerIfs{}
	for _, p := range st.Ports {
		if p.DeviceOwner != ownerRouterInterface || p.DeviceID == "" {
			continue
		}
		ifs := out[p.DeviceID]
		if !slices.Contains(ifs.networks, p.NetworkID) {
			ifs.networks = append(ifs.networks, p.NetworkID)
		}
		for _, f := range p.FixedIPs {
			if pfx, err := netip.ParsePrefix(cidrs[f.SubnetID]); err == nil && pfx.Addr().Is4() && !slices.Contains(ifs.subnets, pfx.Masked()) {
				ifs.subnets = append(ifs.subnets, pfx.Masked())
			}
		}
		out[p.DeviceID] = ifs
	}
	return out
}

// routerRoutes are router r's extra routes (IPv4) whose next hop is a
// fixed IP of one of vms, its networks' VM ports: each is a prefix route
// through that port, as a port association's route of type prefix is.
// An extra route via an address no VM port holds has nowhere to end in
// the lab and is left out.
func routerRoutes(r neutron.Router, vms []neutron.Port) []lab.CloudVPNRoute {
	var out []lab.CloudVPNRoute
	for _, hr := range r.Routes {
		pfx, err := netip.ParsePrefix(hr.Destination)
		nh, err2 := netip.ParseAddr(hr.Nexthop)
		if err != nil || err2 != nil || !pfx.Addr().Is4() || !nh.Is4() {
			continue
		}
		for _, p := range vms {
			if slices.ContainsFunc(p.FixedIPs, func(f neutron.FixedIP) bool { return f.IPAddress == nh.String() }) {
				out = append(out, lab.CloudVPNRoute{Prefix: pfx.Masked(), Port: lab.CloudVM{Addr: nh, Port: p.ID, Host: p.HostID}})
				break
			}
		}
	}
	return out
}

// portVia is the VM port p as a route's way through: its first IPv4
// fixed IP, where Neutron binds it; false for a port with none.
func portVia(p neutron.Port) (lab.CloudVM, bool) {
	for _, f := range p.FixedIPs {
		if a, err := netip.ParseAddr(f.IPAddress); err == nil && a.Is4() {
			return lab.CloudVM{Addr: a, Port: p.ID, Host: p.HostID}, true
		}
	}
	return lab.CloudVM{}, false
}
