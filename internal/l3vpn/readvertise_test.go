package l3vpn

import (
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
)

// told records what a Node tells its OnReadvertised (called with the
// control lock held, read by the test from its own goroutine).
type told struct {
	mu  sync.Mutex
	now map[netip.Prefix]bool
}

func (t *told) tell(vrf string, p netip.Prefix, on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if vrf != "green" {
		return
	}
	if on {
		t.now[p] = true
	} else {
		delete(t.now, p)
	}
}

func (t *told) prefixes() []netip.Prefix {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []netip.Prefix
	for p := range t.now {
		out = append(out, p)
	}
	slices.SortFunc(out, comparePrefix)
	return out
}

// readvertisedBy is pe2's VPNv4 route to p whose next hop is via.
func readvertisedBy(g *vpnRig, p netip.Prefix, via netip.Addr) *bgp.Route {
	for _, r := range g.pe2.Speaker().Routes(bgp.VPNv4) {
		if r.Key.Prefix == p && r.NextHop == via {
			return &r
		}
	}
	return nil
}

// An attachment VRF of VPN green readvertising VPN red (rt1): the
// compute asks RT constraint for red's route target, learns ce1's and
// ce2's routes, and advertises them into green with green's route
// target and label, its own next hop and the LOCAL_PREF asked for —
// except the prefix said not to, and nothing of green's own even when
// asked to readvertise green itself (no loop); it tells the caller each
// prefix it readvertises, and when it stops (SetReadvertise empty).
func TestAnAttachmentVRFReadvertisesAnotherVPNsRoutesAsItsOwn(t *testing.T) {
	g := newVPNRig(t, false)
	var tl = &told{now: map[netip.Prefix]bool{}}
	cn, under := g.computeTelling(tl.tell)
	green := mustRT("65000:9")
	vm := netip.MustParsePrefix("100.67.0.5/32")
	attach(g, cn, "green", "10.0.9.1:9", green, Attached{Prefix: vm})
	g.r["cn1"].Do(func() {
		cn.SetReadvertise("green", []Readvertise{{From: []bgp.ExtCommunity{rt1}, LocalPref: 300, Except: []netip.Prefix{pfx2}}, {From: []bgp.ExtCommunity{green}}})
	})
	label := cn.VPNLabel("green")
	g.until("pe2 has ce1's prefix readvertised by the compute", func() bool { return readvertisedBy(g, pfx1, under) != nil })
	r := readvertisedBy(g, pfx1, under)
	if r.Label != label || r.Attrs.LocalPref != 300 || !Importable(r, []bgp.ExtCommunity{green}) || Importable(r, []bgp.ExtCommunity{rt1}) {
		t.Errorf("readvertised %v = %+v, want label %d, local_pref 300, route target %v only", pfx1, r, label, green)
	}
	if rts := cn.Speaker().ImportRTs(); !slices.Equal(rts, []bgp.ExtCommunity{rt1, green}) {
		t.Errorf("the compute asks for %v, want %v and %v", rts, rt1, green)
	}
	if got := cn.Readvertised("green"); !slices.Equal(got, []netip.Prefix{pfx1}) {
		t.Errorf("green readvertises %v, want %v only (not %v, excepted, nor green's own %v)", got, pfx1, pfx2, vm)
	}
	if got := tl.prefixes(); !slices.Equal(got, []netip.Prefix{pfx1}) {
		t.Errorf("told %v, want %v", got, pfx1)
	}
	if readvertisedBy(g, pfx2, under) != nil {
		t.Errorf("pe2 has %v from the compute although excepted", pfx2)
	}
	if !isReadvertised(&r.Attrs) {
		t.Errorf("readvertised %v = %+v carries no community %d:%d", pfx1, r, ReadvertisedCommunity>>16, ReadvertisedCommunity&0xffff)
	}

	// VRF blue readvertising green takes green's VM but not what green
	// readvertises: a readvertised route is not readvertised again.
	blue := mustRT("65000:10")
	attach(g, cn, "blue", "10.0.9.1:10", blue)
	g.r["cn1"].Do(func() { cn.SetReadvertise("blue", []Readvertise{{From: []bgp.ExtCommunity{green}}}) })
	g.until("blue readvertises green's VM", func() bool { return slices.Contains(cn.Readvertised("blue"), vm) })
	g.until("pe2 has green's VM readvertised into blue", func() bool {
		for _, r := range g.pe2.Speaker().Routes(bgp.VPNv4) {
			if r.Key.Prefix == vm && Importable(&r, []bgp.ExtCommunity{blue}) {
				return true
			}
		}
		return false
	})
	if got := cn.Readvertised("blue"); !slices.Equal(got, []netip.Prefix{vm}) {
		t.Errorf("blue readvertises %v, want %v only (not green's readvertised %v)", got, vm, pfx1)
	}
	g.r["cn1"].Do(func() { cn.RemoveVRF("blue") })

	g.r["cn1"].Do(func() { cn.SetReadvertise("green", nil) })
	g.until("the readvertised route withdrawn", func() bool { return readvertisedBy(g, pfx1, under) == nil })
	if got := tl.prefixes(); len(got) != 0 {
		t.Errorf("still told %v", got)
	}
	if rts := cn.Speaker().ImportRTs(); !slices.Equal(rts, []bgp.ExtCommunity{green}) {
		t.Errorf("the compute asks for %v, want %v only", rts, green)
	}
	if readvertisedBy(g, vm, under) == nil {
		t.Errorf("green's own %v gone", vm)
	}
}
