package router

import (
	"encoding/binary"
	"net/netip"

	"github.com/intercloud/intercloud/internal/packet"
)

// The data path. It runs on whatever goroutine a link delivers on, takes no
// lock, and reads the FIB and LFIB from one atomic snapshot per frame. It
// edits the received frame in place and passes it on, so forwarding in
// steady state allocates nothing; only packets the router originates (ICMP)
// allocate.

// receive is the frame handler of every port.
func (r *Router) receive(in *iface, f *packet.Frame) {
	b := f.Bytes()
	if len(b) < packet.EthernetHeaderLen {
		in.drop(DropMalformed)
		f.Release()
		return
	}
	et := packet.EtherType(binary.BigEndian.Uint16(b[12:14]))
	_, _ = f.Pull(packet.EthernetHeaderLen) // cannot fail: checked above
	st := r.fwd.Load()
	switch et {
	case packet.EtherTypeMPLS:
		r.switchMPLS(in, f, st)
	case packet.EtherTypeIPv4:
		r.route(in, in.vrfIdx, f, st, false)
	default:
		in.drop(DropEtherType)
		f.Release()
	}
}

// switchMPLS forwards a frame whose data starts with a label stack.
func (r *Router) switchMPLS(in *iface, f *packet.Frame, st *fwdState) {
	b := f.Bytes()
	if len(b) < packet.LabelEntryLen {
		in.drop(DropMalformed)
		f.Release()
		return
	}
	top := packet.LabelEntry(binary.BigEndian.Uint32(b))
	e := st.lfib.lookup(uint32(top.Label()))
	if e == nil {
		if !r.deliverLabelled(top, f) { // label.go
			in.drop(DropUnknownLabel)
			f.Release()
		}
		return
	}
	h := &e.hops[0]
	if len(e.hops) > 1 {
		h = &e.hops[mplsHash(b, r.seed)%uint32(len(e.hops))]
	}
	if h.backup != nil && !h.ifc.up.Load() {
		h = h.backup
	}
	ttl := top.TTL()
	if ttl <= 1 && h.op != opPopLookup {
		r.mplsExpired(in, f, st)
		return
	}
	uniform := !r.pipe.Load()
	switch h.op {
	case opSwap:
		binary.BigEndian.PutUint32(b, uint32(top.WithLabel(packet.Label(h.out)).WithTTL(ttl-1)))
		r.transmit(h.ifc, f, packet.EtherTypeMPLS)
	case opPop:
		_, _ = f.Pull(packet.LabelEntryLen)
		et, ok := popTTL(f.Bytes(), top, ttl-1, uniform)
		if !ok {
			in.drop(DropMalformed)
			f.Release()
			return
		}
		r.transmit(h.ifc, f, et)
	case opPopLookup:
		// This router is the egress: what is under the label is routed
		// here, and the IP (or next label) hop decrements the TTL.
		_, _ = f.Pull(packet.LabelEntryLen)
		if _, ok := popTTL(f.Bytes(), top, ttl, uniform); !ok {
			in.drop(DropMalformed)
			f.Release()
			return
		}
		if top.Bottom() {
			r.route(in, h.vrf, f, st, false)
		} else {
			r.switchMPLS(in, f, st)
		}
	default: // opSwapPush or opSwapEncap, rare: as cases of their own they would slow every swap's dispatch
		if h.op == opSwapEncap {
			r.swapEncap(h, f, top, ttl-1, st)
			return
		}
		r.swapPush(h, f, top, ttl-1, uniform)
	}
}

// swapPush swaps the top label to h.out and pushes h.push over it: a
// next hop several hops away (an inter-AS option B ASBR's) is reached
// through an LSP, as an ingress reaches a recursive route's. The pushed
// entries take ttl as the ingress push does (255 in pipe mode) and the
// top entry's TC.
func (r *Router) swapPush(h *lspHop, f *packet.Frame, top packet.LabelEntry, ttl uint8, uniform bool) {
	b := f.Bytes()
	out := h.ifc
	overhead := packet.LabelEntryLen * len(h.push)
	if len(b)+overhead > out.port.Link().MTU() {
		out.drop(DropMTU)
		f.Release()
		return
	}
	if f.Headroom() < overhead+packet.EthernetHeaderLen {
		out.drop(DropNoHeadroom)
		f.Release()
		return
	}
	binary.BigEndian.PutUint32(b, uint32(top.WithLabel(packet.Label(h.out)).WithTTL(ttl)))
	pttl := ttl
	if !uniform {
		pttl = 255
	}
	over := top.WithBottom(false).WithTTL(pttl)
	for i := len(h.push) - 1; i >= 0; i-- {
		_ = packet.PushLabel(f, over.WithLabel(packet.Label(h.push[i])))
	}
	r.transmit(out, f, packet.EtherTypeMPLS)
}

// popTTL prepares what a pop uncovered, b, and returns its EtherType: in
// uniform mode the TTL the label carried down, ttl, replaces a higher TTL
// of the next label or of the IP header (RFC 3443); in pipe mode they keep
// theirs.
func popTTL(b []byte, top packet.LabelEntry, ttl uint8, uniform bool) (packet.EtherType, bool) {
	if !top.Bottom() {
		if len(b) < packet.LabelEntryLen {
			return 0, false
		}
		if next := packet.LabelEntry(binary.BigEndian.Uint32(b)); uniform && next.TTL() > ttl {
			binary.BigEndian.PutUint32(b, uint32(next.WithTTL(ttl)))
		}
		return packet.EtherTypeMPLS, true
	}
	if len(b) < packet.IPv4HeaderLen || b[0]>>4 != 4 {
		return 0, false
	}
	if uniform && b[8] > ttl {
		setIPv4TTL(b, ttl)
	}
	return packet.EtherTypeIPv4, true
}

// setIPv4TTL rewrites the TTL of the IPv4 header at b, patching the
// checksum (RFC 1624).
func setIPv4TTL(b []byte, ttl uint8) {
	old := binary.BigEndian.Uint16(b[8:10])
	b[8] = ttl
	hc := binary.BigEndian.Uint16(b[10:12])
	binary.BigEndian.PutUint16(b[10:12], packet.UpdateChecksum(hc, old, binary.BigEndian.Uint16(b[8:10])))
}

// route routes a frame whose data is an IPv4 packet in VRF vrf. in is the
// interface it came in on, nil if the router originated it (own): then it
// is neither checked against forwarding nor has its TTL decremented.
func (r *Router) route(in *iface, vrf int, f *packet.Frame, st *fwdState, own bool) {
	b := f.Bytes()
	total, bad, ok := checkIPv4(b)
	if !ok {
		in.drop(bad)
		f.Release()
		return
	}
	if total < len(b) {
		_ = f.Truncate(total) // Ethernet padding
		b = f.Bytes()
	}
	if t := r.nat.Load(); t != nil { // nil unless some VRF has NAT rules (nat.go)
		t.translate(vrf, b, st)
	}
	e := st.fib(vrf).lookup(binary.BigEndian.Uint32(b[16:20]))
	if e == nil || !e.local && len(e.nhs) == 0 {
		in.drop(DropNoRoute)
		if !own && r.forward {
			r.icmpError(in, vrf, netip.Addr{}, b, packet.ICMPDestinationUnreachable, packet.ICMPCodeNetUnreachable, 0)
		}
		f.Release()
		return
	}
	if e.local {
		if !own && in != nil && !r.guestHop(in, vrf, b) {
			f.Release()
			return
		}
		if vrf == 0 && tunnelled(b) { // MPLS-in-UDP or -GRE for us (tunnel.go)
			r.decapsulate(in, f, st)
			return
		}
		ip, _, err := packet.ParseIPv4(b)
		if err != nil { // checked above
			f.Release()
			return
		}
		r.deliver(in, vrf, f, ip)
		return
	}
	ttl := b[8]
	if !own {
		var err error
		if !r.forward {
			in.drop(DropNotRouter)
			f.Release()
			return
		}
		if ttl, err = packet.DecrementTTL(b); err != nil {
			in.drop(DropTTL)
			r.icmpError(in, vrf, netip.Addr{}, b, packet.ICMPTimeExceeded, packet.ICMPCodeTTLExceeded, 0)
			f.Release()
			return
		}
	}
	nh := &e.nhs[0]
	if len(e.nhs) > 1 {
		nh = &e.nhs[flowHash(b, r.seed)%uint32(len(e.nhs))]
	}
	if nh.tunnel != nil { // an IP tunnel (tunnel.go)
		r.encapsulate(nh, f, st, ttl)
		return
	}
	if b := nh.backup; b != nil && b.labelled && !nh.ifc.up.Load() {
		nh = b
	}
	out := nh.ifc
	overhead := packet.LabelEntryLen * len(nh.labels)
	if mtu := out.port.Link().MTU(); len(b)+overhead > mtu {
		out.drop(DropMTU)
		if !own && b[6]&(packet.IPv4DontFragment<<5) != 0 {
			r.icmpError(in, vrf, netip.Addr{}, b, packet.ICMPDestinationUnreachable, packet.ICMPCodeFragmentationNeeded, uint16(mtu-overhead))
		}
		f.Release()
		return
	}
	if len(nh.labels) == 0 {
		r.transmit(out, f, packet.EtherTypeIPv4)
		return
	}
	lttl := ttl
	if r.pipe.Load() {
		lttl = 255
	}
	if f.Headroom() < overhead+packet.EthernetHeaderLen {
		out.drop(DropNoHeadroom)
		f.Release()
		return
	}
	pushLabels(f, nh.labels, lttl)
	r.transmit(out, f, packet.EtherTypeMPLS)
}

// checkIPv4 validates the IPv4 header at b as ParseIPv4 does, without
// decoding it: the version, the lengths and the header checksum. It returns
// the total length, or why to drop the packet.
func checkIPv4(b []byte) (total int, bad Drop, ok bool) {
	if len(b) < packet.IPv4HeaderLen || b[0]>>4 != 4 {
		return 0, DropMalformed, false
	}
	ihl := int(b[0]&0x0f) * 4
	total = int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < packet.IPv4HeaderLen || total < ihl || total > len(b) {
		return 0, DropMalformed, false
	}
	if packet.Checksum(b[:ihl]) != 0 {
		return 0, DropChecksum, false
	}
	return total, 0, true
}

// transmit puts the Ethernet header for out on the frame and sends it.
func (r *Router) transmit(out *iface, f *packet.Frame, et packet.EtherType) {
	b, err := f.Push(packet.EthernetHeaderLen)
	if err != nil {
		out.drop(DropNoHeadroom)
		f.Release()
		return
	}
	out.ethHeader(b, et)
	out.port.Send(f)
}

// flowHash hashes the flow of the IPv4 packet at b (addresses, protocol,
// and ports of an unfragmented UDP or TCP packet), so that every packet of
// a flow takes the same of several equal-cost paths.
func flowHash(b []byte, seed uint32) uint32 {
	h := mix(seed, binary.BigEndian.Uint32(b[12:16]))
	h = mix(h, binary.BigEndian.Uint32(b[16:20]))
	h = mix(h, uint32(b[9]))
	ihl := int(b[0]&0x0f) * 4
	frag := binary.BigEndian.Uint16(b[6:8]) & 0x3fff
	if (b[9] == packet.ProtocolUDP || b[9] == packet.ProtocolTCP) && frag == 0 && len(b) >= ihl+4 {
		h = mix(h, binary.BigEndian.Uint32(b[ihl:ihl+4]))
	}
	return fmix(h)
}

// mplsHash hashes a labelled packet by the IPv4 packet under its stack,
// or by its labels if there is none, as LSRs do without entropy labels.
func mplsHash(b []byte, seed uint32) uint32 {
	h := seed
	for i := 0; i+packet.LabelEntryLen <= len(b); i += packet.LabelEntryLen {
		e := binary.BigEndian.Uint32(b[i:])
		if e&(1<<8) == 0 {
			h = mix(h, e>>12)
			continue
		}
		ip := b[i+packet.LabelEntryLen:]
		if len(ip) >= packet.IPv4HeaderLen && ip[0]>>4 == 4 {
			return flowHash(ip, seed)
		}
		return fmix(mix(h, e>>12))
	}
	return fmix(h)
}

func mix(h, v uint32) uint32 {
	h ^= v * 0xcc9e2d51
	h = h<<13 | h>>19
	return h*5 + 0xe6546b64
}

// fmix is MurmurHash3's finaliser: every input bit moves every output bit,
// so a modulo by the number of paths spreads flows evenly.
func fmix(h uint32) uint32 {
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

func hashString(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// pushLabels pushes a label stack, outermost first, with TTL ttl and the
// bottom of stack set on the last; the headroom was checked.
func pushLabels(f *packet.Frame, labels []uint32, ttl uint8) {
	for i := len(labels) - 1; i >= 0; i-- {
		_ = packet.PushLabel(f, packet.NewLabelEntry(packet.Label(labels[i]), 0, i == len(labels)-1, ttl))
	}
}
