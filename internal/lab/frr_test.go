package lab

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/examples"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// seedVariant is the seed lab with its label mode and, when off, fast
// reroute turned off lab-wide.
func seedVariant(tb testing.TB, mode string, frr bool) *topology.Model {
	tb.Helper()
	y := bytes.Replace(examples.Seed, []byte("label_mode: ldp"), []byte("label_mode: "+mode), 1)
	if !frr {
		y = bytes.Replace(y, []byte("defaults:\n"), []byte("defaults:\n  frr: false\n"), 1)
	}
	res, err := topology.Load(topology.SeedName, y)
	if err != nil {
		tb.Fatal(err)
	}
	return res.Model
}

// failoverResult is one failover run.
type failoverResult struct {
	lost     int           // pings without a reply
	inFlight int           // frames on the failed link when it went down
	gap      time.Duration // the longest run of lost replies (1 ms apart)
	plr      string        // the P router whose link to pe1 failed
}

// failover runs lab m with the IGP held spfDelay after a change, pings
// ce1 -> ce2 every millisecond, and 200 ms in fails the link into pe1 that
// carries the replies: the P router at its far end must repair (pe1
// itself has ECMP). watch, if set, runs just before the failure.
func failover(tb testing.TB, m *topology.Model, spfDelay time.Duration, watch func(l *Lab, plr string, at time.Time)) failoverResult {
	tb.Helper()
	timers := DefaultIGPTimers
	timers.SPFDelay = spfDelay
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk, IGPTimers: timers})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		tb.Fatalf("not ready after %v: %+v", took, c)
	}
	// Which of pe1's core links brings the replies in?
	var link *dataplane.Link
	var far *dataplane.Port
	res := failoverResult{}
	for _, ml := range l.Model.Links {
		if !ml.Core || ml.A.Node != "pe1" && ml.B.Node != "pe1" {
			continue
		}
		dl := l.links[ml.ID]
		p, other := dl.B(), ml.B.Node
		if ml.B.Node == "pe1" {
			p, other = dl.A(), ml.A.Node
		}
		before := p.Stats().TxFrames
		s, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 1})
		if err != nil {
			tb.Fatal(err)
		}
		for j := 0; j < 1000 && !done(s.Done()); j++ {
			clk.Advance(time.Millisecond)
		}
		if p.Stats().TxFrames > before {
			link, far, res.plr = dl, p, other
		}
	}
	if link == nil {
		tb.Fatal("no link into pe1 carries the replies")
	}
	s, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 1000, Interval: time.Millisecond, Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	clk.Advance(200 * time.Millisecond)
	if watch != nil {
		watch(l, res.plr, clk.Now())
	}
	near := link.A()
	if near == far {
		near = link.B()
	}
	txFar, txNear := far.Stats().TxFrames, near.Stats().TxFrames
	if _, err := l.SetLinkUp("pe1", res.plr, false); err != nil {
		tb.Fatal(err)
	}
	for j := 0; j < 10_000 && !done(s.Done()); j++ {
		clk.Advance(time.Millisecond)
	}
	if !done(s.Done()) {
		tb.Fatal("the ping train never finished")
	}
	r := s.Result()
	res.lost = r.Sent - r.Received
	res.inFlight = int(txFar-near.Stats().RxFrames) + int(txNear-far.Stats().RxFrames)
	res.gap = longestGap(r)
	return res
}

// With the IGP held 100 ms after the failure, the P router at the far
// end of the failed link repairs at once through its loop-free alternate,
// the other P router: the only pings lost are those whose frames were on
// the failed link. On the repair link the replies carry, on top, the
// label the other P router advertised for pe1's loopback (retained by
// liberal retention before the failure), and under it pe1's VPN label;
// the reply left ce2 with TTL 255, pe2 pushed 254 on both labels, the P
// router's swap wrote 253 on top.
func TestAProtectedFailureLosesOnlyTheFramesInFlight(t *testing.T) {
	type rec struct {
		at   time.Time
		from string
		d    *packet.Decoded
	}
	var mu sync.Mutex
	var replies []rec
	var failAt time.Time
	var other string
	m := seedVariant(t, "ldp", true)
	var wantTop, wantVPN uint32
	res := failover(t, m, 100*time.Millisecond, func(l *Lab, plr string, at time.Time) {
		failAt = at
		other = map[string]string{"p1": "p2", "p2": "p1"}[plr]
		pe1, _ := l.Node("pe1")
		wantTop, wantVPN = localLabel(t, l, other, pe1.Model.Loopback), pe1.VPNLabel("tenant")
		for _, ml := range l.Model.Links {
			if (ml.A.Node == plr && ml.B.Node == other) || (ml.A.Node == other && ml.B.Node == plr) {
				remove := l.links[ml.ID].AddTap(dataplane.TapFunc(func(at time.Time, from *dataplane.Port, b []byte) {
					d, err := packet.Decode(b)
					if err != nil || d.ICMP == nil || d.ICMP.Type != 0 || !strings.HasPrefix(from.Name(), plr+":") {
						return
					}
					mu.Lock()
					replies = append(replies, rec{at, from.Name(), d})
					mu.Unlock()
				}))
				t.Cleanup(remove)
			}
		}
	})
	if res.inFlight == 0 || res.lost > res.inFlight {
		t.Errorf("lost %d pings with %d frames in flight on the failed link: want no loss beyond those", res.lost, res.inFlight)
	}
	t.Logf("%s repaired: %d pings lost, %d frames in flight, longest gap %v", res.plr, res.lost, res.inFlight, res.gap)
	held := 0
	for _, r := range replies {
		if r.at.Sub(failAt) >= 100*time.Millisecond {
			continue // the IGP has reconverged: no longer the repair path
		}
		held++
		if len(r.d.Labels) != 2 {
			t.Fatalf("%s sent a reply on the repair path with labels %v, want two", r.from, r.d.Labels)
		}
		top, bottom := r.d.Labels[0], r.d.Labels[1]
		if uint32(top.Label()) != wantTop || top.Bottom() || top.TTL() != 253 || top.TC() != 0 {
			t.Errorf("repair path top label %v, want %s's label %d for pe1 S=0 TTL=253", top, other, wantTop)
		}
		if uint32(bottom.Label()) != wantVPN || !bottom.Bottom() || bottom.TTL() != 254 {
			t.Errorf("repair path bottom label %v, want pe1's VPN label %d S=1 TTL=254", bottom, wantVPN)
		}
		if r.d.IPv4.TTL != 254 {
			t.Errorf("IP TTL under the repair labels %d, want 254", r.d.IPv4.TTL)
		}
	}
	if held < 50 {
		t.Errorf("%d replies crossed the repair path while the IGP was held 100 ms, want one a millisecond", held)
	}
}

// The same failure with fast reroute off loses the whole hold.
func TestWithFastRerouteOffTheSameFailureLosesTheIGPHold(t *testing.T) {
	res := failover(t, seedVariant(t, "ldp", false), 100*time.Millisecond, nil)
	if res.lost < res.inFlight+50 {
		t.Errorf("frr off: lost %d pings with %d frames in flight, want the 100 ms hold lost too", res.lost, res.inFlight)
	}
}

// SR: the loop-free alternate swaps to the other P router's label for the
// same prefix SID; nothing is lost beyond the frames in flight.
func TestAProtectedFailureInSRLosesOnlyTheFramesInFlight(t *testing.T) {
	res := failover(t, seedVariant(t, "sr", true), 100*time.Millisecond, nil)
	if res.inFlight == 0 || res.lost > res.inFlight {
		t.Errorf("SR: lost %d pings with %d frames in flight on the failed link", res.lost, res.inFlight)
	}
}

func TestShowFRRCountsDestinationsAndSaysWhyNot(t *testing.T) {
	l, _ := seedLab(t)
	data, text, err := l.Show("p1", "frr", "")
	if err != nil {
		t.Fatal(err)
	}
	r := data.(FRRReport)
	if r.Destinations == 0 || r.Protected != r.Destinations {
		t.Errorf("p1 protects %d of %d destinations, want all (every one has a loop-free alternate in the seed lab):\n%s", r.Protected, r.Destinations, text)
	}
	if !strings.Contains(text, "destinations protected") {
		t.Errorf("show p1 frr:\n%s", text)
	}
	if _, _, err := l.Show("ce1", "frr", ""); err == nil {
		t.Error("show ce1 frr: want an error, a CE runs no IGP")
	}
}
