package igp_test

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/router"
)

// srAreasYAML: e1 (area 1) - abr (0|1) - c (0) - e0 (0), SR everywhere,
// node SID index = the number in the loopback's last octet.
const srAreasYAML = `
name: sr-areas
defaults: {asn: 65000, label_mode: sr}
nodes:
  e1: {role: pe, loopback: 10.255.0.1, sr_index: 1, area: 1}
  abr: {role: p, loopback: 10.255.0.2, sr_index: 2, area: 0}
  c: {role: p, loopback: 10.255.0.3, sr_index: 3, area: 0}
  e0: {role: pe, loopback: 10.255.0.4, sr_index: 4, area: 0}
links:
  - {a: e1, b: abr, subnet: 10.0.1.0/31, area: 1}
  - {a: abr, b: c, subnet: 10.0.2.0/31, area: 0}
  - {a: c, b: e0, subnet: 10.0.3.0/31, area: 0}
`

// lfib renders a router's SR LFIB as "in->out@peer" lines sorted, with
// "pop" for implicit null, for comparing with a hand-written table.
func (l *lab) lfib(node string, proto router.Protocol) string {
	var rows []string
	for _, lsp := range l.net.Router(node).Table().LSPs(proto) {
		if !lsp.FEC.IsValid() {
			continue // an adjacency SID (TestAdjacencySIDs...)
		}
		var outs []string
		for _, h := range lsp.Nexthops {
			outs = append(outs, fmt.Sprintf("%s@%s", label(h.OutLabel), l.peerOf(node, h.Iface)))
		}
		slices.Sort(outs)
		rows = append(rows, fmt.Sprintf("%d %s->%s", lsp.InLabel, lsp.FEC, strings.Join(outs, ",")))
	}
	slices.Sort(rows)
	return strings.Join(rows, "\n")
}

func label(l uint32) string {
	if l == router.LabelImplicitNull {
		return "pop"
	}
	return fmt.Sprint(l)
}

// peerOf names the router at the other end of node's interface.
func (l *lab) peerOf(node, iface string) string {
	for _, i := range l.m.Node(node).Interfaces {
		if i.Name == iface {
			return i.Peer
		}
	}
	return "?" + iface
}

func lines(s ...string) string {
	slices.Sort(s)
	return strings.Join(s, "\n")
}

// TestSRAcrossABR checks every node's SR LFIB against the table worked out
// by hand: in-label 16000+index, swap to the same label, pop at the
// penultimate hop. The ABR propagates c's and e0's SIDs into area 1 with
// the NP flag (e1 swaps towards abr, it does not pop), but its own SID
// without it (e1 pops before abr).
func TestSRAcrossABR(t *testing.T) {
	l := newLab(t, load(t, srAreasYAML), nil)
	l.settle(10 * time.Second)
	want := map[string]string{
		"e1": lines(
			"16002 10.255.0.2/32->pop@abr",
			"16003 10.255.0.3/32->16003@abr",
			"16004 10.255.0.4/32->16004@abr"),
		"abr": lines(
			"16001 10.255.0.1/32->pop@e1",
			"16003 10.255.0.3/32->pop@c",
			"16004 10.255.0.4/32->16004@c"),
		"c": lines(
			"16001 10.255.0.1/32->16001@abr",
			"16002 10.255.0.2/32->pop@abr",
			"16004 10.255.0.4/32->pop@e0"),
		"e0": lines(
			"16001 10.255.0.1/32->16001@c",
			"16002 10.255.0.2/32->16002@c",
			"16003 10.255.0.3/32->pop@c"),
	}
	for node, w := range want {
		if got := l.lfib(node, router.ProtoSR); got != w {
			t.Errorf("%s SR LFIB:\n%s\nwant:\n%s", node, got, w)
		}
	}
	// Ingress: e1 pushes 16004 towards e0's loopback, nothing towards abr's.
	checkFEC(t, l, "e1", l.lo("e0"), l.addr("abr", "e1"), 16004)
	checkFEC(t, l, "e1", l.lo("abr"), l.addr("abr", "e1"), router.LabelImplicitNull)
	checkFEC(t, l, "e0", l.lo("e1"), l.addr("c", "e0"), 16001)

	// The show data: e1 knows four SIDs, its own as local.
	var b []igp.SRBinding
	l.net.Router("e1").Do(func() { b = l.igp["e1"].SRBindings() })
	if len(b) != 4 || !b[0].Local || b[0].Label != 16001 || b[2].Type != igp.InterArea || b[2].AdvRouters[0] != l.lo("abr").Addr() {
		t.Errorf("e1 SR bindings = %+v", b)
	}
	// The ABR's extended prefix LSAs in area 1: its own without NP, c's with.
	var flags = map[netip.Prefix][]string{}
	l.net.Router("e1").Do(func() {
		for _, s := range l.igp["e1"].DatabaseDetail() {
			for _, lsa := range s.LSAs {
				if lsa.Detail != nil && lsa.Detail.PrefixSID != nil && lsa.AdvRouter == l.lo("abr").Addr() {
					flags[lsa.Route] = lsa.Detail.PrefixSID.Flags
				}
			}
		}
	})
	if !slices.Equal(flags[l.lo("abr")], []string{"N"}) || !slices.Equal(flags[l.lo("c")], []string{"NP", "N"}) {
		t.Errorf("abr's prefix SIDs in area 1: %v", flags)
	}
}

func checkFEC(t *testing.T, l *lab, node string, p netip.Prefix, nh netip.Addr, want uint32) {
	t.Helper()
	got := l.net.Router(node).Table().FECLabelsFor(router.ProtoSR, p)
	if len(got) != 1 || got[0].Nexthop != nh || got[0].OutLabel != want {
		t.Errorf("%s FEC labels for %s = %+v, want %s via %s", node, p, got, label(want), nh)
	}
}

// TestSRECMPAndMixed: in the equal-cost square every SR LSP has both
// first hops; when r3 runs LDP only, SR traffic to r4 avoids it, and r3
// has no SR LFIB at all.
func TestSRECMPAndMixed(t *testing.T) {
	srSquare := strings.Replace(squareYAML(10, 10, 10, 10), "defaults: {asn: 65000}", "defaults: {asn: 65000, label_mode: sr}", 1)
	t.Run("all SR", func(t *testing.T) {
		l := newLab(t, load(t, srSquare), nil)
		l.settle(5 * time.Second)
		idx := l.m.Node("r4").SRIndex
		in := 16000 + idx
		want := fmt.Sprintf("%d %s->%d@r2,%d@r3", in, l.lo("r4"), in, in)
		if got := l.lfib("r1", router.ProtoSR); !strings.Contains(got, want) {
			t.Errorf("r1 SR LFIB:\n%s\nwant a line %s", got, want)
		}
		// r2 is r4's penultimate hop: pop.
		if got := l.lfib("r2", router.ProtoSR); !strings.Contains(got, fmt.Sprintf("%d %s->pop@r4", in, l.lo("r4"))) {
			t.Errorf("r2 SR LFIB:\n%s", got)
		}
	})
	t.Run("r3 LDP only", func(t *testing.T) {
		l := newLab(t, load(t, srSquare), func(name string, c *igp.Config) {
			if name == "r3" {
				c.SR = false
			}
		})
		l.settle(5 * time.Second)
		in := 16000 + l.m.Node("r4").SRIndex
		want := fmt.Sprintf("%d %s->%d@r2", in, l.lo("r4"), in)
		if got := l.lfib("r1", router.ProtoSR); !strings.Contains(got, want+"\n") && !strings.HasSuffix(got, want) {
			t.Errorf("r1 SR LFIB:\n%s\nwant a line %s", got, want)
		}
		if got := l.lfib("r3", router.ProtoSR); got != "" {
			t.Errorf("r3 (LDP only) has SR LSPs:\n%s", got)
		}
		// r3's loopback has no SID: nobody has an SR LSP for it.
		if _, ok := l.net.Router("r1").Table().LSP(router.ProtoSR, l.lo("r3")); ok {
			t.Errorf("r1 has an SR LSP to LDP-only r3")
		}
		// r1 still routes IP to r4 over both.
		l.want("r1", l.lo("r4"), 20, "r2", "r3")
	})
}
