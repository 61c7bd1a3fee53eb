package igp_test

import (
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
)

// spfTimes returns when node ran SPF at or after from, as offsets from it.
func (l *lab) spfTimes(node string, from, to time.Time) []time.Duration {
	var out []time.Duration
	for _, e := range l.net.Router(node).Events("spf") {
		if !e.Time.Before(from) && e.Time.Before(to) {
			out = append(out, e.Time.Sub(from))
		}
	}
	return out
}

// TestSPFThrottle flaps r2's link to r3 and checks when r2 runs SPF:
// at once after a quiet spell, then no sooner than the hold time after the
// last run, the hold doubling while changes keep coming (50 ms, 100 ms,
// 200 ms), and back to immediate after a quiet spell.
func TestSPFThrottle(t *testing.T) {
	l := newLab(t, load(t, chainYAML), nil)
	l.settle(10 * time.Second)
	link := l.link("r2", "r3")
	start := l.net.Clock.Now()
	step := func(at time.Duration, up bool) {
		l.net.Clock.AdvanceTo(start.Add(at))
		link.SetUp(up)
	}
	step(0, false) // SPF at 0: quiet before, no delay
	l.net.Clock.AdvanceTo(start.Add(time.Millisecond))
	seq := l.lsaSeq("r2", "r2")      // r2 re-originated at once (its LSA was 10 s old)
	step(2*time.Millisecond, true)   // within the 50 ms hold: waits until 50 ms, hold now 100 ms
	step(3*time.Millisecond, false)  // already pending
	step(60*time.Millisecond, true)  // 10 ms after the last run: waits until 150 ms, hold now 200 ms
	step(61*time.Millisecond, false) // already pending
	l.net.Clock.AdvanceTo(start.Add(999 * time.Millisecond))
	got := l.spfTimes("r2", start, start.Add(time.Second))
	want := []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("r2 ran SPF at %v, want %v", got, want)
	}
	// The flaps inside MinLSInterval deferred r2's next origination to 1 s;
	// by then the link is down as it was at 0, so the router LSA is the
	// same: no new instance, no SPF.
	l.net.Clock.AdvanceTo(start.Add(2 * time.Second))
	if got := l.lsaSeq("r2", "r2"); got != seq {
		t.Errorf("r2's LSA went from %s to %s with nothing changed", seq, got)
	}
	if got := l.spfTimes("r2", start.Add(151*time.Millisecond), start.Add(2*time.Second)); len(got) != 0 {
		t.Errorf("r2 ran SPF again at 151ms + %v", got)
	}
	l.wantNone("r2", l.lo("r3"))
}

// TestAging: LSAs are refreshed every 30 minutes by their originators;
// the LSA of a router cut off for good ages out of the others' databases
// after MaxAge (an hour) and is removed, while live ones stay.
func TestAging(t *testing.T) {
	l := newLab(t, load(t, chainYAML), nil)
	l.settle(10 * time.Second)
	first := l.lsaSeq("r1", "r2")
	l.link("r3", "r4").SetUp(false) // r4 is alone now
	l.settle(31 * time.Minute)
	if got := l.lsaSeq("r1", "r2"); got <= first {
		t.Errorf("r2's LSA at r1 is still %s after 31 minutes, want a refreshed instance", got)
	}
	if l.lsaSeq("r1", "r4") == 0 {
		t.Fatalf("r1 dropped r4's LSA before MaxAge")
	}
	l.settle(31 * time.Minute) // r4's last instance reached r1 at ~10 s: MaxAge at ~1h
	if got := l.lsaSeq("r1", "r4"); got != 0 {
		t.Errorf("r1 still holds r4's LSA (%s) after MaxAge", got)
	}
	if l.lsaSeq("r1", "r3") == 0 {
		t.Errorf("r1 lost r3's refreshed LSA")
	}
	l.want("r1", l.lo("r3"), 20, "r2")
	var st igp.Status
	l.net.Router("r1").Do(func() { st = l.igp["r1"].Status() })
	if st.Areas[0].LSAs != 3 {
		t.Errorf("r1 area 0 holds %d LSAs, want 3", st.Areas[0].LSAs)
	}
}
