package router

import (
	"net/netip"

	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
)

// A guest address (a VM on a compute) is a routed hop behind the router:
// traceroute to it shows the router, then the guest; ping is answered
// from the guest. Taken off the guest list, the address is the router's
// own again, answered at the router's hop.
func TestAGuestAddressIsOneHopBehindTheRouter(t *testing.T) {
	n, h, g := hostPair(t, dataplane.Impairment{})
	vm := ip("10.9.0.5")
	must(t, g.AddLocal("", pfx("10.9.0.5/32")))
	must(t, h.AddStatic("", pfx("10.9.0.0/24"), ip("10.0.0.2")))
	g.SetGuests(nil) // harmless before any
	g.SetGuests([]netip.Addr{vm})

	trace := func() TraceResult {
		tr, err := h.StartTraceroute(vm, TraceOptions{Probes: 1})
		must(t, err)
		n.run()
		return tr.Result()
	}
	res := trace()
	if !res.Reached || len(res.Hops) != 2 || res.Hops[0].Probes[0].From != ip("10.0.0.2") || res.Hops[1].Probes[0].From != vm {
		t.Errorf("trace to a guest: want the router (10.0.0.2), then the guest %v:\n%v", vm, res)
	}
	s, err := h.StartPing(vm, PingOptions{Count: 2})
	must(t, err)
	if got := pingDone(t, n, s); got.Received != 2 || got.Replies[0].From != vm {
		t.Errorf("ping a guest: %+v", got)
	}

	g.SetGuests(nil)
	if res := trace(); !res.Reached || len(res.Hops) != 1 || res.Hops[0].Probes[0].From != vm {
		t.Errorf("trace to an own address: want it at the first hop:\n%v", res)
	}
}
