package cloud

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/router"
)

// TestFloatingIPSeed drives cloud2 of the seed lab (floating-ip, behind
// ce2) as its admin and tenant would: an external network whose subnet
// is inside cloud2's allocated prefix, a private tenant network, a router
// with the gateway and an interface, a VM's port and a floating IP on it.
// ce2 announces the floating range to pe2, so ce1 (the other site,
// across the MPLS core) learns it; ce1 pings the floating IP and the
// answers come from it; traceroute ends at it. On the uplink only the
// floating IP is seen; on the VM side (a UDP listener of the compute node
// the VM lives on, a hop past the cloud node) a datagram sent to the
// floating IP arrives for the fixed IP. Once the
// floating IP is disassociated, nothing answers.
func TestFloatingIPSeed(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	c := e.cloud("cloud2")
	adm, demo := e.admin("cloud2"), e.demo("cloud2")
	extCIDR := block24(c, 0)
	if !c.Prefix.Contains(extCIDR.Addr()) || c.Prefix.Bits() > extCIDR.Bits() {
		t.Fatalf("%v not inside cloud2's prefix %v", extCIDR, c.Prefix)
	}

	pub := publicNetwork(t, ctx, adm, "public")
	_, err := subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: pub.ID, IPVersion: 4, CIDR: extCIDR.String(), EnableDHCP: ptr(false)}).Extract()
	must(t, err)
	priv, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "private"}).Extract()
	must(t, err)
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: priv.ID, IPVersion: 4, CIDR: "10.0.0.0/24"}).Extract()
	must(t, err)
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	must(t, err)
	_, err = routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	must(t, err)
	vm, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: priv.ID, DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, demo)
	fixed := netip.MustParseAddr(vm.FixedIPs[0].IPAddress)
	fip, err := floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: vm.ID}).Extract()
	must(t, err)
	floating := netip.MustParseAddr(fip.FloatingIP)
	if !extCIDR.Contains(floating) {
		t.Fatalf("floating IP %v outside the external subnet %v", floating, extCIDR)
	}

	node, _ := e.lab.Node("cloud2")
	if got := node.Router.NAT(""); len(got) != 1 || got[0] != (router.NAT1to1{Outside: floating, Inside: fixed}) {
		t.Fatalf("cloud2's NAT table: %+v, want %v -> %v", got, floating, fixed)
	}
	e.until("ce1 learns cloud2's floating range", 5*time.Second, func() bool { return e.has("ce1", "", extCIDR) })
	if !e.has("pe1", "tenant", extCIDR) {
		t.Error("pe1's vrf tenant does not route the floating range")
	}

	// Capture the uplink while ce1 pings.
	var pcap bytes.Buffer
	stopCap := e.captureOn(ctx, "ce2", "cloud2", &pcap)
	res := e.ping("ce1", floating.String(), 3)
	if err := stopCap(); err != nil {
		t.Fatal(err)
	}
	if res.Received != 3 || res.Replies[0].From != floating {
		t.Fatalf("ping ce1 -> %v: %+v, want 3 replies from the floating IP", floating, res)
	}
	t.Logf("ping ce1 -> %v: %d/%d, rtt %v", floating, res.Received, res.Sent, res.AvgRTT)
	requests, replies := 0, 0
	for _, f := range pcapFrames(t, pcap.Bytes()) {
		d, err := packet.Decode(f) // checks the IPv4 and ICMP checksums
		if err != nil || d.IPv4 == nil {
			continue
		}
		if d.IPv4.Src == fixed || d.IPv4.Dst == fixed {
			t.Errorf("the fixed IP on the uplink: %+v", d.IPv4)
		}
		if d.ICMP != nil && d.ICMP.Type == packet.ICMPEchoRequest && d.IPv4.Dst == floating {
			requests++
		}
		if d.ICMP != nil && d.ICMP.Type == packet.ICMPEchoReply && d.IPv4.Src == floating {
			replies++
		}
	}
	if requests != 3 || replies != 3 {
		t.Errorf("uplink capture: %d echo requests to and %d replies from %v, want 3 and 3", requests, replies, floating)
	}

	tr := e.trace("ce1", floating.String())
	t.Logf("trace ce1 -> %v:\n%v", floating, tr)
	last := tr.Hops[len(tr.Hops)-1]
	if !tr.Reached || last.Probes[0].From != floating {
		t.Errorf("trace ce1 -> %v: reached %v, last hop %+v", floating, tr.Reached, last)
	}

	// The VM side: a datagram to the floating IP arrives for the fixed IP,
	// on the compute the VM lives on.
	host, ok := e.lab.VMHost("cloud2", fixed)
	if !ok || !strings.HasPrefix(host, "cloud2-cn") {
		t.Fatalf("VM %v lives on %q (%v), want a compute node of cloud2", fixed, host, ok)
	}
	if n := len(tr.Hops); n < 3 || e.lab.NameSeenFrom("ce1", tr.Hops[n-2].Probes[0].From) != host || e.lab.NameSeenFrom("ce1", tr.Hops[n-3].Probes[0].From) != "cloud2" {
		t.Errorf("trace ce1 -> %v: the hops before the VM are not cloud2's node, then its compute %s:\n%v", floating, host, tr)
	}
	vmHost, _ := e.lab.Node(host)
	var mu sync.Mutex
	var got []router.UDPDatagram
	stop, err := vmHost.Router.ListenUDP("", 7, func(d router.UDPDatagram) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	})
	must(t, err)
	defer stop()
	ce1, _ := e.lab.Node("ce1")
	must(t, ce1.Router.SendUDP("", netip.AddrPort{}, netip.AddrPortFrom(floating, 7), []byte("hello")))
	e.until("the datagram reaches the VM", time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	if got[0].Dst != netip.AddrPortFrom(fixed, 7) || string(got[0].Payload) != "hello" {
		t.Errorf("the VM got %+v, want a datagram to %v:7", got[0], fixed)
	}
	mu.Unlock()

	// Disassociated, the floating IP no longer answers.
	_, err = floatingips.Update(ctx, demo, fip.ID, floatingips.UpdateOpts{PortID: ptr("")}).Extract()
	must(t, err)
	if got := node.Router.NAT(""); len(got) != 0 {
		t.Errorf("NAT rules left after the disassociation: %+v", got)
	}
	if res := e.ping("ce1", floating.String(), 2); res.Received != 0 {
		t.Errorf("ping ce1 -> %v after the disassociation: %+v", floating, res)
	}
	// The fixed IP itself stays private: ce1 has no route to it.
	if _, err := e.lab.StartPing("ce1", fixed.String(), router.PingOptions{Count: 1}); err == nil {
		t.Errorf("ce1 routes toward the fixed IP %v", fixed)
	}
}

// pcapFrames are the frames of a pcap file.
func pcapFrames(t *testing.T, b []byte) [][]byte {
	t.Helper()
	if len(b) < 24 {
		t.Fatalf("pcap of %d bytes", len(b))
	}
	var out [][]byte
	for b = b[24:]; len(b) >= 16; {
		n := int(binary.LittleEndian.Uint32(b[8:12]))
		if len(b) < 16+n {
			break
		}
		out = append(out, b[16:16+n])
		b = b[16+n:]
	}
	return out
}

// TestProviderNetworkVM puts a VM straight on cloud2's provider network
// (flat, external, its subnet inside cloud2's prefix, a router's gateway
// on it): ce2 routes the provider subnet toward the cloud and announces
// it, so ce1 at the other site pings the VM's provider address across
// the MPLS core, no NAT involved.
func TestProviderNetworkVM(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	adm := e.admin("cloud2")
	provCIDR := block24(e.cloud("cloud2"), 1)
	pub := publicNetwork(t, ctx, adm, "provider")
	_, err := subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: pub.ID, IPVersion: 4, CIDR: provCIDR.String(), EnableDHCP: ptr(false)}).Extract()
	must(t, err)
	_, err = routers.Create(ctx, adm, routers.CreateOpts{Name: "edge", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	must(t, err)
	vm, err := ports.Create(ctx, adm, ports.CreateOpts{NetworkID: pub.ID, DeviceID: "vm-on-provider", DeviceOwner: "compute:nova"}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, adm)
	addr := netip.MustParseAddr(vm.FixedIPs[0].IPAddress)

	e.until("ce1 learns the provider subnet", 5*time.Second, func() bool { return e.has("ce1", "", provCIDR) })
	res := e.ping("ce1", addr.String(), 3)
	if res.Received != 3 || res.Replies[0].From != addr {
		t.Fatalf("ping ce1 -> the VM on the provider network %v: %+v", addr, res)
	}
	if node, _ := e.lab.Node("cloud2"); len(node.Router.NAT("")) != 0 {
		t.Errorf("NAT rules for a provider-network VM: %+v", node.Router.NAT(""))
	}
}
