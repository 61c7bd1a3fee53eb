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
		var segs []ASSegment
		for range rng.IntN(4) {
			s := ASSegment{Set: rng.IntN(3) == 0}
			for range 1 + rng.IntN(5) {
				s.ASNs = append(s.ASNs, uint32(65000+rng.IntN(4)))
			}
			segs = append(segs, s)
		}
		a := Attrs{ASPath: PackASPath(segs)}
		if rng.IntN(4) == 0 && len(a.ASPath) > 0 {
			a.ASPath = a.ASPath[:rng.IntN(len(a.ASPath))]
		}
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
