package router

import (
	"net/netip"
	"testing"
)

// TestPrefixMapKeepsEveryKindOfPrefixApart: IPv4 prefixes of every
// length, the same address at two lengths, IPv6 and IPv4-mapped IPv6
// prefixes, and a zoned address all come back as they went in, and one
// never answers for another.
func TestPrefixMapKeepsEveryKindOfPrefixApart(t *testing.T) {
	var m prefixMap[int]
	ps := []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/9"),
		netip.MustParsePrefix("255.255.255.255/32"), netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("::/0"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("::ffff:10.0.0.0/104"),
		netip.PrefixFrom(netip.MustParseAddr("fe80::1%eth0"), 128),
	}
	for i, p := range ps {
		m.set(p, i)
	}
	if m.len() != len(ps) {
		t.Fatalf("len %d, want %d", m.len(), len(ps))
	}
	for i, p := range ps {
		if v, ok := m.get(p); !ok || v != i {
			t.Errorf("%v: %d %v, want %d", p, v, ok, i)
		}
	}
	seen := map[netip.Prefix]int{}
	for p, v := range m.all() {
		seen[p] = v
	}
	for i, p := range ps {
		if seen[p] != i {
			t.Errorf("all: %v gave %d, want %d", p, seen[p], i)
		}
	}
	m.del(ps[1])
	if _, ok := m.get(ps[1]); ok || m.at(ps[2]) != 2 || m.len() != len(ps)-1 {
		t.Errorf("after deleting %v: %v still there or %v lost", ps[1], ps[1], ps[2])
	}
	if _, ok := m.get(netip.Prefix{}); ok {
		t.Error("the invalid prefix found")
	}
}
