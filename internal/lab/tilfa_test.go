package lab

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// ringLab is RFC 7490's example as a lab: five P routers in a ring with
// equal costs, pe1 on p1 and pe2 on p2, a CE behind each in a VPN. p1's
// only other neighbour, p5, reaches pe2 back through p1: no loop-free
// alternate protects the link p1-p2. Node SID index = the router's number
// (pe1 11, pe2 12).
func ringLab(tb testing.TB, mode string, frr bool) *topology.Model {
	tb.Helper()
	y := "name: ring\ndefaults:\n  asn: 65000\n  label_mode: " + mode + "\n"
	if !frr {
		y += "  frr: false\n"
	}
	y += "nodes:\n"
	for i := 1; i <= 5; i++ {
		y += fmt.Sprintf("  p%d: {role: p, sr_index: %d%s}\n", i, i, map[bool]string{true: ", rr: true"}[i == 4])
	}
	y += "  pe1: {role: pe, sr_index: 11}\n  pe2: {role: pe, sr_index: 12}\n  ce1: {role: ce}\n  ce2: {role: ce}\nlinks:\n"
	for i := 1; i <= 5; i++ {
		y += fmt.Sprintf("  - {a: p%d, b: p%d, latency: 1ms}\n", i, i%5+1)
	}
	y += "  - {a: pe1, b: p1, latency: 1ms}\n  - {a: pe2, b: p2, latency: 1ms}\n  - ce1-pe1\n  - ce2-pe2\n"
	y += "vpns:\n  tenant:\n    sites: [ce1, ce2]\n"
	res, err := topology.Load("ring.yaml", []byte(y))
	if err != nil {
		tb.Fatal(err)
	}
	return res.Model
}

// ringFailover pings ce1 -> ce2 every millisecond in lab m with the IGP
// held spfDelay after a change, fails the link p1-p2 200 ms in and runs
// until the train ends. watch, if set, runs just before the failure, end
// after the train.
func ringFailover(tb testing.TB, m *topology.Model, spfDelay time.Duration, watch func(l *Lab, at time.Time), end func(l *Lab)) failoverResult {
	tb.Helper()
	timers := DefaultIGPTimers
	timers.SPFDelay = spfDelay
	clk := clock.NewVirtual(epoch)
	l, err := New(m, Options{Clock: clk, IGPTimers: timers})
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	l.Start()
	if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		tb.Fatalf("not ready after %v: %+v", took, c)
	}
	ids, err := l.FindLinks("p1", "p2")
	if err != nil || len(ids) != 1 {
		tb.Fatalf("link p1-p2: %v %v", ids, err)
	}
	link := l.links[ids[0]]
	s, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 1000, Interval: time.Millisecond, Timeout: time.Second})
	if err != nil {
		tb.Fatal(err)
	}
	clk.Advance(200 * time.Millisecond)
	if watch != nil {
		watch(l, clk.Now())
	}
	a, b := link.A(), link.B()
	txA, txB := a.Stats().TxFrames, b.Stats().TxFrames
	if _, err := l.SetLinkUp("p1", "p2", false); err != nil {
		tb.Fatal(err)
	}
	for j := 0; j < 10_000 && !done(s.Done()); j++ {
		clk.Advance(time.Millisecond)
	}
	if !done(s.Done()) {
		tb.Fatal("the ping train never finished")
	}
	if end != nil {
		end(l)
	}
	r := s.Result()
	res := failoverResult{lost: r.Sent - r.Received, plr: "p1"}
	res.inFlight = int(txA-b.Stats().RxFrames) + int(txB-a.Stats().RxFrames)
	res.gap = longestGap(r)
	return res
}

// hopLabels records, per ring link and direction, the label stacks of
// the echo requests (ce1 -> ce2) crossing it before one moment and after
// another (those in between are neither).
type hopLabels struct {
	mu          sync.Mutex
	until, from time.Time
	before      map[string][]string
	after       map[string][]string
}

func (h *hopLabels) tap(l *Lab, a, b string) func() {
	ids, _ := l.FindLinks(a, b)
	return l.links[ids[0]].AddTap(dataplane.TapFunc(func(at time.Time, from *dataplane.Port, raw []byte) {
		d, err := packet.Decode(raw)
		if err != nil || d.ICMP == nil || d.ICMP.Type != 8 {
			return
		}
		src := strings.SplitN(from.Name(), ":", 2)[0]
		dst := a
		if src == a {
			dst = b
		}
		var st []string
		for _, e := range d.Labels {
			st = append(st, fmt.Sprintf("%d/S=%v/TTL=%d/TC=%d", e.Label(), e.Bottom(), e.TTL(), e.TC()))
		}
		k := src + "->" + dst
		h.mu.Lock()
		defer h.mu.Unlock()
		var m map[string][]string
		switch {
		case at.Before(h.until):
			if h.before == nil {
				h.before = map[string][]string{}
			}
			m = h.before
		case !at.Before(h.from):
			if h.after == nil {
				h.after = map[string][]string{}
			}
			m = h.after
		default:
			return
		}
		if v := strings.Join(st, " "); len(m[k]) == 0 || m[k][len(m[k])-1] != v {
			m[k] = append(m[k], v)
		}
	}))
}

// The ring's link p1-p2 fails under a ping a millisecond, the IGP held
// 100 ms: p1 sends the requests round the ring at once on TI-LFA's repair
// path. Its labels are checked on every link: on p1->p5 p3's node SID
// (the P node, as p5 reads it) over pe2's SID (as p3 reads it) over pe2's
// VPN label; p5 swaps p3's SID, p4 pops it (PHP), p3 swaps pe2's SID, p2
// pops it. No ping is lost beyond the frames on the failed link. Once the
// IGP has reconverged p1 routes along that same path with pe2's SID
// alone, and p1 has no backup for pe2 left (its other neighbour is pe1).
func TestTILFAKeepsTheRingsTrafficOnThePostConvergencePathWithTheExactLabelsOnEveryLink(t *testing.T) {
	const hold = 100 * time.Millisecond
	m := ringLab(t, "sr", true)
	h := &hopLabels{}
	var vpn uint32
	res := ringFailover(t, m, hold, func(l *Lab, at time.Time) {
		// The IGP runs hold after the failure; the frames on the ring
		// then (a few milliseconds' worth) may go either way.
		h.until, h.from = at.Add(hold), at.Add(hold+20*time.Millisecond)
		pe2, _ := l.Node("pe2")
		vpn = pe2.VPNLabel("tenant")
		for _, k := range [][2]string{{"p1", "p5"}, {"p5", "p4"}, {"p4", "p3"}, {"p3", "p2"}, {"p2", "pe2"}} {
			t.Cleanup(h.tap(l, k[0], k[1]))
		}
		data, text, err := l.Show("p1", "frr", "")
		if err != nil {
			t.Fatal(err)
		}
		var cover string
		for _, row := range data.(FRRReport).Rows {
			if row.Prefix == l.Model.Node("pe2").Loopback {
				cover = fmt.Sprintf("%s %s %v", row.Repair, row.Protection, row.BackupLabels)
			}
		}
		if cover != "ti-lfa link [16003 16012]" {
			t.Errorf("p1's cover for pe2 before the failure: %q, want ti-lfa link [16003 16012]\n%s", cover, text)
		}
	}, func(l *Lab) {
		data, text, err := l.Show("p1", "frr", "")
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, row := range data.(FRRReport).Rows {
			if row.Prefix == l.Model.Node("pe2").Loopback {
				rows = append(rows, fmt.Sprintf("%s backup=%v", row.Iface, row.Backup.IsValid()))
			}
		}
		if want := ifaceTo(l, "p1", "p5") + " backup=false"; len(rows) != 1 || rows[0] != want {
			t.Errorf("after reconvergence p1's cover for pe2: %v, want %q (pe1, its other neighbour, reaches pe2 only through p1)\n%s", rows, want, text)
		}
	})
	if res.inFlight == 0 || res.lost > res.inFlight {
		t.Errorf("lost %d pings with %d frames in flight on the failed link: want no loss beyond those", res.lost, res.inFlight)
	}
	t.Logf("p1 repaired: %d pings lost, %d frames in flight, longest gap %v", res.lost, res.inFlight, res.gap)
	// Each label as label/S/TTL/TC: pe1 pushed pe2's SID and the VPN label
	// with TTL 63; every hop after decrements the top one, p1's push
	// copies its swap's TTL, a pop hands the TTL down (uniform model).
	lbl := func(l uint32, ttl int) string { return fmt.Sprintf("%d/S=false/TTL=%d/TC=0 ", l, ttl) }
	v := fmt.Sprintf("%d/S=true/TTL=63/TC=0", vpn)
	wantRepair := map[string]string{
		"p1->p5":  lbl(16003, 62) + lbl(16012, 62) + v,
		"p5->p4":  lbl(16003, 61) + lbl(16012, 62) + v,
		"p4->p3":  lbl(16012, 60) + v,
		"p3->p2":  lbl(16012, 59) + v,
		"p2->pe2": fmt.Sprintf("%d/S=true/TTL=58/TC=0", vpn),
	}
	// After reconvergence: the same links, the same hop count, pe2's SID
	// alone.
	wantAfter := map[string]string{
		"p1->p5":  lbl(16012, 62) + v,
		"p5->p4":  lbl(16012, 61) + v,
		"p4->p3":  lbl(16012, 60) + v,
		"p3->p2":  lbl(16012, 59) + v,
		"p2->pe2": wantRepair["p2->pe2"],
	}
	for k, w := range wantRepair {
		if got := h.before[k]; len(got) != 1 || got[0] != w {
			t.Errorf("requests on %s on the repair path: %q, want only %q", k, got, w)
		}
		if got := h.after[k]; len(got) != 1 || got[0] != wantAfter[k] {
			t.Errorf("requests on %s after reconvergence: %q, want only %q", k, got, wantAfter[k])
		}
	}
}

// The same failure in the ring without fast reroute loses the IGP hold.
func TestWithoutTILFATheRingLosesTheIGPHold(t *testing.T) {
	res := ringFailover(t, ringLab(t, "sr", false), 100*time.Millisecond, nil, nil)
	if res.lost < res.inFlight+50 {
		t.Errorf("frr off: lost %d pings with %d frames in flight, want the 100 ms hold lost too", res.lost, res.inFlight)
	}
}

// ifaceTo is the name of node's interface towards peer.
func ifaceTo(l *Lab, node, peer string) string {
	for _, i := range l.Model.Node(node).Interfaces {
		if i.Peer == peer {
			return i.Name
		}
	}
	return ""
}

// upRing starts a ring lab on the virtual clock and waits until it is ready.
func upRing(t *testing.T, mode string) *Lab {
	t.Helper()
	clk := clock.NewVirtual(epoch)
	l, err := New(ringLab(t, mode, true), Options{Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	l.Start()
	if c, took, ok := l.WaitReady(10*time.Second, 10*time.Millisecond, func(d time.Duration) { clk.Advance(d) }); !ok {
		t.Fatalf("not ready after %v: %+v", took, c)
	}
	return l
}

// show NODE frr says how each destination is covered: in the SR ring
// every one of p1's but single-homed pe1, pe2 by TI-LFA with its repair list and the labels
// pushed; show NODE lfib has the same stack on the backup of pe2's SID,
// and show NODE sr the adjacency SIDs. With LDP, which has no repair
// lists, pe2 is protected by a remote LFA to PQ node p3, and the link
// subnets beyond p2, which LDP does not label, are unprotected.
func TestShowFRRNamesTheRepairListOfATILFABackup(t *testing.T) {
	l := upRing(t, "sr")
	p3 := l.Model.Node("p3").RouterID
	data, text, err := l.Show("p1", "frr", "")
	if err != nil {
		t.Fatal(err)
	}
	// All but pe1's loopback, behind p1's one link to pe1.
	r := data.(FRRReport)
	if r.Destinations == 0 || r.Protected != r.Destinations-1 || r.ByRepair["ti-lfa"] == 0 || r.Unprotected["no path avoids the link"] != 1 {
		t.Errorf("SR ring: p1 protects %d of %d destinations (%v; unprotected %v), want all but pe1, by TI-LFA:\n%s", r.Protected, r.Destinations, r.ByRepair, r.Unprotected, text)
	}
	want := fmt.Sprintf("ti-lfa [node %s (16003)] push 16003/16012", p3)
	if !strings.Contains(text, want) {
		t.Errorf("show p1 frr lacks %q:\n%s", want, text)
	}
	_, lfib, err := l.Show("p1", "lfib", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lfib, "16003/16012)") {
		t.Errorf("show p1 lfib has no backup pushing 16003 over 16012:\n%s", lfib)
	}
	_, sr, err := l.Show("p1", "sr", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sr, "Adjacency SID") || !strings.Contains(sr, "(local: pop)") {
		t.Errorf("show p1 sr lists no adjacency SIDs:\n%s", sr)
	}

	l = upRing(t, "ldp")
	data, text, err = l.Show("p1", "frr", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("rlfa (PQ %s)", p3); !strings.Contains(text, want) {
		t.Errorf("LDP ring: show p1 frr lacks %q:\n%s", want, text)
	}
	// LDP labels host routes only: a link subnet beyond p2 has no tunnel.
	if want := "LDP labels no tunnel to a PQ node for it (not a /32)"; !strings.Contains(text, want) {
		t.Errorf("LDP ring: show p1 frr does not say why the link subnets are unprotected (%q):\n%s", want, text)
	}
}

// The same failure with LDP: p1 has no loop-free alternate for pe2, but
// p3 is a remote LFA's PQ node, with which p1 keeps a targeted LDP
// session (its hellos and messages routed through the ring). On the
// repair path p1 pushes p5's label for p3's loopback over p3's label for
// pe2 (learned over the targeted session) over pe2's VPN label; p5 swaps
// the tunnel label to p4's, p4 pops it, p3 swaps to p2's label for pe2,
// p2 pops. No ping is
// lost beyond the frames on the failed link; after reconvergence p1
// sends pe2's traffic the same way with p5's label for pe2 alone.
func TestRemoteLFAKeepsTheLDPRingsTrafficFlowingThroughATargetedSessionToThePQNode(t *testing.T) {
	const hold = 100 * time.Millisecond
	h := &hopLabels{}
	var vpn uint32
	label := map[string]uint32{} // "router:fec node": the router's label for the node's loopback
	res := ringFailover(t, ringLab(t, "ldp", true), hold, func(l *Lab, at time.Time) {
		h.until, h.from = at.Add(hold), at.Add(hold+20*time.Millisecond)
		pe2, _ := l.Node("pe2")
		vpn = pe2.VPNLabel("tenant")
		for _, k := range [][2]string{{"p5", "p3"}, {"p4", "p3"}, {"p3", "pe2"}, {"p2", "pe2"}, {"p5", "pe2"}, {"p4", "pe2"}} {
			label[k[0]+":"+k[1]] = localLabel(t, l, k[0], l.Model.Node(k[1]).Loopback)
		}
		for _, k := range [][2]string{{"p1", "p5"}, {"p5", "p4"}, {"p4", "p3"}, {"p3", "p2"}, {"p2", "pe2"}} {
			t.Cleanup(h.tap(l, k[0], k[1]))
		}
		// The targeted session, seen from both ends.
		for _, x := range [][2]string{{"p1", "p3"}, {"p3", "p1"}} {
			data, text, err := l.Show(x[0], "ldp neighbors", "")
			if err != nil {
				t.Fatal(err)
			}
			ok := false
			for _, n := range data.([]ldp.Neighbor) {
				ok = ok || n.LSRID == l.Model.Node(x[1]).RouterID && n.Targeted && n.State == ldp.StateOperational && len(n.Interfaces) == 0
			}
			if !ok {
				t.Errorf("%s has no operational targeted session with %s:\n%s", x[0], x[1], text)
			}
		}
	}, nil)
	if res.inFlight == 0 || res.lost > res.inFlight {
		t.Errorf("lost %d pings with %d frames in flight on the failed link: want no loss beyond those", res.lost, res.inFlight)
	}
	t.Logf("p1 repaired: %d pings lost, %d frames in flight, longest gap %v", res.lost, res.inFlight, res.gap)
	lbl := func(k string, ttl int) string { return fmt.Sprintf("%d/S=false/TTL=%d/TC=0 ", label[k], ttl) }
	v := fmt.Sprintf("%d/S=true/TTL=63/TC=0", vpn)
	last := fmt.Sprintf("%d/S=true/TTL=58/TC=0", vpn)
	wantRepair := map[string]string{
		"p1->p5":  lbl("p5:p3", 62) + lbl("p3:pe2", 62) + v,
		"p5->p4":  lbl("p4:p3", 61) + lbl("p3:pe2", 62) + v,
		"p4->p3":  lbl("p3:pe2", 60) + v,
		"p3->p2":  lbl("p2:pe2", 59) + v,
		"p2->pe2": last,
	}
	wantAfter := map[string]string{
		"p1->p5":  lbl("p5:pe2", 62) + v,
		"p5->p4":  lbl("p4:pe2", 61) + v,
		"p4->p3":  lbl("p3:pe2", 60) + v,
		"p3->p2":  lbl("p2:pe2", 59) + v,
		"p2->pe2": last,
	}
	for k, w := range wantRepair {
		if got := h.before[k]; len(got) != 1 || got[0] != w {
			t.Errorf("requests on %s on the repair path: %.300q, want only %q", k, got, w)
		}
		if got := h.after[k]; len(got) != 1 || got[0] != wantAfter[k] {
			t.Errorf("requests on %s after reconvergence: %.300q, want only %q", k, got, wantAfter[k])
		}
	}
}
