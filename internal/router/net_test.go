package router

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// testNet builds small networks by hand on a virtual clock.
type testNet struct {
	t     testing.TB
	clk   *clock.Virtual
	fab   *Fabric
	r     map[string]*Router
	links map[string]*dataplane.Link
}

func newNet(t testing.TB) *testNet {
	return &testNet{t: t, clk: clock.NewVirtual(epoch), fab: NewFabric(), r: map[string]*Router{}, links: map[string]*dataplane.Link{}}
}

// router adds a router (or a host, for role host) with loopback lo ("" for
// none).
func (n *testNet) router(name string, role topology.Role, lo string, opts ...func(*Config)) *Router {
	n.t.Helper()
	node := &topology.Node{Name: name, Role: role, SRIndex: -1}
	if lo != "" {
		node.Loopback = netip.MustParsePrefix(lo)
		node.RouterID = node.Loopback.Addr()
	}
	cfg := Config{Node: node, Clock: n.clk, Fabric: n.fab}
	for _, o := range opts {
		o(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		n.t.Fatal(err)
	}
	n.r[name] = r
	return r
}

// link connects a:aIf (address aAddr) to b:bIf with the same impairment
// both ways; the link is called "a-b".
func (n *testNet) link(a, aIf, aAddr, b, bIf, bAddr string, imp dataplane.Impairment) *dataplane.Link {
	n.t.Helper()
	l, err := dataplane.NewLink(n.clk, dataplane.Config{Name: a + "-" + b, AName: a + ":" + aIf, BName: b + ":" + bIf, A: imp, B: imp, Seed: 1})
	if err != nil {
		n.t.Fatal(err)
	}
	if err := n.r[a].AttachPort(aIf, netip.MustParsePrefix(aAddr), l.A(), ""); err != nil {
		n.t.Fatal(err)
	}
	if err := n.r[b].AttachPort(bIf, netip.MustParsePrefix(bAddr), l.B(), ""); err != nil {
		n.t.Fatal(err)
	}
	n.links[a+"-"+b] = l
	return l
}

// run advances the clock until nothing is pending (at most a minute).
func (n *testNet) run() { n.clk.RunUntilIdle(time.Minute) }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// capture records the frames a link carries, by sending port name.
type capture struct {
	mu     sync.Mutex
	frames map[string][][]byte
}

func tap(l *dataplane.Link) *capture {
	c := &capture{frames: map[string][][]byte{}}
	l.AddTap(dataplane.TapFunc(func(_ time.Time, from *dataplane.Port, frame []byte) {
		c.mu.Lock()
		c.frames[from.Name()] = append(c.frames[from.Name()], append([]byte(nil), frame...))
		c.mu.Unlock()
	}))
	return c
}

func (c *capture) from(port string) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frames[port]
}

// lspNet is hA - r1 - r2 - r3 - r4 - hB with hand-installed LSPs both
// ways, as SR would build them (node SIDs 16001 and 16004, PHP):
// r1 pushes 16004 for hB's subnet (a static via r4's loopback), r2 swaps,
// r3 pops; back, r4 pushes 16001, r3 swaps, r2 pops.
func lspNet(t testing.TB, imp dataplane.Impairment, opts ...func(*Config)) *testNet {
	n := newNet(t)
	n.router("hA", topology.RoleHost, "")
	n.router("hB", topology.RoleHost, "")
	for i, name := range []string{"r1", "r2", "r3", "r4"} {
		n.router(name, topology.RoleP, "10.255.0."+string(rune('1'+i))+"/32", opts...)
	}
	n.link("hA", "eth0", "10.0.0.1/30", "r1", "eth0", "10.0.0.2/30", imp)
	n.link("r1", "eth1", "10.1.12.1/30", "r2", "eth0", "10.1.12.2/30", imp)
	n.link("r2", "eth1", "10.1.23.1/30", "r3", "eth0", "10.1.23.2/30", imp)
	n.link("r3", "eth1", "10.1.34.1/30", "r4", "eth0", "10.1.34.2/30", imp)
	n.link("r4", "eth1", "10.0.1.1/30", "hB", "eth0", "10.0.1.2/30", imp)
	must(t, n.r["hA"].AddStatic("", pfx("0.0.0.0/0"), ip("10.0.0.2")))
	must(t, n.r["hB"].AddStatic("", pfx("0.0.0.0/0"), ip("10.0.1.1")))

	r1, r2, r3, r4 := n.r["r1"], n.r["r2"], n.r["r3"], n.r["r4"]
	r1.Do(func() {
		rib := r1.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.4/32"), Metric: 30, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1"}}}})
		rib.ReplaceFECLabels(ProtoSR, []FECLabel{{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.12.2"), OutLabel: 16004}})
	})
	must(t, r1.AddStatic("", pfx("10.0.1.0/30"), ip("10.255.0.4")))
	r2.Do(func() {
		r2.RIB().ReplaceLSPs(ProtoSR, []LSP{
			{InLabel: 16004, FEC: pfx("10.255.0.4/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), Iface: "eth1", OutLabel: 16004}}},
			{InLabel: 16001, FEC: pfx("10.255.0.1/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.12.1"), Iface: "eth0", OutLabel: LabelImplicitNull}}},
		})
	})
	r3.Do(func() {
		r3.RIB().ReplaceLSPs(ProtoSR, []LSP{
			{InLabel: 16004, FEC: pfx("10.255.0.4/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.34.2"), Iface: "eth1", OutLabel: LabelImplicitNull}}},
			{InLabel: 16001, FEC: pfx("10.255.0.1/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.23.1"), Iface: "eth0", OutLabel: 16001}}},
		})
	})
	r4.Do(func() {
		rib := r4.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.1/32"), Metric: 30, Nexthops: []Nexthop{{Addr: ip("10.1.34.1"), Iface: "eth0"}}}})
		rib.ReplaceFECLabels(ProtoSR, []FECLabel{{Prefix: pfx("10.255.0.1/32"), Nexthop: ip("10.1.34.1"), OutLabel: 16001}})
	})
	must(t, r4.AddStatic("", pfx("10.0.0.0/30"), ip("10.255.0.1")))
	return n
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// decode decodes a captured frame or fails the test.
func decode(t testing.TB, b []byte) *packet.Decoded {
	t.Helper()
	d, err := packet.Decode(b)
	if err != nil {
		t.Fatalf("decode %x: %v", b, err)
	}
	return d
}
