package l3vpn

import (
	"net/netip"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/router/routertest"
)

// BenchmarkVPNRouteChangeIn100kVRF: one VPN route changing (its label)
// among the 100,000 a PE's VRF imports, from the far PE's origination to
// the new route in the PE's RIB: the far speaker's UPDATE, the PE's
// receive and best-path decision, its VRF sync (import into the VRF, the
// route to the CEs) and the RIB manager. The goal for one route
// change in a 100,000-route VRF is microseconds, not the whole table.
func BenchmarkVPNRouteChangeIn100kVRF(b *testing.B) {
	const routes = 100_000
	net := routertest.NewNet()
	clk := net.Clock
	core, site := bgp.NewMemNetwork(clk), bgp.NewMemNetwork(clk)
	lo1, lo3 := netip.MustParseAddr("10.255.0.1"), netip.MustParseAddr("10.255.0.3")
	r := net.AddRouter("pe1", netip.PrefixFrom(lo1, 32))
	r.Table().ReplaceRoutes(router.ProtoStatic, "", []router.Route{{Prefix: netip.PrefixFrom(lo3, 32), Metric: 10, Nexthops: []router.Nexthop{{Iface: "eth1"}}}})
	rt := mustRT("65000:1")
	pe, err := New(Config{Env: r, Mode: Provider,
		Speaker: bgp.Config{ASN: 65000, RouterID: lo1, Families: []bgp.Family{bgp.VPNv4}, Transport: core, ListenAddr: netip.AddrPortFrom(lo1, 179), Clock: clk}})
	if err != nil {
		b.Fatal(err)
	}
	rd, _ := bgp.ParseRD("10.255.0.1:1")
	if err := pe.AddVRF(VRFConfig{Name: "red", RD: rd, Import: []bgp.ExtCommunity{rt}, Export: []bgp.ExtCommunity{rt},
		Speaker: bgp.Config{ASN: 65000, RouterID: lo1, Families: []bgp.Family{bgp.IPv4Unicast}, Transport: site, ListenAddr: netip.AddrPortFrom(netip.MustParseAddr("192.168.1.0"), 179), Clock: clk}}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pe.Close)
	r.Do(pe.Start)
	far, err := bgp.New(bgp.Config{ASN: 65000, RouterID: lo3, Families: []bgp.Family{bgp.VPNv4}, Transport: core,
		ListenAddr: netip.AddrPortFrom(lo3, 179), Clock: clk, Resolver: func(netip.Addr) (uint32, bool) { return 0, true }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(far.Close)
	if err := pe.Speaker().AddPeer(bgp.PeerConfig{Addr: lo3, ASN: 65000, LocalAddr: lo1}); err != nil {
		b.Fatal(err)
	}
	if err := far.AddPeer(bgp.PeerConfig{Addr: lo1, ASN: 65000, LocalAddr: lo3}); err != nil {
		b.Fatal(err)
	}
	farRD, _ := bgp.ParseRD("10.255.0.3:1")
	attrs := bgp.Attrs{Origin: bgp.OriginIGP, NextHop: lo3, ExtCommunities: bgp.PackExtCommunities([]bgp.ExtCommunity{rt})}
	key := func(i int) bgp.RouteKey {
		return bgp.RouteKey{RD: farRD, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)}
	}
	set := make([]bgp.Origination, routes)
	for i := range set {
		set[i] = bgp.Origination{Key: key(i), Label: 16, Attrs: attrs}
	}
	if _, err := far.OriginateSet(bgp.VPNv4, set); err != nil {
		b.Fatal(err)
	}
	// until advances the lab to the next event until pe1's VRF route for
	// k carries label, for at most a minute of lab time.
	until := func(k bgp.RouteKey, label uint32) {
		deadline := clk.Now().Add(time.Minute)
		for clk.Now().Before(deadline) {
			if rt, ok := r.Table().Best("red", k.Prefix); ok && len(rt.Nexthops) == 1 && len(rt.Nexthops[0].Labels) == 1 && rt.Nexthops[0].Labels[0] == label {
				return
			}
			clk.AdvanceToNext()
		}
		b.Fatalf("after a minute of lab time pe1's vrf red has no route to %v with label %d", k.Prefix, label)
	}
	until(key(routes-1), 16)
	until(key(0), 16)
	// The rest of the initial table (the syncs after the one that brought
	// those two, each held syncHold) lands before the timer starts.
	clk.RunUntilIdle(time.Second)
	b.ResetTimer()
	for i := range b.N {
		k, label := key(i%routes), uint32(17+i%2)
		if err := far.Originate(bgp.VPNv4, k, label, attrs); err != nil {
			b.Fatal(err)
		}
		until(k, label)
	}
}
