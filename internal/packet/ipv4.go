package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// IPv4HeaderLen is the length of an IPv4 header without options, the only
// kind intercloud builds.
const IPv4HeaderLen = 20

// IP protocol numbers intercloud carries.
const (
	ProtocolICMP uint8 = 1
	ProtocolTCP  uint8 = 6
	ProtocolUDP  uint8 = 17
)

// IPv4 flag bits, as they sit in IPv4.Flags.
const (
	IPv4DontFragment  uint8 = 0x2
	IPv4MoreFragments uint8 = 0x1
)

// IPv4 is an IPv4 header (RFC 791).
type IPv4 struct {
	HeaderLen  int    // in bytes, options included; PutIPv4 writes 20
	TOS        uint8  // DSCP and ECN
	Length     uint16 // total length, header and payload
	ID         uint16
	Flags      uint8  // IPv4DontFragment, IPv4MoreFragments
	FragOffset uint16 // in units of 8 bytes
	TTL        uint8
	Protocol   uint8
	Checksum   uint16
	Src, Dst   netip.Addr
}

// ParseIPv4 reads the IPv4 header at the start of b, checks its version,
// lengths and checksum, and returns it with its payload: the bytes up to the
// total length, so link-layer padding is left out. Options are skipped.
func ParseIPv4(b []byte) (IPv4, []byte, error) {
	if len(b) < IPv4HeaderLen {
		return IPv4{}, nil, ErrTruncated
	}
	if v := b[0] >> 4; v != 4 {
		return IPv4{}, nil, fmt.Errorf("%w: ip version %d, want 4", ErrMalformed, v)
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < IPv4HeaderLen {
		return IPv4{}, nil, fmt.Errorf("%w: ipv4 header length %d < 20", ErrMalformed, ihl)
	}
	if len(b) < ihl {
		return IPv4{}, nil, ErrTruncated
	}
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if total < ihl {
		return IPv4{}, nil, fmt.Errorf("%w: ipv4 total length %d < header length %d", ErrMalformed, total, ihl)
	}
	if total > len(b) {
		return IPv4{}, nil, ErrTruncated
	}
	if Checksum(b[:ihl]) != 0 {
		return IPv4{}, nil, ErrChecksum
	}
	fragWord := binary.BigEndian.Uint16(b[6:8])
	h := IPv4{
		HeaderLen:  ihl,
		TOS:        b[1],
		Length:     uint16(total),
		ID:         binary.BigEndian.Uint16(b[4:6]),
		Flags:      uint8(fragWord >> 13),
		FragOffset: fragWord & 0x1fff,
		TTL:        b[8],
		Protocol:   b[9],
		Checksum:   binary.BigEndian.Uint16(b[10:12]),
		Src:        netip.AddrFrom4([4]byte(b[12:16])),
		Dst:        netip.AddrFrom4([4]byte(b[16:20])),
	}
	return h, b[ihl:total], nil
}

// PutIPv4 writes h as a 20-byte header into b for a payload of payloadLen
// bytes, filling in the header length, total length and checksum (h's own
// are ignored). b must be at least IPv4HeaderLen long.
func PutIPv4(b []byte, h IPv4, payloadLen int) error {
	if len(b) < IPv4HeaderLen {
		return ErrTruncated
	}
	if !h.Src.Is4() || !h.Dst.Is4() {
		return fmt.Errorf("%w: ipv4 header needs IPv4 addresses, have %v and %v", ErrMalformed, h.Src, h.Dst)
	}
	total := IPv4HeaderLen + payloadLen
	if payloadLen < 0 || total > 0xffff {
		return fmt.Errorf("%w: ipv4 total length %d", ErrMalformed, total)
	}
	b[0] = 4<<4 | IPv4HeaderLen/4
	b[1] = h.TOS
	binary.BigEndian.PutUint16(b[2:4], uint16(total))
	binary.BigEndian.PutUint16(b[4:6], h.ID)
	binary.BigEndian.PutUint16(b[6:8], uint16(h.Flags&0x7)<<13|h.FragOffset&0x1fff)
	b[8] = h.TTL
	b[9] = h.Protocol
	b[10], b[11] = 0, 0
	src, dst := h.Src.As4(), h.Dst.As4()
	copy(b[12:16], src[:])
	copy(b[16:20], dst[:])
	binary.BigEndian.PutUint16(b[10:12], Checksum(b[:IPv4HeaderLen]))
	return nil
}

// PushIPv4 prepends an IPv4 header to the frame, whose data becomes its
// payload.
func PushIPv4(f *Frame, h IPv4) error {
	n := f.Len()
	b, err := f.Push(IPv4HeaderLen)
	if err != nil {
		return err
	}
	if err := PutIPv4(b, h, n); err != nil {
		_, _ = f.Pull(IPv4HeaderLen)
		return err
	}
	return nil
}

// BuildIPv4 returns a new IPv4 packet: h's header followed by payload. It
// allocates, for packets a router originates rather than forwards.
func BuildIPv4(h IPv4, payload []byte) ([]byte, error) {
	b := make([]byte, IPv4HeaderLen+len(payload))
	if err := PutIPv4(b, h, len(payload)); err != nil {
		return nil, err
	}
	copy(b[IPv4HeaderLen:], payload)
	return b, nil
}

// DecrementTTL decrements the TTL of the IPv4 header at the start of b in
// place and patches its checksum incrementally (RFC 1624), returning the new
// TTL. If the TTL is 1 or 0 it changes nothing and returns ErrTTLExpired:
// the packet must not be forwarded (RFC 1812 section 5.3.1). The header
// must have been validated (ParseIPv4); only its length is checked here.
func DecrementTTL(b []byte) (uint8, error) {
	if len(b) < IPv4HeaderLen {
		return 0, ErrTruncated
	}
	ttl := b[8]
	if ttl <= 1 {
		return ttl, ErrTTLExpired
	}
	// TTL shares its 16-bit word with the protocol field.
	old := binary.BigEndian.Uint16(b[8:10])
	b[8] = ttl - 1
	hc := binary.BigEndian.Uint16(b[10:12])
	binary.BigEndian.PutUint16(b[10:12], UpdateChecksum(hc, old, old-0x100))
	return ttl - 1, nil
}
