package cloud

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgpvpns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/testpeer"
	"github.com/intercloud/intercloud/internal/topology"
)

// n2nLab is a small core with two clouds that join by BGPVPN (their
// computes are PEs) on different PEs, and build Neutron-to-Neutron
// interconnections on it; no initial networks, so the only BGPVPNs are
// the test's.
const n2nLab = `
name: n2n
defaults: {asn: 65000, label_mode: ldp, initial_networks: false}
nodes:
  p1: {role: p, rr: true}
  pe1: {role: pe}
  pe2: {role: pe}
links:
  - {a: pe1, b: p1, latency: 10ms}
  - {a: pe2, b: p1, latency: 10ms}
clouds:
  east: {attach: pe1, join: [bgpvpn, interconnection], computes: 1}
  west: {attach: pe2, join: [bgpvpn, interconnection], computes: 1}
`

func loadN2N(t testing.TB) *topology.Model {
	t.Helper()
	res, err := topology.Load("n2n.yaml", []byte(n2nLab))
	if err != nil {
		t.Fatal(err)
	}
	return res.Model
}

// n2nVM is a tenant network of one cloud and the VM Nova booted on it.
type n2nVM struct {
	cloud, network string
	addr           netip.Addr
	host           string
}

// networkWithVM does what a tenant of cloud does: a network and subnet
// (cidr), its default group opened to ICMP, and a server booted on the
// network through Nova at fixed.
func (e *env) networkWithVM(cloud, cidr string, fixed netip.Addr) n2nVM {
	t := e.t
	t.Helper()
	ctx := ctxT(t)
	demo := e.demo(cloud)
	nw, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "n-" + cloud}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: nw.ID, IPVersion: 4, CIDR: cidr}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, demo)
	opts := servers.CreateOpts{Name: "vm-" + cloud, ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: nw.ID, FixedIP: fixed.String()}}}
	sv, err := servers.Create(ctx, e.compute(cloud), opts, nil).Extract()
	must(t, err)
	pages, err := ports.List(e.admin(cloud), ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	var ps []struct {
		ports.Port
		portsbinding.PortsBindingExt
	}
	must(t, ports.ExtractPortsInto(pages, &ps))
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 || ps[0].FixedIPs[0].IPAddress != fixed.String() || !strings.HasPrefix(ps[0].HostID, cloud+"-cn") {
		t.Fatalf("%s's ports: %+v, want one at %v bound to a compute of %s", sv.Name, ps, fixed, cloud)
	}
	return n2nVM{cloud: cloud, network: nw.ID, addr: fixed, host: ps[0].HostID}
}

// createHalf creates, as sc's tenant, a network_l3 half from network
// local to network remote of region, and returns its id.
func (e *env) createHalf(sc *gophercloud.ServiceClient, local, remote, region string) string {
	e.t.Helper()
	return e.createTypedHalf(sc, "network_l3", local, remote, region)
}

// createTypedHalf creates, as sc's tenant, a half of type typ
// (network_l3, network_l2 or router) from resource local to resource
// remote of region, and returns its id.
func (e *env) createTypedHalf(sc *gophercloud.ServiceClient, typ, local, remote, region string) string {
	e.t.Helper()
	var out struct {
		IC map[string]any `json:"interconnection"`
	}
	body := map[string]any{"interconnection": map[string]any{
		"name": typ + "-to-" + region, "type": typ, "local_resource_id": local, "remote_resource_id": remote,
		"remote_region": region, "remote_keystone": e.clouds.AuthURL(),
	}}
	if _, err := sc.Post(ctxT(e.t), sc.ServiceURL("interconnection", "interconnections"), body, &out, nil); err != nil {
		e.t.Fatalf("create the %s half to %s: %v", typ, region, err)
	}
	return out.IC["id"].(string)
}

// halfState is an interconnection's state and reason as sc sees it.
func (e *env) halfState(sc *gophercloud.ServiceClient, id string) (state, reason string) {
	e.t.Helper()
	var out struct {
		IC struct {
			State  string `json:"state"`
			Reason string `json:"state_reason"`
		} `json:"interconnection"`
	}
	if _, err := sc.Get(ctxT(e.t), sc.ServiceURL("interconnection", "interconnections", id), &out, nil); err != nil {
		e.t.Fatalf("show %s: %v", id, err)
	}
	return out.IC.State, out.IC.Reason
}

// bothActive waits until the east and west halves are ACTIVE, each as its
// own tenant sees it.
func (e *env) bothActive(t testing.TB, eastID, westID string) {
	t.Helper()
	for _, h := range []struct {
		sc *gophercloud.ServiceClient
		id string
	}{{e.demo("east"), eastID}, {e.demo("west"), westID}} {
		testpeerWait(t, "half "+h.id+" ACTIVE", func() (bool, string) {
			s, r := e.halfState(h.sc, h.id)
			return s == "ACTIVE", s + ": " + r
		})
	}
}

// interconnectedVRFs waits until the computes hosting the VMs at aAddr
// (east) and bAddr (west) attach the interconnection's BGPVPN and each
// VM's route is in the other's VRF, and returns the two VRFs.
func (e *env) interconnectedVRFs(aHost string, aAddr netip.Addr, bHost string, bAddr netip.Addr, eastID, westID string) (vrfA, vrfB string) {
	e.until("both computes attach the interconnection's BGPVPN", 10*time.Second, func() bool {
		vrfA, vrfB = e.attachmentVRF("east", aHost, eastID), e.attachmentVRF("west", bHost, westID)
		return vrfA != "" && vrfB != ""
	})
	e.until("each VM's route in the other's VRF", 10*time.Second, func() bool {
		return e.has(aHost, vrfA, host32(bAddr)) && e.has(bHost, vrfB, host32(aAddr))
	})
	return vrfA, vrfB
}

// attachmentVRF is the VRF of compute's attachment of the BGPVPN named
// interconnection:ID, "" when it has none.
func (e *env) attachmentVRF(cloud, compute, id string) string {
	e.t.Helper()
	pages, err := bgpvpns.List(e.admin(cloud), bgpvpns.ListOpts{}).AllPages(ctxT(e.t))
	must(e.t, err)
	vs, err := bgpvpns.ExtractBGPVPNs(pages)
	must(e.t, err)
	for _, v := range vs {
		if v.Name != "interconnection:"+id {
			continue
		}
		for _, a := range e.lab.Attachments(compute) {
			if a.BGPVPN == v.ID {
				return a.VRF
			}
		}
	}
	return ""
}

// pingFromVM pings dst from the VM at src, in its compute's VRF.
func (e *env) pingFromVM(compute, vrf string, src, dst netip.Addr, count int) router.PingResult {
	e.t.Helper()
	s, err := e.lab.StartPing(compute, dst.String(), router.PingOptions{VRF: vrf, Src: src, Count: count, Interval: 100 * time.Millisecond})
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitDone(s.Done())
	return s.Result()
}

// A tenant interconnects a network of cloud east with one of cloud west
// (network_l3, a half in each cloud's Neutron): both halves go ACTIVE,
// each compute hosting the tenant's VM becomes a PE of the
// interconnection's BGPVPN, and the VM in east pings the VM in west
// across the core, while another project's VM in west at an address of
// the same subnet, in a BGPVPN of its own, is neither routed nor
// answers. Deleting east's half takes the route and the traffic away.
func TestANetworkL3InterconnectionCarriesTrafficBetweenTwoCloudsVMsAndOnlyTheirs(t *testing.T) {
	e := start(t, loadN2N(t), t.TempDir())
	a := e.networkWithVM("east", "10.10.1.0/24", netip.MustParseAddr("10.10.1.10"))
	b := e.networkWithVM("west", "10.20.1.0/24", netip.MustParseAddr("10.20.1.10"))

	// Another project of west (the admin's) with the same subnet, its VM
	// at .20, in a BGPVPN of its own route target.
	ctx := ctxT(t)
	adm := e.admin("west")
	other, err := networks.Create(ctx, adm, networks.CreateOpts{Name: "other"}).Extract()
	must(t, err)
	_, err = subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: other.ID, IPVersion: 4, CIDR: "10.20.1.0/24"}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, adm)
	otherAddr := netip.MustParseAddr("10.20.1.20")
	_, err = ports.Create(ctx, adm, portsbinding.CreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: other.ID, DeviceID: "vm-other", DeviceOwner: "compute:nova",
		FixedIPs: []ports.IP{{IPAddress: otherAddr.String()}}}, HostID: b.host}).Extract()
	must(t, err)
	ov, err := bgpvpns.Create(ctx, adm, bgpvpns.CreateOpts{Name: "other", TenantID: other.ProjectID, RouteTargets: []string{"65000:4242"}}).Extract()
	must(t, err)
	_, err = bgpvpns.CreateNetworkAssociation(ctx, adm, ov.ID, bgpvpns.CreateNetworkAssociationOpts{NetworkID: other.ID}).Extract()
	must(t, err)

	de, dw := e.demo("east"), e.demo("west")
	eastID := e.createHalf(de, a.network, b.network, "west")
	westID := e.createHalf(dw, b.network, a.network, "east")
	e.bothActive(t, eastID, westID)

	vrfA, vrfB := e.interconnectedVRFs(a.host, a.addr, b.host, b.addr, eastID, westID)
	rt, _ := e.vpnRoute(a.host, vrfA, host32(b.addr))
	cnB, _ := e.lab.Node(b.host)
	if len(rt.Nexthops) == 0 || rt.Nexthops[0].Tunnel == nil || !slices.Contains(rt.Nexthops[0].Labels, cnB.VPNLabel(vrfB)) {
		t.Errorf("%s's route to %v = %+v, want an IP tunnel and %s's label %d of VRF %s", a.host, b.addr, rt, b.host, cnB.VPNLabel(vrfB), vrfB)
	}
	if res := e.pingFromVM(a.host, vrfA, a.addr, b.addr, 3); res.Received != 3 {
		t.Fatalf("ping %v (east) -> %v (west): %+v", a.addr, b.addr, res)
	}
	tr := e.traceFromVM(a.host, vrfA, a.addr, b.addr)
	if n := len(tr.Hops); !tr.Reached || n < 2 || tr.Hops[n-1].Probes[0].From != b.addr || tr.Hops[n-2].Probes[0].From != e.underlay(b.host) {
		t.Errorf("trace %v -> %v: want %s (%v) then the VM last:\n%v", a.addr, b.addr, b.host, e.underlay(b.host), tr)
	}
	// The hop before west's VM is west's compute, reached in an IP tunnel
	// from east's compute with its VRF's label.
	if n := len(tr.Hops); n >= 2 {
		p := tr.Hops[n-2].Probes[0]
		via := "mpls-in-udp " + e.underlay(a.host).String() + " > " + e.underlay(b.host).String()
		if len(p.Labels) != 1 || p.Labels[0].Label != cnB.VPNLabel(vrfB) || p.Via != via {
			t.Errorf("trace: %s's hop %+v, want label %d via %q:\n%v", b.host, p, cnB.VPNLabel(vrfB), via, tr)
		}
	}
	// Isolation: the other project's VM, attached on west's compute too,
	// is not routed from east, and a ping to it gets no answer.
	if !slices.ContainsFunc(e.lab.Attachments(b.host), func(at lab.Attachment) bool { return at.BGPVPN == ov.ID }) {
		t.Fatalf("%s does not attach the other project's BGPVPN: %+v", b.host, e.lab.Attachments(b.host))
	}
	if e.has(a.host, vrfA, host32(otherAddr)) {
		t.Errorf("%s's VRF %s routes the other project's %v", a.host, vrfA, otherAddr)
	}
	if res := e.pingFromVM(a.host, vrfA, a.addr, otherAddr, 2); res.Received != 0 {
		t.Errorf("the other project's VM %v answered east's VM: %+v", otherAddr, res)
	}

	// Deleting east's half: the route leaves east's compute and the
	// traffic stops.
	if _, err := de.Delete(ctxT(t), de.ServiceURL("interconnection", "interconnections", eastID), nil); err != nil {
		t.Fatal(err)
	}
	e.until("west's VM's route gone from east's compute", 10*time.Second, func() bool {
		for _, a2 := range e.lab.Attachments(a.host) {
			if a2.VRF == vrfA && e.has(a.host, vrfA, host32(b.addr)) {
				return false
			}
		}
		return true
	})
	n, _ := e.lab.Node(a.host)
	if rs := n.Router.RouteTable(vrfA).Routes; len(rs) != 0 {
		t.Errorf("%s's table %s still routes %+v", a.host, vrfA, rs)
	}
	// East's VRF goes with its BGPVPN (no ping can start there); west's
	// VM, still a PE of its half's BGPVPN, no longer reaches east's.
	_, err = e.lab.StartPing(a.host, b.addr.String(), router.PingOptions{VRF: vrfA, Src: a.addr, Count: 1})
	if err == nil {
		if res := e.pingFromVM(a.host, vrfA, a.addr, b.addr, 2); res.Received != 0 {
			t.Errorf("after the deletion, ping %v -> %v: %+v", a.addr, b.addr, res)
		}
	}
	e.until("east's VM's route gone from west's compute", 10*time.Second, func() bool { return !e.has(b.host, vrfB, host32(a.addr)) })
	if vrf := e.attachmentVRF("west", b.host, westID); vrf != "" {
		if s, err := e.lab.StartPing(b.host, a.addr.String(), router.PingOptions{VRF: vrf, Src: b.addr, Count: 2, Interval: 100 * time.Millisecond}); err == nil {
			e.waitDone(s.Done())
			if res := s.Result(); res.Received != 0 {
				t.Errorf("after the deletion, ping %v (west) -> %v: %+v", b.addr, a.addr, res)
			}
		}
	}
}

// traceFromVM traces the path from the VM at src to dst, in its
// compute's VRF.
func (e *env) traceFromVM(compute, vrf string, src, dst netip.Addr) router.TraceResult {
	e.t.Helper()
	s, err := e.lab.StartTrace(compute, dst.String(), router.TraceOptions{VRF: vrf, Src: src, Probes: 1, MaxHops: 12})
	if err != nil {
		e.t.Fatal(err)
	}
	e.waitDone(s.Done())
	return s.Result()
}

// testpeerWait polls cond on the wall clock (the interconnection engine
// talks HTTP between the clouds) for at most 20 s.
func testpeerWait(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	testpeer.WaitForState(t, 20*time.Second, what, cond)
}
