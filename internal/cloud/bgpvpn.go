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
// the port (portRoutes). Router associations go by router id only: the
// lab does not apply them and says so (an event on the network node), nor
// routes of type bgpvpn (leaking another BGPVPN's routes through the
// port), which are left out.
func bgpvpnAttachments(st neutron.State) []lab.CloudBGPVPN {
	byNet := map[string][]neutron.Port{}
	ports := map[string]neutron.Port{}
	for _, p := range st.Ports {
		if strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) {
			byNet[p.NetworkID] = append(byNet[p.NetworkID], p)
		}
		ports[p.ID] = p
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
		}
		for _, as := range st.BGPVPNRouterAssociations {
			if as.BGPVPNID == v.ID {
				c.Routers = append(c.Routers, as.RouterID)
			}
		}
		if len(c.Ports)+len(c.Routes)+len(c.Routers) == 0 || len(c.Import)+len(c.Export) == 0 {
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
	var via lab.CloudVM
	for _, f := range p.FixedIPs {
		if a, err := netip.ParseAddr(f.IPAddress); err == nil && a.Is4() {
			via = lab.CloudVM{Addr: a, Port: p.ID, Host: p.HostID}
			break
		}
	}
	if !via.Addr.IsValid() {
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
