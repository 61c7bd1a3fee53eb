package bgp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Family is an address family (AFI/SAFI pair) as the wire carries it.
type Family uint32

// The families the speaker carries.
const (
	IPv4Unicast Family = Family(bgp.RF_IPv4_UC)  // 1/1
	VPNv4       Family = Family(bgp.RF_IPv4_VPN) // 1/128
	// RTC is route target constraint (RFC 4684): a speaker's routes here
	// say which route targets it imports, so that its peers send it only
	// the VPN routes it can use. Carried with VPNv4 by default (see
	// Config.NoRTConstraint); its routes are set with SetImportRTs.
	RTC Family = Family(bgp.RF_RTC_UC) // 1/132
	// IPv6Unicast is IPv6 unicast (RFC 4760, RFC 2545): the next hop is
	// an IPv6 address in MP_REACH_NLRI, or an IPv4 one carried as
	// ::ffff:a.b.c.d when the routes cross an IPv4 core (RFC 4798).
	IPv6Unicast Family = Family(bgp.RF_IPv6_UC) // 2/1
	// VPNv6 is BGP/MPLS IPv6 VPN (RFC 4659): RD, IPv6 prefix and label;
	// next hop RD 0 and an IPv6 address, IPv4-mapped for an IPv4 PE.
	// Route target constraint applies to it as to VPNv4.
	VPNv6 Family = Family(bgp.RF_IPv6_VPN) // 2/128
	// IPv4LabeledUnicast is IPv4 prefixes with an MPLS label (RFC 8277).
	IPv4LabeledUnicast Family = Family(bgp.RF_IPv4_MPLS) // 1/4
)

// String names a family as GoBGP does, except the VPN families, which
// keep the short names this package always used.

func (f Family) wire() bgp.Family { return bgp.Family(f) }

func (f Family) String() string {
	switch f {
	case IPv4Unicast:
		return "ipv4-unicast"
	case VPNv4:
		return "vpnv4"
	case RTC:
		return "rtc"
	case IPv6Unicast:
		return "ipv6-unicast"
	case VPNv6:
		return "vpnv6"
	case IPv4LabeledUnicast:
		return "ipv4-labelled-unicast"
	case EVPN:
		return "l2vpn-evpn"
	}
	return fmt.Sprintf("afi%d/safi%d", f.wire().Afi(), f.wire().Safi())
}

// ShowName is the family as FRR's `show bgp AFI SAFI` spells it
// ("ipv4 unicast", "ipv6 vpn", "ipv4 labeled-unicast"...).
func (f Family) ShowName() string {
	switch f {
	case IPv4Unicast:
		return "ipv4 unicast"
	case VPNv4:
		return "ipv4 vpn"
	case IPv6Unicast:
		return "ipv6 unicast"
	case VPNv6:
		return "ipv6 vpn"
	case IPv4LabeledUnicast:
		return "ipv4 labeled-unicast"
	case RTC:
		return "ipv4 rtc"
	case EVPN:
		return "l2vpn evpn"
	}
	return f.String()
}

func supported(f Family) bool {
	switch f {
	case IPv4Unicast, VPNv4, RTC, IPv6Unicast, VPNv6, IPv4LabeledUnicast, EVPN:
		return true
	}
	return false
}

// isIPv6 reports whether the family's prefixes (and so its next hops'
// encoding) are IPv6.
func (f Family) isIPv6() bool { return f.wire().Afi() == bgp.AFI_IP6 }

// isVPN: RD-keyed families whose routes carry route targets, filtered
// by RT constraint.
func (f Family) isVPN() bool { return f == VPNv4 || f == VPNv6 }

// labelled: one MPLS label per route in the NLRI.
func (f Family) labelled() bool { return f == VPNv4 || f == VPNv6 || f == IPv4LabeledUnicast }

// RD is a route distinguisher in its 8-octet wire form (RFC 4364 4.2).
// The zero RD is what IPv4 unicast routes carry.
type RD [8]byte

// ParseRD reads an RD written as ASN:NN (type 0 for a 2-octet ASN,
// type 2 above 65535) or A.B.C.D:NN (type 1), as FRR writes them.
// (GoBGP's own parser wants 4-octet ASNs in asdot and quietly turns
// 4200000000:9 into 65535:9, so the text is parsed here.)
func ParseRD(s string) (RD, error) {
	admin, nn, err := splitAdmin(s)
	if err != nil {
		return RD{}, fmt.Errorf("route distinguisher %q: %w", s, err)
	}
	var rd bgp.RouteDistinguisherInterface
	switch {
	case admin.ip.IsValid():
		if nn > 0xffff {
			return RD{}, fmt.Errorf("route distinguisher %q: number exceeds 16 bits", s)
		}
		rd, err = bgp.NewRouteDistinguisherIPAddressAS(admin.ip, uint16(nn))
		if err != nil {
			return RD{}, fmt.Errorf("route distinguisher %q: %w", s, err)
		}
	case admin.asn <= 0xffff:
		rd = bgp.NewRouteDistinguisherTwoOctetAS(uint16(admin.asn), nn)
	default:
		if nn > 0xffff {
			return RD{}, fmt.Errorf("route distinguisher %q: number exceeds 16 bits with a 4-octet ASN", s)
		}
		rd = bgp.NewRouteDistinguisherFourOctetAS(admin.asn, uint16(nn))
	}
	return rdFromWire(rd), nil
}

type adminField struct {
	ip  netip.Addr
	asn uint32
}

// splitAdmin splits "ADMIN:NN" where ADMIN is an IPv4 address, an ASN, or
// an ASN in asdot (X.Y).
func splitAdmin(s string) (adminField, uint32, error) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return adminField{}, 0, errors.New("want ADMIN:NUMBER")
	}
	nn, err := strconv.ParseUint(s[i+1:], 10, 32)
	if err != nil {
		return adminField{}, 0, fmt.Errorf("number: %w", err)
	}
	a := s[:i]
	if ip, err := netip.ParseAddr(a); err == nil && ip.Is4() {
		return adminField{ip: ip}, uint32(nn), nil
	}
	if hi, lo, ok := strings.Cut(a, "."); ok {
		h, err1 := strconv.ParseUint(hi, 10, 16)
		l, err2 := strconv.ParseUint(lo, 10, 16)
		if err1 != nil || err2 != nil {
			return adminField{}, 0, fmt.Errorf("administrator %q: not an address or an ASN", a)
		}
		return adminField{asn: uint32(h<<16 | l)}, uint32(nn), nil
	}
	asn, err := strconv.ParseUint(a, 10, 32)
	if err != nil {
		return adminField{}, 0, fmt.Errorf("administrator %q: not an address or an ASN", a)
	}
	return adminField{asn: uint32(asn)}, uint32(nn), nil
}

func rdFromWire(rd bgp.RouteDistinguisherInterface) RD {
	var out RD
	if b, err := rd.Serialize(); err == nil && len(b) == 8 {
		copy(out[:], b)
	}
	return out
}

func (r RD) wire() bgp.RouteDistinguisherInterface { return bgp.GetRouteDistinguisher(r[:]) }

// String writes the RD as FRR does (4-octet ASNs in asplain).
func (r RD) String() string {
	switch binary.BigEndian.Uint16(r[:2]) {
	case bgp.BGP_RD_TWO_OCTET_AS:
		return fmt.Sprintf("%d:%d", binary.BigEndian.Uint16(r[2:4]), binary.BigEndian.Uint32(r[4:8]))
	case bgp.BGP_RD_FOUR_OCTET_AS:
		return fmt.Sprintf("%d:%d", binary.BigEndian.Uint32(r[2:6]), binary.BigEndian.Uint16(r[6:8]))
	case bgp.BGP_RD_IPV4_ADDRESS:
		return netip.AddrFrom4([4]byte(r[2:6])).String() + ":" + strconv.FormatUint(uint64(binary.BigEndian.Uint16(r[6:8])), 10)
	}
	return r.wire().String()
}

// RouteKey names a destination in one family's table: the prefix, and for
// VPN families the RD that makes it unique across VPNs. An EVPN route
// has no prefix: EVPN holds its NLRI (evpn.go; build it with
// EVPNRoute.Key) and RD its RD.
type RouteKey struct {
	RD     RD
	Prefix netip.Prefix
	EVPN   string
}

func (k RouteKey) String() string {
	if k.EVPN != "" {
		r, err := EVPNRouteOf(k, 0, "")
		if err != nil {
			return fmt.Sprintf("evpn:%x", k.EVPN)
		}
		return r.keyString()
	}
	if k.RD == rtcRD {
		return k.rtcString()
	}
	if k.RD == (RD{}) {
		return k.Prefix.String()
	}
	return k.RD.String() + ":" + k.Prefix.String()
}

// RouteTarget builds the route-target extended community ASN:NN (two-octet
// ASN when it fits, four-octet otherwise), as raw 8 octets for Attrs.
func RouteTarget(asn uint32, nn uint32) (ExtCommunity, error) {
	var ec bgp.ExtendedCommunityInterface
	switch {
	case asn <= 0xffff:
		ec = bgp.NewTwoOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, uint16(asn), nn, true)
	case nn <= 0xffff:
		ec = bgp.NewFourOctetAsSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, asn, uint16(nn), true)
	default:
		return ExtCommunity{}, fmt.Errorf("route target %d:%d: both halves exceed 16 bits", asn, nn)
	}
	b, err := ec.Serialize()
	if err != nil {
		return ExtCommunity{}, fmt.Errorf("route target %d:%d: %w", asn, nn, err)
	}
	var out ExtCommunity
	copy(out[:], b)
	return out, nil
}

// ParseRouteTarget reads a route target written as ASN:NN, ASN4:NN
// (asplain or asdot) or A.B.C.D:NN.
func ParseRouteTarget(s string) (ExtCommunity, error) {
	admin, nn, err := splitAdmin(s)
	if err != nil {
		return ExtCommunity{}, fmt.Errorf("route target %q: %w", s, err)
	}
	if !admin.ip.IsValid() {
		return RouteTarget(admin.asn, nn)
	}
	if nn > 0xffff {
		return ExtCommunity{}, fmt.Errorf("route target %q: number exceeds 16 bits", s)
	}
	ec, err := bgp.NewIPv4AddressSpecificExtended(bgp.EC_SUBTYPE_ROUTE_TARGET, admin.ip, uint16(nn), true)
	if err != nil {
		return ExtCommunity{}, fmt.Errorf("route target %q: %w", s, err)
	}
	b, err := ec.Serialize()
	if err != nil {
		return ExtCommunity{}, fmt.Errorf("route target %q: %w", s, err)
	}
	var out ExtCommunity
	copy(out[:], b)
	return out, nil
}

// ExtCommunity is one extended community in wire form (RFC 4360).
type ExtCommunity [8]byte

// IsRouteTarget reports whether the community is a route target.
func (e ExtCommunity) IsRouteTarget() bool {
	return e[1] == byte(bgp.EC_SUBTYPE_ROUTE_TARGET) && e[0]&0x3f <= 2
}

func (e ExtCommunity) String() string {
	if e.IsColor() {
		return colorString(e)
	}
	if _, ok := e.Encapsulation(); ok {
		return encapString(e)
	}
	if e.IsMACMobility() {
		return macMobilityString(e)
	}
	if e.IsRouteTarget() && e[0]&0x3f == 2 { // 4-octet AS specific: asplain, as FRR
		return fmt.Sprintf("RT:%d:%d", binary.BigEndian.Uint32(e[2:6]), binary.BigEndian.Uint16(e[6:8]))
	}
	ec, err := bgp.ParseExtended(e[:])
	if err != nil {
		return fmt.Sprintf("%x", e[:])
	}
	if e.IsRouteTarget() {
		return "RT:" + ec.String()
	}
	return ec.String()
}
