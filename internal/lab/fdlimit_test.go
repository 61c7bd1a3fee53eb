package lab

import (
	"errors"
	"testing"

	"github.com/intercloud/intercloud/internal/generate"
	"github.com/intercloud/intercloud/internal/topology"
)

// fakeLimit is an rlimit held in memory, so the tests never touch the
// process's own.
type fakeLimit struct {
	soft, hard uint64
	sets       []uint64
	refuse     bool
}

func (f *fakeLimit) Get() (uint64, uint64, error) { return f.soft, f.hard, nil }
func (f *fakeLimit) SetSoft(s uint64) error {
	if f.refuse {
		return errors.New("operation not permitted")
	}
	if s > f.hard {
		return errors.New("invalid argument")
	}
	f.sets = append(f.sets, s)
	f.soft = s
	return nil
}

func TestEnsureFilesRaisesTheSoftLimitUpToTheHardOne(t *testing.T) {
	cases := []struct {
		name                 string
		soft, hard, need     uint64
		refuse               bool
		wantHave, wantBefore uint64
		wantSets             int
		wantErr              bool
	}{
		{"enough already", 1024, 4096, 800, false, 1024, 1024, 0, false},
		{"raised to what is needed", 1024, 524288, 5000, false, 5000, 1024, 1, false},
		{"raised as far as the hard limit", 1024, 4096, 5000, false, 4096, 1024, 1, false},
		{"hard limit already reached", 4096, 4096, 5000, false, 4096, 4096, 0, false},
		{"raising refused", 1024, 524288, 5000, true, 1024, 1024, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLimit{soft: tc.soft, hard: tc.hard, refuse: tc.refuse}
			have, before, err := EnsureFiles(f, tc.need)
			if have != tc.wantHave || before != tc.wantBefore || len(f.sets) != tc.wantSets || (err != nil) != tc.wantErr {
				t.Errorf("EnsureFiles(%d/%d, need %d) = %d, %d, %v (sets %v); want %d, %d, error %v, %d sets",
					tc.soft, tc.hard, tc.need, have, before, err, f.sets, tc.wantHave, tc.wantBefore, tc.wantErr, tc.wantSets)
			}
		})
	}
}

// TestTCPFileBudgetCountsTheSpeakersAndSessions: the seed lab's budget
// is its speakers' listeners and both ends of the sessions the lab builds
// (iBGP to the two reflectors, eBGP PE-CE in the VRF), checked against a
// count made by hand from seed.yaml.
func TestTCPFileBudgetCountsTheSpeakersAndSessions(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	b := TCPFileBudget(m)
	// Sessions: pe1 and pe2 each to p1 and p2 (4), p1-p2 between the
	// reflectors (1), pe1-ce1 and pe2-ce2 in VRF tenant (2), cloud1's
	// speaker to ce1 (1) and BGPVPN cloud3's two computes and its
	// network node, each to p1 and p2 (6). Listeners: p1, p2, pe1, pe2,
	// ce1, ce2, cloud1, cloud3, cloud3-cn1, cloud3-cn2 and the VRF
	// speakers of pe1 and pe2.
	if b.Sessions != 14 || b.Listeners != 12 {
		t.Errorf("seed budget %v: want 14 sessions and 12 listeners", b)
	}
	if want := uint64(b.Listeners + 2*b.Sessions + b.Margin); b.Total() != want {
		t.Errorf("Total %d, want %d", b.Total(), want)
	}

	// A large lab needs more than a common default soft limit of 1024.
	src, err := generate.Lab(generate.Params{POPs: 50, PPerPOP: 4, PEPerPOP: 14, CEPerPE: 0, RRs: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := topology.Load("big.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	big := TCPFileBudget(res.Model)
	if big.Total() <= 1024 || big.Sessions < 700*2 {
		t.Errorf("900-router budget %v: want the 700 PEs' two reflector sessions each, over 1024 files", big)
	}
}
