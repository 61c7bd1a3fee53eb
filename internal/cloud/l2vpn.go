package cloud

import (
	"net"
	"net/netip"
	"strings"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
	"github.com/intercloud/intercloud/internal/packet"
)

// l2vpnAttachments turns the cloud's l2 BGPVPNs and their network
// associations into the EVIs the lab's compute nodes run (EVPN, bagpipe's
// model): every VM port (device_owner compute:*) of an associated network,
// with its MAC, its IPv4 fixed IPs and its binding. Route targets go as
// for l3 (route_targets both ways, import_ and export_targets added); a
// vni makes it VXLAN, none MPLS. A BGPVPN with no port or no route target
// runs nothing. Neutron refuses router and port associations on l2
// BGPVPNs, so networks are all there is.
func l2vpnAttachments(st neutron.State) []lab.CloudL2VPN {
	byNet := map[string][]neutron.Port{}
	for _, p := range st.Ports {
		if strings.HasPrefix(p.DeviceOwner, ownerComputePrefix) {
			byNet[p.NetworkID] = append(byNet[p.NetworkID], p)
		}
	}
	var out []lab.CloudL2VPN
	for _, v := range st.BGPVPNs {
		if v.Type != neutron.BGPVPNTypeL2 {
			continue
		}
		c := lab.CloudL2VPN{ID: v.ID, Name: v.Name,
			Import: union(v.RouteTargets, v.ImportTargets), Export: union(v.RouteTargets, v.ExportTargets)}
		if len(v.RouteDistinguishers) > 0 {
			c.RD = v.RouteDistinguishers[0]
		}
		if v.VNI != nil && *v.VNI > 0 && *v.VNI <= packet.MaxVNI {
			c.VNI = uint32(*v.VNI)
		}
		for _, as := range st.BGPVPNNetworkAssociations {
			if as.BGPVPNID != v.ID {
				continue
			}
			for _, p := range byNet[as.NetworkID] {
				if lp, ok := l2Port(p); ok {
					c.Ports = append(c.Ports, lp)
				}
			}
		}
		if len(c.Ports) == 0 || len(c.Import)+len(c.Export) == 0 {
			continue
		}
		out = append(out, c)
	}
	return out
}

// l2Port is a Neutron port as an EVI's port: its MAC and IPv4 fixed IPs.
func l2Port(p neutron.Port) (lab.CloudL2Port, bool) {
	hw, err := net.ParseMAC(p.MACAddress)
	if err != nil || len(hw) != 6 {
		return lab.CloudL2Port{}, false
	}
	lp := lab.CloudL2Port{Port: p.ID, Host: p.HostID, MAC: packet.MAC(hw)}
	for _, f := range p.FixedIPs {
		if a, err := netip.ParseAddr(f.IPAddress); err == nil && a.Is4() {
			lp.IPs = append(lp.IPs, a)
		}
	}
	return lp, true
}
