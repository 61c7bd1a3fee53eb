package cloud

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"
)

// A network_l3 interconnection carries traffic, then the daemon restarts
// on the same state directory and another port (start listens on a new
// one), so the halves' remote_keystone names the lab's Keystone at an
// address nothing answers any more. The halves stay ACTIVE, the VMs'
// routes come back with the same labels and east's VM pings west's
// again; a refresh keeps them ACTIVE; deleting west's half reaches east
// through the lab's Keystone at its new address, turns east's half
// TEARDOWN and takes the route away.
func TestAnInterconnectionCarriesTrafficAfterARestartOnAnotherPort(t *testing.T) {
	dir := t.TempDir()
	m := loadN2N(t)
	e := start(t, m, dir)
	a := e.networkWithVM("east", "10.10.1.0/24", netip.MustParseAddr("10.10.1.10"))
	b := e.networkWithVM("west", "10.20.1.0/24", netip.MustParseAddr("10.20.1.10"))
	oldURL := e.clouds.AuthURL()
	eastID := e.createHalf(e.demo("east"), a.network, b.network, "west")
	westID := e.createHalf(e.demo("west"), b.network, a.network, "east")
	active := func(e *env) (vrfA, vrfB string) {
		t.Helper()
		e.bothActive(t, eastID, westID)
		vrfA, vrfB = e.interconnectedVRFs(a.host, a.addr, b.host, b.addr, eastID, westID)
		if res := e.pingFromVM(a.host, vrfA, a.addr, b.addr, 2); res.Received != 2 {
			t.Fatalf("ping %v (east) -> %v (west): %+v", a.addr, b.addr, res)
		}
		return vrfA, vrfB
	}
	vrfA, vrfB := active(e)
	cnB, _ := e.lab.Node(b.host)
	label := cnB.VPNLabel(vrfB)
	e.stop()

	again := start(t, m, dir)
	if again.clouds.AuthURL() == oldURL {
		t.Fatalf("the daemon came back on its old address %s", oldURL)
	}
	if v1, v2 := active(again); v1 != vrfA || v2 != vrfB {
		t.Errorf("VRFs %s/%s after the restart, %s/%s before", v1, v2, vrfA, vrfB)
	}
	rt, _ := again.vpnRoute(a.host, vrfA, host32(b.addr))
	if len(rt.Nexthops) == 0 || !slices.Contains(rt.Nexthops[0].Labels, label) {
		t.Errorf("%s's route to %v after the restart = %+v, want label %d", a.host, b.addr, rt, label)
	}
	de, dw := again.demo("east"), again.demo("west")
	if _, err := de.Put(ctxT(t), de.ServiceURL("interconnection", "interconnections", eastID, "refresh"), map[string]any{}, nil,
		&gophercloud.RequestOpts{OkCodes: []int{200}}); err != nil {
		t.Fatal(err)
	}
	testpeerWait(t, "east's half ACTIVE after the refresh", func() (bool, string) {
		s, r := again.halfState(de, eastID)
		return s == "ACTIVE", s + ": " + r
	})
	if _, err := dw.Delete(ctxT(t), dw.ServiceURL("interconnection", "interconnections", westID), nil); err != nil {
		t.Fatal(err)
	}
	testpeerWait(t, "east's half TEARDOWN", func() (bool, string) {
		s, r := again.halfState(de, eastID)
		return s == "TEARDOWN", s + ": " + r
	})
	again.until("west's VM's route gone from east's compute", 10*time.Second, func() bool {
		return !again.has(a.host, vrfA, host32(b.addr))
	})
}
