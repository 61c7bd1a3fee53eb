package bgp

import (
	"math/rand/v2"
	"testing"
)

// TestASPathReadersAgreeWithTheSegments: the decision process's readers
// of the packed AS_PATH (length, first AS, loop count) give what the
// unpacked segments give, for random paths of sets and sequences,
// truncated ones included.
func TestASPathReadersAgreeWithTheSegments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		a := randomASPath(rng, false)
		got := a.Segments()
		wantLen, wantFirst := 0, uint32(0)
		for i, s := range got {
			if s.Set {
				wantLen++
			} else {
				wantLen += len(s.ASNs)
			}
			if i == 0 && !s.Set && len(s.ASNs) > 0 {
				wantFirst = s.ASNs[0]
			}
		}
		if n := a.PathLen(); n != wantLen {
			t.Fatalf("%x: PathLen %d, want %d", a.ASPath, n, wantLen)
		}
		if f := a.FirstAS(); f != wantFirst {
			t.Fatalf("%x: FirstAS %d, want %d", a.ASPath, f, wantFirst)
		}
		for asn := uint32(64999); asn <= 65004; asn++ {
			want := 0
			for _, s := range got {
				for _, x := range s.ASNs {
					if x == asn {
						want++
					}
				}
			}
			if n := a.CountAS(asn); n != want || a.ContainsAS(asn) != (want > 0) {
				t.Fatalf("%x: CountAS(%d) %d, want %d", a.ASPath, asn, n, want)
			}
		}
	}
}

// TestPrependingInPlaceAgreesWithTheSegments: an AS prepended to the
// packed path gives what unpacking, prepending and packing gives, for
// random paths of sets and sequences (a full sequence of 255 among
// them), truncated ones included.
func TestPrependingInPlaceAgreesWithTheSegments(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		a := randomASPath(rng, true)
		// What prependAS did before it worked in place.
		want := a.Segments()
		if len(want) > 0 && !want[0].Set && len(want[0].ASNs) < 255 {
			want[0].ASNs = append([]uint32{64512}, want[0].ASNs...)
		} else {
			want = append([]ASSegment{{ASNs: []uint32{64512}}}, want...)
		}
		if got := a.prependAS(64512); got != PackASPath(want) {
			t.Fatalf("%x: prepending 64512 gave %x, want %x", a.ASPath, got, PackASPath(want))
		}
	}
}

// randomASPath is up to three sets and sequences of a few ASNs (with
// long, some of about the 255 a segment holds), packed, and a quarter of
// the time cut short anywhere.
func randomASPath(rng *rand.Rand, long bool) Attrs {
	var segs []ASSegment
	for range rng.IntN(4) {
		s := ASSegment{Set: rng.IntN(3) == 0}
		n := 1 + rng.IntN(5)
		if long && rng.IntN(8) == 0 {
			n = 250 + rng.IntN(6)
		}
		for range n {
			s.ASNs = append(s.ASNs, uint32(65000+rng.IntN(4)))
		}
		segs = append(segs, s)
	}
	a := Attrs{ASPath: PackASPath(segs)}
	if rng.IntN(4) == 0 && len(a.ASPath) > 0 {
		a.ASPath = a.ASPath[:rng.IntN(len(a.ASPath))]
	}
	return a
}
