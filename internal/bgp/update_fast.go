package bgp

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"unsafe"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// A direct reader for the UPDATEs a lab's routers send each other most:
// IPv4 unicast, labelled unicast and VPNv4 routes with the common
// attributes, well formed. GoBGP's codec builds an object per attribute,
// NLRI, label stack and RD, then validates them; at a thousand routers
// that was a quarter of the bring-up's allocations. This reader goes from
// the bytes to table keys and an Attrs, allocating only the attribute
// strings.
//
// It is strict by design: anything it does not fully understand, and
// anything GoBGP would report an error for, makes it decline, and the
// UPDATE takes the general path (parseMessage, ValidateUpdateMsg,
// applyUpdate) with its RFC 7606 handling. So it never decides an error
// case; FuzzFastUpdateAgreesWithTheCodec holds it to the general path's
// result on every input it accepts.

// fastRoute is one NLRI as a table key and its label.
type fastRoute struct {
	key   RouteKey
	label uint32
}

// fastUpdate is what the reader got out of one UPDATE. They come from
// fastUpdates, whose slices are reused: a lab's thousands of sessions
// need only as many as run at once.
type fastUpdate struct {
	withdrawn, nlri []netip.Prefix // IPv4 unicast, outside MP attributes

	reach, unreach       []fastRoute
	reachF, unreachF     Family
	hasReach, hasUnreach bool
	reachNH              netip.Addr

	// attrs' strings alias the message read (view): applyFast only reads
	// them and interns them, and unique.Make keeps its own copy of the
	// strings of a set it has not seen. Nothing may keep attrs itself.
	attrs                   Attrs
	origin, asPath, nextHop bool
}

// view is b as a string without a copy (see fastUpdate.attrs). A router
// hears most attribute sets many times, each once per UPDATE: copying
// their AS paths and communities was a twentieth of a large bring-up's
// allocations, all of it garbage once interned.
func view(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

var fastUpdates = sync.Pool{New: func() any { return new(fastUpdate) }}

func (u *fastUpdate) reset() {
	*u = fastUpdate{withdrawn: u.withdrawn[:0], nlri: u.nlri[:0], reach: u.reach[:0], unreach: u.unreach[:0]}
}

// Attribute flags as RFC 4271 and GoBGP's checks want them, the
// extended-length bit aside.
const (
	flagWellKnown   = 0x40 // transitive
	flagOptional    = 0x80 // optional non-transitive
	flagOptionalTr  = 0xc0 // optional transitive
	flagExtendedLen = 0x10
)

// fastAttrFlags are the attributes the reader takes, with their flags.
var fastAttrFlags = [256]byte{
	bgp.BGP_ATTR_TYPE_ORIGIN:               flagWellKnown,
	bgp.BGP_ATTR_TYPE_AS_PATH:              flagWellKnown,
	bgp.BGP_ATTR_TYPE_NEXT_HOP:             flagWellKnown,
	bgp.BGP_ATTR_TYPE_MULTI_EXIT_DISC:      flagOptional,
	bgp.BGP_ATTR_TYPE_LOCAL_PREF:           flagWellKnown,
	bgp.BGP_ATTR_TYPE_ATOMIC_AGGREGATE:     flagWellKnown,
	bgp.BGP_ATTR_TYPE_COMMUNITIES:          flagOptionalTr,
	bgp.BGP_ATTR_TYPE_ORIGINATOR_ID:        flagOptional,
	bgp.BGP_ATTR_TYPE_CLUSTER_LIST:         flagOptional,
	bgp.BGP_ATTR_TYPE_MP_REACH_NLRI:        flagOptional,
	bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI:      flagOptional,
	bgp.BGP_ATTR_TYPE_EXTENDED_COMMUNITIES: flagOptionalTr,
}

// decodeFast reads raw, a whole UPDATE message, into u. It reports false,
// having changed nothing but u, when the UPDATE must take the general
// path. families are the session's negotiated families.
func decodeFast(raw []byte, families map[Family]bool, u *fastUpdate) bool {
	u.reset()
	if len(raw) < headerLen+4 || int(binary.BigEndian.Uint16(raw[16:18])) != len(raw) || raw[18] != bgp.BGP_MSG_UPDATE {
		return false
	}
	for _, b := range raw[:16] {
		if b != 0xff {
			return false
		}
	}
	body := raw[headerLen:]
	wl := int(binary.BigEndian.Uint16(body))
	body = body[2:]
	if len(body) < wl+2 {
		return false
	}
	var ok bool
	if u.withdrawn, ok = appendPrefixes4(u.withdrawn, body[:wl]); !ok {
		return false
	}
	body = body[wl:]
	al := int(binary.BigEndian.Uint16(body))
	body = body[2:]
	if len(body) < al {
		return false
	}
	if u.nlri, ok = appendPrefixes4(u.nlri, body[al:]); !ok {
		return false
	}
	if (len(u.withdrawn) > 0 || len(u.nlri) > 0) && !families[IPv4Unicast] {
		return false
	}
	var seen [256]bool
	for attrs := body[:al]; len(attrs) > 0; {
		if len(attrs) < 3 {
			return false
		}
		flags, typ := attrs[0], attrs[1]
		hl, l := 3, int(attrs[2])
		if flags&flagExtendedLen != 0 {
			if len(attrs) < 4 {
				return false
			}
			hl, l = 4, int(binary.BigEndian.Uint16(attrs[2:4]))
		}
		if len(attrs) < hl+l || seen[typ] || fastAttrFlags[typ] == 0 || flags&^flagExtendedLen != fastAttrFlags[typ] {
			return false
		}
		seen[typ] = true
		if !u.attr(typ, attrs[hl:hl+l], families) {
			return false
		}
		attrs = attrs[hl+l:]
	}
	announces := len(u.nlri) > 0 || u.hasReach
	switch {
	case len(u.withdrawn)+len(u.nlri)+len(u.reach)+len(u.unreach) == 0:
		return false // End-of-RIB, or nothing: the general path's business
	case u.hasReach && len(u.reach) == 0, u.hasUnreach && len(u.unreach) == 0:
		return false
	case announces && (!u.origin || !u.asPath), len(u.nlri) > 0 && !u.nextHop:
		return false // a missing mandatory attribute: treat-as-withdraw there
	}
	return true
}

// attr reads one attribute's value.
func (u *fastUpdate) attr(typ byte, v []byte, families map[Family]bool) bool {
	a := &u.attrs
	switch bgp.BGPAttrType(typ) {
	case bgp.BGP_ATTR_TYPE_ORIGIN:
		if len(v) != 1 || v[0] > OriginIncomplete {
			return false
		}
		a.Origin, u.origin = v[0], true
	case bgp.BGP_ATTR_TYPE_AS_PATH:
		// 4-octet ASNs (the session is NEW), AS_SET and AS_SEQUENCE
		// segments only: then the wire form is Attrs' packed form.
		for p := v; len(p) > 0; {
			if len(p) < 2 || (p[0] != segSet && p[0] != segSequence) || p[1] == 0 || len(p) < 2+4*int(p[1]) {
				return false
			}
			p = p[2+4*int(p[1]):]
		}
		a.ASPath, u.asPath = view(v), true
	case bgp.BGP_ATTR_TYPE_NEXT_HOP:
		// GoBGP refuses 0/8 and class D and E next hops.
		if len(v) != 4 || v[0] == 0 || v[0] >= 224 {
			return false
		}
		a.NextHop, u.nextHop = netip.AddrFrom4([4]byte(v)), true
	case bgp.BGP_ATTR_TYPE_MULTI_EXIT_DISC:
		if len(v) != 4 {
			return false
		}
		a.MED, a.HasMED = binary.BigEndian.Uint32(v), true
	case bgp.BGP_ATTR_TYPE_LOCAL_PREF:
		if len(v) != 4 {
			return false
		}
		a.LocalPref, a.HasLocalPref = binary.BigEndian.Uint32(v), true
	case bgp.BGP_ATTR_TYPE_ATOMIC_AGGREGATE:
		if len(v) != 0 {
			return false
		}
		a.AtomicAggregate = true
	case bgp.BGP_ATTR_TYPE_COMMUNITIES:
		if len(v) == 0 || len(v)%4 != 0 {
			return false
		}
		a.Communities = view(v)
	case bgp.BGP_ATTR_TYPE_ORIGINATOR_ID:
		if len(v) != 4 {
			return false
		}
		a.OriginatorID = netip.AddrFrom4([4]byte(v))
	case bgp.BGP_ATTR_TYPE_CLUSTER_LIST:
		if len(v) == 0 || len(v)%4 != 0 {
			return false
		}
		a.ClusterList = view(v)
	case bgp.BGP_ATTR_TYPE_EXTENDED_COMMUNITIES:
		if len(v) == 0 || len(v)%8 != 0 {
			return false
		}
		for p := v; len(p) > 0; p = p[8:] {
			if !fastExtCommunity([8]byte(p)) {
				return false
			}
		}
		a.ExtCommunities = view(v)
	case bgp.BGP_ATTR_TYPE_MP_REACH_NLRI:
		return u.mpReach(v, families)
	case bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI:
		if len(v) < 3 {
			return false
		}
		f, ok := fastFamily(v[:3], families)
		if !ok {
			return false
		}
		u.unreachF, u.hasUnreach = f, true
		u.unreach, ok = appendMPRoutes(u.unreach, f, v[3:])
		return ok
	}
	return true
}

// fastExtCommunity: the extended communities passed through as their
// bytes, those whose codec round trip is the identity: route targets
// and origins (RFC 4360, RFC 5668), and the transitive opaque color and
// encapsulation ones (RFC 9012 4.3, 4.1) with their reserved octets
// zero, as the codec writes them.
func fastExtCommunity(e [8]byte) bool {
	switch e[0] &^ 0x40 { // transitive or not
	case 0x00, 0x01, 0x02:
		return e[1] == 0x02 || e[1] == 0x03
	}
	if e[0] != 0x03 || e[2] != 0 || e[3] != 0 {
		return false
	}
	switch e[1] {
	case 0x0b: // color
		return true
	case 0x0c: // encapsulation: the tunnel type in the last two octets
		return e[4] == 0 && e[5] == 0
	}
	return false
}

// mpReach reads an MP_REACH_NLRI (RFC 4760 3) of a family the reader
// takes: the next hop (behind a zero RD for VPNv4, RFC 4364 4.3.2) and
// the NLRI.
func (u *fastUpdate) mpReach(v []byte, families map[Family]bool) bool {
	if len(v) < 4 {
		return false
	}
	f, ok := fastFamily(v[:3], families)
	if !ok {
		return false
	}
	nl := int(v[3])
	v = v[4:]
	want := 4
	if f == VPNv4 {
		want = 12
	}
	if nl != want || len(v) < nl+1 {
		return false
	}
	nh := v[nl-4 : nl]
	for _, b := range v[:nl-4] {
		if b != 0 { // a VPN next hop's RD is zero
			return false
		}
	}
	addr := netip.AddrFrom4([4]byte(nh))
	if f != VPNv4 && (addr.IsUnspecified() || addr.IsMulticast()) {
		return false // mpNextHopVerdict's treat-as-withdraw
	}
	u.reachF, u.reachNH, u.hasReach = f, addr, true
	// v[nl] is the reserved octet, skipped whatever it holds.
	u.reach, ok = appendMPRoutes(u.reach, f, v[nl+1:])
	return ok
}

// fastFamily is the family an AFI/SAFI triple names, if the reader takes
// it and the session negotiated it.
func fastFamily(b []byte, families map[Family]bool) (Family, bool) {
	f := Family(bgp.NewFamily(binary.BigEndian.Uint16(b), b[2]))
	switch f {
	case IPv4Unicast, IPv4LabeledUnicast, VPNv4:
		return f, families[f]
	}
	return 0, false
}

// appendPrefixes4 reads IPv4 prefixes (RFC 4271 4.3), the host bits
// cleared as the table keys them.
func appendPrefixes4(out []netip.Prefix, b []byte) ([]netip.Prefix, bool) {
	for len(b) > 0 {
		p, n, ok := prefix4(b[1:], int(b[0]))
		if !ok {
			return out, false
		}
		out = append(out, p)
		b = b[1+n:]
	}
	return out, true
}

// prefix4 reads an IPv4 prefix of the given length from the front of b,
// and how many octets it took.
func prefix4(b []byte, bits int) (netip.Prefix, int, bool) {
	n := (bits + 7) / 8
	if bits < 0 || bits > 32 || len(b) < n {
		return netip.Prefix{}, 0, false
	}
	var a [4]byte
	copy(a[:], b[:n])
	p, err := netip.AddrFrom4(a).Prefix(bits)
	return p, n, err == nil
}

// appendMPRoutes reads the NLRI of an MP attribute of family f.
func appendMPRoutes(out []fastRoute, f Family, b []byte) ([]fastRoute, bool) {
	for len(b) > 0 {
		bits := int(b[0])
		b = b[1:]
		var r fastRoute
		if f != IPv4Unicast {
			// One label. GoBGP keeps the withdrawal and zero label
			// values (RFC 8277 2.4) as they are, shifts the others.
			if len(b) < 3 || bits < 24 {
				return out, false
			}
			l := uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2])
			switch {
			case l == 0x800000 || l == 0:
				r.label = l
			case l&1 == 1:
				r.label = l >> 4
			default:
				return out, false // a stack of several: general path
			}
			b, bits = b[3:], bits-24
		}
		if f == VPNv4 {
			if len(b) < 8 || bits < 64 || binary.BigEndian.Uint16(b) > bgp.BGP_RD_FOUR_OCTET_AS {
				return out, false
			}
			r.key.RD = RD(b[:8])
			b, bits = b[8:], bits-64
		}
		p, n, ok := prefix4(b, bits)
		if !ok {
			return out, false
		}
		r.key.Prefix = p
		out = append(out, r)
		b = b[n:]
	}
	return out, true
}

// applyFast is applyUpdate for what decodeFast read: the same steps in
// the same order, on keys instead of GoBGP's NLRI objects.
func (ss *session) applyFast(u *fastUpdate) {
	p := ss.p
	p.s.expectChanges(len(u.withdrawn) + len(u.unreach) + len(u.nlri) + len(u.reach))
	for _, w := range u.withdrawn {
		ss.withdrawKey(IPv4Unicast, RouteKey{Prefix: w})
	}
	for _, r := range u.unreach {
		ss.withdrawKey(u.unreachF, r.key)
	}
	if len(u.nlri) == 0 && !u.hasReach {
		return
	}
	attrs := u.attrs
	withdraw := !ss.acceptable(&attrs)
	if !withdraw && !p.ibgp {
		attrs.LocalPref, attrs.HasLocalPref = 0, false
	}
	if len(u.nlri) > 0 {
		var h AttrHandle
		if !withdraw {
			h = Intern(attrs)
		}
		for _, n := range u.nlri {
			if withdraw {
				ss.withdrawKey(IPv4Unicast, RouteKey{Prefix: n})
			} else {
				ss.announceKey(IPv4Unicast, RouteKey{Prefix: n}, 0, h)
			}
		}
	}
	if u.hasReach {
		var h AttrHandle
		if !withdraw {
			attrs.NextHop = u.reachNH
			h = Intern(attrs)
		}
		for _, r := range u.reach {
			if withdraw {
				ss.withdrawKey(u.reachF, r.key)
			} else {
				ss.announceKey(u.reachF, r.key, r.label, h)
			}
		}
	}
}
