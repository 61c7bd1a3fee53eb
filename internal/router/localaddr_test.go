package router

import (
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
)

// A router answers for an address AddLocal gave it (a VM standing behind
// a cloud's network node), refuses the rest of a local subnet with an
// unreachable instead of routing it back out, and forgets both on
// RemoveLocal.
func TestLocalAddressesAnswerAndGoAway(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	must(t, g.AddLocal("", pfx("192.0.2.0/24")))
	must(t, g.AddLocal("", pfx("192.0.2.10/32")))
	must(t, g.AddLocal("", pfx("192.0.2.10/32"))) // twice is harmless
	must(t, h.AddStatic("", pfx("192.0.2.0/24"), ip("10.0.0.2")))

	ping := func(dst string) PingResult {
		s, err := h.StartPing(ip(dst), PingOptions{Count: 1})
		must(t, err)
		return pingDone(t, n, s)
	}
	if res := ping("192.0.2.10"); res.Received != 1 || res.Replies[0].From != ip("192.0.2.10") {
		t.Fatalf("ping of a local address: %+v", res)
	}
	if res := ping("192.0.2.11"); res.Received != 0 || res.Replies[0].Error == "" {
		t.Errorf("ping of an absent address in a local subnet: %+v, want an ICMP error", res)
	}
	if r, ok := g.RIB().Best("", pfx("192.0.2.10/32")); !ok || r.Proto != ProtoLocal {
		t.Errorf("route of the local address: %+v %v, want local", r, ok)
	}
	if got := g.Locals(""); len(got) != 2 {
		t.Errorf("Locals = %v", got)
	}
	// Traceroute ends at it with port unreachable: the local stack owns it.
	tr, err := h.StartTraceroute(ip("192.0.2.10"), TraceOptions{Probes: 1})
	must(t, err)
	n.run()
	if res := tr.Result(); !res.Reached || len(res.Hops) != 1 || res.Hops[0].Probes[0].From != ip("192.0.2.10") {
		t.Errorf("trace to a local address:\n%v", res)
	}

	if !g.RemoveLocal("", pfx("192.0.2.10/32")) || g.RemoveLocal("", pfx("192.0.2.10/32")) {
		t.Fatal("RemoveLocal: want true once, then false")
	}
	if res := ping("192.0.2.10"); res.Received != 0 {
		t.Errorf("ping after RemoveLocal: %+v", res)
	}
	g.RemoveLocal("", pfx("192.0.2.0/24"))
	if _, ok := g.RIB().Best("", pfx("192.0.2.0/24")); ok {
		t.Error("subnet route left after RemoveLocal")
	}
}
