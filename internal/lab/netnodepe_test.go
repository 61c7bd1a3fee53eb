package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// A router association in cloud3 (join: bgpvpn) gives the network node,
// cloud3's node, a VRF that `show cloud3 vrf` lists with its BGPVPN and
// the router's subnet it exports, and gives the VM's compute a VRF whose
// only route out is the default to the network node's label in
// MPLS-in-UDP; ce1 pings the VM. Applying Neutron without the
// association leaves neither node a VRF, a route in it or a label.
func TestARouterAssociationsVRFIsOnTheNetworkNodeAndShowListsIt(t *testing.T) {
	l, clk := seedLab(t)
	subnet := netip.MustParsePrefix("192.168.50.0/24")
	vm := netip.MustParseAddr("192.168.50.10")
	rt := l.Model.VPN("tenant").Export[0]
	cfg := CloudConfig{BGPVPNs: []CloudBGPVPN{{ID: "0f1e2d3c-0000-4000-8000-000000000001", Name: "blue", Import: []string{rt}, Export: []string{rt},
		Routers: []CloudRouterVPN{{Router: "r1", Subnets: []netip.Prefix{subnet}, Ports: []CloudVM{{Addr: vm, Port: "p1", Host: "cloud3-cn1"}}}}}}}
	if err := l.ApplyCloud("cloud3", cfg); err != nil {
		t.Fatal(err)
	}
	nn, _ := l.Node("cloud3")
	cn, _ := l.Node("cloud3-cn1")
	js, text, err := l.Show("cloud3", "vrf", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("show cloud3 vrf:\n%s", text)
	infos, _ := js.([]VRFInfo)
	if len(infos) != 1 || infos[0].Name != "blue" || infos[0].BGPVPN != cfg.BGPVPNs[0].ID || infos[0].Label != nn.VPNLabel("blue") ||
		len(infos[0].Attached) != 1 || infos[0].Attached[0] != subnet {
		t.Errorf("show cloud3 vrf = %+v, want VRF blue of the BGPVPN exporting %v with label %d", infos, subnet, nn.VPNLabel("blue"))
	}
	if js, text, err := l.Show("cloud3-cn1", "vrf", ""); err != nil || !strings.Contains(text, "router associations only") {
		t.Errorf("show cloud3-cn1 vrf (%v):\n%s", err, text)
	} else if infos, _ := js.([]VRFInfo); len(infos) != 1 || !infos[0].RouterAssociation || len(infos[0].Import)+len(infos[0].Export) != 0 {
		t.Errorf("show cloud3-cn1 vrf = %+v, want VRF blue for router associations' VMs, with no route target", infos)
	}
	under := l.reflectorsOf("cloud3")[0].AAddr
	def, ok := cn.Router.RIB().Best("blue", netip.MustParsePrefix("0.0.0.0/0"))
	if !ok || len(def.Nexthops) != 1 || def.Nexthops[0].Addr != under || def.Nexthops[0].Tunnel == nil ||
		def.Nexthops[0].Tunnel.Encap != router.EncapMPLSInUDP || len(def.Nexthops[0].Labels) != 1 || def.Nexthops[0].Labels[0] != nn.VPNLabel("blue") {
		t.Errorf("cloud3-cn1's default route in blue = %+v, want MPLS-in-UDP to %v with label %d", def, under, nn.VPNLabel("blue"))
	}
	advanceUntil(t, clk, 10*time.Second, "pe1 imports the router's subnet", func() bool {
		pe1, _ := l.Node("pe1")
		_, ok := pe1.Router.RIB().Best("tenant", subnet)
		return ok
	})
	settle(t, l, clk)
	if res := ping(t, l, clk, "ce1", vm.String(), router.PingOptions{Count: 2, Interval: 100 * time.Millisecond}); res.Received != 2 {
		t.Errorf("ping ce1 -> %v: %+v", vm, res)
	}

	labels := map[*Node]uint32{nn: nn.VPNLabel("blue"), cn: cn.VPNLabel("blue")}
	if err := l.ApplyCloud("cloud3", CloudConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, text, err := l.Show("cloud3", "vrf", ""); err == nil && strings.Contains(text, "blue") {
		t.Errorf("show cloud3 vrf after the association went:\n%s", text)
	}
	for n, label := range labels {
		if n.VPNLabel("blue") != 0 || len(n.Router.RouteTable("blue").Routes) != 0 {
			t.Errorf("%s keeps VRF blue: label %d, routes %+v", n.Model.Name, n.VPNLabel("blue"), n.Router.RouteTable("blue").Routes)
		}
		for _, row := range n.Router.LFIBTable() {
			if row.InLabel == label {
				t.Errorf("%s's LFIB still has %+v", n.Model.Name, row)
			}
		}
	}
}
