package bgp

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/testpeer"
)

// The gobgpd interop test runs Debian's gobgpd (package gobgpd, which
// also installs the gobgp CLI) on loopback and exchanges IPv4 unicast and
// VPNv4 routes with it over real TCP.

func freePort(t testing.TB, host string) int { return testpeer.FreePort(t, host) }

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	testpeer.WaitFor(t, d, what, cond)
}

// gobgpd is testpeer's, with the names these tests use.
type gobgpd struct {
	*testpeer.Gobgpd
	t       testing.TB
	apiPort int
	bgpPort int
}

func startGobgpd(t testing.TB, asn uint32, routerID, listen string, peer netip.AddrPort, peerAS uint32) *gobgpd {
	t.Helper()
	return startGobgpdConf(t, listen, testpeer.GobgpdConfig{AS: asn, RouterID: routerID, Listen: listen,
		Neighbors: []testpeer.GobgpdNeighbor{{Addr: peer.Addr().String(), AS: peerAS, RemotePort: int(peer.Port()), FastTimers: true,
			Families: []string{"ipv4-unicast", "l3vpn-ipv4-unicast"}}}}.TOML)
}

// startGobgpdConf runs gobgpd with the configuration conf(bgpPort).
func startGobgpdConf(t testing.TB, listen string, conf func(bgpPort int) string) *gobgpd {
	t.Helper()
	g := testpeer.StartGobgpd(t, listen, conf)
	return &gobgpd{Gobgpd: g, t: t, apiPort: g.APIPort, bgpPort: g.BGPPort}
}

func lastLines(s string, n int) string { return testpeer.LastLines(s, n) }

func (g *gobgpd) cli(args ...string) ([]byte, error) { return g.CLI(args...) }

// gobgpPath is the part of `gobgp global rib -j` output the test reads.
type gobgpPath struct {
	NLRI struct {
		Prefix string `json:"prefix"`
	} `json:"nlri"`
	Attrs []map[string]any `json:"attrs"`
}

func (g *gobgpd) rib(family string) map[string][]gobgpPath {
	out, err := g.cli("global", "rib", "-a", family, "-j")
	if err != nil {
		g.t.Logf("%v", err)
		return nil
	}
	rib := map[string][]gobgpPath{}
	if err := json.Unmarshal(out, &rib); err != nil {
		g.t.Logf("gobgp rib json: %v: %s", err, out)
		return nil
	}
	return rib
}

func TestInteropGobgpd(t *testing.T) {
	// Both ways of bringing the session up: we connect to gobgpd, and
	// gobgpd connects to our listener while we stay passive.
	for _, passive := range []bool{false, true} {
		t.Run(map[bool]string{false: "we-connect", true: "gobgpd-connects"}[passive], func(t *testing.T) {
			testInteropGobgpd(t, passive)
		})
	}
}

func testInteropGobgpd(t *testing.T, passive bool) {
	s, err := New(Config{
		ASN: 65000, RouterID: addr("10.255.0.1"), Families: []Family{IPv4Unicast, VPNv4},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := startGobgpd(t, 65000, "10.255.0.2", "127.0.0.2", s.ListenAddr(), 65000)
	if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.2"), Port: uint16(g.bgpPort), ASN: 65000, LocalAddr: addr("127.0.0.1"), Passive: passive}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "session with gobgpd", func() bool { return s.PeerState(addr("127.0.0.2")) == Established })
	waitFor(t, 10*time.Second, "gobgpd to see the session established", func() bool {
		out, _ := g.cli("neighbor")
		return strings.Contains(string(out), "Establ")
	})

	// intercloud -> gobgpd: an IPv4 route and a VPNv4 route.
	// (gobgpd refuses a loopback NEXT_HOP for IPv4 unicast, so this one
	// names the router id; MP_REACH next hops in 127/8 it accepts.)
	k4 := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/24")}
	if err := s.Originate(IPv4Unicast, k4, 0, Attrs{NextHop: addr("10.255.0.1"), MED: 10, HasMED: true}); err != nil {
		t.Fatal(err)
	}
	kv := vpnKey(t, "65000:1", "192.168.1.0/24")
	if err := s.Originate(VPNv4, kv, 1001, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "gobgpd to receive the IPv4 route", func() bool { return len(g.rib("ipv4")["10.1.0.0/24"]) == 1 })
	waitFor(t, 10*time.Second, "gobgpd to receive the VPNv4 route", func() bool { return len(g.rib("vpnv4")) == 1 })
	out, _ := g.cli("global", "rib", "-a", "vpnv4")
	text := string(out)
	for _, want := range []string{"65000:1:192.168.1.0/24", "[1001]", "127.0.0.1", "65000:100"} {
		if !strings.Contains(text, want) {
			t.Errorf("gobgpd's VPNv4 RIB lacks %q:\n%s", want, text)
		}
	}
	js, _ := g.cli("global", "rib", "-a", "vpnv4", "-j")
	if !strings.Contains(string(js), `"rd":"65000:1"`) && !strings.Contains(string(js), "65000:1") {
		t.Errorf("gobgpd JSON lacks the RD: %s", js)
	}

	// gobgpd -> intercloud.
	if _, err := g.cli("global", "rib", "add", "10.2.0.0/24", "nexthop", "127.0.0.2", "-a", "ipv4"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.cli("global", "rib", "-a", "vpnv4", "add", "172.16.5.0/24", "label", "2002", "rd", "65000:2", "rt", "65000:200", "nexthop", "127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	k4b := RouteKey{Prefix: netip.MustParsePrefix("10.2.0.0/24")}
	kvb := vpnKey(t, "65000:2", "172.16.5.0/24")
	waitFor(t, 10*time.Second, "gobgpd's routes", func() bool {
		return bestOf(s.Routes(IPv4Unicast), k4b) != nil && bestOf(s.Routes(VPNv4), kvb) != nil
	})
	r := bestOf(s.Routes(VPNv4), kvb)
	if r.Label != 2002 || r.NextHop != addr("127.0.0.2") || len(r.Attrs.RouteTargets()) != 1 || r.Attrs.RouteTargets()[0].String() != "RT:65000:200" {
		t.Errorf("VPNv4 route from gobgpd: label %d next hop %v RTs %v", r.Label, r.NextHop, r.Attrs.RouteTargets())
	}
	if r := bestOf(s.Routes(IPv4Unicast), k4b); r.NextHop != addr("127.0.0.2") {
		t.Errorf("IPv4 route from gobgpd: next hop %v", r.NextHop)
	}

	// Withdraws, both ways.
	s.Withdraw(VPNv4, kv)
	s.Withdraw(IPv4Unicast, k4)
	waitFor(t, 10*time.Second, "gobgpd to drop our routes", func() bool {
		return len(g.rib("vpnv4")["65000:1:192.168.1.0/24"]) == 0 && len(g.rib("ipv4")["10.1.0.0/24"]) == 0
	})
	if _, err := g.cli("global", "rib", "-a", "vpnv4", "del", "172.16.5.0/24", "label", "2002", "rd", "65000:2", "rt", "65000:200", "nexthop", "127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "our copy of gobgpd's VPN route to go", func() bool { return bestOf(s.Routes(VPNv4), kvb) == nil })

	// The session stays up across several keepalive intervals (hold 9 s).
	time.Sleep(4 * time.Second)
	if st := s.PeerState(addr("127.0.0.2")); st != Established {
		t.Fatalf("session %v after keepalive interval", st)
	}
	sum := s.Summary()
	t.Logf("summary: %+v", sum[0])
}

// TestInteropGobgpdEBGP exchanges VPNv4 routes with gobgpd over eBGP (as
// between the ASBRs of inter-AS option B): AS_PATH prepended, next hop
// set to the session address, labels and RTs kept.
func TestInteropGobgpdEBGP(t *testing.T) {
	s, err := New(Config{
		ASN: 65000, RouterID: addr("10.255.0.1"), Families: []Family{VPNv4},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := startGobgpd(t, 65001, "10.255.0.2", "127.0.0.2", s.ListenAddr(), 65000)
	if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.2"), Port: uint16(g.bgpPort), ASN: 65001, LocalAddr: addr("127.0.0.1"), Families: []Family{VPNv4}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "eBGP session with gobgpd", func() bool { return s.PeerState(addr("127.0.0.2")) == Established })

	kv := vpnKey(t, "65000:1", "192.168.1.0/24")
	if err := s.Originate(VPNv4, kv, 1001, Attrs{NextHop: addr("10.255.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "gobgpd to receive the VPNv4 route", func() bool { return len(g.rib("vpnv4")) == 1 })
	out, _ := g.cli("global", "rib", "-a", "vpnv4")
	text := string(out)
	// eBGP: our AS prepended, the next hop is our session address.
	for _, want := range []string{"65000:1:192.168.1.0/24", "[1001]", "127.0.0.1", "65000 ", "65000:100"} {
		if !strings.Contains(text, want) {
			t.Errorf("gobgpd's VPNv4 RIB lacks %q:\n%s", want, text)
		}
	}
	if _, err := g.cli("global", "rib", "-a", "vpnv4", "add", "172.16.5.0/24", "label", "2002", "rd", "65001:2", "rt", "65001:200", "nexthop", "127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	kvb := vpnKey(t, "65001:2", "172.16.5.0/24")
	waitFor(t, 10*time.Second, "gobgpd's VPNv4 route", func() bool { return bestOf(s.Routes(VPNv4), kvb) != nil })
	r := bestOf(s.Routes(VPNv4), kvb)
	if !r.EBGP || r.Attrs.ASPathString() != "65001" || r.Label != 2002 || r.NextHop != addr("127.0.0.2") || r.Attrs.HasLocalPref {
		t.Errorf("route from gobgpd over eBGP: %+v (path %q)", r, r.Attrs.ASPathString())
	}
	s.Withdraw(VPNv4, kv)
	waitFor(t, 10*time.Second, "gobgpd to drop our route", func() bool {
		return len(g.rib("vpnv4")["65000:1:192.168.1.0/24"]) == 0
	})
}

// TestInteropGobgpdRTC: gobgpd as a PE importing RT 65000:100 (a VRF)
// and our speaker holding VPN routes for three RTs. With the rtc family
// configured gobgpd advertises its membership and receives only the
// route it imports; without it, it receives all three.
func TestInteropGobgpdRTC(t *testing.T) {
	for _, withRTC := range []bool{true, false} {
		t.Run(map[bool]string{true: "rtc", false: "no-rtc"}[withRTC], func(t *testing.T) {
			testInteropGobgpdRTC(t, withRTC)
		})
	}
}

func testInteropGobgpdRTC(t *testing.T, withRTC bool) {
	s, err := New(Config{
		ASN: 65000, RouterID: addr("10.255.0.1"), Families: []Family{VPNv4},
		ListenAddr: netip.MustParseAddrPort("127.0.0.1:0"), HoldTime: 9 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rts := []string{"65000:100", "65000:200", "65000:300"}
	for i, r := range rts {
		k := vpnKey(t, fmt.Sprintf("65000:%d", i+1), fmt.Sprintf("192.168.%d.0/24", i+1))
		if err := s.Originate(VPNv4, k, uint32(1001+i), Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, r)})}); err != nil {
			t.Fatal(err)
		}
	}
	families := []string{"l3vpn-ipv4-unicast"}
	if withRTC {
		families = append(families, "rtc")
	}
	peer := s.ListenAddr()
	// gobgpd sends End-of-RIB only with graceful restart on.
	g := startGobgpdConf(t, "127.0.0.2", testpeer.GobgpdConfig{AS: 65000, RouterID: "10.255.0.2", Listen: "127.0.0.2",
		Neighbors: []testpeer.GobgpdNeighbor{{Addr: peer.Addr().String(), AS: 65000, RemotePort: int(peer.Port()),
			FastTimers: true, GracefulRestart: true, Families: families}}}.TOML)
	// The VRF first, so that its membership is in gobgpd's RTC table
	// before the session's End-of-RIB.
	if _, err := g.cli("vrf", "add", "red", "rd", "65000:9", "rt", "import", "65000:100", "export", "65000:999"); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.2"), Port: uint16(g.bgpPort), ASN: 65000, LocalAddr: addr("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "session with gobgpd", func() bool { return s.PeerState(addr("127.0.0.2")) == Established })
	want := 3
	if withRTC {
		want = 1
		waitFor(t, 10*time.Second, "gobgpd's RTC membership", func() bool {
			for _, r := range s.Routes(RTC) {
				if r.Key.String() == "65000:65000:100/96" && !r.Local {
					return true
				}
			}
			return false
		})
	} else if n := len(s.Routes(RTC)); n != 1 { // only our own default
		t.Errorf("RTC table without the family negotiated: %v", s.Routes(RTC))
	}
	waitFor(t, 10*time.Second, "gobgpd's VPNv4 routes", func() bool { return len(g.rib("vpnv4")) == want })
	time.Sleep(time.Second) // nothing more arrives
	rib := g.rib("vpnv4")
	if len(rib) != want {
		t.Fatalf("gobgpd holds %d VPNv4 routes, want %d: %v", len(rib), want, rib)
	}
	if withRTC && len(rib["65000:1:192.168.1.0/24"]) != 1 {
		t.Fatalf("gobgpd lacks the route it imports: %v", rib)
	}
	// gobgpd sends End-of-RIB only with graceful restart on (hence its
	// configuration above); its RTC End-of-RIB let our VPN routes go.
	s.mu.Lock()
	eor := s.peers[addr("127.0.0.2")].eorIn[RTC]
	waited := s.peers[addr("127.0.0.2")].rtcWaited
	s.mu.Unlock()
	if withRTC && (!eor || waited) {
		t.Errorf("RTC End-of-RIB from gobgpd %v; VPN routes sent after the wait timer %v", eor, waited)
	}
	if !withRTC {
		return
	}
	// Membership change: a second VRF importing :300 brings that route.
	if _, err := g.cli("vrf", "add", "blue", "rd", "65000:8", "rt", "import", "65000:300", "export", "65000:998"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the route of gobgpd's new import RT", func() bool { return len(g.rib("vpnv4")["65000:3:192.168.3.0/24"]) == 1 })
	// (gobgpd 3.10 crashes in `vrf del` with RTC, so the withdrawal of
	// membership is left to the in-memory tests.) Routes originated now
	// follow the filter too.
	k2 := vpnKey(t, "65000:4", "192.168.4.0/24")
	k3 := vpnKey(t, "65000:5", "192.168.5.0/24")
	s.Originate(VPNv4, k2, 1004, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:200")})})
	s.Originate(VPNv4, k3, 1005, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:999"), rt(t, "65000:300")})})
	waitFor(t, 10*time.Second, "the new route carrying an imported RT", func() bool { return len(g.rib("vpnv4")["65000:5:192.168.5.0/24"]) == 1 })
	time.Sleep(500 * time.Millisecond)
	if rib := g.rib("vpnv4"); len(rib) != 3 || len(rib["65000:4:192.168.4.0/24"]) != 0 {
		t.Errorf("gobgpd's VPNv4 routes: %v", rib)
	}
}
