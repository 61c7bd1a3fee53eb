package diagram

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// In the seed lab everything outside the core hangs off one PE per side,
// so the CEs and clouds go in rows above and below the core, in their
// PE's column: three columns instead of five, the drawing narrower than
// a README page and about as tall as wide.
func TestSmallLabsLiftEdgesAboveAndBelowTheCore(t *testing.T) {
	seed, err := topology.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	v := newView(seed, Options{BGP: true})
	L := newLayout(v, Options{BGP: true})
	at := map[string]nodeGeom{}
	for i, n := range v.nodes {
		at[n.name] = L.nodes[i]
	}
	if L.ncols != 3 {
		t.Errorf("%d columns, want 3 (PEs, Ps, PEs)", L.ncols)
	}
	var core rect
	for _, a := range L.areas {
		if a.a.id == 0 {
			core = a.r
		}
	}
	above := func(a, b string) {
		t.Helper()
		if ga, gb := at[a], at[b]; ga.col != gb.col || ga.bottom() > gb.Y {
			t.Errorf("%s (col %d, bottom %.0f) is not above %s (col %d, top %.0f)", a, ga.col, ga.bottom(), b, gb.col, gb.Y)
		}
	}
	above("cloud1", "ce1")
	above("ce1", "pe1")
	above("cloud2", "ce2")
	above("ce2", "pe2")
	above("pe2", "cloud3")
	for _, n := range []string{"ce1", "ce2"} {
		if at[n].bottom() > core.Y {
			t.Errorf("%s (bottom %.0f) reaches into the core's area box (top %.0f)", n, at[n].bottom(), core.Y)
		}
	}
	if at["cloud3"].Y < core.bottom() {
		t.Errorf("cloud3 (top %.0f) reaches into the core's area box (bottom %.0f)", at["cloud3"].Y, core.bottom())
	}
	for _, e := range L.edges {
		if !e.link.l.Core && e.kind != edgeVertical {
			t.Errorf("link %s-%s is not drawn straight down (kind %d)", e.link.a.name, e.link.b.name, e.kind)
		}
	}
	if L.W > 1200 || L.W/L.H > 2 {
		t.Errorf("the seed is %.0fx%.0f, want at most 1200 wide and 2:1", L.W, L.H)
	}
}

// A side whose middle PEs have CEs too keeps its columns: a CE lifted off
// a middle PE would have to cross the PEs above it.
func TestLiftOnlyWhatEmptiesTheSide(t *testing.T) {
	b := newBuilder("six-pes")
	b.node("p1", topology.RoleP, 0, 65000)
	for i := 1; i <= 6; i++ { // three a side
		pe, ce := fmt.Sprintf("pe%d", i), fmt.Sprintf("ce%d", i)
		b.node(pe, topology.RolePE, 0, 65000)
		b.link(pe, "p1", time.Millisecond)
		b.node(ce, topology.RoleCE, 0, uint32(64512+i))
		b.link(ce, pe, 0)
	}
	L := newLayout(newView(b.m, Options{}), Options{})
	if L.ncols != 5 {
		t.Errorf("%d columns, want 5", L.ncols)
	}
	for i := range L.nodes {
		if L.lifted(i) {
			t.Errorf("%s lifted", L.v.nodes[i].name)
		}
	}
}

// Routers the model adds inside a cloud besides its computes (an sdn
// cloud's control node) are drawn in the cloud's box, not as nodes of
// their own, and sessions to them end at their box.
func TestCloudInternalRoutersInTheCloudsBox(t *testing.T) {
	b := newBuilder("sdn")
	b.node("p1", topology.RoleP, 0, 65000)
	b.node("pe1", topology.RolePE, 0, 65000)
	b.link("pe1", "p1", time.Millisecond)
	c := b.cloud("dc", "pe1", topology.JoinMode("sdn"), 65100, 2)
	b.node("dc-ctl", topology.Role("control"), 0, 65100)
	b.link("dc", "dc-ctl", 0)
	b.session(topology.SessionKind("ibgp-sdn"), "dc-ctl", c.Computes[0].Name)

	v := newView(b.m, Options{BGP: true})
	if v.byName["dc-ctl"] != nil {
		t.Fatal("the control node is drawn as a node of its own")
	}
	L := newLayout(v, Options{BGP: true})
	cloud := L.nodes[v.byName["dc"].idx]
	var box *computeGeom
	for k := range cloud.computes {
		if cloud.computes[k].name == "dc-ctl" {
			box = &cloud.computes[k]
		}
	}
	if box == nil || box.role != "control" {
		t.Fatalf("no control box in the cloud: %+v", cloud.computes)
	}
	if r := cloud.rect; box.X < r.X || box.right() > r.right() || box.Y < r.Y || box.bottom() > r.bottom() {
		t.Errorf("control box %+v outside its cloud %+v", box.rect, r)
	}
	if len(L.sessions) != 1 || L.endRect(L.sessions[0].s.a) != box.rect {
		t.Errorf("the session does not end at the control box: %+v", L.sessions)
	}
	d := Draw(b.m, Options{BGP: true})
	if len(d.Clouds) != 1 || len(d.Clouds[0].Routers) != 1 || d.Clouds[0].Routers[0].Role != "control" || d.Clouds[0].Routers[0].X == nil {
		t.Errorf("JSON's cloud: %+v", d.Clouds)
	}
}

// A bgpvpn cloud's computes each peer with every reflector (as the lab
// runs them); from three computes on, the sessions to one reflector are
// drawn as one line from the cloud, which the JSON gives every one of
// them, and whose tooltip counts them.
func TestComputeSessionsBundledPerCloud(t *testing.T) {
	b := newBuilder("bundle")
	b.node("p1", topology.RoleP, 0, 65000).RouteReflector = true
	b.node("p2", topology.RoleP, 0, 65000).RouteReflector = true
	b.node("pe1", topology.RolePE, 0, 65000)
	b.link("pe1", "p1", time.Millisecond)
	b.link("pe1", "p2", time.Millisecond)
	big := b.cloud("big", "pe1", topology.JoinBGPVPN, 65000, 12)
	small := b.cloud("small", "pe1", topology.JoinBGPVPN, 65000, 2)
	for _, c := range append(big.Computes, small.Computes...) {
		b.session(topology.SessionCloudCore, c.Name, "p1")
		b.session(topology.SessionCloudCore, c.Name, "p2")
	}
	v := newView(b.m, Options{BGP: true})
	if got := len(v.sessions); got != 2+4 {
		t.Errorf("%d sessions drawn, want 2 bundles for big and 4 lines for small", got)
	}
	for _, s := range v.sessions {
		if n := len(s.members); n != 0 && (n != 12 || s.a.node.name != "big" || s.a.compute != -1) {
			t.Errorf("bundle of %d from %s (compute %d)", n, s.a.node.name, s.a.compute)
		}
	}
	tips := 0
	for _, s := range v.sessions {
		if strings.Contains(sessionTooltip(s), "12 sessions, one per compute node of big") {
			tips++
		}
	}
	if tips != 2 {
		t.Errorf("%d bundle tooltips count the computes, want 2", tips)
	}
	d := Draw(b.m, Options{BGP: true})
	curves := map[string]bool{}
	for _, s := range d.Sessions {
		if len(s.Curve) != 3 {
			t.Errorf("session %s-%s has no curve", s.A, s.B)
			continue
		}
		if strings.HasPrefix(s.A, "big-") {
			curves[fmt.Sprint(s.B, s.Curve)] = true
		}
	}
	if len(curves) != 2 {
		t.Errorf("big's 24 sessions have %d distinct curves, want 2 (one per reflector)", len(curves))
	}
}

// In examples/three-clouds.yaml pe2 has two chains, ce2 with its host
// branch and the cloud toronto: they go side by side in a row under pe2,
// in the order they had in the side column, each joined to pe2 by a
// straight link, so the left side loses its outer column.
func TestAPEsChainsSideBySideInItsRow(t *testing.T) {
	res, err := topology.LoadFile("../../examples/three-clouds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := newView(res.Model, Options{BGP: true})
	L := newLayout(v, Options{BGP: true})
	at := map[string]nodeGeom{}
	for i, n := range v.nodes {
		at[n.name] = L.nodes[i]
	}
	if L.ncols != 3 {
		t.Errorf("%d columns, want 3 (PEs, Ps, PEs)", L.ncols)
	}
	pe2, ce2, branch, toronto := at["pe2"], at["ce2"], at["branch"], at["toronto"]
	for _, n := range []string{"ce2", "branch", "toronto"} {
		if g := at[n]; g.col != pe2.col || g.Y < pe2.bottom() {
			t.Errorf("%s (col %d, top %.0f) is not under pe2 (col %d, bottom %.0f)", n, g.col, g.Y, pe2.col, pe2.bottom())
		}
	}
	if ce2.right() > toronto.X && toronto.right() > ce2.X {
		t.Errorf("ce2 (x %.0f-%.0f) and toronto (x %.0f-%.0f) are not side by side", ce2.X, ce2.right(), toronto.X, toronto.right())
	}
	if ce2.Y != toronto.Y || branch.Y < ce2.bottom() || branch.cx() != ce2.cx() {
		t.Errorf("want ce2 and toronto in one row and branch under ce2: ce2 %+v, toronto %+v, branch %+v", ce2.rect, toronto.rect, branch.rect)
	}
	for _, e := range L.edges {
		if !e.link.l.Core && e.kind != edgeVertical {
			t.Errorf("link %s-%s is not drawn straight (kind %d)", e.link.a.name, e.link.b.name, e.kind)
		}
	}
}
