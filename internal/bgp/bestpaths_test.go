package bgp

import (
	"sync/atomic"
	"testing"
	"time"
)

// An owner told only that the Loc-RIB changed (OnLocRIBChange) finds in
// BestPaths what OnBestChange's changes say: the best path of each
// destination, with its label and attributes, and none for a withdrawn
// one; RTC membership is not a change it is told of.
func TestBestPathsAfterOnLocRIBChangeShowWhatTheChangesSay(t *testing.T) {
	l := newLab(t)
	var told atomic.Int32
	pe := l.speaker("pe", "10.0.0.1", 65000, nil)
	rr := l.speaker("rr", "10.0.0.2", 65000, func(c *Config) { c.OnLocRIBChange = func() { told.Add(1) } })
	l.peer("pe", "rr", nil)
	l.run(5 * time.Second)
	if l.state("pe", "rr") != Established {
		t.Fatal("session not established")
	}
	if n := told.Load(); n != 0 {
		t.Errorf("told %d times of RTC membership alone, want none", n)
	}
	k1, k2 := vpnKey(t, "10.0.0.1:1", "192.0.2.0/24"), vpnKey(t, "10.0.0.1:1", "198.51.100.0/24")
	at := Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:1")})}
	if _, err := pe.OriginateSet(VPNv4, []Origination{{k1, 24001, at}, {k2, 24002, at}}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	if told.Load() == 0 {
		t.Fatal("rr learned two routes and was not told")
	}
	got := map[RouteKey]BestPath{}
	for _, b := range rr.BestPaths(VPNv4) {
		got[b.Key] = b
	}
	for k, label := range map[RouteKey]uint32{k1: 24001, k2: 24002} {
		b, ok := got[k]
		r := bestOf(rr.Routes(VPNv4), k)
		if !ok || r == nil || b.Family != VPNv4 || b.Label != label || b.Local || b.Attrs.Value() != r.Attrs {
			t.Errorf("best path for %v = %+v (listed %v), want label %d and the attributes of %+v", k, b, ok, label, r)
		}
	}
	if len(got) != 2 {
		t.Errorf("BestPaths lists %d VPN paths, want 2", len(got))
	}

	before := told.Load()
	if _, err := pe.OriginateSet(VPNv4, []Origination{{k2, 24002, at}}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Second)
	if told.Load() == before {
		t.Error("rr lost a route and was not told")
	}
	for _, b := range rr.BestPaths(VPNv4) {
		if b.Key == k1 {
			t.Errorf("withdrawn %v still has a best path %+v", k1, b)
		}
	}
}
