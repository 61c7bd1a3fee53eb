package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// UDPHeaderLen is the length of a UDP header.
const UDPHeaderLen = 8

// UDP is a UDP header (RFC 768).
type UDP struct {
	SrcPort, DstPort uint16
	Length           uint16 // header and payload
	Checksum         uint16 // 0: none was computed (allowed over IPv4)
}

// ParseUDP reads the UDP header at the start of b and returns it with its
// payload, the bytes up to the header's length field. It does not check the
// checksum, which needs the IP addresses: see VerifyUDPChecksum.
func ParseUDP(b []byte) (UDP, []byte, error) {
	if len(b) < UDPHeaderLen {
		return UDP{}, nil, ErrTruncated
	}
	h := UDP{
		SrcPort:  binary.BigEndian.Uint16(b[0:2]),
		DstPort:  binary.BigEndian.Uint16(b[2:4]),
		Length:   binary.BigEndian.Uint16(b[4:6]),
		Checksum: binary.BigEndian.Uint16(b[6:8]),
	}
	if h.Length < UDPHeaderLen {
		return UDP{}, nil, fmt.Errorf("%w: udp length %d < 8", ErrMalformed, h.Length)
	}
	if int(h.Length) > len(b) {
		return UDP{}, nil, ErrTruncated
	}
	return h, b[UDPHeaderLen:h.Length], nil
}

// pseudoHeaderSum sums the IPv4 pseudo-header the UDP checksum covers:
// source and destination addresses, protocol and UDP length.
func pseudoHeaderSum(src, dst netip.Addr, length int) uint64 {
	s, d := src.As4(), dst.As4()
	acc := sum(0, s[:])
	acc = sum(acc, d[:])
	return acc + uint64(ProtocolUDP) + uint64(length)
}

// UDPChecksum returns the checksum of the UDP datagram segment (header and
// payload, with its checksum field zero) sent from src to dst. A computed 0
// is sent as 0xffff, as 0 means "no checksum" (RFC 768).
func UDPChecksum(src, dst netip.Addr, segment []byte) uint16 {
	c := ^fold(sum(pseudoHeaderSum(src, dst, len(segment)), segment))
	if c == 0 {
		c = 0xffff
	}
	return c
}

// VerifyUDPChecksum reports whether the checksum of the UDP datagram segment
// sent from src to dst is right, or absent (zero).
func VerifyUDPChecksum(src, dst netip.Addr, segment []byte) bool {
	if len(segment) < UDPHeaderLen {
		return false
	}
	if binary.BigEndian.Uint16(segment[6:8]) == 0 {
		return true
	}
	return fold(sum(pseudoHeaderSum(src, dst, len(segment)), segment)) == 0xffff
}

// PushUDP prepends a UDP header from srcPort to dstPort to the frame, whose
// data becomes the payload. With checksum it computes the checksum over the
// pseudo-header for src and dst; without, it sends zero, which IPv4 allows
// and tunnels use to spare the cost (RFC 7510 section 3).
func PushUDP(f *Frame, srcPort, dstPort uint16, src, dst netip.Addr, checksum bool) error {
	length := UDPHeaderLen + f.Len()
	if length > 0xffff {
		return fmt.Errorf("%w: udp length %d", ErrMalformed, length)
	}
	if checksum && (!src.Is4() || !dst.Is4()) {
		return fmt.Errorf("%w: udp checksum needs IPv4 addresses, have %v and %v", ErrMalformed, src, dst)
	}
	b, err := f.Push(UDPHeaderLen)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(b[0:2], srcPort)
	binary.BigEndian.PutUint16(b[2:4], dstPort)
	binary.BigEndian.PutUint16(b[4:6], uint16(length))
	b[6], b[7] = 0, 0
	if checksum {
		binary.BigEndian.PutUint16(b[6:8], UDPChecksum(src, dst, f.Bytes()))
	}
	return nil
}
