package l3vpn

import (
	"encoding/binary"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
)

// rdIndex is the RDs under which the global speaker holds a learned
// VPNv4 best path, by IPv4 prefix: what sync by difference needs to
// choose a prefix's import again. Most prefixes have one RD, kept in a
// map of 16-byte entries; the others' further RDs are in more.
type rdIndex struct {
	one  map[uint64]bgp.RD
	more map[uint64][]bgp.RD
}

func newRDIndex(size int) *rdIndex {
	return &rdIndex{one: make(map[uint64]bgp.RD, size), more: map[uint64][]bgp.RD{}}
}

// v4Key packs an IPv4 prefix into 40 bits; false for any other.
func v4Key(p netip.Prefix) (uint64, bool) {
	if !p.Addr().Is4() {
		return 0, false
	}
	a := p.Addr().As4()
	return uint64(binary.BigEndian.Uint32(a[:]))<<8 | uint64(p.Bits()), true
}

// add records rd for p.
func (x *rdIndex) add(p netip.Prefix, rd bgp.RD) {
	k, ok := v4Key(p)
	if !ok {
		return
	}
	switch first, has := x.one[k]; {
	case !has:
		x.one[k] = rd
	case first != rd && !slices.Contains(x.more[k], rd):
		x.more[k] = append(x.more[k], rd)
	}
}

// remove forgets rd for p.
func (x *rdIndex) remove(p netip.Prefix, rd bgp.RD) {
	k, ok := v4Key(p)
	if !ok {
		return
	}
	first, has := x.one[k]
	if !has {
		return
	}
	more := x.more[k]
	if first == rd {
		if len(more) == 0 {
			delete(x.one, k)
			return
		}
		x.one[k], more = more[len(more)-1], more[:len(more)-1]
	} else if i := slices.Index(more, rd); i >= 0 {
		more = slices.Delete(more, i, i+1)
	}
	if len(more) == 0 {
		delete(x.more, k)
	} else {
		x.more[k] = more
	}
}

// rds appends p's RDs to buf.
func (x *rdIndex) rds(p netip.Prefix, buf []bgp.RD) []bgp.RD {
	k, ok := v4Key(p)
	if !ok {
		return buf
	}
	first, has := x.one[k]
	if !has {
		return buf
	}
	return append(append(buf, first), x.more[k]...)
}
