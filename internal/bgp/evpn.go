package bgp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// EVPN is BGP MPLS-based Ethernet VPN (RFC 7432), AFI 25 SAFI 70; the
// same routes serve VXLAN (RFC 8365), the label fields then carrying a
// VNI and the route an RFC 9012 Encapsulation extended community.
const EVPN Family = Family(bgp.RF_EVPN) // 25/70

// rtFiltered reports whether RT constraint (RFC 4684) filters f's routes
// to a peer: the VPN families and, as FRR and bagpipe-bgp do, EVPN, whose
// routes carry route targets the same way.
func (f Family) rtFiltered() bool { return f.isVPN() || f == EVPN }

// EVPN route types (RFC 7432 7). Types other than 2 and 3 are carried
// as their type and octets, unread.
const (
	EVPNEthernetAD  uint8 = 1
	EVPNMACIP       uint8 = 2
	EVPNMulticast   uint8 = 3
	EVPNESRoute     uint8 = 4
	EVPNIPPrefixRte uint8 = 5
)

// EVPNRoute is one EVPN NLRI.
type EVPNRoute struct {
	Type uint8
	RD   RD
	// ESI is the Ethernet Segment Identifier (type 2).
	ESI    [10]byte
	EthTag uint32
	// MAC and IP (optional, invalid when absent) of a type 2 route.
	MAC [6]byte
	IP  netip.Addr
	// Label1 and Label2 are the 3-octet label fields of a type 2 route as
	// they are on the wire: an MPLS label in the top 20 bits (RFC 7432)
	// or a 24-bit VNI (RFC 8365). HasLabel2 says the second is present.
	Label1, Label2 uint32
	HasLabel2      bool
	// Originator is a type 3 route's originating router's IP address.
	Originator netip.Addr
	// Body is the value of a route of another type, as received.
	Body []byte
}

// ParseEVPNNLRI reads one EVPN NLRI from the front of b and returns it
// and the octets it took.
func ParseEVPNNLRI(b []byte) (EVPNRoute, int, error) {
	if len(b) < 2 {
		return EVPNRoute{}, 0, errors.New("evpn: NLRI shorter than its type and length")
	}
	t, n := b[0], int(b[1])
	if len(b) < 2+n {
		return EVPNRoute{}, 0, fmt.Errorf("evpn: route type %d: length %d exceeds the %d octets left", t, n, len(b)-2)
	}
	v := b[2 : 2+n]
	r := EVPNRoute{Type: t}
	switch t {
	case EVPNMACIP:
		// RD 8, ESI 10, tag 4, MAC length 1, MAC 6, IP length 1, IP, labels.
		if len(v) < 8+10+4+1+6+1+3 {
			return EVPNRoute{}, 0, fmt.Errorf("evpn: MAC/IP route of %d octets is too short", len(v))
		}
		copy(r.RD[:], v[:8])
		copy(r.ESI[:], v[8:18])
		r.EthTag = binary.BigEndian.Uint32(v[18:22])
		if v[22] != 48 {
			return EVPNRoute{}, 0, fmt.Errorf("evpn: MAC/IP route: MAC length %d bits, want 48", v[22])
		}
		copy(r.MAC[:], v[23:29])
		ipBits := int(v[29])
		rest := v[30:]
		switch ipBits {
		case 0:
		case 32, 128:
			if len(rest) < ipBits/8 {
				return EVPNRoute{}, 0, errors.New("evpn: MAC/IP route: IP address truncated")
			}
			r.IP, _ = netip.AddrFromSlice(rest[:ipBits/8])
			rest = rest[ipBits/8:]
		default:
			return EVPNRoute{}, 0, fmt.Errorf("evpn: MAC/IP route: IP length %d bits, want 0, 32 or 128", ipBits)
		}
		switch len(rest) {
		case 3:
			r.Label1 = label24(rest)
		case 6:
			r.Label1, r.Label2, r.HasLabel2 = label24(rest), label24(rest[3:]), true
		default:
			return EVPNRoute{}, 0, fmt.Errorf("evpn: MAC/IP route: %d octets of labels, want 3 or 6", len(rest))
		}
	case EVPNMulticast:
		// RD 8, tag 4, IP length 1, originator IP.
		if len(v) != 8+4+1+4 && len(v) != 8+4+1+16 {
			return EVPNRoute{}, 0, fmt.Errorf("evpn: inclusive multicast route of %d octets, want 17 or 29", len(v))
		}
		copy(r.RD[:], v[:8])
		r.EthTag = binary.BigEndian.Uint32(v[8:12])
		if int(v[12]) != 8*(len(v)-13) {
			return EVPNRoute{}, 0, fmt.Errorf("evpn: inclusive multicast route: IP length %d bits for %d octets", v[12], len(v)-13)
		}
		r.Originator, _ = netip.AddrFromSlice(v[13:])
	default:
		if t == 0 {
			return EVPNRoute{}, 0, errors.New("evpn: route type 0")
		}
		if len(v) >= 8 && t <= EVPNIPPrefixRte {
			copy(r.RD[:], v[:8])
		}
		r.Body = append([]byte(nil), v...)
	}
	return r, 2 + n, nil
}

func label24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

func appendLabel24(b []byte, l uint32) []byte { return append(b, byte(l>>16), byte(l>>8), byte(l)) }

// AppendWire appends the route's NLRI in wire form to b.
func (r EVPNRoute) AppendWire(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, r.Type, 0)
	switch r.Type {
	case EVPNMACIP:
		b = append(b, r.RD[:]...)
		b = append(b, r.ESI[:]...)
		b = binary.BigEndian.AppendUint32(b, r.EthTag)
		b = append(b, 48)
		b = append(b, r.MAC[:]...)
		switch {
		case !r.IP.IsValid():
			b = append(b, 0)
		case r.IP.Is4():
			b = append(b, 32)
			b = append(b, r.IP.AsSlice()...)
		default:
			b = append(b, 128)
			b = append(b, r.IP.AsSlice()...)
		}
		if r.Label1 > 0xffffff || r.Label2 > 0xffffff {
			return nil, fmt.Errorf("evpn: label field exceeds 24 bits")
		}
		b = appendLabel24(b, r.Label1)
		if r.HasLabel2 {
			b = appendLabel24(b, r.Label2)
		}
	case EVPNMulticast:
		if !r.Originator.IsValid() {
			return nil, errors.New("evpn: inclusive multicast route without an originator address")
		}
		b = append(b, r.RD[:]...)
		b = binary.BigEndian.AppendUint32(b, r.EthTag)
		b = append(b, byte(r.Originator.BitLen()))
		b = append(b, r.Originator.AsSlice()...)
	default:
		if r.Type == 0 || len(r.Body) > 255 {
			return nil, fmt.Errorf("evpn: route type %d of %d octets cannot be sent", r.Type, len(r.Body))
		}
		b = append(b, r.Body...)
	}
	b[start+1] = byte(len(b) - start - 2)
	return b, nil
}

// Key is the route's table key and the label the path carries apart
// from it. The key holds the NLRI without what RFC 7432 7.2 leaves out
// of a MAC/IP route's key: label 1 is the path's label (as for the
// other labelled families), the ESI and label 2 go in its attributes
// (Attrs.EVPNNonKey, from NonKey); a change of any of them replaces the
// route.
func (r EVPNRoute) Key() (RouteKey, uint32, error) {
	label := uint32(0)
	if r.Type == EVPNMACIP {
		label, r.Label1 = r.Label1, 0
		r.ESI, r.Label2, r.HasLabel2 = [10]byte{}, 0, false
	}
	b, err := r.AppendWire(nil)
	if err != nil {
		return RouteKey{}, 0, err
	}
	return RouteKey{RD: r.RD, EVPN: string(b)}, label, nil
}

// NonKey is what Attrs.EVPNNonKey holds for the route: a MAC/IP
// route's ESI and label 2, "" when it has neither.
func (r EVPNRoute) NonKey() string {
	if r.Type != EVPNMACIP || (r.ESI == [10]byte{} && !r.HasLabel2) {
		return ""
	}
	b := append([]byte(nil), r.ESI[:]...)
	if r.HasLabel2 {
		b = appendLabel24(b, r.Label2)
	}
	return string(b)
}

// EVPNRouteOf is the route a key, a path's label and its attributes'
// EVPNNonKey stand for.
func EVPNRouteOf(k RouteKey, label uint32, nonKey string) (EVPNRoute, error) {
	r, n, err := ParseEVPNNLRI([]byte(k.EVPN))
	if err != nil {
		return EVPNRoute{}, err
	}
	if n != len(k.EVPN) {
		return EVPNRoute{}, errors.New("evpn: key has octets after its NLRI")
	}
	if r.Type == EVPNMACIP {
		r.Label1 = label
		if len(nonKey) >= 10 {
			copy(r.ESI[:], nonKey)
		}
		if len(nonKey) == 13 {
			r.Label2, r.HasLabel2 = label24([]byte(nonKey[10:])), true
		}
	}
	return r, nil
}

// evpnNonKey is the EVPNNonKey of a received EVPN NLRI.
func evpnNonKey(n bgp.NLRI) string {
	e, ok := n.(*bgp.EVPNNLRI)
	if !ok {
		return ""
	}
	b, err := e.Serialize()
	if err != nil {
		return ""
	}
	r, _, err := ParseEVPNNLRI(b)
	if err != nil {
		return ""
	}
	return r.NonKey()
}

// evpnKeyOf maps a received EVPN NLRI to its key and label.
func evpnKeyOf(n *bgp.EVPNNLRI) (RouteKey, uint32, bool) {
	b, err := n.Serialize()
	if err != nil {
		return RouteKey{}, 0, false
	}
	r, used, err := ParseEVPNNLRI(b)
	if err != nil || used != len(b) {
		return RouteKey{}, 0, false
	}
	k, label, err := r.Key()
	return k, label, err == nil
}

// evpnNLRI is the codec's form of an EVPN route.
func evpnNLRI(k RouteKey, label uint32, nonKey string) (bgp.NLRI, error) {
	r, err := EVPNRouteOf(k, label, nonKey)
	if err != nil {
		return nil, err
	}
	b, err := r.AppendWire(nil)
	if err != nil {
		return nil, err
	}
	return bgp.NLRIFromSlice(bgp.RF_EVPN, b)
}

// String writes the route as GoBGP does, in brackets per field.
func (r EVPNRoute) String() string {
	var sb strings.Builder
	switch r.Type {
	case EVPNMACIP:
		fmt.Fprintf(&sb, "[type:macadv][rd:%v][esi:%s][etag:%d][mac:%v]", r.RD, esiString(r.ESI), r.EthTag, net.HardwareAddr(r.MAC[:]))
		if r.IP.IsValid() {
			fmt.Fprintf(&sb, "[ip:%v]", r.IP)
		}
		fmt.Fprintf(&sb, "[labels:%d", r.Label1)
		if r.HasLabel2 {
			fmt.Fprintf(&sb, ",%d", r.Label2)
		}
		sb.WriteString("]")
	case EVPNMulticast:
		fmt.Fprintf(&sb, "[type:multicast][rd:%v][etag:%d][ip:%v]", r.RD, r.EthTag, r.Originator)
	default:
		fmt.Fprintf(&sb, "[type:%d][value:%x]", r.Type, r.Body)
	}
	return sb.String()
}

func esiString(e [10]byte) string {
	if e == ([10]byte{}) {
		return "single-homed"
	}
	return fmt.Sprintf("%x", e[:])
}

// MACMobility builds the MAC Mobility extended community (RFC 7432
// 7.7): type 0x06 sub-type 0x00, the sticky flag and a sequence number.
func MACMobility(seq uint32, sticky bool) ExtCommunity {
	e := ExtCommunity{0x06, 0x00}
	if sticky {
		e[2] = 1
	}
	binary.BigEndian.PutUint32(e[4:], seq)
	return e
}

// IsMACMobility reports whether e is a MAC Mobility community.
func (e ExtCommunity) IsMACMobility() bool { return e[0] == 0x06 && e[1] == 0x00 }

func macMobilityString(e ExtCommunity) string {
	s := fmt.Sprintf("MM:%d", binary.BigEndian.Uint32(e[4:]))
	if e[2]&1 != 0 {
		s += ", sticky MAC"
	}
	return s
}

// PMSITunnel is the PMSI Tunnel attribute (RFC 6514 5) of an inclusive
// multicast route; EVPN uses ingress replication (RFC 7432 11.2), the
// tunnel identifier then being the originator's address.
type PMSITunnel struct {
	LeafInfoRequired bool
	TunnelType       uint8
	// Label is the 3-octet field as on the wire (MPLS label in the top
	// 20 bits, or a VNI).
	Label    uint32
	TunnelID []byte
}

// PMSIIngressReplication is tunnel type 6.
const PMSIIngressReplication uint8 = 6

// PackPMSITunnel is the attribute's value in Attrs.PMSITunnel form.
func PackPMSITunnel(p PMSITunnel) string {
	b := []byte{0, p.TunnelType}
	if p.LeafInfoRequired {
		b[0] = 1
	}
	b = appendLabel24(b, p.Label)
	return string(append(b, p.TunnelID...))
}

// PMSI reads the route's PMSI Tunnel attribute.
func (a *Attrs) PMSI() (PMSITunnel, bool) {
	v := a.PMSITunnel
	if len(v) < 5 {
		return PMSITunnel{}, false
	}
	return PMSITunnel{LeafInfoRequired: v[0]&1 != 0, TunnelType: v[1], Label: label24([]byte(v[2:5])), TunnelID: []byte(v[5:])}, true
}

func (p PMSITunnel) String() string {
	t := fmt.Sprintf("type %d", p.TunnelType)
	id := fmt.Sprintf("%x", p.TunnelID)
	if p.TunnelType == PMSIIngressReplication {
		t = "ingress-replication"
		if a, ok := netip.AddrFromSlice(p.TunnelID); ok {
			id = a.String()
		}
	}
	return fmt.Sprintf("%s, label %d, tunnel %s", t, p.Label, id)
}

// pmsiAttr is the PMSI Tunnel attribute in the codec's form.
func pmsiAttr(v string) (bgp.PathAttributeInterface, error) {
	b := []byte{byte(bgp.BGP_ATTR_FLAG_OPTIONAL | bgp.BGP_ATTR_FLAG_TRANSITIVE), byte(bgp.BGP_ATTR_TYPE_PMSI_TUNNEL), byte(len(v))}
	if len(v) > 255 {
		return nil, errors.New("PMSI tunnel attribute too long")
	}
	b = append(b, v...)
	pa, err := bgp.GetPathAttribute(b)
	if err != nil {
		return nil, fmt.Errorf("PMSI tunnel attribute: %w", err)
	}
	if err := pa.DecodeFromBytes(b); err != nil {
		return nil, fmt.Errorf("PMSI tunnel attribute: %w", err)
	}
	return pa, nil
}

// pmsiValue is the value of a received PMSI Tunnel attribute.
func pmsiValue(p *bgp.PathAttributePmsiTunnel) (string, bool) {
	b, err := p.Serialize()
	if err != nil || len(b) < 3 {
		return "", false
	}
	hdr := 3
	if bgp.BGPAttrFlag(b[0])&bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH != 0 {
		hdr = 4
	}
	if len(b) < hdr+5 {
		return "", false
	}
	return string(b[hdr:]), true
}

// keyString is the key's part of the route: a MAC/IP route without its
// ESI and labels.
func (r EVPNRoute) keyString() string {
	if r.Type == EVPNMACIP {
		s := fmt.Sprintf("[type:macadv][rd:%v][etag:%d][mac:%v]", r.RD, r.EthTag, net.HardwareAddr(r.MAC[:]))
		if r.IP.IsValid() {
			s += fmt.Sprintf("[ip:%v]", r.IP)
		}
		return s
	}
	return r.String()
}

// EVPNView is an EVPN route's fields as show and its JSON give them.
type EVPNView struct {
	RouteType  uint8    `json:"routeType"`
	ESI        string   `json:"esi,omitempty"`
	EthTag     uint32   `json:"ethTag"`
	MAC        string   `json:"mac,omitempty"`
	IP         string   `json:"ip,omitempty"`
	Labels     []uint32 `json:"labels,omitempty"`
	Originator string   `json:"originatorIp,omitempty"`
	// Value is the octets of a route type read no further, in hex.
	Value       string `json:"value,omitempty"`
	PMSITunnel  string `json:"pmsiTunnel,omitempty"`
	MACMobility string `json:"macMobility,omitempty"`
}

func (r EVPNRoute) view(a *Attrs) EVPNView {
	v := EVPNView{RouteType: r.Type, EthTag: r.EthTag}
	switch r.Type {
	case EVPNMACIP:
		v.ESI, v.MAC, v.Labels = esiString(r.ESI), net.HardwareAddr(r.MAC[:]).String(), []uint32{r.Label1}
		if r.IP.IsValid() {
			v.IP = r.IP.String()
		}
		if r.HasLabel2 {
			v.Labels = append(v.Labels, r.Label2)
		}
	case EVPNMulticast:
		v.Originator = r.Originator.String()
	default:
		v.Value = fmt.Sprintf("%x", r.Body)
	}
	if p, ok := a.PMSI(); ok {
		v.PMSITunnel = p.String()
	}
	for _, e := range a.ExtCommunityList() {
		if e.IsMACMobility() {
			v.MACMobility = macMobilityString(e)
		}
	}
	return v
}

// frrPrefix writes the route as FRR's `show bgp l2vpn evpn` does.
func (r EVPNRoute) frrPrefix() string {
	switch r.Type {
	case EVPNMACIP:
		s := fmt.Sprintf("[2]:[%d]:[48]:[%v]", r.EthTag, net.HardwareAddr(r.MAC[:]))
		if r.IP.IsValid() {
			s += fmt.Sprintf(":[%d]:[%v]", r.IP.BitLen(), r.IP)
		}
		return s
	case EVPNMulticast:
		return fmt.Sprintf("[3]:[%d]:[%d]:[%v]", r.EthTag, r.Originator.BitLen(), r.Originator)
	}
	return fmt.Sprintf("[%d]:[%x]", r.Type, r.Body)
}

// writeEVPNLines writes the lines under an EVPN path: communities and
// labels, then the PMSI tunnel when there is one.
func writeEVPNLines(w io.Writer, v RouteView, e *EVPNView) {
	var ecs []string
	ecs = append(ecs, trimRT(v.RTs)...)
	if e.MACMobility != "" {
		ecs = append(ecs, e.MACMobility)
	}
	line := fmt.Sprintf("    EC{%s}", strings.Join(ecs, " "))
	if e.ESI != "" && e.ESI != "single-homed" {
		line += " ESI:" + e.ESI
	}
	if len(e.Labels) > 0 {
		ls := make([]string, len(e.Labels))
		for i, l := range e.Labels {
			ls[i] = fmt.Sprint(l)
		}
		line += " label=" + strings.Join(ls, "/")
	}
	fmt.Fprintln(w, line)
	if len(v.Encapsulation) > 0 {
		fmt.Fprintf(w, "    Encap{%s}\n", encapText(v.Encapsulation))
	}
	if e.PMSITunnel != "" {
		fmt.Fprintf(w, "    PMSI{%s}\n", e.PMSITunnel)
	}
}

// dropUnknownEVPNRoutes returns an UPDATE with the EVPN NLRI of route
// types this speaker does not know (above 5) taken out of its
// MP_REACH_NLRI and MP_UNREACH_NLRI, which RFC 7432 7 says to ignore:
// GoBGP's codec refuses the whole attribute for one, which would disable
// the family. Anything it cannot walk it returns unchanged, for the
// codec to judge.
func dropUnknownEVPNRoutes(raw []byte) []byte {
	if len(raw) < headerLen+4 || raw[18] != bgp.BGP_MSG_UPDATE || int(binary.BigEndian.Uint16(raw[16:18])) != len(raw) {
		return raw
	}
	body := raw[headerLen:]
	wl := int(binary.BigEndian.Uint16(body))
	if len(body) < 2+wl+2 {
		return raw
	}
	attrsAt := 2 + wl + 2
	al := int(binary.BigEndian.Uint16(body[2+wl:]))
	if len(body) < attrsAt+al {
		return raw
	}
	attrs := body[attrsAt : attrsAt+al]
	var out []byte
	changed := false
	for p := attrs; len(p) > 0; {
		if len(p) < 3 {
			return raw
		}
		flags, typ := p[0], p[1]
		hl, l := 3, int(p[2])
		if flags&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
			if len(p) < 4 {
				return raw
			}
			hl, l = 4, int(binary.BigEndian.Uint16(p[2:4]))
		}
		if len(p) < hl+l {
			return raw
		}
		attr := p[:hl+l]
		p = p[hl+l:]
		if typ == byte(bgp.BGP_ATTR_TYPE_MP_REACH_NLRI) || typ == byte(bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI) {
			v := attr[hl:]
			if len(v) >= 3 && binary.BigEndian.Uint16(v) == bgp.AFI_L2VPN && v[2] == bgp.SAFI_EVPN {
				at := 3 // AFI, SAFI
				if typ == byte(bgp.BGP_ATTR_TYPE_MP_REACH_NLRI) {
					if len(v) < 4 || len(v) < 4+int(v[3])+1 {
						return raw
					}
					at = 4 + int(v[3]) + 1 // next hop length, next hop, reserved
				}
				kept := append([]byte(nil), v[:at]...)
				for n := v[at:]; len(n) > 0; {
					if len(n) < 2 || len(n) < 2+int(n[1]) {
						return raw
					}
					if n[0] >= 1 && n[0] <= EVPNIPPrefixRte {
						kept = append(kept, n[:2+int(n[1])]...)
					} else {
						changed = true
					}
					n = n[2+int(n[1]):]
				}
				if len(kept) == at && typ == byte(bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI) {
					continue // emptied: left as is it would read as End-of-RIB
				}
				hdr := []byte{flags, typ}
				if hl == 4 {
					hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(kept)))
				} else {
					hdr = append(hdr, byte(len(kept)))
				}
				attr = append(hdr, kept...)
			}
		}
		out = append(out, attr...)
	}
	if !changed {
		return raw
	}
	if wl == 0 && len(out) == 0 && len(body) == attrsAt+al {
		// Nothing left: the UPDATE withdrew only routes we ignore. An
		// empty UPDATE would be End-of-RIB; a KEEPALIVE is what it now
		// means to us (it kept the session alive).
		ka := append([]byte(nil), raw[:16]...) // the marker
		return append(ka, 0, headerLen, bgp.BGP_MSG_KEEPALIVE)
	}
	msg := append([]byte(nil), raw[:headerLen+2+wl]...)
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(out)))
	msg = append(msg, out...)
	msg = append(msg, body[attrsAt+al:]...)
	binary.BigEndian.PutUint16(msg[16:18], uint16(len(msg)))
	return msg
}
