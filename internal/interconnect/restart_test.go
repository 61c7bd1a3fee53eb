package interconnect_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/intercloud/intercloud/internal/clock"
)

// rtOf is the route target a half exports, as sc (an admin) sees it.
func rtOf(t *testing.T, sc *gophercloud.ServiceClient, id string) string {
	t.Helper()
	rt, _ := show(t, sc, id)["local_parameters"].(map[string]any)["bgpvpn"].(string)
	return rt
}

// pendingDeletions is how many deleted halves of cloud lb's engine still
// owes its peer a word.
func pendingDeletions(t *testing.T, lb *lab, cloud string) int {
	t.Helper()
	gone, err := lb.c.Neutron(cloud).PendingDeletions(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return len(gone)
}

// TestDeletedHalfToldAfterRestart: two daemons, A serving cloud east and
// B cloud west, each half naming the other daemon's Keystone. East's
// half is deleted while west's APIs are off, and daemon A goes down
// before west could be told. West, which does not poll, stays ACTIVE.
// Until west is told, east's route target is not given to another
// interconnection. When A is back, its engine tells west (still
// retrying on A's clock while west is off); once west is back west's
// half turns TEARDOWN and its BGPVPN is gone, and A owes nothing more.
func TestDeletedHalfToldAfterRestart(t *testing.T) {
	clkA := clock.NewVirtual(time.Now())
	a := startLab(t, t.TempDir(), "", clkA)
	b := startLab(t, t.TempDir(), "", nil)
	de, dw := a.demo(t, east), b.demo(t, west)
	re, rw := router(t, de, "r-east"), router(t, dw, "r-west")
	e := interconnect(t, b, de, "router", re, rw, west)["id"].(string) // remote_keystone: B's
	w := interconnect(t, a, dw, "router", rw, re, east)["id"].(string) // remote_keystone: A's
	waitState(t, de, e, "ACTIVE", "")
	waitState(t, dw, w, "ACTIVE", "")
	goneRT := rtOf(t, a.admin(t, east), e)
	if len(named(bgpvpns(t, b.admin(t, west)), w)) != 1 {
		t.Fatal("west has no BGPVPN for its half")
	}

	off := west
	b.down.Store(&off)
	del(t, de, e)
	if n := pendingDeletions(t, a, east); n != 1 {
		t.Fatalf("east owes %d notices after the delete, want 1", n)
	}
	waitFor(t, "east's engine to fail to reach west and wait to retry", func() (bool, string) {
		return clkA.Pending() > 0, "no retry timer"
	})

	// A new pair in daemon A (east to A's own west) does not get the
	// deleted half's route target: west in B still imports it.
	ae := a.demo(t, east)
	aw := a.demo(t, west)
	r2e, r2w := router(t, ae, "r2-east"), router(t, aw, "r2-west")
	e2 := interconnect(t, a, ae, "router", r2e, r2w, west)["id"].(string)
	w2 := interconnect(t, a, aw, "router", r2w, r2e, east)["id"].(string)
	waitState(t, ae, e2, "ACTIVE", "")
	waitState(t, aw, w2, "ACTIVE", "")
	if rt := rtOf(t, a.admin(t, east), e2); rt == goneRT {
		t.Errorf("a new half got %s, which the deleted half's peer still imports", rt)
	}

	// Daemon A goes down with the notice owed; closing runs no more
	// attempts, so what it owes after the restart is what the delete's
	// transaction stored.
	a.stop()
	westState := func() string { // read past the switch that keeps west's APIs off
		t.Helper()
		ic, ok, err := b.c.Neutron(west).Interconnection(ctx(t), w)
		if err != nil || !ok {
			t.Fatalf("west's half: %v %v", ok, err)
		}
		return ic.State + ": " + ic.StateReason
	}
	if s := westState(); !strings.HasPrefix(s, "ACTIVE") {
		t.Fatalf("west learnt of the delete while it was off: %s", s)
	}
	a = startLab(t, a.dir, a.addr, clkA)
	waitFor(t, "the restarted engine to try west and wait to retry", func() (bool, string) {
		return clkA.Pending() > 0, "no retry timer"
	})
	if n := pendingDeletions(t, a, east); n != 1 {
		t.Fatalf("east owes %d notices after the restart, want 1", n)
	}
	if s := westState(); !strings.HasPrefix(s, "ACTIVE") {
		t.Fatalf("west torn down while its APIs were off: %s", s)
	}

	b.down.Store(nil)
	clkA.AdvanceToNext()
	waitState(t, dw, w, "TEARDOWN", "was deleted")
	if vs := named(bgpvpns(t, b.admin(t, west)), w); len(vs) != 0 {
		t.Errorf("west keeps %v after TEARDOWN", vs)
	}
	waitFor(t, "east to owe nothing", func() (bool, string) {
		n := pendingDeletions(t, a, east)
		return n == 0, "notices pending"
	})
	// The pair made meanwhile is untouched.
	waitState(t, a.demo(t, east), e2, "ACTIVE", "")
}

// TestLabKeystoneFollowsTheDaemonsAddress: halves whose remote_keystone
// names this lab's own Keystone keep working when the daemon comes back
// on another port: a half made before the move pairs with one made
// after it, a pair made before the move still tears down from either
// side, and Neutron shows remote_keystone as the tenant sent it.
func TestLabKeystoneFollowsTheDaemonsAddress(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	oldURL := lb.keystoneURL() + "/v3"
	de, dw := lb.demo(t, east), lb.demo(t, west)
	// p1 is ACTIVE before the move; east's half sent remote_keystone null
	// (this lab's Keystone), west's the URL.
	r1e, r1w := router(t, de, "r1-east"), router(t, dw, "r1-west")
	e1 := post(t, de, "interconnection", map[string]any{"name": "p1", "type": "router", "local_resource_id": r1e,
		"remote_resource_id": r1w, "remote_region": west, "remote_keystone": nil}, interURL...)["id"].(string)
	w1 := interconnect(t, lb, dw, "router", r1w, r1e, east)["id"].(string)
	waitState(t, de, e1, "ACTIVE", "")
	waitState(t, dw, w1, "ACTIVE", "")
	// e2 waits for its other half, which is made after the move.
	r2e, r2w := router(t, de, "r2-east"), router(t, dw, "r2-west")
	e2 := interconnect(t, lb, de, "router", r2e, r2w, west)["id"].(string)
	waitState(t, de, e2, "TO_VALIDATE", "no interconnection in region west")

	lb.stop()
	moved := startLab(t, lb.dir, "", nil)
	if moved.addr == lb.addr {
		t.Fatalf("the lab came back on its old address %s", lb.addr)
	}
	de, dw = moved.demo(t, east), moved.demo(t, west)
	w2 := interconnect(t, moved, dw, "router", r2w, r2e, east)["id"].(string)
	waitState(t, de, e2, "ACTIVE", "")
	waitState(t, dw, w2, "ACTIVE", "")
	if got := show(t, de, e2)["remote_keystone"]; got != oldURL {
		t.Errorf("remote_keystone shown as %v, the tenant sent %s", got, oldURL)
	}
	if got := show(t, dw, w1)["remote_keystone"]; got != oldURL {
		t.Errorf("remote_keystone shown as %v, the tenant sent %s", got, oldURL)
	}
	checkActive(t, moved, pair{eastRouter: r2e, westRouter: r2w, eastID: e2, westID: w2})

	// The pair made before the move: a refresh leaves it ACTIVE with its
	// BGPVPNs, and deleting west's half tears east's down, which takes
	// both clouds' engines reaching each other at the new address.
	if _, err := de.Put(ctx(t), de.ServiceURL(append(interURL, e1, "refresh")...), map[string]any{}, nil,
		&gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}}); err != nil {
		t.Fatal(err)
	}
	waitState(t, de, e1, "ACTIVE", "exporting")
	checkActive(t, moved, pair{eastRouter: r1e, westRouter: r1w, eastID: e1, westID: w1})
	del(t, dw, w1)
	waitState(t, de, e1, "TEARDOWN", "was deleted")
	if vs := named(bgpvpns(t, moved.admin(t, east)), e1); len(vs) != 0 {
		t.Errorf("east keeps %v after TEARDOWN", vs)
	}
	waitFor(t, "west to owe nothing", func() (bool, string) {
		return pendingDeletions(t, moved, west) == 0, "notices pending"
	})
}
