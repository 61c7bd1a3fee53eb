package bgp

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unique"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Origin values (RFC 4271 5.1.1), lowest preferred.
const (
	OriginIGP        uint8 = 0
	OriginEGP        uint8 = 1
	OriginIncomplete uint8 = 2
)

// Attrs is one set of path attributes. Every field is comparable (lists
// are packed into strings) so that identical sets can be interned with
// the unique package: a Path holds a Handle, one pointer, and a thousand
// routes from one UPDATE — or the same route held by fifty routers in one
// process — share one copy of their attributes. Build them with the
// helpers (Attrs.WithASPath ...) and intern with Intern.
type Attrs struct {
	Origin  uint8
	ASPath  string // packed AS_PATH: per segment type, count, count x 4-octet ASN
	NextHop netip.Addr

	MED          uint32
	HasMED       bool
	LocalPref    uint32
	HasLocalPref bool

	AtomicAggregate bool
	Communities     string // packed 4-octet communities
	ExtCommunities  string // packed 8-octet extended communities

	OriginatorID netip.Addr
	ClusterList  string // packed 4-octet cluster ids

	// TunnelEncap is the value of the Tunnel Encapsulation attribute
	// (RFC 9012, encap.go), "" when the route has none. It is passed on
	// unchanged; Tunnels reads it.
	TunnelEncap string

	// PMSITunnel is the value of the PMSI Tunnel attribute (RFC 6514 5,
	// evpn.go) of an EVPN inclusive multicast route, "" for none.
	PMSITunnel string

	// EVPNNonKey is a MAC/IP route's ESI and, when present, label 2 (10
	// then 3 octets): fields of its NLRI outside its key (RFC 7432 7.2),
	// so held with the path. Never sent as an attribute.
	EVPNNonKey string

	// Transitive is the wire form of optional transitive attributes the
	// speaker does not interpret, passed on unchanged (RFC 4271 5).
	Transitive string
}

// AttrHandle is an interned attribute set; equal handles mean equal sets.
type AttrHandle = unique.Handle[Attrs]

// Intern returns the shared copy of a.
func Intern(a Attrs) AttrHandle { return unique.Make(a) }

// AS path segment types (RFC 4271 4.3).
const (
	segSet      = bgp.BGP_ASPATH_ATTR_TYPE_SET
	segSequence = bgp.BGP_ASPATH_ATTR_TYPE_SEQ
)

// ASSegment is one AS_PATH segment.
type ASSegment struct {
	Set  bool
	ASNs []uint32
}

// PackASPath packs segments into Attrs.ASPath form.
func PackASPath(segs []ASSegment) string {
	var b []byte
	for _, s := range segs {
		for len(s.ASNs) > 0 {
			n := min(len(s.ASNs), 255)
			t := byte(segSequence)
			if s.Set {
				t = segSet
			}
			b = append(b, t, byte(n))
			for _, a := range s.ASNs[:n] {
				b = binary.BigEndian.AppendUint32(b, a)
			}
			s.ASNs = s.ASNs[n:]
		}
	}
	return string(b)
}

// Segments unpacks the AS_PATH.
func (a *Attrs) Segments() []ASSegment {
	var out []ASSegment
	p := a.ASPath
	for len(p) >= 2 {
		t, n := p[0], int(p[1])
		p = p[2:]
		if len(p) < 4*n {
			break
		}
		seg := ASSegment{Set: t == segSet, ASNs: make([]uint32, n)}
		for i := range n {
			seg.ASNs[i] = binary.BigEndian.Uint32([]byte(p[4*i : 4*i+4]))
		}
		out = append(out, seg)
		p = p[4*n:]
	}
	return out
}

// The decision process and loop checks read the packed AS_PATH in
// place (eachSegment): unpacking it for every path compared was a
// million small allocations in a large lab's bring-up.

// eachSegment calls f with each whole segment: whether it is a set,
// and its ASNs, packed. It stops where Segments does, at a truncated
// segment, or when f returns false.
func (a *Attrs) eachSegment(f func(set bool, asns string) bool) {
	for p := a.ASPath; len(p) >= 2; {
		n := int(p[1])
		if len(p) < 2+4*n {
			return
		}
		if !f(p[0] == segSet, p[2:2+4*n]) {
			return
		}
		p = p[2+4*n:]
	}
}

// wellPacked reports whether p is a packed AS_PATH as PackASPath writes
// it: sets and sequences of one ASN or more, nothing left over.
func wellPacked(p string) bool {
	for len(p) > 0 {
		if len(p) < 2 || (p[0] != segSet && p[0] != segSequence) || p[1] == 0 || len(p) < 2+4*int(p[1]) {
			return false
		}
		p = p[2+4*int(p[1]):]
	}
	return true
}

func packedASN(p string) uint32 {
	return uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
}

// PathLen is the AS path length for the decision process: each ASN of a
// sequence counts one, a set counts one however many it holds (RFC 4271
// 9.1.2.2 a).
func (a *Attrs) PathLen() int {
	n := 0
	a.eachSegment(func(set bool, asns string) bool {
		if set {
			n++
		} else {
			n += len(asns) / 4
		}
		return true
	})
	return n
}

// ContainsAS reports whether asn appears anywhere in the AS path.
func (a *Attrs) ContainsAS(asn uint32) bool {
	return a.CountAS(asn) > 0
}

// CountAS is how many times asn appears in the AS path.
func (a *Attrs) CountAS(asn uint32) int {
	n := 0
	a.eachSegment(func(_ bool, asns string) bool {
		for ; len(asns) >= 4; asns = asns[4:] {
			if packedASN(asns) == asn {
				n++
			}
		}
		return true
	})
	return n
}

// replaceAS returns the path with every occurrence of from replaced by to
// (as-override: a customer's sites share one ASN, which their own loop
// check would otherwise reject).
func (a *Attrs) replaceAS(from, to uint32) string {
	segs := a.Segments()
	for _, s := range segs {
		for i, x := range s.ASNs {
			if x == from {
				s.ASNs[i] = to
			}
		}
	}
	return PackASPath(segs)
}

// FirstAS is the leftmost ASN of the path (the neighbour AS for MED
// comparison), or 0 for an empty path.
func (a *Attrs) FirstAS() uint32 {
	first := uint32(0)
	a.eachSegment(func(set bool, asns string) bool {
		if !set && len(asns) >= 4 {
			first = packedASN(asns)
		}
		return false
	})
	return first
}

// prependAS returns the path with asn prepended to the first sequence.
// A PE does it for every route it sends a CE: a well-formed packed path
// (every one the decoder lets in) gets it in place, in one allocation,
// where unpacking and packing again took five.
func (a *Attrs) prependAS(asn uint32) string {
	if p := a.ASPath; wellPacked(p) {
		n := len(p) + 4
		first := len(p) > 0 && p[0] == segSequence && p[1] < 255
		if !first {
			n += 2
		}
		b := make([]byte, 0, n)
		if first {
			b = append(b, segSequence, p[1]+1)
			p = p[2:]
		} else {
			b = append(b, segSequence, 1)
		}
		b = binary.BigEndian.AppendUint32(b, asn)
		return string(append(b, p...))
	}
	segs := a.Segments()
	if len(segs) > 0 && !segs[0].Set && len(segs[0].ASNs) < 255 {
		segs[0].ASNs = append([]uint32{asn}, segs[0].ASNs...)
	} else {
		segs = append([]ASSegment{{ASNs: []uint32{asn}}}, segs...)
	}
	return PackASPath(segs)
}

// ASPathString renders the path as FRR does: "65001 65002 {65003,65004}".
func (a *Attrs) ASPathString() string {
	var parts []string
	for _, s := range a.Segments() {
		nums := make([]string, len(s.ASNs))
		for i, n := range s.ASNs {
			nums[i] = strconv.FormatUint(uint64(n), 10)
		}
		if s.Set {
			parts = append(parts, "{"+strings.Join(nums, ",")+"}")
		} else {
			parts = append(parts, nums...)
		}
	}
	return strings.Join(parts, " ")
}

// ExtCommunityList unpacks the extended communities.
func (a *Attrs) ExtCommunityList() []ExtCommunity {
	out := make([]ExtCommunity, 0, len(a.ExtCommunities)/8)
	for p := a.ExtCommunities; len(p) >= 8; p = p[8:] {
		var e ExtCommunity
		copy(e[:], p[:8])
		out = append(out, e)
	}
	return out
}

// RouteTargets lists the route targets among the extended communities.
func (a *Attrs) RouteTargets() []ExtCommunity {
	var out []ExtCommunity
	for _, e := range a.ExtCommunityList() {
		if e.IsRouteTarget() {
			out = append(out, e)
		}
	}
	return out
}

// PackExtCommunities packs extended communities into Attrs form.
func PackExtCommunities(ecs []ExtCommunity) string {
	b := make([]byte, 0, 8*len(ecs))
	for _, e := range ecs {
		b = append(b, e[:]...)
	}
	return string(b)
}

func packAddrs(addrs []netip.Addr) string {
	b := make([]byte, 0, 4*len(addrs))
	for _, a := range addrs {
		b = append(b, a.AsSlice()...)
	}
	return string(b)
}

func unpackAddrs(s string) []netip.Addr {
	out := make([]netip.Addr, 0, len(s)/4)
	for ; len(s) >= 4; s = s[4:] {
		out = append(out, netip.AddrFrom4([4]byte([]byte(s[:4]))))
	}
	return out
}

// Clusters unpacks the CLUSTER_LIST.
func (a *Attrs) Clusters() []netip.Addr { return unpackAddrs(a.ClusterList) }

func (a *Attrs) hasCluster(id netip.Addr) bool {
	return slices.Contains(a.Clusters(), id)
}

// fromWire fills Attrs from decoded path attributes. MP_REACH/MP_UNREACH
// are the caller's business; the MP next hop is set by the caller. as2
// says the peer is an OLD speaker (as4.go): its AS_PATH and AGGREGATOR
// are completed from AS4_PATH and AS4_AGGREGATOR.
func attrsFromWire(pas []bgp.PathAttributeInterface, as2 bool) (Attrs, error) {
	var a Attrs
	var transitive []byte
	var segs, segs4 []ASSegment
	var agg, agg4 *aggregator
	var aggFlags bgp.BGPAttrFlag
	for _, pa := range pas {
		switch v := pa.(type) {
		case *bgp.PathAttributeOrigin:
			a.Origin = v.Value
		case *bgp.PathAttributeAsPath:
			for _, p := range v.Value {
				segs = append(segs, ASSegment{Set: p.GetType() == segSet, ASNs: p.GetAS()})
			}
		case *bgp.PathAttributeAs4Path:
			for _, p := range v.Value {
				segs4 = append(segs4, ASSegment{Set: p.Type == segSet, ASNs: p.AS})
			}
		case *bgp.PathAttributeAggregator:
			agg, aggFlags = &aggregator{v.Value.AS, v.Value.Address}, v.Flags
		case *bgp.PathAttributeAs4Aggregator:
			agg4 = &aggregator{v.Value.AS, v.Value.Address}
		case *bgp.PathAttributeNextHop:
			a.NextHop = v.Value
		case *bgp.PathAttributeMultiExitDisc:
			a.MED, a.HasMED = v.Value, true
		case *bgp.PathAttributeLocalPref:
			a.LocalPref, a.HasLocalPref = v.Value, true
		case *bgp.PathAttributeAtomicAggregate:
			a.AtomicAggregate = true
		case *bgp.PathAttributeCommunities:
			b := make([]byte, 0, 4*len(v.Value))
			for _, c := range v.Value {
				b = binary.BigEndian.AppendUint32(b, c)
			}
			a.Communities = string(b)
		case *bgp.PathAttributeExtendedCommunities:
			b := make([]byte, 0, 8*len(v.Value))
			for _, ec := range v.Value {
				eb, err := ec.Serialize()
				if err != nil || len(eb) != 8 {
					return Attrs{}, fmt.Errorf("extended community %v: %w", ec, err)
				}
				b = append(b, eb...)
			}
			a.ExtCommunities = string(b)
		case *bgp.PathAttributeOriginatorId:
			a.OriginatorID = v.Value
		case *bgp.PathAttributeClusterList:
			a.ClusterList = packAddrs(v.Value)
		case *bgp.PathAttributeTunnelEncap:
			// The codec discarded a malformed one already (RFC 9012 13);
			// what it decoded is read again by ParseTunnelEncap, which
			// show and the data plane use, and kept only if it agrees.
			if v, ok := tunnelEncapValue(v); ok {
				a.TunnelEncap = v
			}
		case *bgp.PathAttributePmsiTunnel:
			if v, ok := pmsiValue(v); ok {
				a.PMSITunnel = v
			}
		case *bgp.PathAttributeMpReachNLRI, *bgp.PathAttributeMpUnreachNLRI:
		default:
			if pa.GetFlags()&bgp.BGP_ATTR_FLAG_OPTIONAL != 0 && pa.GetFlags()&bgp.BGP_ATTR_FLAG_TRANSITIVE != 0 {
				b, err := pa.Serialize()
				if err != nil {
					return Attrs{}, fmt.Errorf("attribute %v: %w", pa.GetType(), err)
				}
				// Mark it partial: it passed a speaker that did not
				// recognise it (RFC 4271 5).
				b[0] |= byte(bgp.BGP_ATTR_FLAG_PARTIAL)
				transitive = append(transitive, b...)
			}
		}
	}
	// RFC 6793 4.2.3: an AGGREGATOR from an OLD peer naming a real AS
	// means AS4_PATH and AS4_AGGREGATOR are stale; AS_TRANS defers to
	// them. From a NEW peer both AS4 attributes are ignored.
	if as2 && (agg == nil || agg.as == asTrans) {
		if agg != nil && agg4 != nil {
			agg = agg4
		}
		segs = mergeAS4Path(segs, segs4)
	}
	a.ASPath = PackASPath(segs)
	if agg != nil && agg.addr.Is4() {
		transitive = append(transitive, agg.wire4(aggFlags)...)
	}
	a.Transitive = string(transitive)
	return a, nil
}

// toWire builds the path attributes for an UPDATE. For MP families the
// next hop travels only in MP_REACH_NLRI, which the caller adds; nextHop
// is therefore written as NEXT_HOP only for IPv4 unicast. as2 writes
// them for an OLD peer (as4.go).
func (a *Attrs) toWire(f Family, as2 bool) ([]bgp.PathAttributeInterface, error) {
	pas := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(a.Origin)}
	var as4Path *bgp.PathAttributeAs4Path
	if as2 {
		var p *bgp.PathAttributeAsPath
		p, as4Path = as2PathAttrs(a.Segments())
		pas = append(pas, p)
	} else {
		var params []bgp.AsPathParamInterface
		for _, s := range a.Segments() {
			t := uint8(segSequence)
			if s.Set {
				t = segSet
			}
			params = append(params, bgp.NewAs4PathParam(t, s.ASNs))
		}
		pas = append(pas, bgp.NewPathAttributeAsPath(params))
	}
	if f == IPv4Unicast {
		nh, err := bgp.NewPathAttributeNextHop(a.NextHop)
		if err != nil {
			return nil, fmt.Errorf("next hop %v: %w", a.NextHop, err)
		}
		pas = append(pas, nh)
	}
	if a.HasMED {
		pas = append(pas, bgp.NewPathAttributeMultiExitDisc(a.MED))
	}
	if a.HasLocalPref {
		pas = append(pas, bgp.NewPathAttributeLocalPref(a.LocalPref))
	}
	if a.AtomicAggregate {
		pas = append(pas, bgp.NewPathAttributeAtomicAggregate())
	}
	if len(a.Communities) > 0 {
		var cs []uint32
		for p := a.Communities; len(p) >= 4; p = p[4:] {
			cs = append(cs, binary.BigEndian.Uint32([]byte(p[:4])))
		}
		pas = append(pas, bgp.NewPathAttributeCommunities(cs))
	}
	if a.OriginatorID.IsValid() {
		o, err := bgp.NewPathAttributeOriginatorId(a.OriginatorID)
		if err != nil {
			return nil, fmt.Errorf("originator id: %w", err)
		}
		pas = append(pas, o)
	}
	if len(a.ClusterList) > 0 {
		c, err := bgp.NewPathAttributeClusterList(a.Clusters())
		if err != nil {
			return nil, fmt.Errorf("cluster list: %w", err)
		}
		pas = append(pas, c)
	}
	if len(a.ExtCommunities) > 0 {
		var ecs []bgp.ExtendedCommunityInterface
		for _, e := range a.ExtCommunityList() {
			ec, err := bgp.ParseExtended(e[:])
			if err != nil {
				return nil, fmt.Errorf("extended community %x: %w", e[:], err)
			}
			ecs = append(ecs, ec)
		}
		pas = append(pas, bgp.NewPathAttributeExtendedCommunities(ecs))
	}
	if a.TunnelEncap != "" {
		te, err := tunnelEncapAttr(a.TunnelEncap)
		if err != nil {
			return nil, err
		}
		pas = append(pas, te)
	}
	if a.PMSITunnel != "" {
		pa, err := pmsiAttr(a.PMSITunnel)
		if err != nil {
			return nil, err
		}
		pas = append(pas, pa)
	}
	for p := []byte(a.Transitive); len(p) > 0; {
		pa, err := bgp.GetPathAttribute(p)
		if err != nil {
			return nil, fmt.Errorf("transitive attribute: %w", err)
		}
		if err := pa.DecodeFromBytes(p); err != nil {
			return nil, fmt.Errorf("transitive attribute: %w", err)
		}
		if ag, ok := pa.(*bgp.PathAttributeAggregator); ok && as2 {
			pas = append(pas, as2Aggregator(ag)...)
		} else {
			pas = append(pas, pa)
		}
		p = p[pa.Len():]
	}
	if as4Path != nil {
		pas = append(pas, as4Path)
	}
	return pas, nil
}
