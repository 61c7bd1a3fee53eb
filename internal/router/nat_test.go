package router

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

// A router with a 1:1 NAT rule (a floating IP for a VM's fixed IP that
// the router answers for, as a cloud's network node does): ping and
// traceroute to the outside address are answered from it, the wire never
// carries the inside address and every checksum on it is right; a UDP
// datagram to the outside address reaches the listener addressed to the
// inside one (its checksum patched, or the stack would drop it); an ICMP
// error quotes the probe as it was sent. Without the rule the outside
// address is unreachable.
func TestNAT1to1(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	outside, inside := ip("192.0.2.10"), ip("10.9.0.5")
	must(t, g.AddLocal("", pfx("192.0.2.0/24")))
	must(t, g.AddLocal("", pfx("10.9.0.5/32")))
	must(t, h.AddStatic("", pfx("192.0.2.0/24"), ip("10.0.0.2")))
	must(t, g.SetNAT("", []NAT1to1{{Outside: outside, Inside: inside}}))
	if got := g.NAT(""); len(got) != 1 || got[0].Outside != outside || got[0].Inside != inside {
		t.Fatalf("NAT() = %+v", got)
	}
	c := tap(n.links["h-g"])

	s, err := h.StartPing(outside, PingOptions{Count: 2})
	must(t, err)
	if res := pingDone(t, n, s); res.Received != 2 || res.Replies[0].From != outside {
		t.Fatalf("ping %v: %+v, want 2 replies from it", outside, res)
	}
	tr, err := h.StartTraceroute(outside, TraceOptions{Probes: 1})
	must(t, err)
	n.run()
	if res := tr.Result(); !res.Reached || len(res.Hops) != 1 || res.Hops[0].Probes[0].From != outside {
		t.Errorf("trace %v:\n%v", outside, res)
	}

	var got []UDPDatagram
	stop, err := g.ListenUDP("", 7, func(d UDPDatagram) { got = append(got, d) })
	must(t, err)
	defer stop()
	must(t, h.SendUDP("", netip.MustParseAddrPort("10.0.0.1:4000"), netip.MustParseAddrPort("192.0.2.10:7"), []byte("hello")))
	n.run()
	if len(got) != 1 || got[0].Dst.Addr() != inside || string(got[0].Payload) != "hello" {
		t.Errorf("UDP to %v:7 delivered %+v, want one datagram to %v", outside, got, inside)
	}

	frames := c.from("g:eth0")
	if len(frames) == 0 {
		t.Fatal("captured nothing from g")
	}
	for _, f := range frames {
		d := decode(t, f) // checks the IPv4 and ICMP checksums
		if d.IPv4.Src == inside || d.IPv4.Dst == inside {
			t.Errorf("the inside address on the wire: %+v", d.IPv4)
		}
		if d.ICMP != nil && d.ICMP.Type == packet.ICMPDestinationUnreachable {
			q, _, err := packet.ParseIPv4(d.ICMP.Data)
			if err != nil || q.Dst != outside || q.Src != ip("10.0.0.1") {
				t.Errorf("port unreachable quotes %+v (%v), want the probe to %v", q, err, outside)
			}
		}
	}

	must(t, g.SetNAT("", nil))
	if g.nat.Load() != nil || len(g.NAT("")) != 0 {
		t.Fatal("rules left after SetNAT(nil)")
	}
	s, err = h.StartPing(outside, PingOptions{Count: 1})
	must(t, err)
	if res := pingDone(t, n, s); res.Received != 0 {
		t.Errorf("ping %v without the rule: %+v", outside, res)
	}
	if err := g.SetNAT("", []NAT1to1{{Outside: outside, Inside: inside}, {Outside: ip("192.0.2.11"), Inside: inside}}); err == nil {
		t.Error("SetNAT took an inside address in two rules")
	}
}
