package lab

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/srte"
	"github.com/intercloud/intercloud/internal/topology"
)

// linkFrames records, per core link of examples/sr-te.yaml, the echo
// requests to one address that cross it, from the MPLS ethertype on:
// the label stack, byte by byte, then the IPv4 header.
type linkFrames struct {
	mu     sync.Mutex
	stacks map[string][][]byte // "pe1-p2" -> each frame's label stack
}

func tapCore(t *testing.T, l *Lab, dst netip.Addr) *linkFrames {
	t.Helper()
	lf := &linkFrames{stacks: map[string][][]byte{}}
	for _, pair := range [][2]string{{"pe1", "p1"}, {"p1", "pe2"}, {"pe1", "p2"}, {"p2", "p3"}, {"p3", "pe2"}, {"pe1", "p4"}, {"p4", "pe2"}} {
		ids, err := l.FindLinks(pair[0], pair[1])
		if err != nil {
			t.Fatal(err)
		}
		name := pair[0] + "-" + pair[1]
		for _, id := range ids {
			remove := l.links[id].AddTap(dataplane.TapFunc(func(_ time.Time, _ *dataplane.Port, f []byte) {
				if stack, ok := echoRequestStack(f, dst); ok {
					lf.mu.Lock()
					lf.stacks[name] = append(lf.stacks[name], stack)
					lf.mu.Unlock()
				}
			}))
			t.Cleanup(remove)
		}
	}
	return lf
}

// echoRequestStack returns the MPLS label stack of an Ethernet frame
// carrying an ICMP echo request to dst (empty when unlabelled).
func echoRequestStack(f []byte, dst netip.Addr) ([]byte, bool) {
	if len(f) < 14 {
		return nil, false
	}
	et, p := binary.BigEndian.Uint16(f[12:14]), 14
	if et == 0x8847 {
		for {
			if len(f) < p+4 {
				return nil, false
			}
			p += 4
			if f[p-2]&1 == 1 { // bottom of stack
				break
			}
		}
	} else if et != 0x0800 {
		return nil, false
	}
	ip := f[p:]
	if len(ip) < 21 || ip[0]>>4 != 4 || ip[9] != 1 || netip.AddrFrom4([4]byte(ip[16:20])) != dst || ip[int(ip[0]&0xf)*4] != 8 {
		return nil, false
	}
	return slices.Clone(f[14:p]), true
}

func (lf *linkFrames) take() map[string][][]byte {
	lf.mu.Lock()
	defer lf.mu.Unlock()
	out := lf.stacks
	lf.stacks = map[string][][]byte{}
	return out
}

// entry is one RFC 3032 label stack entry on the wire.
func entry(label uint32, ttl uint8, bottom bool) []byte {
	v := label<<12 | uint32(ttl)
	if bottom {
		v |= 1 << 8
	}
	return binary.BigEndian.AppendUint32(nil, v)
}

func stack(entries ...[]byte) []byte { return bytes.Join(entries, nil) }

// sid is a node's SID label in the lab's SRGB (every node's is the default).
func sid(t *testing.T, l *Lab, node string) uint32 {
	t.Helper()
	n, ok := l.Node(node)
	if !ok || n.Model.SRIndex < 0 {
		t.Fatalf("%s has no node SID", node)
	}
	return n.Model.SRLabel()
}

func loopback(t *testing.T, l *Lab, node string) netip.Addr {
	t.Helper()
	n, ok := l.Node(node)
	if !ok {
		t.Fatalf("no node %s", node)
	}
	return n.Model.Loopback.Addr()
}

// wantStacks checks that every echo request seen crossed exactly the
// links of want, each with the stack given there.
func wantStacks(t *testing.T, who string, got map[string][][]byte, want map[string][]byte, count int) {
	t.Helper()
	for link, stacks := range got {
		w, ok := want[link]
		if !ok {
			t.Errorf("%s: %d echo requests crossed %s, which is not on its path", who, len(stacks), link)
			continue
		}
		for _, s := range stacks {
			if !bytes.Equal(s, w) {
				t.Errorf("%s on %s: label stack % x, want % x", who, link, s, w)
			}
		}
	}
	for link := range want {
		if len(got[link]) != count {
			t.Errorf("%s: %d echo requests on %s, want %d", who, len(got[link]), link, count)
		}
	}
}

func policy(t *testing.T, l *Lab, color uint32) srte.PolicyView {
	t.Helper()
	ps, err := l.SRPolicies("pe1")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Color == color {
			return p
		}
	}
	t.Fatalf("pe1 has no policy of color %d: %+v", color, ps)
	return srte.PolicyView{}
}

// waitPolicy advances the clock until pe1's policy of color is active on
// the candidate path of preference pref (at most 10 s of lab time).
func waitPolicy(t *testing.T, l *Lab, clk *clock.Virtual, color, pref uint32) srte.PolicyView {
	t.Helper()
	for waited := time.Duration(0); waited < 10*time.Second; waited += 10 * time.Millisecond {
		if p := policy(t, l, color); p.ActivePreference == pref {
			return p
		}
		clk.Advance(10 * time.Millisecond)
	}
	p := policy(t, l, color)
	t.Fatalf("policy color %d: active preference %d after 10 s, want %d: %+v", color, p.ActivePreference, pref, p)
	return p
}

// In examples/sr-te.yaml the IGP prefers pe1-p1-pe2 (cost 20, 40 ms),
// the strict explicit path of red's policy is pe1-p2-p3-pe2 (cost 30,
// 3 ms). Red's echo requests carry pe1's segment list — p3's SID and
// pe2's SID over red's VPN label, p2 being the first hop (nothing pushed
// for it) — and lose a label at each segment's penultimate hop; blue's,
// with no color, carry pe2's SID over blue's VPN label through p1.
func TestRedTakesTheLowLatencyPolicyWithItsSegmentListOnEachLinkAndBlueTheIGPPath(t *testing.T) {
	l, clk := exampleLab(t, "sr-te.yaml")
	p := waitPolicy(t, l, clk, 100, 200)
	pe2, _ := l.Node("pe2")
	red2, blue2 := loopback(t, l, "red2"), loopback(t, l, "blue2")
	p3, sidPE2 := sid(t, l, "p3"), sid(t, l, "pe2")
	if segs := p.Paths[0].Segments; len(segs) != 3 || segs[0].Name != "p2" || segs[1].Label != p3 || segs[2].Label != sidPE2 {
		t.Fatalf("active segment list %+v", segs)
	}

	frames := tapCore(t, l, red2)
	if res := ping(t, l, clk, "red1", "red2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping red1 red2: %+v", res)
	}
	// red1 sends with TTL 64; pe1 routes (63) and copies the TTL into
	// every entry it pushes; each pop copies the decremented TTL down.
	red := pe2.VPNLabel("red")
	wantStacks(t, "red", frames.take(), map[string][]byte{
		"pe1-p2": stack(entry(p3, 63, false), entry(sidPE2, 63, false), entry(red, 63, true)),
		"p2-p3":  stack(entry(sidPE2, 62, false), entry(red, 63, true)),
		"p3-pe2": stack(entry(red, 61, true)),
	}, 3)
	// pe2 steers red's replies onto its own policy back: red's round
	// trip is 2 x 3 ms in the core, blue's 2 x 40 ms.
	redRTT := ping(t, l, clk, "red1", "red2", router.PingOptions{Count: 1}).MinRTT
	blueRTT := ping(t, l, clk, "blue1", "blue2", router.PingOptions{Count: 1}).MinRTT
	if blueRTT-redRTT != 74*time.Millisecond {
		t.Errorf("red's rtt %v, blue's %v: want red 74 ms faster", redRTT, blueRTT)
	}

	blueFrames := tapCore(t, l, blue2)
	if res := ping(t, l, clk, "blue1", "blue2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping blue1 blue2: %+v", res)
	}
	blue := pe2.VPNLabel("blue")
	wantStacks(t, "blue", blueFrames.take(), map[string][]byte{
		"pe1-p1": stack(entry(sidPE2, 63, false), entry(blue, 63, true)),
		"p1-pe2": stack(entry(blue, 62, true)),
	}, 3)
}

// A trace from red1 shows the path of the policy, and p2 quotes the
// segment list it received (RFC 4950): p3's SID, pe2's SID, red's label.
func TestTraceOfASteeredVPNShowsTheSegmentList(t *testing.T) {
	l, clk := exampleLab(t, "sr-te.yaml")
	waitPolicy(t, l, clk, 100, 200)
	pe2, _ := l.Node("pe2")
	tr := trace(t, l, clk, "red1", "red2")
	var names []string
	var atP2 []uint32
	for _, h := range tr.Hops {
		name := l.NameSeenFrom("red1", h.Probes[0].From)
		names = append(names, name)
		if name == "p2" {
			for _, q := range h.Probes[0].Labels {
				atP2 = append(atP2, q.Label)
			}
		}
	}
	if got := strings.Join(names, " "); got != "pe1 p2 p3 pe2 red2" {
		t.Fatalf("trace red1 red2 went %s", got)
	}
	if want := []uint32{sid(t, l, "p3"), sid(t, l, "pe2"), pe2.VPNLabel("red")}; !slices.Equal(atP2, want) {
		t.Fatalf("p2 quoted labels %v, want the segment list and red's label %v", atP2, want)
	}
	tr = trace(t, l, clk, "blue1", "blue2")
	names = names[:0]
	for _, h := range tr.Hops {
		names = append(names, l.NameSeenFrom("blue1", h.Probes[0].From))
	}
	if got := strings.Join(names, " "); got != "pe1 p1 pe2 blue2" {
		t.Fatalf("trace blue1 blue2 went %s", got)
	}
}

// When p2-p3 fails, the strict explicit path is invalid; the policy
// falls back to its next candidate path (dynamic, lowest latency: now
// through p4), red's traffic keeps flowing over it, and the explicit
// path comes back with the link.
func TestAnExplicitPathWhoseLinkFailsFallsBackToTheNextCandidatePath(t *testing.T) {
	l, clk := exampleLab(t, "sr-te.yaml")
	waitPolicy(t, l, clk, 100, 200)
	red2 := loopback(t, l, "red2")
	s, err := l.StartPing("red1", "red2", router.PingOptions{Count: 100, Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if _, err := l.SetLinkUp("p2", "p3", false); err != nil {
		t.Fatal(err)
	}
	await(t, clk, s.Done(), time.Minute)
	res := s.Result()
	if res.Received < 90 {
		t.Fatalf("red's ping across the failure: %d of %d", res.Received, res.Sent)
	}
	t.Logf("red's ping across the failure: %d of %d", res.Received, res.Sent)
	p := waitPolicy(t, l, clk, 100, 100)
	if p.Paths[0].Valid || !strings.Contains(p.Paths[0].Reason, "p3") {
		t.Errorf("explicit path still valid or without a reason: %+v", p.Paths[0])
	}
	if segs := p.Paths[1].Segments; len(segs) != 2 || segs[0].Name != "p4" || segs[1].Name != "pe2" {
		t.Errorf("fallback segment list %+v, want p4 pe2", segs)
	}
	_, text, err := l.Show("pe1", "sr-policy", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + text)
	if !strings.Contains(text, "active candidate path preference 100") {
		t.Errorf("show pe1 sr-policy does not say which path is active:\n%s", text)
	}

	frames := tapCore(t, l, red2)
	if res := ping(t, l, clk, "red1", "red2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping red1 red2 after the failure: %+v", res)
	}
	pe2, _ := l.Node("pe2")
	sidPE2, red := sid(t, l, "pe2"), pe2.VPNLabel("red")
	wantStacks(t, "red after p2-p3 failed", frames.take(), map[string][]byte{
		"pe1-p4": stack(entry(sidPE2, 63, false), entry(red, 63, true)),
		"p4-pe2": stack(entry(red, 62, true)),
	}, 3)

	if _, err := l.SetLinkUp("p2", "p3", true); err != nil {
		t.Fatal(err)
	}
	waitPolicy(t, l, clk, 100, 200)
}

// The policy of color 200 excludes links with affinity leased (p2-p3):
// its lowest-latency path goes through p4, which takes two segments (the
// IGP's own way to pe2 is through p1). Adding the same constraints at
// run time with the IGP metric gives pe1-p1-pe2, one segment.
func TestADynamicPathWithAnExcludedAffinityAvoidsThatLink(t *testing.T) {
	l, clk := exampleLab(t, "sr-te.yaml")
	p := waitPolicy(t, l, clk, 200, 100)
	names := func(hops []netip.Addr) string {
		var s []string
		for _, h := range hops {
			s = append(s, l.NameOf(h))
		}
		return strings.Join(s, " ")
	}
	if got := names(p.Paths[0].Hops); got != "pe1 p4 pe2" {
		t.Errorf("color 200 crosses %s, want pe1 p4 pe2", got)
	}
	if segs := p.Paths[0].Segments; len(segs) != 2 || segs[0].Name != "p4" || segs[1].Label != sid(t, l, "pe2") {
		t.Errorf("color 200 segments %+v", segs)
	}
	// Without the exclusion (color 100's dynamic path) it is p2-p3.
	if got := names(policy(t, l, 100).Paths[1].Hops); got != "pe1 p2 p3 pe2" {
		t.Errorf("color 100's dynamic path crosses %s, want pe1 p2 p3 pe2", got)
	}
	err := l.AddSRPolicy(topology.SRPolicy{Headend: "pe1", Color: 300, Endpoint: "pe2",
		Paths: []topology.SRPath{{Preference: 10, Dynamic: true, Metric: "igp", Exclude: []string{"leased"}}}})
	if err != nil {
		t.Fatal(err)
	}
	p = waitPolicy(t, l, clk, 300, 10)
	if got := names(p.Paths[0].Hops); got != "pe1 p1 pe2" || len(p.Paths[0].Segments) != 1 {
		t.Errorf("color 300 crosses %s with %+v", got, p.Paths[0].Segments)
	}
	if err := l.AddSRPolicy(topology.SRPolicy{Headend: "pe1", Color: 300, Endpoint: "pe2",
		Paths: []topology.SRPath{{Preference: 10, Dynamic: true}}}); err == nil {
		t.Error("a second policy of color 300 to pe2 was accepted")
	}
}

// Deleting red's policy at run time moves red back onto the IGP's path
// (pe2's SID through p1), and blue never moved.
func TestDeletingThePolicyMovesRedBackToTheIGPPath(t *testing.T) {
	l, clk := exampleLab(t, "sr-te.yaml")
	waitPolicy(t, l, clk, 100, 200)
	if err := l.DeleteSRPolicy("pe1", 100, "pe2"); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteSRPolicy("pe1", 100, "pe2"); err == nil {
		t.Error("deleting it twice succeeded")
	}
	red2 := loopback(t, l, "red2")
	pe2, _ := l.Node("pe2")
	sidPE2, red := sid(t, l, "pe2"), pe2.VPNLabel("red")
	for waited := time.Duration(0); ; waited += 10 * time.Millisecond {
		rt, ok := l.nodes["pe1"].Router.RIB().Best("red", netip.PrefixFrom(red2, 32))
		if ok && len(rt.Nexthops) == 1 && !strings.Contains(rt.Info, "sr-policy") {
			break
		}
		if waited > 5*time.Second {
			t.Fatalf("red's route still steered: %+v", rt)
		}
		clk.Advance(10 * time.Millisecond)
	}
	frames := tapCore(t, l, red2)
	if res := ping(t, l, clk, "red1", "red2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping: %+v", res)
	}
	wantStacks(t, "red without its policy", frames.take(), map[string][]byte{
		"pe1-p1": stack(entry(sidPE2, 63, false), entry(red, 63, true)),
		"p1-pe2": stack(entry(red, 62, true)),
	}, 3)
}

// A dynamic path over a link the IGP does not take (the cheap-latency,
// costly one of two parallel links p1-pe2) reaches it by p1's adjacency
// SID: pe1 pushes it over red's VPN label, p1 pops it and sends out that
// link, byte by byte.
func TestAnAdjacencySIDPinsTheLinkTheIGPWouldNotTake(t *testing.T) {
	res, err := topology.Load("adj.yaml", []byte(`
defaults: {asn: 65000, label_mode: sr}
nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
  red1: {role: ce}
  red2: {role: ce}
links:
  - {a: pe1, b: p1, cost: 10, latency: 1ms}
  - {a: p1, b: pe2, cost: 10, latency: 20ms}
  - {a: p1, b: pe2, cost: 100, latency: 1ms}
  - red1-pe1
  - red2-pe2
vpns:
  red: {sites: [red1, red2], color: 7}
sr-policies:
  pe1:
    - {color: 7, endpoint: pe2, paths: [{preference: 1, dynamic: {metric: latency}}]}
`))
	if err != nil {
		t.Fatal(err)
	}
	l, clk := runLab(t, res.Model)
	p := waitPolicy(t, l, clk, 7, 1)
	if segs := p.Paths[0].Segments; len(segs) != 2 || segs[0].Name != "p1" || !segs[1].Adjacency {
		t.Fatalf("segments %+v", segs)
	}
	fastIf := res.Model.Links[2].A.Interface
	var fastAddr netip.Addr
	for _, ifc := range res.Model.Node("p1").Interfaces {
		if ifc.Name == fastIf {
			fastAddr = ifc.Addr.Addr()
		}
	}
	p1, _ := l.Node("p1")
	var adj uint32
	p1.Router.Do(func() {
		for _, a := range p1.IGP.AdjSIDs() {
			if a.Local && a.IfAddr == fastAddr {
				adj = a.Label
			}
		}
	})
	if adj == 0 || p.Paths[0].Segments[1].Label != adj {
		t.Fatalf("p1's adjacency SID on %s is %d; the policy pushes %+v", fastIf, adj, p.Paths[0].Segments[1])
	}

	red2 := loopback(t, l, "red2")
	frames := &linkFrames{stacks: map[string][][]byte{}}
	for i, name := range []string{"pe1-p1", "p1-pe2 slow", "p1-pe2 fast"} {
		remove := l.links[i].AddTap(dataplane.TapFunc(func(_ time.Time, _ *dataplane.Port, f []byte) {
			if stack, ok := echoRequestStack(f, red2); ok {
				frames.mu.Lock()
				frames.stacks[name] = append(frames.stacks[name], stack)
				frames.mu.Unlock()
			}
		}))
		t.Cleanup(remove)
	}
	if res := ping(t, l, clk, "red1", "red2", router.PingOptions{Count: 3, Interval: 10 * time.Millisecond}); res.Received != 3 {
		t.Fatalf("ping red1 red2: %+v", res)
	}
	pe2, _ := l.Node("pe2")
	red := pe2.VPNLabel("red")
	wantStacks(t, "red", frames.take(), map[string][]byte{
		"pe1-p1":      stack(entry(adj, 63, false), entry(red, 63, true)),
		"p1-pe2 fast": stack(entry(red, 62, true)),
	}, 3)
}
