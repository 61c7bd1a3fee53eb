package cloud

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/hypervisors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/services"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsbinding"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"

	"github.com/gophercloud/gophercloud/v2/pagination"

	"github.com/intercloud/intercloud/internal/openstack/glance"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// vmHost is the node cloud's VM at a lives on; the test fails without one.
func (e *env) vmHost(cloud string, a netip.Addr) string {
	e.t.Helper()
	h, ok := e.lab.VMHost(cloud, a)
	if !ok {
		e.t.Fatalf("VM %v of %s lives nowhere", a, cloud)
	}
	return h
}

// checkVMOnCompute pings and traces a VM from ce1 and sends it a UDP
// datagram: the answers come from the VM's address, the hops before it
// are the cloud's node and the compute, and the datagram arrives on the
// compute node.
func (e *env) checkVMOnCompute(cloud string, vm netip.Addr, compute string) {
	t := e.t
	t.Helper()
	if res := e.ping("ce1", vm.String(), 2); res.Received != 2 {
		t.Fatalf("ping ce1 -> %v (on %s): %+v", vm, compute, res)
	}
	tr := e.trace("ce1", vm.String())
	n := len(tr.Hops)
	if !tr.Reached || n < 3 || tr.Hops[n-1].Probes[0].From != vm || e.lab.NameSeenFrom("ce1", tr.Hops[n-2].Probes[0].From) != compute ||
		e.lab.NameSeenFrom("ce1", tr.Hops[n-3].Probes[0].From) != cloud {
		t.Fatalf("trace ce1 -> %v: want the cloud's node %s, its compute %s, then the VM:\n%v", vm, cloud, compute, tr)
	}
	// The VM's address is not its compute's name: ping would print
	// "64 bytes from VM (compute)" while trace shows the compute as the
	// hop before the VM. It still resolves to where the VM lives, so a
	// ping can start from it.
	if got := e.lab.NameSeenFrom("ce1", vm); got != "" {
		t.Errorf("the lab names %v %q, want no name (the VM lives on %s)", vm, got, compute)
	}
	if node, _, err := e.lab.Resolve(vm.String()); err != nil || node != compute {
		t.Errorf("%v resolves to %q (%v), want its compute %s", vm, node, err, compute)
	}
	for table, want := range map[string]string{"route": vm.String() + "/32", "interfaces": "eth1"} {
		_, text, err := e.lab.Show(compute, table, "")
		if err != nil || !strings.Contains(text, want) {
			t.Errorf("show %s %s lacks %s (%v):\n%s", compute, table, want, err, text)
		}
	}
	node, _ := e.lab.Node(compute)
	var mu sync.Mutex
	var got []router.UDPDatagram
	stop, err := node.Router.ListenUDP("", 4789, func(d router.UDPDatagram) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	})
	must(t, err)
	defer stop()
	ce1, _ := e.lab.Node("ce1")
	must(t, ce1.Router.SendUDP("", netip.AddrPort{}, netip.AddrPortFrom(vm, 4789), []byte("to the vm")))
	e.until("the datagram reaches the VM on "+compute, time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if got[0].Dst != netip.AddrPortFrom(vm, 4789) || string(got[0].Payload) != "to the vm" {
		t.Errorf("%s got %+v, want the datagram to %v:4789", compute, got[0], vm)
	}
}

// A VM port of a dynamic-routing cloud (option 2) lives on a compute
// node, the same one every time; ce1 pings, traces and sends UDP to it
// through the cloud's node and its compute. Ports spread over both
// computes, and each answers on its own.
func TestAVMPortLivesOnAComputeAndAnswersThere(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	c := e.setupCloud("cloud1")
	e.addBGP(c, e.cloudASN("cloud1"))
	e.until("ce1 learns cloud1's tenant subnet", 5*time.Second, func() bool { return e.has("ce1", "", c.tenant) })

	host := e.vmHost("cloud1", c.vm)
	if !strings.HasPrefix(host, "cloud1-cn") {
		t.Fatalf("VM %v lives on %s, want a compute node of cloud1", c.vm, host)
	}
	e.checkVMOnCompute("cloud1", c.vm, host)

	// More ports: placed by their ids, they spread over both computes.
	ctx := ctxT(t)
	on := map[string]netip.Addr{host: c.vm}
	for i := 0; i < 12 && len(on) < 2; i++ {
		p, err := ports.Create(ctx, c.demo, ports.CreateOpts{NetworkID: c.network, DeviceID: "vm-more", DeviceOwner: "compute:nova"}).Extract()
		must(t, err)
		a := netip.MustParseAddr(p.FixedIPs[0].IPAddress)
		on[e.vmHost("cloud1", a)] = a
	}
	if len(on) != 2 {
		t.Fatalf("13 ports all on %v", on)
	}
	for h, a := range on {
		e.checkVMOnCompute("cloud1", a, h)
	}
	// Applying the same state again moves nobody.
	st, err := e.clouds.Neutron("cloud1").Snapshot(ctx)
	must(t, err)
	must(t, e.lab.ApplyCloud("cloud1", Config(st)))
	for h, a := range on {
		if got := e.vmHost("cloud1", a); got != h {
			t.Errorf("%v moved from %s to %s on a second apply", a, h, got)
		}
	}
}

// An admin sets a VM port's binding:host_id to the other compute: the
// VM's address moves there and its traffic follows. A host that is no
// compute of the cloud is a failed binding: the VM is unreachable and the
// cloud's node says why.
func TestAnAdminMovesAVMToAnotherComputeByItsBinding(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	c := e.setupCloud("cloud1")
	e.addBGP(c, e.cloudASN("cloud1"))
	e.until("ce1 learns cloud1's tenant subnet", 5*time.Second, func() bool { return e.has("ce1", "", c.tenant) })
	ctx := ctxT(t)

	from := e.vmHost("cloud1", c.vm)
	to := "cloud1-cn1"
	if from == to {
		to = "cloud1-cn2"
	}
	bind := func(host string) {
		t.Helper()
		_, err := ports.Update(ctx, c.adm, c.vmPort, portsbinding.UpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{}, HostID: &host}).Extract()
		must(t, err)
	}
	bind(to)
	if got := e.vmHost("cloud1", c.vm); got != to {
		t.Fatalf("bound to %s, the VM lives on %s", to, got)
	}
	e.checkVMOnCompute("cloud1", c.vm, to)
	old, _ := e.lab.Node(from)
	if _, ok := old.Router.RIB().Best("", netip.PrefixFrom(c.vm, 32)); ok {
		t.Errorf("%s still has %v after the VM moved to %s", from, c.vm, to)
	}

	bind("compute-elsewhere")
	if h, ok := e.lab.VMHost("cloud1", c.vm); ok {
		t.Errorf("bound to a host of no compute, the VM lives on %s", h)
	}
	if res := e.ping("ce1", c.vm.String(), 1); res.Received != 0 {
		t.Errorf("a VM whose binding failed answers: %+v", res)
	}
	node, _ := e.lab.Node("cloud1")
	found := false
	for _, ev := range node.Router.Events(time.Time{}) {
		found = found || ev.Kind == "port-binding" && strings.Contains(ev.Detail, "compute-elsewhere")
	}
	if !found {
		t.Error("cloud1 logged no failed binding")
	}
	bind(from)
	e.checkVMOnCompute("cloud1", c.vm, from)
}

// Option 1 with VMs spread by Nova's scheduler: two servers of cloud2 (a
// floating-ip cloud) land on its two computes, each port bound to its
// server's compute; their floating IPs answer ce1 from the compute the
// lab hosts each on, which is the one Nova chose.
func TestNovaSpreadsFloatingIPServersOverComputesAndTheLabAgrees(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	c := e.cloud("cloud2")
	adm, demo := e.admin("cloud2"), e.demo("cloud2")
	pub := publicNetwork(t, ctx, adm, "public")
	_, err := subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: pub.ID, IPVersion: 4, CIDR: block24(c, 0).String(), EnableDHCP: ptr(false)}).Extract()
	must(t, err)
	priv, err := networks.Create(ctx, demo, networks.CreateOpts{Name: "web"}).Extract()
	must(t, err)
	sn, err := subnets.Create(ctx, demo, subnets.CreateOpts{NetworkID: priv.ID, IPVersion: 4, CIDR: "192.168.10.0/24"}).Extract()
	must(t, err)
	rt, err := routers.Create(ctx, demo, routers.CreateOpts{Name: "r1", GatewayInfo: &routers.GatewayInfo{NetworkID: pub.ID}}).Extract()
	must(t, err)
	_, err = routers.AddInterface(ctx, demo, rt.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract()
	must(t, err)
	openDefaultGroup(t, ctx, demo)

	compute := e.compute("cloud2")
	hosts := map[string]bool{}
	for _, name := range []string{"web1", "web2"} {
		sv, err := servers.Create(ctx, compute, servers.CreateOpts{Name: name, ImageRef: glance.Images()[0].ID, FlavorRef: "1",
			Networks: []servers.Network{{UUID: priv.ID}}}, nil).Extract()
		must(t, err)
		pages, err := ports.List(adm, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
		must(t, err)
		var ps []struct {
			ports.Port
			portsbinding.PortsBindingExt
		}
		must(t, ports.ExtractPortsInto(pages, &ps))
		if len(ps) != 1 || !strings.HasPrefix(ps[0].HostID, "cloud2-cn") {
			t.Fatalf("%s's ports: %+v, want one bound to a compute of cloud2", name, ps)
		}
		host := ps[0].HostID
		hosts[host] = true
		fixed := netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress)
		fip, err := floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: ps[0].ID}).Extract()
		must(t, err)
		if got := e.vmHost("cloud2", fixed); got != host {
			t.Errorf("Nova bound %s to %s, the lab hosts %v on %s", name, host, fixed, got)
		}
		floating := fip.FloatingIP
		e.until("ce1 learns cloud2's floating range", 5*time.Second, func() bool { return e.has("ce1", "", block24(c, 0)) })
		if res := e.ping("ce1", floating, 2); res.Received != 2 {
			t.Errorf("ping ce1 -> %s's floating IP %s (on %s): %+v", name, floating, host, res)
		}
	}
	if len(hosts) != 2 {
		t.Errorf("Nova put both servers on %v, want one on each compute", hosts)
	}
}

// adminCompute is a gophercloud compute client of cloud for the admin.
func (e *env) adminCompute(cloud string) *gophercloud.ServiceClient {
	e.t.Helper()
	ctx := ctxT(e.t)
	p, err := openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: e.clouds.AuthURL(), Username: keystone.AdminUser, Password: keystone.DefaultPassword,
		DomainName: "Default", TenantName: keystone.AdminProject,
	})
	must(e.t, err)
	c, err := openstack.NewComputeV2(p, gophercloud.EndpointOpts{Region: cloud})
	must(e.t, err)
	return c
}

// Nova's admin view of the hypervisors and compute services (what
// `openstack hypervisor list` and `openstack compute service list` show)
// is the lab's compute nodes of the cloud, each with its underlay
// address; a demo user may not look.
func TestNovaListsTheLabsComputeNodesAsHypervisors(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	var want []string
	ips := map[string]string{}
	for _, n := range e.m.Nodes {
		if n.Role == topology.RoleCompute && n.Cloud == "cloud1" {
			want = append(want, n.Name)
			ips[n.Name] = n.Interfaces[0].Addr.Addr().String()
		}
	}
	if len(want) != 2 {
		t.Fatalf("cloud1's compute nodes: %v", want)
	}
	adm := e.adminCompute("cloud1")
	pages, err := hypervisors.List(adm, nil).AllPages(ctx)
	must(t, err)
	hvs, err := hypervisors.ExtractHypervisors(pages)
	must(t, err)
	var got []string
	for _, h := range hvs {
		got = append(got, h.HypervisorHostname)
		if h.HostIP != ips[h.HypervisorHostname] || h.State != "up" {
			t.Errorf("hypervisor %s: host_ip %q state %q; want %s, up", h.HypervisorHostname, h.HostIP, h.State, ips[h.HypervisorHostname])
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("hypervisors %v, want the lab's computes %v", got, want)
	}
	spages, err := services.List(adm, nil).AllPages(ctx)
	must(t, err)
	svcs, err := services.ExtractServices(spages)
	must(t, err)
	got = nil
	for _, s := range svcs {
		if s.Binary == "nova-compute" {
			got = append(got, s.Host)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("nova-compute services on %v, want %v", got, want)
	}
	if err := hypervisors.List(e.compute("cloud1"), nil).EachPage(ctx, func(context.Context, pagination.Page) (bool, error) { return true, nil }); !gophercloud.ResponseCodeIs(err, http.StatusForbidden) {
		t.Errorf("a demo user listing hypervisors: %v, want 403", err)
	}
}
