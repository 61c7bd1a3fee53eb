package router

import (
	"encoding/binary"
	"net/netip"
	"slices"
)

// nexthopSets shares equal nexthop lists among the routes one call of
// ReplaceRoutes or UpdateRoutes stores: an IGP's routes mostly leave by
// the same neighbour with the same backup, a CE's all by its PE, a VPN's
// by the same PE with the same label. The RIB's copy of a route is never
// changed, so routes may share one; sharing only within a call keeps
// nothing alive that no route holds.
type nexthopSets struct {
	// first is the first list stored: compared as it is, without a key,
	// since most calls store one route, or routes that all leave the
	// same way. m holds the others by key, once there are others.
	first []Nexthop
	key   []byte
	m     map[string][]Nexthop
}

// share returns the RIB's own copy of nhs: one already made in this call
// if an equal list was, else a new one.
func (s *nexthopSets) share(nhs []Nexthop) []Nexthop {
	if len(nhs) == 0 {
		return nil
	}
	if s.first == nil {
		s.first = cloneNexthops(nhs)
		return s.first
	}
	if slices.EqualFunc(nhs, s.first, sameNexthop) {
		return s.first
	}
	s.key = s.key[:0]
	for i := range nhs {
		s.key = appendNexthopKey(s.key, &nhs[i])
	}
	if got, ok := s.m[string(s.key)]; ok {
		return got
	}
	cp := cloneNexthops(nhs)
	if s.m == nil {
		s.m = map[string][]Nexthop{}
	}
	s.m[string(s.key)] = cp
	return cp
}

// cloneNexthops copies nhs and their labels (a backup is shared, as the
// protocol gave it).
func cloneNexthops(nhs []Nexthop) []Nexthop {
	cp := make([]Nexthop, len(nhs))
	copy(cp, nhs)
	for i := range cp {
		if len(cp[i].Labels) > 0 {
			cp[i].Labels = append([]uint32(nil), cp[i].Labels...)
		}
	}
	return cp
}

// appendNexthopKey appends an encoding of nh (every field sameNexthop
// compares, its backup's too) that equal nexthops, and only they, share.
func appendNexthopKey(b []byte, nh *Nexthop) []byte {
	b = appendAddrKey(b, nh.Addr)
	b = binary.AppendUvarint(b, uint64(len(nh.Iface)))
	b = append(b, nh.Iface...)
	b = binary.AppendUvarint(b, uint64(len(nh.Labels)))
	for _, l := range nh.Labels {
		b = binary.BigEndian.AppendUint32(b, l)
	}
	b = appendAddrKey(b, nh.Remote)
	if t := nh.Tunnel; t != nil {
		b = append(b, 1, byte(t.Encap))
		b = appendAddrKey(b, t.Src)
		if t.UnlessLSP {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	} else {
		b = append(b, 0)
	}
	if nh.Backup != nil {
		return appendNexthopKey(append(b, 1), nh.Backup)
	}
	return append(b, 0)
}

// appendAddrKey appends a, length first (zero, IPv4, IPv6 and a zone
// encode to different lengths).
func appendAddrKey(b []byte, a netip.Addr) []byte {
	n := len(b)
	b = append(b, 0)
	b, _ = a.AppendBinary(b)
	b[n] = byte(len(b) - n - 1)
	return b
}
