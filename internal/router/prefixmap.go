package router

import (
	"iter"
	"net/netip"
)

// prefixMap is a map by prefix for the RIB's per-prefix tables, which a
// 1,000-router lab fills with a million keys. A netip.Prefix key is 32
// bytes holding a pointer (the address's zone), so every slot was 40
// bytes that the garbage collector scans, and every lookup hashed 32
// bytes. An IPv4 prefix is kept packed in a uint64 (address and length);
// the others as they are. The zero prefixMap is empty and ready to use.
type prefixMap[V any] struct {
	v4    map[uint64]V
	other map[netip.Prefix]V
}

// makePrefixMap returns a prefixMap with room for n IPv4 prefixes.
func makePrefixMap[V any](n int) prefixMap[V] {
	return prefixMap[V]{v4: make(map[uint64]V, n)}
}

// pack4 packs an IPv4 prefix; an IPv4-mapped IPv6 one is not IPv4.
func pack4(p netip.Prefix) (uint64, bool) {
	a := p.Addr()
	if !a.Is4() || !p.IsValid() {
		return 0, false
	}
	b := a.As4()
	return uint64(b[0])<<32 | uint64(b[1])<<24 | uint64(b[2])<<16 | uint64(b[3])<<8 | uint64(p.Bits()), true
}

func unpack4(k uint64) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(k >> 32), byte(k >> 24), byte(k >> 16), byte(k >> 8)}), int(k&0xff))
}

func (m *prefixMap[V]) get(p netip.Prefix) (V, bool) {
	if k, ok := pack4(p); ok {
		v, ok := m.v4[k]
		return v, ok
	}
	v, ok := m.other[p]
	return v, ok
}

// at is get without the second result.
func (m *prefixMap[V]) at(p netip.Prefix) V {
	v, _ := m.get(p)
	return v
}

func (m *prefixMap[V]) set(p netip.Prefix, v V) {
	if k, ok := pack4(p); ok {
		if m.v4 == nil {
			m.v4 = map[uint64]V{}
		}
		m.v4[k] = v
		return
	}
	if m.other == nil {
		m.other = map[netip.Prefix]V{}
	}
	m.other[p] = v
}

func (m *prefixMap[V]) del(p netip.Prefix) {
	if k, ok := pack4(p); ok {
		delete(m.v4, k)
		return
	}
	delete(m.other, p)
}

func (m *prefixMap[V]) len() int { return len(m.v4) + len(m.other) }

// all yields every prefix and its value, in no order.
func (m *prefixMap[V]) all() iter.Seq2[netip.Prefix, V] {
	return func(yield func(netip.Prefix, V) bool) {
		for k, v := range m.v4 {
			if !yield(unpack4(k), v) {
				return
			}
		}
		for p, v := range m.other {
			if !yield(p, v) {
				return
			}
		}
	}
}

// values yields every value, in no order.
func (m *prefixMap[V]) values() iter.Seq[V] {
	return func(yield func(V) bool) {
		for _, v := range m.v4 {
			if !yield(v) {
				return
			}
		}
		for _, v := range m.other {
			if !yield(v) {
				return
			}
		}
	}
}
