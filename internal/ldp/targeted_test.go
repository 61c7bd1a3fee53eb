package ldp_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// ring is RFC 7490's five routers in a ring with equal costs.
func ring(t *testing.T) *topology.Model {
	y := "defaults: {asn: 65000}\nnodes:\n"
	for i := 1; i <= 5; i++ {
		y += fmt.Sprintf("  p%d: {role: p}\n", i)
	}
	y += "links:\n"
	for i := 1; i <= 5; i++ {
		y += fmt.Sprintf("  - {a: p%d, b: p%d}\n", i, i%5+1)
	}
	res, err := topology.Load("ring.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

// targeted reports whether node has an operational targeted session
// with peer.
func (l *lab) targeted(node, peer string) bool {
	var ok bool
	l.net.Router(node).Do(func() {
		for _, n := range l.ldp[node].Neighbors() {
			ok = ok || n.LSRID == l.m.Node(peer).RouterID && n.Targeted && n.State == ldp.StateOperational
		}
	})
	return ok
}

// In the ring p1 has no loop-free alternate for p2; the IGP names p3 as
// the remote LFA's PQ node. p1 opens a targeted session to p3 (its
// hellos and messages relayed by p5 and p4, which route them), p3
// answers, and p1's backup for p2 tunnels to p3: p5's label for p3
// pushed over p3's label for p2, in the LFIB and for packets p1 itself
// sends. When the remote LFA is no longer wanted (the link p1-p2 is gone
// and p1 has one core neighbour left), p1 stops its targeted hellos and
// both ends drop the session when the hold time runs out.
func TestARemoteLFATunnelsToThePQNodeOverATargetedSession(t *testing.T) {
	l := newLab(t, ring(t))
	l.settle(10 * time.Second)
	if !l.targeted("p1", "p3") || !l.targeted("p3", "p1") {
		t.Fatalf("targeted session p1-p3: p1 sees it %v, p3 %v; want both", l.targeted("p1", "p3"), l.targeted("p3", "p1"))
	}
	// Every router of the ring protects its links so: each has targeted
	// sessions with the two routers across from it, and no other.
	for i := 1; i <= 5; i++ {
		for j := 1; j <= 5; j++ {
			across := (j-i+5)%5 == 2 || (i-j+5)%5 == 2
			if got := l.targeted(fmt.Sprintf("p%d", i), fmt.Sprintf("p%d", j)); got != across {
				t.Errorf("targeted session p%d-p%d: %v, want %v", i, j, got, across)
			}
		}
	}
	lsp, ok := l.net.Router("p1").Table().LSP(router.ProtoLDP, l.lo("p2"))
	if !ok || len(lsp.Nexthops) != 1 {
		t.Fatalf("p1's LSP for p2: %+v", lsp)
	}
	tunnel, pq := l.local("p5", "p3"), l.local("p3", "p2")
	if b := lsp.Nexthops[0].Backup; b == nil || b.Addr != l.addr("p5", "p1") || b.OutLabel != pq || !slices.Equal(b.Push, []uint32{tunnel}) {
		t.Errorf("p1's LSP backup for p2: %+v, want via p5, swap to p3's label %d under p5's label for p3 %d", b, pq, tunnel)
	}
	var got []router.FECLabel
	for _, f := range l.net.Router("p1").Table().FECLabelsFor(router.ProtoLDP, l.lo("p2")) {
		if f.Nexthop == l.addr("p5", "p1") {
			got = append(got, f)
		}
	}
	if len(got) != 1 || got[0].OutLabel != pq || !slices.Equal(got[0].Push, []uint32{tunnel}) {
		t.Errorf("p1's ingress label for p2 via p5: %+v, want %d pushed over %d", got, tunnel, pq)
	}

	l.net.FindLink("p1", "p2").SetUp(false)
	l.settle(5 * time.Second)
	if !l.targeted("p1", "p3") {
		t.Error("the targeted session went before its hold time")
	}
	l.settle(20 * time.Second)
	if l.targeted("p1", "p3") || l.targeted("p3", "p1") {
		t.Errorf("20 s after the remote LFA went, the targeted session p1-p3 is still up: p1 %v, p3 %v", l.targeted("p1", "p3"), l.targeted("p3", "p1"))
	}
	// The link sessions are untouched.
	var peers []netip.Addr
	l.net.Router("p1").Do(func() {
		for _, n := range l.ldp["p1"].Neighbors() {
			peers = append(peers, n.LSRID)
		}
	})
	if len(peers) != 1 || peers[0] != l.m.Node("p5").RouterID {
		t.Errorf("p1's LDP sessions after the failure: %v, want p5's alone", peers)
	}
}
