package router

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// optionBNet is an inter-AS option B ASBR, r1, taking VPN-labelled frames
// from the other AS (a generator port on eth0) and switching label 30001
// to 30004, the label of PE r4, three hops away: r1 reaches r4's loopback
// over an LDP LSP (r1 pushes 24004, r2 swaps it to 25004, r3 pops), and r4
// pops 30004 and routes to a sink port. Label 30002 goes to r2's loopback,
// whose LDP label is implicit null.
type optionBNet struct {
	n    *testNet
	gen  *dataplane.Port
	sunk []*packet.Decoded
}

func newOptionBNet(t *testing.T, opts ...func(*Config)) *optionBNet {
	t.Helper()
	on := &optionBNet{n: newNet(t)}
	n := on.n
	for i, name := range []string{"r1", "r2", "r3", "r4"} {
		n.router(name, topology.RoleP, "10.255.0."+string(rune('1'+i))+"/32", opts...)
	}
	gl, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "gen-r1"})
	must(t, n.r["r1"].AttachPort("eth0", pfx("10.0.0.2/30"), gl.B(), ""))
	on.gen = gl.A()
	none := dataplane.Impairment{}
	n.link("r1", "eth1", "10.1.12.1/30", "r2", "eth0", "10.1.12.2/30", none)
	n.link("r2", "eth1", "10.1.23.1/30", "r3", "eth0", "10.1.23.2/30", none)
	n.link("r3", "eth1", "10.1.34.1/30", "r4", "eth0", "10.1.34.2/30", none)
	sl, _ := dataplane.NewLink(n.clk, dataplane.Config{Name: "r4-sink"})
	must(t, n.r["r4"].AttachPort("eth1", pfx("10.0.1.1/30"), sl.A(), ""))
	sl.B().SetHandler(func(f *packet.Frame) {
		on.sunk = append(on.sunk, decode(t, f.Bytes()))
		f.Release()
	})

	r1, r2, r3, r4 := n.r["r1"], n.r["r2"], n.r["r3"], n.r["r4"]
	on.igp(true)
	r1.Do(func() {
		r1.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{
			{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.12.2"), OutLabel: 24004},
			{Prefix: pfx("10.255.0.2/32"), Nexthop: ip("10.1.12.2"), OutLabel: LabelImplicitNull},
		})
		r1.RIB().ReplaceLSPs(ProtoEBGP, []LSP{
			{InLabel: 30001, FEC: pfx("10.0.1.0/30"), Nexthops: []LSPNexthop{{Addr: ip("10.255.0.4"), OutLabel: 30004}}},
			{InLabel: 30002, FEC: pfx("10.0.2.0/30"), Nexthops: []LSPNexthop{{Addr: ip("10.255.0.2"), OutLabel: 30002}}},
		})
	})
	r2.Do(func() {
		r2.RIB().ReplaceLSPs(ProtoLDP, []LSP{{InLabel: 24004, Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), Iface: "eth1", OutLabel: 25004}}}})
	})
	r3.Do(func() {
		r3.RIB().ReplaceLSPs(ProtoLDP, []LSP{{InLabel: 25004, Nexthops: []LSPNexthop{{Addr: ip("10.1.34.2"), Iface: "eth1", OutLabel: LabelImplicitNull}}}})
	})
	r4.Do(func() {
		r4.RIB().ReplaceLSPs(ProtoIBGP, []LSP{{InLabel: 30004, Nexthops: []LSPNexthop{PopLookup("")}}})
	})
	return on
}

// igp gives r1 its IGP routes to r2's and r4's loopbacks, or takes them
// away.
func (on *optionBNet) igp(up bool) {
	r1 := on.n.r["r1"]
	var routes []Route
	if up {
		routes = []Route{
			{Prefix: pfx("10.255.0.2/32"), Metric: 10, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1"}}},
			{Prefix: pfx("10.255.0.4/32"), Metric: 30, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1"}}},
		}
	}
	r1.Do(func() { r1.RIB().ReplaceRoutes(ProtoOSPF, "", routes) })
}

// send has the other AS's ASBR send r1 a UDP packet to 10.0.1.2, IP TTL
// 64, under label in with TTL 64, and returns what each link carried.
func (on *optionBNet) send(t *testing.T, in uint32) map[string]*capture {
	t.Helper()
	caps := map[string]*capture{}
	for name, l := range on.n.links {
		caps[name] = tap(l)
	}
	on.sunk = nil
	f := packet.FrameFrom(make([]byte, 18))
	must(t, packet.PushUDP(f, 1000, 9, ip("10.0.0.1"), ip("10.0.1.2"), true))
	must(t, packet.PushIPv4(f, packet.IPv4{TTL: 64, Protocol: packet.ProtocolUDP, Src: ip("10.0.0.1"), Dst: ip("10.0.1.2")}))
	tmpl := f.Bytes()
	g := on.n.fab.pool.Get()
	must(t, g.SetBytes(tmpl))
	must(t, packet.PushLabel(g, le(in, 0, true, 64)))
	must(t, packet.PushEthernet(g, packet.Ethernet{Dst: InterfaceMAC("r1", "eth0"), Type: packet.EtherTypeMPLS}))
	on.gen.Send(g)
	on.n.run()
	return caps
}

// The ASBR swaps the VPN label and pushes the LDP label to the PE: two
// labels leave r1, the LSP carries the VPN label to r4 untouched.
func TestLSPRecursiveNexthopPushesTransport(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode TTLMode
		hops []hopView
		ip   uint8 // at the sink
	}{
		{"uniform", TTLUniform, []hopView{
			{"r1-r2", "r1:eth1", []packet.LabelEntry{le(24004, 0, false, 63), le(30004, 0, true, 63)}, 64},
			{"r2-r3", "r2:eth1", []packet.LabelEntry{le(25004, 0, false, 62), le(30004, 0, true, 63)}, 64},
			{"r3-r4", "r3:eth1", []packet.LabelEntry{le(30004, 0, true, 61)}, 64}, // PHP copies the TTL down
		}, 60},
		{"pipe", TTLPipe, []hopView{
			{"r1-r2", "r1:eth1", []packet.LabelEntry{le(24004, 0, false, 255), le(30004, 0, true, 63)}, 64},
			{"r2-r3", "r2:eth1", []packet.LabelEntry{le(25004, 0, false, 254), le(30004, 0, true, 63)}, 64},
			{"r3-r4", "r3:eth1", []packet.LabelEntry{le(30004, 0, true, 63)}, 64},
		}, 63},
	} {
		t.Run(tc.name, func(t *testing.T) {
			on := newOptionBNet(t, func(c *Config) { c.TTLMode = tc.mode })
			checkHops(t, on.send(t, 30001), tc.hops)
			if len(on.sunk) != 1 || on.sunk[0].IPv4 == nil || on.sunk[0].IPv4.TTL != tc.ip || len(on.sunk[0].Labels) != 0 {
				t.Fatalf("sink got %v, want one IP packet with TTL %d", on.sunk, tc.ip)
			}
		})
	}
}

// A next hop whose transport label is implicit null (r1 is penultimate to
// r2's loopback) gets the swapped label alone.
func TestLSPRecursiveNexthopImplicitNull(t *testing.T) {
	on := newOptionBNet(t)
	caps := on.send(t, 30002)
	frames := caps["r1-r2"].from("r1:eth1")
	if len(frames) != 1 {
		t.Fatalf("r1 sent %d frames to r2, want 1", len(frames))
	}
	if d := decode(t, frames[0]); !slices.Equal(d.Labels, []packet.LabelEntry{le(30002, 0, true, 63)}) {
		t.Errorf("labels %v, want 30002 alone", d.Labels)
	}
}

// The LFIB follows the route to the next hop and its LDP label: without a
// route the entry is inactive and frames are dropped as unknown label;
// with it back, they flow again; a new LDP label is pushed at once.
func TestLSPRecursiveNexthopFollowsIGP(t *testing.T) {
	on := newOptionBNet(t)
	r1 := on.n.r["r1"]
	on.igp(false)
	rows := r1.LFIBTable()
	if i := slices.IndexFunc(rows, func(r LFIBRow) bool { return r.InLabel == 30001 }); i < 0 || !rows[i].Inactive || rows[i].Nexthop != ip("10.255.0.4") {
		t.Errorf("without a route to 10.255.0.4, LFIB %+v, want 30001 inactive via 10.255.0.4", rows)
	}
	caps := on.send(t, 30001)
	if got := r1.InterfaceTable()[1].Drops["unknown-label"]; got != 1 || len(caps["r1-r2"].from("r1:eth1")) != 0 || len(on.sunk) != 0 {
		t.Errorf("unknown-label drops %d, r1 sent %d, sink got %d; want 1, 0, 0", got, len(caps["r1-r2"].from("r1:eth1")), len(on.sunk))
	}

	on.igp(true)
	if on.send(t, 30001); len(on.sunk) != 1 {
		t.Errorf("with the route back, sink got %d frames, want 1", len(on.sunk))
	}

	r1.Do(func() {
		r1.RIB().ReplaceFECLabels(ProtoLDP, []FECLabel{{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.12.2"), OutLabel: 24444}})
	})
	caps = on.send(t, 30001)
	if fs := caps["r1-r2"].from("r1:eth1"); len(fs) != 1 || decode(t, fs[0]).Labels[0].Label() != 24444 {
		t.Errorf("after LDP's new label, r1 sent %d frames, want 1 under 24444", len(fs))
	}
}

// Every nexthop of the route to the next hop is kept (ECMP), each with its
// own transport labels; show mpls table shows the stack sent.
func TestLSPRecursiveNexthopECMP(t *testing.T) {
	_, r := ribNet(t)
	r.Do(func() {
		rib := r.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.9/32"), Metric: 30, Nexthops: []Nexthop{
			{Addr: ip("10.1.0.2"), Iface: "eth0"}, {Addr: ip("10.2.0.2"), Iface: "eth1"}}}})
		rib.ReplaceFECLabels(ProtoLDP, []FECLabel{
			{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.1.0.2"), OutLabel: 24005},
			{Prefix: pfx("10.255.0.9/32"), Nexthop: ip("10.2.0.2"), OutLabel: LabelImplicitNull},
		})
		rib.ReplaceLSPs(ProtoEBGP, []LSP{
			{InLabel: 30001, Nexthops: []LSPNexthop{{Addr: ip("10.255.0.9"), OutLabel: 30009}}},
			{InLabel: 30002, Nexthops: []LSPNexthop{{Addr: ip("10.255.0.9"), OutLabel: LabelImplicitNull}}},
			{InLabel: 30003, Nexthops: []LSPNexthop{{Addr: ip("10.255.0.1"), OutLabel: 30009}}}, // ourselves
		})
	})
	type hop struct {
		op   lspOp
		out  uint32
		push []uint32
		via  string
	}
	view := func(in uint32) []hop {
		e := r.fwd.Load().lfib.lookup(in)
		if e == nil {
			return nil
		}
		var hs []hop
		for _, h := range e.hops {
			hs = append(hs, hop{h.op, h.out, h.push, h.gw.String() + "@" + h.ifc.name})
		}
		return hs
	}
	same := func(a, b hop) bool {
		return a.op == b.op && a.out == b.out && slices.Equal(a.push, b.push) && a.via == b.via
	}
	if got, want := view(30001), []hop{{opSwapPush, 30009, []uint32{24005}, "10.1.0.2@eth0"}, {opSwap, 30009, nil, "10.2.0.2@eth1"}}; !slices.EqualFunc(got, want, same) {
		t.Errorf("30001: %v, want %v", got, want)
	}
	// Popping then pushing the transport label is swapping to it.
	if got, want := view(30002), []hop{{opSwap, 24005, nil, "10.1.0.2@eth0"}, {opPop, 0, nil, "10.2.0.2@eth1"}}; !slices.EqualFunc(got, want, same) {
		t.Errorf("30002: %v, want %v", got, want)
	}
	if got := view(30003); got != nil {
		t.Errorf("30003 (to our own loopback): %v, want no entry", got)
	}

	text := r.LFIBTable().String()
	for _, line := range []string{
		" 30001          BGP   10.1.0.2 (via 10.255.0.9)  24005/30009\n",
		" 30001          BGP   10.2.0.2 (via 10.255.0.9)  30009\n",
		" 30002          BGP   10.1.0.2 (via 10.255.0.9)  24005\n",
		" 30002          BGP   10.2.0.2 (via 10.255.0.9)  implicit-null\n",
		" 30003          BGP   10.255.0.1                 30009 (inactive)\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("show mpls table lacks %q:\n%s", line, text)
		}
	}
	b, err := json.Marshal(r.LFIBTable())
	must(t, err)
	if want := `{"in_label":30001,"nexthop":"10.1.0.2","iface":"eth0","out_label":30009,"pushed":[24005],"via":"10.255.0.9"}`; !strings.Contains(string(b), want) {
		t.Errorf("show mpls table json: %s\nlacks %s", b, want)
	}
}
