package cloud

import (
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/l2vpn"
	"github.com/intercloud/intercloud/internal/packet"
)

// l2VM is a VM of a stretched network: where it lives and its NIC.
type l2VM struct {
	n2nVM
	mac packet.MAC
}

// l2NetworkWithVM is networkWithVM on the stretched subnet, with the
// VM's MAC from its Neutron port.
func (e *env) l2NetworkWithVM(cloud string, fixed netip.Addr) l2VM {
	e.t.Helper()
	vm := e.networkWithVM(cloud, "10.40.0.0/24", fixed)
	return l2VM{n2nVM: vm, mac: e.portMAC(cloud, vm.network, fixed)}
}

// portMAC is the MAC of the port at fixed on network, as Neutron gives it.
func (e *env) portMAC(cloud, network string, fixed netip.Addr) packet.MAC {
	e.t.Helper()
	pages, err := ports.List(e.admin(cloud), ports.ListOpts{NetworkID: network}).AllPages(ctxT(e.t))
	must(e.t, err)
	ps, err := ports.ExtractPorts(pages)
	must(e.t, err)
	for _, p := range ps {
		if len(p.FixedIPs) == 1 && p.FixedIPs[0].IPAddress == fixed.String() {
			hw, err := net.ParseMAC(p.MACAddress)
			must(e.t, err)
			return packet.MAC(hw)
		}
	}
	e.t.Fatalf("no port at %v on %s", fixed, network)
	return packet.MAC{}
}

// evi is the only EVI of compute host, "" while it has none.
func (e *env) evi(host string) string {
	if names := e.lab.EVIs(host); len(names) == 1 {
		return names[0]
	}
	return ""
}

// knows reports whether host's EVI has mac behind another PE.
func (e *env) knows(host string, mac packet.MAC) bool {
	s, ok := e.lab.EVI(host, e.evi(host))
	return ok && slices.ContainsFunc(s.MACs, func(m l2vpn.MACEntry) bool { return m.MAC == mac.String() && m.Where == "remote" })
}

// l2Ping pings dst from the VM behind mac in host's EVI, on the lab clock.
func (e *env) l2Ping(host string, mac packet.MAC, dst netip.Addr, count int) l2vpn.PingResult {
	e.t.Helper()
	g, err := e.lab.L2Guest(host, e.evi(host), mac)
	must(e.t, err)
	p, err := g.StartPing(dst, count, 100*time.Millisecond)
	must(e.t, err)
	e.waitDone(p.Done())
	return p.Result()
}

// A tenant stretches a subnet between two clouds with a network_l2
// interconnection: both halves go ACTIVE through the engines, each
// compute hosting a VM of the networks runs an EVI of the half's l2
// BGPVPN, and the VMs ping each other in Ethernet frames (MPLS in
// MPLS-in-UDP between the computes) and have each other's MAC in their
// ARP tables. Another project's VM in west with east's VM's address and
// MAC, in an l2 BGPVPN of its own, learns and receives nothing. Deleting
// east's half takes east's MAC out of west's EVI.
func TestANetworkL2InterconnectionStretchesASubnetBetweenTwoClouds(t *testing.T) {
	e := start(t, loadN2N(t), t.TempDir())
	a := e.l2NetworkWithVM("east", netip.MustParseAddr("10.40.0.10"))
	b := e.l2NetworkWithVM("west", netip.MustParseAddr("10.40.0.20"))

	ctx := ctxT(t)
	adm := e.admin("west")
	other, err := networks.Create(ctx, adm, networks.CreateOpts{Name: "other"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: other.ID, IPVersion: 4, CIDR: "10.40.0.0/24"}).Extract()
	must(t, err)
	_, err = ports.Create(ctx, adm, portsbinding.CreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: other.ID, DeviceID: "vm-other",
		DeviceOwner: "compute:nova", MACAddress: a.mac.String(), FixedIPs: []ports.IP{{IPAddress: a.addr.String()}}}, HostID: b.host}).Extract()
	must(t, err)
	ov, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "other", Type: "l2", TenantID: other.ProjectID, RouteTargets: []string{"65000:4343"}}).Extract()
	must(t, err)
	_, err = bgpvpns.CreateNetworkAssociation(ctx, adm, ov.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: other.ID}).Extract()
	must(t, err)

	de, dw := e.demo("east"), e.demo("west")
	eastID := e.createTypedHalf(de, "network_l2", a.network, b.network, "west")
	westID := e.createTypedHalf(dw, "network_l2", b.network, a.network, "east")
	e.bothActive(t, eastID, westID)
	var westEVI string
	e.until("each EVI knows the other cloud's VM", 10*time.Second, func() bool {
		for _, name := range e.lab.EVIs(b.host) {
			if name != "other" {
				westEVI = name
			}
		}
		s, _ := e.lab.EVI(b.host, westEVI)
		return e.knows(a.host, b.mac) && slices.ContainsFunc(s.MACs, func(m l2vpn.MACEntry) bool { return m.MAC == a.mac.String() && m.Where == "remote" })
	})
	ga, err := e.lab.L2Guest(a.host, e.evi(a.host), a.mac)
	must(t, err)
	gb, err := e.lab.L2Guest(b.host, westEVI, b.mac)
	must(t, err)
	p, err := ga.StartPing(b.addr, 3, 100*time.Millisecond)
	must(t, err)
	e.waitDone(p.Done())
	if res := p.Result(); res.Received != 3 {
		t.Fatalf("ping %v (east) -> %v (west): %v", a.addr, b.addr, res)
	}
	if !slices.Contains(ga.Neighbours(), l2vpn.Neighbour{IP: b.addr, MAC: b.mac.String()}) ||
		!slices.Contains(gb.Neighbours(), l2vpn.Neighbour{IP: a.addr, MAC: a.mac.String()}) {
		t.Errorf("ARP tables: east's VM %v, west's VM %v", ga.Neighbours(), gb.Neighbours())
	}
	s, _ := e.lab.EVI(a.host, e.evi(a.host))
	if s.Encap != "mpls" || s.Counters.Encapsulated == 0 || s.Counters.Decapsulated == 0 {
		t.Errorf("east's EVI: %+v", s)
	}
	// Isolation: the other project's EVI on west's compute, whose VM has
	// east's VM's MAC and address, learnt nothing and got no frame.
	so, ok := e.lab.EVI(b.host, "other")
	if !ok || len(so.Flood) != 0 || so.Counters.ToPorts != 0 || slices.ContainsFunc(so.MACs, func(m l2vpn.MACEntry) bool { return m.Where == "remote" }) {
		t.Errorf("the other project's EVI: %+v", so)
	}

	if _, err := de.Delete(ctxT(t), de.ServiceURL("interconnection", "interconnections", eastID), nil); err != nil {
		t.Fatal(err)
	}
	e.until("east's EVI gone and its MAC out of west's", 10*time.Second, func() bool {
		s, _ := e.lab.EVI(b.host, westEVI)
		return len(e.lab.EVIs(a.host)) == 0 && !slices.ContainsFunc(s.MACs, func(m l2vpn.MACEntry) bool { return m.MAC == a.mac.String() })
	})
}

// l2BGPVPN has the admin of cloud create an l2 BGPVPN with vni (0: none)
// and route target rt for the demo project, which associates network.
func (e *env) l2BGPVPN(cloud, network, rt string, vni int) {
	e.t.Helper()
	ctx := ctxT(e.t)
	adm := e.admin(cloud)
	nw, err := networks.Get(ctx, adm, network).Extract()
	must(e.t, err)
	v, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "stretch", Type: "l2", VNI: vni, TenantID: nw.ProjectID, RouteTargets: []string{rt}}).Extract()
	must(e.t, err)
	_, err = bgpvpns.CreateNetworkAssociation(ctx, e.demo(cloud), v.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: network}).Extract()
	must(e.t, err)
}

// The wire between two clouds' computes for an l2 BGPVPN, as tshark
// decodes it on east's compute's underlay link: with a vni, VXLAN
// (eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp, the VNI in the
// header); without, the EVI's MPLS label in MPLS-in-UDP with the VM's
// Ethernet frame under it.
func TestAnL2BGPVPNsFramesOnTheWireAreWhatTsharkDecodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		vni    int
		fields []string
		want   string
	}{
		{"vxlan", 7001, []string{"frame.protocols", "udp.dstport", "vxlan.vni", "icmp.type"}, "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:icmp:data|4789|7001|"},
		{"mpls", 0, []string{"frame.protocols", "udp.dstport", "mpls.bottom", "icmp.type"}, "eth:ethertype:ip:udp:mpls:eth:ethertype:ip:icmp:data|6635|1|"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := start(t, loadN2N(t), t.TempDir())
			a := e.l2NetworkWithVM("east", netip.MustParseAddr("10.40.0.10"))
			b := e.l2NetworkWithVM("west", netip.MustParseAddr("10.40.0.20"))
			e.l2BGPVPN("east", a.network, "65000:4444", tc.vni)
			e.l2BGPVPN("west", b.network, "65000:4444", tc.vni)
			e.until("east's EVI knows west's VM", 10*time.Second, func() bool { return e.knows(a.host, b.mac) })
			if res := e.l2Ping(a.host, a.mac, b.addr, 1); res.Received != 1 { // ARP done before the capture
				t.Fatalf("ping: %v", res)
			}
			path := e.captureWhilePinging(t, a.host, "east", func() { e.l2Ping(a.host, a.mac, b.addr, 1) })
			var args []string
			la, lb := e.lab.EVPNLabel(a.host, e.evi(a.host)), e.lab.EVPNLabel(b.host, e.evi(b.host))
			if tc.vni == 0 {
				// An MPLS payload has no type: tshark is told the label
				// carries Ethernet without a control word, as a PW would.
				for _, l := range slices.Compact([]uint32{min(la, lb), max(la, lb)}) {
					args = append(args, "-d", "mpls.label=="+itoa(l)+",pwethnocw")
				}
			}
			frames := tsharkFrames(t, path, args, tc.fields...)
			if len(frames) != 2 {
				t.Fatalf("tshark printed %d frames, want 2", len(frames))
			}
			types := map[string]bool{}
			for _, f := range frames {
				l := strings.Join(f, "|")
				i := strings.LastIndex(l, "|")
				if l[:i+1] != tc.want {
					t.Errorf("frame %q: want %q and an ICMP type", l, tc.want)
				}
				types[l[i+1:]] = true
			}
			if !types["8"] || !types["0"] {
				t.Errorf("want an echo request and a reply among %q", frames)
			}
		})
	}
}
