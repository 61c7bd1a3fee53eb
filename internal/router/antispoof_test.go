package router

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/secgroup"
)

// A VM on g sends UDP to h from a source it chose: its own address and
// an allowed pair's reach h, a source it may not use never leaves g, and
// g's filter counts it as spoofed.
func TestAVMsSpoofedSourceNeverLeavesItsNode(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	must(t, g.AddLocal("", pfx("192.0.2.0/24")))
	must(t, g.AddLocal("", pfx("192.0.2.10/32")))
	vm, vip, spoof := ip("192.0.2.10"), ip("192.0.2.100"), ip("192.0.2.66")
	allOut := []secgroup.Rule{{ID: "out", Direction: secgroup.Egress, Proto: secgroup.Any, PortMin: secgroup.Any, PortMax: secgroup.Any, AnyRemote: true}}
	f := secgroup.New(g.Now)
	f.Set([]secgroup.Port{{Addr: vm, Rules: allOut, Sources: []netip.Prefix{netip.PrefixFrom(vip, 32)}}})
	g.SetFilter(f)

	var got []netip.Addr
	stop, err := h.ListenUDP("", 9, func(d UDPDatagram) { got = append(got, d.Src.Addr()) })
	must(t, err)
	defer stop()
	for _, src := range []netip.Addr{vm, spoof, vip} {
		must(t, g.SendUDPAs(vm, "", netip.AddrPortFrom(src, 5000), netip.AddrPortFrom(ip("10.0.0.1"), 9), []byte("hi")))
	}
	n.run()
	if len(got) != 2 || got[0] != vm || got[1] != vip {
		t.Errorf("h received from %v, want %v and %v", got, vm, vip)
	}
	if _, spoofed := f.Sources(); spoofed[vm] != 1 {
		t.Errorf("spoofed drops of %v: %d, want 1", vm, spoofed[vm])
	}
	if err := g.SendUDPAs(vm, "", netip.AddrPort{}, netip.AddrPortFrom(ip("10.0.0.1"), 9), nil); err == nil {
		t.Error("SendUDPAs without a source address: no error")
	}
	if err := g.SendUDPAs(spoof, "", netip.AddrPortFrom(spoof, 5000), netip.AddrPortFrom(ip("10.0.0.1"), 9), nil); err == nil {
		t.Errorf("SendUDPAs on behalf of %v, not g's own: no error", spoof)
	}
}
