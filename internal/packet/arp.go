package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// EtherTypeARP is the EtherType of ARP (RFC 826).
const EtherTypeARP EtherType = 0x0806

// ARPLen is the length of an ARP message for IPv4 over Ethernet.
const ARPLen = 28

// ARP operations.
const (
	ARPRequest uint16 = 1
	ARPReply   uint16 = 2
)

// BroadcastMAC is the Ethernet broadcast address.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// IsMulticast reports whether m is a group address (broadcast included):
// the I/G bit of its first octet.
func (m MAC) IsMulticast() bool { return m[0]&1 != 0 }

// ARP is an ARP message for IPv4 over Ethernet (RFC 826): hardware type
// 1, protocol type 0x0800, address lengths 6 and 4. Other kinds are not
// ARP this emulation speaks, and ParseARP refuses them.
type ARP struct {
	Op                   uint16
	SenderMAC, TargetMAC MAC
	SenderIP, TargetIP   netip.Addr
}

// ParseARP reads the ARP message at the start of b (padding after it,
// as a minimum-size Ethernet frame has, is ignored).
func ParseARP(b []byte) (ARP, error) {
	if len(b) < ARPLen {
		return ARP{}, ErrTruncated
	}
	if htype, ptype := binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4]); htype != 1 || ptype != uint16(EtherTypeIPv4) || b[4] != 6 || b[5] != 4 {
		return ARP{}, fmt.Errorf("%w: arp for hardware %d, protocol 0x%04x, lengths %d/%d, not Ethernet/IPv4", ErrMalformed, htype, ptype, b[4], b[5])
	}
	a := ARP{Op: binary.BigEndian.Uint16(b[6:8]), SenderMAC: MAC(b[8:14]), TargetMAC: MAC(b[18:24]),
		SenderIP: netip.AddrFrom4([4]byte(b[14:18])), TargetIP: netip.AddrFrom4([4]byte(b[24:28]))}
	if a.Op != ARPRequest && a.Op != ARPReply {
		return ARP{}, fmt.Errorf("%w: arp operation %d", ErrMalformed, a.Op)
	}
	return a, nil
}

// Append appends the message's 28 octets to b. Addresses that are not
// IPv4 are written as 0.0.0.0.
func (a ARP) Append(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, 1)
	b = binary.BigEndian.AppendUint16(b, uint16(EtherTypeIPv4))
	b = append(b, 6, 4)
	b = binary.BigEndian.AppendUint16(b, a.Op)
	b = append(b, a.SenderMAC[:]...)
	b = append(b, ip4(a.SenderIP)...)
	b = append(b, a.TargetMAC[:]...)
	return append(b, ip4(a.TargetIP)...)
}

func ip4(a netip.Addr) []byte {
	if !a.Is4() {
		return []byte{0, 0, 0, 0}
	}
	v := a.As4()
	return v[:]
}

// EthernetFrame is an Ethernet II frame of h and payload, as a VM's NIC
// puts it on the wire (no FCS; padded to the 60-octet minimum).
func EthernetFrame(h Ethernet, payload []byte) []byte {
	b := make([]byte, EthernetHeaderLen, max(60, EthernetHeaderLen+len(payload)))
	h.Put(b)
	b = append(b, payload...)
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}
