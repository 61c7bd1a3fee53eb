package lab

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestBagpipeAsExternalComputeNodePE makes Debian's bagpipe-bgp (the
// BGP speaker of networking-bagpipe on an OpenStack compute node) a PE of
// the lab behind p1, the reflector. bagpipe-bgp only connects out, has no
// 4-octet AS capability (an OLD speaker, RFC 6793) and does no RT
// constraint here. A port attached through its REST API in red's VPN is
// advertised, reflected, valid and best on pe2, imported into vrf red and
// announced to ce2; red's sites' routes reach bagpipe-bgp's VRF the other
// way, with the lab PEs' labels and next hops.
func TestBagpipeAsExternalComputeNodePE(t *testing.T) {
	y := `nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
  ce2: {role: ce}
  bagpipe: {role: external, address: 127.0.0.3:%d, plays: pe}
links: [pe1-p1, pe2-p1, ce1-pe1, ce2-pe2]
vpns:
  red: {sites: [ce1, ce2]}
`
	// The lab listens for bagpipe-bgp on p1's TCP address, in a base of
	// this test's, at a free port (bagpipe-bgp dials one port for all).
	base := netip.MustParsePrefix("127.79.0.0/16")
	labPort := testpeer.FreePort(t, "127.0.0.1")
	res, err := topology.Load("t.yaml", []byte(fmt.Sprintf(y, testpeer.FreePort(t, "127.0.0.3"))))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	p1Addr, _ := (&Lab{Model: m, opts: Options{TCPBase: base}}).TCPAddr("p1")
	redRT := m.VPN("red").Export[0]
	bp := testpeer.StartBagpipe(t, testpeer.BagpipeConfig{Local: "127.0.0.3", Peers: []string{p1Addr.String()}, AS: uint16(m.Node("p1").ASN), BGPPort: labPort})

	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk, TCPBase: base, BGPPort: uint16(labPort)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.Start()
	t.Cleanup(func() {
		if t.Failed() {
			_, text, _ := l.Show("p1", "bgp neighbor bagpipe", "")
			_, pe2vpn, _ := l.Show("pe2", "bgp vpnv4", "")
			lg, _ := bp.Get("looking-glass/vpns/instances/red/best_routes")
			t.Logf("p1's view of bagpipe-bgp:\n%s\npe2 vpnv4:\n%s\nbagpipe's vrf red: %s", text, pe2vpn, lg)
		}
	})
	advanceUntil(t, clk, 60*time.Second, "the session between p1 and bagpipe-bgp", func() bool {
		return bp.PeerState(p1Addr.String()) == "Established"
	})
	if ps := l.ExternalPeers(); len(ps) != 1 || ps[0].State != "Established" {
		t.Errorf("lab's external sessions: %+v", ps)
	}
	if _, text, _ := l.Show("p1", "bgp neighbor bagpipe", ""); !strings.Contains(text, "4-octet AS: not advertised by the peer") {
		t.Errorf("p1's neighbor detail does not say bagpipe-bgp is a 2-octet AS speaker:\n%s", text)
	}

	// bagpipe-bgp -> lab: a VM port on the compute node, in red.
	vm := netip.MustParsePrefix("198.51.100.10/32")
	if err := bp.Attach(map[string]any{
		"vpn_instance_id": "red", "vpn_type": "ipvpn", "import_rt": []string{redRT}, "export_rt": []string{redRT},
		"mac_address": "52:54:00:00:00:0a", "ip_address": vm.String(), "gateway_ip": "198.51.100.1",
		"local_port": map[string]any{"linuxif": "tap-vm1"},
	}); err != nil {
		t.Fatal(err)
	}
	pe2, _ := l.Node("pe2")
	ce2, _ := l.Node("ce2")
	bagpipe := netip.MustParseAddr("127.0.0.3")
	fromBagpipe := func() *bgp.Route {
		for _, r := range pe2.BGP().Routes(bgp.VPNv4) {
			if r.Key.Prefix == vm && r.Best {
				return &r
			}
		}
		return nil
	}
	advanceUntil(t, clk, 30*time.Second, "bagpipe-bgp's VM route to be best on pe2 and in vrf red", func() bool {
		_, inVRF := pe2.Router.RIB().Best("red", vm)
		return fromBagpipe() != nil && inVRF
	})
	r := fromBagpipe()
	if r.NextHop != bagpipe || !r.Valid || r.Label == 0 || !l3vpn.Importable(r, []bgp.ExtCommunity{mustRT(t, redRT)}) {
		t.Errorf("pe2's path for the VM: next hop %v valid %v label %d RTs %v; want bagpipe-bgp's next hop, a label and red's RT", r.NextHop, r.Valid, r.Label, r.Attrs.RouteTargets())
	}
	// bagpipe-bgp's encapsulation (RFC 9012 4.1) reaches pe2 as it was
	// sent. Its dummy dataplane driver offers plain MPLS (tunnel type 10),
	// its OVS driver MPLS-in-GRE: pe2 keeps the community, shows it, and,
	// offered no IP tunnel, reaches the VM over the LSP.
	if ts := r.Attrs.Tunnels(); len(ts) != 1 || ts[0].Type != bgp.TunnelMPLS {
		t.Errorf("pe2's path for the VM offers tunnels %v; bagpipe-bgp's dummy driver sends the encapsulation mpls", ts)
	}
	js, text, err := l.Show("pe2", "bgp vpnv4", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Encap{mpls}") {
		t.Errorf("show pe2 bgp vpnv4 does not show bagpipe-bgp's encapsulation:\n%s", text)
	}
	if b, _ := json.Marshal(js); !strings.Contains(string(b), `"encapsulation":[{"type":"mpls","code":10,"from":"extended-community"}]`) {
		t.Errorf("show pe2 bgp vpnv4 -o json lacks the encapsulation: %s", b)
	}
	if rt, _ := pe2.Router.RIB().Best("red", vm); len(rt.Nexthops) != 1 || rt.Nexthops[0].Tunnel != nil {
		t.Errorf("pe2's vrf red route to the VM %+v, want one nexthop over the LSP", rt)
	}
	advanceUntil(t, clk, 10*time.Second, "ce2 to learn the VM's address from pe2", func() bool {
		return bestOf(ce2.BGP().Routes(bgp.IPv4Unicast), vm.String())
	})

	// lab -> bagpipe-bgp: red's sites in its VRF, with the PEs' labels.
	pe1, _ := l.Node("pe1")
	ce1, _ := l.Node("ce1")
	// bagpipe-bgp's looking glass names each route "PREFIX label L
	// next-hop NH rd RD": the lab PE's VPN label and loopback.
	want := []string{
		fmt.Sprintf("%s label %d next-hop %s ", ce1.Model.Loopback, pe1.VPNLabel("red"), pe1.Model.Loopback.Addr()),
		fmt.Sprintf("%s label %d next-hop %s ", ce2.Model.Loopback, pe2.VPNLabel("red"), pe2.Model.Loopback.Addr()),
	}
	advanceUntil(t, clk, 30*time.Second, "bagpipe-bgp's vrf red to hold ce1's and ce2's loopbacks", func() bool {
		lg, err := bp.Get("looking-glass/vpns/instances/red/best_routes")
		if err != nil {
			return false
		}
		for _, w := range want {
			if !strings.Contains(string(lg), w) {
				return false
			}
		}
		return true
	})

	// Detaching withdraws the route everywhere.
	if err := bp.Detach(map[string]any{"vpn_instance_id": "red", "vpn_type": "ipvpn", "mac_address": "52:54:00:00:00:0a",
		"ip_address": vm.String(), "local_port": map[string]any{"linuxif": "tap-vm1"}}); err != nil {
		t.Fatal(err)
	}
	advanceUntil(t, clk, 30*time.Second, "the VM route to leave pe2's vrf red and ce2", func() bool {
		_, inVRF := pe2.Router.RIB().Best("red", vm)
		return !inVRF && !bestOf(ce2.BGP().Routes(bgp.IPv4Unicast), vm.String())
	})
}

func mustRT(t *testing.T, s string) bgp.ExtCommunity {
	t.Helper()
	e, err := bgp.ParseRouteTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
