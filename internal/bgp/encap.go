package bgp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// BGP tunnel encapsulation (RFC 9012): how an egress tells ingresses to
// reach it when they share no label switched path with it. Two carriers:
//
//   - the Encapsulation extended community (section 4.1, transitive opaque
//     type 0x03, sub-type 0x0c): just a tunnel type, the tunnel ending at
//     the route's next hop. bagpipe-bgp and Tungsten Fabric send this.
//   - the Tunnel Encapsulation path attribute (type 23): TLVs, one per
//     tunnel, each a tunnel type and sub-TLVs; the Tunnel Egress Endpoint
//     sub-TLV (6) names where the tunnel ends.
//
// The speaker carries both unchanged (reflectors pass them on as they
// came); Attrs.Tunnels reads them. A Tunnel Encapsulation attribute whose
// lengths do not add up is malformed and discarded, the route kept
// (RFC 9012 section 13 and RFC 7606 "attribute discard"); a TLV whose
// Tunnel Egress Endpoint is unusable is disregarded, the attribute still
// passed on.

// TunnelType is an IANA "BGP Tunnel Encapsulation Attribute Tunnel Type".
type TunnelType uint16

// The tunnel types intercloud names. Others are carried and shown by
// number.
const (
	TunnelL2TPv3    TunnelType = 1
	TunnelGRE       TunnelType = 2
	TunnelIPinIP    TunnelType = 7
	TunnelVXLAN     TunnelType = 8
	TunnelNVGRE     TunnelType = 9
	TunnelMPLS      TunnelType = 10
	TunnelMPLSInGRE TunnelType = 11 // RFC 4023: GRE protocol 0x8847
	TunnelVXLANGPE  TunnelType = 12
	TunnelMPLSInUDP TunnelType = 13 // RFC 7510: UDP port 6635
	TunnelGeneve    TunnelType = 19
)

var tunnelNames = map[TunnelType]string{
	TunnelL2TPv3:    "l2tpv3",
	TunnelGRE:       "gre",
	TunnelIPinIP:    "ip-in-ip",
	TunnelVXLAN:     "vxlan",
	TunnelNVGRE:     "nvgre",
	TunnelMPLS:      "mpls",
	TunnelMPLSInGRE: "mpls-in-gre",
	TunnelVXLANGPE:  "vxlan-gpe",
	TunnelMPLSInUDP: "mpls-in-udp",
	TunnelGeneve:    "geneve",
}

// String is the tunnel type's name ("mpls-in-udp"), or its number.
func (t TunnelType) String() string {
	if s, ok := tunnelNames[t]; ok {
		return s
	}
	return strconv.Itoa(int(t))
}

// ParseTunnelType reads a name String gives, or a number.
func ParseTunnelType(s string) (TunnelType, error) {
	for t, n := range tunnelNames {
		if strings.EqualFold(s, n) {
			return t, nil
		}
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("tunnel type %q: not a name (mpls-in-udp, mpls-in-gre, vxlan, ...) nor a number", s)
	}
	return TunnelType(n), nil
}

// The Encapsulation extended community (RFC 9012 section 4.1): type
// 0x03, sub-type 0x0c, four reserved octets, the two-octet tunnel type.
const (
	encapType    = 0x03
	encapSubType = 0x0c
)

// EncapsulationCommunity is the Encapsulation extended community for t.
func EncapsulationCommunity(t TunnelType) ExtCommunity {
	var e ExtCommunity
	e[0], e[1] = encapType, encapSubType
	binary.BigEndian.PutUint16(e[6:], uint16(t))
	return e
}

// Encapsulation is the tunnel type of an Encapsulation extended community
// (false for any other community).
func (e ExtCommunity) Encapsulation() (TunnelType, bool) {
	if e[0] != encapType || e[1] != encapSubType {
		return 0, false
	}
	return TunnelType(binary.BigEndian.Uint16(e[6:])), true
}

// Tunnel is one tunnel a route offers: a TLV of the Tunnel Encapsulation
// attribute, or an Encapsulation extended community (then Endpoint is
// unset: the tunnel ends at the route's next hop).
type Tunnel struct {
	Type TunnelType `json:"type"`
	// Endpoint is the Tunnel Egress Endpoint (sub-TLV 6); unset when the
	// TLV has none or gives address family 0, or for an extended
	// community: the route's next hop.
	Endpoint netip.Addr `json:"endpoint,omitzero"`
	// UDPPort is the UDP Destination Port sub-TLV (8); 0 means the tunnel
	// type's own port (6635 for MPLS-in-UDP).
	UDPPort uint16 `json:"udpPort,omitempty"`
	// Unusable says why the TLV must be disregarded (a malformed or
	// repeated Tunnel Egress Endpoint); it is still passed on.
	Unusable string `json:"unusable,omitempty"`
	// SubTLVs are the sub-TLVs as received (type, value), the two above
	// among them, so that the TLV is sent on as it came.
	SubTLVs []SubTLV `json:"-"`
}

// SubTLV is one sub-TLV of a Tunnel TLV, kept as it came.
type SubTLV struct {
	Type  uint8
	Value []byte
}

// Sub-TLV types intercloud reads (RFC 9012 section 3).
const (
	subTLVEgressEndpoint = 6
	subTLVUDPPort        = 8
)

// String is how show writes a tunnel: "mpls-in-udp" or
// "mpls-in-udp endpoint 10.0.0.9".
func (t Tunnel) String() string {
	s := t.Type.String()
	if t.Endpoint.IsValid() {
		s += " endpoint " + t.Endpoint.String()
	}
	if t.UDPPort != 0 {
		s += " udp-port " + strconv.Itoa(int(t.UDPPort))
	}
	if t.Unusable != "" {
		s += " (unusable: " + t.Unusable + ")"
	}
	return s
}

// ErrMalformedTunnelEncap says a Tunnel Encapsulation attribute's lengths
// do not add up: the attribute is discarded, the route kept.
var ErrMalformedTunnelEncap = errors.New("malformed tunnel encapsulation attribute")

// ParseTunnelEncap reads the value of a Tunnel Encapsulation attribute
// (RFC 9012 section 2): TLVs of a two-octet type and two-octet length,
// holding sub-TLVs of a one-octet type and a one-octet length (two octets
// for types 128-255). Lengths that overrun are ErrMalformedTunnelEncap.
// A TLV with a Tunnel Egress Endpoint of an unknown address family, a
// wrong length, or two of them, comes back Unusable.
func ParseTunnelEncap(b []byte) ([]Tunnel, error) {
	var out []Tunnel
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, fmt.Errorf("%w: %d octets left, a TLV header needs 4", ErrMalformedTunnelEncap, len(b))
		}
		typ, n := TunnelType(binary.BigEndian.Uint16(b)), int(binary.BigEndian.Uint16(b[2:]))
		if len(b)-4 < n {
			return nil, fmt.Errorf("%w: TLV (type %d) length %d, %d octets left", ErrMalformedTunnelEncap, typ, n, len(b)-4)
		}
		t, err := parseTunnelTLV(typ, b[4:4+n])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		b = b[4+n:]
	}
	return out, nil
}

func parseTunnelTLV(typ TunnelType, b []byte) (Tunnel, error) {
	t := Tunnel{Type: typ}
	endpoints := 0
	for len(b) > 0 {
		st := b[0]
		hdr, n := 2, 0
		switch {
		case st >= 128:
			if len(b) < 3 {
				return Tunnel{}, fmt.Errorf("%w: sub-TLV %d header cut short", ErrMalformedTunnelEncap, st)
			}
			hdr, n = 3, int(binary.BigEndian.Uint16(b[1:]))
		case len(b) < 2:
			return Tunnel{}, fmt.Errorf("%w: sub-TLV %d header cut short", ErrMalformedTunnelEncap, st)
		default:
			n = int(b[1])
		}
		if len(b)-hdr < n {
			return Tunnel{}, fmt.Errorf("%w: sub-TLV %d length %d, %d octets left", ErrMalformedTunnelEncap, st, n, len(b)-hdr)
		}
		v := b[hdr : hdr+n]
		t.SubTLVs = append(t.SubTLVs, SubTLV{Type: st, Value: slices.Clone(v)})
		switch st {
		case subTLVEgressEndpoint:
			endpoints++
			a, why := egressEndpoint(v)
			switch {
			case endpoints > 1:
				t.Unusable = "more than one tunnel egress endpoint"
			case why != "":
				t.Unusable = why
			default:
				t.Endpoint = a
			}
		case subTLVUDPPort:
			if n == 2 {
				t.UDPPort = binary.BigEndian.Uint16(v)
			}
		}
		b = b[hdr+n:]
	}
	return t, nil
}

// egressEndpoint reads a Tunnel Egress Endpoint value (RFC 9012 section
// 3.1): four reserved octets, a two-octet address family (0, 1 IPv4, 2
// IPv6) and the address. Family 0 has no address and means "the next hop".
func egressEndpoint(v []byte) (netip.Addr, string) {
	if len(v) < 6 {
		return netip.Addr{}, fmt.Sprintf("tunnel egress endpoint of %d octets", len(v))
	}
	af, addr := binary.BigEndian.Uint16(v[4:]), v[6:]
	want := map[uint16]int{0: 0, 1: 4, 2: 16}
	n, ok := want[af]
	switch {
	case !ok:
		return netip.Addr{}, fmt.Sprintf("tunnel egress endpoint of address family %d", af)
	case len(addr) != n:
		return netip.Addr{}, fmt.Sprintf("tunnel egress endpoint of family %d with %d address octets", af, len(addr))
	case n == 0:
		return netip.Addr{}, ""
	}
	a, _ := netip.AddrFromSlice(addr)
	if a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}, "tunnel egress endpoint " + a.String()
	}
	return a, ""
}

// NewTunnel is the TLV for a tunnel of type t ending at endpoint (unset:
// address family 0, the route's next hop).
func NewTunnel(t TunnelType, endpoint netip.Addr) Tunnel {
	v := make([]byte, 6, 22)
	switch {
	case endpoint.Is4():
		binary.BigEndian.PutUint16(v[4:], 1)
		v = append(v, endpoint.AsSlice()...)
	case endpoint.Is6():
		binary.BigEndian.PutUint16(v[4:], 2)
		v = append(v, endpoint.AsSlice()...)
	}
	return Tunnel{Type: t, Endpoint: endpoint, SubTLVs: []SubTLV{{Type: subTLVEgressEndpoint, Value: v}}}
}

// MarshalTunnelEncap is the value of a Tunnel Encapsulation attribute
// holding tunnels, each with its SubTLVs as they are.
func MarshalTunnelEncap(tunnels []Tunnel) ([]byte, error) {
	var b []byte
	for _, t := range tunnels {
		var v []byte
		for _, s := range t.SubTLVs {
			switch {
			case s.Type >= 128 && len(s.Value) <= 0xffff:
				v = append(v, s.Type)
				v = binary.BigEndian.AppendUint16(v, uint16(len(s.Value)))
			case s.Type < 128 && len(s.Value) <= 0xff:
				v = append(v, s.Type, byte(len(s.Value)))
			default:
				return nil, fmt.Errorf("tunnel %v: sub-TLV %d of %d octets is too long", t.Type, s.Type, len(s.Value))
			}
			v = append(v, s.Value...)
		}
		if len(v) > 0xffff {
			return nil, fmt.Errorf("tunnel %v: TLV of %d octets is too long", t.Type, len(v))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(t.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
		b = append(b, v...)
	}
	return b, nil
}

// WithTunnels returns a with its Tunnel Encapsulation attribute set to
// tunnels (none: removed).
func (a Attrs) WithTunnels(tunnels []Tunnel) (Attrs, error) {
	b, err := MarshalTunnelEncap(tunnels)
	if err != nil {
		return a, err
	}
	a.TunnelEncap = string(b)
	return a, nil
}

// Tunnels are the tunnels the route offers, in the order the egress
// listed them: the Tunnel Encapsulation attribute's TLVs first, then the
// Encapsulation extended communities (RFC 9012 section 6: when both are
// present, the attribute's TLVs say more). Unusable TLVs are included;
// UsableTunnels leaves them out.
func (a *Attrs) Tunnels() []Tunnel {
	var out []Tunnel
	if a.TunnelEncap != "" {
		// Parsed when it was received (attrsFromWire) or built here: it
		// cannot fail.
		out, _ = ParseTunnelEncap([]byte(a.TunnelEncap))
	}
	for _, e := range a.ExtCommunityList() {
		if t, ok := e.Encapsulation(); ok {
			out = append(out, Tunnel{Type: t})
		}
	}
	return out
}

// UsableTunnels are the Tunnels not marked Unusable, each with Endpoint
// set (nextHop when the egress named none).
func (a *Attrs) UsableTunnels(nextHop netip.Addr) []Tunnel {
	var out []Tunnel
	for _, t := range a.Tunnels() {
		if t.Unusable != "" {
			continue
		}
		if !t.Endpoint.IsValid() {
			t.Endpoint = nextHop
		}
		out = append(out, t)
	}
	return out
}

// encapString is how show writes an Encapsulation extended community, as
// FRR's "ET:" prefix with the tunnel type's name ("ET:mpls-in-udp").
func encapString(e ExtCommunity) string {
	t, _ := e.Encapsulation()
	return "ET:" + t.String()
}

// tunnelEncapValue is the value of a decoded Tunnel Encapsulation
// attribute, if ParseTunnelEncap accepts it.
func tunnelEncapValue(pa *bgp.PathAttributeTunnelEncap) (string, bool) {
	b, err := pa.Serialize()
	if err != nil {
		return "", false
	}
	hdr := 3
	if b[0]&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
		hdr = 4
	}
	if len(b) < hdr {
		return "", false
	}
	v := b[hdr:]
	if _, err := ParseTunnelEncap(v); err != nil {
		return "", false
	}
	return string(v), true
}

// tunnelEncapAttr is the codec's attribute for the value v.
func tunnelEncapAttr(v string) (bgp.PathAttributeInterface, error) {
	b := []byte{byte(bgp.BGP_ATTR_FLAG_OPTIONAL | bgp.BGP_ATTR_FLAG_TRANSITIVE | bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH), byte(bgp.BGP_ATTR_TYPE_TUNNEL_ENCAP)}
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	pa := &bgp.PathAttributeTunnelEncap{}
	if err := pa.DecodeFromBytes(b); err != nil {
		return nil, fmt.Errorf("tunnel encapsulation attribute: %w", err)
	}
	return pa, nil
}

// TunnelView is a tunnel as show's JSON carries it.
type TunnelView struct {
	Type     string `json:"type"` // name, or number as a string
	Code     uint16 `json:"code"`
	Endpoint string `json:"endpoint,omitempty"`
	UDPPort  uint16 `json:"udpPort,omitempty"`
	// From is "attribute" (Tunnel Encapsulation attribute) or
	// "extended-community".
	From     string `json:"from"`
	Unusable string `json:"unusable,omitempty"`
}

func tunnelViews(a *Attrs) []TunnelView {
	var out []TunnelView
	ts := a.Tunnels()
	nAttr := len(ts) - len(slices.DeleteFunc(a.ExtCommunityList(), func(e ExtCommunity) bool {
		_, ok := e.Encapsulation()
		return !ok
	}))
	for i, t := range ts {
		v := TunnelView{Type: t.Type.String(), Code: uint16(t.Type), UDPPort: t.UDPPort, From: "attribute", Unusable: t.Unusable}
		if t.Endpoint.IsValid() {
			v.Endpoint = t.Endpoint.String()
		}
		if i >= nAttr {
			v.From = "extended-community"
		}
		out = append(out, v)
	}
	return out
}

// encapText is show's text for a route's tunnels: "mpls-in-udp
// mpls-in-gre(attr endpoint 10.0.0.9)".
func encapText(ts []TunnelView) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		s := t.Type
		var detail []string
		if t.From == "attribute" {
			detail = append(detail, "attr")
		}
		if t.Endpoint != "" {
			detail = append(detail, "endpoint "+t.Endpoint)
		}
		if t.UDPPort != 0 {
			detail = append(detail, "udp-port "+strconv.Itoa(int(t.UDPPort)))
		}
		if t.Unusable != "" {
			detail = append(detail, "unusable: "+t.Unusable)
		}
		if len(detail) > 0 {
			s += "(" + strings.Join(detail, " ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}
