package dataplane_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

func TestCaptureHasTheFrames(t *testing.T) {
	v, l, _, _ := newLink(t, dataplane.Config{Name: "l", Seed: 1,
		A: dataplane.Impairment{Latency: 5 * time.Millisecond, Loss: 0.5},
		B: dataplane.Impairment{Latency: 5 * time.Millisecond}})
	var buf bytes.Buffer
	w, err := dataplane.NewPcapWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	stop := l.AddTap(w)
	var sent [][]byte
	for i := range 10 {
		f := frame(uint32(i), 64+i)
		sent = append(sent, append([]byte(nil), f.Bytes()...))
		if i%2 == 0 {
			l.A().Send(f)
		} else {
			l.B().Send(f)
		}
		v.Advance(time.Millisecond)
	}
	stop()
	stop() // idempotent
	l.A().Send(frame(99, 64))
	v.Advance(time.Second)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if w.Frames() != 10 {
		t.Fatalf("writer counted %d frames, want 10", w.Frames())
	}

	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("link type %v", r.LinkType())
	}
	for i := 0; ; i++ {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			if i != 10 {
				t.Errorf("read %d frames (%v), want 10: lost ones included, untapped ones not", i, err)
			}
			break
		}
		if !bytes.Equal(data, sent[i]) {
			t.Errorf("frame %d differs", i)
		}
		if want := epoch.Add(time.Duration(i) * time.Millisecond); !ci.Timestamp.Equal(want) {
			t.Errorf("frame %d stamped %v, want the clock's %v", i, ci.Timestamp, want)
		}
	}
}

func TestCaptureWriteErrorSticks(t *testing.T) {
	w, err := dataplane.NewPcapWriter(failWriter{})
	if err != nil {
		t.Fatal(err) // the header is buffered, not written yet
	}
	big := make([]byte, 8192) // more than bufio's buffer: forces a write
	w.Tap(epoch, nil, big)
	w.Tap(epoch, nil, big)
	if w.Err() == nil || w.Flush() == nil {
		t.Error("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestTsharkDecodesCapture writes what a core link carries — a labelled
// ICMP echo, the time exceeded a P router answers it with (RFC 4950 label
// stack inside), and the echo tunnelled in MPLS-in-UDP — and checks that
// the real tshark decodes the labels and ICMP types.
func TestTsharkDecodesCapture(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed: apt-get install -y tshark (CI installs it)")
	}
	v, l, _, _ := newLink(t, dataplane.Config{Name: "pe1-p1", A: dataplane.Impairment{Latency: 10 * time.Millisecond}})
	path := filepath.Join(t.TempDir(), "pe1-p1.pcap")
	// INTERCLOUD_KEEP_PCAP=/tmp/x.pcap keeps the file to open in Wireshark.
	if p := os.Getenv("INTERCLOUD_KEEP_PCAP"); p != "" {
		path = p
	}
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := dataplane.NewPcapWriter(file)
	if err != nil {
		t.Fatal(err)
	}
	l.AddTap(w)

	src, dst := netip.MustParseAddr("172.16.1.10"), netip.MustParseAddr("172.16.2.20")
	echoIP := ipPacket(t, src, dst, packet.ICMP{Type: packet.ICMPEchoRequest, ID: 7, Seq: 1, Data: []byte("intercloud")})
	labels := []packet.LabelEntry{packet.NewLabelEntry(16005, 0, false, 1), packet.NewLabelEntry(24001, 0, true, 1)}

	// 1. The echo under two labels, PE to P.
	f := packet.FrameFrom(echoIP)
	for i := len(labels) - 1; i >= 0; i-- {
		must(t, packet.PushLabel(f, labels[i]))
	}
	must(t, packet.PushEthernet(f, packet.Ethernet{Dst: macB, Src: macA, Type: packet.EtherTypeMPLS}))
	l.A().Send(f)
	v.Advance(time.Millisecond)

	// 2. The P router's time exceeded, quoting the echo and the labels.
	te := ipPacket(t, netip.MustParseAddr("10.255.0.1"), src,
		packet.ICMP{Type: packet.ICMPTimeExceeded, Code: packet.ICMPCodeTTLExceeded, Data: echoIP, Labels: labels})
	f = packet.FrameFrom(te)
	must(t, packet.PushEthernet(f, packet.Ethernet{Dst: macA, Src: macB, Type: packet.EtherTypeIPv4}))
	l.B().Send(f)
	v.Advance(time.Millisecond)

	// 3. The echo under one label in MPLS-in-UDP, as a BGPVPN compute node
	// sends it.
	f = packet.FrameFrom(echoIP)
	must(t, packet.PushLabel(f, packet.NewLabelEntry(300, 0, true, 64)))
	must(t, packet.EncapMPLSInUDP(f, packet.MPLSInUDP{Src: netip.MustParseAddr("192.0.2.1"),
		Dst: netip.MustParseAddr("192.0.2.2"), SrcPort: packet.EntropyPort(12345), TTL: 64}))
	must(t, packet.PushEthernet(f, packet.Ethernet{Dst: macB, Src: macA, Type: packet.EtherTypeIPv4}))
	l.A().Send(f)
	v.Advance(time.Second)

	must(t, w.Flush())
	must(t, file.Close())

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tshark, "-n", "-r", path, "-T", "fields", "-E", "separator=|",
		"-e", "mpls.label", "-e", "icmp.type", "-e", "icmp.mpls.label", "-e", "udp.dstport")
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // keep tshark from touching the real profile
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("tshark: %v\n%s", err, stderr)
	}
	t.Logf("tshark -T fields -e mpls.label -e icmp.type -e icmp.mpls.label -e udp.dstport:\n%s", out)
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{
		"16005,24001|8||",
		// tshark 4.0 shows the quoted echo's type after the error's own.
		"|11,8|16005,24001|",
		"300|8||6635",
	}
	if len(got) != len(want) {
		t.Fatalf("tshark printed %d lines, want %d:\n%s", len(got), len(want), out)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d: tshark fields %q, want %q", i+1, got[i], want[i])
		}
	}
}

func ipPacket(t *testing.T, src, dst netip.Addr, m packet.ICMP) []byte {
	t.Helper()
	body, err := m.Marshal()
	must(t, err)
	b, err := packet.BuildIPv4(packet.IPv4{TTL: 64, Protocol: packet.ProtocolICMP, Src: src, Dst: dst}, body)
	must(t, err)
	return b
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
