package lab

import (
	"bytes"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/examples"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// TestWithPrefixSuppressionTheVPNStillCrossesTheCore runs the seed lab
// with every core router leaving its transit subnets out of OSPF (RFC
// 6860): the core's tables hold the loopbacks only, and that is all the
// LSPs and the VPN need; a transit address far away is what is lost.
// The core routers' own pings and traces leave from their loopbacks.
func TestWithPrefixSuppressionTheVPNStillCrossesTheCore(t *testing.T) {
	y := bytes.Replace(examples.Seed, []byte("defaults:\n"), []byte("defaults:\n  prefix_suppression: true\n"), 1)
	res, err := topology.Load(topology.SeedName, y)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	l, clk := runLab(t, m)
	tr := trace(t, l, clk, "ce1", "ce2")
	if !tr.Reached || len(tr.Hops) != 4 || len(tr.Hops[1].Probes[0].Labels) != 2 {
		t.Fatalf("trace ce1 -> ce2: %+v", tr)
	}
	pe1, _ := l.Node("pe1")
	var p1p2 topology.Link
	for _, k := range m.Links {
		if k.A.Node == "p1" && k.B.Node == "p2" || k.A.Node == "p2" && k.B.Node == "p1" {
			p1p2 = *k
			break
		}
	}
	if _, ok := pe1.Router.RIB().Best("", p1p2.Subnet); ok {
		t.Errorf("pe1 has a route to the p1-p2 transit subnet %s", p1p2.Subnet)
	}
	if r, ok := pe1.Router.RIB().Best("", m.Node("pe2").Loopback); !ok || r.Proto != router.ProtoOSPF {
		t.Errorf("pe1's route to pe2's loopback: %+v, %v", r, ok)
	}
	if _, err := l.StartPing("pe1", p1p2.A.Addr.String(), router.PingOptions{Count: 1}); err == nil || !strings.Contains(err.Error(), "no route to host") {
		t.Errorf("pe1 pinging the transit address %s: %v, want no route to host", p1p2.A.Addr, err)
	}
	if _, out, err := l.Show("pe1", "igp status", ""); err != nil || !strings.Contains(out, "Prefix suppression") {
		t.Errorf("show pe1 igp status does not say prefix suppression is on (%v):\n%s", err, out)
	}
	// pe1's own pings and traces leave from its loopback, which is routed,
	// so that the answers come back across the core.
	lo := ping(t, l, clk, "pe1", m.Node("pe2").Loopback.Addr().String(), router.PingOptions{Count: 1})
	if lo.Received != 1 || lo.Src != m.Node("pe1").Loopback.Addr() {
		t.Errorf("pe1 -> pe2's loopback: %+v, want an answer to pe1's loopback", lo)
	}
	if tr := trace(t, l, clk, "pe1", m.Node("pe2").Loopback.Addr().String()); !tr.Reached || len(tr.Hops) != 2 {
		t.Errorf("trace pe1 -> pe2's loopback: %+v", tr)
	}
}
