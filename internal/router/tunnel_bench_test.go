package router

import (
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// BenchmarkVPNForward measures packets per second, on one core, from a
// site into VRF t on pe1, across p to pe2 and out of its VRF to a sink:
// over an LSP (pe1 pushes the transport and the VPN label, p pops the
// transport, pe2 pops the VPN label), or in MPLS-in-UDP or MPLS-in-GRE
// (pe1 pushes the VPN label and encapsulates, p routes the outer IPv4
// packet, pe2 decapsulates and pops). The difference is what the tunnel
// costs a packet: encapsulation at one end, decapsulation at the other.
func BenchmarkVPNForward(b *testing.B) {
	for _, tc := range []struct {
		name  string
		encap Encap // 0: the LSP
	}{{"lsp", 0}, {"mpls-in-udp", EncapMPLSInUDP}, {"mpls-in-gre", EncapMPLSInGRE}} {
		b.Run(tc.name, func(b *testing.B) { benchVPNForward(b, tc.encap) })
	}
}

func benchVPNForward(b *testing.B, encap Encap) {
	n := newNet(b)
	pool := packet.NewFramePool(packet.DefaultHeadroom, 256)
	for i, name := range []string{"pe1", "p", "pe2"} {
		n.router(name, topology.RolePE, []string{"10.255.0.1/32", "10.255.0.2/32", "10.255.0.3/32"}[i])
	}
	gl, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "gen-pe1"})
	must(b, n.r["pe1"].AttachPort("eth0", pfx("10.0.0.2/30"), gl.B(), "t"))
	none := dataplane.Impairment{}
	n.link("pe1", "eth1", "10.1.12.1/30", "p", "eth0", "10.1.12.2/30", none)
	n.link("p", "eth1", "10.1.23.1/30", "pe2", "eth1", "10.1.23.2/30", none)
	sl, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "pe2-sink"})
	must(b, n.r["pe2"].AttachPort("eth0", pfx("10.0.1.1/30"), sl.A(), "t"))
	received := 0
	sl.B().SetHandler(func(f *packet.Frame) { received++; f.Release() })

	pe1, p, pe2 := n.r["pe1"], n.r["p"], n.r["pe2"]
	must(b, pe1.AddStatic("", pfx("10.255.0.3/32"), ip("10.1.12.2")))
	must(b, p.AddStatic("", pfx("10.255.0.3/32"), ip("10.1.23.2")))
	nh := Nexthop{Addr: ip("10.255.0.3"), Labels: []uint32{30003}}
	if encap != 0 {
		nh.Tunnel = &Tunnel{Encap: encap}
	}
	pe1.Do(func() {
		pe1.RIB().ReplaceRoutes(ProtoIBGP, "t", []Route{{Prefix: pfx("10.0.1.0/30"), Nexthops: []Nexthop{nh}}})
		if encap == 0 {
			pe1.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.3/32"), Nexthop: ip("10.1.12.2"), OutLabel: 24003}})
		}
	})
	p.Do(func() {
		p.RIB().ReplaceLSPs(ProtoLDP, []LSP{{InLabel: 24003, Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), Iface: "eth1", OutLabel: LabelImplicitNull}}}})
	})
	pe2.Do(func() {
		pe2.RIB().ReplaceLSPs(ProtoIBGP, []LSP{{InLabel: 30003, Nexthops: []LSPNexthop{PopLookup("t")}}})
	})

	// A 64-byte UDP packet from 10.0.0.1 to 10.0.1.2.
	f := packet.FrameFrom(make([]byte, 18))
	must(b, packet.PushUDP(f, 1000, 9, ip("10.0.0.1"), ip("10.0.1.2"), true))
	must(b, packet.PushIPv4(f, packet.IPv4{TTL: 64, Protocol: packet.ProtocolUDP, Src: ip("10.0.0.1"), Dst: ip("10.0.1.2")}))
	must(b, packet.PushEthernet(f, packet.Ethernet{Dst: InterfaceMAC("pe1", "eth0"), Type: packet.EtherTypeIPv4}))
	tmpl := append([]byte(nil), f.Bytes()...)
	burst := func(k int) {
		for range k {
			g := pool.Get()
			_ = g.SetBytes(tmpl)
			gl.A().Send(g)
		}
		n.clk.Advance(0)
	}
	burst(256)
	received = 0
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; {
		k := min(256, b.N-sent)
		burst(k)
		sent += k
	}
	b.StopTimer()
	if received != b.N {
		b.Fatalf("received %d of %d", received, b.N)
	}
	if c := pe2.TunnelCounters(); encap != 0 && c.DecapUDP+c.DecapGRE < uint64(b.N) {
		b.Fatalf("pe2 decapsulated %+v for %d packets", c, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
