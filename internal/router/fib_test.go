package router

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

// randomPrefixes returns n distinct prefixes, clustered under a few /8s
// so that they nest, with /0 and some /32s among them.
func randomPrefixes(rng *rand.Rand, n int) []netip.Prefix {
	seen := map[netip.Prefix]bool{}
	out := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	seen[out[0]] = true
	for len(out) < n {
		a := rng.Uint32()&0x03ffffff | uint32(rng.IntN(4)+10)<<24
		bits := 8 + rng.IntN(25)
		p, _ := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}).Prefix(bits)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func fibOf(ps []netip.Prefix) *fib {
	entries := make([]fibEntry, len(ps))
	for i, p := range ps {
		entries[i] = fibEntry{prefix: p}
	}
	return buildFIB(entries)
}

// naive is the reference: the longest prefix holding a.
func naive(ps []netip.Prefix, a netip.Addr) netip.Prefix {
	var best netip.Prefix
	for _, p := range ps {
		if p.Contains(a) && (!best.IsValid() || p.Bits() > best.Bits()) {
			best = p
		}
	}
	return best
}

func TestFIBLongestPrefixMatch(t *testing.T) {
	for _, n := range []int{1, 3, 100, 1200} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		ps := randomPrefixes(rng, n)
		if n == 1 {
			ps = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} // no default: misses
		}
		f := fibOf(ps)
		if (f.index != nil) != (len(f.starts) > indexThreshold) {
			t.Errorf("n=%d: index %v with %d ranges", n, f.index != nil, len(f.starts))
		}
		check := func(a netip.Addr) {
			want := naive(ps, a)
			e := f.lookupAddr(a)
			switch {
			case e == nil && want.IsValid():
				t.Fatalf("n=%d: %v: no match, want %v", n, a, want)
			case e != nil && e.prefix != want:
				t.Fatalf("n=%d: %v: %v, want %v", n, a, e.prefix, want)
			}
		}
		for range 5000 {
			u := rng.Uint32()
			if rng.IntN(2) == 0 {
				u = u&0x03ffffff | uint32(rng.IntN(4)+10)<<24
			}
			check(netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}))
		}
		// Every prefix's edges.
		for _, p := range ps {
			lo, hi := lo32(p), hi32(p)
			for _, u := range []uint32{lo, hi, lo - 1, hi + 1} {
				check(netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}))
			}
		}
	}
}

func TestFIBEmpty(t *testing.T) {
	f := fibOf(nil)
	if f.lookupAddr(ip("1.2.3.4")) != nil {
		t.Error("empty FIB matched")
	}
	var none *fib
	if none.lookup(1) != nil {
		t.Error("nil FIB matched")
	}
	full := fibOf([]netip.Prefix{pfx("255.255.255.255/32"), pfx("0.0.0.0/32")})
	if e := full.lookupAddr(ip("255.255.255.255")); e == nil || e.prefix.Bits() != 32 {
		t.Error("top address")
	}
	if e := full.lookupAddr(ip("0.0.0.0")); e == nil || full.lookupAddr(ip("0.0.0.1")) != nil {
		t.Error("bottom address")
	}
}

func TestLFIBLookup(t *testing.T) {
	for _, n := range []int{0, 1, 5, 1000} {
		var entries []lfibEntry
		want := map[uint32]bool{}
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		for len(entries) < n {
			l := uint32(rng.IntN(1 << 20))
			if !want[l] {
				want[l] = true
				entries = append(entries, lfibEntry{label: l})
			}
		}
		t0 := buildLFIB(entries)
		for l := range want {
			if e := t0.lookup(l); e == nil || e.label != l {
				t.Fatalf("n=%d: label %d: %v", n, l, e)
			}
		}
		for range 10000 {
			l := uint32(rng.IntN(1 << 20))
			if e := t0.lookup(l); (e != nil) != want[l] {
				t.Fatalf("n=%d: label %d found=%v", n, l, e != nil)
			}
		}
	}
}
