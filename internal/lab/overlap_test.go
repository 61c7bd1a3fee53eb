package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// TestOverlappingVPNsStayIsolated runs examples/overlap.yaml, where the red
// and blue VPNs number their sites and PE–CE links identically, and proves
// with traffic that each customer's packets go to its own site only: red1
// pinging 192.168.0.2 is answered by red2 and nothing crosses blue2's link,
// and the other way round for blue. It also checks the VPNv4 routes for the
// same prefix are two routes under two RDs with two different labels.
func TestOverlappingVPNsStayIsolated(t *testing.T) {
	l, clk := exampleLab(t, "overlap.yaml")

	dst := netip.MustParseAddr("192.168.0.2")
	sent := func(a, b string) uint64 { // frames a sent toward b
		ids, err := l.FindLinks(a, b)
		if err != nil || len(ids) != 1 {
			t.Fatalf("link %s-%s: %v %v", a, b, ids, err)
		}
		li := l.Links(ids...)[0]
		if li.A == a || strings.HasPrefix(li.A, a+":") {
			return li.AStats.TxFrames
		}
		return li.BStats.TxFrames
	}
	for _, tc := range []struct{ src, own, other string }{
		{"red1", "red2", "blue2"},
		{"blue1", "blue2", "red2"},
	} {
		ownBefore, otherBefore := sent("pe2", tc.own), sent("pe2", tc.other)
		r := ping(t, l, clk, tc.src, dst.String(), router.PingOptions{Count: 5, Interval: 100 * time.Millisecond})
		if r.Received != 5 {
			t.Fatalf("ping %s -> %v: %+v", tc.src, dst, r)
		}
		if got := sent("pe2", tc.own) - ownBefore; got < 5 {
			t.Errorf("ping %s -> %v: pe2 sent %d frames to %s, want the 5 echo requests", tc.src, dst, got, tc.own)
		}
		if got := sent("pe2", tc.other) - otherBefore; got != 0 {
			t.Errorf("ping %s -> %v: pe2 sent %d frames to %s, another customer's site", tc.src, dst, got, tc.other)
		}
		t.Logf("%s -> %v: pe2 sent %d frames to %s, %d to %s", tc.src, dst, sent("pe2", tc.own)-ownBefore, tc.own, sent("pe2", tc.other)-otherBefore, tc.other)
		if name := l.NameSeenFrom(tc.src, dst); name != tc.own {
			t.Errorf("%v seen from %s is %q, want %s", dst, tc.src, name, tc.own)
		}
	}

	// One prefix, two VPN routes: distinct RDs and VPN labels at pe2.
	pe1, _ := l.Node("pe1")
	pe2, _ := l.Node("pe2")
	labels := map[uint32]string{}
	for _, vrf := range []string{"red", "blue"} {
		r, ok := pe1.Router.RIB().Best(vrf, netip.MustParsePrefix("192.168.0.2/32"))
		if !ok || len(r.Nexthops) == 0 || len(r.Nexthops[0].Labels) == 0 {
			t.Fatalf("pe1 vrf %s 192.168.0.2/32: %+v (found %v), want a labelled VPN route", vrf, r, ok)
		}
		vl := r.Nexthops[0].Labels[len(r.Nexthops[0].Labels)-1]
		if vl != pe2.VPNLabel(vrf) {
			t.Errorf("pe1 vrf %s: VPN label %d, want pe2's %d", vrf, vl, pe2.VPNLabel(vrf))
		}
		labels[vl] = vrf
	}
	if len(labels) != 2 {
		t.Fatalf("pe1 holds 192.168.0.2/32 with VPN labels %v, want one per VRF", labels)
	}
	if _, err := l.StartPing("192.168.0.1", "192.168.0.2", router.PingOptions{Count: 1}); err == nil || !strings.Contains(err.Error(), "several address spaces") {
		t.Errorf("ping from an address two VPNs use: %v, want an error naming the ambiguity", err)
	}
}
