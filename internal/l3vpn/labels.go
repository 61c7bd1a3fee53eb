package l3vpn

import (
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/router"
)

// Per-prefix VPN labels (VRFConfig.PerPrefixLabels). Instead of one label
// for the VRF ("pop, then route in the VRF"), the PE gives every route it
// learned from a CE a label of its own, installed as "pop and send to
// that CE": the egress PE forwards on the label alone, with no IP lookup,
// as per-prefix (or per-CE) label allocation does on hardware PEs.

// prefixLabel is the label of one CE route and where it leads.
type prefixLabel struct {
	label uint32
	via   netip.Addr // the CE
	iface string     // the PE's interface toward it
}

// exportLabel is the VPN label to export p (learned from a CE, via
// next hop nh) with: the VRF's, or with per-prefix labels the route's
// own, allocated on first use (control lock held).
func (n *Node) exportLabel(v *vrf, p netip.Prefix, nh netip.Addr) uint32 {
	if !v.perPrefix {
		return v.label
	}
	pl, ok := v.prefixLabels[p]
	if !ok || pl.via != nh {
		if !ok {
			pl.label = n.env.RIB().AllocateLabel()
		}
		pl.via, pl.iface = nh, n.ifaceToward(v.name, nh)
		v.prefixLabels[p] = pl
	}
	return pl.label
}

// releasePrefixLabels gives back the labels of CE routes no longer
// exported (keep holds those still are).
func (n *Node) releasePrefixLabels(v *vrf, keep map[netip.Prefix]bool) {
	for p, pl := range v.prefixLabels {
		if !keep[p] {
			n.env.RIB().ReleaseLabel(pl.label)
			delete(v.prefixLabels, p)
		}
	}
}

// vrfLSPs are the LFIB entries of the VRFs: each VRF's label, and with
// per-prefix labels one "pop and send to the CE" entry per route.
func (n *Node) vrfLSPs() []router.LSP {
	var lsps []router.LSP
	for _, v := range n.vrfs {
		lsps = append(lsps, router.LSP{InLabel: v.label, Nexthops: []router.LSPNexthop{router.PopLookup(v.name)}})
		for p, pl := range v.prefixLabels {
			lsps = append(lsps, router.LSP{InLabel: pl.label, FEC: p,
				Nexthops: []router.LSPNexthop{{Addr: pl.via, Iface: pl.iface, OutLabel: router.LabelImplicitNull}}})
		}
	}
	slices.SortFunc(lsps, func(a, b router.LSP) int { return int(a.InLabel) - int(b.InLabel) })
	return lsps
}

// ifaceToward is the router's interface in vrf whose subnet holds a.
func (n *Node) ifaceToward(vrf string, a netip.Addr) string {
	for _, ifc := range n.env.Interfaces() {
		if ifc.VRF == vrf && ifc.Addr.Contains(a) {
			return ifc.Name
		}
	}
	return ""
}
