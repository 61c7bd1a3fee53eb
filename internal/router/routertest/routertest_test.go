package routertest_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/router/routertest"
)

func pair(t *testing.T) (*routertest.Net, *routertest.Router, *routertest.Router, *routertest.Link) {
	n := routertest.NewNet()
	a := n.AddRouter("a", netip.MustParsePrefix("10.255.0.1/32"))
	b := n.AddRouter("b", netip.MustParsePrefix("10.255.0.2/32"))
	l := n.Connect(a, "eth1", netip.MustParsePrefix("10.0.0.0/31"), b, "eth1", netip.MustParsePrefix("10.0.0.1/31"), 30*time.Millisecond)
	return n, a, b, l
}

// TestDelivery: a message arrives after the latency, on the peer's
// interface; it is lost when the link goes down before it arrives, even
// if the link is back by then; a down link sends nothing.
func TestDelivery(t *testing.T) {
	n, a, b, l := pair(t)
	var got []string
	b.HandleControl(router.ProtoOSPF, func(iface string, msg any) {
		got = append(got, iface+":"+msg.(string)+"@"+n.Clock.Now().Sub(routertest.Epoch).String())
	})
	a.Do(func() { a.SendControl("eth1", router.ProtoOSPF, "one") })
	n.Clock.Advance(29 * time.Millisecond)
	if len(got) != 0 {
		t.Fatalf("delivered early: %v", got)
	}
	n.Clock.Advance(time.Millisecond)
	if len(got) != 1 || got[0] != "eth1:one@30ms" {
		t.Fatalf("got %v, want eth1:one@30ms", got)
	}
	a.SendControl("eth1", router.ProtoOSPF, "lost in flight")
	n.Clock.Advance(10 * time.Millisecond)
	l.SetUp(false)
	a.SendControl("eth1", router.ProtoOSPF, "never sent")
	l.SetUp(true)
	n.Clock.Advance(time.Second)
	if len(got) != 1 {
		t.Errorf("got %v after the flap, want nothing more", got)
	}
	if n.Dropped != 2 || n.Delivered != 1 {
		t.Errorf("dropped %d delivered %d, want 2 and 1", n.Dropped, n.Delivered)
	}
}

// TestInterfaceChange: both ends hear carrier changes at once; connected
// routes follow.
func TestInterfaceChange(t *testing.T) {
	_, a, b, l := pair(t)
	var seen []string
	for _, r := range []*routertest.Router{a, b} {
		r := r
		r.OnInterfaceChange(func(s router.InterfaceState) {
			seen = append(seen, r.Name()+":"+s.Name+map[bool]string{true: ":up", false: ":down"}[s.Up])
		})
	}
	l.SetUp(false)
	if len(seen) != 2 || seen[0] != "a:eth1:down" || seen[1] != "b:eth1:down" {
		t.Errorf("callbacks: %v", seen)
	}
	if _, ok := a.Table().Best("", netip.MustParsePrefix("10.0.0.0/31")); ok {
		t.Errorf("connected route kept on a down interface")
	}
	if a.Interfaces()[0].Up {
		t.Errorf("interface still up")
	}
}

// TestRIBSelection: distance first, then metric; watchers run only when
// the selection changes.
func TestRIBSelection(t *testing.T) {
	_, a, _, _ := pair(t)
	rib := a.Table()
	calls := 0
	rib.Watch(func() { calls++ })
	p := netip.MustParsePrefix("192.0.2.0/24")
	nh := []router.Nexthop{{Addr: netip.MustParseAddr("10.0.0.1"), Iface: "eth1"}}
	rib.ReplaceRoutes(router.ProtoIBGP, "", []router.Route{{Prefix: p, Metric: 0, Nexthops: nh}})
	rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{{Prefix: p, Metric: 50, Nexthops: nh}})
	if r, _ := rib.Best("", p); r.Proto != router.ProtoOSPF {
		t.Errorf("best = %v, want OSPF (110 beats iBGP's 200)", r.Proto)
	}
	rib.ReplaceRoutes(router.ProtoOSPF, "", []router.Route{{Prefix: p, Metric: 50, Nexthops: nh}})
	if calls != 2 {
		t.Errorf("watchers ran %d times, want 2 (the same routes again change nothing)", calls)
	}
	rib.ReplaceRoutes(router.ProtoOSPF, "", nil)
	if r, _ := rib.Best("", p); r.Proto != router.ProtoIBGP || calls != 3 {
		t.Errorf("best = %v after OSPF withdrew (calls %d), want iBGP", r.Proto, calls)
	}
	if got := rib.BestRoutes(""); len(got) != 3 || got[0].Prefix.String() != "10.0.0.0/31" || got[2].Prefix != p {
		t.Errorf("BestRoutes = %+v", got)
	}
}

func TestLabels(t *testing.T) {
	_, a, _, _ := pair(t)
	rib := a.Table()
	x, y := rib.AllocateLabel(), rib.AllocateLabel()
	if x != 24000 || y != 24001 {
		t.Fatalf("labels %d %d, want 24000 24001", x, y)
	}
	rib.ReleaseLabel(x)
	if z := rib.AllocateLabel(); z != 24000 || rib.LabelsInUse() != 2 {
		t.Errorf("reallocated %d with %d in use, want 24000 and 2", z, rib.LabelsInUse())
	}
}
