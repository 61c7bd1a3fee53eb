package router

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// hostPair is host h (10.0.0.1) -- router g (10.0.0.2, loopback 10.255.0.1).
func hostPair(t *testing.T, imp dataplane.Impairment) (*testNet, *Router, *Router) {
	n := newNet(t)
	h := n.router("h", topology.RoleHost, "")
	g := n.router("g", topology.RoleP, "10.255.0.1/32")
	n.link("h", "eth0", "10.0.0.1/30", "g", "eth0", "10.0.0.2/30", imp)
	must(t, h.AddStatic("", pfx("0.0.0.0/0"), ip("10.0.0.2")))
	return n, h, g
}

func pingDone(t *testing.T, n *testNet, s *PingSession) PingResult {
	t.Helper()
	n.run()
	select {
	case <-s.Done():
	default:
		t.Fatal("ping not done")
	}
	return s.Result()
}

// A 30 ms link: the RTT is exactly 60 ms plus the serialization of the
// request and of the reply at the link's rate.
func TestPingRTTIsLatencyPlusSerialization(t *testing.T) {
	const rate = 1_000_000 // 1 Mbit/s
	n, h, _ := hostPair(t, dataplane.Impairment{Latency: 30 * time.Millisecond, Rate: rate})
	s, err := h.StartPing(ip("10.0.0.2"), PingOptions{Count: 2, Size: 100})
	must(t, err)
	res := pingDone(t, n, s)
	frame := packet.EthernetHeaderLen + packet.IPv4HeaderLen + packet.ICMPHeaderLen + 100
	ser := time.Duration(frame*8) * time.Second / rate // 1.136 ms
	want := 60*time.Millisecond + 2*ser
	if res.Received != 2 || res.Replies[0].RTT != want || res.Replies[1].RTT != want {
		t.Errorf("ping %v\nwant RTT %v", res, want)
	}
	if res.Replies[0].TTL != 255 || res.Replies[0].Size != 100 {
		t.Errorf("reply %+v: want a router's TTL 255 and 100 bytes", res.Replies[0])
	}
}

func TestPingZeroLatencyAndLoopback(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	// The router's loopback, through its interface; and the host itself.
	for _, c := range []struct {
		from *Router
		dst  string
	}{{h, "10.255.0.1"}, {h, "10.0.0.1"}, {g, "10.0.0.1"}} {
		s, err := c.from.StartPing(ip(c.dst), PingOptions{Count: 1})
		must(t, err)
		if res := pingDone(t, n, s); res.Received != 1 || res.Replies[0].From != ip(c.dst) {
			t.Errorf("%s ping %s: %v", c.from.Name(), c.dst, res)
		}
	}
}

// Random loss on the link loses pings, the same ones on every run.
func TestPingLossIsDeterministic(t *testing.T) {
	run := func() (int, []bool) {
		n, h, _ := hostPair(t, dataplane.Impairment{Latency: 5 * time.Millisecond, Loss: 0.3})
		s, err := h.StartPing(ip("10.0.0.2"), PingOptions{Count: 20, Interval: 100 * time.Millisecond})
		must(t, err)
		res := pingDone(t, n, s)
		var lost []bool
		for _, r := range res.Replies {
			lost = append(lost, r.Lost)
		}
		return res.Received, lost
	}
	got, lost := run()
	if got == 0 || got == 20 {
		t.Errorf("received %d of 20 with 30%% loss each way", got)
	}
	if got2, lost2 := run(); got2 != got || len(lost2) != len(lost) {
		t.Errorf("second run received %d, first %d", got2, got)
	}
}

func TestNetUnreachable(t *testing.T) {
	n, h, _ := hostPair(t, dataplane.Impairment{})
	s, err := h.StartPing(ip("192.0.2.1"), PingOptions{Count: 1})
	must(t, err)
	res := pingDone(t, n, s)
	if len(res.Replies) != 1 || res.Replies[0].Error != "Destination Net Unreachable" || res.Replies[0].From != ip("10.0.0.2") {
		t.Errorf("ping %v", res)
	}
	// Without even a default route, the host refuses at once.
	n.r["h"].RemoveStatic("", pfx("0.0.0.0/0"), ip("10.0.0.2"))
	if _, err := h.StartPing(ip("192.0.2.1"), PingOptions{}); err == nil {
		t.Error("ping without a route started")
	}
}

// Traceroute to the router itself ends at its port unreachable.
func TestTracerouteToRouter(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{Latency: time.Millisecond})
	s, err := h.StartTraceroute(ip("10.255.0.1"), TraceOptions{Probes: 2})
	must(t, err)
	n.run()
	res := s.Result()
	if !res.Reached || len(res.Hops) != 1 || res.Hops[0].Probes[1].From != ip("10.255.0.1") || res.Hops[0].Probes[0].RTT != 2*time.Millisecond {
		t.Errorf("trace:\n%v", res)
	}
	if g.InterfaceTable()[1].Drops["no-listener"] != 2 {
		t.Errorf("g's eth0 counters: %+v", g.InterfaceTable()[1])
	}
}

// A hop that never answers shows as stars, after the timeout on the clock.
func TestTracerouteTimeout(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	must(t, g.AddStatic("", pfx("198.51.100.0/24"), ip("10.0.0.1"))) // back to the host, which drops it
	s, err := h.StartTraceroute(ip("198.51.100.1"), TraceOptions{MaxHops: 3, Probes: 1, Timeout: time.Second})
	must(t, err)
	n.run()
	res := s.Result()
	if res.Reached || len(res.Hops) != 3 || !res.Hops[1].Probes[0].Lost || n.clk.Now().Sub(epoch) != 2*time.Second {
		t.Errorf("trace at +%v:\n%v", n.clk.Now().Sub(epoch), res)
	}
	if h.InterfaceTable()[0].Drops["not-router"] == 0 {
		t.Error("host forwarded or did not count")
	}
}

func TestUnknownLabelDropped(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	f := packet.FrameFrom(make([]byte, 4+20))
	b := f.Bytes()
	binary.BigEndian.PutUint32(b, uint32(packet.NewLabelEntry(777, 0, true, 64)))
	packet.PutIPv4(b[4:], packet.IPv4{TTL: 64, Protocol: 253, Src: ip("10.0.0.1"), Dst: ip("10.255.0.1")}, 0)
	packet.PushEthernet(f, packet.Ethernet{Type: packet.EtherTypeMPLS})
	h.ifaceList()[0].port.Send(f)
	n.run()
	if got := g.InterfaceTable()[1].Drops["unknown-label"]; got != 1 {
		t.Errorf("unknown-label drops %d, want 1", got)
	}
}

// Ping and Traceroute block on the real clock until done.
func TestPingOnRealClock(t *testing.T) {
	fab := NewFabric()
	clk := clock.Real()
	mk := func(name string, role topology.Role) *Router {
		r, err := New(Config{Node: &topology.Node{Name: name, Role: role, Loopback: pfx("10.255.0.9/32")}, Clock: clk, Fabric: fab})
		must(t, err)
		return r
	}
	h, g := mk("h", topology.RoleHost), mk("g", topology.RoleP)
	l, _ := dataplane.NewLink(clk, dataplane.Config{Name: "h-g", A: dataplane.Impairment{Latency: time.Millisecond}})
	must(t, h.AttachPort("eth0", pfx("10.0.0.1/30"), l.A(), ""))
	must(t, g.AttachPort("eth0", pfx("10.0.0.2/30"), l.B(), ""))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := h.Ping(ctx, ip("10.0.0.2"), PingOptions{Count: 3, Interval: time.Millisecond})
	if err != nil || res.Received != 3 || res.MinRTT < time.Millisecond {
		t.Errorf("ping: %v %v", res, err)
	}
	tr, err := h.Traceroute(ctx, ip("10.0.0.2"), TraceOptions{})
	if err != nil || !tr.Reached {
		t.Errorf("traceroute: %v %v", tr, err)
	}
}

// A packet too big for the next link, with DF set, gets a fragmentation
// needed that gives the MTU left for it after the labels to push.
func TestFragmentationNeeded(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	must(t, n.links["r1-r2"].SetMTU(300))
	c := tap(n.links["hA-r1"])
	f := packet.FrameFrom(make([]byte, 400))
	must(t, packet.PushIPv4(f, packet.IPv4{TTL: 64, Flags: packet.IPv4DontFragment, Protocol: 253, Src: ip("10.0.0.1"), Dst: ip("10.0.1.2")}))
	must(t, packet.PushEthernet(f, packet.Ethernet{Type: packet.EtherTypeIPv4}))
	n.links["hA-r1"].A().Send(f)
	n.run()
	back := c.from("r1:eth0")
	if len(back) != 1 {
		t.Fatalf("r1 sent %d frames back, want 1", len(back))
	}
	d := decode(t, back[0])
	if d.ICMP == nil || d.ICMP.Code != packet.ICMPCodeFragmentationNeeded || d.ICMP.NextHopMTU != 296 {
		t.Errorf("got %v (mtu %d), want frag needed with MTU 296", d, d.ICMP.NextHopMTU)
	}
	if got := n.r["r1"].InterfaceTable()[2].Drops["mtu"]; got != 1 {
		t.Errorf("r1 eth1 mtu drops %d", got)
	}
}
