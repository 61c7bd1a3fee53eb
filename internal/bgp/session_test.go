package bgp

import (
	"strings"
	"testing"
	"time"
)

func TestSessionEstablishesAtOnce(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	l.run(10 * time.Millisecond) // both dial at once: collision resolved, no retry wait
	if st := l.state("a", "b"); st != Established {
		t.Fatalf("a->b %v, want Established", st)
	}
	if st := l.state("b", "a"); st != Established {
		t.Fatalf("b->a %v, want Established", st)
	}
	// Exactly one connection survives the collision on each side.
	for _, n := range []string{"a", "b"} {
		p := l.sp[n].peers[l.sp[map[string]string{"a": "b", "b": "a"}[n]].cfg.RouterID]
		if len(p.sessions) != 1 {
			t.Errorf("%s has %d sessions after collision, want 1", n, len(p.sessions))
		}
	}
}

func TestSessionPassiveSide(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65001, nil)
	l.peer("a", "b", func(ab, ba *PeerConfig) { ba.Passive = true })
	l.run(10 * time.Millisecond)
	if l.state("a", "b") != Established || l.state("b", "a") != Established {
		t.Fatalf("states %v %v", l.state("a", "b"), l.state("b", "a"))
	}
}

func TestSessionBadPeerASNotifies(t *testing.T) {
	l := newLab(t)
	l.speaker("a", "10.0.0.1", 65000, nil)
	l.speaker("b", "10.0.0.2", 65001, nil)
	l.peer("a", "b", func(ab, ba *PeerConfig) { ab.ASN = 65009 })
	l.run(100 * time.Millisecond)
	if l.state("a", "b") == Established {
		t.Fatal("session with wrong AS came up")
	}
	sum := l.sp["a"].Summary()
	if !strings.Contains(sum[0].LastError, "NOTIFICATION 2/2") {
		t.Fatalf("a's last error %q, want a Bad Peer AS notification", sum[0].LastError)
	}
}

func TestHoldTimerExpiryAndRecovery(t *testing.T) {
	l := newLab(t)
	a := l.speaker("a", "10.0.0.1", 65000, func(c *Config) { c.HoldTime = 9 * time.Second })
	l.speaker("b", "10.0.0.2", 65000, nil)
	l.peer("a", "b", nil)
	l.run(10 * time.Millisecond)
	if l.state("a", "b") != Established {
		t.Fatal("not established")
	}
	// Keepalives every 3 s keep the 9 s hold time satisfied.
	before := a.Summary()[0].MsgSent
	l.run(60 * time.Second)
	if l.state("a", "b") != Established {
		t.Fatal("session dropped while keepalives flow")
	}
	if sent := a.Summary()[0].MsgSent - before; sent < 19 || sent > 21 {
		t.Fatalf("a sent %d keepalives in 60 s, want about 20 (every 3 s)", sent)
	}
	// Cut the path: no keepalive arrives, the hold timer fires at 9 s.
	l.net.SetReachable(addr("10.0.0.1"), addr("10.0.0.2"), false)
	l.run(8 * time.Second)
	if l.state("a", "b") != Established {
		t.Fatal("dropped before hold time")
	}
	l.run(2 * time.Second)
	if st := l.state("a", "b"); st == Established {
		t.Fatal("still established after hold time")
	}
	if e := a.Summary()[0].LastError; !strings.Contains(e, "NOTIFICATION 4/0") {
		t.Fatalf("last error %q, want hold timer expired", e)
	}
	// Reachability back: retries (backoff capped at 8 s) bring it up.
	l.net.SetReachable(addr("10.0.0.1"), addr("10.0.0.2"), true)
	l.run(20 * time.Second)
	if st := l.state("a", "b"); st != Established {
		t.Fatalf("after repair %v, want Established", st)
	}
}
