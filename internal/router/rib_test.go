package router

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/topology"
)

// ribNet is r with eth0 to a (10.1.0.0/30) and eth1 to b (10.2.0.0/30).
func ribNet(t *testing.T) (*testNet, *Router) {
	n := newNet(t)
	r := n.router("r", topology.RoleP, "10.255.0.1/32")
	n.router("a", topology.RoleP, "10.255.0.2/32")
	n.router("b", topology.RoleP, "10.255.0.3/32")
	n.link("r", "eth0", "10.1.0.1/30", "a", "eth0", "10.1.0.2/30", dataplane.Impairment{})
	n.link("r", "eth1", "10.2.0.1/30", "b", "eth0", "10.2.0.2/30", dataplane.Impairment{})
	return n, r
}

// ribNetWithRed is ribNet with a CE on r's eth2 (172.16.0.0/30), in
// r's VRF red, over link l.
func ribNetWithRed(t *testing.T) (n *testNet, r *Router, l *dataplane.Link) {
	n, r = ribNet(t)
	ce := n.router("ce", topology.RoleCE, "")
	l, _ = dataplane.NewLink(n.clk, dataplane.Config{Name: "r-ce"})
	must(t, r.AttachPort("eth2", pfx("172.16.0.1/30"), l.A(), "red"))
	must(t, ce.AttachPort("eth0", pfx("172.16.0.2/30"), l.B(), ""))
	return n, r, l
}

// fibVia returns the neighbours and label stacks the FIB forwards addr by.
func fibVia(r *Router, vrf string, addr string) (gws []string, labels [][]uint32) {
	idx, _ := r.rib.lookupVRF(vrf)
	e := r.fwd.Load().fib(idx).lookupAddr(ip(addr))
	if e == nil {
		return nil, nil
	}
	if e.local {
		return []string{"local"}, nil
	}
	for _, nh := range e.nhs {
		gws = append(gws, nh.gw.String()+"@"+nh.ifc.name)
		var ls []uint32
		if len(nh.labels) > 0 {
			ls = nh.labels
		}
		labels = append(labels, ls)
	}
	return gws, labels
}

func TestRIBSelectionByDistance(t *testing.T) {
	_, r := ribNet(t)
	ospf := []Route{{Prefix: pfx("10.9.0.0/24"), Metric: 20, Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}},
		// OSPF also knows the connected subnet; connected (distance 0) wins.
		{Prefix: pfx("10.2.0.0/30"), Metric: 10, Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}}
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoOSPF, "", ospf) })
	if gws, _ := fibVia(r, "", "10.9.0.7"); !slices.Equal(gws, []string{"10.1.0.2@eth0"}) {
		t.Errorf("10.9.0.7 via %v, want OSPF's 10.1.0.2", gws)
	}
	if gws, _ := fibVia(r, "", "10.2.0.2"); !slices.Equal(gws, []string{"invalid IP@eth1"}) {
		t.Errorf("10.2.0.2 via %v, want connected eth1", gws)
	}
	must(t, r.AddStatic("", pfx("10.9.0.0/24"), ip("10.2.0.2")))
	var best Route
	r.Do(func() { best, _ = r.RIB().Best("", pfx("10.9.0.0/24")) })
	if best.Proto != ProtoStatic {
		t.Errorf("best %+v, want the static (distance 1 beats 110)", best)
	}
	if gws, _ := fibVia(r, "", "10.9.0.7"); !slices.Equal(gws, []string{"10.2.0.2@eth1"}) {
		t.Errorf("10.9.0.7 via %v, want the static's 10.2.0.2", gws)
	}
	r.RemoveStatic("", pfx("10.9.0.0/24"), ip("10.2.0.2"))
	if gws, _ := fibVia(r, "", "10.9.0.7"); !slices.Equal(gws, []string{"10.1.0.2@eth0"}) {
		t.Errorf("after removing the static, via %v, want OSPF's again", gws)
	}
	// Local addresses and the loopback deliver to the router.
	for _, a := range []string{"10.1.0.1", "10.2.0.1", "10.255.0.1"} {
		if gws, _ := fibVia(r, "", a); !slices.Equal(gws, []string{"local"}) {
			t.Errorf("%s: %v, want local", a, gws)
		}
	}
}

func TestRIBECMPAndMetric(t *testing.T) {
	_, r := ribNet(t)
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.9.0.0/24"), Metric: 20, Nexthops: []Nexthop{
			{Addr: ip("10.1.0.2"), Iface: "eth0"}, {Addr: ip("10.2.0.2")}, // the interface found from the subnet
		}}})
		r.RIB().ReplaceRoutes(ProtoEBGP, "", []Route{{Prefix: pfx("10.9.0.0/24"), Nexthops: []Nexthop{{Addr: ip("10.2.0.2")}}}})
	})
	// Distance first: eBGP (20) beats OSPF (110), whatever the metrics.
	var best Route
	r.Do(func() { best, _ = r.RIB().Best("", pfx("10.9.0.0/24")) })
	if best.Proto != ProtoEBGP {
		t.Fatalf("best %v, want ebgp", best.Proto)
	}
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoEBGP, "", nil) })
	gws, _ := fibVia(r, "", "10.9.0.1")
	if !slices.Equal(gws, []string{"10.1.0.2@eth0", "10.2.0.2@eth1"}) {
		t.Errorf("ECMP via %v, want both", gws)
	}
}

func TestRecursiveStaticInheritsLabels(t *testing.T) {
	_, r := ribNet(t)
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.9/32"), Metric: 30, Nexthops: []Nexthop{
			{Addr: ip("10.1.0.2"), Iface: "eth0"}, {Addr: ip("10.2.0.2"), Iface: "eth1"}}}})
		r.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{
			{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 24005},
			{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.2.0.2"), OutLabel: LabelImplicitNull},
		})
	})
	must(t, r.AddStatic("", pfx("192.168.0.0/16"), ip("10.255.0.9")))
	gws, labels := fibVia(r, "", "192.168.3.4")
	if !slices.Equal(gws, []string{"10.1.0.2@eth0", "10.2.0.2@eth1"}) ||
		!slices.EqualFunc(labels, [][]uint32{{24005}, nil}, slices.Equal[[]uint32]) {
		t.Errorf("via %v labels %v, want 10.1.0.2 with 24005 and 10.2.0.2 with none (implicit null)", gws, labels)
	}
	// Best shows the resolution, without the transport labels.
	var best Route
	r.Do(func() { best, _ = r.RIB().Best("", pfx("192.168.0.0/16")) })
	if len(best.Nexthops) != 2 || best.Nexthops[0].Addr != ip("10.1.0.2") || best.Nexthops[0].Iface != "eth0" || best.Nexthops[0].Labels != nil {
		t.Errorf("best %+v", best)
	}
	// Without a route to the nexthop the static is inactive.
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoOSPF, "", nil) })
	if gws, _ := fibVia(r, "", "192.168.3.4"); gws != nil {
		t.Errorf("unresolvable static still forwards via %v", gws)
	}
}

// SR's label wins over LDP's for the same FEC, in the FIB and the LFIB.
func TestSRPreferredOverLDP(t *testing.T) {
	_, r := ribNet(t)
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.9/32"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}})
		rib.ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 24001}})
		rib.ReplaceFECLabels(ProtoSR, []FECLabel{{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 16009}})
		rib.ReplaceLSPs(ProtoLDP, []LSP{{InLabel: 16009, Nexthops: []LSPNexthop{{Addr: ip("10.2.0.2"), Iface: "eth1", OutLabel: 99}}}})
		rib.ReplaceLSPs(ProtoSR, []LSP{{InLabel: 16009, Nexthops: []LSPNexthop{{Addr: ip("10.1.0.2"), Iface: "eth0", OutLabel: 16009}}}})
	})
	if _, labels := fibVia(r, "", "10.255.0.9"); !slices.EqualFunc(labels, [][]uint32{{16009}}, slices.Equal[[]uint32]) {
		t.Errorf("labels %v, want SR's 16009", labels)
	}
	e := r.fwd.Load().lfib.lookup(16009)
	if e == nil || e.hops[0].ifc.name != "eth0" || e.hops[0].out != 16009 {
		t.Errorf("LFIB 16009: %+v, want SR's swap to eth0", e)
	}
	r.Do(func() { r.RIB().ReplaceFECLabels(ProtoSR, nil) })
	if _, labels := fibVia(r, "", "10.255.0.9"); !slices.EqualFunc(labels, [][]uint32{{24001}}, slices.Equal[[]uint32]) {
		t.Errorf("without SR, labels %v, want LDP's 24001", labels)
	}
}

// A VPN route (iBGP in a VRF) resolves its PE nexthop in the default VRF
// and pushes the transport label over its own VPN label.
func TestVRFRouteResolvesInDefault(t *testing.T) {
	_, r, _ := ribNetWithRed(t)
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.9/32"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}})
		rib.ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 24007}})
		rib.ReplaceRoutes(ProtoIBGP, "red", []Route{{Prefix: pfx("192.168.2.0/24"), Nexthops: []Nexthop{{Addr: ip("10.255.0.9"), Labels: []uint32{24100}}}}})
	})
	gws, labels := fibVia(r, "red", "192.168.2.1")
	if !slices.Equal(gws, []string{"10.1.0.2@eth0"}) || !slices.EqualFunc(labels, [][]uint32{{24007, 24100}}, slices.Equal[[]uint32]) {
		t.Errorf("red 192.168.2.1 via %v labels %v, want 10.1.0.2 with 24007/24100", gws, labels)
	}
	// The VRF is separate: the default table does not know the prefix, and
	// the VRF has its connected subnet.
	if gws, _ := fibVia(r, "", "192.168.2.1"); gws != nil {
		t.Errorf("default table routes a VRF prefix via %v", gws)
	}
	if gws, _ := fibVia(r, "red", "172.16.0.2"); len(gws) != 1 || gws[0] != "invalid IP@eth2" {
		t.Errorf("red connected: %v", gws)
	}
	// A change in the default VRF (the LDP label) reaches the VRF route.
	r.Do(func() {
		r.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 24008}})
	})
	if _, labels := fibVia(r, "red", "192.168.2.1"); !slices.EqualFunc(labels, [][]uint32{{24008, 24100}}, slices.Equal[[]uint32]) {
		t.Errorf("after LDP change, labels %v", labels)
	}
}

func TestRIBWatch(t *testing.T) {
	_, r := ribNet(t)
	calls := 0
	var rib RIB
	r.Do(func() { rib = r.RIB() })
	rib.Watch(func() {
		calls++
		// A watcher reacting with FEC labels (as LDP does) must not recurse.
		rib.ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.9.0.0/24"), Nexthop: ip("10.1.0.2"), OutLabel: 24000}})
	})
	routes := []Route{{Prefix: pfx("10.9.0.0/24"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}}
	r.Do(func() { rib.ReplaceRoutes(ProtoOSPF, "", routes) })
	if calls != 1 {
		t.Errorf("%d watcher calls after a new route, want 1", calls)
	}
	r.Do(func() { rib.ReplaceRoutes(ProtoOSPF, "", routes) })
	if calls != 1 {
		t.Errorf("%d watcher calls after the same routes again, want still 1", calls)
	}
	r.Do(func() {
		rib.ReplaceLSPs(ProtoLDP, []LSP{{InLabel: 24000, Nexthops: []LSPNexthop{{Addr: ip("10.1.0.2"), OutLabel: 3}}}})
	})
	if calls != 1 {
		t.Errorf("LSP change ran the watchers")
	}
	r.Do(func() { rib.ReplaceRoutes(ProtoOSPF, "", nil) })
	if calls != 2 {
		t.Errorf("%d watcher calls after withdrawal, want 2", calls)
	}
}

func TestLabelAllocator(t *testing.T) {
	var a labelAllocator
	got := []uint32{a.allocate(), a.allocate(), a.allocate()}
	if !slices.Equal(got, []uint32{24000, 24001, 24002}) {
		t.Fatalf("allocated %v", got)
	}
	a.release(24001)
	a.release(24000)
	a.release(50000) // never allocated: ignored
	got = []uint32{a.allocate(), a.allocate(), a.allocate()}
	if !slices.Equal(got, []uint32{24000, 24001, 24003}) {
		t.Errorf("after release, allocated %v, want the released ones lowest first", got)
	}
}

func TestBestRoutesSorted(t *testing.T) {
	_, r := ribNet(t)
	var routes []Route
	r.Do(func() { routes = r.RIB().BestRoutes("") })
	var got []netip.Prefix
	for _, rt := range routes {
		got = append(got, rt.Prefix)
	}
	want := []netip.Prefix{pfx("10.1.0.0/30"), pfx("10.1.0.1/32"), pfx("10.2.0.0/30"), pfx("10.2.0.1/32"), pfx("10.255.0.1/32")}
	if !slices.Equal(got, want) {
		t.Errorf("best routes %v, want %v", got, want)
	}
}

// The RIB tells a label protocol which addresses VPN routes resolve
// through in the default VRF, once each as they come into and go out of
// use: what an LDP access node asks its neighbours labels for (RFC 7032).
func TestRIBSaysWhichNexthopsVPNRoutesResolveThrough(t *testing.T) {
	_, r := ribNet(t)
	var heard [][]NexthopUse
	var now []netip.Addr
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.0/16"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}})
		now = rib.WatchNexthops(func(u []NexthopUse) { heard = append(heard, slices.Clone(u)) })
	})
	if len(now) != 0 {
		t.Fatalf("in use before any VPN route: %v", now)
	}
	vpn := func(p, nh string) Route {
		return Route{Prefix: pfx(p), Nexthops: []Nexthop{{Addr: ip(nh), Labels: []uint32{24100}}}}
	}
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoIBGP, "red", []Route{vpn("192.168.1.0/24", "10.255.0.9"), vpn("192.168.2.0/24", "10.255.0.9")})
		rib.ReplaceRoutes(ProtoIBGP, "blue", []Route{vpn("192.168.1.0/24", "10.255.0.9"), vpn("192.168.3.0/24", "10.255.0.7")})
	})
	want := [][]NexthopUse{{{Addr: ip("10.255.0.9"), Used: true}}, {{Addr: ip("10.255.0.7"), Used: true}}}
	if !reflect.DeepEqual(heard, want) {
		t.Fatalf("heard %v, want %v", heard, want)
	}
	heard = nil
	// red's routes go, but blue still resolves through 10.255.0.9.
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoIBGP, "red", nil) })
	if len(heard) != 0 {
		t.Errorf("heard %v while blue still uses both", heard)
	}
	r.Do(func() { r.RIB().UpdateRoutes(ProtoIBGP, "blue", nil, []netip.Prefix{pfx("192.168.1.0/24")}) })
	if want := [][]NexthopUse{{{Addr: ip("10.255.0.9")}}}; !reflect.DeepEqual(heard, want) {
		t.Errorf("heard %v, want %v", heard, want)
	}
	r.Do(func() { now = r.RIB().WatchNexthops(func([]NexthopUse) {}) })
	if !slices.Equal(now, []netip.Addr{ip("10.255.0.7")}) {
		t.Errorf("in use: %v, want 10.255.0.7", now)
	}
}

// A next hop BGP tracks before any route resolves through it (bgpd
// registering it with zebra) is in use as a route's would be: the label
// protocol hears of it at once, and not again while a route uses it too;
// it goes out of use when neither does.
func TestATrackedNexthopIsInUseBeforeAnyRouteResolvesThroughIt(t *testing.T) {
	_, r := ribNet(t)
	var heard [][]NexthopUse
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.0/16"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}})
		rib.WatchNexthops(func(u []NexthopUse) { heard = append(heard, slices.Clone(u)) })
	})
	nh := ip("10.255.0.9")
	r.Do(func() { r.RIB().TrackNexthops([]netip.Addr{nh}, nil) })
	if want := [][]NexthopUse{{{Addr: nh, Used: true}}}; !reflect.DeepEqual(heard, want) {
		t.Fatalf("tracking: heard %v, want %v", heard, want)
	}
	heard = nil
	vpn := Route{Prefix: pfx("192.168.1.0/24"), Nexthops: []Nexthop{{Addr: nh, Labels: []uint32{24100}}}}
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoIBGP, "red", []Route{vpn})
		r.RIB().TrackNexthops(nil, []netip.Addr{nh})
	})
	if len(heard) != 0 {
		t.Errorf("a route took over the tracked next hop: heard %v, want nothing", heard)
	}
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoIBGP, "red", nil) })
	if want := [][]NexthopUse{{{Addr: nh}}}; !reflect.DeepEqual(heard, want) {
		t.Errorf("the route gone: heard %v, want %v", heard, want)
	}
}

// A VPN route whose next hop the default VRF reaches with no label
// switched path (an area's default route, before an on-demand label
// comes) is not usable: its label means nothing to the routers on the
// way (RFC 4364 4.3.2). It is installed once a label, even implicit
// null, or a labelled host route reaches the next hop.
func TestVPNRouteWaitsForALabelSwitchedPathToItsNextHop(t *testing.T) {
	_, r, _ := ribNetWithRed(t)
	vpnRoute := []Route{{Prefix: pfx("192.168.2.0/24"), Nexthops: []Nexthop{{Addr: ip("10.255.0.9"), Labels: []uint32{24100}}}}}
	best := func() (Route, bool) {
		var rt Route
		var ok bool
		r.Do(func() { rt, ok = r.RIB().Best("red", pfx("192.168.2.0/24")) })
		return rt, ok
	}
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("0.0.0.0/0"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0"}}}})
		rib.ReplaceRoutes(ProtoIBGP, "red", vpnRoute)
	})
	if gws, labels := fibVia(r, "red", "192.168.2.1"); gws != nil {
		t.Fatalf("over an unlabelled default route the VPN route forwards via %v with labels %v", gws, labels)
	}
	if rt, ok := best(); ok {
		t.Fatalf("unusable VPN route selected: %+v", rt)
	}

	// The label protocol's host route for the next hop (LDP's longest
	// match, RFC 5283) brings the route in, under its label.
	r.Do(func() {
		r.RIB().ReplaceRoutes(ProtoLDP, "", []Route{{Prefix: pfx("10.255.0.9/32"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Iface: "eth0", Labels: []uint32{24007}}}}})
	})
	gws, labels := fibVia(r, "red", "192.168.2.1")
	if !slices.Equal(gws, []string{"10.1.0.2@eth0"}) || !slices.EqualFunc(labels, [][]uint32{{24007, 24100}}, slices.Equal[[]uint32]) {
		t.Fatalf("with a labelled host route: via %v labels %v, want 10.1.0.2 with 24007/24100", gws, labels)
	}
	r.Do(func() { r.RIB().ReplaceRoutes(ProtoLDP, "", nil) })
	if gws, _ := fibVia(r, "red", "192.168.2.1"); gws != nil {
		t.Fatalf("after the host route went, the VPN route still forwards via %v", gws)
	}

	// Implicit null for the default route's FEC: the neighbour pops
	// nothing of ours, the VPN label alone goes.
	r.Do(func() {
		r.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("0.0.0.0/0"), Nexthop: ip("10.1.0.2"), OutLabel: LabelImplicitNull}})
	})
	gws, labels = fibVia(r, "red", "192.168.2.1")
	if !slices.Equal(gws, []string{"10.1.0.2@eth0"}) || !slices.EqualFunc(labels, [][]uint32{{24100}}, slices.Equal[[]uint32]) {
		t.Fatalf("with implicit null: via %v labels %v, want 10.1.0.2 with 24100", gws, labels)
	}

	// Nor does a next hop that is the neighbour itself need a label.
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceFECLabels(ProtoLDP, nil)
		rib.ReplaceRoutes(ProtoIBGP, "red", []Route{{Prefix: pfx("192.168.2.0/24"), Nexthops: []Nexthop{{Addr: ip("10.1.0.2"), Labels: []uint32{24100}}}}})
	})
	if gws, labels := fibVia(r, "red", "192.168.2.1"); !slices.Equal(gws, []string{"10.1.0.2@eth0"}) || !slices.EqualFunc(labels, [][]uint32{{24100}}, slices.Equal[[]uint32]) {
		t.Fatalf("next hop on the link: via %v labels %v, want 10.1.0.2 with 24100", gws, labels)
	}
}
