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
// says advertise_fixed_ips. Router associations, and port associations'
// prefix routes, are not applied yet.
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
		// advertise_fixed_ips) wherever the port lives; its prefix
		// routes are not applied (a VM routing for others is not
		// emulated).
		for _, as := range st.BGPVPNPortAssociations {
			p, ok := ports[as.PortID]
			if as.BGPVPNID != v.ID || !as.AdvertiseFixedIPs || !ok || !strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) {
				continue
			}
			for _, f := range p.FixedIPs {
				c.Ports = addPort(c.Ports, p, f.IPAddress)
			}
		}
		if len(c.Ports) == 0 || len(c.Import)+len(c.Export) == 0 {
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
