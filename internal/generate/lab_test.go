package generate

import (
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// shape returns the default params with the counts changed.
func shape(pops, p, pe, ce, clouds int) Params {
	q := DefaultParams()
	q.POPs, q.PPerPOP, q.PEPerPOP, q.CEPerPE, q.Clouds = pops, p, pe, ce, clouds
	return q
}

type shapeCase struct {
	name string
	p    Params
}

func shapes() []shapeCase {
	areas := shape(5, 2, 3, 1, 12)
	areas.Areas = true
	sr := shape(4, 3, 3, 1, 10)
	sr.LabelMode = "sr"
	srAreas := shape(3, 1, 2, 1, 5)
	srAreas.LabelMode, srAreas.Areas = "sr", true
	fewVPNs := shape(3, 2, 2, 3, 0)
	fewVPNs.VPNs, fewVPNs.RRs = 2, 3
	suppressed := shape(3, 2, 2, 1, 5)
	suppressed.PrefixSuppression = true
	edge := shape(1, 2, 2, 0, 5) // no CEs: every cloud on a PE
	edge.RRs = 1
	return []shapeCase{
		{"small", shape(3, 2, 2, 1, 5)},
		{"default", DefaultParams()},
		{"areas", areas},
		{"sr", sr},
		{"sr areas one P per POP", srAreas},
		{"one POP two P", shape(1, 2, 3, 1, 5)},
		{"one POP four P", shape(1, 4, 6, 1, 5)},
		{"two POPs one P", shape(2, 1, 2, 1, 5)},
		{"two POPs three P", shape(2, 3, 2, 1, 5)},
		{"ring of single P", shape(6, 1, 2, 2, 7)},
		{"few vpns three rrs", fewVPNs},
		{"no CEs", edge},
		{"prefix suppression", suppressed},
		{"~1,000 routers", Examples()[1].Params},
	}
}

// load generates p's lab and loads it, failing on any error or warning.
func load(t *testing.T, p Params) (*topology.Model, []byte) {
	t.Helper()
	data, err := Lab(p)
	if err != nil {
		t.Fatalf("Lab: %v", err)
	}
	res, err := topology.Load("gen.yaml", data)
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("warning: %s", w)
	}
	return res.Model, data
}

func TestLabLoadsClean(t *testing.T) {
	for _, tc := range shapes() {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := load(t, tc.p)
			p := tc.p.withDefaults()
			want := p.Counts()
			s := m.Summarize()
			for role, n := range map[topology.Role]int{
				topology.RoleP: want.P, topology.RolePE: want.PE, topology.RoleCE: want.CE,
				topology.RoleRR: want.RR, topology.RoleCloud: want.Clouds,
			} {
				if s.Roles[role] != n {
					t.Errorf("%d %s nodes, want %d", s.Roles[role], role, n)
				}
			}
			if got := s.Roles[topology.RoleP] + s.Roles[topology.RolePE] + s.Roles[topology.RoleCE] + s.Roles[topology.RoleRR]; got != want.Routers() {
				t.Errorf("%d routers, want %d", got, want.Routers())
			}
			if s.VPNs != want.VPNs {
				t.Errorf("%d vpns, want %d", s.VPNs, want.VPNs)
			}
			wantAreas := 1
			if p.Areas {
				wantAreas = p.POPs + 1
			}
			if s.Areas != wantAreas {
				t.Errorf("%d igp areas, want %d", s.Areas, wantAreas)
			}
			checkClouds(t, m, p)
			checkCore(t, m, p)
			checkLinks(t, m)
		})
	}
}

// checkClouds: the clouds cycle through the join modes, sit behind a CE or
// on a PE as their mode wants, and spread over all POPs.
func checkClouds(t *testing.T, m *topology.Model, p Params) {
	t.Helper()
	pops := map[string]bool{}
	for i, c := range m.Clouds {
		if want := topology.JoinModes[i%len(topology.JoinModes)]; len(c.Join) != 1 || c.Join[0] != want {
			t.Errorf("cloud %s joins by %v, want %s", c.Name, c.Join, want)
		}
		att := m.Node(c.Attach)
		wantRole := topology.RoleCE
		if c.ActsAsPE() || p.CEPerPE == 0 {
			wantRole = topology.RolePE
		}
		if att == nil || att.Role != wantRole {
			t.Errorf("cloud %s (%s) attaches to %s, want a %s", c.Name, c.Join, c.Attach, wantRole)
		}
		pop, _, _ := strings.Cut(c.Name, "-")
		if attPOP, _, _ := strings.Cut(c.Attach, "-"); attPOP != pop {
			t.Errorf("cloud %s attaches to %s, outside its POP", c.Name, c.Attach)
		}
		pops[pop] = true
	}
	if want := min(p.Clouds, p.POPs); len(pops) != want {
		t.Errorf("clouds in %d POPs, want %d", len(pops), want)
	}
}

// checkCore: label mode and areas as asked, PEs and RRs dual-homed to two
// different P routers.
func checkCore(t *testing.T, m *topology.Model, p Params) {
	t.Helper()
	for _, n := range m.Nodes {
		if !n.Role.IsCore() {
			continue
		}
		if string(n.LabelMode) != p.LabelMode {
			t.Errorf("%s uses %s, want %s", n.Name, n.LabelMode, p.LabelMode)
		}
		if (n.SRIndex >= 0) != (p.LabelMode == "sr") {
			t.Errorf("%s has sr_index %d in %s mode", n.Name, n.SRIndex, p.LabelMode)
		}
		var wantArea topology.Area
		if p.Areas && n.Role == topology.RolePE {
			wantArea = topology.Area(popNumber(t, n.Name))
		}
		if n.Area != wantArea {
			t.Errorf("%s is in area %s, want %s", n.Name, n.Area, wantArea)
		}
		if n.Role != topology.RolePE && n.Role != topology.RoleRR {
			continue
		}
		ps := map[string]bool{}
		for _, ifc := range n.Interfaces {
			if peer := m.Node(ifc.Peer); peer.Role == topology.RoleP {
				ps[peer.Name] = true
				if l := m.Links[ifc.LinkID]; l.Area != wantArea {
					t.Errorf("uplink %s-%s is in area %s, want %s", l.A.Node, l.B.Node, l.Area, wantArea)
				}
			}
		}
		if len(ps) != 2 {
			t.Errorf("%s homes to %d P routers, want 2", n.Name, len(ps))
		}
	}
}

// checkLinks: long-haul links (between POPs' P routers) carry 5-40ms, the
// others none.
func checkLinks(t *testing.T, m *topology.Model) {
	t.Helper()
	for _, l := range m.Links {
		a, b := m.Node(l.A.Node), m.Node(l.B.Node)
		popA, _, _ := strings.Cut(a.Name, "-")
		popB, _, _ := strings.Cut(b.Name, "-")
		haul := a.Role == topology.RoleP && b.Role == topology.RoleP && popA != popB
		switch {
		case haul && (l.Latency < 5*time.Millisecond || l.Latency > 40*time.Millisecond):
			t.Errorf("long-haul link %s-%s has latency %v, want 5-40ms", a.Name, b.Name, l.Latency)
		case !haul && l.Latency != 0 && a.Role != topology.RolePE && b.Role != topology.RolePE:
			t.Errorf("link %s-%s inside a POP has latency %v", a.Name, b.Name, l.Latency)
		}
	}
}

func popNumber(t *testing.T, name string) int {
	t.Helper()
	pop, _, _ := strings.Cut(name, "-")
	n := nameNum(strings.TrimPrefix(pop, "pop"))
	if n <= 0 {
		t.Fatalf("%s does not start with its POP", name)
	}
	return n
}

func nameNum(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// TestNoSingleLinkPartitionsCore deletes each core link of the resolved
// model in turn and checks that the core stays in one piece.
func TestNoSingleLinkPartitionsCore(t *testing.T) {
	for _, tc := range shapes() {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := load(t, tc.p)
			var core []string
			for _, n := range m.Nodes {
				if n.Role.IsCore() {
					core = append(core, n.Name)
				}
			}
			if parts := coreParts(m, core, -1); parts != 1 {
				t.Fatalf("the core is in %d pieces with every link up", parts)
			}
			cut := 0
			for _, l := range m.Links {
				if !l.Core {
					continue
				}
				cut++
				if parts := coreParts(m, core, l.ID); parts != 1 {
					t.Errorf("without link %s-%s the core is in %d pieces", l.A.Node, l.B.Node, parts)
				}
			}
			if cut == 0 {
				t.Fatal("no core links")
			}
		})
	}
}

// coreParts counts the connected pieces of the core without link skip.
func coreParts(m *topology.Model, core []string, skip int) int {
	parent := make(map[string]string, len(core))
	for _, n := range core {
		parent[n] = n
	}
	var find func(string) string
	find = func(x string) string {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	parts := len(core)
	for _, l := range m.Links {
		if !l.Core || l.ID == skip {
			continue
		}
		if a, b := find(l.A.Node), find(l.B.Node); a != b {
			parent[a] = b
			parts--
		}
	}
	return parts
}

func TestDeterministic(t *testing.T) {
	for _, p := range []Params{DefaultParams(), Examples()[1].Params} {
		a, err := Lab(p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Lab(p)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two runs differ", p.Flags())
		}
	}
	// The seed moves the POPs, so only latencies (and the header) change.
	p := DefaultParams()
	a, _ := Lab(p)
	p.Seed = 2
	b, _ := Lab(p)
	if bytes.Equal(a, b) {
		t.Error("seeds 1 and 2 give the same lab")
	}
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	if len(la) != len(lb) {
		t.Fatalf("seeds 1 and 2 give %d and %d lines", len(la), len(lb))
	}
	for i := range la {
		if la[i] != lb[i] && !strings.Contains(la[i], "latency:") && !strings.HasPrefix(la[i], "# Generated by") {
			t.Errorf("line %d differs beyond latency:\n%s\n%s", i+1, la[i], lb[i])
		}
	}
}

func TestPrefixSuppressionReachesEveryCoreNodeAndTheCommand(t *testing.T) {
	p := shape(3, 2, 2, 1, 5)
	p.PrefixSuppression = true
	m, data := load(t, p)
	for _, n := range m.Nodes {
		if n.Role.IsCore() && !n.PrefixSuppression {
			t.Errorf("%s (%s): prefix suppression %v", n.Name, n.Role, n.PrefixSuppression)
		}
	}
	if !strings.Contains(string(data), "--prefix-suppression") {
		t.Errorf("the file's command line does not say --prefix-suppression:\n%s", data[:200])
	}
	p.PrefixSuppression = false
	if m, _ := load(t, p); slices.ContainsFunc(m.Nodes, func(n *topology.Node) bool { return n.PrefixSuppression }) {
		t.Error("prefix suppression is on without the flag")
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden reads small labs whole: shape, names, comments and pools.
func TestGolden(t *testing.T) {
	areas := shape(3, 2, 2, 1, 5)
	areas.Areas, areas.LabelMode, areas.Name = true, "sr", "areas-sr"
	for _, tc := range []struct {
		file string
		p    Params
	}{
		{"two-pops.yaml", shape(2, 1, 2, 1, 5)},
		{"areas-sr.yaml", areas},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := Lab(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.file)
			if *update {
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("%s differs from the generated lab (go test -update rewrites it); got:\n%s", path, data)
			}
		})
	}
}

func TestPools(t *testing.T) {
	for _, tc := range []struct {
		name          string
		p             Params
		loopbacks     string
		links         string
		cloudLen      int
		bigASNs       bool
		naturalLoopPE bool
	}{
		{"default", DefaultParams(), "10.255.0.0/16", "10.0.0.0/16", 16, false, true},
		{"487 CEs keep 2-byte ASNs", shape(1, 2, 487, 1, 0), "10.255.0.0/16", "10.0.0.0/16", 16, false, true},
		{"488 CEs", shape(1, 2, 488, 1, 0), "10.255.0.0/16", "10.0.0.0/16", 16, true, true},
		{"510 clouds keep 2-byte ASNs", shape(2, 2, 3, 1, 510), "10.255.0.0/16", "10.0.0.0/16", 19, false, true},
		{"511 clouds", shape(2, 2, 3, 1, 511), "10.255.0.0/16", "10.0.0.0/16", 19, true, true},
		{"~10,000", Examples()[2].Params, "10.255.0.0/16", "10.0.0.0/16", 19, true, true},
		{"9,000 CEs", shape(10, 2, 300, 3, 0), "10.254.0.0/15", "10.0.0.0/16", 16, true, true},
		{"20,000 CEs", shape(20, 2, 500, 2, 0), "10.252.0.0/14", "10.0.0.0/14", 16, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pl := newPlan(tc.p.withDefaults())
			ps, err := sizePools(pl)
			if err != nil {
				t.Fatal(err)
			}
			if ps.loopbacks.String() != tc.loopbacks || ps.links.String() != tc.links || ps.cloudPrefixLen != tc.cloudLen || (ps.asns != "") != tc.bigASNs {
				t.Errorf("pools %s %s /%d asns %q, want %s %s /%d big %v", ps.loopbacks, ps.links, ps.cloudPrefixLen, ps.asns, tc.loopbacks, tc.links, tc.cloudLen, tc.bigASNs)
			}
		})
	}
	// Every CE, PE and cloud gets its natural loopback, ASN and prefix:
	// pe12 is the PE block's 12th address.
	m, _ := load(t, shape(10, 2, 30, 1, 40))
	for _, n := range m.Nodes {
		if n.Role == topology.RoleCompute || n.Role == topology.RoleControl {
			continue // computes (and sdn clouds' control nodes) take hashed slots of their own block
		}
		num := nameNum(strings.TrimLeft(n.Name[strings.LastIndex(n.Name, "-")+1:], "abcdefghijklmnopqrstuvwxyz"))
		var role int
		switch n.Role {
		case topology.RoleP:
			role = 0
		case topology.RolePE:
			role = 1
		case topology.RoleRR:
			role = 2
		case topology.RoleCE:
			role = 3
		case topology.RoleCloud:
			role = 4
		}
		b := n.Loopback.Addr().As4()
		slot := int(b[2])<<8 | int(b[3])
		if want := role*8192 + num; slot != want {
			t.Errorf("%s has loopback %s (slot %d), want slot %d", n.Name, n.Loopback, slot, want)
		}
		if n.Role == topology.RoleCE && n.ASN != uint32(64512+num) {
			t.Errorf("%s has AS %d, want %d", n.Name, n.ASN, 64512+num)
		}
	}
}

func TestLabRejects(t *testing.T) {
	mod := func(f func(*Params)) Params { p := DefaultParams(); f(&p); return p }
	for _, tc := range []struct {
		p    Params
		want string
	}{
		{mod(func(p *Params) { p.POPs = 0 }), "pops must be at least 1"},
		{mod(func(p *Params) { p.PPerPOP = 0 }), "p-per-pop must be at least 1"},
		{mod(func(p *Params) { p.POPs, p.PPerPOP = 1, 1 }), "no redundancy"},
		{mod(func(p *Params) { p.PEPerPOP = 0 }), "pe-per-pop must be at least 1"},
		{mod(func(p *Params) { p.CEPerPE = -1 }), "ce-per-pe must not be negative"},
		{mod(func(p *Params) { p.Clouds = -3 }), "clouds must be between"},
		{mod(func(p *Params) { p.RRs = 33 }), "rrs must be between 1 and 32"},
		{mod(func(p *Params) { p.VPNs = -1 }), "vpns must be between"},
		{mod(func(p *Params) { p.Name = "two\nlines" }), `name "two\nlines" must be printable`},
		{mod(func(p *Params) { p.LabelMode = "rsvp" }), `label mode must be ldp or sr, not "rsvp"`},
		{mod(func(p *Params) { p.POPs, p.PEPerPOP, p.CEPerPE = 1000, 100, 1 }), "more than the 100000"},
		{mod(func(p *Params) { p.POPs, p.PPerPOP, p.PEPerPOP, p.LabelMode = 100, 10, 70, "sr" }), "segment routing numbers at most 7999 core routers"},
		{mod(func(p *Params) { p.POPs, p.PPerPOP, p.PEPerPOP = 1<<40, 1<<40, 1<<40 }), "more than the 100000"},
	} {
		_, err := Lab(tc.p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.p.Command(), err, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	for _, name := range []string{"big-lab", "true", "null", "my lab: 2", `quote "me"`, "10k"} {
		p := shape(2, 2, 1, 1, 1)
		p.Name = name
		m, data := load(t, p)
		if m.Name != name {
			t.Errorf("name %q reads back as %q", name, m.Name)
		}
		if !strings.Contains(string(data), "--name ") {
			t.Errorf("name %q is missing from the command in the header", name)
		}
	}
}

func TestExamples(t *testing.T) {
	for _, tc := range []struct {
		size    string
		routers int
	}{{"~100", 100}, {"~1,000", 1002}, {"~10,000", 10002}} {
		var found bool
		for _, ex := range Examples() {
			if ex.Size == tc.size {
				found = true
				if got := ex.Params.Counts().Routers(); got != tc.routers {
					t.Errorf("%s: %d routers, want %d", tc.size, got, tc.routers)
				}
			}
		}
		if !found {
			t.Errorf("no %s example", tc.size)
		}
	}
	load(t, Examples()[0].Params)
}

// TestAreasPinEachPOPsPELoopbacksInItsOwnRange: with --areas every PE's
// loopback lies in its POP's one range, no two ranges overlap, no other
// node's loopback falls in one, and the lab loads clean: /24 blocks when
// they fit, blocks sized to the POP's PEs when they do not, a larger pool
// when the PE block must grow.
// TestAreasPinEachPOPsPELoopbacksInItsOwnRange: with --areas every POP's
// area is a totally NSSA whose one range holds its PEs' loopbacks and the
// loopbacks of the clouds on those PEs (their nodes, computes and control
// nodes), which the PEs redistribute; nothing else lies in a range.
func TestAreasPinEachPOPsPELoopbacksInItsOwnRange(t *testing.T) {
	withAreas := func(p Params) Params { p.Areas = true; return p }
	big := withAreas(shape(100, 4, 32, 2, 1000))
	for _, tc := range []struct {
		name  string
		p     Params
		bits  int
		skip  bool // in -short
		loops string
	}{
		{"/24 per POP", withAreas(shape(5, 2, 3, 1, 12)), 24, false, "10.255.0.0/16"},
		{"40 POPs: sized blocks", withAreas(shape(40, 2, 3, 1, 5)), 29, false, "10.255.0.0/16"},
		{"300 PEs a POP", withAreas(shape(3, 2, 300, 0, 5)), 22, false, "10.255.0.0/16"},
		{"the PE block grows", withAreas(shape(20, 2, 500, 0, 0)), 23, false, "10.254.0.0/15"},
		{"~10,000 routers, 1,000 clouds", big, 25, true, "10.254.0.0/15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip && testing.Short() {
				t.Skip("a 10,000-router lab")
			}
			m, data := load(t, tc.p)
			if !bytes.Contains(data, []byte("\nareas:")) {
				t.Fatal("no areas: section")
			}
			if m.Pools.Loopbacks.String() != tc.loops {
				t.Errorf("loopback pool %s, want %s", m.Pools.Loopbacks, tc.loops)
			}
			if len(m.AreaRanges) != tc.p.POPs {
				t.Fatalf("%d areas with ranges, want %d", len(m.AreaRanges), tc.p.POPs)
			}
			if len(m.NSSAs) != tc.p.POPs {
				t.Fatalf("%d NSSAs, want %d", len(m.NSSAs), tc.p.POPs)
			}
			for a, x := range m.NSSAs {
				if !x.NoSummary || len(m.AreaRanges[a]) == 0 {
					t.Errorf("area %s: NSSA %+v, want a totally NSSA with a range", a, x)
				}
			}
			// The POP of each node behind a PE: its cloud's attach point's.
			onPE := map[string]int{}
			for _, c := range m.Clouds {
				if att := m.Node(c.Attach); att.Role == topology.RolePE {
					onPE[c.Name] = int(att.Area)
				}
			}
			var all []netip.Prefix
			for a, rs := range m.AreaRanges {
				if len(rs) != 1 || rs[0].Bits() != tc.bits {
					t.Fatalf("area %s ranges %v, want one /%d", a, rs, tc.bits)
				}
				all = append(all, rs[0])
			}
			slices.SortFunc(all, func(x, y netip.Prefix) int { return x.Addr().Compare(y.Addr()) })
			for i := 1; i < len(all); i++ {
				if all[i-1].Overlaps(all[i]) {
					t.Errorf("ranges %s and %s overlap", all[i-1], all[i])
				}
			}
			pes, edge := 0, 0
			for _, n := range m.Nodes {
				if pop, ok := onPE[n.Cloud]; ok {
					edge++
					if rg := m.AreaRanges[topology.Area(pop)]; !rg[0].Contains(n.Loopback.Addr()) {
						t.Errorf("%s (%s, on a PE of POP %d) has loopback %s outside the POP's range %s", n.Name, n.Role, pop, n.Loopback, rg[0])
					}
					continue
				}
				if n.Role != topology.RolePE {
					for _, r := range all {
						if r.Contains(n.Loopback.Addr()) {
							t.Errorf("%s (%s) has loopback %s inside the PE range %s", n.Name, n.Role, n.Loopback, r)
						}
					}
					continue
				}
				pes++
				var pop int
				if _, err := fmt.Sscanf(n.Name, "pop%d-", &pop); err != nil {
					t.Fatalf("PE name %s: %v", n.Name, err)
				}
				rg := m.AreaRanges[topology.Area(pop)]
				if n.Area != topology.Area(pop) || len(rg) != 1 || !rg[0].Contains(n.Loopback.Addr()) || n.IsAuto("loopback") {
					t.Errorf("%s in area %s has loopback %s (auto %v), want one pinned in area %d's range %v", n.Name, n.Area, n.Loopback, n.IsAuto("loopback"), pop, rg)
				}
			}
			if pes != tc.p.POPs*tc.p.PEPerPOP {
				t.Errorf("%d PEs, want %d", pes, tc.p.POPs*tc.p.PEPerPOP)
			}
			if len(onPE) > 0 && edge < 2*len(onPE) {
				t.Errorf("%d nodes of %d clouds on PEs checked", edge, len(onPE))
			}
		})
	}
}

func TestNoAreasNoRangesNoPinnedLoopbacks(t *testing.T) {
	m, data := load(t, shape(3, 2, 2, 1, 5))
	if bytes.Contains(data, []byte("\nareas:")) || len(m.AreaRanges) > 0 {
		t.Error("an areas: section without --areas")
	}
	for _, n := range m.Nodes {
		if !n.IsAuto("loopback") {
			t.Errorf("%s's loopback %s is pinned without --areas", n.Name, n.Loopback)
		}
	}
}
