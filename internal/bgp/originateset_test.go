package bgp

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

// A peer sees exactly the set a speaker was last told to originate:
// routes left out are withdrawn, changed ones replaced, and a set given
// again as it is sends nothing.
func TestOriginateSetAdvertisesExactlyTheSetAndNothingForARepeat(t *testing.T) {
	l := newLab(t)
	pe := l.speaker("pe", "10.0.0.1", 65000, nil)
	l.speaker("rr", "10.0.0.2", 65000, nil)
	l.peer("pe", "rr", nil)
	l.run(5 * time.Second)
	if l.state("pe", "rr") != Established {
		t.Fatal("session not established")
	}
	tgt := rt(t, "65000:1")
	k1, k2, k3 := vpnKey(t, "10.0.0.1:1", "192.0.2.0/24"), vpnKey(t, "10.0.0.1:1", "198.51.100.0/24"), vpnKey(t, "10.0.0.1:1", "203.0.113.0/24")
	at := func(med uint32) Attrs {
		return Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.1"), MED: med, HasMED: true, ExtCommunities: PackExtCommunities([]ExtCommunity{tgt})}
	}
	if n, err := pe.OriginateSet(VPNv4, []Origination{{k1, 24001, at(1)}, {k2, 24002, at(1)}}); n != 0 || err != nil {
		t.Fatalf("OriginateSet = %d, %v", n, err)
	}
	l.run(time.Second)
	if bestOf(l.routes("rr", VPNv4), k1) == nil || bestOf(l.routes("rr", VPNv4), k2) == nil {
		t.Fatalf("rr lacks the first set: %v", l.routes("rr", VPNv4))
	}

	if _, err := pe.OriginateSet(VPNv4, []Origination{{k2, 24002, at(7)}, {k3, 24003, at(1)}}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	rs := l.routes("rr", VPNv4)
	if bestOf(rs, k1) != nil {
		t.Errorf("k1 left out of the set but still at rr")
	}
	if r := bestOf(rs, k2); r == nil || r.Attrs.MED != 7 {
		t.Errorf("k2 at rr = %+v, want MED 7", r)
	}
	if bestOf(rs, k3) == nil {
		t.Errorf("k3 never reached rr")
	}

	sent := func() uint64 { return pe.Summary()[0].MsgSent }
	before := sent()
	if _, err := pe.OriginateSet(VPNv4, []Origination{{k3, 24003, at(1)}, {k2, 24002, at(7)}}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	if got := sent(); got != before {
		t.Errorf("the same set again sent %d messages, want none", got-before)
	}
}

// A route the speaker cannot originate is counted and named, and the rest
// of the set is still originated.
func TestOriginateSetCountsFailuresAndKeepsTheRest(t *testing.T) {
	l := newLab(t)
	pe := l.speaker("pe", "10.0.0.1", 65000, nil)
	good := vpnKey(t, "10.0.0.1:1", "192.0.2.0/24")
	noRD := RouteKey{Prefix: netip.MustParsePrefix("198.51.100.0/24")}
	n, err := pe.OriginateSet(VPNv4, []Origination{
		{Key: good, Label: 24001, Attrs: Attrs{Origin: OriginIGP}},
		{Key: noRD, Label: 24002},
		{Key: vpnKey(t, "10.0.0.1:1", "203.0.113.0/24"), Label: 1 << 20},
	})
	if n != 2 || err == nil || !strings.Contains(err.Error(), "need an RD") || !strings.Contains(err.Error(), "exceeds 20 bits") {
		t.Fatalf("OriginateSet = %d, %v; want 2 failures naming both", n, err)
	}
	if bestOf(l.routes("pe", VPNv4), good) == nil {
		t.Errorf("the good route was not originated: %v", l.routes("pe", VPNv4))
	}
}
