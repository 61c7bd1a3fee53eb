package cloud

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/openstack/glance"
)

// tenantVM is networkWithVM for any tenant: net makes the network and
// subnet, nova boots the server at fixed.
func (e *env) tenantVM(cloud string, net, nova *gophercloud.ServiceClient, cidr string, fixed netip.Addr) n2nVM {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	nw, err := networks.Create(ctx, net, networks.CreateOpts{Name: "n-" + cloud}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, net, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: cidr}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, net)
	sv, err := servers.Create(ctx, nova, servers.CreateOpts{Name: "vm-" + cloud, ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nw.ID, FixedIP: fixed.String()}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(e.admin(cloud), ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []struct {
		ports.Port
		portsbinding.PortsBindingExt
	}
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || ps[0].FixedIPs[0].IPAddress != fixed.String() || ps[0].HostID == "" {
		t.Fatalf("%s's ports: %+v, want one at %v, bound", sv.Name, ps, fixed)
	}
	return n2nVM{cloud: cloud, network: nw.ID, addr: fixed, host: ps[0].HostID}
}

// Two tenants, the demo project and the admin's, use the very same
// addresses in both clouds (10.10.1.10 in east, 10.20.1.10 in west, VMs
// on the same computes) and each interconnects its two networks. Each
// pair goes ACTIVE with route targets of its own; each tenant's VRF on
// east's compute routes west's address to its own tenant's VRF on
// west's compute (that VRF's label), each VM pings its peer, and a trace
// crosses into its own tenant's VRF. Deleting the demo tenant's half
// takes its route away and leaves the admin's pair carrying traffic.
func TestTwoTenantsWithTheSameAddressesEachReachOnlyTheirOwnPeer(t *testing.T) {
	e := start(t, loadN2N(t), t.TempDir())
	eastAddr, westAddr := netip.MustParseAddr("10.10.1.10"), netip.MustParseAddr("10.20.1.10")
	type tenant struct {
		name           string
		east, west     n2nVM
		de, dw         *gophercloud.ServiceClient
		eastID, westID string
		vrfE, vrfW     string
	}
	ts := []*tenant{
		{name: "demo", de: e.demo("east"), dw: e.demo("west")},
		{name: "admin", de: e.admin("east"), dw: e.admin("west")},
	}
	ts[0].east = e.tenantVM("east", ts[0].de, e.compute("east"), "10.10.1.0/24", eastAddr)
	ts[0].west = e.tenantVM("west", ts[0].dw, e.compute("west"), "10.20.1.0/24", westAddr)
	ts[1].east = e.tenantVM("east", ts[1].de, e.adminCompute("east"), "10.10.1.0/24", eastAddr)
	ts[1].west = e.tenantVM("west", ts[1].dw, e.adminCompute("west"), "10.20.1.0/24", westAddr)
	if ts[0].east.host != ts[1].east.host || ts[0].west.host != ts[1].west.host {
		t.Fatalf("the tenants' VMs are on different computes: %+v %+v", ts[0], ts[1])
	}
	for _, tn := range ts {
		tn.eastID = e.createHalf(tn.de, tn.east.network, tn.west.network, "west")
		tn.westID = e.createHalf(tn.dw, tn.west.network, tn.east.network, "east")
	}
	for _, tn := range ts {
		for _, h := range []struct {
			sc *gophercloud.ServiceClient
			id string
		}{{tn.de, tn.eastID}, {tn.dw, tn.westID}} {
			testpeerWait(t, tn.name+"'s half "+h.id+" ACTIVE", func() (bool, string) {
				s, r := e.halfState(h.sc, h.id)
				return s == "ACTIVE", s + ": " + r
			})
		}
	}
	hostE, hostW := ts[0].east.host, ts[0].west.host
	e.until("each tenant's BGPVPN attached on both computes", 10*time.Second, func() bool {
		for _, tn := range ts {
			tn.vrfE, tn.vrfW = e.attachmentVRF("east", hostE, tn.eastID), e.attachmentVRF("west", hostW, tn.westID)
			if tn.vrfE == "" || tn.vrfW == "" {
				return false
			}
		}
		return true
	})
	if ts[0].vrfE == ts[1].vrfE || ts[0].vrfW == ts[1].vrfW {
		t.Fatalf("the tenants share a VRF: east %s/%s, west %s/%s", ts[0].vrfE, ts[1].vrfE, ts[0].vrfW, ts[1].vrfW)
	}
	e.until("each tenant's VMs routed in its own VRFs", 10*time.Second, func() bool {
		for _, tn := range ts {
			if !e.has(hostE, tn.vrfE, host32(westAddr)) || !e.has(hostW, tn.vrfW, host32(eastAddr)) {
				return false
			}
		}
		return true
	})
	cnW, _ := e.lab.Node(hostW)
	for _, tn := range ts {
		own := cnW.VPNLabel(tn.vrfW)
		rt, _ := e.vpnRoute(hostE, tn.vrfE, host32(westAddr))
		if len(rt.Nexthops) == 0 || !slices.Contains(rt.Nexthops[0].Labels, own) {
			t.Errorf("%s's route to %v in %s = %+v, want the label %d of its own VRF %s on %s", tn.name, westAddr, tn.vrfE, rt, own, tn.vrfW, hostW)
		}
		if res := e.pingFromVM(hostE, tn.vrfE, eastAddr, westAddr, 3); res.Received != 3 {
			t.Errorf("%s: ping %v -> %v: %+v", tn.name, eastAddr, westAddr, res)
		}
		tr := e.traceFromVM(hostE, tn.vrfE, eastAddr, westAddr)
		if n := len(tr.Hops); !tr.Reached || n < 2 || len(tr.Hops[n-2].Probes[0].Labels) != 1 || tr.Hops[n-2].Probes[0].Labels[0].Label != own {
			t.Errorf("%s: trace %v -> %v does not enter its VRF %s (label %d):\n%v", tn.name, eastAddr, westAddr, tn.vrfW, own, tr)
		}
	}
	if l0, l1 := cnW.VPNLabel(ts[0].vrfW), cnW.VPNLabel(ts[1].vrfW); l0 == l1 {
		t.Errorf("the tenants' VRFs on %s share label %d", hostW, l0)
	}

	// The demo tenant deletes its east half: its route goes, the admin's
	// pair is untouched.
	if _, err := ts[0].de.Delete(ctxT(t), ts[0].de.ServiceURL("interconnection", "interconnections", ts[0].eastID), nil); err != nil {
		t.Fatal(err)
	}
	testpeerWait(t, "demo's west half TEARDOWN", func() (bool, string) {
		s, r := e.halfState(ts[0].dw, ts[0].westID)
		return s == "TEARDOWN", s + ": " + r
	})
	e.until("demo's route to east gone from west's compute", 10*time.Second, func() bool {
		return !e.has(hostW, ts[0].vrfW, host32(eastAddr))
	})
	if s, r := e.halfState(ts[1].de, ts[1].eastID); s != "ACTIVE" {
		t.Errorf("admin's east half %s: %s", s, r)
	}
	if res := e.pingFromVM(hostE, ts[1].vrfE, eastAddr, westAddr, 2); res.Received != 2 {
		t.Errorf("admin: ping %v -> %v after demo's deletion: %+v", eastAddr, westAddr, res)
	}
}
