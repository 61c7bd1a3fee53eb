package cloud

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/portsecurity"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/router"
)

// TestAVMsPortDropsSpoofedSourcesUnlessAllowedAsAddressPairs drives
// cloud1 of the seed lab as its tenant would, with VMs that send UDP to
// ce2 across the core from sources they choose: a VIP that is not the
// VM's is dropped on its compute node (ce2 never sees it; the port's
// anti-spoofing counter counts it); the VIP added to the port's
// allowed_address_pairs passes at once, and shared by a second port
// (VRRP) passes from both, not from a third; a fixed IP added to a port
// is usable at once; a pair removed closes the VIP again; a port with
// port security off sends from anything.
func TestAVMsPortDropsSpoofedSourcesUnlessAllowedAsAddressPairs(t *testing.T) {
	e := start(t, loadModel(t, ""), t.TempDir())
	c := e.setupCloud("cloud1")
	e.addBGP(c, e.cloudASN("cloud1"))
	e.until("ce2 learns cloud1's subnet", 5*time.Second, func() bool { return e.has("ce2", "", c.tenant) })
	ctx := ctxT(t)
	ce2, _ := e.lab.Node("ce2")
	_, ce2Addr, err := e.lab.Resolve("ce2")
	must(t, err)

	var mu sync.Mutex
	seen := map[string]netip.Addr{} // payload -> source ce2 saw
	stop, err := ce2.Router.ListenUDP("", 9, func(d router.UDPDatagram) {
		mu.Lock()
		seen[string(d.Payload)] = d.Src.Addr()
		mu.Unlock()
	})
	must(t, err)
	defer stop()
	sent := 0
	// send has the VM at sender send a datagram from src, then one from
	// its own address; once that one reached ce2, the first would have
	// too (same path, in order). It reports whether the first arrived.
	send := func(sender, src netip.Addr) bool {
		t.Helper()
		sent++
		// The VM sends from where it lives: its compute node.
		host, _, err := e.lab.Resolve(sender.String())
		must(t, err)
		node, ok := e.lab.Node(host)
		if !ok {
			t.Fatalf("no node has VM %v", sender)
		}
		probe, marker := fmt.Sprintf("probe-%d", sent), fmt.Sprintf("marker-%d", sent)
		must(t, node.Router.SendUDPAs(sender, "", netip.AddrPortFrom(src, 5000), netip.AddrPortFrom(ce2Addr, 9), []byte(probe)))
		must(t, node.Router.SendUDPAs(sender, "", netip.AddrPortFrom(sender, 5001), netip.AddrPortFrom(ce2Addr, 9), []byte(marker)))
		e.until("ce2 gets "+marker+" from "+sender.String(), 5*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			_, ok := seen[marker]
			return ok
		})
		mu.Lock()
		defer mu.Unlock()
		from, ok := seen[probe]
		if ok && from != src {
			t.Errorf("%s arrived from %v, sent from %v", probe, from, src)
		}
		return ok
	}
	spoofed := func(vm netip.Addr) uint64 {
		t.Helper()
		data, _, err := e.lab.Show("cloud1", "security-groups", "")
		must(t, err)
		return data.(lab.SecurityGroupTable).Spoofed[vm]
	}

	vip := c.tenant.Addr().Next()
	for range 199 {
		vip = vip.Next() // .200: beyond what the ports here are given
	}
	vm1, err := ports.Get(ctx, c.demo, c.vmPort).Extract()
	must(t, err)
	if send(c.vm, vip) {
		t.Fatalf("ce2 received a datagram %v sent from %v, not its port's address", c.vm, vip)
	}
	if n := spoofed(c.vm); n != 1 {
		t.Errorf("anti-spoofing drops of %v: %d, want 1", c.vm, n)
	}
	data, text, err := e.lab.Show("cloud1", "security-groups", "")
	must(t, err)
	t.Logf("show cloud1 security-groups:\n%s", text)
	if want := fmt.Sprintf("%v: may send from %v/32; 1 packets dropped (source not allowed)", c.vm, c.vm); !strings.Contains(text, want) {
		t.Errorf("the table lacks %q", want)
	}
	raw, err := json.Marshal(data) // what -o json prints
	must(t, err)
	var asJSON struct {
		Sources map[string][]string `json:"sources"`
		Spoofed map[string]uint64   `json:"spoofed"`
	}
	must(t, json.Unmarshal(raw, &asJSON))
	if n, src := asJSON.Spoofed[c.vm.String()], asJSON.Sources[c.vm.String()]; n != 1 || len(src) != 1 || src[0] != c.vm.String()+"/32" {
		t.Errorf("-o json: spoofed %d, sources %v of %v: %s", n, src, c.vm, raw)
	}

	// The VIP as an allowed address pair: it passes at once.
	pairs := []ports.AddressPair{{IPAddress: vip.String()}}
	_, err = ports.Update(ctx, c.demo, vm1.ID, ports.UpdateOpts{AllowedAddressPairs: &pairs}).Extract()
	must(t, err)
	if !send(c.vm, vip) {
		t.Fatalf("%v's datagram from %v, an allowed address pair, did not reach ce2", c.vm, vip)
	}

	// VRRP: a second VM shares the VIP; a third, without it, is refused.
	vm2, err := ports.Create(ctx, c.demo, ports.CreateOpts{NetworkID: vm1.NetworkID, DeviceID: "vm-2", DeviceOwner: "compute:nova",
		AllowedAddressPairs: []ports.AddressPair{{IPAddress: vip.String()}}}).Extract()
	must(t, err)
	vm3, err := ports.Create(ctx, c.demo, ports.CreateOpts{NetworkID: vm1.NetworkID, DeviceID: "vm-3", DeviceOwner: "compute:nova"}).Extract()
	must(t, err)
	a2, a3 := netip.MustParseAddr(vm2.FixedIPs[0].IPAddress), netip.MustParseAddr(vm3.FixedIPs[0].IPAddress)
	if !send(a2, vip) || !send(c.vm, vip) {
		t.Errorf("the VIP %v shared by %v and %v did not pass from both", vip, c.vm, a2)
	}
	if send(a3, vip) || spoofed(a3) != 1 {
		t.Errorf("%v, without the pair, sent from the VIP %v (anti-spoofing drops %d)", a3, vip, spoofed(a3))
	}

	// A fixed IP added to vm-3 is its own at once.
	extra := vip.Next()
	if send(a3, extra) {
		t.Errorf("%v sent from %v before it was its fixed IP", a3, extra)
	}
	_, err = ports.Update(ctx, c.demo, vm3.ID, ports.UpdateOpts{FixedIPs: []ports.IP{
		{SubnetID: vm3.FixedIPs[0].SubnetID, IPAddress: a3.String()}, {SubnetID: vm3.FixedIPs[0].SubnetID, IPAddress: extra.String()}}}).Extract()
	must(t, err)
	if !send(a3, extra) {
		t.Errorf("%v's datagram from its new fixed IP %v did not reach ce2", a3, extra)
	}

	// The pair removed from vm-1: the VIP is refused again.
	none := []ports.AddressPair{}
	_, err = ports.Update(ctx, c.demo, vm1.ID, ports.UpdateOpts{AllowedAddressPairs: &none}).Extract()
	must(t, err)
	if send(c.vm, vip) {
		t.Errorf("%v sent from %v after its pair was removed", c.vm, vip)
	}

	// Port security off (its groups removed first, as Neutron requires):
	// nothing checks vm-3's sources.
	noGroups := []string{}
	off := portsecurity.PortUpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{SecurityGroups: &noGroups}, PortSecurityEnabled: ptr(false)}
	_, err = ports.Update(ctx, c.demo, vm3.ID, off).Extract()
	must(t, err)
	if !send(a3, vip) {
		t.Errorf("%v, without port security, could not send from %v", a3, vip)
	}
}
