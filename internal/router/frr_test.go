package router

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

// frrNet is lspNet with r5 beside the r1 - r2 - r3 - r4 line (linked to
// r1, r2 and r4) and fast reroute backups through it, as an IGP's
// loop-free alternates would give them: r1's route to r4's loopback
// backed up via r5 with r5's label 16004; r2's LSP 16004 backed up via r5
// with the same SID. r5 pops 16004 towards r4 (PHP).
func frrNet(t *testing.T) *testNet {
	n := lspNet(t, dataplane.Impairment{})
	n.router("r5", "p", "10.255.0.5/32")
	n.link("r1", "eth2", "10.1.15.1/30", "r5", "eth0", "10.1.15.2/30", dataplane.Impairment{})
	n.link("r2", "eth2", "10.1.25.1/30", "r5", "eth1", "10.1.25.2/30", dataplane.Impairment{})
	n.link("r5", "eth2", "10.1.45.1/30", "r4", "eth2", "10.1.45.2/30", dataplane.Impairment{})
	r1, r2, r5 := n.r["r1"], n.r["r2"], n.r["r5"]
	r1.Do(func() {
		rib := r1.RIB()
		rib.ReplaceRoutes(ProtoOSPF, "", []Route{{Prefix: pfx("10.255.0.4/32"), Metric: 30, Nexthops: []Nexthop{{Addr: ip("10.1.12.2"), Iface: "eth1",
			Backup: &Nexthop{Addr: ip("10.1.15.2"), Iface: "eth2"}}}}})
		rib.ReplaceFECLabels(ProtoSR, []FECLabel{
			{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.12.2"), OutLabel: 16004},
			{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.15.2"), OutLabel: 16004},
		})
	})
	r2.Do(func() {
		r2.RIB().ReplaceLSPs(ProtoSR, []LSP{
			{InLabel: 16004, FEC: pfx("10.255.0.4/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.23.2"), Iface: "eth1", OutLabel: 16004,
				Backup: &LSPNexthop{Addr: ip("10.1.25.2"), Iface: "eth2", OutLabel: 16004}}}},
			{InLabel: 16001, FEC: pfx("10.255.0.1/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.12.1"), Iface: "eth0", OutLabel: LabelImplicitNull}}},
		})
	})
	r5.Do(func() {
		r5.RIB().ReplaceLSPs(ProtoSR, []LSP{
			{InLabel: 16004, FEC: pfx("10.255.0.4/32"), Nexthops: []LSPNexthop{{Addr: ip("10.1.45.2"), Iface: "eth2", OutLabel: LabelImplicitNull}}},
		})
	})
	n.run()
	return n
}

func TestBackupsAreIdleWhileThePrimaryHasCarrier(t *testing.T) {
	n := frrNet(t)
	caps := sendProbe(t, n)
	checkHops(t, caps, []hopView{
		{"r1-r2", "r1:eth1", []packet.LabelEntry{le(16004, 0, true, 63)}, 63},
		{"r2-r3", "r2:eth1", []packet.LabelEntry{le(16004, 0, true, 62)}, 63},
	})
	for _, l := range []string{"r1-r5", "r2-r5", "r5-r4"} {
		if f := len(caps[l].frames); f != 0 {
			t.Errorf("%s carried %d frames with every primary up", l, f)
		}
	}
}

// An ingress whose primary loses carrier pushes the backup's own label
// (recursively: hB's subnet is a static via r4's loopback) and sends by
// the backup's interface.
func TestIngressSwitchesToTheBackupWhenThePrimaryLosesCarrier(t *testing.T) {
	n := frrNet(t)
	n.links["r1-r2"].SetUp(false)
	caps := sendProbe(t, n)
	checkHops(t, caps, []hopView{
		{"r1-r5", "r1:eth2", []packet.LabelEntry{le(16004, 0, true, 63)}, 63},
		{"r5-r4", "r5:eth2", nil, 62},
	})
	rt, ok := n.r["r1"].RIB().Best("", pfx("10.255.0.4/32"))
	if !ok || len(rt.Nexthops) != 1 || rt.Nexthops[0].Iface != "eth2" {
		t.Errorf("r1's route to r4 after the carrier loss: %+v, want the backup via eth2 in its place", rt)
	}
}

// A transit LSR whose primary loses carrier swaps to the backup's own
// out-label.
func TestTransitSwitchesToTheBackupWhenThePrimaryLosesCarrier(t *testing.T) {
	n := frrNet(t)
	n.links["r2-r3"].SetUp(false)
	caps := sendProbe(t, n)
	checkHops(t, caps, []hopView{
		{"r1-r2", "r1:eth1", []packet.LabelEntry{le(16004, 0, true, 63)}, 63},
		{"r2-r5", "r2:eth2", []packet.LabelEntry{le(16004, 0, true, 62)}, 63},
		{"r5-r4", "r5:eth2", nil, 61},
	})
	var repaired bool
	for _, row := range n.r["r2"].LFIBTable() {
		repaired = repaired || row.InLabel == 16004 && row.Repair && row.Iface == "eth2"
	}
	if !repaired {
		t.Errorf("r2's LFIB does not show 16004 switched to the repair path: %v", n.r["r2"].LFIBTable())
	}
}

func TestTheLFIBShowsEachBackupBesideItsPrimary(t *testing.T) {
	n := frrNet(t)
	text := n.r["r2"].LFIBTable().String()
	if !strings.Contains(text, "16004 (backup 10.1.25.2 eth2 16004)") {
		t.Errorf("r2's LFIB:\n%s\nwant 16004's backup via r5 shown", text)
	}
	n.links["r2-r3"].SetUp(false)
	n.run()
	text = n.r["r2"].LFIBTable().String()
	if !strings.Contains(text, "10.1.25.2  16004 (repair: primary down)") {
		t.Errorf("r2's LFIB after the carrier loss:\n%s\nwant 16004 on the repair path", text)
	}
}

// A backup whose neighbour has given no label, where the primary has one,
// would deliver a VPN packet bare: it is shown but not forwarded by.
func TestABackupWithoutTheLabelItsPrimaryHasCarriesNothing(t *testing.T) {
	n := frrNet(t)
	r1 := n.r["r1"]
	r1.Do(func() {
		r1.RIB().ReplaceFECLabels(ProtoSR, []FECLabel{{Prefix: pfx("10.255.0.4/32"), Nexthop: ip("10.1.12.2"), OutLabel: 16004}})
	})
	rt, _ := r1.RIB().Best("", pfx("10.255.0.4/32"))
	if b := rt.Nexthops[0].Backup; b == nil || b.Iface != "eth2" {
		t.Fatalf("r1's route to r4: %+v, want the backup still shown (LDP learns of it this way)", rt)
	}
	n.links["r1-r2"].SetUp(false)
	c := tap(n.links["r1-r5"])
	must(t, n.r["hA"].SendUDP("", netip.AddrPortFrom(netip.Addr{}, 5000), netip.MustParseAddrPort("10.0.1.2:7"), []byte("hello")))
	n.run()
	if f := c.from("r1:eth2"); len(f) != 0 {
		t.Errorf("r1 sent %d frames by a backup without a label: %x", len(f), f[0])
	}
}
