package secgroup

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

var (
	vm      = netip.MustParseAddr("10.0.0.5")
	other   = netip.MustParseAddr("10.0.0.6")
	outside = netip.MustParseAddr("198.51.100.7")
	all4    = netip.MustParsePrefix("0.0.0.0/0")
)

// clock is a lab clock the test moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func echo(src, dst netip.Addr, typ uint8, id uint16) Flow {
	return Flow{Src: src, Dst: dst, Proto: protoICMP, ICMPType: typ, SrcPort: id, DstPort: id}
}

func udp(src, dst netip.Addr, sp, dp uint16) Flow {
	return Flow{Src: src, Dst: dst, Proto: protoUDP, SrcPort: sp, DstPort: dp}
}

// defaultGroup is Neutron's default group for vm: all egress, ingress
// from the group's members (here vm alone).
func defaultGroup() []Rule {
	return []Rule{
		{ID: "in", Direction: Ingress, Proto: Any, PortMin: Any, PortMax: Any, Remotes: []netip.Prefix{netip.PrefixFrom(vm, 32)}},
		{ID: "out", Direction: Egress, Proto: Any, PortMin: Any, PortMax: Any, AnyRemote: true},
	}
}

func TestAPingToAPortIsDroppedUntilAnICMPRuleAllowsItAndTheRuleCountsIt(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	f := New(c.now)
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()}})
	if f.InboundFlow(echo(outside, vm, 8, 1)) {
		t.Fatal("a ping from outside passed the default group")
	}
	icmp := Rule{ID: "icmp", Direction: Ingress, Proto: protoICMP, PortMin: Any, PortMax: Any, Remotes: []netip.Prefix{all4}}
	f.Set([]Port{{Addr: vm, Rules: append(defaultGroup(), icmp)}})
	if !f.InboundFlow(echo(outside, vm, 8, 2)) || !f.OutboundFlow(echo(vm, outside, 0, 2)) {
		t.Fatal("a ping an ICMP rule allows, or its reply, was dropped")
	}
	rules, dropped := f.Counts()
	var n uint64
	for _, r := range rules[vm] {
		if r.ID == "icmp" {
			n = r.Packets
		}
	}
	if n != 2 || dropped[vm] != 1 {
		t.Errorf("icmp rule counted %d packets (want request and reply, 2), dropped %d (want 1)", n, dropped[vm])
	}
}

func TestRepliesToAPortsOwnFlowsPassAndANewInboundFlowNeedsARule(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	f := New(c.now)
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()}})
	if !f.OutboundFlow(udp(vm, outside, 40000, 53)) {
		t.Fatal("egress allowed by the default group was dropped")
	}
	if !f.InboundFlow(udp(outside, vm, 53, 40000)) {
		t.Fatal("the reply to the port's own flow was dropped")
	}
	if f.InboundFlow(udp(outside, vm, 53, 40001)) {
		t.Error("a new inbound flow passed without a rule")
	}
	c.t = c.t.Add(31 * time.Second)
	if f.InboundFlow(udp(outside, vm, 53, 40000)) {
		t.Error("a reply passed after its flow went idle")
	}
	// Members of the group reach each other.
	if !f.InboundFlow(udp(vm, vm, 1, 2)) {
		t.Error("traffic from the group's own member was dropped")
	}
}

func TestAnICMPErrorAboutAPortsOwnFlowPassesAndOneAboutNoFlowDoesNot(t *testing.T) {
	f := New((&clock{}).now)
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()}})
	if !f.OutboundFlow(udp(vm, outside, 33434, 33434)) {
		t.Fatal("egress dropped")
	}
	// A time exceeded from a router on the way, quoting the probe.
	probe := []byte{0x45, 0, 0, 28, 0, 0, 0, 0, 1, protoUDP, 0, 0}
	probe = append(probe, vm.AsSlice()...)
	probe = append(probe, outside.AsSlice()...)
	probe = append(probe, 0x82, 0x9a, 0x82, 0x9a, 0, 8, 0, 0)
	icmp := append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, probe...)
	hop := netip.MustParseAddr("203.0.113.1")
	if !f.Inbound(hop, vm, protoICMP, icmp) {
		t.Error("a time exceeded about the VM's own probe was dropped")
	}
	other := append([]byte{11, 0, 0, 0, 0, 0, 0, 0}, probe...)
	other[8+20+1] = 0x9b // another source port: no such flow
	if f.Inbound(hop, vm, protoICMP, other) {
		t.Error("an ICMP error about no flow of the VM passed")
	}
}

func TestAFlowOnePortStartsDoesNotOpenAnotherPortsIngress(t *testing.T) {
	f := New((&clock{}).now)
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()}, {Addr: other, Rules: []Rule{
		{ID: "out2", Direction: Egress, Proto: Any, PortMin: Any, PortMax: Any, AnyRemote: true}}}})
	if !f.OutboundFlow(echo(vm, other, 8, 5)) {
		t.Fatal("egress dropped")
	}
	if f.InboundFlow(echo(vm, other, 8, 5)) {
		t.Error("the other port took a ping its group does not allow, because the sender's group let it out")
	}
}

func TestPortRangesAndRemotesBoundWhatARuleAllows(t *testing.T) {
	f := New((&clock{}).now)
	web := Rule{ID: "web", Direction: Ingress, Proto: protoTCP, PortMin: 80, PortMax: 443, Remotes: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}
	f.Set([]Port{{Addr: vm, Rules: []Rule{web}}, {Addr: other, Rules: defaultGroup()}})
	tcp := func(src netip.Addr, dp uint16) Flow {
		return Flow{Src: src, Dst: vm, Proto: protoTCP, SrcPort: 1234, DstPort: dp}
	}
	if !f.InboundFlow(tcp(outside, 443)) || f.InboundFlow(tcp(outside, 444)) || f.InboundFlow(tcp(netip.MustParseAddr("192.0.2.1"), 80)) {
		t.Error("the port range or the remote prefix is not what bounds the rule")
	}
	if f.InboundFlow(echo(outside, other, 8, 9)) {
		t.Error("the other port, in another group, took a ping its group does not allow")
	}
	if !f.InboundFlow(echo(outside, netip.MustParseAddr("10.0.0.99"), 8, 9)) {
		t.Error("an address without port security was filtered")
	}
}

func TestRemovingARuleForgetsTheFlowsItAllowed(t *testing.T) {
	f := New((&clock{}).now)
	icmp := Rule{ID: "icmp", Direction: Ingress, Proto: protoICMP, PortMin: Any, PortMax: Any, AnyRemote: true}
	f.Set([]Port{{Addr: vm, Rules: []Rule{icmp}}})
	if !f.InboundFlow(echo(outside, vm, 8, 3)) {
		t.Fatal("ping dropped")
	}
	f.Set([]Port{{Addr: vm}})
	if f.OutboundFlow(echo(vm, outside, 0, 3)) || f.InboundFlow(echo(outside, vm, 8, 3)) {
		t.Error("a flow outlived the rule that allowed it")
	}
}

func TestFlowOfReadsPortsAndEchoIdentifiers(t *testing.T) {
	p := make([]byte, 8)
	binary.BigEndian.PutUint16(p[0:], 1000)
	binary.BigEndian.PutUint16(p[2:], 53)
	fl, ok := FlowOf(vm, outside, protoUDP, p)
	if !ok || fl.SrcPort != 1000 || fl.DstPort != 53 {
		t.Errorf("udp flow: %+v %v", fl, ok)
	}
	e := []byte{8, 0, 0, 0, 0x12, 0x34, 0, 1}
	fl, ok = FlowOf(vm, outside, protoICMP, e)
	if !ok || fl.ICMPType != 8 || fl.SrcPort != 0x1234 || fl.DstPort != 0x1234 {
		t.Errorf("echo flow: %+v %v", fl, ok)
	}
	if _, ok := FlowOf(vm, outside, protoTCP, []byte{1, 2}); ok {
		t.Error("a truncated TCP header made a flow")
	}
}

func FuzzFlowOf(f *testing.F) {
	f.Add(uint8(protoUDP), []byte{0, 1, 0, 2, 0, 8, 0, 0})
	f.Add(uint8(protoICMP), []byte{8, 0, 0, 0, 0, 1, 0, 1})
	f.Add(uint8(protoTCP), []byte{})
	f.Add(uint8(protoICMP), []byte{3, 3, 0, 0, 0, 0, 0, 0, 0x45, 0, 0, 28, 0, 0, 0, 0, 1, 17, 0, 0, 10, 0, 0, 5, 198, 51, 100, 7, 0, 1, 0, 2, 0, 8, 0, 0})
	f.Fuzz(func(t *testing.T, proto uint8, payload []byte) {
		fl, ok := FlowOf(outside, vm, proto, payload)
		if !ok {
			return
		}
		flt := New((&clock{}).now)
		flt.Set([]Port{{Addr: vm, Rules: defaultGroup()}})
		// A flow from outside never passes the default group, and the
		// port's own reply to it is allowed by its egress rule.
		if flt.InboundFlow(fl) {
			t.Fatalf("%+v passed the default group", fl)
		}
		if !flt.OutboundFlow(Flow{Src: vm, Dst: outside, Proto: fl.Proto, SrcPort: fl.DstPort, DstPort: fl.SrcPort}) {
			t.Fatalf("egress dropped")
		}
	})
}
