package router

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"slices"
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
	entries := make([]*candidate, len(ps))
	for i, p := range ps {
		entries[i] = routeTo(p)
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
		if split := f.root.kids != nil; split != (len(ps) > leafMax) {
			t.Errorf("n=%d: root split %v", n, split)
		}
		if indexed := f.root.index != nil; n == 100 && !indexed {
			t.Errorf("n=%d: a leaf of %d ranges has no index", n, len(f.root.starts))
		}
		check := func(a netip.Addr) {
			want := naive(ps, a)
			e := f.lookupAddr(a)
			switch {
			case e == nil && want.IsValid():
				t.Fatalf("n=%d: %v: no match, want %v", n, a, want)
			case e != nil && e.route.Prefix != want:
				t.Fatalf("n=%d: %v: %v, want %v", n, a, e.route.Prefix, want)
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

// TestFIBUpdate changes a table prefix by prefix, as the RIB manager
// does, and checks every step against the reference and against the
// table it came from, which must stay as it was.
func TestFIBUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	ps := randomPrefixes(rng, 3000)
	live := map[netip.Prefix]bool{}
	for _, p := range ps[:1500] {
		live[p] = true
	}
	list := func() []netip.Prefix {
		var out []netip.Prefix
		for p := range live {
			out = append(out, p)
		}
		return out
	}
	f := fibOf(list())
	addrs := make([]netip.Addr, 0, 60)
	for range 60 {
		u := rng.Uint32()&0x03ffffff | uint32(rng.IntN(4)+10)<<24
		addrs = append(addrs, netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)}))
	}
	for step := range 40 {
		before, beforeList := f, list()
		var changes []fibChange
		for range 1 + rng.IntN(20) {
			p := ps[rng.IntN(len(ps))]
			if step == 20 {
				p = ps[0] // the default route: every leaf
			}
			if slices.ContainsFunc(changes, func(c fibChange) bool { return c.prefix == p }) {
				continue
			}
			if live[p] {
				delete(live, p)
				changes = append(changes, fibChange{prefix: p})
			} else {
				live[p] = true
				changes = append(changes, fibChange{prefix: p, entry: routeTo(p)})
			}
		}
		f = f.update(changes)
		now := list()
		probe := slices.Clone(addrs)
		for _, c := range changes { // the changed prefixes' edges too
			for _, u := range []uint32{lo32(c.prefix), hi32(c.prefix), lo32(c.prefix) - 1, hi32(c.prefix) + 1} {
				probe = append(probe, netip.AddrFrom4([4]byte(binary.BigEndian.AppendUint32(nil, u))))
			}
		}
		for _, a := range probe {
			if got, want := prefixOf(f.lookupAddr(a)), naive(now, a); got != want {
				t.Fatalf("step %d: %v: %v, want %v", step, a, got, want)
			}
			if got, want := prefixOf(before.lookupAddr(a)), naive(beforeList, a); got != want {
				t.Fatalf("step %d: the old table changed: %v: %v, want %v", step, a, got, want)
			}
		}
	}
}

// routeTo is a FIB entry for p.
func routeTo(p netip.Prefix) *candidate { return &candidate{route: &Route{Prefix: p}} }

func prefixOf(e *candidate) netip.Prefix {
	if e == nil {
		return netip.Prefix{}
	}
	return e.route.Prefix
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
	if e := full.lookupAddr(ip("255.255.255.255")); e == nil || e.route.Prefix.Bits() != 32 {
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
				entries = append(entries, lfibEntry{label: l, hops: []lspHop{{op: opPopLookup}}})
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
