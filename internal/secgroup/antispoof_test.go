package secgroup

import (
	"net/netip"
	"testing"
	"time"
)

// A port sends only from its own addresses and its allowed address
// pairs': a spoofed source is dropped before the rules (which allow all
// egress here) and counted apart from what no rule allowed; a pair's
// CIDR allows its whole network; a sender that is no port is unchecked.
func TestAPortMaySendOnlyFromItsAddressesAndAllowedPairs(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	f := New(c.now)
	vip := netip.MustParseAddr("10.0.0.100")
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()}})
	if !f.SendFlow(vm, udp(vm, outside, 4000, 53)) {
		t.Fatal("the port's own address was refused")
	}
	if f.SendFlow(vm, udp(vip, outside, 4000, 53)) || f.SendFlow(vm, udp(other, outside, 4000, 53)) {
		t.Fatal("a source that is not the port's passed")
	}
	allowed, spoofed := f.Sources()
	_, dropped := f.Counts()
	if spoofed[vm] != 2 || dropped[vm] != 0 {
		t.Errorf("spoofed %d (want 2), dropped by the rules %d (want 0)", spoofed[vm], dropped[vm])
	}
	if len(allowed[vm]) != 1 || allowed[vm][0] != netip.PrefixFrom(vm, 32) {
		t.Errorf("sources %v, want the port's address alone", allowed[vm])
	}

	// The VIP as an allowed pair, and a /28 as another: both usable, the
	// port's rules then decide (and track the flow in the port's table).
	f.Set([]Port{{Addr: vm, Rules: defaultGroup(), Sources: []netip.Prefix{netip.PrefixFrom(vm, 32), netip.PrefixFrom(vip, 32), netip.MustParsePrefix("10.0.1.0/28")}}})
	for _, src := range []string{"10.0.0.100", "10.0.1.0", "10.0.1.15"} {
		if !f.SendFlow(vm, udp(netip.MustParseAddr(src), outside, 4000, 53)) {
			t.Errorf("source %s of an allowed pair was refused", src)
		}
	}
	if f.SendFlow(vm, udp(netip.MustParseAddr("10.0.1.16"), outside, 4000, 53)) {
		t.Error("10.0.1.16, outside the pair's 10.0.1.0/28, passed")
	}
	if allowed, _ := f.Sources(); len(allowed[vm]) != 3 {
		t.Errorf("sources %v, want the port's own once and two pairs", allowed[vm])
	}

	// Rules still apply to a pair's address: with no egress rule, it is
	// the rules' drop, not the anti-spoofing's.
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()[:1], Sources: []netip.Prefix{netip.PrefixFrom(vip, 32)}}})
	if f.SendFlow(vm, udp(vip, outside, 4001, 53)) {
		t.Error("a pair's address passed a port with no egress rule")
	}
	_, spoofed = f.Sources()
	_, dropped = f.Counts()
	if spoofed[vm] != 3 || dropped[vm] != 1 {
		t.Errorf("spoofed %d (want 3), dropped by the rules %d (want 1)", spoofed[vm], dropped[vm])
	}

	// A sender the filter does not know (no port security) is unchecked.
	if !f.SendFlow(other, udp(outside, vm, 4000, 53)) {
		t.Error("an unfiltered sender's packet was checked")
	}
}

// Outbound, the router's hook, checks the source of a packet whose
// header is too short to read a flow from.
func TestOutboundChecksTheSourceOfATruncatedPacket(t *testing.T) {
	f := New((&clock{t: time.Unix(0, 0)}).now)
	f.Set([]Port{{Addr: vm, Rules: defaultGroup()}})
	if f.Outbound(vm, other, outside, protoUDP, []byte{1, 2}) {
		t.Error("a truncated packet from a spoofed source passed")
	}
	if !f.Outbound(vm, vm, outside, protoUDP, []byte{1, 2}) {
		t.Error("a truncated packet from the port's address was dropped here, not left to the router")
	}
}
