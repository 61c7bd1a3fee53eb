package l3vpn

import (
	"encoding/binary"
	"hash/maphash"
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// routesDigest stands for a set of routes sync gave the RIB: their count
// and the sum of a 64-bit hash of each, over every field the RIB compares
// (prefix, metric, info, and each next hop's address, interface, labels
// and tunnel, in order). A sum, so that the order the routes come in
// does not matter (sync takes them from Loc-RIB maps). Two different
// sets share a digest with odds of 2^-64, against a copy of every route
// a PE has to compare with.
type routesDigest struct {
	sum uint64
	n   int
}

var digestSeed = maphash.MakeSeed()

// digestRoutes is the digest of routes; no routes digest to the zero
// value, as nothing installed yet.
func digestRoutes(routes []router.Route) routesDigest {
	if len(routes) == 0 {
		return routesDigest{}
	}
	var h maphash.Hash
	h.SetSeed(digestSeed)
	var b []byte
	var sum uint64
	for i := range routes {
		r := &routes[i]
		b = appendAddr(b[:0], r.Prefix.Addr())
		b = append(b, byte(r.Prefix.Bits()))
		b = binary.BigEndian.AppendUint32(b, r.Metric)
		b = appendString(b, r.Info)
		b = binary.BigEndian.AppendUint32(b, uint32(len(r.Nexthops)))
		for j := range r.Nexthops {
			nh := &r.Nexthops[j]
			b = appendAddr(b, nh.Addr)
			b = appendString(b, nh.Iface)
			b = binary.BigEndian.AppendUint32(b, uint32(len(nh.Labels)))
			for _, l := range nh.Labels {
				b = binary.BigEndian.AppendUint32(b, l)
			}
			if t := nh.Tunnel; t != nil {
				b = append(b, 1, byte(t.Encap))
				b = appendAddr(b, t.Src)
				b = append(b, boolByte(t.UnlessLSP))
			} else {
				b = append(b, 0)
			}
		}
		h.Reset()
		h.Write(b)
		sum += h.Sum64()
	}
	return routesDigest{sum: sum, n: len(routes)}
}

// appendAddr appends a's bytes, length-prefixed (so that the invalid
// address, IPv4 and IPv6 differ), and its zone.
func appendAddr(b []byte, a netip.Addr) []byte {
	switch {
	case !a.IsValid():
		b = append(b, 0)
	case a.Is4():
		x := a.As4()
		b = append(append(b, 4), x[:]...)
	default:
		x := a.As16()
		b = append(append(b, 16), x[:]...)
	}
	return appendString(b, a.Zone())
}

// appendString appends s length-prefixed.
func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}
