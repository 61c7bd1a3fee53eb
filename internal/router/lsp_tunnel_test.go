package router

import (
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/packet"
)

// gatewayNet is tunnelNet with p as a DC gateway in the path from pe1 to
// pe2: pe1 sends hB's site p's label 40000 over the link (plain MPLS),
// and p swaps it to pe2's VPN label 30003 inside an IP tunnel of kind
// encap to pe2's loopback, as an option B gateway reaches a vRouter.
func gatewayNet(t *testing.T, encap Encap) *testNet {
	n := tunnelNet(t, encap)
	pe1, p := n.r["pe1"], n.r["p"]
	pe1.Do(func() {
		pe1.RIB().ReplaceRoutes(ProtoIBGP, "t", []Route{{Prefix: pfx("10.0.1.0/30"), Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Labels: []uint32{40000}}}}})
	})
	p.Do(func() {
		p.RIB().ReplaceLSPs(ProtoEBGP, []LSP{{InLabel: 40000, FEC: pfx("10.0.1.0/30"),
			Nexthops: []LSPNexthop{{Addr: ip("10.255.0.3"), OutLabel: 30003, Tunnel: &Tunnel{Encap: encap, UnlessLSP: true}}}}})
	})
	return n
}

// A labelled packet whose LSP nexthop has a tunnel leaves with its label
// swapped, inside the tunnel from the switching router's loopback to the
// nexthop, and the far end pops it into its VRF: the ping gets through.
func TestAnLSPNexthopWithATunnelSwapsThenEncapsulates(t *testing.T) {
	for _, encap := range []Encap{EncapMPLSInUDP, EncapMPLSInGRE} {
		t.Run(encap.String(), func(t *testing.T) {
			n := gatewayNet(t, encap)
			in, out := tap(n.links["pe1-p"]), tap(n.links["p-pe2"])
			if !n.pingOnce(t) {
				t.Fatal("no echo reply through the swap into the tunnel")
			}
			if f := in.from("pe1:eth1"); len(f) != 1 || len(decode(t, f[0]).Labels) != 1 || decode(t, f[0]).Labels[0].Label() != 40000 {
				t.Fatalf("pe1 sent %d frames, want one with label 40000 alone", len(f))
			}
			f := out.from("p:eth1")
			if len(f) != 1 {
				t.Fatalf("p sent %d frames to pe2, want 1", len(f))
			}
			ipb := f[0][packet.EthernetHeaderLen:]
			var stack []byte
			var src, dst string
			switch encap {
			case EncapMPLSInUDP:
				outer, _, s, err := packet.ParseMPLSInUDP(ipb)
				must(t, err)
				stack, src, dst = s, outer.Src.String(), outer.Dst.String()
			case EncapMPLSInGRE:
				outer, _, s, err := packet.ParseMPLSInGRE(ipb)
				must(t, err)
				stack, src, dst = s, outer.Src.String(), outer.Dst.String()
			}
			if src != "10.255.0.2" || dst != "10.255.0.3" {
				t.Errorf("tunnel %s > %s, want p's loopback to pe2's", src, dst)
			}
			labels, _, err := packet.ParseLabelStack(stack, nil)
			must(t, err)
			// pe1 pushed TTL 63 (the ping's 64 less its IP hop); p's swap takes one more.
			if len(labels) != 1 || labels[0].Label() != 30003 || !labels[0].Bottom() || labels[0].TTL() != 62 {
				t.Fatalf("inner stack %v, want 30003 S=1 TTL 62", labels)
			}
			if rows := n.r["p"].LFIBTable().String(); !strings.Contains(rows, "10.255.0.3 ("+encap.String()+" 10.255.0.2 > 10.255.0.3)") {
				t.Errorf("show mpls table does not name the tunnel:\n%s", rows)
			}
		})
	}
}

// UnlessLSP: once the default table reaches the tunnel's far end over a
// transport label, the LSP swaps onto it and no tunnel is used; without
// a route to the far end the entry is inactive and the packet dropped.
func TestAnLSPTunnelGivesWayToATransportLSPAndNeedsARoute(t *testing.T) {
	n := gatewayNet(t, EncapMPLSInUDP)
	p := n.r["p"]
	p.Do(func() {
		p.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.3/32"), Nexthop: ip("10.1.23.2"), OutLabel: LabelImplicitNull}})
	})
	n.run()
	out := tap(n.links["p-pe2"])
	if !n.pingOnce(t) {
		t.Fatal("no echo reply over the LSP")
	}
	f := out.from("p:eth1")
	if len(f) != 1 {
		t.Fatalf("p sent %d frames, want 1", len(f))
	}
	if d := decode(t, f[0]); len(d.Labels) != 1 || d.Labels[0].Label() != 30003 {
		t.Fatalf("p sent %v, want plain MPLS with 30003", d)
	}
	if c := p.TunnelCounters(); c.EncapUDP != 0 {
		t.Errorf("p encapsulated %d packets with an LSP to use", c.EncapUDP)
	}
	if !p.RemoveStatic("", pfx("10.255.0.3/32"), ip("10.1.23.2")) {
		t.Fatal("p had no static route to pe2")
	}
	n.run()
	var row *LFIBRow
	for _, r := range p.LFIBTable() {
		if r.InLabel == 40000 {
			row = &r
		}
	}
	if row == nil || !row.Inactive {
		t.Fatalf("with no route to the tunnel's end the entry is %+v, want inactive", row)
	}
	if n.pingOnce(t) {
		t.Fatal("an echo reply came with no way to pe2")
	}
}

// A label that arrives in a tunnel and is switched on (a DC gateway's
// option B swap of a vRouter's packet) and whose TTL runs out there gets
// a time exceeded that quotes the label and names the tunnel it came by,
// sent on along the LSP: trace shows the MPLS-in-UDP hop at the swap.
func TestTraceShowsTheTunnelIntoALabelSwap(t *testing.T) {
	n := tunnelNet(t, EncapMPLSInUDP)
	pe1, p := n.r["pe1"], n.r["p"]
	must(t, pe1.AddStatic("", pfx("10.255.0.2/32"), ip("10.1.12.2")))
	pe1.Do(func() {
		pe1.RIB().ReplaceRoutes(ProtoIBGP, "t", []Route{{Prefix: pfx("10.0.1.0/30"), Nexthops: []Nexthop{
			{Addr: ip("10.255.0.2"), Labels: []uint32{40000}, Tunnel: &Tunnel{Encap: EncapMPLSInUDP, UnlessLSP: true}}}}})
	})
	p.Do(func() {
		p.RIB().ReplaceLSPs(ProtoEBGP, []LSP{{InLabel: 40000, FEC: pfx("10.0.1.0/30"), Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), OutLabel: 30003}}}})
	})
	s, err := n.r["hA"].StartTraceroute(ip("10.0.1.2"), TraceOptions{Probes: 1, Timeout: time.Second})
	must(t, err)
	n.run()
	res := s.Result()
	out := res.String()
	if !res.Reached || len(res.Hops) != 4 {
		t.Fatalf("trace did not take four hops (pe1, p, pe2, hB):\n%s", out)
	}
	hop := res.Hops[1].Probes[0]
	if hop.From != ip("10.1.12.2") || hop.Via != "mpls-in-udp 10.255.0.1 > 10.255.0.2" || len(hop.Labels) != 1 || hop.Labels[0].Label != 40000 {
		t.Errorf("hop 2 %+v, want p with label 40000 via the tunnel from pe1", hop)
	}
	if hop := res.Hops[2].Probes[0]; hop.From != ip("10.1.23.2") || hop.Via != "" {
		t.Errorf("hop 3 %+v, want pe2, reached off the link", hop)
	}
}
