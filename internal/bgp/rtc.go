package bgp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Route target constraint (RFC 4684): route-target membership NLRI and
// the speaker's own membership.
//
// An RTC NLRI is a prefix of up to 96 bits: origin AS (32) then route
// target (64). Its RouteKey holds it as an IPv6 prefix over those bits
// (the last 32 zero), so that the table, masking and prefix lengths work
// as for any family, under rtcRD, so that no RTC key can be taken for an
// IPv6 one.

// rtcRD marks RTC keys: RD type 0xffff is no real RD's.
var rtcRD = RD{0xff, 0xff, 'R', 'T', 'C'}

// rtcKey builds the key of the membership NLRI origin:rt/bits.
func rtcKey(origin uint32, rt ExtCommunity, bits int) RouteKey {
	var b [16]byte
	binary.BigEndian.PutUint32(b[:4], origin)
	copy(b[4:12], rt[:])
	return RouteKey{RD: rtcRD, Prefix: netip.PrefixFrom(netip.AddrFrom16(b), bits).Masked()}
}

// rtcDefault is the default membership route (length 0): "send me all".
var rtcDefault = rtcKey(0, ExtCommunity{}, 0)

// RTCMembership reads an RTC route's key: origin AS, route target (masked
// to the prefix) and prefix length in bits (0 to 96). ok is false for the
// keys of other families.
func (k RouteKey) RTCMembership() (origin uint32, rt ExtCommunity, bits int, ok bool) {
	if k.RD != rtcRD || !k.Prefix.Addr().Is6() {
		return 0, ExtCommunity{}, 0, false
	}
	b := k.Prefix.Addr().As16()
	copy(rt[:], b[4:12])
	return binary.BigEndian.Uint32(b[:4]), rt, k.Prefix.Bits(), true
}

func (k RouteKey) rtcString() string {
	origin, rt, bits, _ := k.RTCMembership()
	if bits == 0 {
		return "default/0"
	}
	if bits <= 32 {
		return fmt.Sprintf("%d:*/%d", origin, bits)
	}
	return fmt.Sprintf("%d:%s/%d", origin, strings.TrimPrefix(rt.String(), "RT:"), bits)
}

// rtcNLRI is the wire form of an RTC key.
func rtcNLRI(k RouteKey) (bgp.PathNLRI, error) {
	origin, rt, bits, _ := k.RTCMembership()
	n := &bgp.RouteTargetMembershipNLRI{Length: uint8(bits), AS: origin}
	if bits > 32 {
		ec, err := bgp.ParseExtended(rt[:])
		if err != nil {
			return bgp.PathNLRI{}, fmt.Errorf("RTC NLRI %v: %w", k, err)
		}
		n.RouteTarget = ec
	}
	return bgp.PathNLRI{NLRI: n}, nil
}

// rtcKeyOf reads a received RTC NLRI.
func rtcKeyOf(n *bgp.RouteTargetMembershipNLRI) (RouteKey, bool) {
	if n.Length > bgp.RouteTargetMembershipPrefixLen || n.Length > 0 && n.Length < 32 {
		return RouteKey{}, false
	}
	var rt ExtCommunity
	if n.RouteTarget != nil {
		b, err := n.RouteTarget.Serialize()
		if err != nil || len(b) != 8 {
			return RouteKey{}, false
		}
		copy(rt[:], b)
	}
	return rtcKey(n.AS, rt, int(n.Length)), true
}

// SetImportRTs sets the route targets this speaker imports (its PE's
// VRFs' import RTs): it originates one RTC route per target, origin AS
// its own, and withdraws those no longer listed, so that peers that
// negotiated RTC send it only VPN routes carrying one of them. Until the
// first call the speaker asks for every VPN route (the default RTC
// route), so a speaker whose owner never calls this gets what it always
// got. A route reflector asks for everything anyway (see localRTC).
func (s *Speaker) SetImportRTs(rts []ExtCommunity) error {
	for _, rt := range rts {
		if !rt.IsRouteTarget() {
			return fmt.Errorf("bgp: %v is not a route target", rt)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.importRTs = map[ExtCommunity]bool{}
	for _, rt := range rts {
		s.importRTs[rt] = true
	}
	s.syncLocalRTC()
	s.afterEvent()
	return nil
}

// ImportRTs returns the route targets set with SetImportRTs, sorted (nil
// before the first call).
func (s *Speaker) ImportRTs() []ExtCommunity {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.importRTs == nil {
		return nil
	}
	out := make([]ExtCommunity, 0, len(s.importRTs))
	for rt := range s.importRTs {
		out = append(out, rt)
	}
	slices.SortFunc(out, func(a, b ExtCommunity) int { return slices.Compare(a[:], b[:]) })
	return out
}

// localRTC is the membership the speaker originates: one route per import
// RT, or the default route when it was never told its RTs. A route
// reflector also originates the default route, because it must receive
// every VPN route its clients have in order to reflect it to the others:
// filtering the client-to-reflector direction by the clients' own
// membership would fail when two clients import the same RT (both
// advertise the same NLRI; the reflector reflects one best path, which
// its originator then drops as its own).
func (s *Speaker) localRTC() map[RouteKey]bool {
	want := map[RouteKey]bool{}
	if s.importRTs == nil || s.isRR {
		want[rtcDefault] = true
	}
	for rt := range s.importRTs {
		want[rtcKey(s.cfg.ASN, rt, 96)] = true
	}
	return want
}

// syncLocalRTC brings the originated RTC routes in line with localRTC.
func (s *Speaker) syncLocalRTC() {
	t := s.tables[RTC]
	if t == nil {
		return
	}
	want := s.localRTC()
	for k := range s.rtcOut {
		if !want[k] {
			t.remove(s, k, nil)
			delete(s.rtcOut, k)
		}
	}
	for k := range want {
		if !s.rtcOut[k] {
			t.set(s, k, Path{attrs: Intern(Attrs{Origin: OriginIGP})})
			s.rtcOut[k] = true
		}
	}
}
