package lab

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/l2vpn"
	"github.com/intercloud/intercloud/internal/l3vpn"
)

// bgpNeighbor answers `bgp neighbor X`: X is the neighbour's address or
// the name of the node (or external peer) at the other end.
func (l *Lab) bgpNeighbor(sp *bgp.Speaker, node, which string) (any, string, error) {
	addr, err := netip.ParseAddr(which)
	if err != nil {
		for _, nb := range sp.Summary() {
			if nb.Description == which || strings.HasPrefix(nb.Description, which+" ") {
				addr = nb.Neighbor
			}
		}
		if !addr.IsValid() {
			return nil, "", fmt.Errorf("%s has no BGP neighbor %q (give its address or node name; see bgp summary)", node, which)
		}
	}
	d, ok := sp.NeighborInfo(addr)
	if !ok {
		return nil, "", fmt.Errorf("%s has no BGP neighbor %v", node, addr)
	}
	var b strings.Builder
	if err := sp.WriteNeighbor(&b, addr); err != nil {
		return nil, "", err
	}
	return d, b.String(), nil
}

// VRFInfo is one VRF of a PE, as `show NODE vrf` lists it.
type VRFInfo struct {
	Name       string   `json:"name"`
	RD         string   `json:"rd"`
	Import     []string `json:"import_rts"`
	Export     []string `json:"export_rts"`
	Label      uint32   `json:"label"` // the VPN label, "pop, then route in the VRF"
	Interfaces []string `json:"interfaces"`
	Routes     int      `json:"routes"`
	// BGPVPN and Attached: a compute node's attachment VRF (option 3,
	// computepe.go), the BGPVPN's id and the ports' addresses it exports,
	// or a network node's VRF for router associations (netnodepe.go) and
	// the routers' subnets it exports.
	BGPVPN   string         `json:"bgpvpn,omitempty"`
	Attached []netip.Prefix `json:"attached,omitempty"`
	// RouterAssociation: the VRF serves router associations of the
	// BGPVPN — on a network node, as their PE; on a compute, holding
	// their VMs, reached from the network node's VRF.
	RouterAssociation bool `json:"router_association,omitempty"`
	// Readvertised: another BGPVPN's prefixes it readvertises (a port
	// association's routes of type bgpvpn, bgpvpnleak.go).
	Readvertised []netip.Prefix `json:"readvertised,omitempty"`
	// MACVRF: a compute node's EVPN instance of an l2 BGPVPN (l2vpn.go),
	// listed with the VRFs; Label is then its MPLS label (0 for VXLAN).
	MACVRF *MACVRF `json:"mac_vrf,omitempty"`
}

// MACVRF is an EVPN instance's data plane: how it is reached, its MAC
// table and where it floods.
type MACVRF struct {
	Encap    string           `json:"encap"`
	VNI      uint32           `json:"vni,omitempty"`
	MACs     []l2vpn.MACEntry `json:"macs"`
	Flood    []string         `json:"flood"`
	Counters l2vpn.Counters   `json:"counters"`
}

// showVRF answers "vrf" (the node's VRFs), "vrf NAME" (one) and "vrf NAME
// routes" (its routing table).
func (l *Lab) showVRF(n *Node, table string) (any, string, error) {
	words := strings.Fields(table)[1:]
	if len(words) >= 2 {
		if len(words) > 2 || words[1] != "routes" {
			return nil, "", fmt.Errorf("unknown table %q (want vrf [NAME [routes]])", table)
		}
		if _, ok := n.vrfSettings(words[0]); !ok {
			if err := n.checkVRF(words[0]); err != nil {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("%s has no vrf %q", n.Model.Name, words[0])
		}
		t := n.Router.RouteTable(words[0])
		return t, t.String(), nil
	}
	var infos []VRFInfo
	bgpvpnOf, routed := map[string]string{}, map[string]bool{}
	for _, at := range l.Attachments(n.Model.Name) {
		bgpvpnOf[at.VRF], routed[at.VRF] = at.BGPVPN, at.RouterAssociation
	}
	if n.bgp != nil {
		for _, name := range n.bgp.vpn.VRFs() {
			if len(words) == 1 && name != words[0] {
				continue
			}
			v, _ := n.bgp.vpn.VRF(name)
			vi := VRFInfo{Name: v.Name, RD: v.RD.String(), Label: v.Label, Routes: len(n.Router.RIB().BestRoutes(v.Name))}
			for _, rt := range v.Import {
				vi.Import = append(vi.Import, rt.String())
			}
			for _, rt := range v.Export {
				vi.Export = append(vi.Export, rt.String())
			}
			for _, ifc := range n.Model.Interfaces {
				if ifc.VRF == v.Name {
					vi.Interfaces = append(vi.Interfaces, ifc.Name)
				}
			}
			if v.Attachment {
				vi.BGPVPN, vi.RouterAssociation = bgpvpnOf[v.Name], routed[v.Name]
				for _, at := range v.Attached {
					vi.Attached = append(vi.Attached, at.Prefix)
				}
				vi.Readvertised = v.Readvertised
			}
			infos = append(infos, vi)
		}
	}
	infos = append(infos, l.macVRFs(n, words)...) // l2vpn.go
	if len(words) == 1 && len(infos) == 0 {
		if err := n.checkVRF(words[0]); err != nil {
			return nil, "", err // with the VRFs it has, and the one meant
		}
		return nil, "", fmt.Errorf("%s has no vrf %q", n.Model.Name, words[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-12s %-22s %-10s %-24s %-24s %-12s %s\n", "VRF", "RD", "LABEL", "IMPORT", "EXPORT", "INTERFACES", "ROUTES")
	for _, v := range infos {
		fmt.Fprintf(&b, "%-12s %-22s %-10d %-24s %-24s %-12s %d\n", v.Name, v.RD, v.Label, strings.Join(v.Import, ","), strings.Join(v.Export, ","), strings.Join(v.Interfaces, ","), v.Routes)
	}
	if len(infos) == 0 {
		b.WriteString("(no VRFs)\n")
	}
	for _, v := range infos {
		if v.MACVRF != nil || v.BGPVPN == "" && v.Attached == nil {
			continue
		}
		ports := make([]string, len(v.Attached))
		for i, p := range v.Attached {
			ports[i] = p.Addr().String()
			if p.Bits() != 32 {
				ports[i] = p.String() // a port association's prefix route
			}
		}
		switch {
		case v.RouterAssociation && n.bgp.netNode:
			fmt.Fprintf(&b, "vrf %s: router associations of bgpvpn %s (this network node their PE), exports %s\n", v.Name, v.BGPVPN, strings.Join(ports, ", "))
		case v.RouterAssociation && len(ports) == 0:
			fmt.Fprintf(&b, "vrf %s: attachment of bgpvpn %s, VMs of router associations only (the network node's to export)\n", v.Name, v.BGPVPN)
		case v.RouterAssociation:
			fmt.Fprintf(&b, "vrf %s: attachment of bgpvpn %s, ports %s, and VMs of router associations\n", v.Name, v.BGPVPN, strings.Join(ports, ", "))
		default:
			fmt.Fprintf(&b, "vrf %s: attachment of bgpvpn %s, ports %s\n", v.Name, v.BGPVPN, strings.Join(ports, ", "))
		}
		if len(v.Readvertised) > 0 {
			ps := make([]string, len(v.Readvertised))
			for i, p := range v.Readvertised {
				ps[i] = p.String()
			}
			fmt.Fprintf(&b, "vrf %s: readvertises %s (another bgpvpn's routes, via its port)\n", v.Name, strings.Join(ps, ", "))
		}
	}
	writeMACVRFs(&b, infos) // l2vpn.go
	return infos, b.String(), nil
}

// vrfSettings is the node's VRF called name, attachment VRFs included.
func (n *Node) vrfSettings(name string) (l3vpn.VRFSettings, bool) {
	if n.bgp == nil {
		return l3vpn.VRFSettings{}, false
	}
	return n.bgp.vpn.VRF(name)
}
