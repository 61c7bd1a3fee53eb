package bgp

import (
	"net/netip"
	"testing"
	"time"
)

// TestARestartedSpeakerHeldUntilItsOwnerOriginatesWithdrawsNothing: the
// restarted b hears a's End-of-RIB before its owner originated kb again
// (on a real clock the handshakes can beat the owner). Held, it sends a
// nothing, so a keeps kb as stale; once released with kb originated, a
// holds kb fresh and never withdrew it. Unheld, the same order makes b
// send an empty table and End-of-RIB, and a withdraws kb: the flap
// graceful restart is for.
func TestARestartedSpeakerHeldUntilItsOwnerOriginatesWithdrawsNothing(t *testing.T) {
	kb := RouteKey{Prefix: netip.MustParsePrefix("10.2.0.0/16")}
	for _, held := range []bool{true, false} {
		t.Run(map[bool]string{true: "held", false: "unheld"}[held], func(t *testing.T) {
			l := newLab(t)
			l.speaker("a", "10.0.0.1", 65000, nil)
			b := l.speaker("b", "10.0.0.2", 65000, nil)
			l.peer("a", "b", nil)
			b.Originate(IPv4Unicast, kb, 0, Attrs{NextHop: addr("10.0.0.2")})
			l.run(100 * time.Millisecond)
			if bestOf(l.routes("a", IPv4Unicast), kb) == nil {
				t.Fatal("a never learned kb")
			}
			l.mu.Lock()
			l.changes = map[string][]Change{}
			l.mu.Unlock()

			restart := b.Restart
			if held {
				restart = b.RestartHeld
			}
			b2, err := restart()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b2.Close)
			l.sp["b"] = b2
			// The session comes back and a sends its End-of-RIB before
			// b2's owner has originated anything.
			l.run(time.Second)
			if l.state("a", "b") != Established {
				t.Fatal("a-b not re-established")
			}
			r := bestOf(l.routes("a", IPv4Unicast), kb)
			if !held {
				if b2.Restarting() || r != nil {
					t.Fatalf("unheld: restarting %v, a's kb %+v: expected the early End-of-RIB to sweep it", b2.Restarting(), r)
				}
				return
			}
			if !b2.Restarting() || r == nil || !r.Stale {
				t.Fatalf("held: restarting %v, a's kb %+v", b2.Restarting(), r)
			}
			b2.Originate(IPv4Unicast, kb, 0, Attrs{NextHop: addr("10.0.0.2")})
			b2.Release()
			l.run(time.Second)
			if b2.Restarting() {
				t.Fatal("still deferring after Release with a's End-of-RIB in")
			}
			if r := bestOf(l.routes("a", IPv4Unicast), kb); r == nil || r.Stale {
				t.Fatalf("a's kb after the release: %+v", r)
			}
			for _, k := range l.withdrawn("a") {
				t.Errorf("a withdrew %v during the restart", k)
			}
		})
	}
}

// TestAHeldSpeakerWhoseDeferralRanOutAdvertisesOnRelease: with its
// peer unreachable the selection deferral (60 s) runs out while the
// speaker is held; it keeps deferring until Release, then ends at once.
func TestAHeldSpeakerWhoseDeferralRanOutAdvertisesOnRelease(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	b := l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	l.run(100 * time.Millisecond)
	l.net.SetReachable(addr("10.0.0.1"), addr("10.0.0.2"), false)
	b2, err := b.RestartHeld()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b2.Close)
	l.sp["b"] = b2
	l.run(61 * time.Second)
	if !b2.Restarting() {
		t.Fatal("a held speaker ended its deferral at the timer")
	}
	b2.Release()
	if b2.Restarting() {
		t.Fatal("the deferral, run out while held, did not end at Release")
	}
}
