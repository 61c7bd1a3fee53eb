package packet

import (
	"encoding/binary"
	"fmt"
)

// EthernetHeaderLen is the length of an Ethernet II header without a VLAN
// tag: destination MAC, source MAC, EtherType.
const EthernetHeaderLen = 14

// EtherType names the protocol an Ethernet frame carries.
type EtherType uint16

// The EtherTypes of the frames routers exchange.
const (
	EtherTypeIPv4 EtherType = 0x0800
	EtherTypeMPLS EtherType = 0x8847 // MPLS unicast (RFC 5332)
)

func (t EtherType) String() string {
	switch t {
	case EtherTypeIPv4:
		return "IPv4"
	case EtherTypeMPLS:
		return "MPLS"
	}
	return fmt.Sprintf("0x%04x", uint16(t))
}

// MAC is an Ethernet address. It is an array, not a net.HardwareAddr, so
// headers can be built and compared without allocating.
type MAC [6]byte

func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// Ethernet is an Ethernet II header.
type Ethernet struct {
	Dst, Src MAC
	Type     EtherType
}

// ParseEthernet reads the Ethernet header at the start of b and returns it
// with the payload that follows it.
func ParseEthernet(b []byte) (Ethernet, []byte, error) {
	if len(b) < EthernetHeaderLen {
		return Ethernet{}, nil, ErrTruncated
	}
	h := Ethernet{
		Dst:  MAC(b[0:6]),
		Src:  MAC(b[6:12]),
		Type: EtherType(binary.BigEndian.Uint16(b[12:14])),
	}
	return h, b[EthernetHeaderLen:], nil
}

// Put writes h into the first EthernetHeaderLen bytes of b, which must be
// long enough.
func (h Ethernet) Put(b []byte) {
	_ = b[EthernetHeaderLen-1] // one bounds check for the writes below
	copy(b[0:6], h.Dst[:])
	copy(b[6:12], h.Src[:])
	binary.BigEndian.PutUint16(b[12:14], uint16(h.Type))
}

// PushEthernet prepends h to the frame: the last step before a frame leaves
// a router's interface.
func PushEthernet(f *Frame, h Ethernet) error {
	b, err := f.Push(EthernetHeaderLen)
	if err != nil {
		return err
	}
	h.Put(b)
	return nil
}

// PullEthernet removes the Ethernet header from the front of the frame and
// returns it: the first step of a router receiving a frame.
func PullEthernet(f *Frame) (Ethernet, error) {
	b, err := f.Pull(EthernetHeaderLen)
	if err != nil {
		return Ethernet{}, err
	}
	h, _, _ := ParseEthernet(b) // cannot fail: b is long enough
	return h, nil
}
