package bgp

import (
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// countingTransport counts the connections a speaker dials.
type countingTransport struct {
	Transport
	dials *atomic.Int32
}

func (c countingTransport) Dial(local netip.Addr, remote netip.AddrPort, done func(Conn, error)) {
	c.dials.Add(1)
	c.Transport.Dial(local, remote, done)
}

// TestAPeerToldToWaitLetsTheOtherEndConnect: both ends configured at once
// would both dial and cross (TestSessionEstablishesAtOnce); with
// DialAfter on b's end, a's connection is the session's only one, and
// it comes up as fast as before.
func TestAPeerToldToWaitLetsTheOtherEndConnect(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65000, nil)
	var dials atomic.Int32
	counted := countingTransport{l.net, &dials}
	l.peer("a", "b", func(ab, ba *PeerConfig) {
		ab.Transport, ba.Transport = counted, counted
		ba.DialAfter = time.Second
	})
	l.run(10 * time.Millisecond)
	l.wantEstablished("a", "b", "after 10 ms")
	l.run(2 * time.Second) // past b's wait: it finds the session up
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections dialled, want 1", n)
	}
	if p := l.sp["b"].peers[addr("10.0.0.1")]; len(p.sessions) != 1 || p.sessions[0].active {
		t.Errorf("b's sessions with a: %d, the first dialled by b: %v; want a's connection only", len(p.sessions), len(p.sessions) > 0 && p.sessions[0].active)
	}
}

// TestAPeerToldToWaitDialsWhenNothingCame: the far end is passive (or
// absent at first): the waiting end dials once its wait is over, not
// before.
func TestAPeerToldToWaitDialsWhenNothingCame(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", func(ab, ba *PeerConfig) {
		ab.Passive = true
		ba.DialAfter = 500 * time.Millisecond
	})
	l.run(490 * time.Millisecond)
	if st := l.state("b", "a"); st != Active {
		t.Fatalf("b-a %v before its wait is over, want Active", st)
	}
	l.run(20 * time.Millisecond)
	l.wantEstablished("a", "b", "once b's wait is over")
}

// TestARestartingSpeakerDialsAtOnce: a restarted speaker's peer may still
// hold the old session (it never saw it close) and not dial: the
// restarting end connects at once, whatever its wait.
func TestARestartingSpeakerDialsAtOnce(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65000, func(c *Config) { c.Restarting = true })
	l.peer("a", "b", func(ab, ba *PeerConfig) {
		ab.Passive = true
		ba.DialAfter = time.Second
	})
	l.run(10 * time.Millisecond)
	l.wantEstablished("a", "b", "after 10 ms")
}
