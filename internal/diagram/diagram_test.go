package diagram

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"github.com/intercloud/intercloud/internal/testpeer"
	"io"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/topology"
)

type namedModel struct {
	name string
	m    *topology.Model
}

// testModels are the models every property is checked on.
func testModels(t *testing.T) []namedModel {
	t.Helper()
	seed, err := topology.LoadSeed()
	if err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	return []namedModel{
		{"seed", seed},
		{"seed-like", seedLike()},
		{"synthetic-100", synthetic(12, 40, 36, 12, 2)},
		{"no-p-routers", synthetic0P()},
		{"odd-names", oddNames()},
	}
}

// synthetic0P has PEs only in the core, which moves every tier inwards.
func synthetic0P() *topology.Model {
	b := newBuilder("pe-only")
	for _, n := range []string{"pe1", "pe2", "pe3"} {
		b.node(n, topology.RolePE, 0, 65000).RouteReflector = n == "pe1"
	}
	b.node("ce1", topology.RoleCE, 0, 64512)
	b.node("h1", topology.RoleHost, 0, 0)
	b.link("pe1", "pe2", 0)
	b.link("pe2", "pe3", 0)
	b.link("pe1", "pe3", 0)
	b.link("ce1", "pe3", 0)
	b.link("h1", "ce1", 0)
	b.session(topology.SessionIBGPVPN, "pe2", "pe1")
	b.session(topology.SessionIBGPVPN, "pe3", "pe1")
	b.session(topology.SessionPECE, "pe3", "ce1")
	return b.m
}

// oddNames uses names that trip up diagram syntaxes: Mermaid keywords,
// leading o/x (arrowheads after ---), dots, dashes, quotes and markup.
func oddNames() *topology.Model {
	b := newBuilder(`odd "names" <lab> & co; #1`)
	b.node("end", topology.RoleP, 0, 65000)
	b.node("o-1.core", topology.RoleP, 0, 65000)
	b.node("x.2", topology.RolePE, 3, 65000)
	b.node("x_2", topology.RolePE, 3, 65000) // mangles to the same Mermaid id as x.2
	b.node(`ce"quoted"`, topology.RoleCE, 0, 64512)
	b.node("<b>host</b>", topology.RoleHost, 0, 0)
	b.node("mystery", topology.Role("firewall"), 0, 0)
	b.link("end", "o-1.core", 0)
	b.link("x.2", "end", 2*1000*1000)
	b.link("x_2", "o-1.core", 0)
	b.link("x_2", "x.2", 0)
	b.link(`ce"quoted"`, "x.2", 0)
	b.link("<b>host</b>", `ce"quoted"`, 0)
	b.link("mystery", "end", 0)
	b.cloud("cloud-a.b", "x_2", topology.JoinSDN, 65000, 12)
	b.session(topology.SessionIBGPVPN, "x.2", "end")
	b.session(topology.SessionPECE, "x.2", `ce"quoted"`)
	b.session(topology.SessionCloudCore, "cloud-a.b-cn12", "end") // folded into "+N more"
	b.session("future-kind", "x_2", "end")
	b.session(topology.SessionIBGPVPN, "x_2", "nowhere") // dangling: not drawn
	return b.m
}

// nodeNames are the nodes drawn as nodes: all but compute nodes, which
// are drawn inside their cloud's box with their underlay link.
func nodeNames(m *topology.Model) []string {
	var out []string
	for _, n := range m.Nodes {
		if n.Role != topology.RoleCompute {
			out = append(out, n.Name)
		}
	}
	return out
}

// wanLinks counts the links drawn as edges: all but compute underlay links.
func wanLinks(m *topology.Model) int {
	n := 0
	for _, l := range m.Links {
		if m.Node(l.A.Node).Role != topology.RoleCompute && m.Node(l.B.Node).Role != topology.RoleCompute {
			n++
		}
	}
	return n
}

func downLinks(m *topology.Model) int {
	n := 0
	for _, l := range m.Links {
		if !l.Up {
			n++
		}
	}
	return n
}

// drawnSessions counts the sessions whose ends both resolve.
func drawnSessions(m *topology.Model) int {
	return len(newView(m, Options{}).sessions)
}

var (
	dotNodeRE    = regexp.MustCompile(`^\s*("(?:[^"\\]|\\.)*") \[label=`)
	dotEdgeRE    = regexp.MustCompile(`^\s*("(?:[^"\\]|\\.)*") -- ("(?:[^"\\]|\\.)*") \[(.*)\];$`)
	dotClusterRE = regexp.MustCompile(`^\s*subgraph (cluster_area_[0-9_]+) \{$`)
)

func TestDOT(t *testing.T) {
	for _, tm := range testModels(t) {
		for _, bgp := range []bool{false, true} {
			t.Run(tm.name+"/bgp="+strconv.FormatBool(bgp), func(t *testing.T) {
				m := tm.m
				out := string(DOT(m, Options{BGP: bgp}))
				if !strings.HasPrefix(out, "// ") || !strings.Contains(out, "\ngraph ") || !strings.HasSuffix(out, "}\n") {
					t.Fatalf("not a dot graph:\n%s", out)
				}
				declared := map[string]int{}
				inCluster := map[string][]string{}
				cluster := ""
				links, sessions, down := 0, 0, 0
				for _, line := range strings.Split(out, "\n") {
					if c := dotClusterRE.FindStringSubmatch(line); c != nil {
						cluster = c[1]
						continue
					}
					if strings.TrimSpace(line) == "}" {
						cluster = ""
					}
					if c := dotNodeRE.FindStringSubmatch(line); c != nil {
						id := dotUnquote(c[1])
						declared[id]++
						if cluster != "" {
							inCluster[cluster] = append(inCluster[cluster], id)
						}
					}
					if c := dotEdgeRE.FindStringSubmatch(line); c != nil {
						switch {
						case strings.Contains(c[3], "constraint=false"):
							sessions++
						default:
							links++
							if strings.Contains(c[3], linkDownColour) && strings.Contains(c[3], "style=dashed") {
								down++
							}
						}
					}
				}
				for _, n := range nodeNames(m) {
					if declared[n] != 1 {
						t.Errorf("node %q declared %d times", n, declared[n])
					}
				}
				if links != wanLinks(m) {
					t.Errorf("%d link edges, want %d", links, wanLinks(m))
				}
				for _, l := range m.Links[:wanLinks(m)] { // underlay links come last
					if !strings.Contains(out, dotQuote(linkLabel(l))) {
						t.Errorf("label %q of link %d missing", linkLabel(l), l.ID)
					}
				}
				if down != downLinks(m) {
					t.Errorf("%d down-styled links, want %d", down, downLinks(m))
				}
				want := 0
				if bgp {
					want = drawnSessions(m)
				}
				if sessions != want {
					t.Errorf("%d session edges, want %d", sessions, want)
				}
				checkAreaMembers(t, m, inCluster, func(a topology.Area) string { return dotAreaID(a) }, func(n *topology.Node) string { return n.Name })
			})
		}
	}
}

func dotUnquote(s string) string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
	return strings.NewReplacer(`\"`, `"`, `\\`, `\`, `\n`, "\n").Replace(s)
}

// checkAreaMembers checks that each area's cluster holds exactly the core
// nodes of that area (by the id function), and nothing else model-wise.
func checkAreaMembers(t *testing.T, m *topology.Model, got map[string][]string, areaID func(topology.Area) string, nodeID func(*topology.Node) string) {
	t.Helper()
	want := map[string][]string{}
	for _, n := range m.Nodes {
		if n.Role.IsCore() {
			k := areaID(n.Area)
			want[k] = append(want[k], nodeID(n))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d area clusters, want %d", len(got), len(want))
	}
	for k, w := range want {
		g := append([]string(nil), got[k]...)
		sort.Strings(g)
		sort.Strings(w)
		if strings.Join(g, ",") != strings.Join(w, ",") {
			t.Errorf("cluster %s holds %v, want %v", k, g, w)
		}
	}
}

var (
	mmdNodeRE     = regexp.MustCompile(`^\s*([A-Za-z0-9_]+)(\(\[|\{\{|\[\[|\(\(|\[/|\(|\[)"([^"]*)"`)
	mmdLinkRE     = regexp.MustCompile(`^\s*(\S+) ---\|"([^"]*)"\| (\S+)$`)
	mmdSessionRE  = regexp.MustCompile(`^\s*(\S+) -\.- (\S+)$`)
	mmdSubgraphRE = regexp.MustCompile(`^\s*subgraph (\S+) \["[^"]*"\]$`)
	mmdIDRE       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

func TestMermaid(t *testing.T) {
	for _, tm := range testModels(t) {
		for _, bgp := range []bool{false, true} {
			t.Run(tm.name+"/bgp="+strconv.FormatBool(bgp), func(t *testing.T) {
				m := tm.m
				out := string(Mermaid(m, Options{BGP: bgp}))
				if !strings.Contains(out, "\nflowchart LR\n") {
					t.Fatalf("not a flowchart:\n%s", out)
				}
				ids := mermaidIDs(newView(m, Options{}))
				byID := map[string]string{}
				for vn, id := range ids.node {
					if !mmdIDRE.MatchString(id) || id == "end" || !strings.HasPrefix(id, "n_") {
						t.Errorf("unsafe id %q for %q", id, vn.name)
					}
					if other, dup := byID[id]; dup {
						t.Errorf("id %q for both %q and %q", id, other, vn.name)
					}
					byID[id] = vn.name
				}
				declared := map[string]int{}
				inArea := map[string][]string{}
				subgraph := ""
				edge, links, sessions := 0, 0, 0
				var downIdx []string
				downLabel := map[string]bool{}
				for _, l := range m.Links {
					if !l.Up {
						downLabel[mermaidText(linkLabel(l))] = true
					}
				}
				for _, line := range strings.Split(out, "\n") {
					if c := mmdSubgraphRE.FindStringSubmatch(line); c != nil {
						subgraph = c[1]
						continue
					}
					if strings.TrimSpace(line) == "end" {
						subgraph = ""
						continue
					}
					if c := mmdNodeRE.FindStringSubmatch(line); c != nil {
						if strings.ContainsAny(c[3], `"#;|`+"`") {
							t.Errorf("label with syntax characters: %q", c[3])
						}
						if name, ok := byID[c[1]]; ok {
							declared[name]++
							if strings.HasPrefix(subgraph, "area_") {
								inArea[subgraph] = append(inArea[subgraph], name)
							}
						}
						continue
					}
					if c := mmdLinkRE.FindStringSubmatch(line); c != nil {
						if _, ok := byID[c[1]]; !ok {
							t.Errorf("link from undeclared %q", c[1])
						}
						if downLabel[c[2]] {
							downIdx = append(downIdx, strconv.Itoa(edge))
						}
						links++
						edge++
						continue
					}
					if mmdSessionRE.MatchString(line) {
						sessions++
						edge++
					}
				}
				for _, n := range nodeNames(m) {
					if declared[n] != 1 {
						t.Errorf("node %q declared %d times", n, declared[n])
					}
				}
				if links != wanLinks(m) {
					t.Errorf("%d links, want %d", links, wanLinks(m))
				}
				want := 0
				if bgp {
					want = drawnSessions(m)
				}
				if sessions != want {
					t.Errorf("%d dotted session edges, want %d", sessions, want)
				}
				if len(downIdx) > 0 {
					style := "linkStyle " + strings.Join(downIdx, ",") + " stroke:" + linkDownColour
					if !strings.Contains(out, style) {
						t.Errorf("no %q for the down links", style)
					}
				} else if strings.Contains(out, linkDownColour+",stroke-width:2px") {
					t.Error("down-link style without down links")
				}
				checkAreaMembers(t, m, inArea, mermaidAreaID, func(n *topology.Node) string { return n.Name })
			})
		}
	}
}

// svgDoc is what the SVG test reads back from the markup.
type svgDoc struct {
	nodes     map[string]int
	links     int
	downLinks int
	areas     []string
	groups    map[string]bool // ids of <g>
	sessions  int             // paths inside bgp-sessions
	toggles   []string
}

func parseSVG(t *testing.T, b []byte) svgDoc {
	t.Helper()
	d := svgDoc{nodes: map[string]int{}, groups: map[string]bool{}}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []string // ids (or "") of open elements
	inBGP := func() bool {
		for _, id := range stack {
			if id == "bgp-sessions" {
				return true
			}
		}
		return false
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range e.Attr {
				attr[a.Name.Local] = a.Value
			}
			stack = append(stack, attr["id"])
			switch e.Name.Local {
			case "g":
				if attr["id"] != "" {
					d.groups[attr["id"]] = true
				}
				if n, ok := attr["data-node"]; ok {
					d.nodes[n]++
				}
				if _, ok := attr["data-link"]; ok {
					d.links++
					if strings.Contains(" "+attr["class"]+" ", " down ") {
						d.downLinks++
					}
				}
				if a, ok := attr["data-area"]; ok {
					d.areas = append(d.areas, a)
				}
				if tg, ok := attr["data-toggle"]; ok && attr["onclick"] != "" {
					d.toggles = append(d.toggles, tg)
				}
			case "path":
				if inBGP() {
					d.sessions++
				}
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return d
}

func TestSVG(t *testing.T) {
	for _, tm := range testModels(t) {
		for _, bgp := range []bool{false, true} {
			t.Run(tm.name+"/bgp="+strconv.FormatBool(bgp), func(t *testing.T) {
				m := tm.m
				d := parseSVG(t, SVG(m, Options{BGP: bgp}))
				for _, n := range nodeNames(m) {
					if d.nodes[n] != 1 {
						t.Errorf("node %q drawn %d times", n, d.nodes[n])
					}
				}
				if len(d.nodes) != len(nodeNames(m)) {
					t.Errorf("%d nodes drawn, want %d", len(d.nodes), len(nodeNames(m)))
				}
				if d.links != wanLinks(m) {
					t.Errorf("%d links drawn, want %d", d.links, wanLinks(m))
				}
				if d.downLinks != downLinks(m) {
					t.Errorf("%d links drawn down, want %d", d.downLinks, downLinks(m))
				}
				wantBGP := bgp && drawnSessions(m) > 0
				if d.groups["bgp-sessions"] != wantBGP {
					t.Errorf("bgp-sessions group present: %v, want %v", d.groups["bgp-sessions"], wantBGP)
				}
				if wantBGP {
					if d.sessions != drawnSessions(m) {
						t.Errorf("%d session paths, want %d", d.sessions, drawnSessions(m))
					}
					if len(d.toggles) == 0 || d.toggles[0] != "bgp-sessions" {
						t.Errorf("no clickable legend entry for the overlay: %v", d.toggles)
					}
					for _, tg := range d.toggles {
						if !d.groups[tg] {
							t.Errorf("legend toggles missing group %q", tg)
						}
					}
				} else if len(d.toggles) > 0 {
					t.Errorf("toggles without an overlay: %v", d.toggles)
				}
				wantAreas := map[string]bool{}
				for _, n := range m.Nodes {
					if n.Role.IsCore() {
						wantAreas[n.Area.String()] = true
					}
				}
				if len(d.areas) != len(wantAreas) {
					t.Errorf("areas drawn %v, want %v", d.areas, wantAreas)
				}
			})
		}
	}
}

// TestLayoutGeometry checks what a person would notice: overlapping nodes,
// labels on nodes, links through nodes, areas that miss their nodes or
// take in others, and anything outside the canvas or under the legend.
func TestLayoutGeometry(t *testing.T) {
	models := append(testModels(t), namedModel{"synthetic-1000", synthetic(60, 400, 440, 100, 3)})
	// The examples (rows above and below the core, a PE's chains side by
	// side) and generated labs (gaps widened, laid out again).
	models = append(models, readableModels(t)[1:]...)
	models = append(models, namedModel{"generated-12", generatedLab(t, 2, 1, 2, 1, 4, false)},
		namedModel{"generated-30-areas", generatedLab(t, 4, 1, 3, 1, 8, true)},
		namedModel{"generated-50", generatedLab(t, 6, 2, 3, 1, 12, false)})
	for _, tm := range models {
		t.Run(tm.name, func(t *testing.T) {
			v := newView(tm.m, Options{BGP: true})
			L := newLayout(v, Options{BGP: true})
			canvas := rect{0, 0, L.W, L.H}
			inside := func(r rect) bool {
				return r.X >= 0 && r.Y >= 0 && r.right() <= canvas.W && r.bottom() <= canvas.H
			}
			for i, a := range L.nodes {
				if !inside(a.rect) {
					t.Errorf("%s outside the canvas: %+v", v.nodes[i].name, a.rect)
				}
				if a.Y < L.header.height {
					t.Errorf("%s under the legend", v.nodes[i].name)
				}
				if tw := textWidth(a.title, sizeName, true); tw > a.W-8 {
					t.Errorf("%s: title %.0fpx wide in a %.0fpx node", v.nodes[i].name, tw, a.W)
				}
				for j := i + 1; j < len(L.nodes); j++ {
					if a.overlaps(L.nodes[j].rect) {
						t.Errorf("nodes %s and %s overlap", v.nodes[i].name, v.nodes[j].name)
					}
				}
				for _, c := range a.computes {
					if !a.overlaps(c.rect) || c.X < a.X || c.right() > a.right() || c.bottom() > a.bottom() {
						t.Errorf("compute %s sticks out of %s", c.name, v.nodes[i].name)
					}
				}
			}
			for _, e := range L.edges {
				if e.hasLabel {
					for i, n := range L.nodes {
						if e.label.overlaps(n.rect) {
							t.Errorf("label %q of %s-%s lies on node %s", e.link.label, e.link.a.name, e.link.b.name, v.nodes[i].name)
						}
					}
				}
				for i, n := range L.nodes {
					if i == e.link.a.idx || i == e.link.b.idx {
						continue
					}
					if edgeHits(e, n.rect.inflate(-1)) {
						t.Errorf("link %s-%s runs through node %s", e.link.a.name, e.link.b.name, v.nodes[i].name)
					}
				}
			}
			// In a small lab every label finds a free spot.
			if len(L.nodes) < 50 {
				for i, a := range L.edges {
					for _, b := range L.edges[i+1:] {
						if a.hasLabel && b.hasLabel && a.label.overlaps(b.label) {
							t.Errorf("labels %q and %q overlap", a.link.label, b.link.label)
						}
					}
				}
			}
			for k, a := range L.areas {
				for _, n := range v.nodes {
					in := n.core && n.area == a.a.id
					if !in && L.nodes[n.idx].overlaps(a.r) {
						t.Errorf("a box of area %s takes in %s", a.a.id, n.name)
					}
				}
				for _, b := range L.areas[k+1:] {
					if a.r.overlaps(b.r) {
						t.Errorf("boxes of areas %s and %s overlap", a.a.id, b.a.id)
					}
				}
				if !inside(a.r) || a.r.Y < L.header.height {
					t.Errorf("area %s outside the canvas or under the legend", a.a.id)
				}
			}
			for _, n := range v.nodes {
				if !n.core {
					continue
				}
				r, enclosed := L.nodes[n.idx].rect, false
				for _, a := range L.areas {
					if a.a.id == n.area && r.X >= a.r.X && r.Y >= a.r.Y && r.right() <= a.r.right() && r.bottom() <= a.r.bottom() {
						enclosed = true
					}
				}
				if !enclosed {
					t.Errorf("no box of area %s encloses %s", n.area, n.name)
				}
			}
		})
	}
}

func TestJSON(t *testing.T) {
	for _, tm := range testModels(t) {
		t.Run(tm.name, func(t *testing.T) {
			m := tm.m
			b, err := JSON(m, Options{BGP: true})
			if err != nil {
				t.Fatal(err)
			}
			var d Drawing
			if err := json.Unmarshal(b, &d); err != nil {
				t.Fatalf("JSON does not parse back: %v", err)
			}
			if d.Schema != JSONSchema {
				t.Errorf("schema %q", d.Schema)
			}
			if len(d.Nodes) != len(nodeNames(m)) || len(d.Edges) != wanLinks(m) || len(d.Sessions) != len(m.Sessions) || len(d.Clouds) != len(m.Clouds) {
				t.Errorf("got %d nodes, %d edges, %d sessions, %d clouds; want %d, %d, %d, %d",
					len(d.Nodes), len(d.Edges), len(d.Sessions), len(d.Clouds), len(nodeNames(m)), wanLinks(m), len(m.Sessions), len(m.Clouds))
			}
			for _, c := range d.Clouds {
				for _, cp := range c.Computes {
					n := m.Node(cp.Name)
					if n == nil {
						continue // a hand-built model without compute nodes
					}
					if cp.Link == nil || *cp.Link != n.Interfaces[0].LinkID || cp.Addr != n.Interfaces[0].Addr.String() {
						t.Errorf("compute %s of %s: link %v addr %q; want its underlay link and address", cp.Name, c.Name, cp.Link, cp.Addr)
					}
				}
			}
			names := map[string]bool{}
			for _, n := range d.Nodes {
				names[n.Name] = true
				if n.W <= 0 || n.H <= 0 || n.X < 0 || n.Y < 0 || n.X+n.W > d.Width || n.Y+n.H > d.Height {
					t.Errorf("node %s has bad geometry %+v", n.Name, n)
				}
			}
			for i, e := range d.Edges {
				if e.ID != m.Links[i].ID || !names[e.A] || !names[e.B] || len(e.Points) < 2 {
					t.Errorf("edge %d: %+v", i, e)
				}
			}
			inAreas := map[string][]string{}
			for _, a := range d.Areas {
				inAreas[a.ID] = a.Nodes
			}
			checkAreaMembers(t, m, inAreas, topology.Area.String, func(n *topology.Node) string { return n.Name })
		})
	}
}

func TestDeterministic(t *testing.T) {
	build := []func() *topology.Model{
		seedLike,
		func() *topology.Model { return synthetic(12, 40, 36, 12, 2) },
		oddNames,
		func() *topology.Model {
			m, err := topology.LoadSeed()
			if err != nil {
				t.Fatal(err)
			}
			return m
		},
	}
	for _, mk := range build {
		for _, o := range []Options{{}, {BGP: true, Title: "t"}} {
			a, b := mk(), mk()
			j1, err1 := JSON(a, o)
			j2, err2 := JSON(b, o)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			pairs := [][2][]byte{
				{DOT(a, o), DOT(b, o)},
				{Mermaid(a, o), Mermaid(b, o)},
				{SVG(a, o), SVG(b, o)},
				{j1, j2},
				{SVG(a, o), SVG(a, o)},
			}
			for i, p := range pairs {
				if !bytes.Equal(p[0], p[1]) {
					t.Errorf("%s: output %d differs between two renders", a.Name, i)
				}
			}
		}
	}
}

func TestTitle(t *testing.T) {
	m := seedLike()
	for _, c := range []struct {
		o    Options
		want string
	}{{Options{}, "seed-like"}, {Options{Title: "My WAN"}, "My WAN"}} {
		if !bytes.Contains(SVG(m, c.o), []byte("<title>"+c.want+"</title>")) {
			t.Errorf("SVG title is not %q", c.want)
		}
		if !bytes.Contains(DOT(m, c.o), []byte(`graph "`+c.want+`" {`)) {
			t.Errorf("DOT graph is not named %q", c.want)
		}
		if !bytes.Contains(Mermaid(m, c.o), []byte(`title: "`+c.want+`"`)) {
			t.Errorf("Mermaid title is not %q", c.want)
		}
	}
}

// TestDegenerate: nothing to draw, or broken references, still renders.
func TestDegenerate(t *testing.T) {
	dangling := seedLike()
	dangling.Links = append(dangling.Links, &topology.Link{ID: 99, A: topology.Endpoint{Node: "p1"}, B: topology.Endpoint{Node: "ghost"}, Up: true}, nil)
	dangling.Nodes = append(dangling.Nodes, nil, &topology.Node{Name: "p1", Role: topology.RoleP}) // nil and a duplicate
	dangling.Clouds = append(dangling.Clouds, &topology.Cloud{Name: "lost", Node: "nowhere"}, nil)
	lonely := &topology.Model{Name: "lonely", Nodes: []*topology.Node{
		{Name: "c", Role: topology.RoleCloud, RouterID: netip.MustParseAddr("10.0.0.1")},
		{Name: "h", Role: topology.RoleHost},
	}}
	for _, m := range []*topology.Model{nil, {}, {Name: "empty"}, dangling, lonely} {
		for _, o := range []Options{{}, {BGP: true}} {
			parseSVG(t, SVG(m, o))
			DOT(m, o)
			Mermaid(m, o)
			if _, err := JSON(m, o); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestLinkLabel(t *testing.T) {
	l := &topology.Link{Subnet: netip.MustParsePrefix("10.0.3.4/31"), Latency: 30_000_000, Up: true}
	if got := linkLabel(l); got != "10.0.3.4/31 · 30ms" {
		t.Errorf("got %q", got)
	}
	l = &topology.Link{A: topology.Endpoint{Addr: netip.MustParseAddr("10.0.0.1")}, B: topology.Endpoint{Addr: netip.MustParseAddr("10.0.0.2")}, Latency: 1_500_000}
	if got := linkLabel(l); got != "10.0.0.1 – 10.0.0.2 · 1.5ms · down" {
		t.Errorf("got %q", got)
	}
}

func TestPack(t *testing.T) {
	gaps := []float64{0, 10, 10}
	got := pack([]float64{50, 50, 50}, []float64{20, 20, 20}, gaps, 0, 1000)
	// Three 20px items 10px apart around 50: centres 20, 50, 80.
	if got[0] != 20 || got[1] != 50 || got[2] != 80 {
		t.Errorf("pack around one point: %v", got)
	}
	got = pack([]float64{0, 500, 990}, []float64{20, 20, 20}, gaps, 0, 1000)
	if got[0] != 10 || got[1] != 500 || got[2] != 990 {
		t.Errorf("pack within bounds: %v", got)
	}
}

func BenchmarkSVG1000(b *testing.B) {
	m := synthetic(60, 400, 440, 100, 3)
	if n := len(m.Nodes); n != 1000 {
		b.Fatalf("%d nodes", n)
	}
	o := Options{BGP: true}
	b.ReportAllocs()
	cpu := testpeer.ProcessCPU()
	for b.Loop() {
		SVG(m, o)
	}
	b.ReportMetric(float64(testpeer.ProcessCPU()-cpu)/float64(b.N), "cpu-ns/op")
}
