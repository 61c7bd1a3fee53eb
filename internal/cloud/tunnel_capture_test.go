package cloud

import (
	"net/netip"
	"testing"
	"time"
)

// The seed lab's option 3 on the wire: ce1 pings a VM of a BGPVPN on a
// cloud3 compute, and the frames on the compute's underlay link are
// MPLS-in-UDP that tshark decodes as ip:udp:mpls:ip:icmp — pe1's VPN
// traffic crosses the cloud's plain-IP underlay in RFC 7510 tunnels, with
// the compute's VPN label inside.
func TestTheComputesUnderlayCarriesMPLSInUDPThatTsharkDecodes(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	vm := e.bgpvpnWithVM("blue", []string{e.tenantRT()}, "192.168.50.0/24", netip.Addr{})
	openDefaultGroup(t, ctxT(t), e.demo("cloud3"))
	e.until("ce1 learns the VM", 5*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	ce1 := e.m.Node("ce1").Loopback
	e.until("the compute imports ce1's loopback", 5*time.Second, func() bool { return e.has(vm.host, "blue", ce1) })

	// Two frames on the compute's link to the cloud's node: an echo
	// request and a reply, tunnelled.
	path := e.captureWhilePinging(t, vm.host, "cloud3", func() { e.ping("ce1", vm.addr.String(), 1) })
	frames := tsharkFrames(t, path, nil, "frame.protocols", "udp.dstport", "mpls.label", "mpls.bottom", "icmp.type")
	if len(frames) != 2 {
		t.Fatalf("tshark printed %d frames, want 2", len(frames))
	}
	types := map[string]bool{}
	for _, f := range frames {
		if len(f) != 5 || f[0] != "eth:ethertype:ip:udp:mpls:ip:icmp:data" || f[1] != "6635" || f[2] == "" || f[3] != "1" {
			t.Errorf("frame %q: want one labelled ICMP packet in UDP to 6635", f)
			continue
		}
		types[f[4]] = true
	}
	if !types["8"] || !types["0"] {
		t.Errorf("want an echo request and a reply among %q", frames)
	}
}
