package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// ProtocolGRE is the IPv4 protocol number of GRE (RFC 2784).
const ProtocolGRE uint8 = 47

// GREHeaderLen is the length of a GRE header without the optional
// checksum, key and sequence number fields: what EncapMPLSInGRE writes.
const GREHeaderLen = 4

// The GRE flag bits (RFC 2784, RFC 2890) in the first octet.
const (
	greChecksum = 0x80
	greKey      = 0x20
	greSequence = 0x10
)

// GRE is a GRE header as parsed.
type GRE struct {
	Protocol EtherType // of the payload: 0x8847 for MPLS (RFC 4023)
	// The optional fields, when their flag was set.
	HasChecksum, HasKey, HasSequence bool
	Key, Sequence                    uint32
	HeaderLen                        int
}

// MPLSInGRE describes the IPv4 and GRE headers a label stack is tunnelled
// in (RFC 4023 section 4: GRE protocol type 0x8847).
type MPLSInGRE struct {
	Src, Dst netip.Addr // tunnel endpoints
	TTL      uint8
	TOS      uint8
}

// EncapMPLSInGRE wraps the label stack at the front of the frame in a
// four-octet GRE header (no checksum, key or sequence number) and an IPv4
// header built from t, in the frame's headroom.
func EncapMPLSInGRE(f *Frame, t MPLSInGRE) error {
	g, err := f.Push(GREHeaderLen)
	if err != nil {
		return err
	}
	g[0], g[1] = 0, 0 // no flags, version 0
	binary.BigEndian.PutUint16(g[2:], uint16(EtherTypeMPLS))
	err = PushIPv4(f, IPv4{
		TOS:      t.TOS,
		Flags:    IPv4DontFragment,
		TTL:      t.TTL,
		Protocol: ProtocolGRE,
		Src:      t.Src,
		Dst:      t.Dst,
	})
	if err != nil {
		_, _ = f.Pull(GREHeaderLen)
		return err
	}
	return nil
}

// ParseGRE reads a GRE header (RFC 2784 with RFC 2890's key and sequence
// number) and returns it and its payload. A checksum, when present, must
// match the header and payload.
func ParseGRE(b []byte) (GRE, []byte, error) {
	if len(b) < GREHeaderLen {
		return GRE{}, nil, ErrTruncated
	}
	flags, ver := b[0], b[1]&0x07
	if ver != 0 {
		return GRE{}, nil, fmt.Errorf("%w: gre version %d, want 0", ErrMalformed, ver)
	}
	if flags&0x4f != 0 || b[1]&0xf8 != 0 {
		// Routing present (RFC 1701's R bit), strict source route,
		// recursion or reserved bits: RFC 2784 2.5 says discard.
		return GRE{}, nil, fmt.Errorf("%w: gre reserved bits %02x%02x", ErrMalformed, b[0], b[1])
	}
	g := GRE{Protocol: EtherType(binary.BigEndian.Uint16(b[2:])), HeaderLen: GREHeaderLen,
		HasChecksum: flags&greChecksum != 0, HasKey: flags&greKey != 0, HasSequence: flags&greSequence != 0}
	if g.HasChecksum {
		g.HeaderLen += 4
	}
	if g.HasKey {
		g.HeaderLen += 4
	}
	if g.HasSequence {
		g.HeaderLen += 4
	}
	if len(b) < g.HeaderLen {
		return GRE{}, nil, ErrTruncated
	}
	off := GREHeaderLen
	if g.HasChecksum {
		if Checksum(b) != 0 {
			return GRE{}, nil, ErrChecksum
		}
		off += 4
	}
	if g.HasKey {
		g.Key = binary.BigEndian.Uint32(b[off:])
		off += 4
	}
	if g.HasSequence {
		g.Sequence = binary.BigEndian.Uint32(b[off:])
	}
	return g, b[g.HeaderLen:], nil
}

// ParseMPLSInGRE reads an IPv4 packet carrying MPLS-in-GRE and returns its
// headers and the label stack (with its payload) it carries.
func ParseMPLSInGRE(b []byte) (IPv4, GRE, []byte, error) {
	ip, payload, err := ParseIPv4(b)
	if err != nil {
		return IPv4{}, GRE{}, nil, err
	}
	if ip.Protocol != ProtocolGRE {
		return IPv4{}, GRE{}, nil, fmt.Errorf("%w: mpls-in-gre: ip protocol %d, want 47", ErrMalformed, ip.Protocol)
	}
	if ip.FragOffset != 0 || ip.Flags&IPv4MoreFragments != 0 {
		return IPv4{}, GRE{}, nil, fmt.Errorf("%w: mpls-in-gre: fragmented packet", ErrMalformed)
	}
	g, stack, err := ParseGRE(payload)
	if err != nil {
		return IPv4{}, GRE{}, nil, err
	}
	if g.Protocol != EtherTypeMPLS {
		return IPv4{}, GRE{}, nil, fmt.Errorf("%w: mpls-in-gre: gre protocol %#04x, want 0x8847", ErrMalformed, uint16(g.Protocol))
	}
	return ip, g, stack, nil
}

// DecapMPLSInGRE removes the IPv4 and GRE headers of an MPLS-in-GRE
// packet from the front of the frame, leaving the label stack, and
// returns them.
func DecapMPLSInGRE(f *Frame) (IPv4, GRE, error) {
	ip, g, stack, err := ParseMPLSInGRE(f.Bytes())
	if err != nil {
		return IPv4{}, GRE{}, err
	}
	_, _ = f.Pull(ip.HeaderLen + g.HeaderLen) // the parse saw them
	_ = f.Truncate(len(stack))
	return ip, g, nil
}
