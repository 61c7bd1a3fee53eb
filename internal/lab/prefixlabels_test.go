package lab

import (
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestPerPrefixLabels runs the seed lab's shape with per-prefix VPN
// labels: pe2 exports each of ce2's routes with a label of its own, the
// echo request reaches pe2 carrying the label of ce2's loopback, and pe2
// pops it and sends the packet straight to ce2 (its LFIB says so; no
// lookup in the VRF).
func TestPerPrefixLabels(t *testing.T) {
	y := `nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
  ce1: {role: ce}
  ce2: {role: ce}
links: [pe1-p1, pe2-p1, ce1-pe1, ce2-pe2]
vpns:
  tenant: {sites: [ce1, ce2], labels: per-prefix}
`
	res, err := topology.Load("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	l, clk := runLab(t, res.Model)
	pe1, _ := l.Node("pe1")
	pe2, _ := l.Node("pe2")
	ce2, _ := l.Node("ce2")

	// pe1's route to ce2's loopback carries pe2's label for that prefix,
	// which is not the VRF's label and not that of ce2's link subnet.
	r, ok := pe1.Router.RIB().Best("tenant", ce2.Model.Loopback)
	if !ok || len(r.Nexthops) == 0 || len(r.Nexthops[0].Labels) == 0 {
		t.Fatalf("pe1 vrf tenant %v: %+v", ce2.Model.Loopback, r)
	}
	loopLabel := r.Nexthops[0].Labels[len(r.Nexthops[0].Labels)-1]
	if loopLabel == pe2.VPNLabel("tenant") {
		t.Fatalf("ce2's loopback carries the VRF label %d, want a label of its own", loopLabel)
	}
	var subnetLabel uint32
	for _, ifc := range ce2.Model.Interfaces {
		if r, ok := pe1.Router.RIB().Best("tenant", ifc.Addr.Masked()); ok && len(r.Nexthops) > 0 {
			subnetLabel = r.Nexthops[0].Labels[len(r.Nexthops[0].Labels)-1]
		}
	}
	if subnetLabel == 0 || subnetLabel == loopLabel {
		t.Errorf("ce2's link subnet has label %d, ce2's loopback %d: want two labels", subnetLabel, loopLabel)
	}
	// pe2's LFIB: that label pops and goes to ce2.
	lfib := pe2.Router.LFIBTable().String()
	if !strings.Contains(lfib, itoa(loopLabel)) {
		t.Errorf("pe2's LFIB has no entry for %d:\n%s", loopLabel, lfib)
	}

	frames := tapAll(t, l)
	if res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1}); res.Received != 1 {
		t.Fatalf("ping ce1 -> ce2: %+v", res)
	}
	for _, f := range frames() {
		if f.d.ICMP == nil || f.d.ICMP.Type != 8 || !strings.HasPrefix(f.from, "p1:") {
			continue
		}
		if len(f.d.Labels) != 1 || uint32(f.d.Labels[0].Label()) != loopLabel {
			t.Errorf("p1 sent pe2 labels %v, want [%d] (ce2's loopback's own label)", f.d.Labels, loopLabel)
		}
	}
}
