package bgp

import (
	"encoding/binary"
	"iter"
	"net/netip"
)

// keyMap is a map by RouteKey for the speaker's large tables (Loc-RIB
// destinations, each update group's Adj-RIB-Out and dirty set), which a
// 1,000-router lab fills with a million keys. A RouteKey is 56 bytes, its
// prefix holding a pointer (the address's zone) and its EVPN key a
// string: every slot was 64 bytes or more and every lookup hashed a
// string. A key with no EVPN part and a valid prefix, all but EVPN's, is
// kept packed with no pointer: an IPv4 one (most of a lab's) in 16
// bytes, another in 26; the others as they are. The zero keyMap is
// empty and ready to use.
type keyMap[V any] struct {
	v4     map[key4]V      // IPv4 prefixes, with their RD or the zero one: 16 bytes
	packed map[packedKey]V // the other prefixes: 26 bytes
	other  map[RouteKey]V  // EVPN keys, and keys without a prefix
}

// key4 is a RouteKey of an IPv4 prefix: its RD, and its prefix's address
// and length in one word.
type key4 struct {
	rd, prefix uint64
}

func pack4(k RouteKey) (key4, bool) {
	a := k.Prefix.Addr()
	if k.EVPN != "" || !k.Prefix.IsValid() || !a.Is4() {
		return key4{}, false
	}
	b := a.As4()
	return key4{rd: binary.BigEndian.Uint64(k.RD[:]), prefix: uint64(binary.BigEndian.Uint32(b[:]))<<8 | uint64(k.Prefix.Bits())}, true
}

func (k key4) unpack() RouteKey {
	var rk RouteKey
	binary.BigEndian.PutUint64(rk.RD[:], k.rd)
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], uint32(k.prefix>>8))
	rk.Prefix = netip.PrefixFrom(netip.AddrFrom4(a), int(k.prefix&0xff))
	return rk
}

// packedKey is a RouteKey without an EVPN part: its RD, its prefix's
// address (IPv4 in the first four bytes unless is6) and length.
type packedKey struct {
	rd   RD
	addr [16]byte
	bits uint8
	is6  bool
}

func pack(k RouteKey) (packedKey, bool) {
	if k.EVPN != "" || !k.Prefix.IsValid() {
		return packedKey{}, false
	}
	a := k.Prefix.Addr()
	pk := packedKey{rd: k.RD, bits: uint8(k.Prefix.Bits()), is6: a.Is6()}
	if pk.is6 {
		pk.addr = a.As16()
	} else {
		b := a.As4()
		copy(pk.addr[:], b[:])
	}
	return pk, true
}

func (pk *packedKey) unpack() RouteKey {
	a := netip.AddrFrom16(pk.addr)
	if !pk.is6 {
		a = netip.AddrFrom4([4]byte(pk.addr[:4]))
	}
	return RouteKey{RD: pk.rd, Prefix: netip.PrefixFrom(a, int(pk.bits))}
}

func (m *keyMap[V]) get(k RouteKey) (V, bool) {
	if k4, ok := pack4(k); ok {
		v, ok := m.v4[k4]
		return v, ok
	}
	if pk, ok := pack(k); ok {
		v, ok := m.packed[pk]
		return v, ok
	}
	v, ok := m.other[k]
	return v, ok
}

// at is get without the second result.
func (m *keyMap[V]) at(k RouteKey) V {
	v, _ := m.get(k)
	return v
}

func (m *keyMap[V]) set(k RouteKey, v V) {
	if k4, ok := pack4(k); ok {
		if m.v4 == nil {
			m.v4 = map[key4]V{}
		}
		m.v4[k4] = v
		return
	}
	if pk, ok := pack(k); ok {
		if m.packed == nil {
			m.packed = map[packedKey]V{}
		}
		m.packed[pk] = v
		return
	}
	if m.other == nil {
		m.other = map[RouteKey]V{}
	}
	m.other[k] = v
}

func (m *keyMap[V]) del(k RouteKey) {
	if k4, ok := pack4(k); ok {
		delete(m.v4, k4)
		return
	}
	if pk, ok := pack(k); ok {
		delete(m.packed, pk)
		return
	}
	delete(m.other, k)
}

func (m *keyMap[V]) len() int { return len(m.v4) + len(m.packed) + len(m.other) }

// all yields every key and value, in no order; the loop may delete the
// key it is given.
func (m *keyMap[V]) all() iter.Seq2[RouteKey, V] {
	return func(yield func(RouteKey, V) bool) {
		for k4, v := range m.v4 {
			if !yield(k4.unpack(), v) {
				return
			}
		}
		for pk, v := range m.packed {
			if !yield(pk.unpack(), v) {
				return
			}
		}
		for k, v := range m.other {
			if !yield(k, v) {
				return
			}
		}
	}
}
