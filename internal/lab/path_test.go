package lab

import (
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
)

// seen is a frame a tap saw: which link end sent it and its bytes decoded.
type seen struct {
	from string // node:interface
	d    *packet.Decoded
}

// tapAll records every frame on every link of the lab.
func tapAll(t *testing.T, l *Lab) func() []seen {
	var mu sync.Mutex
	var frames []seen
	for _, dl := range l.links {
		remove := dl.AddTap(dataplane.TapFunc(func(_ time.Time, from *dataplane.Port, b []byte) {
			d, err := packet.Decode(b)
			if err != nil {
				t.Errorf("undecodable frame from %s: %v", from.Name(), err)
				return
			}
			mu.Lock()
			frames = append(frames, seen{from.Name(), d})
			mu.Unlock()
		}))
		t.Cleanup(remove)
	}
	return func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), frames...)
	}
}

// localLabel is the label node's LDP advertises for fec.
func localLabel(t *testing.T, l *Lab, node string, fec netip.Prefix) uint32 {
	n, _ := l.Node(node)
	var binds []ldp.Binding
	n.Router.Do(func() { binds = n.LDP.Bindings() })
	for _, b := range binds {
		if b.FEC == fec {
			return b.LocalLabel
		}
	}
	t.Fatalf("%s has no binding for %s", node, fec)
	return 0
}

// TestCEToCELabelsAtEveryHop sends one echo request from ce1 to ce2
// through the tenant VPN and checks the bytes on every link it crosses:
// plain IPv4 from the CE; two labels pushed by pe1 — on top the transport
// label the next LSR advertised for pe2's loopback (S=0), under it the VPN
// label pe2 allocated for its tenant VRF (S=1), both with the TTL copied
// from the decremented IP TTL; the penultimate P router pops the transport
// label and copies its decremented TTL into the VPN label, which pe2 pops
// before routing in the VRF; plain IPv4 to ce2 with the TTL counting
// every hop (uniform mode).
func TestCEToCELabelsAtEveryHop(t *testing.T) {
	l, clk := seedLab(t)
	frames := tapAll(t, l)
	res := ping(t, l, clk, "ce1", "ce2", router.PingOptions{Count: 1, TTL: 64})
	if res.Received != 1 {
		t.Fatalf("ping: %+v", res)
	}
	pe2, _ := l.Node("pe2")
	fec := pe2.Model.Loopback
	vpnLabel := pe2.VPNLabel("tenant")
	if vpnLabel < router.LabelDynamicFirst {
		t.Fatalf("pe2's VPN label for tenant is %d", vpnLabel)
	}
	var path []string
	for _, f := range frames() {
		if f.d.ICMP == nil || f.d.ICMP.Type != 8 {
			continue // only the echo request's journey
		}
		node, _, _ := strings.Cut(f.from, ":")
		path = append(path, node)
		ip := f.d.IPv4
		switch node {
		case "ce1":
			if len(f.d.Labels) != 0 || ip.TTL != 64 {
				t.Errorf("ce1 sent labels %v ttl %d", f.d.Labels, ip.TTL)
			}
		case "pe1":
			if len(f.d.Labels) != 2 {
				t.Fatalf("pe1 sent %d labels, want 2 (transport, VPN)", len(f.d.Labels))
			}
			top, bottom := f.d.Labels[0], f.d.Labels[1]
			next := peerOf(t, l, f.from)
			if want := localLabel(t, l, next, fec); uint32(top.Label()) != want || top.Bottom() || top.TTL() != 63 || top.TC() != 0 {
				t.Errorf("pe1 -> %s top: %v, want transport label %d S=0 TTL=63", next, top, want)
			}
			if uint32(bottom.Label()) != vpnLabel || !bottom.Bottom() || bottom.TTL() != 63 || bottom.TC() != 0 {
				t.Errorf("pe1 -> %s bottom: %v, want VPN label %d S=1 TTL=63", next, bottom, vpnLabel)
			}
			if ip.TTL != 63 {
				t.Errorf("IP TTL under pe1's labels is %d, want 63 (decremented once by pe1)", ip.TTL)
			}
		case "p1", "p2":
			if len(f.d.Labels) != 1 {
				t.Fatalf("%s (penultimate hop) sent %d labels, want the VPN label alone", node, len(f.d.Labels))
			}
			e := f.d.Labels[0]
			if uint32(e.Label()) != vpnLabel || !e.Bottom() || e.TTL() != 62 {
				t.Errorf("%s -> pe2: %v, want VPN label %d S=1 TTL=62", node, e, vpnLabel)
			}
		case "pe2":
			if len(f.d.Labels) != 0 || ip.TTL != 61 {
				t.Errorf("pe2 sent labels %v ttl %d", f.d.Labels, ip.TTL)
			}
		}
	}
	if len(path) != 4 || path[0] != "ce1" || path[1] != "pe1" || path[3] != "pe2" {
		t.Errorf("echo request path %v, want ce1 pe1 p1|p2 pe2", path)
	}
}

// peerOf names the node at the far end of node:interface.
func peerOf(t *testing.T, l *Lab, end string) string {
	node, ifname, _ := strings.Cut(end, ":")
	n, _ := l.Node(node)
	for _, i := range n.Model.Interfaces {
		if i.Name == ifname {
			return i.Peer
		}
	}
	t.Fatalf("no interface %s", end)
	return ""
}

// TestTraceShowsLabelStack traces ce1 -> ce2 through the tenant VPN: the
// P router inside the LSP answers with a time exceeded quoting the whole
// stack it received (RFC 4950) — the transport label on top, the VPN label
// at the bottom — which it cannot route itself (the CE's address is in no
// global table), so it sends it on along the LSP and pe2 routes it back
// in the VRF.
func TestTraceShowsLabelStack(t *testing.T) {
	l, clk := seedLab(t)
	res := trace(t, l, clk, "ce1", "ce2")
	if !res.Reached || len(res.Hops) != 4 {
		t.Fatalf("trace: %+v", res)
	}
	names := []string{}
	for _, h := range res.Hops {
		names = append(names, l.NameOf(h.Probes[0].From))
	}
	if names[0] != "pe1" || (names[1] != "p1" && names[1] != "p2") || names[2] != "pe2" || names[3] != "ce2" {
		t.Fatalf("hops %v", names)
	}
	pe2, _ := l.Node("pe2")
	p := res.Hops[1].Probes[0]
	transport := localLabel(t, l, names[1], pe2.Model.Loopback)
	vpn := pe2.VPNLabel("tenant")
	if len(p.Labels) != 2 || p.Labels[0].Label != transport || p.Labels[0].TTL != 1 || p.Labels[0].S ||
		p.Labels[1].Label != vpn || p.Labels[1].TTL != 1 || !p.Labels[1].S {
		t.Fatalf("hop 2 labels %v, want [%d TTL=1 S=0, %d TTL=1 S=1]", p.Labels, transport, vpn)
	}
	if got := p.Labels[0].String() + "; " + p.Labels[1].String(); got != "MPLS Label="+itoa(transport)+" CoS=0 TTL=1 S=0; MPLS Label="+itoa(vpn)+" CoS=0 TTL=1 S=1" {
		t.Errorf("label text %q", got)
	}
	// The LSP's P hop answers via pe2, so its RTT is the whole path's:
	// 50 ms to pe2 and 50 ms back, not 2 x 10 ms.
	if p.RTT < 100*time.Millisecond {
		t.Errorf("hop 2 rtt %v: the time exceeded did not travel along the LSP", p.RTT)
	}
	for _, h := range []int{0, 2, 3} {
		if len(res.Hops[h].Probes[0].Labels) != 0 {
			t.Errorf("hop %d quoted labels %v", h+1, res.Hops[h].Probes[0].Labels)
		}
	}
}

func itoa(v uint32) string { return strings.TrimSpace(strings.Repeat(" ", 0) + uintString(v)) }

func uintString(v uint32) string {
	if v == 0 {
		return "0"
	}
	var b []byte
	for v > 0 {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
	}
	return string(b)
}
