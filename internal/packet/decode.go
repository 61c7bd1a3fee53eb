package packet

import (
	"fmt"
	"strings"
)

// Decoded is a frame taken apart layer by layer. Decode is for the tools —
// ping and trace reading replies, tests, logs — not for forwarding: it
// allocates and decodes everything.
type Decoded struct {
	Ethernet Ethernet
	Labels   []LabelEntry // top first; empty for an unlabelled frame
	IPv4     *IPv4        // nil if the frame carries no IPv4 packet
	UDP      *UDP
	ICMP     *ICMP
	// Payload holds what is left undecoded: the UDP payload, or an IPv4
	// payload of another protocol or a fragment.
	Payload []byte
}

// Decode takes apart an Ethernet frame carrying IPv4, possibly under a label
// stack, down to ICMP or UDP.
func Decode(frame []byte) (*Decoded, error) {
	eth, b, err := ParseEthernet(frame)
	if err != nil {
		return nil, fmt.Errorf("ethernet: %w", err)
	}
	d := &Decoded{Ethernet: eth}
	switch eth.Type {
	case EtherTypeIPv4:
	case EtherTypeMPLS:
		if d.Labels, b, err = ParseLabelStack(b, nil); err != nil {
			return d, err
		}
		// RFC 3032 leaves the payload's protocol to the label's binding;
		// intercloud carries only IPv4 under labels, so check the version.
		if len(b) == 0 || b[0]>>4 != 4 {
			d.Payload = b
			return d, nil
		}
	default:
		d.Payload = b
		return d, nil
	}
	ip, b, err := ParseIPv4(b)
	if err != nil {
		return d, fmt.Errorf("ipv4: %w", err)
	}
	d.IPv4 = &ip
	if ip.FragOffset != 0 || ip.Flags&IPv4MoreFragments != 0 {
		d.Payload = b
		return d, nil
	}
	switch ip.Protocol {
	case ProtocolICMP:
		m, err := ParseICMP(b)
		if err != nil {
			return d, fmt.Errorf("icmp: %w", err)
		}
		d.ICMP = &m
	case ProtocolUDP:
		u, payload, err := ParseUDP(b)
		if err != nil {
			return d, fmt.Errorf("udp: %w", err)
		}
		d.UDP, d.Payload = &u, payload
	default:
		d.Payload = b
	}
	return d, nil
}

// String summarises the frame on one line, outermost layer first, e.g.
// "MPLS [16005 ttl 63] [17 S ttl 255] IPv4 10.0.0.1 > 10.0.0.2 ttl 64 ICMP echo request id 1 seq 1".
func (d *Decoded) String() string {
	var s strings.Builder
	if len(d.Labels) > 0 {
		s.WriteString("MPLS")
		for _, e := range d.Labels {
			fmt.Fprintf(&s, " [%d", e.Label())
			if e.TC() != 0 {
				fmt.Fprintf(&s, " tc %d", e.TC())
			}
			if e.Bottom() {
				s.WriteString(" S")
			}
			fmt.Fprintf(&s, " ttl %d]", e.TTL())
		}
	}
	if d.IPv4 != nil {
		if s.Len() > 0 {
			s.WriteByte(' ')
		}
		fmt.Fprintf(&s, "IPv4 %v > %v ttl %d", d.IPv4.Src, d.IPv4.Dst, d.IPv4.TTL)
	}
	switch {
	case d.ICMP != nil:
		fmt.Fprintf(&s, " ICMP %v", d.ICMP.Type)
		switch d.ICMP.Type {
		case ICMPEchoRequest, ICMPEchoReply:
			fmt.Fprintf(&s, " id %d seq %d", d.ICMP.ID, d.ICMP.Seq)
		default:
			fmt.Fprintf(&s, " code %d", d.ICMP.Code)
			if len(d.ICMP.Labels) > 0 {
				fmt.Fprintf(&s, " labels %d", len(d.ICMP.Labels))
			}
		}
	case d.UDP != nil:
		fmt.Fprintf(&s, " UDP %d > %d len %d", d.UDP.SrcPort, d.UDP.DstPort, len(d.Payload))
	}
	if s.Len() == 0 {
		fmt.Fprintf(&s, "Ethernet %v > %v %v len %d", d.Ethernet.Src, d.Ethernet.Dst, d.Ethernet.Type, len(d.Payload))
	}
	return s.String()
}
