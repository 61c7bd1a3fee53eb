package cloud

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/intercloud/intercloud/internal/cloudapi"
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/glance"
)

// TestSecurityGroupsFilterAVMReachedThroughItsFloatingIP is a VM of
// cloud2 of the seed lab reached from ce1 only through its floating IP,
// as on a real cloud where the group filters on the VM's port what the
// Neutron router has already translated (DNAT): while its project's
// default group has no ICMP ingress rule ce1's ping to the floating IP
// is not answered and the VM's drop counter, shown on its compute, counts
// the requests; once a rule lets ICMP in the ping is answered from the
// floating IP and the rule counts requests and replies; and the VM's own
// ping to ce1, leaving with its floating IP as source, gets its replies
// (the filter is stateful) whatever the ingress rules.
func TestSecurityGroupsFilterAVMReachedThroughItsFloatingIP(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	ctx := ctxT(t)
	demo := e.demo("cloud2")
	priv, _ := initialNet(t, demo, cloudapi.PrivateNetwork)
	pub, pubSubnet := initialNet(t, demo, cloudapi.PublicNetwork)
	sv, err := servers.Create(ctx, e.compute("cloud2"), servers.CreateOpts{Name: "vm1", ImageRef: glance.Images()[0].ID, FlavorRef: "1",
		Networks: []servers.Network{{UUID: priv.ID}}}, nil).Extract()
	must(t, err)
	pages, err := ports.List(demo, ports.ListOpts{DeviceID: sv.ID}).AllPages(ctx)
	must(t, err)
	ps, err := ports.ExtractPorts(pages)
	must(t, err)
	if len(ps) != 1 || len(ps[0].FixedIPs) != 1 {
		t.Fatalf("vm1's ports: %+v", ps)
	}
	fixed := netip.MustParseAddr(ps[0].FixedIPs[0].IPAddress)
	fip, err := floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: pub.ID, PortID: ps[0].ID}).Extract()
	must(t, err)
	floating := netip.MustParseAddr(fip.FloatingIP)
	compute := e.vmHost("cloud2", fixed)
	if compute == "cloud2" {
		t.Fatalf("vm1 (%v) lives on the cloud's node, want a compute node", fixed)
	}
	pubCIDR := netip.MustParsePrefix(pubSubnet.CIDR)
	e.until("ce1 learns cloud2's public subnet", 5*time.Second, func() bool { return e.has("ce1", "", pubCIDR) })
	show := func() (lab.SecurityGroupTable, string) {
		t.Helper()
		data, text, err := e.lab.Show(compute, "security-groups", "")
		must(t, err)
		return data.(lab.SecurityGroupTable), text
	}

	if res := e.ping("ce1", floating.String(), 2); res.Received != 0 {
		t.Fatalf("ping ce1 -> %v (floating IP of %v), default group without an ICMP ingress rule: %+v, want no reply", floating, fixed, res)
	}
	if tbl, text := show(); tbl.Dropped[fixed] < 2 {
		t.Errorf("show %s security-groups: %d drops for %v, want ce1's 2 requests:\n%s", compute, tbl.Dropped[fixed], fixed, text)
	}

	pages, err = groups.List(demo, groups.ListOpts{Name: "default", ProjectID: projectOf(t, demo)}).AllPages(ctx)
	must(t, err)
	def, err := groups.ExtractGroups(pages)
	must(t, err)
	if len(def) != 1 {
		t.Fatalf("default groups: %+v", def)
	}
	rule, err := rules.Create(ctx, demo, rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: def[0].ID,
		Protocol: rules.ProtocolICMP, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	must(t, err)
	res := e.ping("ce1", floating.String(), 3)
	if res.Received != 3 || res.Replies[0].From != floating {
		t.Fatalf("ping ce1 -> %v once an ICMP rule allows it: %+v, want 3 replies from the floating IP", floating, res)
	}
	tbl, text := show()
	t.Logf("show %s security-groups:\n%s", compute, text)
	counted := false
	for _, r := range tbl.Rules {
		if r.Rule == rule.ID && r.Addr == fixed {
			counted = true
			if r.Packets != 6 { // three requests, three replies
				t.Errorf("the ICMP rule counted %d packets for %v, want 6", r.Packets, fixed)
			}
		}
	}
	if !counted {
		t.Errorf("the ICMP rule for %v is not in show %s security-groups:\n%s", fixed, compute, text)
	}
	// Another compute filters its own VMs' ports, not this one's.
	for _, cn := range e.cloud("cloud2").Computes {
		if cn.Name == compute {
			continue
		}
		data, text, err := e.lab.Show(cn.Name, "security-groups", "")
		must(t, err)
		if other := data.(lab.SecurityGroupTable); len(other.Rules) != 0 || len(other.Dropped) != 0 {
			t.Errorf("show %s security-groups lists VMs of %s:\n%s", cn.Name, compute, text)
		}
	}

	// Stateful: the VM's own ping goes out with the floating IP as source
	// and its replies come back in, with or without the ingress rule.
	must(t, rules.Delete(ctx, demo, rule.ID).ExtractErr())
	if res := e.ping("ce1", floating.String(), 1); res.Received != 0 {
		t.Errorf("ping ce1 -> %v after the rule's delete: %+v", floating, res)
	}
	if res := e.ping(fixed.String(), "ce1", 2); res.Received != 2 {
		t.Errorf("ping %v -> ce1 through its floating IP: %+v, want its replies through", fixed, res)
	}
}
