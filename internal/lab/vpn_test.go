package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestVPNRoutesStayInTheVRF checks where the tenant's routes land once the
// seed lab has converged: each PE has its own site's routes from eBGP and
// the remote site's from VPNv4 in the tenant VRF (the remote ones with the
// remote PE's loopback as next hop and, after resolution, the transport
// and VPN labels), none of them in any core router's global table, and the
// CEs learn the remote site over eBGP.
func TestVPNRoutesStayInTheVRF(t *testing.T) {
	l, _ := seedLab(t)
	node := func(name string) *Node {
		n, ok := l.Node(name)
		if !ok {
			t.Fatalf("no node %s", name)
		}
		return n
	}
	pe1, pe2, ce1, ce2, cloud1 := node("pe1"), node("pe2"), node("ce1"), node("ce2"), node("cloud1")
	site1 := []netip.Prefix{ce1.Model.Loopback, cloud1.Model.Loopback}
	site2 := []netip.Prefix{ce2.Model.Loopback}
	for _, ifc := range ce1.Model.Interfaces {
		site1 = append(site1, ifc.Addr.Masked())
	}
	for _, ifc := range ce2.Model.Interfaces {
		site2 = append(site2, ifc.Addr.Masked())
	}

	rib := pe1.Router.RIB()
	for _, p := range site1 {
		r, ok := rib.Best("tenant", p)
		if !ok {
			t.Errorf("pe1 vrf tenant lacks %v", p)
			continue
		}
		if r.Proto != router.ProtoEBGP && r.Proto != router.ProtoConnected {
			t.Errorf("pe1 vrf tenant %v from %v, want ebgp (or connected)", p, r.Proto)
		}
	}
	vpnLabel := pe2.VPNLabel("tenant")
	for _, p := range site2 {
		r, ok := rib.Best("tenant", p)
		if !ok {
			t.Errorf("pe1 vrf tenant lacks %v", p)
			continue
		}
		if r.Proto != router.ProtoIBGP || len(r.Nexthops) == 0 {
			t.Errorf("pe1 vrf tenant %v: %+v, want an ibgp route", p, r)
			continue
		}
		// Resolved through the global table: a core neighbour, the VPN
		// label (the RIB manager pushes the transport label on top).
		for _, nh := range r.Nexthops {
			if len(nh.Labels) != 1 || nh.Labels[0] != vpnLabel || !l.coreIface(pe1, nh.Iface) {
				t.Errorf("pe1 vrf tenant %v via %v %s labels %v, want a core interface and [%d]", p, nh.Addr, nh.Iface, nh.Labels, vpnLabel)
			}
		}
	}
	for _, core := range []string{"pe1", "pe2", "p1", "p2"} {
		n := node(core)
		for _, p := range append(append([]netip.Prefix{}, site1...), site2...) {
			if r, ok := n.Router.RIB().Best("", p); ok {
				t.Errorf("%s's global table has %v (%v): the VPN leaked", core, p, r.Proto)
			}
		}
	}
	if _, err := l.StartPing("pe1", "ce2", router.PingOptions{Count: 1}); err == nil {
		t.Error("pe1 pinged ce2 from its global table")
	}
	for _, p := range site2 {
		if r, ok := ce1.Router.RIB().Best("", p); !ok || r.Proto != router.ProtoEBGP {
			t.Errorf("ce1 route to %v: %+v %v, want ebgp", p, r, ok)
		}
	}

	// The reflectors carry both PEs' VPNv4 routes with RD, RT and label.
	pe2RD, err := bgp.ParseRD(l.Model.VPNs[0].VRFs[1].RD)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range node("p1").BGP().Routes(bgp.VPNv4) {
		if r.Key.RD == pe2RD && r.Key.Prefix == ce2.Model.Loopback && r.Best {
			found = true
			if r.Label != vpnLabel || r.NextHop != pe2.Model.Loopback.Addr() || len(r.Attrs.RouteTargets()) != 1 {
				t.Errorf("p1's VPNv4 route %v: label %d next hop %v RTs %v", r.Key, r.Label, r.NextHop, r.Attrs.RouteTargets())
			}
		}
	}
	if !found {
		t.Errorf("p1 has no best VPNv4 route %s:%v", pe2RD, ce2.Model.Loopback)
	}
}

// TestShowBGP reads the bgp tables through Show, as `intercloud show`
// does: the summary, a reflector's and a PE's VPNv4 table, a PE's VRF
// instance and a CE's IPv4 unicast table.
func TestShowBGP(t *testing.T) {
	l, clk := seedLab(t)
	clk.Advance(time.Second)
	_, text, err := l.Show("p1", "bgp summary", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"10.255.32.1", "10.255.32.2", "10.255.0.2"} {
		if !strings.Contains(text, want) {
			t.Errorf("p1 bgp summary lacks %s:\n%s", want, text)
		}
	}
	data, _, err := l.Show("p1", "bgp summary", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, nb := range data.([]bgp.Neighbor) {
		if nb.State != "Established" {
			t.Errorf("p1 neighbour %v is %s", nb.Neighbor, nb.State)
		}
	}
	pe2, _ := l.Node("pe2")
	ce2, _ := l.Node("ce2")
	for _, node := range []string{"p1", "pe1"} {
		data, text, err := l.Show(node, "bgp vpnv4", "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "Route Distinguisher: "+l.Model.VPNs[0].VRFs[1].RD) ||
			!strings.Contains(text, ce2.Model.Loopback.String()) ||
			!strings.Contains(text, "label="+itoa(pe2.VPNLabel("tenant"))) {
			t.Errorf("%s bgp vpnv4 lacks pe2's route for ce2:\n%s", node, text)
		}
		if len(data.([]bgp.RouteView)) == 0 {
			t.Errorf("%s bgp vpnv4: no data", node)
		}
	}
	data, text, err = l.Show("pe1", "bgp summary", "tenant")
	if err != nil {
		t.Fatal(err)
	}
	if nbs := data.([]bgp.Neighbor); len(nbs) != 1 || nbs[0].AS != 64513 || nbs[0].State != "Established" || !strings.Contains(text, "64513") {
		t.Errorf("pe1 vrf tenant summary %+v:\n%s", nbs, text)
	}
	_, text, err = l.Show("ce1", "bgp ipv4 unicast", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, ce2.Model.Loopback.String()) || !strings.Contains(text, "65000 64514") {
		t.Errorf("ce1 bgp ipv4 unicast lacks ce2's loopback via 65000 64514:\n%s", text)
	}
	if _, _, err := l.Show("ce1", "bgp vpnv4", ""); err == nil {
		t.Error("ce1 showed a vpnv4 table")
	}
	if _, _, err := l.Show("cloud2", "bgp summary", ""); err == nil {
		t.Error("cloud2 showed a bgp summary")
	}
}

// coreIface reports whether n's interface name is on a core link.
func (l *Lab) coreIface(n *Node, name string) bool {
	for _, ifc := range n.Model.Interfaces {
		if ifc.Name == name {
			return l.Model.Links[ifc.LinkID].Core
		}
	}
	return false
}

// TestBGPFollowsTheIGP cuts pe1 off the core: its iBGP sessions lose
// their path (the IGP no longer has the peers' loopbacks), fall by hold
// timer, and the reflectors withdraw pe1's VPN routes, so ce2 loses the
// routes to site 1. When the links come back the sessions re-establish by
// themselves and the VPN carries traffic again.
func TestBGPFollowsTheIGP(t *testing.T) {
	l, clk := seedLab(t)
	pe1, _ := l.Node("pe1")
	ce1, _ := l.Node("ce1")
	ce2, _ := l.Node("ce2")
	p1, _ := l.Node("p1")
	pe1Lo := pe1.Model.Loopback.Addr()
	for _, p := range []string{"p1", "p2"} {
		if _, err := l.SetLinkUp("pe1", p, false); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Second)
	if st := p1.BGP().PeerState(pe1Lo); st != bgp.Established {
		t.Fatalf("p1's session to pe1 is %v before its hold time ran out", st)
	}
	clk.Advance(100 * time.Second) // past the 90 s hold time
	if st := p1.BGP().PeerState(pe1Lo); st == bgp.Established {
		t.Fatalf("p1's session to pe1 still Established with pe1 cut off")
	}
	if r, ok := ce2.Router.RIB().Best("", ce1.Model.Loopback); ok {
		t.Fatalf("ce2 still routes to ce1's loopback: %+v", r)
	}
	if c := l.Counts(); c.BGPSessions != 5 || c.BGPEstablished != 5 {
		t.Errorf("with pe1 cut off: %+v, want the 5 sessions that still have a path, all Established", c)
	}
	for _, p := range []string{"p1", "p2"} {
		if _, err := l.SetLinkUp("pe1", p, true); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, l, clk)
	if st := p1.BGP().PeerState(pe1Lo); st != bgp.Established {
		t.Fatalf("p1's session to pe1 is %v after recovery", st)
	}
	res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 3, Interval: 100 * time.Millisecond})
	if res.Received != 3 {
		t.Fatalf("ping after recovery: %+v", res)
	}
}

// TestStaticEdgeRunsNoBGP keeps the lab without VPNs working: every
// interface in the global table, CEs routed statically, ce1 -> ce2 on one
// transport label toward ce2's own FEC, no speakers at all.
func TestStaticEdgeRunsNoBGP(t *testing.T) {
	m, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk, StaticEdge: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.Start()
	if c, took, ok := l.WaitReady(5*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok || c.BGPSessions != 0 {
		t.Fatalf("not ready after %v: %+v", took, c)
	}
	for _, n := range l.Nodes() {
		if n.BGP() != nil {
			t.Errorf("%s runs BGP", n.Model.Name)
		}
	}
	pe1, _ := l.Node("pe1")
	ce2, _ := l.Node("ce2")
	if r, ok := pe1.Router.RIB().Best("", ce2.Model.Loopback); !ok || r.Proto != router.ProtoOSPF {
		t.Errorf("pe1's global route to ce2: %+v %v, want OSPF (redistributed static)", r, ok)
	}
	tr := trace(t, l, clk, "ce1", "ce2")
	if !tr.Reached || len(tr.Hops) != 4 || len(tr.Hops[1].Probes[0].Labels) != 1 {
		t.Fatalf("trace: %+v", tr)
	}
	if got, want := tr.Hops[1].Probes[0].Labels[0].Label, localLabel(t, l, l.NameOf(tr.Hops[1].Probes[0].From), ce2.Model.Loopback); got != want {
		t.Errorf("P hop quoted label %d, want %d (its label for ce2's loopback)", got, want)
	}
}

// TestPingInVRF pings and traces from pe1 in the tenant VRF, as "ping vrf
// tenant" on a PE: the source is the VRF's own interface address, so the
// answers come back into the VRF; in the global table ce2 is unknown.
func TestPingInVRF(t *testing.T) {
	l, clk := seedLab(t)
	res := ping(t, l, clk, "pe1", "ce2", router.PingOptions{Count: 1, VRF: "tenant"})
	pe1, _ := l.Node("pe1")
	var vrfAddr netip.Addr
	for _, ifc := range pe1.Model.Interfaces {
		if ifc.Peer == "ce1" {
			vrfAddr = ifc.Addr.Addr()
		}
	}
	if res.Received != 1 || res.Src != vrfAddr {
		t.Fatalf("ping vrf tenant from pe1: src %v (want %v), %+v", res.Src, vrfAddr, res.Replies)
	}
	s, err := l.StartTrace("pe1", "ce2", router.TraceOptions{Probes: 1, MaxHops: 8, VRF: "tenant"})
	if err != nil {
		t.Fatal(err)
	}
	await(t, clk, s.Done(), time.Minute)
	tr := s.Result()
	if !tr.Reached || len(tr.Hops) != 3 || len(tr.Hops[0].Probes[0].Labels) != 2 {
		t.Fatalf("trace vrf tenant: %+v", tr)
	}
	if _, err := l.StartPing("pe1", "ce2", router.PingOptions{Count: 1}); err == nil {
		t.Error("pe1's global table reaches ce2: the tenant's routes leaked out of the VRF")
	}
}

// TestShowNeighborAndVRF checks `show pe1 bgp neighbor p1` (by node name
// or address: negotiated families, RT constraint membership, reflector
// client) and `show pe1 vrf [tenant [routes]]`.
func TestShowNeighborAndVRF(t *testing.T) {
	l, _ := seedLab(t)
	pe1, _ := l.Node("pe1")
	p1, _ := l.Node("p1")
	_, text, err := l.Show("p1", "bgp neighbor pe1", "")
	if err != nil {
		t.Fatal(err)
	}
	rt := l.Model.VPN("tenant").Import[0]
	for _, want := range []string{"BGP neighbor is " + pe1.Model.Loopback.Addr().String() + ", remote AS 65000, local AS 65000, internal link",
		"BGP state = Established", "Route-Reflector Client", "vpnv4", "asks for RT:" + rt} {
		if !strings.Contains(text, want) {
			t.Errorf("show p1 bgp neighbor pe1 lacks %q:\n%s", want, text)
		}
	}
	if _, _, err := l.Show("pe1", "bgp neighbor "+p1.Model.Loopback.Addr().String(), ""); err != nil {
		t.Errorf("neighbor by address: %v", err)
	}
	if _, _, err := l.Show("pe1", "bgp neighbor nobody", ""); err == nil {
		t.Error("an unknown neighbor is not an error")
	}
	data, text, err := l.Show("pe1", "vrf", "")
	if err != nil {
		t.Fatal(err)
	}
	vrfs := data.([]VRFInfo)
	if len(vrfs) != 1 || vrfs[0].Name != "tenant" || vrfs[0].Label != pe1.VPNLabel("tenant") || vrfs[0].Routes == 0 || !strings.Contains(text, "tenant") {
		t.Errorf("show pe1 vrf: %+v\n%s", vrfs, text)
	}
	if _, text, err := l.Show("pe1", "vrf tenant routes", ""); err != nil || !strings.Contains(text, "/32") {
		t.Errorf("show pe1 vrf tenant routes: %v\n%s", err, text)
	}
	if _, _, err := l.Show("pe1", "vrf nope", ""); err == nil {
		t.Error("an unknown vrf is not an error")
	}
}

// TestSitesWithOneASN pins both CEs of the tenant VPN to AS 65001, as a
// customer with one ASN for every site would: the PEs rewrite it to
// their own (as-override), so each site learns the other's routes with
// path "65000 65000" and ce1 pings ce2.
func TestSitesWithOneASN(t *testing.T) {
	y := `nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce, asn: 65001}
  ce2: {role: ce, asn: 65001}
links: [pe1-p1, pe2-p1, ce1-pe1, ce2-pe2]
vpns:
  tenant: {sites: [ce1, ce2]}
`
	res, err := topology.Load("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	l, clk := runLab(t, res.Model)
	ce1, _ := l.Node("ce1")
	ce2, _ := l.Node("ce2")
	var path string
	for _, r := range ce1.BGP().Routes(bgp.IPv4Unicast) {
		if r.Key.Prefix == ce2.Model.Loopback && r.Best {
			path = r.Attrs.ASPathString()
		}
	}
	if path != "65000 65000" {
		t.Fatalf("ce1's path to ce2's loopback: %q, want 65000 65000 (as-override)", path)
	}
	if r := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1}); r.Received != 1 {
		t.Fatalf("ping ce1 -> ce2: %+v", r)
	}
	if _, text, _ := l.Show("pe1", "bgp neighbor ce1", "tenant"); !strings.Contains(text, "as-override") {
		t.Errorf("pe1's neighbor ce1 does not show as-override:\n%s", text)
	}
}
