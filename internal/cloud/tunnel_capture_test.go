package cloud

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The seed lab's option 3 on the wire: ce1 pings a VM of a BGPVPN on a
// cloud3 compute, and the frames on the compute's underlay link are
// MPLS-in-UDP that tshark decodes as ip:udp:mpls:ip:icmp — pe1's VPN
// traffic crosses the cloud's plain-IP underlay in RFC 7510 tunnels, with
// the compute's VPN label inside.
func TestTheComputesUnderlayCarriesMPLSInUDPThatTsharkDecodes(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: apt-get install tshark (scripts/test installs it)")
	}
	e := start(t, loadModel(t, ""), t.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	e.until("ce1 learns the VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	ce1 := e.m.Node("ce1").Loopback
	e.until("the compute imports ce1's loopback", 5*time.Second, func() bool { return e.has(vm.host, "blue", ce1) })

	// Capture two frames on the compute's link to the cloud's node: an
	// echo request and a reply, tunnelled. The capture's tap goes on in
	// its goroutine; pings go until it has its two frames.
	var pcap bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := e.lab.Capture(ctx, vm.host, "cloud3", &pcap, 0, 2)
		done <- err
	}()
	var capErr error
	captured := false
	for i := 0; i < 200 && !captured; i++ {
		e.ping("ce1", vm.addr.String(), 1)
		select {
		case capErr = <-done:
			captured = true
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !captured {
		t.Fatal("no two frames captured on the compute's underlay link after 200 pings")
	}
	if capErr != nil {
		t.Fatal(capErr)
	}
	path := filepath.Join(t.TempDir(), "underlay.pcap")
	if err := os.WriteFile(path, pcap.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer tcancel()
	cmd := exec.CommandContext(tctx, tshark, "-n", "-r", path, "-T", "fields", "-E", "separator=|",
		"-e", "frame.protocols", "-e", "udp.dstport", "-e", "mpls.label", "-e", "mpls.bottom", "-e", "icmp.type")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	t.Logf("tshark -e frame.protocols -e udp.dstport -e mpls.label -e mpls.bottom -e icmp.type:\n%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("tshark printed %d frames, want 2", len(lines))
	}
	types := map[string]bool{}
	for _, l := range lines {
		f := strings.Split(l, "|")
		if len(f) != 5 || f[0] != "eth:ethertype:ip:udp:mpls:ip:icmp:data" || f[1] != "6635" || f[2] == "" || f[3] != "1" {
			t.Errorf("frame %q: want one labelled ICMP packet in UDP to 6635", l)
			continue
		}
		types[f[4]] = true
	}
	if !types["8"] || !types["0"] {
		t.Errorf("want an echo request and a reply among %q", lines)
	}
}
