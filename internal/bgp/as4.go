package bgp

import (
	"encoding/binary"
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Peering with OLD speakers: those that do not advertise the 4-octet AS
// capability (RFC 6793), such as bagpipe-bgp. Inside the speaker every
// AS_PATH and AGGREGATOR is in 4-octet form; only the wire to an OLD
// peer differs:
//
//   - outbound, AS_PATH carries 2-octet ASNs, AS_TRANS (23456) standing
//     for each ASN above 65535, and AS4_PATH the real path when any was
//     replaced; AGGREGATOR likewise with AS4_AGGREGATOR (RFC 6793 4.2.2);
//   - inbound, AS_PATH is decoded as 2-octet and the real path is rebuilt
//     from AS_PATH and AS4_PATH (RFC 6793 4.2.3).
//
// AS4_PATH and AS4_AGGREGATOR from a NEW speaker mean nothing and are
// dropped (RFC 6793 4.1), as they never travel between NEW speakers.

// asTrans is the 2-octet stand-in for a 4-octet ASN (RFC 6793 9).
const asTrans = bgp.AS_TRANS

// wireOptions is the codec's option for a session with an OLD peer.
func wireOptions(as2 bool) []*bgp.MarshallingOption {
	if !as2 {
		return nil
	}
	return []*bgp.MarshallingOption{{Use2ByteAS: true}}
}

// pathCount is the number of ASes RFC 6793 4.2.3 compares: each ASN of
// a sequence one, a set one.
func pathCount(segs []ASSegment) int {
	n := 0
	for _, s := range segs {
		if s.Set {
			n++
		} else {
			n += len(s.ASNs)
		}
	}
	return n
}

// mergeAS4Path rebuilds the real path of an UPDATE from an OLD peer: the
// leading ASes of AS_PATH that AS4_PATH does not cover (added by OLD
// speakers since it was made), then AS4_PATH. An AS4_PATH longer than
// AS_PATH is ignored, as RFC 6793 4.2.3 says.
func mergeAS4Path(asPath, as4Path []ASSegment) []ASSegment {
	need := pathCount(asPath) - pathCount(as4Path)
	if len(as4Path) == 0 || need < 0 {
		return asPath
	}
	var out []ASSegment
	for _, s := range asPath {
		if need == 0 {
			break
		}
		if s.Set {
			out = append(out, s)
			need--
			continue
		}
		k := min(need, len(s.ASNs))
		out = append(out, ASSegment{ASNs: s.ASNs[:k]})
		need -= k
	}
	for _, s := range as4Path {
		if last := len(out) - 1; last >= 0 && !s.Set && !out[last].Set {
			out[last].ASNs = append(append([]uint32(nil), out[last].ASNs...), s.ASNs...)
			continue
		}
		out = append(out, s)
	}
	return out
}

// as2PathAttrs is the AS_PATH for an OLD peer and, when it had to hide
// an ASN behind AS_TRANS, the AS4_PATH that carries the real path.
func as2PathAttrs(segs []ASSegment) (*bgp.PathAttributeAsPath, *bgp.PathAttributeAs4Path) {
	var params []bgp.AsPathParamInterface
	var params4 []*bgp.As4PathParam
	hidden := false
	for _, s := range segs {
		t := uint8(segSequence)
		if s.Set {
			t = segSet
		}
		short := make([]uint16, len(s.ASNs))
		for i, a := range s.ASNs {
			if a > 0xffff {
				short[i], hidden = asTrans, true
			} else {
				short[i] = uint16(a)
			}
		}
		params = append(params, bgp.NewAsPathParam(t, short))
		params4 = append(params4, bgp.NewAs4PathParam(t, s.ASNs))
	}
	if !hidden {
		return bgp.NewPathAttributeAsPath(params), nil
	}
	return bgp.NewPathAttributeAsPath(params), bgp.NewPathAttributeAs4Path(params4)
}

// aggregator is AGGREGATOR's content.
type aggregator struct {
	as   uint32
	addr netip.Addr
}

// wire4 is the 4-octet AGGREGATOR the speaker keeps in Attrs.Transitive,
// flagged as the peer sent it.
func (g aggregator) wire4(flags bgp.BGPAttrFlag) []byte {
	b := []byte{byte(flags &^ bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH), byte(bgp.BGP_ATTR_TYPE_AGGREGATOR), 8}
	b = binary.BigEndian.AppendUint32(b, g.as)
	a := g.addr.As4()
	return append(b, a[:]...)
}

// as2Aggregator is AGGREGATOR for an OLD peer, with AS4_AGGREGATOR when
// the aggregating AS does not fit in two octets.
func as2Aggregator(pa *bgp.PathAttributeAggregator) []bgp.PathAttributeInterface {
	as := pa.Value.AS
	short := uint16(as)
	if as > 0xffff {
		short = asTrans
	}
	out, err := bgp.NewPathAttributeAggregator(short, pa.Value.Address)
	if err != nil {
		return nil // no IPv4 address: dropped, as an optional attribute may be
	}
	out.Flags = pa.Flags &^ bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH
	if as <= 0xffff {
		return []bgp.PathAttributeInterface{out}
	}
	as4, err := bgp.NewPathAttributeAs4Aggregator(as, pa.Value.Address)
	if err != nil {
		return []bgp.PathAttributeInterface{out}
	}
	return []bgp.PathAttributeInterface{out, as4}
}
