package packet

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// ICMPType is an ICMP message type (RFC 792).
type ICMPType uint8

// The ICMP types intercloud routers send and ping and trace read.
const (
	ICMPEchoReply              ICMPType = 0
	ICMPDestinationUnreachable ICMPType = 3
	ICMPEchoRequest            ICMPType = 8
	ICMPTimeExceeded           ICMPType = 11
)

func (t ICMPType) String() string {
	switch t {
	case ICMPEchoReply:
		return "echo reply"
	case ICMPDestinationUnreachable:
		return "destination unreachable"
	case ICMPEchoRequest:
		return "echo request"
	case ICMPTimeExceeded:
		return "time exceeded"
	}
	return fmt.Sprintf("type %d", uint8(t))
}

// ICMP codes, by type.
const (
	// Time exceeded.
	ICMPCodeTTLExceeded        uint8 = 0 // TTL exceeded in transit
	ICMPCodeReassemblyExceeded uint8 = 1

	// Destination unreachable.
	ICMPCodeNetUnreachable      uint8 = 0
	ICMPCodeHostUnreachable     uint8 = 1
	ICMPCodeProtocolUnreachable uint8 = 2
	ICMPCodePortUnreachable     uint8 = 3
	ICMPCodeFragmentationNeeded uint8 = 4 // with a next-hop MTU (RFC 1191)
	ICMPCodeAdminProhibited     uint8 = 13
)

// ICMPHeaderLen is the length of the fixed part of every ICMP message.
const ICMPHeaderLen = 8

// How much of the offending packet an ICMP error quotes. Without extensions,
// as much as fits in a 576-byte datagram (RFC 1812 section 4.3.2.3); with
// them, exactly the 128 bytes RFC 4884 reserves for it (what Linux and the
// major router vendors send), so the label stack always sits at a known
// offset for old traceroutes too.
const (
	maxQuote         = 576 - IPv4HeaderLen - ICMPHeaderLen
	extendedQuoteLen = 128
)

// ICMP is an ICMPv4 message.
type ICMP struct {
	Type ICMPType
	Code uint8
	// ID and Seq identify an echo request and the reply to it.
	ID, Seq uint16
	// Data is an echo's payload, or an error's original datagram field: the
	// start of the packet that caused it, IPv4 header first. Marshal cuts it
	// to length; from ParseICMP it may hold zero padding after the quoted
	// packet (RFC 4884 pads it to 128 bytes).
	Data []byte
	// Labels is the label stack of the packet that caused a time exceeded or
	// destination unreachable error, as the router received it, carried in
	// an RFC 4950 extension; nil if there is none.
	Labels []LabelEntry
	// NextHopMTU is the MTU a destination unreachable, fragmentation needed
	// message reports.
	NextHopMTU uint16
	// Interface is the interface the packet that caused an error came in
	// by, in an RFC 5837 Interface Information Object (role: incoming IP
	// interface); nil if there is none. A tunnel's egress names the
	// tunnel this way.
	Interface *ICMPInterface
}

// ICMPInterface is what an RFC 5837 Interface Information Object says of
// an interface: its ifIndex (which must be set for the name to be sent),
// its name (at most 63 octets) and an address.
type ICMPInterface struct {
	Index int
	Name  string
	Addr  netip.Addr
}

// IsError reports whether m is an error message, one that quotes the packet
// that caused it.
func (m ICMP) IsError() bool {
	return m.Type == ICMPDestinationUnreachable || m.Type == ICMPTimeExceeded
}

// Marshal returns the message's bytes, checksum included. It supports echo
// request and reply, time exceeded and destination unreachable.
func (m ICMP) Marshal() ([]byte, error) {
	msg := icmp.Message{Type: ipv4.ICMPType(m.Type), Code: int(m.Code)}
	switch m.Type {
	case ICMPEchoRequest, ICMPEchoReply:
		msg.Body = &icmp.Echo{ID: int(m.ID), Seq: int(m.Seq), Data: m.Data}
	case ICMPTimeExceeded:
		data, exts := m.errorBody()
		msg.Body = &icmp.TimeExceeded{Data: data, Extensions: exts}
	case ICMPDestinationUnreachable:
		data, exts := m.errorBody()
		msg.Body = &icmp.DstUnreach{Data: data, Extensions: exts}
	default:
		return nil, fmt.Errorf("icmp: cannot marshal %v", m.Type)
	}
	b, err := msg.Marshal(nil)
	if err != nil {
		return nil, fmt.Errorf("icmp: marshal %v: %w", m.Type, err)
	}
	if m.Type == ICMPDestinationUnreachable && m.Code == ICMPCodeFragmentationNeeded {
		// x/net/icmp has no field for it: it goes in the second half of
		// the otherwise unused word (RFC 1191), so sum again.
		binary.BigEndian.PutUint16(b[6:8], m.NextHopMTU)
		b[2], b[3] = 0, 0
		binary.BigEndian.PutUint16(b[2:4], Checksum(b))
	}
	return b, nil
}

// errorBody returns the quoted datagram, cut to length, and the extension
// carrying the label stack, if any.
func (m ICMP) errorBody() ([]byte, []icmp.Extension) {
	if len(m.Labels) == 0 && m.Interface == nil {
		return m.Data[:min(len(m.Data), maxQuote)], nil
	}
	var exts []icmp.Extension
	if len(m.Labels) > 0 {
		labels := make([]icmp.MPLSLabel, len(m.Labels))
		for i, e := range m.Labels {
			labels[i] = icmp.MPLSLabel{Label: int(e.Label()), TC: int(e.TC()), S: e.Bottom(), TTL: int(e.TTL())}
		}
		// RFC 4950 section 7: class 1 (MPLS label stack), c-type 1 (incoming).
		exts = append(exts, &icmp.MPLSLabelStack{Class: 1, Type: 1, Labels: labels})
	}
	if ifc := m.Interface; ifc != nil {
		exts = append(exts, interfaceObject(ifc))
	}
	return m.Data[:min(len(m.Data), extendedQuoteLen)], exts
}

// RFC 5837 section 4.1: the Interface Information Object's class and the
// c-type bits saying which sub-objects follow; role 0 (incoming IP
// interface) is the top two bits, zero.
const (
	classInterfaceInfo = 2
	ifInfoIndex        = 0x08
	ifInfoAddr         = 0x04
	ifInfoName         = 0x02
)

func interfaceObject(ifc *ICMPInterface) *icmp.InterfaceInfo {
	ext := &icmp.InterfaceInfo{Class: classInterfaceInfo}
	if ifc.Index > 0 {
		ext.Type |= ifInfoIndex
		ext.Interface = &net.Interface{Index: ifc.Index}
		if ifc.Name != "" {
			ext.Type |= ifInfoName
			ext.Interface.Name = ifc.Name[:min(len(ifc.Name), 63)]
		}
	}
	if ifc.Addr.Is4() {
		ext.Type |= ifInfoAddr
		ext.Addr = &net.IPAddr{IP: ifc.Addr.AsSlice()}
	}
	return ext
}

// interfaceOf returns the incoming interface an RFC 5837 object among exts
// names, or nil.
func interfaceOf(exts []icmp.Extension) *ICMPInterface {
	for _, ext := range exts {
		ii, ok := ext.(*icmp.InterfaceInfo)
		if !ok || ii.Type>>6 != 0 {
			continue
		}
		out := &ICMPInterface{}
		if ii.Interface != nil {
			out.Index, out.Name = ii.Interface.Index, ii.Interface.Name
		}
		if ii.Addr != nil {
			out.Addr, _ = netip.AddrFromSlice(ii.Addr.IP)
			out.Addr = out.Addr.Unmap()
		}
		return out
	}
	return nil
}

// ParseICMP reads an ICMPv4 message, checking its checksum. Types other than
// the four above come back with their Type and Code and the bytes after the
// first four in Data.
func ParseICMP(b []byte) (ICMP, error) {
	if len(b) < 4 {
		return ICMP{}, ErrTruncated
	}
	if Checksum(b) != 0 {
		return ICMP{}, ErrChecksum
	}
	m := ICMP{Type: ICMPType(b[0]), Code: b[1]}
	switch m.Type {
	case ICMPEchoRequest, ICMPEchoReply, ICMPTimeExceeded, ICMPDestinationUnreachable:
	default:
		m.Data = append([]byte(nil), b[4:]...)
		return m, nil
	}
	msg, err := icmp.ParseMessage(int(ProtocolICMP), b)
	if err != nil {
		return ICMP{}, fmt.Errorf("%w: icmp %v: %v", ErrMalformed, m.Type, err)
	}
	switch body := msg.Body.(type) {
	case *icmp.Echo:
		m.ID, m.Seq, m.Data = uint16(body.ID), uint16(body.Seq), body.Data
	case *icmp.TimeExceeded:
		m.Data, m.Labels, m.Interface = body.Data, labelsOf(body.Extensions), interfaceOf(body.Extensions)
	case *icmp.DstUnreach:
		m.Data, m.Labels, m.Interface = body.Data, labelsOf(body.Extensions), interfaceOf(body.Extensions)
		if m.Code == ICMPCodeFragmentationNeeded && len(b) >= ICMPHeaderLen {
			m.NextHopMTU = binary.BigEndian.Uint16(b[6:8])
		}
	}
	return m, nil
}

// labelsOf returns the label stack entries of the MPLS label stack objects
// among exts.
func labelsOf(exts []icmp.Extension) []LabelEntry {
	var out []LabelEntry
	for _, ext := range exts {
		ls, ok := ext.(*icmp.MPLSLabelStack)
		if !ok {
			continue
		}
		for _, l := range ls.Labels {
			out = append(out, NewLabelEntry(Label(l.Label), uint8(l.TC), l.S, uint8(l.TTL)))
		}
	}
	return out
}
