package router

import (
	"encoding/binary"
	"net/netip"

	"github.com/intercloud/intercloud/internal/packet"
)

// icmpError answers the IPv4 packet orig, which arrived on in (nil if the
// router sent it itself) in VRF vrf, with an ICMP error from src (zero:
// the incoming interface's address), routed back to orig's source. As RFC
// 1812 requires, it never answers an ICMP error, a fragment other than the
// first, or a source that is no single host.
func (r *Router) icmpError(in *iface, vrf int, src netip.Addr, orig []byte, typ packet.ICMPType, code uint8, mtu uint16) {
	if !quotable(orig) {
		return
	}
	if !src.IsValid() {
		src = r.icmpSource(in)
	}
	if !src.IsValid() {
		return
	}
	body, err := packet.ICMP{Type: typ, Code: code, Data: orig, NextHopMTU: mtu}.Marshal()
	if err != nil {
		return
	}
	dst := netip.AddrFrom4([4]byte(orig[12:16]))
	_ = r.originateIP(vrf, src, dst, packet.ProtocolICMP, r.originTTL(), body)
}

// quotable reports whether an ICMP error may be sent about the IPv4
// packet b.
func quotable(b []byte) bool {
	if len(b) < packet.IPv4HeaderLen {
		return false
	}
	if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
		return false
	}
	src := netip.AddrFrom4([4]byte(b[12:16]))
	if src.IsUnspecified() || src.IsMulticast() || src == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	if b[9] == packet.ProtocolICMP {
		ihl := int(b[0]&0x0f) * 4
		if len(b) <= ihl {
			return false
		}
		switch packet.ICMPType(b[ihl]) {
		case packet.ICMPEchoRequest, packet.ICMPEchoReply:
		default:
			return false // an error, or a type we do not know
		}
	}
	return true
}

// icmpSource is the address ICMP errors come from: the interface the
// packet came in on, as traceroute expects, else the loopback.
func (r *Router) icmpSource(in *iface) netip.Addr {
	if in != nil && in.addr.IsValid() {
		return in.addr.Addr()
	}
	if r.loopback.IsValid() {
		return r.loopback.Addr()
	}
	for _, ifc := range r.ifaceList() {
		if ifc.addr.IsValid() {
			return ifc.addr.Addr()
		}
	}
	return netip.Addr{}
}

// mplsExpired handles a labelled packet whose top label arrived with TTL 1
// (or 0). It answers with ICMP time exceeded carrying the received label
// stack (RFC 4950), from the incoming interface's address to the packet's
// source, and sends that answer on along the same LSP with the same stack
// and fresh TTLs (RFC 3032 section 2.3.2): the egress routes it back, so
// an LSR needs no route to the source, which may be a VPN address it has
// never heard of.
func (r *Router) mplsExpired(in *iface, f *packet.Frame, st *fwdState) {
	r.mplsExpiredFrom(in, f, st, nil)
}

// mplsExpiredFrom is mplsExpired for a packet that came out of tunnel t
// (nil: off a link), which the time exceeded names as its incoming
// interface (RFC 5837), as tunnelExpired does: a DC gateway swapping a
// vRouter's packet shows trace the MPLS-in-UDP hop.
func (r *Router) mplsExpiredFrom(in *iface, f *packet.Frame, st *fwdState, t *tunnelHop) {
	in.drop(DropTTL)
	stack, ipb, err := packet.ParseLabelStack(f.Bytes(), nil)
	if err != nil || len(ipb) < packet.IPv4HeaderLen || ipb[0]>>4 != 4 {
		f.Release()
		return
	}
	ip, _, err := packet.ParseIPv4(ipb)
	src := r.icmpSource(in)
	if err != nil || !quotable(ipb[:ip.Length]) || !src.IsValid() {
		f.Release()
		return
	}
	msg := packet.ICMP{Type: packet.ICMPTimeExceeded, Code: packet.ICMPCodeTTLExceeded, Data: ipb[:ip.Length], Labels: stack}
	if t != nil {
		msg.Interface = &packet.ICMPInterface{Index: r.ifIndex(in), Name: t.String(), Addr: t.dst}
	}
	body, err := msg.Marshal()
	f.Release()
	if err != nil {
		return
	}
	nf := r.fabric.pool.Get()
	err = nf.SetBytes(body)
	if err == nil {
		err = packet.PushIPv4(nf, packet.IPv4{
			ID:       uint16(r.ipID.Add(1)),
			TTL:      r.originTTL(),
			Protocol: packet.ProtocolICMP,
			Src:      src,
			Dst:      ip.Src,
		})
	}
	if err != nil {
		nf.Release()
		return
	}
	for i := len(stack) - 1; i >= 0; i-- {
		_ = packet.PushLabel(nf, stack[i].WithTTL(255))
	}
	r.switchMPLS(in, nf, st)
}
