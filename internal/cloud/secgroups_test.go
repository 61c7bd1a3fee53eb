package cloud

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/intercloud/intercloud/internal/lab"
)

// openDefaultGroup lets ICMP and UDP from anywhere into the client's
// project's default group, as a tenant does before pinging or tracing
// its VMs: a security group admits no new inbound flow otherwise.
func openDefaultGroup(t testing.TB, ctx context.Context, c *gophercloud.ServiceClient) {
	t.Helper()
	// The caller's own: an admin lists every project's.
	pages, err := groups.List(c, groups.ListOpts{Name: "default", ProjectID: projectOf(t, c)}).AllPages(ctx)
	must(t, err)
	all, err := groups.ExtractGroups(pages)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("default groups: %+v", all)
	}
	for _, proto := range []rules.RuleProtocol{rules.ProtocolICMP, rules.ProtocolUDP} {
		_, err := rules.Create(ctx, c, rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: all[0].ID,
			Protocol: proto, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
		must(t, err)
	}
}

// TestSecurityGroupsFilterAVMsTrafficStatefully drives cloud1 of the
// seed lab as its tenant would: a VM in a new group "web" (only its
// egress rules) is not reachable from ce2 across the core, nor from a
// VM of the default group; its own ping to ce2 gets its replies, and its
// traceroute the ICMP errors its probes cause; a rule
// `--protocol icmp --ingress --remote-ip 0.0.0.0/0` lets ce2's ping in,
// and the rule's counter counts the requests and replies.
func TestSecurityGroupsFilterAVMsTrafficStatefully(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	c := e.setupCloud("cloud1")
	e.addBGP(c, e.cloudASN("cloud1"))
	e.until("ce2 learns cloud1's subnet", 5*time.Second, func() bool { return e.has("ce2", "", c.tenant) })
	ctx := ctxT(t)
	web, err := groups.Create(ctx, c.demo, groups.CreateOpts{Name: "web"}).Extract()
	must(t, err)
	vm1, err := ports.Get(ctx, c.demo, c.vmPort).Extract()
	must(t, err)
	p2, err := ports.Create(ctx, c.demo, ports.CreateOpts{NetworkID: c.network, DeviceID: "vm-2", DeviceOwner: "compute:nova",
		SecurityGroups: &[]string{web.ID}}).Extract()
	must(t, err)
	vm2 := netip.MustParseAddr(p2.FixedIPs[0].IPAddress)

	if res := e.ping("ce2", vm2.String(), 2); res.Received != 0 {
		t.Fatalf("ping ce2 -> %v in group web with no ingress rule: %+v", vm2, res)
	}
	if res := e.ping(vm1.FixedIPs[0].IPAddress, vm2.String(), 1); res.Received != 0 {
		t.Errorf("a VM of the default group reached %v in group web: %+v", vm2, res)
	}
	if res := e.ping(vm2.String(), "ce2", 2); res.Received != 2 {
		t.Errorf("ping %v -> ce2: %+v, want its replies through", vm2, res)
	}
	// Its traceroute too: the ICMP errors its probes cause are related.
	if tr := e.trace(vm2.String(), "ce2"); !tr.Reached {
		t.Errorf("trace %v -> ce2:\n%v", vm2, tr)
	}
	rule, err := rules.Create(ctx, c.demo, rules.CreateOpts{Direction: rules.DirIngress, EtherType: rules.EtherType4, SecGroupID: web.ID,
		Protocol: rules.ProtocolICMP, RemoteIPPrefix: "0.0.0.0/0"}).Extract()
	must(t, err)
	if res := e.ping("ce2", vm2.String(), 3); res.Received != 3 {
		t.Fatalf("ping ce2 -> %v once an ICMP rule allows it: %+v", vm2, res)
	}
	data, text, err := e.lab.Show("cloud1", "security-groups", "")
	must(t, err)
	t.Logf("show cloud1 security-groups:\n%s", text)
	tbl := data.(lab.SecurityGroupTable)
	counted := false
	for _, r := range tbl.Rules {
		if r.Rule == rule.ID && r.Addr == vm2 {
			counted = r.Packets == 6 // three requests, three replies
			if !counted {
				t.Errorf("the ICMP rule counted %d packets, want 6", r.Packets)
			}
		}
	}
	if !counted && !t.Failed() {
		t.Errorf("the ICMP rule is not in the table:\n%s", text)
	}
	if tbl.Dropped[vm2] == 0 || !strings.Contains(text, "web") {
		t.Errorf("drops of %v: %d, table:\n%s", vm2, tbl.Dropped[vm2], text)
	}
	// Deleting the rule closes the VM again.
	must(t, rules.Delete(ctx, c.demo, rule.ID).ExtractErr())
	if res := e.ping("ce2", vm2.String(), 1); res.Received != 0 {
		t.Errorf("ping ce2 -> %v after the rule's delete: %+v", vm2, res)
	}
}

// projectOf is the id of the project c's token is scoped to.
func projectOf(t testing.TB, c *gophercloud.ServiceClient) string {
	t.Helper()
	r, ok := c.ProviderClient.GetAuthResult().(tokens.CreateResult)
	if !ok {
		t.Fatalf("not a Keystone v3 token: %T", c.ProviderClient.GetAuthResult())
	}
	p, err := r.ExtractProject()
	if err != nil || p == nil {
		t.Fatalf("the token's project: %v", err)
	}
	return p.ID
}
