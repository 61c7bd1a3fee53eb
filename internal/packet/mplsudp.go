package packet

import (
	"fmt"
	"net/netip"
)

// PortMPLSInUDP is the UDP destination port of MPLS-in-UDP (RFC 7510).
const PortMPLSInUDP = 6635

// EntropyPort maps a flow hash to a UDP source port in the dynamic range
// 49152–65535, as RFC 7510 section 3 recommends, so that routers hashing on
// the UDP header spread different flows over equal-cost paths while one
// flow stays on one path.
func EntropyPort(flowHash uint32) uint16 {
	return 49152 + uint16(flowHash%16384)
}

// MPLSInUDP describes the IPv4 and UDP headers a label stack is tunnelled in.
type MPLSInUDP struct {
	Src, Dst netip.Addr // tunnel endpoints
	SrcPort  uint16     // entropy, see EntropyPort
	TTL      uint8
	TOS      uint8
}

// EncapMPLSInUDP wraps the label stack at the front of the frame in UDP (to
// PortMPLSInUDP, with a zero checksum) and IPv4 headers built from t, in
// the frame's headroom: how a PE or a BGPVPN compute node sends labelled
// packets over an IP-only network.
func EncapMPLSInUDP(f *Frame, t MPLSInUDP) error {
	if err := PushUDP(f, t.SrcPort, PortMPLSInUDP, t.Src, t.Dst, false); err != nil {
		return err
	}
	err := PushIPv4(f, IPv4{
		TOS:      t.TOS,
		Flags:    IPv4DontFragment,
		TTL:      t.TTL,
		Protocol: ProtocolUDP,
		Src:      t.Src,
		Dst:      t.Dst,
	})
	if err != nil {
		_, _ = f.Pull(UDPHeaderLen)
		return err
	}
	return nil
}

// ParseMPLSInUDP reads an IPv4 packet carrying MPLS-in-UDP and returns its
// headers and the label stack (with its payload) it carries.
func ParseMPLSInUDP(b []byte) (IPv4, UDP, []byte, error) {
	ip, payload, err := ParseIPv4(b)
	if err != nil {
		return IPv4{}, UDP{}, nil, err
	}
	if ip.Protocol != ProtocolUDP {
		return IPv4{}, UDP{}, nil, fmt.Errorf("%w: mpls-in-udp: ip protocol %d, want 17", ErrMalformed, ip.Protocol)
	}
	if ip.FragOffset != 0 || ip.Flags&IPv4MoreFragments != 0 {
		return IPv4{}, UDP{}, nil, fmt.Errorf("%w: mpls-in-udp: fragmented packet", ErrMalformed)
	}
	udp, stack, err := ParseUDP(payload)
	if err != nil {
		return IPv4{}, UDP{}, nil, err
	}
	if udp.DstPort != PortMPLSInUDP {
		return IPv4{}, UDP{}, nil, fmt.Errorf("%w: mpls-in-udp: udp port %d, want %d", ErrMalformed, udp.DstPort, PortMPLSInUDP)
	}
	if udp.Checksum != 0 && !VerifyUDPChecksum(ip.Src, ip.Dst, payload[:udp.Length]) {
		return IPv4{}, UDP{}, nil, ErrChecksum
	}
	return ip, udp, stack, nil
}

// DecapMPLSInUDP removes the IPv4 and UDP headers of an MPLS-in-UDP packet
// from the front of the frame, leaving the label stack, and returns them.
func DecapMPLSInUDP(f *Frame) (IPv4, UDP, error) {
	ip, udp, stack, err := ParseMPLSInUDP(f.Bytes())
	if err != nil {
		return IPv4{}, UDP{}, err
	}
	// Both cannot fail: the parse saw the headers and the stack in f. The
	// truncation drops whatever followed the UDP datagram (padding).
	_, _ = f.Pull(ip.HeaderLen + UDPHeaderLen)
	_ = f.Truncate(len(stack))
	return ip, udp, nil
}
