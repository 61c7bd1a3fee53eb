package bgp

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/testpeer"
)

// The FRR interop test runs Debian's FRR bgpd (package frr) without zebra
// as the VPNv4 route reflector for two intercloud PEs, on loopback.

// frr is testpeer's bgpd, with the names these tests use.
type frr struct {
	*testpeer.FRR
	port int
}

func startFRR(t testing.TB, conf string, listen string) *frr {
	t.Helper()
	f := testpeer.StartFRR(t, conf, listen)
	return &frr{FRR: f, port: f.Port}
}

func (f *frr) vtysh(cmd string) ([]byte, error) { return f.Vtysh(cmd) }

// frrReflectorPEs starts FRR's bgpd as the route reflector (on 127.0.0.3,
// router id 10.255.0.3) of two intercloud PEs, pe1 (10.255.0.1 from
// 127.0.0.1) and pe2 (10.255.0.4 from 127.0.0.4), for FRR's address
// families afs ("ipv4 vpn", ...) and ours fams, and waits for both
// sessions.
func frrReflectorPEs(t *testing.T, afs []string, fams []Family) (f *frr, pe1, pe2 *Speaker) {
	t.Helper()
	var c strings.Builder
	c.WriteString("frr defaults traditional\nhostname rr\nlog stdout informational\n!\nrouter bgp 65000\n bgp router-id 10.255.0.3\n no bgp default ipv4-unicast\n bgp allow-martian-nexthop\n")
	pes := []string{"127.0.0.1", "127.0.0.4"}
	for _, p := range pes {
		fmt.Fprintf(&c, " neighbor %s remote-as 65000\n neighbor %s passive\n neighbor %s timers 3 9\n", p, p, p)
	}
	for _, af := range afs {
		fmt.Fprintf(&c, " address-family %s\n", af)
		for _, p := range pes {
			fmt.Fprintf(&c, "  neighbor %s activate\n  neighbor %s route-reflector-client\n", p, p)
		}
		c.WriteString(" exit-address-family\n")
	}
	c.WriteString("!\n")
	f = startFRR(t, c.String(), "127.0.0.3")
	pe := func(id, local string) *Speaker {
		s, err := New(Config{ASN: 65000, RouterID: addr(id), Families: fams, HoldTime: 9 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		if err := s.AddPeer(PeerConfig{Addr: addr("127.0.0.3"), Port: uint16(f.port), ASN: 65000, LocalAddr: addr(local)}); err != nil {
			t.Fatal(err)
		}
		return s
	}
	pe1, pe2 = pe("10.255.0.1", "127.0.0.1"), pe("10.255.0.4", "127.0.0.4")
	for _, s := range []*Speaker{pe1, pe2} {
		waitFor(t, 15*time.Second, "session with FRR", func() bool { return s.PeerState(addr("127.0.0.3")) == Established })
	}
	return f, pe1, pe2
}

// checkReflected checks a route pe1 sent as pe2 got it through FRR: the
// label and next hop pe1 gave, RT 65000:100, pe1 as originator and FRR's
// cluster.
func checkReflected(t *testing.T, r *Route, label uint32, nh netip.Addr) {
	t.Helper()
	if r.Label != label || r.NextHop != nh || r.Peer != addr("127.0.0.3") {
		t.Errorf("reflected route: label %d next hop %v from %v, want %d %v from FRR", r.Label, r.NextHop, r.Peer, label, nh)
	}
	if rts := r.Attrs.RouteTargets(); len(rts) != 1 || rts[0].String() != "RT:65000:100" {
		t.Errorf("reflected RTs %v", rts)
	}
	if r.Attrs.OriginatorID != addr("10.255.0.1") || !slices.Equal(r.Attrs.Clusters(), []netip.Addr{addr("10.255.0.3")}) {
		t.Errorf("reflected originator %v cluster list %v", r.Attrs.OriginatorID, r.Attrs.Clusters())
	}
}

func TestInteropFRRReflector(t *testing.T) {
	// FRR 8.4 treats 127/8 next hops as martian, so the PEs' BGP next
	// hops are their router ids; the sessions run on 127.0.0.x.
	f, pe1, pe2 := frrReflectorPEs(t, []string{"ipv4 unicast", "ipv4 vpn"}, []Family{IPv4Unicast, VPNv4})

	kv := vpnKey(t, "65000:1", "192.168.1.0/24")
	if err := pe1.Originate(VPNv4, kv, 1001, Attrs{NextHop: addr("10.255.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})}); err != nil {
		t.Fatal(err)
	}
	k4 := RouteKey{Prefix: netip.MustParsePrefix("10.1.0.0/24")}
	if err := pe1.Originate(IPv4Unicast, k4, 0, Attrs{NextHop: addr("10.255.0.1")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "pe2 to get pe1's routes through FRR", func() bool {
		return bestOf(pe2.Routes(VPNv4), kv) != nil && bestOf(pe2.Routes(IPv4Unicast), k4) != nil
	})
	checkReflected(t, bestOf(pe2.Routes(VPNv4), kv), 1001, addr("10.255.0.1"))

	// FRR's own view: label, RD and RT as it decoded them.
	out, err := f.vtysh("show bgp ipv4 vpn rd all 192.168.1.0/24 json")
	if err != nil {
		t.Fatal(err)
	}
	var detail struct {
		Paths []struct {
			RemoteLabel       int `json:"remoteLabel"`
			ExtendedCommunity struct {
				String string `json:"string"`
			} `json:"extendedCommunity"`
			Nexthops []struct {
				IP string `json:"ip"`
			} `json:"nexthops"`
		} `json:"paths"`
	}
	js := string(out)
	// The answer is keyed by RD; take the inner object.
	var byRD map[string]json.RawMessage
	if err := json.Unmarshal(out, &byRD); err != nil {
		t.Fatalf("FRR json: %v: %s", err, js)
	}
	raw, ok := byRD["65000:1"]
	if !ok {
		t.Fatalf("FRR has no RD 65000:1: %s", js)
	}
	if err := json.Unmarshal(raw, &detail); err != nil || len(detail.Paths) != 1 {
		t.Fatalf("FRR path detail (%v): %s", err, raw)
	}
	p := detail.Paths[0]
	if p.RemoteLabel != 1001 || !strings.Contains(p.ExtendedCommunity.String, "RT:65000:100") || len(p.Nexthops) == 0 || p.Nexthops[0].IP != "10.255.0.1" {
		t.Errorf("FRR sees label %d ext %q next hops %+v", p.RemoteLabel, p.ExtendedCommunity.String, p.Nexthops)
	}

	// Withdraw through the reflector.
	pe1.Withdraw(VPNv4, kv)
	pe1.Withdraw(IPv4Unicast, k4)
	waitFor(t, 10*time.Second, "withdraw to reach pe2", func() bool {
		return bestOf(pe2.Routes(VPNv4), kv) == nil && bestOf(pe2.Routes(IPv4Unicast), k4) == nil
	})
	out, _ = f.vtysh("show bgp summary")
	t.Logf("FRR:\n%s", out)
}
