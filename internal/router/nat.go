package router

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/packet"
)

// Static one-to-one NAT, as a Neutron router does for floating IPs: an
// outside address (the floating IP) stands for an inside one (the VM's
// fixed IP). In a VRF with rules, a packet to an outside address has its
// destination rewritten to the inside one before the route lookup
// (destination NAT), so it is delivered or forwarded toward the VM; a
// packet from an inside address that the router sends on (forwarded or
// its own, not delivered here) leaves with the outside address as source
// (source NAT). Checksums are patched incrementally (RFC 1624): the IPv4
// header's, UDP's and TCP's (their pseudo-header holds the addresses),
// and for an ICMP error the packet it quotes is translated back too, so
// traceroute and ping see the addresses they sent to.
//
// The table is read by the data path without a lock from one atomic
// pointer, nil while no VRF has rules: a router without NAT pays one load
// and one comparison per routed packet.

// NAT1to1 is one static NAT rule.
type NAT1to1 struct {
	Outside netip.Addr `json:"outside"` // the floating IP
	Inside  netip.Addr `json:"inside"`  // the fixed IP it stands for
}

// natTable is the rules of every VRF, by VRF index; replaced, never changed.
type natTable struct {
	vrfs []*natVRF
}

type natVRF struct {
	in  map[uint32]uint32 // outside -> inside
	out map[uint32]uint32 // inside -> outside
}

func (t *natTable) vrf(idx int) *natVRF {
	if idx < len(t.vrfs) {
		return t.vrfs[idx]
	}
	return nil
}

// SetNAT replaces the NAT rules of vrf with rules (none removes them). An
// outside or inside address may appear in one rule only.
func (r *Router) SetNAT(vrf string, rules []NAT1to1) error {
	v := &natVRF{in: map[uint32]uint32{}, out: map[uint32]uint32{}}
	for _, n := range rules {
		if !n.Outside.Is4() || !n.Inside.Is4() {
			return fmt.Errorf("router %s: nat %v -> %v: need IPv4 addresses", r.name, n.Outside, n.Inside)
		}
		o, i := addrU32(n.Outside), addrU32(n.Inside)
		if _, dup := v.in[o]; dup {
			return fmt.Errorf("router %s: nat: outside address %v in two rules", r.name, n.Outside)
		}
		if _, dup := v.out[i]; dup {
			return fmt.Errorf("router %s: nat: inside address %v in two rules", r.name, n.Inside)
		}
		v.in[o], v.out[i] = i, o
	}
	idx := r.rib.vrfIndex(vrf)
	r.natMu.Lock()
	defer r.natMu.Unlock()
	var vrfs []*natVRF
	if old := r.nat.Load(); old != nil {
		vrfs = slices.Clone(old.vrfs)
	}
	if len(vrfs) <= idx {
		vrfs = append(vrfs, make([]*natVRF, idx+1-len(vrfs))...)
	}
	vrfs[idx] = nil
	if len(rules) > 0 {
		vrfs[idx] = v
	}
	if !slices.ContainsFunc(vrfs, func(v *natVRF) bool { return v != nil }) {
		r.nat.Store(nil)
		return nil
	}
	r.nat.Store(&natTable{vrfs: vrfs})
	return nil
}

// NAT lists vrf's rules, by outside address.
func (r *Router) NAT(vrf string) []NAT1to1 {
	t := r.nat.Load()
	idx, ok := r.rib.lookupVRF(vrf)
	if t == nil || !ok {
		return nil
	}
	v := t.vrf(idx)
	if v == nil {
		return nil
	}
	out := make([]NAT1to1, 0, len(v.in))
	for o, i := range v.in {
		out = append(out, NAT1to1{Outside: u32Addr(o), Inside: u32Addr(i)})
	}
	slices.SortFunc(out, func(a, b NAT1to1) int { return a.Outside.Compare(b.Outside) })
	return out
}

// translate applies vrf's rules to the IPv4 packet at b (its header
// checked) that route is about to look up: destination NAT first, then
// source NAT if the packet is to leave the router.
func (t *natTable) translate(vrf int, b []byte, st *fwdState) {
	v := t.vrf(vrf)
	if v == nil {
		return
	}
	v.dnat(b)
	if e := st.fib(vrf).lookup(binary.BigEndian.Uint32(b[16:20])); e != nil && !e.local && len(e.nhs) > 0 {
		v.snat(b)
	}
}

// dnat rewrites the destination of the IPv4 packet at b (its header
// checked) if it is an outside address of v.
func (v *natVRF) dnat(b []byte) {
	in, ok := v.in[binary.BigEndian.Uint32(b[16:20])]
	if !ok {
		return
	}
	old := binary.BigEndian.Uint32(b[16:20])
	rewriteAddr(b, 16, old, in)
	// An ICMP error for a packet the inside host sent quotes it with the
	// outside source it left with: give it back its own.
	if q := quotedIPv4(b); q != nil && binary.BigEndian.Uint32(q[12:16]) == old {
		rewriteQuoted(b, q, 12, old, in)
	}
}

// snat rewrites the source of the IPv4 packet at b if it is an inside
// address of v.
func (v *natVRF) snat(b []byte) {
	out, ok := v.out[binary.BigEndian.Uint32(b[12:16])]
	if !ok {
		return
	}
	old := binary.BigEndian.Uint32(b[12:16])
	rewriteAddr(b, 12, old, out)
	// An ICMP error about a packet sent to the outside address quotes it
	// as translated: show the sender the address it used.
	if q := quotedIPv4(b); q != nil && binary.BigEndian.Uint32(q[16:20]) == old {
		rewriteQuoted(b, q, 16, old, out)
	}
}

// rewriteAddr puts address to at offset off (12: source, 16: destination)
// of the IPv4 packet at b, which held from, and patches the header's
// checksum and the UDP or TCP checksum of a first fragment.
func rewriteAddr(b []byte, off int, from, to uint32) {
	binary.BigEndian.PutUint32(b[off:], to)
	binary.BigEndian.PutUint16(b[10:12], update32(binary.BigEndian.Uint16(b[10:12]), from, to))
	ihl := int(b[0]&0x0f) * 4
	if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
		return // no transport header in a later fragment
	}
	l4 := b[ihl:]
	switch b[9] {
	case packet.ProtocolUDP:
		if len(l4) >= 8 {
			if c := binary.BigEndian.Uint16(l4[6:8]); c != 0 { // 0: no checksum
				if c = update32(c, from, to); c == 0 {
					c = 0xffff
				}
				binary.BigEndian.PutUint16(l4[6:8], c)
			}
		}
	case packet.ProtocolTCP:
		if len(l4) >= 18 {
			binary.BigEndian.PutUint16(l4[16:18], update32(binary.BigEndian.Uint16(l4[16:18]), from, to))
		}
	}
}

// quotedIPv4 is the packet an ICMP error in the IPv4 packet at b quotes
// (its header and at least 8 bytes), nil if b is no such error.
func quotedIPv4(b []byte) []byte {
	ihl := int(b[0]&0x0f) * 4
	if b[9] != packet.ProtocolICMP || binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 || len(b) < ihl+packet.ICMPHeaderLen {
		return nil
	}
	switch packet.ICMPType(b[ihl]) {
	case packet.ICMPDestinationUnreachable, packet.ICMPTimeExceeded:
	default:
		return nil
	}
	q := b[ihl+packet.ICMPHeaderLen:]
	if len(q) < packet.IPv4HeaderLen || q[0]>>4 != 4 {
		return nil
	}
	if qihl := int(q[0]&0x0f) * 4; qihl < packet.IPv4HeaderLen || len(q) < qihl+8 {
		return nil
	}
	return q
}

// rewriteQuoted translates the address at off of the packet q that the
// ICMP error in b quotes, patching its checksums and then the ICMP
// checksum over all of them.
func rewriteQuoted(b, q []byte, off int, from, to uint32) {
	ihl := int(b[0]&0x0f) * 4
	icmp := b[ihl:]
	qihl := int(q[0]&0x0f) * 4
	// Every 16-bit word of q that changes changes the ICMP checksum too.
	words := []int{off, off + 2, 10}
	switch q[9] {
	case packet.ProtocolUDP:
		words = append(words, qihl+6)
	case packet.ProtocolTCP:
		if len(q) >= qihl+18 {
			words = append(words, qihl+16)
		}
	}
	before := make([]uint16, len(words))
	for i, w := range words {
		before[i] = binary.BigEndian.Uint16(q[w:])
	}
	rewriteAddr(q, off, from, to)
	c := binary.BigEndian.Uint16(icmp[2:4])
	for i, w := range words {
		c = packet.UpdateChecksum(c, before[i], binary.BigEndian.Uint16(q[w:]))
	}
	binary.BigEndian.PutUint16(icmp[2:4], c)
}

// update32 patches checksum c for a 32-bit field that went from old to new.
func update32(c uint16, old, new uint32) uint16 {
	c = packet.UpdateChecksum(c, uint16(old>>16), uint16(new>>16))
	return packet.UpdateChecksum(c, uint16(old), uint16(new))
}

func addrU32(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func u32Addr(v uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}
