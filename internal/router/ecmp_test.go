package router

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// diamond is hA - r1, r1 = p1 = r4 and r1 = p2 = r4, r4 - hB: r1 has two
// equal-cost labelled paths to r4's loopback, and a static route to hB's
// subnet over it; p1 and p2 pop (PHP) and r4 delivers.
func diamond(t *testing.T) *testNet {
	n := newNet(t)
	n.router("hA", topology.RoleHost, "")
	n.router("hB", topology.RoleHost, "")
	for _, name := range []string{"r1", "p1", "p2", "r4"} {
		n.router(name, topology.RoleP, "")
	}
	none := dataplane.Impairment{}
	n.link("hA", "eth0", "10.0.0.1/30", "r1", "eth0", "10.0.0.2/30", none)
	n.link("r1", "eth1", "10.1.1.1/30", "p1", "eth0", "10.1.1.2/30", none)
	n.link("r1", "eth2", "10.1.2.1/30", "p2", "eth0", "10.1.2.2/30", none)
	n.link("p1", "eth1", "10.2.1.1/30", "r4", "eth1", "10.2.1.2/30", none)
	n.link("p2", "eth1", "10.2.2.1/30", "r4", "eth2", "10.2.2.2/30", none)
	n.link("r4", "eth0", "10.0.1.1/30", "hB", "eth0", "10.0.1.2/30", none)
	must(t, n.r["hA"].AddStatic("", pfx("0.0.0.0/0"), ip("10.0.0.2")))
	r1 := n.r["r1"]
	r1.Do(func() {
		r1.RIB().ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.4/32"), Metric: 20, Nexthops: []Nexthop{
			{Addr: ip("10.1.1.2"), Iface: "eth1"}, {Addr: ip("10.1.2.2"), Iface: "eth2"}}}})
		r1.RIB().ReplaceFECLabels(ProtoSR, []FECLabel{
			{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.1.2"), OutLabel: 16004},
			{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.2.2"), OutLabel: 16004}})
	})
	must(t, r1.AddStatic("", pfx("10.0.1.0/30"), ip("10.255.0.4")))
	for _, p := range []string{"p1", "p2"} {
		r := n.r[p]
		r.Do(func() {
			r.RIB().ReplaceLSPs(ProtoSR, []LSP{{InLabel: 16004, Nexthops: []LSPNexthop{{Iface: "eth1", Addr: ip("10.2." + p[1:] + ".2"), OutLabel: LabelImplicitNull}}}})
		})
	}
	return n
}

func TestECMPSpreadsFlowsKeepsEachOnOnePath(t *testing.T) {
	n := diamond(t)
	c1, c2 := tap(n.links["r1-p1"]), tap(n.links["r1-p2"])
	got := 0
	stop, err := n.r["hB"].ListenUDP("", 9, func(UDPDatagram) { got++ })
	must(t, err)
	defer stop()
	send := func(sport uint16) {
		must(t, n.r["hA"].SendUDP("", netip.AddrPortFrom(netip.Addr{}, sport), netip.MustParseAddrPort("10.0.1.2:9"), []byte("x")))
	}
	for sport := range uint16(64) {
		send(1000 + sport)
	}
	n.run()
	a, b := len(c1.from("r1:eth1")), len(c2.from("r1:eth2"))
	if got != 64 || a+b != 64 || a < 16 || b < 16 {
		t.Errorf("64 flows: %d delivered, %d via p1 and %d via p2; want both used", got, a, b)
	}
	// One flow, many packets: one path.
	for range 20 {
		send(1005)
	}
	n.run()
	da, db := len(c1.from("r1:eth1"))-a, len(c2.from("r1:eth2"))-b
	if !(da == 20 && db == 0 || da == 0 && db == 20) {
		t.Errorf("one flow split %d/%d over the paths", da, db)
	}
	for _, f := range append(c1.from("r1:eth1"), c2.from("r1:eth2")...) {
		if d := decode(t, f); len(d.Labels) != 1 || d.Labels[0].Label() != 16004 {
			t.Fatalf("ECMP frame %v, want label 16004", d)
		}
	}
}

// An LSR spreads by the flow under the label stack, whatever the TTLs.
func TestMPLSHashFollowsInnerFlow(t *testing.T) {
	pkt := func(ttl uint8, sport uint16) []byte {
		f := packet.FrameFrom([]byte("payload"))
		must(t, packet.PushUDP(f, sport, 9, ip("10.0.0.1"), ip("10.0.1.2"), true))
		must(t, packet.PushIPv4(f, packet.IPv4{TTL: ttl, Protocol: packet.ProtocolUDP, Src: ip("10.0.0.1"), Dst: ip("10.0.1.2")}))
		must(t, packet.PushLabel(f, packet.NewLabelEntry(24000, 0, true, ttl)))
		must(t, packet.PushLabel(f, packet.NewLabelEntry(16004, 0, false, ttl)))
		return f.Bytes()
	}
	if mplsHash(pkt(64, 1000), 1) != mplsHash(pkt(3, 1000), 1) {
		t.Error("hash depends on the TTLs")
	}
	buckets := [2]int{}
	for sport := range uint16(200) {
		buckets[mplsHash(pkt(64, sport), 1)%2]++
	}
	if buckets[0] < 70 || buckets[1] < 70 {
		t.Errorf("200 flows over 2 paths: %v", buckets)
	}
}
