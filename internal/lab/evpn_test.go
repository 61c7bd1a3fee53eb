package lab

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/l2vpn"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// l2Lab is two clouds joining by bgpvpn on different PEs, east with one
// compute and west with two, whose computes peer with p1 (a reflector).
const l2Lab = `
name: l2
defaults: {asn: 65000, label_mode: ldp, initial_networks: false}
nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
links:
  - {a: pe1, b: p1, latency: 10ms}
  - {a: pe2, b: p1, latency: 10ms}
clouds:
  east: {attach: pe1, join: [bgpvpn], computes: 1}
  west: {attach: pe2, join: [bgpvpn], computes: 2}
`

func runL2Lab(t *testing.T) (*Lab, *clock.Virtual) {
	t.Helper()
	res, err := topology.Load("l2.yaml", []byte(l2Lab))
	if err != nil {
		t.Fatal(err)
	}
	return runLab(t, res.Model)
}

func mac(last byte) packet.MAC { return packet.MAC{0xfa, 0x16, 0x3e, 0, 0, last} }

// l2port is a VM port of the stretched subnet 10.30.0.0/24 bound to host.
func l2port(host string, last byte) CloudL2Port {
	return CloudL2Port{Port: "port-" + host + string('a'+rune(last)), Host: host, MAC: mac(last),
		IPs: []netip.Addr{netip.AddrFrom4([4]byte{10, 30, 0, last})}}
}

// l2vpnOf is an l2 BGPVPN named name with route target rt both ways.
func l2vpnOf(id, rt string, vni uint32, ports ...CloudL2Port) CloudL2VPN {
	return CloudL2VPN{ID: id, Name: id, Import: []string{rt}, Export: []string{rt}, VNI: vni, Ports: ports}
}

func applyL2(t *testing.T, l *Lab, cloud string, vpns ...CloudL2VPN) {
	t.Helper()
	if err := l.ApplyCloud(cloud, CloudConfig{L2VPNs: vpns}); err != nil {
		t.Fatal(err)
	}
}

// until advances lab time in 1 ms steps until cond holds, for at most
// ten seconds of it.
func until(t *testing.T, clk *clock.Virtual, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 10000; i++ {
		if cond() {
			return
		}
		clk.Advance(time.Millisecond)
	}
	t.Fatalf("after 10 s of lab time: %s", what)
}

// settle advances lab time until the lab is ready again (quiet for
// Settle, no BGP sync held back), for at most 30 s of it: what a user
// waits for after a change before pinging across it.
func settle(t *testing.T, l *Lab, clk *clock.Virtual) {
	t.Helper()
	if c, took, ok := l.WaitReady(clk.Now().Sub(l.Started())+30*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		t.Fatalf("not ready again after %v: %+v", took, c)
	}
}

func guest(t *testing.T, l *Lab, node, evi string, m packet.MAC) *l2vpn.Guest {
	t.Helper()
	g, err := l.L2Guest(node, evi, m)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func guestPing(t *testing.T, clk *clock.Virtual, g *l2vpn.Guest, dst string, count int) l2vpn.PingResult {
	t.Helper()
	p, err := g.StartPing(netip.MustParseAddr(dst), count, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	await(t, clk, p.Done(), time.Minute)
	return p.Result()
}

func remoteMAC(s l2vpn.EVIState, m packet.MAC) (l2vpn.MACEntry, bool) {
	for _, e := range s.MACs {
		if e.MAC == m.String() && e.Where == "remote" {
			return e, true
		}
	}
	return l2vpn.MACEntry{}, false
}

func hasNeighbour(g *l2vpn.Guest, ip string, m packet.MAC) bool {
	return slices.Contains(g.Neighbours(), l2vpn.Neighbour{IP: netip.MustParseAddr(ip), MAC: m.String()})
}

// An l2 BGPVPN in two clouds stretches one subnet: each compute hosting
// a port runs an EVI, learns the other VMs' MACs and IPs from their
// MAC/IP routes, floods by ingress replication to the PEs of the
// inclusive multicast routes, answers ARP from the bindings, and the
// VMs ping each other in Ethernet frames with each other's MAC in their
// ARP tables — over MPLS (a label per EVI in MPLS-in-UDP) and over
// VXLAN (the BGPVPN's VNI). Another tenant's BGPVPN with the same
// subnet and MACs sees none of it; removing the association withdraws
// every route.
func TestAnL2BGPVPNStretchesASubnetAcrossTwoClouds(t *testing.T) {
	for _, tc := range []struct {
		name          string
		vni, otherVNI uint32
		encap         string
	}{{"mpls", 0, 0, "mpls"}, {"vxlan", 5001, 5002, "vxlan"}} {
		t.Run(tc.name, func(t *testing.T) {
			l, clk := runL2Lab(t)
			a, b, c := l2port("east-cn1", 1), l2port("west-cn1", 2), l2port("west-cn2", 3)
			applyL2(t, l, "east", l2vpnOf("blue", "65000:500", tc.vni, a))
			// The other tenant in west: same subnet, a VM with a's MAC and
			// address, its own route target.
			x := l2port("west-cn1", 1)
			x.Port = "port-other"
			applyL2(t, l, "west", l2vpnOf("blue", "65000:500", tc.vni, b, c), l2vpnOf("other", "65000:600", tc.otherVNI, x))

			until(t, clk, "every EVI knows the other two VMs", func() bool {
				for _, n := range []struct {
					node string
					want []packet.MAC
				}{{"east-cn1", []packet.MAC{b.MAC, c.MAC}}, {"west-cn1", []packet.MAC{a.MAC, c.MAC}}, {"west-cn2", []packet.MAC{a.MAC, b.MAC}}} {
					s, _ := l.EVI(n.node, "blue")
					for _, m := range n.want {
						if _, ok := remoteMAC(s, m); !ok {
							return false
						}
					}
					if len(s.Flood) != 2 {
						return false
					}
				}
				return true
			})
			// RT constraint covers EVPN: east asked for 65000:500 only, so
			// the reflector kept the other tenant's routes from it.
			other, _ := bgp.ParseRouteTarget("65000:600")
			for _, r := range l.nodes["east-cn1"].bgp.vpn.Speaker().Routes(bgp.EVPN) {
				if slices.Contains(r.Attrs.RouteTargets(), other) {
					t.Errorf("east-cn1 received the other tenant's route %v", r.Key)
				}
			}
			s, _ := l.EVI("east-cn1", "blue")
			e, _ := remoteMAC(s, b.MAC)
			wantLabel := l.EVPNLabel("west-cn1", "blue")
			if tc.vni != 0 {
				wantLabel = tc.vni
			}
			if e.Encap != tc.encap || e.Label != wantLabel || e.PE != underlayAddr(l.nodes["west-cn1"]).String() || !slices.Equal(e.IPs, b.IPs) {
				t.Errorf("east's entry for b = %+v, want %s %d from %v", e, tc.encap, wantLabel, underlayAddr(l.nodes["west-cn1"]))
			}

			ga, gb := guest(t, l, "east-cn1", "blue", a.MAC), guest(t, l, "west-cn1", "blue", b.MAC)
			if res := guestPing(t, clk, ga, "10.30.0.2", 3); res.Received != 3 {
				t.Fatalf("ping a -> b: %v", res)
			}
			if !hasNeighbour(ga, "10.30.0.2", b.MAC) || !hasNeighbour(gb, "10.30.0.1", a.MAC) {
				t.Errorf("ARP tables: a %v, b %v", ga.Neighbours(), gb.Neighbours())
			}
			// show east-cn1 vrf blue: the MAC table, where each MAC was learnt.
			_, text, err := l.Show("east-cn1", "vrf blue", "")
			if err != nil || !strings.Contains(text, "mac-vrf blue: evpn of bgpvpn blue") ||
				!strings.Contains(text, a.MAC.String()+"  10.30.0.1        local port "+a.Port) ||
				!strings.Contains(text, b.MAC.String()+"  10.30.0.2        bgp from "+e.PE+" ("+tc.encap+")") {
				t.Errorf("show east-cn1 vrf blue: %v\n%s", err, text)
			}
			t.Logf("show east-cn1 vrf blue:\n%s", text)
			// a's ARP for b was answered by east's PE from b's MAC/IP route.
			s, _ = l.EVI("east-cn1", "blue")
			if s.Counters.ARPSuppressed == 0 {
				t.Errorf("east's EVI answered no ARP: %+v", s.Counters)
			}
			if res := guestPing(t, clk, guest(t, l, "west-cn2", "blue", c.MAC), "10.30.0.1", 2); res.Received != 2 {
				t.Errorf("ping c -> a: %v", res)
			}

			// BUM: an ARP for an address nobody has goes once to each other PE.
			before := map[string]uint64{}
			for _, n := range []string{"east-cn1", "west-cn1", "west-cn2"} {
				s, _ := l.EVI(n, "blue")
				before[n] = s.Counters.Decapsulated
			}
			sa, _ := l.EVI("east-cn1", "blue")
			if res := guestPing(t, clk, ga, "10.30.0.99", 1); res.Received != 0 {
				t.Errorf("ping of nobody answered: %v", res)
			}
			sa2, _ := l.EVI("east-cn1", "blue")
			if d := sa2.Counters.Replicas - sa.Counters.Replicas; d != 2 {
				t.Errorf("east replicated the ARP broadcast %d times, want 2 (one per PE)", d)
			}
			for _, n := range []string{"west-cn1", "west-cn2"} {
				s, _ := l.EVI(n, "blue")
				if d := s.Counters.Decapsulated - before[n]; d != 1 {
					t.Errorf("%s received the broadcast %d times, want once", n, d)
				}
			}

			// Isolation: the other tenant's EVI learnt nothing, and its VM,
			// with a's MAC and address, got no frame.
			so, ok := l.EVI("west-cn1", "other")
			if !ok || len(so.Flood) != 0 || slices.ContainsFunc(so.MACs, func(e l2vpn.MACEntry) bool { return e.Where == "remote" }) || so.Counters.ToPorts != 0 {
				t.Errorf("the other tenant's EVI: %+v", so)
			}
			if n := guest(t, l, "west-cn1", "other", x.MAC).Neighbours(); len(n) != 0 {
				t.Errorf("the other tenant's VM learnt %v", n)
			}

			// Removing east's association withdraws its routes everywhere.
			applyL2(t, l, "east")
			until(t, clk, "a's MAC gone from west", func() bool {
				s, _ := l.EVI("west-cn1", "blue")
				_, ok := remoteMAC(s, a.MAC)
				return !ok && len(s.Flood) == 1
			})
			if len(l.EVIs("east-cn1")) != 0 {
				t.Errorf("east still runs %v", l.EVIs("east-cn1"))
			}
			until(t, clk, "no EVPN route of east's left at the reflector", func() bool {
				p1, _ := l.Node("p1")
				for _, r := range p1.bgp.vpn.Speaker().Routes(bgp.EVPN) {
					if r.NextHop == underlayAddr(l.nodes["east-cn1"]) {
						return false
					}
				}
				return true
			})
		})
	}
}

// A VM whose port moves to another compute is advertised from there with
// the next MAC Mobility sequence number (RFC 7432 15), which every PE
// prefers: east's MAC table follows it, and the ping still goes through.
func TestAMovedMACIsAdvertisedWithTheNextSequenceNumber(t *testing.T) {
	l, clk := runL2Lab(t)
	a, b, c := l2port("east-cn1", 1), l2port("west-cn1", 2), l2port("west-cn2", 3)
	applyL2(t, l, "east", l2vpnOf("blue", "65000:500", 0, a))
	applyL2(t, l, "west", l2vpnOf("blue", "65000:500", 0, b, c))
	until(t, clk, "east and west-cn2 learn b on west-cn1", func() bool {
		s, _ := l.EVI("east-cn1", "blue")
		_, ok := remoteMAC(s, b.MAC)
		s2, _ := l.EVI("west-cn2", "blue")
		_, ok2 := remoteMAC(s2, b.MAC)
		return ok && ok2
	})
	b.Host = "west-cn2"
	applyL2(t, l, "west", l2vpnOf("blue", "65000:500", 0, b, c))
	cn2 := underlayAddr(l.nodes["west-cn2"]).String()
	until(t, clk, "east follows b to west-cn2 with sequence 1", func() bool {
		s, _ := l.EVI("east-cn1", "blue")
		e, ok := remoteMAC(s, b.MAC)
		return ok && e.PE == cn2 && e.Seq == 1
	})
	found := false
	for _, r := range l.nodes["east-cn1"].bgp.vpn.Speaker().Routes(bgp.EVPN) {
		for _, c := range r.Attrs.ExtCommunityList() {
			found = found || c == bgp.MACMobility(1, false) && r.NextHop.String() == cn2
		}
	}
	if !found {
		t.Error("east has no MAC/IP route from west-cn2 with MAC Mobility sequence 1")
	}
	if res := guestPing(t, clk, guest(t, l, "east-cn1", "blue", a.MAC), "10.30.0.2", 2); res.Received != 2 {
		t.Errorf("ping a -> b after the move: %v", res)
	}
}

// A compute whose BGP restarts (RFC 4724, its peers keep its routes as
// stale meanwhile) advertises its EVI's routes again from the new
// speaker, even with nothing to learn from others: the reflector has
// them fresh after the restart, and a VM of another cloud added then
// pings east's.
func TestAComputesBGPRestartKeepsItsEVPNRoutes(t *testing.T) {
	l, clk := runL2Lab(t)
	a, b := l2port("east-cn1", 1), l2port("west-cn1", 2)
	applyL2(t, l, "east", l2vpnOf("blue", "65000:500", 0, a))
	east := underlayAddr(l.nodes["east-cn1"])
	atReflector := func() (fresh, stale int) {
		for _, r := range l.nodes["p1"].bgp.vpn.Speaker().Routes(bgp.EVPN) {
			switch {
			case r.NextHop != east:
			case r.Stale:
				stale++
			default:
				fresh++
			}
		}
		return
	}
	until(t, clk, "the reflector has east's two routes", func() bool { f, _ := atReflector(); return f == 2 })
	if err := l.RestartBGP("east-cn1"); err != nil {
		t.Fatal(err)
	}
	// Before any lab time passes: the new speaker, released as the
	// restart returned (on a real clock it could send End-of-RIB at
	// once), already originates east's EVPN routes.
	sp := l.nodes["east-cn1"].bgp.vpn.Speaker()
	own := 0
	for _, p := range sp.BestPaths(bgp.EVPN) {
		if p.Local {
			own++
		}
	}
	if sp.Held() || own != 2 {
		t.Fatalf("right after the restart the new speaker is held: %v, and originates %d EVPN routes, want 2", sp.Held(), own)
	}
	until(t, clk, "east's routes fresh at the reflector after the restart", func() bool {
		f, s := atReflector()
		return f == 2 && s == 0 && l.nodes["east-cn1"].bgp.vpn.Speaker().PeerState(l.reflectorAddr(t, "p1")) == bgp.Established
	})
	applyL2(t, l, "west", l2vpnOf("blue", "65000:500", 0, b))
	until(t, clk, "west knows east's VM", func() bool {
		s, _ := l.EVI("west-cn1", "blue")
		_, ok := remoteMAC(s, a.MAC)
		return ok
	})
	if res := guestPing(t, clk, guest(t, l, "west-cn1", "blue", b.MAC), "10.30.0.1", 2); res.Received != 2 {
		t.Errorf("ping b -> a after east's restart: %v", res)
	}
}

// reflectorAddr is the address computes peer with reflector rr at.
func (l *Lab) reflectorAddr(t *testing.T, rr string) netip.Addr {
	t.Helper()
	for _, s := range l.Model.Sessions {
		if s.Kind == topology.SessionCloudCore && s.B == rr {
			if l.tcp != nil {
				a, _ := l.SpeakerAddr(rr, "")
				return a
			}
			return s.BAddr
		}
	}
	t.Fatalf("no compute session with %s", rr)
	return netip.Addr{}
}
