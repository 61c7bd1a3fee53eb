package cloud

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/router"
)

// Option 5 in examples/sdn.yaml: dc1 (AS 64900) is a Tungsten Fabric style
// cloud whose vRouters (dc1-cn1, dc1-cn2) peer with its control node
// dc1-ctl, and whose gateway dc1 is an option B ASBR toward the WAN's
// asbr1. VPN red (65000:100) has ce1, VPN blue (65000:200) ce2.

const redRT, blueRT = "65000:100", "65000:200"

// sdnVM does what dc1's admin and tenant do: a BGPVPN with route targets
// rts for the demo project, a network and subnet (cidr) associated with
// it, a server booted on it through Nova. It returns the VM and the
// association.
func (e *env) sdnVM(name string, rts []string, cidr string) (bgpvpnVM, time.Time) {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	adm, demo := e.admin("dc1"), e.demo("dc1")
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: cidr}).Extract()
	must(t, err)
	sv, err := servers.Create(ctx, e.compute("dc1"), servers.CreateOpts{Name: name + "-vm", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nw.ID}}}, nil).Extract()
	must(t, err)
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: name, TenantID: nw.ProjectID, RouteTargets: rts}).Extract()
	must(t, err)
	at := time.Now()
	na, err := bgpvpns.CreateNetworkAssociation(ctx, demo, v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: nw.ID}).Extract()
	must(t, err)
	pages, err := ports.List(adm, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []struct {
		ports.Port
		portsbinding.PortsBindingExt
	}
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || !strings.HasPrefix(ps[0].HostID, "dc1-cn") {
		t.Fatalf("%s's ports: %+v, want one bound to a vRouter of dc1", sv.Name, ps)
	}
	return bgpvpnVM{bgpvpn: v.ID, network: nw.ID, assoc: na.ID, addr: netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress), host: ps[0].HostID}, at
}

// sdnLab starts examples/sdn.yaml and waits for the gateway's sessions.
func sdnLab(t testing.TB) *env {
	e := start(t, loadModel(t, "sdn.yaml"), t.TempDir())
	openDefaultGroup(t, ctxT(t), e.demo("dc1"))
	return e
}

// sessionState is A's view of its session with B, "" when the lab has none.
func (e *env) sessionState(a, b string) string {
	for _, s := range e.lab.Sessions() {
		if s.A == a && s.B == b {
			return s.State
		}
	}
	return ""
}

// The gateway's sessions come up with the lab: eBGP with asbr1 across
// the AS border (65000 and 64900) and iBGP with the control node inside
// AS 64900; the vRouters have none until a BGPVPN attaches to them.
func TestTheSDNGatewayPeersWithTheWANAndItsControlNodeInItsOwnAS(t *testing.T) {
	e := sdnLab(t)
	e.until("the gateway's sessions are Established", 10*time.Second, func() bool {
		return e.sessionState("asbr1", "dc1") == "Established" && e.sessionState("dc1", "dc1-ctl") == "Established"
	})
	gw, _ := e.lab.Node("dc1")
	asbr1, _ := e.lab.Node("asbr1")
	for _, c := range []struct {
		sp        *bgp.Speaker
		peer      string
		localASN  uint32
		remoteASN uint32
	}{{gw.BGP(), "asbr1", 64900, 65000}, {gw.BGP(), "dc1-ctl", 64900, 64900}, {asbr1.BGP(), "dc1", 65000, 64900}} {
		var found bool
		for _, nb := range c.sp.Summary() {
			if nb.Description != c.peer {
				continue
			}
			found = true
			d, _ := c.sp.NeighborInfo(nb.Neighbor)
			if nb.State != "Established" || nb.AS != c.remoteASN || d.LocalAS != c.localASN {
				t.Errorf("neighbor %s: %s, AS %d to AS %d, want Established, AS %d to AS %d", c.peer, nb.State, d.LocalAS, nb.AS, c.localASN, c.remoteASN)
			}
		}
		if !found {
			t.Errorf("no neighbor %s", c.peer)
		}
	}
	for _, s := range e.lab.Sessions() {
		if strings.HasPrefix(s.A, "dc1-cn") {
			t.Errorf("vRouter %s has a session with %s before any BGPVPN", s.A, s.B)
		}
	}
}

// A VM of a BGPVPN with red's route target, on a vRouter, pings ce1 and
// not ce2 (blue); trace from it to ce1 crosses the gateway, which it
// reaches in MPLS-in-UDP and which swaps the label, then asbr1 and the
// core's LSP to pe1.
func TestAVMBehindTheSDNGatewayReachesItsVPNsCEAndNoOther(t *testing.T) {
	e := sdnLab(t)
	vm, _ := e.sdnVM("red", []string{redRT}, "192.168.10.0/24")
	ce1, ce2 := e.m.Node("ce1").Loopback, e.m.Node("ce2").Loopback
	e.until("the vRouter imports ce1's loopback", 10*time.Second, func() bool { return e.has(vm.host, "red", ce1) })
	e.until("ce1 learns the VM", 10*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	if res := e.ping(vm.addr.String(), "ce1", 3); res.Received != 3 {
		t.Fatalf("ping VM %v (on %s) -> ce1: %+v", vm.addr, vm.host, res)
	}
	if res := e.ping("ce1", vm.addr.String(), 3); res.Received != 3 {
		t.Fatalf("ping ce1 -> VM %v: %+v", vm.addr, res)
	}
	if e.has(vm.host, "red", ce2) || e.has("ce2", "", host32(vm.addr)) {
		t.Error("VPN blue's ce2 and the red VM know each other's routes")
	}
	if res := e.ping(vm.addr.String(), ce2.Addr().String(), 2); res.Received != 0 {
		t.Errorf("the red VM reached blue's ce2: %+v", res)
	}

	// The vRouter reaches ce1 in a UDP tunnel to the gateway's loopback.
	rt, _ := e.vpnRoute(vm.host, "red", ce1)
	gwLo := e.m.Node("dc1").Loopback.Addr()
	if len(rt.Nexthops) != 1 || rt.Nexthops[0].Addr != gwLo || rt.Nexthops[0].Tunnel == nil || rt.Nexthops[0].Tunnel.Encap != router.EncapMPLSInUDP {
		t.Errorf("%s reaches ce1 by %+v, want MPLS-in-UDP to the gateway %v", vm.host, rt, gwLo)
	}

	tr := e.trace(vm.addr.String(), "ce1")
	t.Logf("trace VM -> ce1:\n%v", tr)
	if !tr.Reached {
		t.Fatalf("trace did not reach ce1:\n%v", tr)
	}
	from := func(i int) router.TraceProbe { return tr.Hops[i].Probes[0] }
	node := func(name string) map[netip.Addr]bool {
		out := map[netip.Addr]bool{}
		for _, ifc := range e.m.Node(name).Interfaces {
			out[ifc.Addr.Addr()] = true
		}
		return out
	}
	var sawGW, sawASBR, sawCore bool
	for i := range tr.Hops {
		p := from(i)
		switch {
		case node("dc1")[p.From]:
			sawGW = strings.HasPrefix(p.Via, "mpls-in-udp ") && strings.HasSuffix(p.Via, " > "+gwLo.String()) && len(p.Labels) == 1
		case node("asbr1")[p.From]:
			sawASBR = len(p.Labels) == 1
		case node("p1")[p.From]:
			sawCore = len(p.Labels) == 2 // LDP's to pe1 over asbr1's VPN label
		}
	}
	if !sawGW || !sawASBR || !sawCore {
		t.Errorf("trace: gateway via mpls-in-udp with its label %v, asbr1 with its label %v, p1 with two labels %v:\n%v", sawGW, sawASBR, sawCore, tr)
	}
	gwLabel := uint32(0)
	for i := range tr.Hops {
		if p := from(i); node("dc1")[p.From] && len(p.Labels) == 1 {
			gwLabel = p.Labels[0].Label
		}
	}
	gw, _ := e.lab.Node("dc1")
	var swapped bool
	for _, row := range gw.Router.LFIBTable() {
		swapped = swapped || row.InLabel == gwLabel && row.FEC == ce1 && row.Nexthop == e.uplinkPeer("dc1")
	}
	if !swapped {
		t.Errorf("the gateway's LFIB has no swap of %d toward asbr1 for ce1:\n%v", gwLabel, gw.Router.LFIBTable())
	}
}

// Removing the network association takes the vRouter's VRF away, and
// with it the VM's route everywhere — the control node, the gateway,
// asbr1, pe1's VRF red, ce1 — and the gateway's and asbr1's swaps for it.
func TestRemovingTheSDNNetworkAssociationLeavesNoRouteNorSwap(t *testing.T) {
	e := sdnLab(t)
	vm, _ := e.sdnVM("red", []string{redRT}, "192.168.10.0/24")
	e.until("ce1 learns the VM", 10*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	swaps := func(node string) int {
		n, _ := e.lab.Node(node)
		k := 0
		for _, row := range n.Router.LFIBTable() {
			if row.FEC == host32(vm.addr) {
				k++
			}
		}
		return k
	}
	if swaps("dc1") != 1 || swaps("asbr1") != 1 {
		t.Fatalf("swaps for the VM: gateway %d, asbr1 %d, want one each", swaps("dc1"), swaps("asbr1"))
	}
	gw, _ := e.lab.Node("dc1")
	for _, row := range gw.Router.LFIBTable() {
		if row.FEC == host32(vm.addr) && (row.Tunnel == "" || row.Nexthop != e.underlay(vm.host)) {
			t.Errorf("the gateway swaps toward the VM by %+v, want a tunnel to %s's underlay address", row, vm.host)
		}
	}
	must(t, bgpvpns.DeleteNetworkAssociation(ctxT(t), e.demo("dc1"), vm.bgpvpn, vm.assoc).ExtractErr())
	e.until("ce1 forgets the VM", 10*time.Second, func() bool { return !e.has("ce1", "", host32(vm.addr)) })
	e.until("the swaps go", 10*time.Second, func() bool { return swaps("dc1") == 0 && swaps("asbr1") == 0 })
	for _, node := range []string{"dc1-ctl", "dc1", "asbr1", "pe1"} {
		n, _ := e.lab.Node(node)
		for _, r := range n.BGP().Routes(bgp.VPNv4) {
			if r.Key.Prefix == host32(vm.addr) {
				t.Errorf("%s still has the VM's VPNv4 route %+v", node, r)
			}
		}
	}
	if e.has("pe1", "red", host32(vm.addr)) {
		t.Error("pe1's VRF red still routes the VM")
	}
	if got := e.lab.Attachments(vm.host); len(got) != 0 {
		t.Errorf("%s still has attachments %+v", vm.host, got)
	}
	res, err := e.lab.Ping(ctxT(t), "ce1", vm.addr.String(), router.PingOptions{Count: 2, Interval: 100 * time.Millisecond})
	if err == nil && res.Received != 0 {
		t.Errorf("ce1 still reaches the VM: %+v", res)
	}
}

// On the wire: the frames on the vRouter's underlay link to the gateway
// are MPLS-in-UDP that tshark decodes as ip:udp:mpls:ip:icmp, the
// gateway's label inside toward ce1 and the vRouter's own back.
func TestTheVRouterToGatewayHopIsMPLSInUDPThatTsharkDecodes(t *testing.T) {
	e := sdnLab(t)
	vm, _ := e.sdnVM("red", []string{redRT}, "192.168.10.0/24")
	ce1 := e.m.Node("ce1").Loopback
	e.until("the vRouter imports ce1's loopback", 10*time.Second, func() bool { return e.has(vm.host, "red", ce1) })
	e.until("ce1 learns the VM", 10*time.Second, func() bool { return e.has("ce1", "", host32(vm.addr)) })
	path := e.captureWhilePinging(t, vm.host, "dc1", func() { e.ping(vm.addr.String(), "ce1", 1) })
	frames := tsharkFrames(t, path, nil, "frame.protocols", "ip.dst", "udp.dstport", "mpls.label", "icmp.type")
	if len(frames) != 2 {
		t.Fatalf("tshark printed %d frames, want 2", len(frames))
	}
	gwLo := e.m.Node("dc1").Loopback.Addr().String()
	types := map[string]bool{}
	for _, f := range frames {
		if len(f) != 5 || f[0] != "eth:ethertype:ip:udp:mpls:ip:icmp:data" || f[2] != "6635" || f[3] == "" {
			t.Errorf("frame %q: want one labelled ICMP packet in UDP to 6635", f)
			continue
		}
		if strings.HasPrefix(f[1], gwLo) != (f[4] == "8") {
			t.Errorf("frame %q: the echo request goes to the gateway %s, the reply to the vRouter", f, gwLo)
		}
		types[f[4]] = true
	}
	if !types["8"] || !types["0"] {
		t.Errorf("want an echo request and a reply among %q", frames)
	}
}

// uplinkPeer is the address of the WAN router at the far end of cloud's
// uplink.
func (e *env) uplinkPeer(cloud string) netip.Addr {
	c := e.cloud(cloud)
	l := e.m.Links[c.LinkID]
	if l.A.Node == c.Node {
		return l.B.Addr
	}
	return l.A.Addr
}

// The way README's session goes: the admin's BGPVPN red for demo-dc1, the
// tenant associates its initial network private (which router1 also
// routes, so the lab knows the VM in the global table too) and boots a
// server there. Traffic from the VM's address takes its attachment's VRF:
// it reaches ce1 through the gateway, and ce1 reaches it.
func TestAServerOnAnAssociatedRoutedNetworkSendsInItsVRF(t *testing.T) {
	e := sdnLab(t)
	ctx := ctxT(t)
	adm, demo := e.admin("dc1"), e.demo("dc1")
	pages, err := networks.List(demo, networks.ListOpts{Name: "private"}).AllPages(ctx)
	must(t, err)
	nets, err := networks.ExtractNetworks(pages)
	must(t, err)
	if len(nets) != 1 {
		t.Fatalf("demo-dc1 has %d networks named private, want its initial one", len(nets))
	}
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "red", TenantID: nets[0].ProjectID, RouteTargets: []string{redRT}}).Extract()
	must(t, err)
	_, err = bgpvpns.CreateNetworkAssociation(ctx, demo, v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: nets[0].ID}).Extract()
	must(t, err)
	sv, err := servers.Create(ctx, e.compute("dc1"), servers.CreateOpts{Name: "vm1", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nets[0].ID}}}, nil).Extract()
	must(t, err)
	ppages, err := ports.List(adm, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	ps, err := ports.ExtractPorts(ppages)
	must(t, err)
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 {
		t.Fatalf("vm1's ports: %+v", ps)
	}
	vm := netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress)
	e.until("ce1 learns the VM", 10*time.Second, func() bool { return e.has("ce1", "", host32(vm)) })
	if res := e.ping(vm.String(), "ce1", 2); res.Received != 2 {
		t.Fatalf("ping VM %v -> ce1: %+v", vm, res)
	}
	if res := e.ping("ce1", vm.String(), 2); res.Received != 2 {
		t.Fatalf("ping ce1 -> VM %v: %+v", vm, res)
	}
}
