package bgp

import (
	"encoding/binary"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// The direct writer: the other half of update_fast.go. For the families
// and attributes the reader takes, UPDATEs are written straight from
// keys and Attrs into one buffer each, byte for byte what GoBGP's codec
// would write (TestTheFastWriterWritesWhatTheCodecWrites); anything else,
// and every UPDATE for an OLD (2-octet) peer, is left to the codec.

// fastOut: the families the writer takes.
func fastOut(f Family) bool { return f == IPv4Unicast || f == IPv4LabeledUnicast || f == VPNv4 }

// appendAttrsFast appends a's attributes in toWire's order, MP_REACH
// aside, or reports false if a holds one the writer leaves to the codec.
func appendAttrsFast(b []byte, a *Attrs, f Family) ([]byte, bool) {
	if a.TunnelEncap != "" || a.PMSITunnel != "" || a.Transitive != "" || a.EVPNNonKey != "" || !a.NextHop.Is4() {
		return b, false
	}
	for p := a.ExtCommunities; len(p) >= 8; p = p[8:] {
		var e [8]byte
		copy(e[:], p)
		if !fastExtCommunity(e) {
			return b, false
		}
	}
	b = append(appendAttrHeader(b, flagWellKnown, bgp.BGP_ATTR_TYPE_ORIGIN, 1), a.Origin)
	b = appendAttrString(b, flagWellKnown, bgp.BGP_ATTR_TYPE_AS_PATH, a.ASPath)
	if f == IPv4Unicast {
		nh := a.NextHop.As4()
		b = append(appendAttrHeader(b, flagWellKnown, bgp.BGP_ATTR_TYPE_NEXT_HOP, 4), nh[:]...)
	}
	if a.HasMED {
		b = binary.BigEndian.AppendUint32(appendAttrHeader(b, flagOptional, bgp.BGP_ATTR_TYPE_MULTI_EXIT_DISC, 4), a.MED)
	}
	if a.HasLocalPref {
		b = binary.BigEndian.AppendUint32(appendAttrHeader(b, flagWellKnown, bgp.BGP_ATTR_TYPE_LOCAL_PREF, 4), a.LocalPref)
	}
	if a.AtomicAggregate {
		b = appendAttrHeader(b, flagWellKnown, bgp.BGP_ATTR_TYPE_ATOMIC_AGGREGATE, 0)
	}
	if a.Communities != "" {
		b = appendAttrString(b, flagOptionalTr, bgp.BGP_ATTR_TYPE_COMMUNITIES, a.Communities)
	}
	if a.OriginatorID.IsValid() {
		id := a.OriginatorID.As4()
		b = append(appendAttrHeader(b, flagOptional, bgp.BGP_ATTR_TYPE_ORIGINATOR_ID, 4), id[:]...)
	}
	if a.ClusterList != "" {
		b = appendAttrString(b, flagOptional, bgp.BGP_ATTR_TYPE_CLUSTER_LIST, a.ClusterList)
	}
	if a.ExtCommunities != "" {
		b = appendAttrString(b, flagOptionalTr, bgp.BGP_ATTR_TYPE_EXTENDED_COMMUNITIES, a.ExtCommunities)
	}
	return b, true
}

// appendAttrString appends an attribute whose value is packed in v.
func appendAttrString(b []byte, flags byte, typ bgp.BGPAttrType, v string) []byte {
	return append(appendAttrHeader(b, flags, typ, len(v)), v...)
}

// appendAttrHeader writes flags, type and length, the length in two
// octets when it needs them (RFC 4271 4.3), as the codec does.
func appendAttrHeader(b []byte, flags byte, typ bgp.BGPAttrType, l int) []byte {
	if l > 255 {
		return append(b, flags|flagExtendedLen, byte(typ), byte(l>>8), byte(l))
	}
	return append(b, flags, byte(typ), byte(l))
}

// appendNLRIFast appends one route's NLRI in family f.
func appendNLRIFast(b []byte, f Family, r outRoute) []byte {
	bits := r.key.Prefix.Bits()
	if f != IPv4Unicast {
		bits += 24
	}
	if f == VPNv4 {
		bits += 64
	}
	b = append(b, byte(bits))
	if f != IPv4Unicast {
		if r.label == 0x800000 { // the withdrawal label, as the codec writes it
			b = append(b, 0x80, 0, 0)
		} else {
			l := r.label << 4
			b = append(b, byte(l>>16), byte(l>>8), byte(l)|1)
		}
	}
	if f == VPNv4 {
		b = append(b, r.key.RD[:]...)
	}
	a := r.key.Prefix.Addr().As4()
	return append(b, a[:(r.key.Prefix.Bits()+7)/8]...)
}

// eachChunk calls each with runs of rs that fit in room octets of NLRI,
// as encodeUpdatesFor's chunks does.
func eachChunk(rs []outRoute, f Family, room int, each func([]outRoute)) {
	start, used := 0, 0
	for i, r := range rs {
		sz := r.size(f)
		if used+sz > room && i > start {
			each(rs[start:i])
			start, used = i, 0
		}
		used += sz
	}
	if start < len(rs) {
		each(rs[start:])
	}
}

// startUpdate begins an UPDATE in a buffer of the given capacity.
func startUpdate(capacity int) []byte {
	b := make([]byte, headerLen, capacity)
	for i := range 16 {
		b[i] = 0xff
	}
	b[18] = bgp.BGP_MSG_UPDATE
	return b
}

// endUpdate fills in the UPDATE's length.
func endUpdate(b []byte) []byte {
	binary.BigEndian.PutUint16(b[16:18], uint16(len(b)))
	return b
}

// appendWithdrawalsFast appends the UPDATEs withdrawing wd in family f.
func appendWithdrawalsFast(out [][]byte, f Family, wd []outRoute) [][]byte {
	eachChunk(wd, f, updateRoom, func(rs []outRoute) {
		n := 0
		for _, r := range rs {
			n += r.size(f)
		}
		b := startUpdate(headerLen + 4 + 7 + n)
		if f == IPv4Unicast {
			b = binary.BigEndian.AppendUint16(b, uint16(n))
			for _, r := range rs {
				b = appendNLRIFast(b, f, r)
			}
			out = append(out, endUpdate(binary.BigEndian.AppendUint16(b, 0)))
			return
		}
		b = append(b, 0, 0) // no IPv4 withdrawals
		hl := 3
		if 3+n > 255 {
			hl = 4
		}
		b = binary.BigEndian.AppendUint16(b, uint16(hl+3+n))
		b = appendAttrHeader(b, flagOptional, bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI, 3+n)
		b = appendAFISAFI(b, f)
		for _, r := range rs {
			b = appendNLRIFast(b, f, r)
		}
		out = append(out, endUpdate(b))
	})
	return out
}

func appendAFISAFI(b []byte, f Family) []byte {
	w := f.wire()
	return append(binary.BigEndian.AppendUint16(b, w.Afi()), w.Safi())
}

// appendAnnouncementsFast appends the UPDATEs announcing rs with a's
// attributes, attrs their encoding from appendAttrsFast.
func appendAnnouncementsFast(out [][]byte, f Family, a *Attrs, attrs []byte, rs []outRoute) [][]byte {
	eachChunk(rs, f, updateRoom-len(attrs), func(rs []outRoute) {
		n := 0
		for _, r := range rs {
			n += r.size(f)
		}
		if f == IPv4Unicast {
			b := startUpdate(headerLen + 4 + len(attrs) + n)
			b = append(b, 0, 0)
			b = binary.BigEndian.AppendUint16(b, uint16(len(attrs)))
			b = append(b, attrs...)
			for _, r := range rs {
				b = appendNLRIFast(b, f, r)
			}
			out = append(out, endUpdate(b))
			return
		}
		nhLen := 4
		if f == VPNv4 {
			nhLen = 12 // a zero RD before the address (RFC 4364 4.3.2)
		}
		mpLen := 3 + 1 + nhLen + 1 + n
		hl := 3
		if mpLen > 255 {
			hl = 4
		}
		b := startUpdate(headerLen + 4 + hl + mpLen + len(attrs))
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(hl+mpLen+len(attrs)))
		b = appendAttrHeader(b, flagOptional, bgp.BGP_ATTR_TYPE_MP_REACH_NLRI, mpLen)
		b = appendAFISAFI(b, f)
		b = append(b, byte(nhLen))
		if f == VPNv4 {
			b = append(b, 0, 0, 0, 0, 0, 0, 0, 0)
		}
		nh := a.NextHop.As4()
		b = append(b, nh[:]...)
		b = append(b, 0) // reserved
		for _, r := range rs {
			b = appendNLRIFast(b, f, r)
		}
		out = append(out, endUpdate(append(b, attrs...)))
	})
	return out
}
