package router

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
)

// hopView is what a test expects of a frame on one link: its label stack
// (label, TC, S, TTL per entry) and the IP TTL under it.
type hopView struct {
	link, from string
	labels     []packet.LabelEntry
	ipTTL      uint8
}

func le(label uint32, tc uint8, s bool, ttl uint8) packet.LabelEntry {
	return packet.NewLabelEntry(packet.Label(label), tc, s, ttl)
}

// sendProbe sends one UDP datagram from hA to hB's listener on port 7 and
// returns the captures of every link.
func sendProbe(t *testing.T, n *testNet) map[string]*capture {
	t.Helper()
	caps := map[string]*capture{}
	for name, l := range n.links {
		caps[name] = tap(l)
	}
	var got []UDPDatagram
	stop, err := n.r["hB"].ListenUDP("", 7, func(d UDPDatagram) { got = append(got, d) })
	must(t, err)
	defer stop()
	must(t, n.r["hA"].SendUDP("", netip.AddrPortFrom(netip.Addr{}, 5000), netip.MustParseAddrPort("10.0.1.2:7"), []byte("hello")))
	n.run()
	if len(got) != 1 || string(got[0].Payload) != "hello" || got[0].Src != netip.MustParseAddrPort("10.0.0.1:5000") {
		t.Fatalf("hB got %+v, want one datagram from 10.0.0.1:5000", got)
	}
	return caps
}

func checkHops(t *testing.T, caps map[string]*capture, want []hopView) {
	t.Helper()
	for _, w := range want {
		frames := caps[w.link].from(w.from)
		if len(frames) != 1 {
			t.Errorf("%s from %s: %d frames, want 1", w.link, w.from, len(frames))
			continue
		}
		d := decode(t, frames[0])
		if !slices.Equal(d.Labels, w.labels) {
			t.Errorf("%s from %s: labels %v, want %v", w.link, w.from, d.Labels, w.labels)
		}
		wantType := packet.EtherTypeIPv4
		if len(w.labels) > 0 {
			wantType = packet.EtherTypeMPLS
		}
		if d.Ethernet.Type != wantType {
			t.Errorf("%s from %s: ethertype %v, want %v", w.link, w.from, d.Ethernet.Type, wantType)
		}
		if d.IPv4 == nil || d.IPv4.TTL != w.ipTTL {
			t.Errorf("%s from %s: %v, want IP TTL %d", w.link, w.from, d, w.ipTTL)
		}
	}
}

func TestLSPLabelStackPerHopUniform(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	caps := sendProbe(t, n)
	checkHops(t, caps, []hopView{
		{"hA-r1", "hA:eth0", nil, 64},
		{"r1-r2", "r1:eth1", []packet.LabelEntry{le(16004, 0, true, 63)}, 63}, // push, label TTL = IP TTL
		{"r2-r3", "r2:eth1", []packet.LabelEntry{le(16004, 0, true, 62)}, 63}, // swap
		{"r3-r4", "r3:eth1", nil, 61},                                         // PHP pop copies the TTL down
		{"r4-hB", "r4:eth1", nil, 60},
	})
	// The MACs are the routers' interfaces', as a capture should show.
	d := decode(t, caps["r1-r2"].from("r1:eth1")[0])
	if d.Ethernet.Src != InterfaceMAC("r1", "eth1") || d.Ethernet.Dst != InterfaceMAC("r2", "eth0") {
		t.Errorf("r1->r2 MACs %v > %v, want r1:eth1 > r2:eth0", d.Ethernet.Src, d.Ethernet.Dst)
	}
}

func TestLSPLabelStackPerHopPipe(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{}, func(c *Config) { c.TTLMode = TTLPipe })
	caps := sendProbe(t, n)
	checkHops(t, caps, []hopView{
		{"hA-r1", "hA:eth0", nil, 64},
		{"r1-r2", "r1:eth1", []packet.LabelEntry{le(16004, 0, true, 255)}, 63},
		{"r2-r3", "r2:eth1", []packet.LabelEntry{le(16004, 0, true, 254)}, 63},
		{"r3-r4", "r3:eth1", nil, 63}, // the LSP is one hop to IP
		{"r4-hB", "r4:eth1", nil, 62},
	})
}

// A two-label stack (transport over a VPN label): only the top entry
// changes per hop, and the PHP pop copies the TTL into the next label.
func TestLSPTwoLabelStack(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	r1, r4 := n.r["r1"], n.r["r4"]
	r4.Do(func() {
		r4.RIB().ReplaceLSPs(ProtoIBGP, []LSP{{InLabel: 24000, Nexthops: []LSPNexthop{PopLookup("")}}})
	})
	r1.Do(func() {
		r1.RIB().ReplaceRoutes(ProtoIBGP, "", []Route{{Prefix: pfx("10.0.1.0/30"), Nexthops: []Nexthop{{Addr: ip("10.255.0.4"), Labels: []uint32{24000}}}}})
	})
	// The static (distance 1) still wins; remove it so the iBGP route does.
	if !r1.RemoveStatic("", pfx("10.0.1.0/30"), ip("10.255.0.4")) {
		t.Fatal("static not removed")
	}
	caps := sendProbe(t, n)
	checkHops(t, caps, []hopView{
		{"r1-r2", "r1:eth1", []packet.LabelEntry{le(16004, 0, false, 63), le(24000, 0, true, 63)}, 63},
		{"r2-r3", "r2:eth1", []packet.LabelEntry{le(16004, 0, false, 62), le(24000, 0, true, 63)}, 63},
		{"r3-r4", "r3:eth1", []packet.LabelEntry{le(24000, 0, true, 61)}, 63},
		{"r4-hB", "r4:eth1", nil, 60}, // egress pops the VPN label, routes: one more hop
	})
}

// A probe whose TTL runs out inside the LSP is answered by the LSR with a
// time exceeded carrying the received stack (RFC 4950), sent on along the
// LSP to the egress, which routes it back to the source.
func TestTTLExpiryInsideLSP(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	caps := map[string]*capture{}
	for name, l := range n.links {
		caps[name] = tap(l)
	}
	var got []icmpEvent
	stop := n.r["hA"].handleICMP(icmpKey{udp: true, id: 5000}, func(ev icmpEvent) { got = append(got, ev) })
	defer stop()
	must(t, n.r["hA"].sendUDP("", netip.MustParseAddrPort("10.0.0.1:5000"), netip.MustParseAddrPort("10.0.1.2:33434"), 2, make([]byte, 32)))
	n.run()

	if len(got) != 1 {
		t.Fatalf("hA got %d ICMP messages, want 1", len(got))
	}
	ev := got[0]
	if ev.msg.Type != packet.ICMPTimeExceeded || ev.from != ip("10.1.12.2") {
		t.Fatalf("got %v from %v, want time exceeded from r2's incoming interface 10.1.12.2", ev.msg.Type, ev.from)
	}
	if want := []packet.LabelEntry{le(16004, 0, true, 1)}; !slices.Equal(ev.msg.Labels, want) {
		t.Errorf("extension labels %v, want %v", ev.msg.Labels, want)
	}
	// It went forward along the LSP (r2 -> r3 labelled 16004, fresh TTL),
	// not back towards the source.
	var fwd *packet.Decoded
	for _, b := range caps["r2-r3"].from("r2:eth1") {
		if d := decode(t, b); d.ICMP != nil {
			fwd = d
		}
	}
	if fwd == nil || !slices.Equal(fwd.Labels, []packet.LabelEntry{le(16004, 0, true, 254)}) {
		t.Fatalf("time exceeded on r2->r3: %v, want labelled 16004 ttl 254", fwd)
	}
	if fwd.IPv4.Src != ip("10.1.12.2") || fwd.IPv4.Dst != ip("10.0.0.1") || len(fwd.ICMP.Labels) != 1 {
		t.Errorf("time exceeded %v: want 10.1.12.2 > 10.0.0.1 with one quoted label", fwd)
	}
	if len(caps["r1-r2"].from("r2:eth0")) != 1 {
		t.Errorf("r2 sent %d frames back to r1 directly; the answer must return via r4 (1 frame, labelled 16001)", len(caps["r1-r2"].from("r2:eth0")))
	}
}

func TestTracerouteThroughLSP(t *testing.T) {
	const lat = 10 * time.Millisecond
	n := lspNet(t, dataplane.Impairment{Latency: lat})
	s, err := n.r["hA"].StartTraceroute(ip("10.0.1.2"), TraceOptions{})
	must(t, err)
	n.run()
	select {
	case <-s.Done():
	default:
		t.Fatal("traceroute not done")
	}
	res := s.Result()
	type hop struct {
		from   string
		rtt    time.Duration
		labels []MPLSLabel
	}
	want := []hop{
		{"10.0.0.2", 2 * lat, nil},
		// r2's answer goes on to r4 and back: hA-r1-r2, r2-r3-r4-r3-r2-r1-hA.
		{"10.1.12.2", 8 * lat, []MPLSLabel{{Label: 16004, S: true, TTL: 1}}},
		{"10.1.23.2", 8 * lat, []MPLSLabel{{Label: 16004, S: true, TTL: 1}}},
		{"10.1.34.2", 8 * lat, nil},
		{"10.0.1.2", 10 * lat, nil},
	}
	if len(res.Hops) != len(want) || !res.Reached {
		t.Fatalf("traceroute:\n%v\nwant %d hops, reached", res, len(want))
	}
	for i, w := range want {
		for _, p := range res.Hops[i].Probes {
			if p.Lost || p.From != ip(w.from) || p.RTT != w.rtt || !slices.Equal(p.Labels, w.labels) {
				t.Errorf("hop %d probe %+v, want from %s rtt %v labels %v", i+1, p, w.from, w.rtt, w.labels)
			}
		}
	}
	out := res.String()
	for _, line := range []string{
		" 2  10.1.12.2  80.000 ms  80.000 ms  80.000 ms\n     MPLS Label=16004 CoS=0 TTL=1 S=1\n",
		" 5  10.0.1.2  100.000 ms",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("traceroute output lacks %q:\n%s", line, out)
		}
	}
}

// In pipe mode the LSP hides: the trace goes from r1 straight to r4.
func TestTraceroutePipeHidesLSP(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{}, func(c *Config) { c.TTLMode = TTLPipe })
	s, err := n.r["hA"].StartTraceroute(ip("10.0.1.2"), TraceOptions{Probes: 1})
	must(t, err)
	n.run()
	var froms []string
	for _, h := range s.Result().Hops {
		froms = append(froms, h.Probes[0].From.String())
	}
	if want := []string{"10.0.0.2", "10.1.34.2", "10.0.1.2"}; !slices.Equal(froms, want) {
		t.Errorf("hops %v, want %v", froms, want)
	}
}

func TestPingThroughLSP(t *testing.T) {
	const lat = 30 * time.Millisecond
	n := lspNet(t, dataplane.Impairment{Latency: lat})
	s, err := n.r["hA"].StartPing(ip("10.0.1.2"), PingOptions{Count: 3})
	must(t, err)
	n.run()
	res := s.Result()
	if res.Sent != 3 || res.Received != 3 {
		t.Fatalf("ping: %v", res)
	}
	for _, rep := range res.Replies {
		if rep.RTT != 10*lat || rep.From != ip("10.0.1.2") || rep.TTL != 60 {
			t.Errorf("reply %+v, want rtt %v ttl 60 from 10.0.1.2", rep, 10*lat)
		}
	}
	if res.MinRTT != 10*lat || res.MaxRTT != 10*lat || res.AvgRTT != 10*lat {
		t.Errorf("rtt min/avg/max %v/%v/%v", res.MinRTT, res.AvgRTT, res.MaxRTT)
	}
	if !strings.Contains(res.String(), "64 bytes from 10.0.1.2: icmp_seq=1 ttl=60 time=300.000 ms") {
		t.Errorf("ping output:\n%s", res)
	}
}

// A ping with a TTL that runs out inside the LSP gets the time exceeded,
// with the label stack, instead of a reply.
func TestPingTTLExceededInLSP(t *testing.T) {
	n := lspNet(t, dataplane.Impairment{})
	s, err := n.r["hA"].StartPing(ip("10.0.1.2"), PingOptions{Count: 1, TTL: 3})
	must(t, err)
	n.run()
	res := s.Result()
	if len(res.Replies) != 1 || res.Received != 0 {
		t.Fatalf("ping: %v", res)
	}
	rep := res.Replies[0]
	if rep.Error != "Time to live exceeded" || rep.From != ip("10.1.23.2") || len(rep.Labels) != 1 || rep.Labels[0].Label != 16004 {
		t.Errorf("reply %+v, want time exceeded from r3 with label 16004", rep)
	}
}
