package packet

import (
	"encoding/binary"
	"fmt"
)

// VXLAN (RFC 7348): an Ethernet frame in UDP to port 4789 behind an
// 8-octet header whose I flag says the 24-bit VNI is valid. EVPN over
// VXLAN (RFC 8365) carries the VNI in its routes' label fields.

// PortVXLAN is VXLAN's UDP destination port (RFC 7348 5).
const PortVXLAN = 4789

// VXLANHeaderLen is the length of the VXLAN header.
const VXLANHeaderLen = 8

// MaxVNI is the largest VXLAN Network Identifier.
const MaxVNI = 1<<24 - 1

const vxlanFlagI = 0x08

// AppendVXLAN appends the VXLAN header for vni and then frame to b.
func AppendVXLAN(b []byte, vni uint32, frame []byte) []byte {
	b = append(b, vxlanFlagI, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, vni<<8)
	return append(b, frame...)
}

// ParseVXLAN reads a VXLAN header at the start of b and returns its VNI
// and the inner frame. A header without the I flag is malformed for a
// receiver (RFC 7348 5: it must be set); reserved bits are ignored.
func ParseVXLAN(b []byte) (vni uint32, frame []byte, err error) {
	if len(b) < VXLANHeaderLen {
		return 0, nil, ErrTruncated
	}
	if b[0]&vxlanFlagI == 0 {
		return 0, nil, fmt.Errorf("%w: vxlan header without the I flag", ErrMalformed)
	}
	if len(b) < VXLANHeaderLen+EthernetHeaderLen {
		return 0, nil, ErrTruncated
	}
	return binary.BigEndian.Uint32(b[4:8]) >> 8, b[VXLANHeaderLen:], nil
}
