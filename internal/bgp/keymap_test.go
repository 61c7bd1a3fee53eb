package bgp

import (
	"net/netip"
	"testing"
)

// Every kind of key the speaker keeps comes back from the map as it went
// in, and keys that differ only in what packing drops stay apart.
func TestKeyMapKeepsEveryKindOfKeyApart(t *testing.T) {
	rd := RD{0, 0, 0xfd, 0xe8, 0, 0, 0, 1}
	keys := []RouteKey{
		{Prefix: netip.MustParsePrefix("10.0.0.0/8")},
		{Prefix: netip.MustParsePrefix("10.0.0.0/9")},
		{Prefix: netip.PrefixFrom(netip.MustParseAddr("10.0.0.1"), 8)}, // host bits kept
		{Prefix: netip.MustParsePrefix("255.255.255.255/32")},
		{RD: rd, Prefix: netip.MustParsePrefix("10.0.0.0/8")},
		{Prefix: netip.MustParsePrefix("0.0.0.0/0")},
		{Prefix: netip.MustParsePrefix("::/0")},
		{Prefix: netip.MustParsePrefix("2001:db8::/32")},
		{Prefix: netip.MustParsePrefix("::ffff:10.0.0.0/104")}, // IPv4-mapped, not IPv4
		{RD: rd, Prefix: netip.MustParsePrefix("2001:db8::/32")},
		{RD: rtcRD, Prefix: netip.MustParsePrefix("10.1.2.3/32")},
		{EVPN: "\x02evpn-key"},
		{RD: rd, EVPN: "\x02evpn-key"},
		{}, // no prefix at all
	}
	var m keyMap[int]
	for i, k := range keys {
		m.set(k, i)
	}
	if m.len() != len(keys) {
		t.Fatalf("len = %d, want %d", m.len(), len(keys))
	}
	for i, k := range keys {
		if v, ok := m.get(k); !ok || v != i {
			t.Errorf("get(%v) = %d, %v; want %d", k, v, ok, i)
		}
	}
	seen := map[RouteKey]int{}
	for k, v := range m.all() {
		seen[k] = v
	}
	for i, k := range keys {
		if v, ok := seen[k]; !ok || v != i {
			t.Errorf("all() gave %v -> %d, %v; want %d", k, v, ok, i)
		}
	}
	for k := range m.all() {
		m.del(k)
	}
	if m.len() != 0 {
		t.Errorf("len after deleting all while iterating = %d", m.len())
	}
}

// A packed key unpacks to a key equal to the one packed, whatever the
// prefix: the tables hand these keys to the rest of the router.
func FuzzPackedKeyRoundTrip(f *testing.F) {
	f.Add([]byte{10, 0, 0, 0}, uint8(8), []byte{0, 1, 0, 0, 0, 0, 0, 2})
	f.Add(netip.MustParseAddr("2001:db8::1").AsSlice(), uint8(64), []byte{})
	f.Add(netip.MustParseAddr("::ffff:1.2.3.4").AsSlice(), uint8(128), []byte{})
	f.Fuzz(func(t *testing.T, addr []byte, bits uint8, rdBytes []byte) {
		a, ok := netip.AddrFromSlice(addr)
		if !ok {
			return
		}
		var rd RD
		copy(rd[:], rdBytes)
		k := RouteKey{RD: rd, Prefix: netip.PrefixFrom(a, int(bits))}
		k4, ok4 := pack4(k)
		if ok4 != (k.Prefix.IsValid() && a.Is4()) {
			t.Fatalf("pack4(%v) ok = %v", k, ok4)
		}
		if ok4 && k4.unpack() != k {
			t.Fatalf("pack4(%v) unpacks to %v", k, k4.unpack())
		}
		pk, ok := pack(k)
		if ok != k.Prefix.IsValid() {
			t.Fatalf("pack(%v) ok = %v", k, ok)
		}
		if ok && pk.unpack() != k {
			t.Fatalf("pack(%v) unpacks to %v", k, pk.unpack())
		}
	})
}
