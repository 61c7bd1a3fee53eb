package interconnect_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/openstack/keystone"
)

// pair is an interconnection's two halves with their routers.
type pair struct {
	eastRouter, westRouter string
	eastID, westID         string
}

// makePair creates a router in each cloud and the two halves, east's
// first, and waits for both to be ACTIVE.
func makePair(t *testing.T, lb *lab) pair {
	t.Helper()
	de, dw := lb.demo(t, east), lb.demo(t, west)
	var p pair
	p.eastRouter, p.westRouter = router(t, de, "r-east"), router(t, dw, "r-west")
	p.eastID = interconnect(t, lb, de, "router", p.eastRouter, p.westRouter, west)["id"].(string)
	p.westID = interconnect(t, lb, dw, "router", p.westRouter, p.eastRouter, east)["id"].(string)
	waitState(t, de, p.eastID, "ACTIVE", "")
	waitState(t, dw, p.westID, "ACTIVE", "")
	return p
}

// checkActive checks, as the admins see them, that the halves point at
// each other, that each imports the route target the other exports, and
// that each cloud has the BGPVPN doing so on its router for the tenant.
func checkActive(t *testing.T, lb *lab, p pair) (eastRT, westRT string) {
	t.Helper()
	ae, aw := lb.admin(t, east), lb.admin(t, west)
	e, w := show(t, ae, p.eastID), show(t, aw, p.westID)
	if e["remote_interconnection_id"] != p.westID || w["remote_interconnection_id"] != p.eastID {
		t.Errorf("remote ids: east's %v, west's %v", e["remote_interconnection_id"], w["remote_interconnection_id"])
	}
	eastRT, _ = e["local_parameters"].(map[string]any)["bgpvpn"].(string)
	westRT, _ = w["local_parameters"].(map[string]any)["bgpvpn"].(string)
	if eastRT == "" || westRT == "" || eastRT == westRT {
		t.Fatalf("route targets east %q west %q: want two distinct ones", eastRT, westRT)
	}
	if got := w["remote_parameters"].(map[string]any)["bgpvpn"]; got != eastRT {
		t.Errorf("west imports %v, east exports %s", got, eastRT)
	}
	if got := e["remote_parameters"].(map[string]any)["bgpvpn"]; got != westRT {
		t.Errorf("east imports %v, west exports %s", got, westRT)
	}
	for _, c := range []struct {
		admin              *gophercloud.ServiceClient
		id, router         string
		exportRT, importRT string
		project            any
	}{{ae, p.eastID, p.eastRouter, eastRT, westRT, e["project_id"]}, {aw, p.westID, p.westRouter, westRT, eastRT, w["project_id"]}} {
		var found map[string]any
		for _, v := range bgpvpns(t, c.admin) {
			if v["name"] == "interconnection:"+c.id {
				found = v
			}
		}
		if found == nil {
			t.Fatalf("no BGPVPN for %s", c.id)
		}
		if !sameList(found["export_targets"], c.exportRT) || !sameList(found["import_targets"], c.importRT) ||
			!sameList(found["routers"], c.router) || found["tenant_id"] != c.project || found["type"] != "l3" {
			t.Errorf("BGPVPN of %s: %v", c.id, found)
		}
	}
	return eastRT, westRT
}

func sameList(v any, want ...string) bool {
	l, _ := v.([]any)
	var got []string
	for _, x := range l {
		s, _ := x.(string)
		got = append(got, s)
	}
	return slices.Equal(got, want)
}

// TestRoutersInterconnect: a tenant creates one half in each cloud; the
// clouds find each other through their APIs, exchange route targets and
// build BGPVPNs, and both halves end ACTIVE. The tenant sees its halves
// without the parameters (admins and peers only, as the spec's policy).
func TestRoutersInterconnect(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	de := lb.demo(t, east)
	r := router(t, de, "r-east")
	first := interconnect(t, lb, de, "router", r, "6c2a2b4e-0d0f-4c43-9a5e-3b8e1f2d7c11", west)
	if first["state"] != "TO_VALIDATE" {
		t.Errorf("new half: %v", first)
	}
	if _, shown := first["local_parameters"]; shown {
		t.Errorf("the tenant sees local_parameters: %v", first)
	}
	waitState(t, de, first["id"].(string), "TO_VALIDATE", "no interconnection in region west")

	p := makePair(t, lb)
	checkActive(t, lb, p)
	ic := show(t, lb.demo(t, west), p.westID)
	if _, shown := ic["remote_parameters"]; shown || ic["type"] != "router" || ic["remote_region"] != east {
		t.Errorf("west's half as its tenant sees it: %v", ic)
	}
	// The extension is listed.
	var exts struct {
		Extensions []map[string]any `json:"extensions"`
	}
	if _, err := de.Get(ctx(t), de.ServiceURL("extensions"), &exts, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(exts.Extensions, func(e map[string]any) bool { return e["alias"] == "inter" }) {
		t.Error("extension inter not listed")
	}
}

// TestNetworkL3Interconnect: network_l3 halves associate the networks.
func TestNetworkL3Interconnect(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	de, dw := lb.demo(t, east), lb.demo(t, west)
	ne := post(t, de, "network", map[string]any{"name": "n-east"}, "networks")["id"].(string)
	nw := post(t, dw, "network", map[string]any{"name": "n-west"}, "networks")["id"].(string)
	e := interconnect(t, lb, de, "network_l3", ne, nw, west)["id"].(string)
	w := interconnect(t, lb, dw, "network_l3", nw, ne, east)["id"].(string)
	waitState(t, de, e, "ACTIVE", "")
	waitState(t, dw, w, "ACTIVE", "")
	for _, c := range []struct {
		region, id, net string
	}{{east, e, ne}, {west, w, nw}} {
		vs := bgpvpns(t, lb.admin(t, c.region))
		if len(vs) != 1 || !sameList(vs[0]["networks"], c.net) || !sameList(vs[0]["routers"]) {
			t.Errorf("%s's BGPVPNs: %v", c.region, vs)
		}
	}
}

// TestTypesMustMatch: a router half does not pair with a network half.
func TestTypesMustMatch(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	de, dw := lb.demo(t, east), lb.demo(t, west)
	r := router(t, de, "r-east")
	n := post(t, dw, "network", map[string]any{"name": "n-west"}, "networks")["id"].(string)
	e := interconnect(t, lb, de, "router", r, n, west)["id"].(string)
	interconnect(t, lb, dw, "network_l3", n, r, east)
	waitState(t, de, e, "TO_VALIDATE", "of type network_l3, this one of type router")
}

// TestTenantIsolation: another project sees, refreshes and deletes none
// of a tenant's halves, and its own list is empty.
func TestTenantIsolation(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	p := makePair(t, lb)
	// west's demo user, on its project, calling east's Neutron: another
	// tenant there.
	other := lb.client(t, east, "demo-west", "demo-west")
	var out struct {
		Interconnections []map[string]any `json:"interconnections"`
	}
	if _, err := other.Get(ctx(t), other.ServiceURL(interURL...), &out, nil); err != nil || len(out.Interconnections) != 0 {
		t.Errorf("another tenant lists %v (%v)", out.Interconnections, err)
	}
	for _, m := range []string{"GET", "DELETE", "PUT"} {
		path := append(slices.Clone(interURL), p.eastID)
		if m == "PUT" {
			path = append(path, "refresh")
		}
		code, body := rawCall(t, other, m, "", path...)
		if code != http.StatusNotFound || body["NeutronError"].(map[string]any)["type"] != "InterconnectionNotFound" {
			t.Errorf("%s by another tenant: %d %v", m, code, body)
		}
	}
	// The owner's list holds its half; the admin's too.
	if _, err := lb.demo(t, east).Get(ctx(t), other.ServiceURL(interURL...), &out, nil); err != nil || len(out.Interconnections) != 1 {
		t.Errorf("owner lists %v (%v)", out.Interconnections, err)
	}
	checkActive(t, lb, p)
}

// TestPeerDownDuringCreation: west's APIs are off when east's half is
// created: east says why and retries on the lab's clock; when west is
// back, the next retry finds west's half and both become ACTIVE.
func TestPeerDownDuringCreation(t *testing.T) {
	clk := clock.NewVirtual(time.Now())
	lb := startLab(t, t.TempDir(), "", clk)
	de, dw := lb.demo(t, east), lb.demo(t, west)
	re, rw := router(t, de, "r-east"), router(t, dw, "r-west")
	w := interconnect(t, lb, dw, "router", rw, re, east)["id"].(string)
	waitState(t, dw, w, "TO_VALIDATE", "no interconnection in region east")

	off := west
	lb.down.Store(&off)
	e := interconnect(t, lb, de, "router", re, rw, west)["id"].(string)
	waitState(t, de, e, "TO_VALIDATE", "cannot reach region west")
	waitState(t, de, e, "TO_VALIDATE", "retry 1 of 8 in 500ms")
	clk.Advance(500 * time.Millisecond)
	waitState(t, de, e, "TO_VALIDATE", "retry 2 of 8 in 1s")

	lb.down.Store(nil)
	clk.Advance(time.Second)
	waitState(t, de, e, "ACTIVE", "")
	waitState(t, dw, w, "ACTIVE", "")
	checkActive(t, lb, pair{eastRouter: re, westRouter: rw, eastID: e, westID: w})
}

// TestPeerBackThenRefresh: after the peer is back, the tenant's refresh
// does not wait for the next retry.
func TestPeerBackThenRefresh(t *testing.T) {
	clk := clock.NewVirtual(time.Now())
	lb := startLab(t, t.TempDir(), "", clk)
	de, dw := lb.demo(t, east), lb.demo(t, west)
	re, rw := router(t, de, "r-east"), router(t, dw, "r-west")
	w := interconnect(t, lb, dw, "router", rw, re, east)["id"].(string)
	off := west
	lb.down.Store(&off)
	e := interconnect(t, lb, de, "router", re, rw, west)["id"].(string)
	waitState(t, de, e, "TO_VALIDATE", "cannot reach region west")
	lb.down.Store(nil)
	if _, err := de.Put(ctx(t), de.ServiceURL(append(interURL, e, "refresh")...), map[string]any{}, nil,
		&gophercloud.RequestOpts{OkCodes: []int{http.StatusOK}}); err != nil {
		t.Fatal(err)
	}
	waitState(t, de, e, "ACTIVE", "")
	waitState(t, dw, w, "ACTIVE", "")
}

// TestRetriesAreBounded: a peer that never comes back is given up on,
// and the reason says how to try again.
func TestRetriesAreBounded(t *testing.T) {
	clk := clock.NewVirtual(time.Now())
	lb := startLab(t, t.TempDir(), "", clk)
	de := lb.demo(t, east)
	off := west
	lb.down.Store(&off)
	e := interconnect(t, lb, de, "router", router(t, de, "r"), "6c2a2b4e-0d0f-4c43-9a5e-3b8e1f2d7c11", west)["id"].(string)
	for i := 1; i <= 8; i++ {
		ic := waitState(t, de, e, "TO_VALIDATE", "cannot reach region west")
		if strings.Contains(ic["state_reason"].(string), "gave up") {
			t.Fatalf("gave up after %d: %v", i, ic["state_reason"])
		}
		waitFor(t, "a retry timer", func() (bool, string) { return clk.Pending() > 0, "none" })
		clk.AdvanceToNext()
	}
	waitState(t, de, e, "TO_VALIDATE", "gave up after 8 retries")
	waitFor(t, "no timer left", func() (bool, string) { return clk.Pending() == 0, "pending" })
}

// TestTeardownFromEitherSide: deleting one half removes its BGPVPN at
// once and turns the other TEARDOWN with its BGPVPN gone too.
func TestTeardownFromEitherSide(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	for _, side := range []string{east, west} {
		t.Run("delete "+side, func(t *testing.T) {
			p := makePair(t, lb)
			checkActive(t, lb, p)
			gone, stays, goneID, staysID := east, west, p.eastID, p.westID
			if side == west {
				gone, stays, goneID, staysID = west, east, p.westID, p.eastID
			}
			dg := lb.demo(t, gone)
			if _, err := dg.Delete(ctx(t), dg.ServiceURL(append(interURL, goneID)...), nil); err != nil {
				t.Fatal(err)
			}
			if vs := named(bgpvpns(t, lb.admin(t, gone)), goneID); len(vs) != 0 {
				t.Errorf("%s keeps %v", gone, vs)
			}
			ic := waitState(t, lb.demo(t, stays), staysID, "TEARDOWN", "was deleted")
			if vs := named(bgpvpns(t, lb.admin(t, stays)), staysID); len(vs) != 0 {
				t.Errorf("%s keeps %v after TEARDOWN", stays, vs)
			}
			if a := show(t, lb.admin(t, stays), staysID); len(a["local_parameters"].(map[string]any)) != 0 {
				t.Errorf("torn down half keeps its route target: %v", a)
			}
			_ = ic
		})
	}
}

func named(vs []map[string]any, id string) []map[string]any {
	var out []map[string]any
	for _, v := range vs {
		if v["name"] == "interconnection:"+id {
			out = append(out, v)
		}
	}
	return out
}

// TestRestartMidLife: the daemon restarts between the two halves'
// creations and again once they are ACTIVE; the pair ends ACTIVE with
// the same route targets and BGPVPNs as before.
func TestRestartMidLife(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	de, dw := lb.demo(t, east), lb.demo(t, west)
	re, rw := router(t, de, "r-east"), router(t, dw, "r-west")
	e := interconnect(t, lb, de, "router", re, rw, west)["id"].(string)
	waitState(t, de, e, "TO_VALIDATE", "no interconnection in region west")

	lb = lb.restart(t)
	de, dw = lb.demo(t, east), lb.demo(t, west)
	w := interconnect(t, lb, dw, "router", rw, re, east)["id"].(string)
	waitState(t, de, e, "ACTIVE", "")
	waitState(t, dw, w, "ACTIVE", "")
	p := pair{eastRouter: re, westRouter: rw, eastID: e, westID: w}
	eastRT, westRT := checkActive(t, lb, p)
	before := bgpvpns(t, lb.admin(t, east))

	lb = lb.restart(t)
	waitState(t, lb.demo(t, east), e, "ACTIVE", "")
	waitState(t, lb.demo(t, west), w, "ACTIVE", "")
	e2, w2 := checkActive(t, lb, p)
	if e2 != eastRT || w2 != westRT {
		t.Errorf("route targets moved: %s %s -> %s %s", eastRT, westRT, e2, w2)
	}
	after := bgpvpns(t, lb.admin(t, east))
	if len(after) != 1 || len(before) != 1 || after[0]["id"] != before[0]["id"] {
		t.Errorf("BGPVPNs before %v after %v", before, after)
	}
}

// TestShowInterconnections: show CLOUD interconnections (the daemon's
// cloud table) lists each half's state, route targets and BGPVPN.
func TestShowInterconnections(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	p := makePair(t, lb)
	eastRT, westRT := checkActive(t, lb, p)
	data, text, ok, err := lb.c.Table(ctx(t), east, "interconnections")
	if !ok || err != nil {
		t.Fatalf("table: %v %v", ok, err)
	}
	rows := data.([]api.Interconnection)
	if len(rows) != 1 || rows[0].State != "ACTIVE" || rows[0].LocalRT != eastRT || rows[0].RemoteRT != westRT ||
		rows[0].RemoteInterconnectionID != p.westID || len(rows[0].BGPVPNs) != 1 ||
		!slices.Equal(rows[0].BGPVPNs[0].Routers, []string{p.eastRouter}) || !slices.Equal(rows[0].BGPVPNs[0].ExportTargets, []string{eastRT}) {
		t.Errorf("rows: %+v", rows)
	}
	for _, want := range []string{p.eastID, "ACTIVE", eastRT, westRT, "west:" + p.westRouter, rows[0].BGPVPNs[0].ID + " on " + p.eastRouter} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if _, _, ok, _ := lb.c.Table(ctx(t), east, "route"); ok {
		t.Error("the cloud answers the lab's route table")
	}
	if _, _, ok, _ := lb.c.Table(ctx(t), "pe1", "interconnections"); ok {
		t.Error("a node that is no cloud answers interconnections")
	}
	if _, text, _, _ := lb.c.Table(ctx(t), west, "interconnections"); !strings.Contains(text, p.westID) {
		t.Errorf("west's table:\n%s", text)
	}
}

// TestPeerRole: the service user the clouds use on each other's
// Keystone reads every project's halves with their parameters and may
// refresh one, but changes or deletes none.
func TestPeerRole(t *testing.T) {
	lb := startLab(t, t.TempDir(), "", nil)
	p := makePair(t, lb)
	peer := lb.client(t, east, keystone.InterconnectionUser, keystone.ServiceProject)
	ic := show(t, peer, p.eastID)
	if rt, _ := ic["local_parameters"].(map[string]any)["bgpvpn"].(string); rt == "" {
		t.Errorf("the peer does not see the route target: %v", ic)
	}
	code, body := rawCall(t, peer, "PUT", `{"interconnection": {"name": "x"}}`, append(interURL, p.eastID)...)
	if code != http.StatusForbidden || body["NeutronError"].(map[string]any)["type"] != "PolicyNotAuthorized" {
		t.Errorf("peer rename: %d %v", code, body)
	}
	if code, body = rawCall(t, peer, "DELETE", "", append(interURL, p.eastID)...); code != http.StatusForbidden {
		t.Errorf("peer delete: %d %v", code, body)
	}
	if code, body = rawCall(t, peer, "PUT", "", append(interURL, p.eastID, "refresh")...); code != http.StatusOK {
		t.Errorf("peer refresh: %d %v", code, body)
	}
	waitState(t, lb.demo(t, east), p.eastID, "ACTIVE", "")
}
