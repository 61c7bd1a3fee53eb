package ldp_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
)

// TestSeedLabels checks the LDP LFIB of the seed core against the paths
// worked out by hand (all core costs 10 but the second p1-p2 link, 20):
//
//	pe1 -> pe2: through p1 and p2 at 20 each (ECMP), each swapping to the
//	            label that P router advertised;
//	pe1 -> p1, p2: one hop: pop (p1 and p2 advertise implicit null);
//	p1 -> p2:   over the cost-10 link only; pop.
func TestSeedLabels(t *testing.T) {
	l := seed(t)
	l.settle(5 * time.Second)
	l.wantLSP("pe1", "pe2", "p1", "p2")
	l.wantLSP("pe2", "pe1", "p1", "p2")
	for _, pe := range []string{"pe1", "pe2"} {
		l.wantLSP(pe, "p1", "p1")
		l.wantLSP(pe, "p2", "p2")
		l.wantLSP("p1", pe, pe)
		l.wantLSP("p2", pe, pe)
	}
	l.wantLSP("p1", "p2", "p2")
	l.wantLSP("p2", "p1", "p1")

	// Egress: each router advertises implicit null for its own loopback
	// and has no LSP for it.
	for _, n := range []string{"p1", "p2", "pe1", "pe2"} {
		if got := l.local(n, n); got != router.LabelImplicitNull {
			t.Errorf("%s advertises %d for its loopback, want implicit null", n, got)
		}
		if got := l.lfib(n, n); got != "none" {
			t.Errorf("%s has an LSP for its own loopback: %s", n, got)
		}
	}
	// Local labels are dynamic ones.
	if x := l.local("pe1", "pe2"); x < router.LabelDynamicFirst {
		t.Errorf("pe1's label for pe2 = %d, want >= 24000", x)
	}

	// Ingress: pe1 pushes, towards pe2's loopback, p1's label via p1 and
	// p2's label via p2; towards p1's loopback nothing (implicit null).
	fl := l.net.Router("pe1").Table().FECLabelsFor(router.ProtoLDP, l.lo("pe2"))
	want := map[string]uint32{l.addr("p1", "pe1").String(): l.local("p1", "pe2"), l.addr("p2", "pe1").String(): l.local("p2", "pe2")}
	if len(fl) != 2 {
		t.Fatalf("pe1 FEC labels for pe2 = %+v", fl)
	}
	for _, f := range fl {
		if want[f.Nexthop.String()] != f.OutLabel {
			t.Errorf("pe1 pushes %d via %s for pe2, want %d", f.OutLabel, f.Nexthop, want[f.Nexthop.String()])
		}
	}
	// Towards p1's loopback nothing via p1 (implicit null), and beside it
	// fast reroute's backup via p2 with p2's label for p1, already known
	// by liberal retention.
	fl = l.net.Router("pe1").Table().FECLabelsFor(router.ProtoLDP, l.lo("p1"))
	want = map[string]uint32{l.addr("p1", "pe1").String(): router.LabelImplicitNull, l.addr("p2", "pe1").String(): l.local("p2", "p1")}
	if len(fl) != 2 {
		t.Fatalf("pe1 FEC labels for p1 = %+v, want implicit null via p1 and p2's label via p2", fl)
	}
	for _, f := range fl {
		if want[f.Nexthop.String()] != f.OutLabel {
			t.Errorf("pe1 pushes %d via %s for p1, want %d", f.OutLabel, f.Nexthop, want[f.Nexthop.String()])
		}
	}
}

// TestSeedSessions: one session per neighbour LSR, even over p1 and p2's
// two parallel links.
func TestSeedSessions(t *testing.T) {
	l := seed(t)
	l.settle(5 * time.Second)
	var nb []ldp.Neighbor
	l.net.Router("p1").Do(func() { nb = l.ldp["p1"].Neighbors() })
	if len(nb) != 3 {
		t.Fatalf("p1 has %d LDP neighbours, want 3 (p2, pe1, pe2): %+v", len(nb), nb)
	}
	for _, n := range nb {
		if n.State != ldp.StateOperational {
			t.Errorf("p1's session with %s is %s", n.LSRID, n.State)
		}
		if n.LSRID == l.lo("p2").Addr() && !slices.Equal(n.Interfaces, []string{"eth1", "eth2"}) {
			t.Errorf("p1-p2 session interfaces = %v, want both parallel links", n.Interfaces)
		}
		if n.Received != 4 {
			t.Errorf("p1 received %d labels from %s, want 4 (one per core loopback)", n.Received, n.LSRID)
		}
	}
	if ev := l.net.Router("p1").Events("ldp-session-up"); len(ev) != 3 {
		t.Errorf("p1 ldp-session-up events: %v", ev)
	}
}

// TestSeedBindings checks "show mpls ldp binding" on pe1 for p1's
// loopback: implicit null from p1 (in use), p2's label kept though unused
// (liberal retention), and pe2's too.
func TestSeedBindings(t *testing.T) {
	l := seed(t)
	l.settle(5 * time.Second)
	var bs []ldp.Binding
	l.net.Router("pe1").Do(func() { bs = l.ldp["pe1"].Bindings() })
	if len(bs) != 4 {
		t.Fatalf("pe1 has %d bindings, want 4", len(bs))
	}
	for _, b := range bs {
		if b.FEC != l.lo("p1") {
			continue
		}
		got := map[string]ldp.Remote{}
		for _, r := range b.Remote {
			got[r.Peer.String()] = r
		}
		p1, p2 := got[l.lo("p1").Addr().String()], got[l.lo("p2").Addr().String()]
		if p1.Label != router.LabelImplicitNull || !p1.InUse {
			t.Errorf("p1's binding at pe1 = %+v, want imp-null in use", p1)
		}
		if p2.Label != l.local("p2", "p1") || p2.InUse {
			t.Errorf("p2's binding at pe1 = %+v, want %d not in use", p2, l.local("p2", "p1"))
		}
		if len(b.Remote) != 2 {
			t.Errorf("pe1's remote bindings for p1 = %+v (pe1 has sessions with p1 and p2 only)", b.Remote)
		}
	}
}

// TestLinkFailure: LDP LSPs follow the IGP's new paths after a failure.
func TestLinkFailure(t *testing.T) {
	l := seed(t)
	l.settle(5 * time.Second)

	// pe1-p1 fails: pe1 reaches everything through p2. Towards p1 that is
	// no longer the penultimate hop, so pe1 swaps to p2's label.
	l.net.FindLink("pe1", "p1").SetUp(false)
	l.settle(2 * time.Second)
	l.wantLSP("pe1", "pe2", "p2")
	l.wantLSP("pe1", "p1", "p2")
	l.wantLSP("p1", "pe1", "p2")
	if ev := l.net.Router("pe1").Events("ldp-session-down"); len(ev) != 1 || !strings.Contains(ev[0].Detail, "interface down") {
		t.Errorf("pe1 session-down events = %v", ev)
	}
	// The labels of FECs that stayed did not change.
	before := l.local("pe1", "pe2")

	// The cheaper p1-p2 link fails too: p1 reaches p2 two ways at 20 —
	// the cost-20 link, and through pe2 (pe1 is cut off from p1). The
	// p1-p2 session survives on the second link.
	l.net.Links()[0].SetUp(false) // p1-p2, cost 10 (the first link of the file)
	l.settle(2 * time.Second)
	l.wantLSP("p1", "p2", "p2/eth2", "pe2")
	var nb []ldp.Neighbor
	l.net.Router("p1").Do(func() { nb = l.ldp["p1"].Neighbors() })
	if len(nb) != 2 || nb[0].LSRID != l.lo("p2").Addr() || !slices.Equal(nb[0].Interfaces, []string{"eth2"}) || nb[0].State != ldp.StateOperational {
		t.Errorf("p1's LDP neighbours = %+v, want p2 over eth2 and pe2", nb)
	}

	// Both links back: the original LSPs return.
	l.net.Links()[0].SetUp(true)
	l.net.FindLink("pe1", "p1").SetUp(true)
	l.settle(5 * time.Second)
	l.wantLSP("pe1", "pe2", "p1", "p2")
	l.wantLSP("pe1", "p1", "p1")
	l.wantLSP("p1", "p2", "p2")
	if got := l.local("pe1", "pe2"); got != before {
		t.Errorf("pe1's label for pe2 changed from %d to %d over the flaps", before, got)
	}
}

// TestEdgeFEC: pe2 redistributes a cloud compute node's /32 into the IGP
// and terminates it in LDP: pe2 advertises implicit null, the P routers
// pop towards pe2, and pe1 has an ECMP LSP for it like for pe2's loopback.
func TestEdgeFEC(t *testing.T) {
	m := seedModel(t)
	cn := netip.MustParsePrefix("10.255.52.190/32")
	l := newLabWith(t, m, func(name string, g *igp.Config, d *ldp.Config) {
		if name == "pe2" {
			g.Redistribute = []netip.Prefix{cn}
			d.Egress = []netip.Prefix{cn}
		}
	})
	l.settle(5 * time.Second)
	lsp, ok := l.net.Router("pe1").Table().LSP(router.ProtoLDP, cn)
	if !ok || len(lsp.Nexthops) != 2 {
		t.Fatalf("pe1 LSP for %s = %+v, want two nexthops", cn, lsp)
	}
	for _, p := range []string{"p1", "p2"} {
		lsp, ok := l.net.Router(p).Table().LSP(router.ProtoLDP, cn)
		if !ok || len(lsp.Nexthops) != 1 || lsp.Nexthops[0].OutLabel != router.LabelImplicitNull || lsp.Nexthops[0].Iface != l.ifname(p, "pe2") {
			t.Errorf("%s LSP for %s = %+v, want pop towards pe2", p, cn, lsp)
		}
	}
	if r, _ := l.net.Router("pe1").Table().Best("", cn); r.Info != "external E2" {
		t.Errorf("pe1 route for %s: %+v", cn, r)
	}
}
