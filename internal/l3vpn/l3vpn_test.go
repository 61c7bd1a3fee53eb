package l3vpn

import (
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/router/routertest"
)

// vpnRig is two sites of one VPN across two PEs, every router a Node on
// routertest with speakers on in-memory networks (one for the core, one
// per PE–CE link), so the tests see what the package puts in a RIB and
// what peers receive. Static routes stand in for the IGP and the
// connected PE–CE subnets.
type vpnRig struct {
	t                  *testing.T
	net                *routertest.Net
	core, site1, site2 *bgp.MemNetwork
	pe1, pe2, ce1, ce2 *Node
	r                  map[string]*routertest.Router

	mu       sync.Mutex
	announce map[string][]netip.Prefix // what each CE announces
}

var (
	rt1  = mustRT("65000:1")
	lo1  = netip.MustParseAddr("10.255.0.1")
	lo2  = netip.MustParseAddr("10.255.0.2")
	pfx1 = netip.MustParsePrefix("10.1.1.0/24")
	pfx2 = netip.MustParsePrefix("10.2.2.0/24")
)

func mustRT(s string) bgp.ExtCommunity {
	rt, err := bgp.ParseRouteTarget(s)
	if err != nil {
		panic(err)
	}
	return rt
}

func a(s string) netip.Addr { return netip.MustParseAddr(s) }

func static(r *routertest.Router, vrf string, dst string) {
	rs := r.Table().Routes(router.ProtoStatic, vrf)
	rs = append(rs, router.Route{Prefix: netip.MustParsePrefix(dst), Metric: 10, Nexthops: []router.Nexthop{{Iface: "eth1"}}})
	r.Table().ReplaceRoutes(router.ProtoStatic, vrf, rs)
}

func newVPNRig(t *testing.T, perPrefix bool) *vpnRig {
	t.Helper()
	g := &vpnRig{t: t, net: routertest.NewNet(), r: map[string]*routertest.Router{}, announce: map[string][]netip.Prefix{
		"ce1": {pfx1}, "ce2": {pfx2},
	}}
	clk := g.net.Clock
	g.core, g.site1, g.site2 = bgp.NewMemNetwork(clk), bgp.NewMemNetwork(clk), bgp.NewMemNetwork(clk)
	for name, lo := range map[string]string{"pe1": "10.255.0.1/32", "pe2": "10.255.0.2/32", "ce1": "10.0.0.1/32", "ce2": "10.0.0.2/32"} {
		g.r[name] = g.net.AddRouter(name, netip.MustParsePrefix(lo))
	}
	// The IGP between the PEs, the PE–CE links in the VRFs and at the CEs.
	static(g.r["pe1"], "", "10.255.0.2/32")
	static(g.r["pe2"], "", "10.255.0.1/32")
	static(g.r["pe1"], "red", "192.168.1.0/31")
	static(g.r["pe2"], "red", "192.168.2.0/31")
	static(g.r["ce1"], "", "192.168.1.0/31")
	static(g.r["ce2"], "", "192.168.2.0/31")

	site := func(name string, m *bgp.MemNetwork, addr netip.Addr, asn uint32) *Node {
		n, err := New(Config{Env: g.r[name], Mode: Site,
			Speaker:  bgp.Config{ASN: asn, RouterID: g.r[name].RouterID(), Families: []bgp.Family{bgp.IPv4Unicast}, Transport: m, ListenAddr: netip.AddrPortFrom(addr, 179), Clock: clk},
			Announce: func() []netip.Prefix { g.mu.Lock(); defer g.mu.Unlock(); return slices.Clone(g.announce[name]) }})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	pe := func(name string, lo netip.Addr, rd string, m *bgp.MemNetwork, vrfAddr netip.Addr) *Node {
		n, err := New(Config{Env: g.r[name], Mode: Provider,
			Speaker: bgp.Config{ASN: 65000, RouterID: lo, Families: []bgp.Family{bgp.VPNv4}, Transport: g.core, ListenAddr: netip.AddrPortFrom(lo, 179), Clock: clk}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := bgp.ParseRD(rd)
		if err != nil {
			t.Fatal(err)
		}
		err = n.AddVRF(VRFConfig{Name: "red", RD: d, Import: []bgp.ExtCommunity{rt1}, Export: []bgp.ExtCommunity{rt1}, PerPrefixLabels: perPrefix,
			Speaker: bgp.Config{ASN: 65000, RouterID: lo, Families: []bgp.Family{bgp.IPv4Unicast}, Transport: m, ListenAddr: netip.AddrPortFrom(vrfAddr, 179), Clock: clk}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	g.pe1 = pe("pe1", lo1, "10.255.0.1:1", g.site1, a("192.168.1.0"))
	g.pe2 = pe("pe2", lo2, "10.255.0.2:1", g.site2, a("192.168.2.0"))
	g.ce1 = site("ce1", g.site1, a("192.168.1.1"), 64601)
	g.ce2 = site("ce2", g.site2, a("192.168.2.1"), 64602)
	for _, n := range []*Node{g.pe1, g.pe2, g.ce1, g.ce2} {
		t.Cleanup(n.Close)
	}
	for name, n := range map[string]*Node{"pe1": g.pe1, "pe2": g.pe2, "ce1": g.ce1, "ce2": g.ce2} {
		g.r[name].Do(n.Start)
	}
	peer := func(sp *bgp.Speaker, addr, local netip.Addr, asn uint32) {
		if err := sp.AddPeer(bgp.PeerConfig{Addr: addr, ASN: asn, LocalAddr: local}); err != nil {
			t.Fatal(err)
		}
	}
	peer(g.pe1.Speaker(), lo2, lo1, 65000)
	peer(g.pe2.Speaker(), lo1, lo2, 65000)
	peer(g.pe1.VRFSpeaker("red"), a("192.168.1.1"), a("192.168.1.0"), 64601)
	peer(g.ce1.Speaker(), a("192.168.1.0"), a("192.168.1.1"), 65000)
	peer(g.pe2.VRFSpeaker("red"), a("192.168.2.1"), a("192.168.2.0"), 64602)
	peer(g.ce2.Speaker(), a("192.168.2.0"), a("192.168.2.1"), 65000)
	for _, n := range []*Node{g.ce1, g.ce2} {
		if err := n.Announce(); err != nil {
			t.Fatal(err)
		}
	}
	return g
}

// reannounce has a CE announce exactly ps from now on.
func (g *vpnRig) reannounce(ce string, ps ...netip.Prefix) {
	g.t.Helper()
	g.mu.Lock()
	g.announce[ce] = ps
	g.mu.Unlock()
	if err := map[string]*Node{"ce1": g.ce1, "ce2": g.ce2}[ce].Announce(); err != nil {
		g.t.Fatal(err)
	}
}

// until advances the virtual clock in steps until cond holds, for at most
// a minute of lab time.
func (g *vpnRig) until(what string, cond func() bool) {
	g.t.Helper()
	for i := 0; i < 600; i++ {
		if cond() {
			return
		}
		g.net.Clock.Advance(100 * time.Millisecond)
	}
	g.t.Fatalf("after a minute of lab time: not %s", what)
}

func route(r *routertest.Router, p router.Protocol, vrf string, pfx netip.Prefix) (router.Route, bool) {
	for _, rt := range r.Table().Routes(p, vrf) {
		if rt.Prefix == pfx {
			return rt, true
		}
	}
	return router.Route{}, false
}

// A CE's route crosses the core as VPNv4 (the VRF's RD and RT, the PE's
// loopback and VPN label) into the far VRF, labelled for the data plane,
// and on to the far CE; the ingress PE's label pops into the VRF.
func TestACustomerRouteCrossesTheCoreIntoTheFarVRFAndSite(t *testing.T) {
	g := newVPNRig(t, false)
	g.until("ce2 has ce1's route", func() bool { _, ok := route(g.r["ce2"], router.ProtoEBGP, "", pfx1); return ok })

	label := g.pe1.VPNLabel("red")
	if label < router.LabelDynamicFirst {
		t.Fatalf("pe1's VPN label %d", label)
	}
	rt, ok := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1)
	if !ok || len(rt.Nexthops) != 1 || rt.Nexthops[0].Addr != lo1 || !slices.Equal(rt.Nexthops[0].Labels, []uint32{label}) {
		t.Errorf("pe2's vrf red route to %v = %+v, want via %v with label %d", pfx1, rt, lo1, label)
	}
	if _, ok := route(g.r["pe1"], router.ProtoEBGP, "red", pfx1); !ok {
		t.Errorf("pe1 did not install ce1's route in vrf red: %v", g.r["pe1"].Table().Routes(router.ProtoEBGP, "red"))
	}
	var vpn *bgp.Route
	for _, r := range g.pe2.Speaker().Routes(bgp.VPNv4) {
		if r.Key.Prefix == pfx1 {
			vpn = &r
		}
	}
	if vpn == nil || vpn.Key.RD.String() != "10.255.0.1:1" || vpn.NextHop != lo1 || vpn.Label != label || !Importable(vpn, []bgp.ExtCommunity{rt1}) {
		t.Errorf("pe2's VPNv4 route = %+v", vpn)
	}
	pop := false
	for _, l := range g.r["pe1"].Table().LSPs(router.ProtoIBGP) {
		pop = pop || l.InLabel == label && reflect.DeepEqual(l.Nexthops, []router.LSPNexthop{router.PopLookup("red")})
	}
	if !pop {
		t.Errorf("pe1's LFIB has no pop-into-red for %d: %v", label, g.r["pe1"].Table().LSPs(router.ProtoIBGP))
	}
}

// A route the CE stops announcing leaves the far PE's VRF and the far CE.
func TestARouteTheSiteStopsAnnouncingLeavesEveryTable(t *testing.T) {
	g := newVPNRig(t, false)
	g.until("ce2 has ce1's route", func() bool { _, ok := route(g.r["ce2"], router.ProtoEBGP, "", pfx1); return ok })
	g.reannounce("ce1")
	g.until("ce1's route gone from pe2 and ce2", func() bool {
		_, atPE := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1)
		_, atCE := route(g.r["ce2"], router.ProtoEBGP, "", pfx1)
		return !atPE && !atCE
	})
}

// With per-prefix labels each CE route gets a label of its own that pops
// and sends to the CE, and a route withdrawn gives its label back.
func TestPerPrefixLabelsSendToTheCEAndAreGivenBack(t *testing.T) {
	g := newVPNRig(t, true)
	other := netip.MustParsePrefix("10.1.9.0/24")
	g.reannounce("ce1", pfx1, other)
	g.until("pe2 has both of ce1's routes", func() bool {
		_, x := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1)
		_, y := route(g.r["pe2"], router.ProtoIBGP, "red", other)
		return x && y
	})
	labels := map[uint32]bool{}
	for _, p := range []netip.Prefix{pfx1, other} {
		rt, _ := route(g.r["pe2"], router.ProtoIBGP, "red", p)
		l := rt.Nexthops[0].Labels[0]
		if l == g.pe1.VPNLabel("red") || labels[l] {
			t.Fatalf("%v has label %d: not its own", p, l)
		}
		labels[l] = true
		lsp, ok := g.r["pe1"].Table().LSP(router.ProtoIBGP, p)
		if !ok || lsp.InLabel != l || lsp.Nexthops[0].Addr != a("192.168.1.1") || lsp.Nexthops[0].OutLabel != router.LabelImplicitNull {
			t.Errorf("pe1's LFIB entry for %v = %+v, want %d pop toward ce1", p, lsp, l)
		}
	}
	inUse := g.r["pe1"].Table().LabelsInUse()
	g.reannounce("ce1", pfx1)
	g.until("pe1 gave the withdrawn route's label back", func() bool {
		_, ok := g.r["pe1"].Table().LSP(router.ProtoIBGP, other)
		return !ok && g.r["pe1"].Table().LabelsInUse() == inUse-1
	})
}

// A restarting PE keeps forwarding on what it had: its VRF keeps the
// imported route while its new speakers wait for End-of-RIB, and the far
// CE, a helper, keeps the route too; after the restart all is as before.
func TestARestartingPEKeepsItsVPNRoutesUntilItsPeersHaveResent(t *testing.T) {
	g := newVPNRig(t, false)
	g.until("ce2 has ce1's route", func() bool { _, ok := route(g.r["ce2"], router.ProtoEBGP, "", pfx1); return ok })
	old := g.pe2.Speaker()
	if k := g.pe2.GracefulKeepers(); k != 2 {
		t.Fatalf("pe2 has %d graceful helpers, want 2 (pe1, ce2)", k)
	}
	var err error
	heldThen := false // what another service re-originates goes before the hold ends
	g.r["pe2"].Do(func() { err = g.pe2.Restart(func() { heldThen = g.pe2.Speaker().Held() }) })
	if err != nil {
		t.Fatal(err)
	}
	if !heldThen || g.pe2.Speaker().Held() {
		t.Errorf("Restart's reoriginate ran with the new speaker held: %v; held after Restart: %v (want true, false)", heldThen, g.pe2.Speaker().Held())
	}
	if g.pe2.Speaker() == old || !g.pe2.Speaker().Restarting() {
		t.Fatal("pe2's global speaker was not replaced by a restarting one")
	}
	for i := 0; g.pe2.Speaker().Restarting() || g.pe2.VRFSpeaker("red").Restarting(); i++ {
		if _, ok := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1); !ok {
			t.Fatalf("pe2 dropped ce1's route from vrf red during its restart")
		}
		if _, ok := route(g.r["ce2"], router.ProtoEBGP, "", pfx1); !ok {
			t.Fatalf("ce2 dropped ce1's route during pe2's restart")
		}
		if i > 600 {
			t.Fatal("pe2's restart did not finish in a minute of lab time")
		}
		g.net.Clock.Advance(100 * time.Millisecond)
	}
	g.until("ce1's route back in place after the restart", func() bool {
		_, atPE := route(g.r["pe2"], router.ProtoIBGP, "red", pfx1)
		_, atCE := route(g.r["ce2"], router.ProtoEBGP, "", pfx1)
		_, atCE1 := route(g.r["ce1"], router.ProtoEBGP, "", pfx2)
		return atPE && atCE && atCE1
	})
	if g.pe2.GracefulKeepers() != 2 {
		t.Errorf("pe2 reports %d peers kept its routes, want 2", g.pe2.GracefulKeepers())
	}
}

// A route a speaker refuses to originate is counted and logged, and the
// rest of the set still goes out.
func TestARefusedOriginationIsCountedAndTheRestGoesOut(t *testing.T) {
	g := newVPNRig(t, false)
	g.mu.Lock()
	g.announce["ce1"] = []netip.Prefix{pfx1, netip.MustParsePrefix("2001:db8::/32")}
	g.mu.Unlock()
	if err := g.ce1.Announce(); err == nil {
		t.Fatal("announcing an IPv6 prefix over IPv4 unicast: no error")
	}
	if n := g.ce1.OriginateFailures(); n != 1 {
		t.Errorf("OriginateFailures = %d, want 1", n)
	}
	if len(g.r["ce1"].Events("bgp-originate-failed")) != 1 {
		t.Errorf("no bgp-originate-failed event: %v", g.r["ce1"].Events())
	}
	g.until("ce2 has ce1's IPv4 route all the same", func() bool { _, ok := route(g.r["ce2"], router.ProtoEBGP, "", pfx1); return ok })
}

// An ASBR (inter-AS option B) advertises a VPN route to the other AS with
// a label of its own and swaps that label to the route's own toward the
// route's next hop (each router numbers its labels from 24000, so the
// label the far AS sees is told apart by the ASBR's own record).
func TestAnASBRAdvertisesItsOwnLabelAndSwapsItToTheRoutes(t *testing.T) {
	g := newVPNRig(t, false)
	clk := g.net.Clock
	loA, loFar := a("10.255.0.9"), a("10.254.0.1")
	ra := g.net.AddRouter("asbr", netip.PrefixFrom(loA, 32))
	static(ra, "", "10.255.0.1/32")
	static(ra, "", "10.254.0.1/32")
	asbr, err := New(Config{Env: ra, Mode: Provider, ASBR: true,
		Speaker: bgp.Config{ASN: 65000, RouterID: loA, Families: []bgp.Family{bgp.VPNv4}, Transport: g.core, ListenAddr: netip.AddrPortFrom(loA, 179), Clock: clk}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(asbr.Close)
	far, err := bgp.New(bgp.Config{ASN: 65001, RouterID: loFar, Families: []bgp.Family{bgp.VPNv4}, Transport: g.core, ListenAddr: netip.AddrPortFrom(loFar, 179), Clock: clk,
		Resolver: func(netip.Addr) (uint32, bool) { return 0, true }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(far.Close)
	ra.Do(asbr.Start)
	for _, pc := range []struct {
		sp          *bgp.Speaker
		addr, local netip.Addr
		asn         uint32
	}{{g.pe1.Speaker(), loA, lo1, 65000}, {asbr.Speaker(), lo1, loA, 65000}, {asbr.Speaker(), loFar, loA, 65001}, {far, loA, loFar, 65000}} {
		if err := pc.sp.AddPeer(bgp.PeerConfig{Addr: pc.addr, ASN: pc.asn, LocalAddr: pc.local}); err != nil {
			t.Fatal(err)
		}
	}
	var got *bgp.Route
	g.until("the far AS has ce1's route", func() bool {
		for _, r := range far.Routes(bgp.VPNv4) {
			if r.Key.Prefix == pfx1 {
				got = &r
			}
		}
		return got != nil
	})
	own, ok := asbr.ASBRLabel(got.Key)
	if !ok || got.Label != own || got.NextHop != loA {
		t.Fatalf("far AS got %+v; want next hop %v and the ASBR's own label %d (ok %v)", got, loA, own, ok)
	}
	g.until("the ASBR swaps its label to pe1's", func() bool {
		lsp, ok := ra.Table().LSP(router.ProtoEBGP, pfx1)
		return ok && lsp.InLabel == own && len(lsp.Nexthops) == 1 &&
			lsp.Nexthops[0].Addr == lo1 && lsp.Nexthops[0].OutLabel == g.pe1.VPNLabel("red")
	})
}
