package l3vpn

import (
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// compute adds a compute node to the rig as bagpipe runs one: a provider
// Node with no VRF at start, peering with pe2 over the core network from
// its underlay address, which is also the next hop it exports with.
func (g *vpnRig) compute() (*Node, netip.Addr) {
	g.t.Helper()
	return g.computeTelling(nil)
}

// computeTelling is compute with onReadvertised as its
// Config.OnReadvertised.
func (g *vpnRig) computeTelling(onReadvertised func(string, netip.Prefix, bool)) (*Node, netip.Addr) {
	g.t.Helper()
	under := a("10.0.9.1")
	r := g.net.AddRouter("cn1", netip.MustParsePrefix("10.255.160.1/32"))
	static(r, "", "0.0.0.0/0") // the cloud's underlay: everything by its network node
	static(g.r["pe2"], "", "10.0.9.0/31")
	g.r["cn1"] = r
	n, err := New(Config{Env: r, Mode: Provider, NextHop: under, OnDemandVRFs: true, OnReadvertised: onReadvertised,
		Speaker: bgp.Config{ASN: 65000, RouterID: r.RouterID(), Families: []bgp.Family{bgp.VPNv4},
			Transport: g.core, ListenAddr: netip.AddrPortFrom(under, 179), Clock: g.net.Clock}})
	if err != nil {
		g.t.Fatal(err)
	}
	g.t.Cleanup(n.Close)
	r.Do(n.Start)
	if err := n.Speaker().AddPeer(bgp.PeerConfig{Addr: lo2, ASN: 65000, LocalAddr: under}); err != nil {
		g.t.Fatal(err)
	}
	// pe2 reflects pe1's routes to it, as the WAN's reflectors do.
	if err := g.pe2.Speaker().AddPeer(bgp.PeerConfig{Addr: under, ASN: 65000, LocalAddr: lo2, RRClient: true}); err != nil {
		g.t.Fatal(err)
	}
	return n, under
}

func attach(g *vpnRig, n *Node, name, rd string, rt bgp.ExtCommunity, vms ...Attached) {
	g.t.Helper()
	d, err := bgp.ParseRD(rd)
	if err != nil {
		g.t.Fatal(err)
	}
	g.r["cn1"].Do(func() {
		if err = n.AddVRF(VRFConfig{Name: name, RD: d, Import: []bgp.ExtCommunity{rt}, Export: []bgp.ExtCommunity{rt}, Attachment: true}); err == nil {
			n.SetAttached(name, vms)
		}
	})
	if err != nil {
		g.t.Fatal(err)
	}
}

// A compute node's attachment VRF, added after it started, exports its
// VMs' addresses with its own label and underlay next hop into the VPN,
// imports the VPN's routes, and asks RT constraint for its import RTs only.
func TestAnAttachmentVRFAddedAtRunTimeExportsItsVMsAndImportsTheVPN(t *testing.T) {
	g := newVPNRig(t, false)
	cn, under := g.compute()
	vm := netip.MustParsePrefix("100.67.0.5/32")
	if rts := cn.Speaker().ImportRTs(); len(rts) != 0 {
		t.Fatalf("a compute without attachments asks for %v, want nothing", rts)
	}
	attach(g, cn, "bgpvpn-1", "10.0.9.1:1", rt1, Attached{Prefix: vm})
	label := cn.VPNLabel("bgpvpn-1")
	g.until("pe2 imports the VM's /32 from the compute", func() bool {
		rt, ok := route(g.r["pe2"], router.ProtoIBGP, "red", vm)
		return ok && rt.Nexthops[0].Addr == under && slices.Equal(rt.Nexthops[0].Labels, []uint32{label})
	})
	g.until("the compute imports ce1's route", func() bool { _, ok := route(g.r["cn1"], router.ProtoIBGP, "bgpvpn-1", pfx1); return ok })
	if rts := cn.Speaker().ImportRTs(); !slices.Equal(rts, []bgp.ExtCommunity{rt1}) {
		t.Errorf("the compute asks for %v, want %v", rts, rt1)
	}
	if lsp, ok := lspIn(g, "cn1", label); !ok || !reflect.DeepEqual(lsp.Nexthops, []router.LSPNexthop{router.PopLookup("bgpvpn-1")}) {
		t.Errorf("the compute's LFIB for %d = %+v, want pop into bgpvpn-1", label, lsp)
	}
	s, _ := cn.VRF("bgpvpn-1")
	if !s.Attachment || len(s.Attached) != 1 || s.Attached[0].Prefix != vm {
		t.Errorf("VRF settings %+v", s)
	}
}

// Removing the attachment (or its last VM) withdraws the route from the
// VPN and leaves no route, label or RT constraint behind on the compute.
func TestRemovingAnAttachmentLeavesNoRouteNorLabelBehind(t *testing.T) {
	g := newVPNRig(t, false)
	cn, _ := g.compute()
	vm, vm2 := netip.MustParsePrefix("100.67.0.5/32"), netip.MustParsePrefix("100.67.0.6/32")
	attach(g, cn, "bgpvpn-1", "10.0.9.1:1", rt1, Attached{Prefix: vm}, Attached{Prefix: vm2, LocalPref: 200})
	label := cn.VPNLabel("bgpvpn-1")
	g.until("pe2 has both VMs", func() bool {
		_, x := route(g.r["pe2"], router.ProtoIBGP, "red", vm)
		_, y := route(g.r["pe2"], router.ProtoIBGP, "red", vm2)
		return x && y
	})
	var lp uint32
	for _, r := range g.pe2.Speaker().Routes(bgp.VPNv4) {
		if r.Key.Prefix == vm2 {
			lp = r.Attrs.LocalPref
		}
	}
	if lp != 200 {
		t.Errorf("the second VM's route has local_pref %d, want 200", lp)
	}
	g.r["cn1"].Do(func() { cn.SetAttached("bgpvpn-1", []Attached{{Prefix: vm2}}) })
	g.until("the first VM's route withdrawn", func() bool { _, ok := route(g.r["pe2"], router.ProtoIBGP, "red", vm); return !ok })
	inUse := g.r["cn1"].Table().LabelsInUse()
	g.r["cn1"].Do(func() {
		if !cn.RemoveVRF("bgpvpn-1") {
			t.Error("RemoveVRF found no bgpvpn-1")
		}
	})
	g.until("every route of the attachment gone", func() bool {
		_, atPE := route(g.r["pe2"], router.ProtoIBGP, "red", vm2)
		return !atPE && len(g.r["cn1"].Table().Routes(router.ProtoIBGP, "bgpvpn-1")) == 0
	})
	if _, ok := lspIn(g, "cn1", label); ok {
		t.Errorf("label %d still in the compute's LFIB", label)
	}
	if got := g.r["cn1"].Table().LabelsInUse(); got != inUse-1 {
		t.Errorf("labels in use %d, want %d (the VRF's given back)", got, inUse-1)
	}
	if rts := cn.Speaker().ImportRTs(); len(rts) != 0 {
		t.Errorf("the compute still asks for %v", rts)
	}
	if len(cn.VRFs()) != 0 {
		t.Errorf("VRFs left: %v", cn.VRFs())
	}
}

func lspIn(g *vpnRig, node string, label uint32) (router.LSP, bool) {
	for _, l := range g.r[node].Table().LSPs(router.ProtoIBGP) {
		if l.InLabel == label {
			return l, true
		}
	}
	return router.LSP{}, false
}
