package lab

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
)

// TestLinkFailureReroutes pings ce1 -> ce2 every 10 ms while both of
// pe1's core links but one fail: the IGP reconverges, LDP repairs the LSP
// and traffic resumes on the surviving path; replies stop only briefly.
func TestLinkFailureReroutes(t *testing.T) {
	l, clk := seedLab(t)
	frames := tapAll(t, l)
	s, err := l.StartPing("ce1", "ce2", router.PingOptions{Count: 200, Interval: 10 * time.Millisecond, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(500 * time.Millisecond)
	if _, err := l.SetLinkUp("pe1", "p1", false); err != nil {
		t.Fatal(err)
	}
	await(t, clk, s.Done(), time.Minute)
	res := s.Result()
	lost := res.Sent - res.Received
	if res.Received < 150 || lost == 0 {
		t.Fatalf("sent %d received %d: want a short outage, then recovery", res.Sent, res.Received)
	}
	last := res.Replies[len(res.Replies)-1]
	if last.Lost || last.Error != "" {
		t.Fatalf("last reply %+v: traffic did not resume", last)
	}
	// After the failure pe1 can only use p2.
	var viaP1 bool
	for _, f := range frames() {
		if f.from == "pe1:eth1" && f.d.ICMP != nil && f.d.ICMP.Type == 8 && f.d.ICMP.Seq > 150 {
			viaP1 = true
		}
	}
	if viaP1 {
		t.Error("echo requests still left pe1 by the failed link")
	}
	var sawDown, sawSPF bool
	for _, e := range l.Events(epoch) {
		sawDown = sawDown || e.Kind == "adjacency-down"
		sawSPF = sawSPF || e.Kind == "spf"
	}
	if !sawDown || !sawSPF {
		t.Errorf("events lack adjacency-down (%v) or spf (%v)", sawDown, sawSPF)
	}
	t.Logf("lost %d of %d echo requests (10 ms apart) while reconverging", lost, res.Sent)
}

// TestSRLabTrace runs the three-cloud example in SR-MPLS mode: a trace
// from pe1 to pe3's loopback (both in the global table: ce1 is a VPN site
// and reaches no PE loopback), across p1 (an ABR) into area 1, shows pe3's
// node SID (16000 + 1003) at both P routers inside the LSP; p3, the
// penultimate hop, would pop it.
func TestSRLabTrace(t *testing.T) {
	l, clk := exampleLab(t, "three-clouds.yaml")
	tr := trace(t, l, clk, "pe1", "pe3")
	var quoted []router.MPLSLabel
	var names []string
	for _, h := range tr.Hops {
		names = append(names, l.NameOf(h.Probes[0].From))
		quoted = append(quoted, h.Probes[0].Labels...)
	}
	if !tr.Reached || strings.Join(names, " ") != "p1 p3 pe3" || len(quoted) != 2 {
		t.Fatalf("trace pe1 -> pe3: hops %v labels %v", names, quoted)
	}
	for _, q := range quoted {
		if q.Label != 17003 || q.TTL != 1 || !q.S {
			t.Errorf("quoted %v, want MPLS Label=17003 CoS=0 TTL=1 S=1", q)
		}
	}
}

// TestCaptureDecodesInTshark captures a ping through the tenant VPN on
// pe1's core link and has tshark (Wireshark's decoder, from Debian) read
// the MPLS label stacks: transport label, then VPN label.
func TestCaptureDecodesInTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (scripts/test installs it)")
	}
	l, clk := seedLab(t)
	// Leave pe1 one way to pe2, through p1, so the echo requests are
	// labelled on the captured link.
	if _, err := l.SetLinkUp("pe1", "p2", false); err != nil {
		t.Fatal(err)
	}
	clk.Advance(2 * time.Second)
	f := filepath.Join(t.TempDir(), "core.pcap")
	out, err := os.Create(f)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	ctx, cancel := contextWithCancel()
	written := &countingWriter{w: out}
	go func() {
		n, _ := l.Capture(ctx, "pe1", "p1", written, 0, 0)
		done <- n
	}()
	// Capture says nothing when its tap is on, and buffers 4 KiB: unlabelled
	// 1400-byte pings from pe1 to its neighbour p1 (not what is counted
	// below) cross the link until the capture spills into the file.
	testpeer.WaitFor(t, 30*time.Second, "the capture to see a sentinel ping", func() bool {
		ping(t, l, clk, "pe1", "p1", router.PingOptions{Count: 1, Size: 1400})
		return written.n.Load() > 0
	})
	if res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 4, Interval: 10 * time.Millisecond}); res.Received != 4 {
		t.Fatalf("ping: %+v", res)
	}
	cancel()
	var n int
	select {
	case n = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("capture did not stop")
	}
	out.Close()
	if n == 0 {
		t.Fatal("captured nothing")
	}
	cmd := exec.Command(tshark, "-n", "-r", f, "-T", "fields", "-e", "mpls.label", "-e", "icmp.type")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	b, err := runBounded(cmd, 3*time.Minute)
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, b)
	}
	pe2, _ := l.Node("pe2")
	want := fmt.Sprintf("%d,%d\t8", localLabel(t, l, "p1", pe2.Model.Loopback), pe2.VPNLabel("tenant"))
	if got := strings.Count(string(b), want+"\n"); got != 4 {
		t.Fatalf("tshark decoded %d echo requests labelled %q, want 4:\n%s", got, want, b)
	}
}
