package router

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// tunnelNet is two VPN sites across a core with no LSPs: hA - pe1 - p -
// pe2 - hB, the sites in VRF "t" on pe1 and pe2. Each PE reaches the
// other's site by the other's VPN label (30001 on pe1, 30003 on pe2,
// "pop, then route in t") inside an IP tunnel of kind encap to the other's
// loopback, which the core routes by plain IP.
func tunnelNet(t *testing.T, encap Encap, opts ...func(*Config)) *testNet {
	t.Helper()
	n := newNet(t)
	n.router("hA", topology.RoleHost, "")
	n.router("hB", topology.RoleHost, "")
	n.router("pe1", topology.RolePE, "10.255.0.1/32", opts...)
	n.router("p", topology.RoleP, "10.255.0.2/32", opts...)
	n.router("pe2", topology.RolePE, "10.255.0.3/32", opts...)
	none := dataplane.Impairment{Latency: time.Millisecond}
	siteLink := func(h, pe, hAddr, peAddr string) {
		l, err := dataplane.NewLink(n.clk, dataplane.Config{Name: h + "-" + pe, AName: h + ":eth0", BName: pe + ":eth0", A: none, B: none})
		must(t, err)
		must(t, n.r[h].AttachPort("eth0", pfx(hAddr), l.A(), ""))
		must(t, n.r[pe].AttachPort("eth0", pfx(peAddr), l.B(), "t"))
		n.links[h+"-"+pe] = l
	}
	siteLink("hA", "pe1", "10.0.0.1/30", "10.0.0.2/30")
	siteLink("hB", "pe2", "10.0.1.2/30", "10.0.1.1/30")
	n.link("pe1", "eth1", "10.1.12.1/30", "p", "eth0", "10.1.12.2/30", none)
	n.link("p", "eth1", "10.1.23.1/30", "pe2", "eth1", "10.1.23.2/30", none)
	must(t, n.r["hA"].AddStatic("", pfx("0.0.0.0/0"), ip("10.0.0.2")))
	must(t, n.r["hB"].AddStatic("", pfx("0.0.0.0/0"), ip("10.0.1.1")))
	must(t, n.r["pe1"].AddStatic("", pfx("10.255.0.3/32"), ip("10.1.12.2")))
	must(t, n.r["p"].AddStatic("", pfx("10.255.0.3/32"), ip("10.1.23.2")))
	must(t, n.r["p"].AddStatic("", pfx("10.255.0.1/32"), ip("10.1.12.1")))
	must(t, n.r["pe2"].AddStatic("", pfx("10.255.0.1/32"), ip("10.1.23.1")))
	vpn := func(pe, remote, site string, remoteLabel, ownLabel uint32) {
		r := n.r[pe]
		r.Do(func() {
			r.RIB().ReplaceRoutes(ProtoIBGP, "t", []Route{{Prefix: pfx(site), Nexthops: []Nexthop{
				{Addr: ip(remote), Labels: []uint32{remoteLabel}, Tunnel: &Tunnel{Encap: encap, UnlessLSP: true}}}}})
			r.RIB().ReplaceLSPs(ProtoIBGP, []LSP{{InLabel: ownLabel, Nexthops: []LSPNexthop{PopLookup("t")}}})
		})
	}
	vpn("pe1", "10.255.0.3", "10.0.1.0/30", 30003, 30001)
	vpn("pe2", "10.255.0.1", "10.0.0.0/30", 30001, 30003)
	return n
}

// ping has hA ping hB once and reports whether the reply came.
func (n *testNet) pingOnce(t *testing.T) bool {
	t.Helper()
	s, err := n.r["hA"].StartPing(ip("10.0.1.2"), PingOptions{Count: 1, Timeout: time.Second})
	must(t, err)
	n.run()
	res := s.Result()
	return res.Received == 1
}

// A ping between the sites crosses the core as MPLS-in-UDP (or -GRE):
// the P router sees IPv4 from pe1's loopback to pe2's holding the VPN
// label, and each PE counts what it put in and took out.
func TestVPNTrafficCrossesAnIPCoreInATunnel(t *testing.T) {
	for _, encap := range []Encap{EncapMPLSInUDP, EncapMPLSInGRE} {
		t.Run(encap.String(), func(t *testing.T) {
			n := tunnelNet(t, encap)
			caps := tap(n.links["pe1-p"])
			if !n.pingOnce(t) {
				t.Fatal("no echo reply across the tunnel")
			}
			frames := caps.from("pe1:eth1")
			if len(frames) != 1 {
				t.Fatalf("pe1 sent %d frames into the core, want 1", len(frames))
			}
			d := decode(t, frames[0])
			if d.IPv4 == nil || d.IPv4.Src != ip("10.255.0.1") || d.IPv4.Dst != ip("10.255.0.3") || len(d.Labels) != 0 {
				t.Fatalf("outer packet %v, want IPv4 10.255.0.1 > 10.255.0.3", d)
			}
			ipb := frames[0][packet.EthernetHeaderLen:]
			var stack []byte
			switch encap {
			case EncapMPLSInUDP:
				outer, udp, s, err := packet.ParseMPLSInUDP(ipb)
				must(t, err)
				if udp.SrcPort < 49152 || outer.TTL != 255 {
					t.Errorf("udp source port %d (want entropy >= 49152), outer ttl %d (want 255)", udp.SrcPort, outer.TTL)
				}
				stack = s
			case EncapMPLSInGRE:
				_, _, s, err := packet.ParseMPLSInGRE(ipb)
				must(t, err)
				stack = s
			}
			labels, inner, err := packet.ParseLabelStack(stack, nil)
			must(t, err)
			if len(labels) != 1 || labels[0].Label() != 30003 || !labels[0].Bottom() || labels[0].TTL() != 63 {
				t.Fatalf("inner stack %v, want pe2's VPN label 30003 S=1 TTL 63", labels)
			}
			if in, _, err := packet.ParseIPv4(inner); err != nil || in.Dst != ip("10.0.1.2") || in.Protocol != packet.ProtocolICMP {
				t.Fatalf("inner packet %+v %v", in, err)
			}
			c1, c2 := n.r["pe1"].TunnelCounters(), n.r["pe2"].TunnelCounters()
			want := TunnelCounters{EncapUDP: 1, DecapUDP: 1}
			if encap == EncapMPLSInGRE {
				want = TunnelCounters{EncapGRE: 1, DecapGRE: 1}
			}
			// Each PE encapsulated one packet (the echo or its reply)
			// and decapsulated the other's.
			if c1 != want || c2 != want {
				t.Errorf("counters pe1 %+v pe2 %+v, want %+v each", c1, c2, want)
			}
			rt := n.r["pe1"].FIBTable("t").String()
			if !strings.Contains(rt, "encap "+encap.String()+" 10.255.0.1 > 10.255.0.3, label 30003") {
				t.Errorf("show ip fib vrf t does not show the tunnel:\n%s", rt)
			}
		})
	}
}

// With an LSP to the endpoint the VPN route takes it, as without a
// tunnel (UnlessLSP); when the LSP goes the tunnel takes over.
func TestTunnelNexthopGivesWayToAnLSP(t *testing.T) {
	n := tunnelNet(t, EncapMPLSInUDP)
	pe1 := n.r["pe1"]
	pe1.Do(func() {
		pe1.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.3/32"), Nexthop: ip("10.1.12.2"), OutLabel: 24003}})
	})
	// The static is a direct route with a FEC label now: the VPN route
	// pushes 24003 over 30003. p knows no 24003: the packet dies there,
	// which is what proves it went by the LSP.
	caps := tap(n.links["pe1-p"])
	n.pingOnce(t)
	fr := caps.from("pe1:eth1")
	if len(fr) != 1 {
		t.Fatalf("%d frames", len(fr))
	}
	if d := decode(t, fr[0]); len(d.Labels) != 2 || d.Labels[0].Label() != 24003 || d.Labels[1].Label() != 30003 {
		t.Fatalf("with an LSP: %v, want labels 24003/30003", d)
	}
	pe1.Do(func() { pe1.RIB().ReplaceFECLabels(ProtoLDP, nil) })
	if !n.pingOnce(t) {
		t.Fatal("no reply once the LSP went: the tunnel should carry it")
	}
}

// Without UnlessLSP the tunnel is used even where an LSP reaches the
// endpoint, and the outer packet rides that LSP.
func TestTunnelOuterPacketRidesAnLSP(t *testing.T) {
	n := tunnelNet(t, EncapMPLSInUDP)
	pe1, p := n.r["pe1"], n.r["p"]
	pe1.Do(func() {
		pe1.RIB().ReplaceRoutes(ProtoIBGP, "t", []Route{{Prefix: pfx("10.0.1.0/30"), Nexthops: []Nexthop{
			{Addr: ip("10.255.0.3"), Labels: []uint32{30003}, Tunnel: &Tunnel{Encap: EncapMPLSInUDP}}}}})
		pe1.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.3/32"), Nexthop: ip("10.1.12.2"), OutLabel: 24003}})
	})
	p.Do(func() {
		p.RIB().ReplaceLSPs(ProtoLDP, []LSP{{InLabel: 24003, Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), Iface: "eth1", OutLabel: LabelImplicitNull}}}})
	})
	caps := tap(n.links["pe1-p"])
	if !n.pingOnce(t) {
		t.Fatal("no echo reply")
	}
	fr := caps.from("pe1:eth1")
	if len(fr) != 1 {
		t.Fatalf("%d frames", len(fr))
	}
	d := decode(t, fr[0])
	if len(d.Labels) != 1 || d.Labels[0].Label() != 24003 || d.IPv4 == nil || d.IPv4.Dst != ip("10.255.0.3") || d.UDP == nil || d.UDP.DstPort != packet.PortMPLSInUDP {
		t.Fatalf("outer packet %v, want LDP label 24003 over MPLS-in-UDP to 10.255.0.3", d)
	}
}

// The endpoint unreachable: the VPN route is inactive, nothing is sent.
func TestTunnelToAnUnreachableEndpointIsInactive(t *testing.T) {
	n := tunnelNet(t, EncapMPLSInGRE)
	pe1 := n.r["pe1"]
	if !pe1.RemoveStatic("", pfx("10.255.0.3/32"), ip("10.1.12.2")) {
		t.Fatal("no static to remove")
	}
	var active bool
	pe1.Do(func() {
		r, ok := pe1.RIB().Best("t", pfx("10.0.1.0/30"))
		active = ok && len(r.Nexthops) > 0
	})
	if active {
		t.Fatal("a tunnel to an endpoint without a route is active")
	}
	if n.pingOnce(t) {
		t.Fatal("ping crossed an unreachable tunnel")
	}
}

// tshark decodes the tunnel's frames as IPv4/UDP/MPLS/IPv4 and
// IPv4/GRE/MPLS/IPv4: real MPLS-in-UDP and MPLS-in-GRE on the wire.
func TestTunnelCaptureDecodesInTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: apt-get install tshark (scripts/test installs it)")
	}
	for _, encap := range []Encap{EncapMPLSInUDP, EncapMPLSInGRE} {
		t.Run(encap.String(), func(t *testing.T) {
			n := tunnelNet(t, encap)
			path := filepath.Join(t.TempDir(), "core.pcap")
			file, err := os.Create(path)
			must(t, err)
			w, err := dataplane.NewPcapWriter(file)
			must(t, err)
			remove := n.links["pe1-p"].AddTap(w)
			if !n.pingOnce(t) {
				t.Fatal("no echo reply")
			}
			remove()
			must(t, w.Flush())
			must(t, file.Close())
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, tshark, "-n", "-r", path, "-T", "fields", "-E", "separator=|",
				"-e", "frame.protocols", "-e", "ip.src", "-e", "mpls.label", "-e", "icmp.type")
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			out, err := cmd.Output()
			if err != nil {
				var stderr string
				if ee, ok := err.(*exec.ExitError); ok {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("tshark: %v\n%s", err, stderr)
			}
			t.Logf("tshark -e frame.protocols -e ip.src -e mpls.label -e icmp.type:\n%s", out)
			proto := "eth:ethertype:ip:udp:mpls:ip:icmp:data"
			if encap == EncapMPLSInGRE {
				proto = "eth:ethertype:ip:gre:mpls:ip:icmp:data"
			}
			want := []string{
				proto + "|10.255.0.1,10.0.0.1|30003|8", // the echo to pe2's VPN label
				proto + "|10.255.0.3,10.0.1.2|30001|0", // the reply to pe1's
			}
			got := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(got) != len(want) {
				t.Fatalf("tshark printed %d lines, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("frame %d: %q, want %q", i+1, got[i], want[i])
				}
			}
		})
	}
}

// A tunnelled packet for a label the router does not know is dropped and
// counted, not delivered or forwarded.
func TestDecapsulatedUnknownLabelIsDropped(t *testing.T) {
	n := tunnelNet(t, EncapMPLSInUDP)
	pe2 := n.r["pe2"]
	f := packet.FrameFrom(make([]byte, 8))
	must(t, packet.PushUDP(f, 1, 2, ip("10.0.0.1"), ip("10.0.1.2"), true))
	must(t, packet.PushIPv4(f, packet.IPv4{TTL: 64, Protocol: packet.ProtocolUDP, Src: ip("10.0.0.1"), Dst: ip("10.0.1.2")}))
	must(t, packet.PushLabel(f, le(39999, 0, true, 64)))
	must(t, packet.EncapMPLSInUDP(f, packet.MPLSInUDP{Src: ip("10.255.0.2"), Dst: ip("10.255.0.3"), SrcPort: 50000, TTL: 64}))
	must(t, packet.PushEthernet(f, packet.Ethernet{Dst: InterfaceMAC("pe2", "eth1"), Type: packet.EtherTypeIPv4}))
	n.links["p-pe2"].A().Send(f)
	n.run()
	if c := pe2.TunnelCounters(); c.DecapUDP != 1 {
		t.Fatalf("counters %+v", c)
	}
	var unknown uint64
	pe2.Do(func() { unknown = pe2.iface("eth1").drops[DropUnknownLabel].Load() })
	if unknown != 1 {
		t.Fatalf("unknown-label drops %d, want 1", unknown)
	}
}

// trace across the tunnel shows the egress PE as one hop, with the VPN
// label it received and the tunnel it came by, as traceroute prints them.
func TestTraceShowsTheTunnelHop(t *testing.T) {
	for _, mode := range []TTLMode{TTLUniform, TTLPipe} {
		n := tunnelNet(t, EncapMPLSInUDP, func(c *Config) { c.TTLMode = mode })
		s, err := n.r["hA"].StartTraceroute(ip("10.0.1.2"), TraceOptions{Probes: 1, Timeout: time.Second})
		must(t, err)
		n.run()
		res := s.Result()
		out := res.String()
		if !res.Reached || len(res.Hops) != 3 {
			t.Fatalf("mode %v: trace did not take three hops:\n%s", mode, out)
		}
		hop := res.Hops[1].Probes[0]
		if hop.From != ip("10.1.23.2") || hop.Via != "mpls-in-udp 10.255.0.1 > 10.255.0.3" ||
			len(hop.Labels) != 1 || hop.Labels[0].Label != 30003 || !hop.Labels[0].S {
			t.Errorf("mode %v: hop 2 %+v, want pe2 with label 30003 via the tunnel", mode, hop)
		}
		labelTTL := "1" // uniform: the IP TTL went into the label
		if mode == TTLPipe {
			labelTTL = "255"
		}
		for _, want := range []string{" 2  10.1.23.2  ", "     MPLS Label=30003 CoS=0 TTL=" + labelTTL + " S=1\n", "     via mpls-in-udp 10.255.0.1 > 10.255.0.3\n", " 3  10.0.1.2  "} {
			if !strings.Contains(out, want) {
				t.Errorf("mode %v: trace output lacks %q:\n%s", mode, want, out)
			}
		}
	}
}
