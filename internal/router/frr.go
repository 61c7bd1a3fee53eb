package router

import (
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/packet"
)

// Fast reroute in the RIB manager. A protocol offers each nexthop with a
// precomputed backup (Nexthop.Backup, LSPNexthop.Backup). The FIB and LFIB
// carry it beside the primary, and two things switch to it when the
// primary's port loses carrier: the data path at once (it reads the port's
// carrier bit per frame), and the recomputation that carrier() starts,
// which installs the backup in place of the dead primary until the
// protocol's own reconvergence replaces both.

// backupOf resolves a protocol's backup nexthop to an interface; nil when
// there is none or its interface is unknown. Its labels are filled later.
func (m *ribManager) backupOf(b *Nexthop) *ribNexthop {
	if b == nil || b.Iface == "" {
		return nil
	}
	ifc := m.r.byNameLocked(b.Iface)
	if ifc == nil {
		return nil
	}
	return &ribNexthop{gw: b.Addr, ifc: ifc, own: b.Labels}
}

// addRepair adds a repair path standing in for a dead primary, unless an
// equal-cost member already goes that way (ECMP members protect each other).
func addRepair(nhs []ribNexthop, b ribNexthop) []ribNexthop {
	for _, nh := range nhs {
		if nh.gw == b.gw && nh.ifc == b.ifc {
			return nhs
		}
	}
	return append(nhs, b)
}

// fecStack is the transport label LDP or SR gives prefix p towards gw in
// the default VRF, as a stack of zero or one label.
func fecStack(fec map[fecKey]uint32, vrf int, p netip.Prefix, gw netip.Addr) []uint32 {
	if l, ok := fec[fecKey{p, gw}]; ok && vrf == 0 && gw.IsValid() && l != LabelImplicitNull {
		return []uint32{l}
	}
	return nil
}

// backupLabelled reports whether a backup towards backup can stand in for
// the primary towards primary: in the default VRF, when LDP or SR label the
// primary, the backup needs its own label too (a VPN packet sent bare to
// the backup neighbour would be lost there).
func backupLabelled(fec map[fecKey]uint32, vrf int, p netip.Prefix, primary, backup netip.Addr) bool {
	if vrf != 0 {
		return true
	}
	_, pl := fec[fecKey{p, primary}]
	_, bl := fec[fecKey{p, backup}]
	return bl || !pl
}

// labelEntries turns a label stack into entries to push, TTL and S left
// for the push to fill.
func labelEntries(ls []uint32) []packet.LabelEntry {
	if len(ls) == 0 {
		return nil
	}
	out := make([]packet.LabelEntry, len(ls))
	for i, l := range ls {
		out[i] = packet.NewLabelEntry(packet.Label(l), 0, false, 0)
	}
	return out
}

// sameBackup compares two resolved backups.
func sameBackup(a, b *ribNexthop) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.gw == b.gw && a.ifc == b.ifc && a.via == b.via && slices.Equal(a.own, b.own)
}
