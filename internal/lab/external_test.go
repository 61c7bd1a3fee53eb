package lab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

// FRR 8.4 refuses 127/8 next hops (the sessions' addresses, which the lab's
// speakers put on what they send over eBGP and on RT constraint routes)
// unless told "bgp allow-martian-nexthop".

// externalLab loads y (with %d for FRR's port), starts FRR with conf
// (with %s for the TCP address of each speaker in peers, NODE or
// NODE/VRF, in order) and the
// lab, and waits until the lab is ready.
func externalLab(t *testing.T, y, conf string, peers ...string) (*Lab, *clock.Virtual, *testpeer.FRR) {
	t.Helper()
	// Only the addresses matter to FRR's configuration; the lab's model
	// gives each router its TCP address by position.
	probe, err := topology.Load("t.yaml", []byte(fmt.Sprintf(y, 179)))
	if err != nil {
		t.Fatal(err)
	}
	pl := &Lab{Model: probe.Model}
	var args []any
	for _, p := range peers {
		node, vrf, _ := strings.Cut(p, "/") // NODE or NODE/VRF
		a, ok := pl.SpeakerAddr(node, vrf)
		if !ok {
			t.Fatalf("no TCP address for %s", p)
		}
		args = append(args, a.String())
	}
	f := testpeer.StartFRR(t, fmt.Sprintf(conf, args...), "127.0.0.1")
	res, err := topology.Load("t.yaml", []byte(fmt.Sprintf(y, f.Port)))
	if err != nil {
		t.Fatal(err)
	}
	l, clk := runLab(t, res.Model)
	return l, clk, f
}

// advanceUntil moves the lab's virtual clock along while a real daemon
// works in wall time, until cond holds (at most d of wall time).
func advanceUntil(t *testing.T, clk *clock.Virtual, d time.Duration, what string, cond func() bool) {
	t.Helper()
	testpeer.WaitFor(t, d, what, func() bool {
		clk.Advance(5 * time.Millisecond)
		return cond()
	})
}

// TestFRRAsRouteReflector makes Debian's FRR bgpd the only VPNv4 route
// reflector of the seed-like lab: pe1 and pe2 peer with it over real TCP
// from their own 127.65/16 addresses, it reflects their VPN routes with
// labels, RDs and RTs intact, and ce1 pings ce2 across the emulated core
// on the routes it reflected.
func TestFRRAsRouteReflector(t *testing.T) {
	y := `nodes:
  p1: {role: p}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
  ce2: {role: ce}
  frr: {role: external, address: 127.0.0.1:%d, plays: rr}
links: [pe1-p1, pe2-p1, ce1-pe1, ce2-pe2]
vpns:
  tenant: {sites: [ce1, ce2]}
`
	conf := `frr defaults traditional
hostname frr-rr
log stdout informational
!
router bgp 65000
 bgp router-id 10.255.200.1
 bgp allow-martian-nexthop
 no bgp default ipv4-unicast
 neighbor %[1]s remote-as 65000
 neighbor %[1]s passive
 neighbor %[2]s remote-as 65000
 neighbor %[2]s passive
 address-family ipv4 vpn
  neighbor %[1]s activate
  neighbor %[1]s route-reflector-client
  neighbor %[2]s activate
  neighbor %[2]s route-reflector-client
 exit-address-family
!
`
	l, clk, f := externalLab(t, y, conf, "pe1", "pe2")
	pe1, _ := l.Node("pe1")
	pe2, _ := l.Node("pe2")
	ce1, _ := l.Node("ce1")
	frrAddr := netip.MustParseAddr("127.0.0.1")
	advanceUntil(t, clk, 20*time.Second, "pe2 to import ce1's loopback through FRR", func() bool {
		r, ok := pe2.Router.RIB().Best("tenant", ce1.Model.Loopback)
		return ok && len(r.Nexthops) > 0
	})
	for _, p := range l.ExternalPeers() {
		if p.State != "Established" || p.Peer != "frr" {
			t.Errorf("external session %+v", p)
		}
	}
	var got *bgp.Route
	for _, r := range pe2.BGP().Routes(bgp.VPNv4) {
		if r.Key.Prefix == ce1.Model.Loopback && r.Best {
			got = &r
		}
	}
	if got == nil || got.Peer != frrAddr || got.Label != pe1.VPNLabel("tenant") || got.NextHop != pe1.Model.Loopback.Addr() {
		t.Fatalf("pe2's VPNv4 route to ce1: %+v, want it from FRR with pe1's label %d and next hop", got, pe1.VPNLabel("tenant"))
	}
	advanceUntil(t, clk, 20*time.Second, "both sites to route to each other through FRR", func() bool { return sitesRoute(l, "ce1", "ce2") })
	if r := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 3, Interval: 100 * time.Millisecond}); r.Received != 3 {
		t.Fatalf("ping ce1 -> ce2 over FRR-reflected routes: %+v", r)
	}

	// FRR's own view of pe1's route: the label and RT pe1 sent.
	out, err := f.Vtysh("show bgp ipv4 vpn rd all " + ce1.Model.Loopback.String() + " json")
	if err != nil {
		t.Fatal(err)
	}
	var byRD map[string]struct {
		Paths []struct {
			RemoteLabel       uint32 `json:"remoteLabel"`
			ExtendedCommunity struct {
				String string `json:"string"`
			} `json:"extendedCommunity"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(out, &byRD); err != nil {
		t.Fatalf("FRR json: %v: %s", err, out)
	}
	rt := l.Model.VPN("tenant").Export[0]
	found := false
	for _, d := range byRD {
		for _, p := range d.Paths {
			found = found || p.RemoteLabel == pe1.VPNLabel("tenant") && strings.Contains(p.ExtendedCommunity.String, "RT:"+rt)
		}
	}
	if !found {
		t.Errorf("FRR has no path for %v with label %d and RT %s: %s", ce1.Model.Loopback, pe1.VPNLabel("tenant"), rt, out)
	}
}

// TestFRRAsCE puts Debian's FRR bgpd in the tenant VRF of pe2 as an
// external CE (AS 65010) announcing 192.0.2.0/24: pe2 exports it as
// VPNv4, ce1 learns it from pe1 through AS 65000, and FRR learns ce1's
// loopback with ce1's AS behind the provider's.
func TestFRRAsCE(t *testing.T) {
	y := `nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
  frr: {role: external, address: 127.0.0.1:%d, plays: ce, asn: 65010, attach: pe2, vpn: tenant}
links: [pe1-p1, pe2-p1, ce1-pe1]
vpns:
  tenant: {sites: [ce1]}
`
	conf := `frr defaults traditional
hostname frr-ce
log stdout informational
!
router bgp 65010
 bgp router-id 10.255.200.2
 bgp allow-martian-nexthop
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor %[1]s remote-as 65000
 neighbor %[1]s passive
 address-family ipv4 unicast
  network 192.0.2.0/24
  neighbor %[1]s activate
 exit-address-family
!
`
	l, clk, f := externalLab(t, y, conf, "pe2/tenant")
	ce1, _ := l.Node("ce1")
	want := netip.MustParsePrefix("192.0.2.0/24")
	advanceUntil(t, clk, 20*time.Second, "ce1 to learn FRR's prefix", func() bool {
		_, ok := ce1.Router.RIB().Best("", want)
		return ok
	})
	var path string
	for _, r := range ce1.BGP().Routes(bgp.IPv4Unicast) {
		if r.Key.Prefix == want && r.Best {
			path = r.Attrs.ASPathString()
		}
	}
	if path != "65000 65010" {
		t.Errorf("ce1's path to %v is %q, want 65000 65010", want, path)
	}
	advanceUntil(t, clk, 20*time.Second, "FRR to learn ce1's loopback", func() bool {
		out, err := f.Vtysh("show bgp ipv4 unicast " + ce1.Model.Loopback.String() + " json")
		return err == nil && strings.Contains(string(out), fmt.Sprintf(`"string":"65000 %d"`, ce1.Model.ASN))
	})
}

// TestExternalPEBehindReflectorIsBestAndImportedOnEveryPE plays an
// external PE with intercloud's own speaker on 127.0.0.4, a client of
// p1, the reflector: the VPN route it advertises with itself as next hop
// is valid and best on pe1 and pe2 (which never peer with it), installed
// in their vrf red over the LSP towards p1, and announced to red's CEs;
// the route of blue, which none of them imports, stays out of their
// VRFs. (gobgpd does the same through TestGobgpdAsExternalPE.)
func TestExternalPEBehindReflectorIsBestAndImportedOnEveryPE(t *testing.T) {
	y := `nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
  ce2: {role: ce}
  ce3: {role: ce}
  ext: {role: external, address: 127.0.0.4:%d, plays: pe}
links: [pe1-p1, pe2-p1, ce1-pe1, ce2-pe2, ce3-pe2]
vpns:
  red: {sites: [ce1, ce2]}
  blue: {sites: [ce3]}
`
	ext := netip.MustParseAddr("127.0.0.4")
	port := testpeer.FreePort(t, ext.String())
	res, err := topology.Load("t.yaml", []byte(fmt.Sprintf(y, port)))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	p1Addr, _ := (&Lab{Model: m}).TCPAddr("p1")
	sp, err := bgp.New(bgp.Config{ASN: m.Node("p1").ASN, RouterID: netip.MustParseAddr("10.255.200.4"), Families: []bgp.Family{bgp.VPNv4},
		ListenAddr: netip.AddrPortFrom(ext, uint16(port)), NoRTConstraint: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sp.Close)
	if err := sp.AddPeer(bgp.PeerConfig{Addr: p1Addr, ASN: m.Node("p1").ASN, LocalAddr: ext, Passive: true}); err != nil {
		t.Fatal(err)
	}
	rd, _ := bgp.ParseRD("10.255.200.4:1")
	red, blue := netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")
	for p, vpn := range map[netip.Prefix]string{red: "red", blue: "blue"} {
		rt := mustRT(t, m.VPN(vpn).Export[0])
		if err := sp.Originate(bgp.VPNv4, bgp.RouteKey{RD: rd, Prefix: p}, 3000, bgp.Attrs{NextHop: ext, ExtCommunities: bgp.PackExtCommunities([]bgp.ExtCommunity{rt})}); err != nil {
			t.Fatal(err)
		}
	}
	l, clk := runLab(t, m)
	p1, _ := l.Node("p1")
	for _, name := range []string{"pe1", "pe2"} {
		pe, _ := l.Node(name)
		advanceUntil(t, clk, 20*time.Second, "the external PE's red route in "+name+"'s vrf red", func() bool {
			_, ok := pe.Router.RIB().Best("red", red)
			return ok
		})
		for _, r := range pe.BGP().Routes(bgp.VPNv4) {
			if r.Key.Prefix == red && (!r.Best || !r.Valid || r.NextHop != ext || r.Label != 3000) {
				t.Errorf("%s's path for %v: best %v valid %v next hop %v label %d; want best and valid, via %v with label 3000", name, red, r.Best, r.Valid, r.NextHop, r.Label, ext)
			}
		}
		vr, _ := pe.Router.RIB().Best("red", red)
		if len(vr.Nexthops) != 1 || !onLinkTo(pe, vr.Nexthops[0].Iface, p1) || !slices.Contains(vr.Nexthops[0].Labels, 3000) {
			t.Errorf("%s's vrf red route %+v, want it towards p1 carrying label 3000", name, vr)
		}
		if _, ok := pe.Router.RIB().Best("red", blue); ok {
			t.Errorf("%s imported blue's %v into vrf red", name, blue)
		}
	}
	pe2, _ := l.Node("pe2")
	if _, ok := pe2.Router.RIB().Best("blue", blue); !ok {
		t.Errorf("pe2 did not import blue's %v into vrf blue", blue)
	}
	for _, ce := range []string{"ce1", "ce2"} {
		n, _ := l.Node(ce)
		advanceUntil(t, clk, 10*time.Second, ce+" to learn "+red.String(), func() bool {
			return bestOf(n.BGP().Routes(bgp.IPv4Unicast), red.String())
		})
	}
}
