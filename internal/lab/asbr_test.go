package lab

import (
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// TestInterASOptionB runs examples/inter-as.yaml — AS 65000 (pe1, p1,
// asbr1) and AS 65100 (asbr2, p2, pe2), one VPN across both — and follows
// one echo request from ce1 to ce2, checking the label stack on every
// link (RFC 4364 section 10b):
//
//	pe1 -> p1     [LDP label for asbr1's loopback, asbr1's label B1]
//	p1 -> asbr1   [B1]                         (PHP)
//	asbr1 -> asbr2 [B2, asbr2's label]          (B1 swapped; no IGP/LDP here)
//	asbr2 -> p2   [LDP label for pe2's loopback, pe2's VPN label]
//	p2 -> pe2     [pe2's VPN label]            (PHP)
//
// with every TTL counting the hops (uniform mode).
func TestInterASOptionB(t *testing.T) {
	l, _ := exampleLab(t, "inter-as.yaml")
	clk := l.Clock().(*clock.Virtual)
	node := func(name string) *Node {
		n, ok := l.Node(name)
		if !ok {
			t.Fatalf("no node %s", name)
		}
		return n
	}
	pe2, asbr1, asbr2, ce2 := node("pe2"), node("asbr1"), node("asbr2"), node("ce2")
	var rd bgp.RD
	for _, v := range l.Model.VPNs[0].VRFs {
		if v.PE == "pe2" {
			rd, _ = bgp.ParseRD(v.RD)
		}
	}
	key := bgp.RouteKey{RD: rd, Prefix: ce2.Model.Loopback}
	asbrLabel := func(n *Node) uint32 {
		l, ok := n.bgp.vpn.ASBRLabel(key)
		if !ok {
			t.Fatalf("%s has no label for %v", n.Model.Name, key)
		}
		return l
	}
	b1, b2, vpn := asbrLabel(asbr1), asbrLabel(asbr2), pe2.VPNLabel("tenant")

	frames := tapAll(t, l)
	if r := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1, TTL: 64}); r.Received != 1 {
		t.Fatalf("ping ce1 -> ce2 across two ASes: %+v", r)
	}
	type want struct {
		labels []uint32
		ttl    uint8 // of every label (uniform mode), or of IP when no labels
	}
	wants := map[string]want{
		"ce1":   {nil, 64},
		"pe1":   {[]uint32{localLabel(t, l, "p1", asbr1.Model.Loopback), b1}, 63},
		"p1":    {[]uint32{b1}, 62},
		"asbr1": {[]uint32{b2}, 61},
		"asbr2": {[]uint32{localLabel(t, l, "p2", pe2.Model.Loopback), vpn}, 60},
		"p2":    {[]uint32{vpn}, 59},
		"pe2":   {nil, 58},
	}
	var path []string
	for _, f := range frames() {
		if f.d.ICMP == nil || f.d.ICMP.Type != 8 {
			continue
		}
		from, _, _ := strings.Cut(f.from, ":")
		path = append(path, from)
		w, ok := wants[from]
		if !ok {
			t.Errorf("echo request sent by %s", from)
			continue
		}
		if len(f.d.Labels) != len(w.labels) {
			t.Errorf("%s sent labels %v, want %v", from, f.d.Labels, w.labels)
			continue
		}
		for i, e := range f.d.Labels {
			if uint32(e.Label()) != w.labels[i] || e.TTL() != w.ttl || e.Bottom() != (i == len(w.labels)-1) {
				t.Errorf("%s label %d: %v, want %d TTL=%d S=%v", from, i, e, w.labels[i], w.ttl, i == len(w.labels)-1)
			}
		}
		if len(w.labels) == 0 && f.d.IPv4.TTL != w.ttl {
			t.Errorf("%s sent IP TTL %d, want %d", from, f.d.IPv4.TTL, w.ttl)
		}
	}
	t.Logf("echo request path %v; labels asbr1 %d, asbr2 %d, pe2 VPN %d", path, b1, b2, vpn)
	if got := strings.Join(path, " "); got != "ce1 pe1 p1 asbr1 asbr2 p2 pe2" {
		t.Errorf("echo request path %q", got)
	}
}

// TestAnASBRTakesBackTheLabelOfARouteThatGoes: when ce2's link fails its
// route leaves the VPN, and both ASBRs drop the LFIB entry and the label
// they had for it (installed by difference, one route at a time); when
// the link comes back the route gets a label again and traffic crosses.
func TestAnASBRTakesBackTheLabelOfARouteThatGoes(t *testing.T) {
	l, _ := exampleLab(t, "inter-as.yaml")
	clk := l.Clock().(*clock.Virtual)
	asbr1, _ := l.Node("asbr1")
	asbr2, _ := l.Node("asbr2")
	ce2, _ := l.Node("ce2")
	var rd bgp.RD
	for _, v := range l.Model.VPNs[0].VRFs {
		if v.PE == "pe2" {
			rd, _ = bgp.ParseRD(v.RD)
		}
	}
	key := bgp.RouteKey{RD: rd, Prefix: ce2.Model.Loopback}
	switched := func(n *Node, label uint32) bool {
		for _, row := range n.Router.LFIBTable() {
			if row.InLabel == label {
				return true
			}
		}
		return false
	}
	b1, ok1 := asbr1.bgp.vpn.ASBRLabel(key)
	b2, ok2 := asbr2.bgp.vpn.ASBRLabel(key)
	if !ok1 || !ok2 || !switched(asbr1, b1) || !switched(asbr2, b2) {
		t.Fatalf("before the failure: asbr1 label %d (%v, switched %v), asbr2 %d (%v, switched %v)", b1, ok1, switched(asbr1, b1), b2, ok2, switched(asbr2, b2))
	}
	if _, err := l.SetLinkUp("pe2", "ce2", false); err != nil {
		t.Fatal(err)
	}
	until(t, clk, "both ASBRs forget ce2's route", func() bool {
		_, has1 := asbr1.bgp.vpn.ASBRLabel(key)
		_, has2 := asbr2.bgp.vpn.ASBRLabel(key)
		return !has1 && !has2
	})
	if switched(asbr1, b1) || switched(asbr2, b2) {
		t.Errorf("a label of the route gone is still switched: asbr1 %v, asbr2 %v", switched(asbr1, b1), switched(asbr2, b2))
	}
	if _, err := l.SetLinkUp("pe2", "ce2", true); err != nil {
		t.Fatal(err)
	}
	until(t, clk, "both ASBRs label ce2's route again", func() bool {
		a, has1 := asbr1.bgp.vpn.ASBRLabel(key)
		b, has2 := asbr2.bgp.vpn.ASBRLabel(key)
		return has1 && has2 && switched(asbr1, a) && switched(asbr2, b)
	})
	settle(t, l, clk)
	if r := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1}); r.Received != 1 {
		t.Fatalf("ping ce1 -> ce2 after the link came back: %+v", r)
	}
}
