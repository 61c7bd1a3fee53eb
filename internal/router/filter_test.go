package router

import (
	"net/netip"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/secgroup"
)

// A VM's address on a cloud's node, filtered by its port's security
// groups: a ping to it is dropped until an ICMP rule allows it, its own
// ping out gets its replies back, and an address the filter does not
// know (no port security) is not filtered.
func TestASecurityGroupFiltersTrafficToAndFromALocalAddressStatefully(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	must(t, g.AddLocal("", pfx("192.0.2.0/24")))
	must(t, g.AddLocal("", pfx("192.0.2.10/32")))
	must(t, g.AddLocal("", pfx("192.0.2.11/32")))
	must(t, h.AddStatic("", pfx("192.0.2.0/24"), ip("10.0.0.2")))
	vm := ip("192.0.2.10")
	defaultGroup := []secgroup.Rule{
		{ID: "in", Direction: secgroup.Ingress, Proto: secgroup.Any, PortMin: secgroup.Any, PortMax: secgroup.Any, Remotes: []netip.Prefix{pfx("192.0.2.10/32")}},
		{ID: "out", Direction: secgroup.Egress, Proto: secgroup.Any, PortMin: secgroup.Any, PortMax: secgroup.Any, AnyRemote: true},
	}
	f := secgroup.New(g.Now)
	f.Set([]secgroup.Port{{Addr: vm, Rules: defaultGroup}})
	g.SetFilter(f)

	ping := func(from *Router, dst string, src netip.Addr) PingResult {
		s, err := from.StartPing(ip(dst), PingOptions{Count: 1, Src: src})
		must(t, err)
		return pingDone(t, n, s)
	}
	if res := ping(h, "192.0.2.10", netip.Addr{}); res.Received != 0 {
		t.Fatalf("ping through the default group: %+v", res)
	}
	var filtered uint64
	for _, row := range g.InterfaceTable() {
		filtered += row.Drops["filtered"]
	}
	if filtered != 1 {
		t.Errorf("filtered drops on g's interfaces: %d, want 1", filtered)
	}
	if res := ping(h, "192.0.2.11", netip.Addr{}); res.Received != 1 {
		t.Errorf("an address without port security was filtered: %+v", res)
	}
	if res := ping(g, "10.0.0.1", vm); res.Received != 1 {
		t.Errorf("the VM's own ping did not get its reply: %+v", res)
	}
	icmp := secgroup.Rule{ID: "icmp", Direction: secgroup.Ingress, Proto: 1, PortMin: secgroup.Any, PortMax: secgroup.Any, Remotes: []netip.Prefix{pfx("0.0.0.0/0")}}
	f.Set([]secgroup.Port{{Addr: vm, Rules: append(defaultGroup, icmp)}})
	if res := ping(h, "192.0.2.10", netip.Addr{}); res.Received != 1 {
		t.Fatalf("ping an ICMP rule allows: %+v", res)
	}
	rules, _ := f.Counts()
	for _, r := range rules[vm] {
		if r.ID == "icmp" && r.Packets != 2 {
			t.Errorf("the icmp rule counted %d packets, want the request and its reply", r.Packets)
		}
	}
}
