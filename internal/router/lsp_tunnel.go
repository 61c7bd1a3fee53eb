package router

import (
	"encoding/binary"

	"github.com/intercloud/intercloud/internal/packet"
)

// Label switching into an IP tunnel. A data-centre gateway that is an
// inter-AS option B ASBR (Tungsten Fabric's model) swaps the label it
// advertised for a vRouter's route to the vRouter's own label, and the
// vRouter takes labelled packets only in MPLS-in-UDP or MPLS-in-GRE: the
// LSP's nexthop carries a Tunnel (LSPNexthop.Tunnel). The swapped packet
// gets the tunnel's headers, from the router's loopback (or Tunnel.Src)
// to Addr, and is routed by the default table. With UnlessLSP, a next hop
// the default table reaches over a transport LSP is switched onto that
// LSP as any far next hop is (select.go), and no tunnel is used.

// lspTunnelHop resolves an LSP nexthop with a Tunnel. use is false when
// it should resolve as a plain one instead (UnlessLSP and an LSP to
// Addr); hop is nil when the tunnel's far end does not resolve (row is
// then inactive). The row names the tunnel only when it is shown
// (withRow): naming it is most of the cost of an LFIB with many tunnels.
func (m *ribManager) lspTunnelHop(nh LSPNexthop, row LFIBRow, withRow bool) (hop *lspHop, out LFIBRow, use bool) {
	if len(m.tables) == 0 || m.tables[0] == nil {
		row.Inactive = true
		return nil, row, true
	}
	rn, use, ok := m.tunnelNexthop(Nexthop{Addr: nh.Addr, Tunnel: nh.Tunnel}, sel{t: m.tables[0]}, m.fec)
	if !use {
		return nil, row, false
	}
	row.Iface, row.Tunnel = "", ""
	if !ok {
		row.Inactive = true
		return nil, row, true
	}
	if withRow {
		row.Tunnel = rn.tunnel.String()
	}
	return &lspHop{op: opSwapEncap, out: nh.OutLabel, gw: nh.Addr, tunnel: rn.tunnel}, row, true
}

// swapEncap swaps the top label to h.out and sends the packet into h's
// tunnel: the outer header's TTL is the tunnel's own (pipe model, as an
// ingress's), the label keeps ttl.
func (r *Router) swapEncap(h *lspHop, f *packet.Frame, top packet.LabelEntry, ttl uint8, st *fwdState) {
	b := f.Bytes()
	if f.Headroom() < tunnelOverhead+packet.EthernetHeaderLen {
		r.tunnels.encapDrops.Add(1)
		f.Release()
		return
	}
	binary.BigEndian.PutUint32(b, uint32(top.WithLabel(packet.Label(h.out)).WithTTL(ttl)))
	t := h.tunnel
	switch t.encap {
	case EncapMPLSInGRE:
		_ = packet.EncapMPLSInGRE(f, packet.MPLSInGRE{Src: t.src, Dst: t.dst, TTL: tunnelTTL})
		r.tunnels.encapGRE.Add(1)
	default:
		_ = packet.EncapMPLSInUDP(f, packet.MPLSInUDP{Src: t.src, Dst: t.dst, SrcPort: packet.EntropyPort(mplsHash(b, r.seed)), TTL: tunnelTTL})
		r.tunnels.encapUDP.Add(1)
	}
	r.route(nil, 0, f, st, true)
}
