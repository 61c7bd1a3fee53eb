package diagram

import (
	"encoding/json"
	"math"
	"net/netip"

	"github.com/intercloud/intercloud/internal/topology"
)

// JSONSchema names the shape of JSON's output; it changes only when a
// field is removed or changes meaning (new fields may appear).
const JSONSchema = "intercloud.diagram/v1"

// JSON renders the model for the web view: the network as data plus the
// SVG layout's geometry, so a browser can draw the same picture and make it
// interactive without laying it out again. All coordinates are pixels in a
// canvas of width x height with y growing downwards, the same as SVG(m, o).
// Sessions are always listed (a web view switches them itself); their
// curves are filled in only when o.BGP. Output is indented and stable.
//
// Fields (omitted when empty or not applicable):
//
//	schema        "intercloud.diagram/v1"
//	title, name, source, provider_asn, width, height
//	nodes[]       name, role, route_reflector, area (core nodes only), asn,
//	              router_id, loopback, cloud; tier (0 centre, growing
//	              outwards), side (-1 left, 0 centre, 1 right), x, y, w, h
//	              (top-left corner and size), shape, fill, stroke
//	edges[]       id (index into the model's links), a, b, a_interface,
//	              b_interface, a_addr, b_addr, subnet, latency_ms, cost, area
//	              (core links only), core, up, label, points ([x,y] polyline,
//	              or the four points of a cubic Bézier when curve is true),
//	              label_box ([x, y, w, h])
//	sessions[]    kind, a, b (as in the model; an end may be a compute node),
//	              a_node, b_node (the drawn node each end sits on), a_addr,
//	              b_addr, a_asn, b_asn, families, vrf, rr_client, colour,
//	              curve ([start, control, end] of a quadratic Bézier)
//	areas[]       id ("0.0.0.0"), nodes, boxes ([x, y, w, h] each: one box,
//	              or several when other areas' routers sit between its own)
//	clouds[]      name, node, join, attach, asn, prefix, vpn,
//	              computes[] (name, loopback, link, interface, addr, x, y,
//	              w, h; no geometry when folded into the "+N more" box),
//	              routers[] (the cloud's other routers, such as an sdn
//	              cloud's control node: as computes, with their role)
//	legend        roles[] (role, label, shape, fill, stroke),
//	              sessions[] (kind, label, colour)
func JSON(m *topology.Model, o Options) ([]byte, error) {
	return json.MarshalIndent(Draw(m, o), "", "  ")
}

// Draw is the drawing JSON encodes, as Go values: the daemon's API
// converts it into its own wire type (internal/api's Topology) instead of
// serving this package's JSON.
func Draw(m *topology.Model, o Options) Drawing {
	v := newView(m, o)
	L := newLayout(v, o)
	doc := Drawing{
		Schema: JSONSchema,
		Title:  v.title,
		Width:  L.W,
		Height: L.H,
		Nodes:  []DrawnNode{},
		Edges:  []DrawnEdge{},
		Areas:  []DrawnArea{},
		Clouds: []DrawnCloud{},
	}
	if m != nil {
		doc.Name, doc.Source, doc.ProviderASN = m.Name, m.Source, m.ProviderASN
	}
	for _, vn := range v.nodes {
		g := L.nodes[vn.idx]
		st := styleOf(vn.role)
		n := DrawnNode{
			Name: vn.name, Role: string(vn.role), RouteReflector: vn.rr,
			ASN: vn.n.ASN, RouterID: addr(vn.n.RouterID), Loopback: prefix(vn.n.Loopback),
			Tier: g.tier, Side: g.side,
			X: round1(g.X), Y: round1(g.Y), W: round1(g.W), H: round1(g.H),
			Shape: g.shape, Fill: st.Fill, Stroke: st.Stroke,
		}
		if vn.core {
			n.Area = vn.area.String()
		}
		if vn.cloud != nil {
			n.Cloud = vn.cloud.name
		}
		doc.Nodes = append(doc.Nodes, n)
	}
	for _, e := range L.edges {
		l := e.link.l
		je := DrawnEdge{
			ID: l.ID, A: e.link.a.name, B: e.link.b.name,
			AInterface: l.A.Interface, BInterface: l.B.Interface,
			AAddr: addr(l.A.Addr), BAddr: addr(l.B.Addr), Subnet: prefix(l.Subnet),
			LatencyMS: float64(l.Latency) / 1e6, Cost: l.Cost,
			Core: l.Core, Up: l.Up, Label: e.link.label, Curve: e.kind == edgeArc,
		}
		if l.Core {
			je.Area = l.Area.String()
		}
		for _, p := range e.pts {
			je.Points = append(je.Points, [2]float64{round1(p.X), round1(p.Y)})
		}
		if e.hasLabel {
			je.LabelBox = []float64{round1(e.label.X), round1(e.label.Y), round1(e.label.W), round1(e.label.H)}
		}
		doc.Edges = append(doc.Edges, je)
	}
	drawn := map[*topology.Session]sessionGeom{}
	for _, sg := range L.sessions {
		drawn[sg.s.s] = sg
		for _, m := range sg.s.members {
			drawn[m] = sg // a bundle's sessions share its line
		}
	}
	if m != nil {
		for i := range m.Sessions {
			s := &m.Sessions[i]
			js := DrawnSession{
				Kind: string(s.Kind), A: s.A, B: s.B,
				AAddr: addr(s.AAddr), BAddr: addr(s.BAddr), AASN: s.AASN, BASN: s.BASN,
				Families: s.Families, VRF: s.VRF, RRClient: s.RRClient, OnDemand: s.OnDemand(), Colour: sessionColour(s.Kind),
			}
			if e, ok := v.endpoint(s.A); ok {
				js.ANode = e.node.name
			}
			if e, ok := v.endpoint(s.B); ok {
				js.BNode = e.node.name
			}
			if sg, ok := drawn[s]; ok {
				for _, p := range []point{sg.p0, sg.c, sg.p1} {
					js.Curve = append(js.Curve, [2]float64{round1(p.X), round1(p.Y)})
				}
			}
			doc.Sessions = append(doc.Sessions, js)
		}
	}
	if doc.Sessions == nil {
		doc.Sessions = []DrawnSession{}
	}
	for _, a := range v.areas {
		ja := DrawnArea{ID: a.id.String(), Boxes: [][4]float64{}}
		for _, n := range a.nodes {
			ja.Nodes = append(ja.Nodes, n.name)
		}
		for _, g := range L.areas {
			if g.a == a {
				ja.Boxes = append(ja.Boxes, [4]float64{round1(g.r.X), round1(g.r.Y), round1(g.r.W), round1(g.r.H)})
			}
		}
		doc.Areas = append(doc.Areas, ja)
	}
	for _, c := range v.clouds {
		jc := DrawnCloud{Name: c.name, Node: c.node.name, Computes: []DrawnCompute{}}
		if c.c != nil {
			for _, j := range c.c.Join {
				jc.Join = append(jc.Join, string(j))
			}
			jc.Attach, jc.ASN = c.c.Attach, c.c.ASN
			jc.Prefix, jc.VPN = prefix(c.c.Prefix), c.c.VPN
		}
		boxes := map[int]rect{}
		for _, cg := range L.nodes[c.node.idx].computes {
			if cg.index >= 0 {
				boxes[cg.index] = cg.rect
			}
		}
		for i, cp := range c.computes {
			if cp == nil {
				continue
			}
			jcp := DrawnCompute{Name: cp.Name, Loopback: prefix(cp.Loopback)}
			if n := modelNode(v.m, cp.Name); n != nil && len(n.Interfaces) > 0 {
				// its underlay link to the cloud's node
				ifc := n.Interfaces[0]
				id := ifc.LinkID
				jcp.Link, jcp.Interface, jcp.Addr = &id, ifc.Name, prefix(ifc.Addr)
			}
			if r, ok := boxes[i]; ok {
				jcp.X, jcp.Y, jcp.W, jcp.H = ptr(round1(r.X)), ptr(round1(r.Y)), ptr(round1(r.W)), ptr(round1(r.H))
			}
			jc.Computes = append(jc.Computes, jcp)
		}
		for i, n := range c.inner {
			jr := DrawnCompute{Name: n.Name, Role: string(n.Role), Loopback: prefix(n.Loopback)}
			if len(n.Interfaces) > 0 {
				ifc := n.Interfaces[0]
				id := ifc.LinkID
				jr.Link, jr.Interface, jr.Addr = &id, ifc.Name, prefix(ifc.Addr)
			}
			if r, ok := boxes[len(c.computes)+i]; ok {
				jr.X, jr.Y, jr.W, jr.H = ptr(round1(r.X)), ptr(round1(r.Y)), ptr(round1(r.W)), ptr(round1(r.H))
			}
			jc.Routers = append(jc.Routers, jr)
		}
		doc.Clouds = append(doc.Clouds, jc)
	}
	for _, r := range topology.Roles {
		st := styleOf(r)
		doc.Legend.Roles = append(doc.Legend.Roles, RoleStyle{Role: string(r), Label: st.Label, Shape: st.SVG, Fill: st.Fill, Stroke: st.Stroke})
	}
	for _, k := range sessionKinds {
		doc.Legend.Sessions = append(doc.Legend.Sessions, KindStyle{Kind: string(k.Kind), Label: k.Label, Colour: k.Colour})
	}
	return doc
}

// Drawing is the document JSON writes; the types under it are its parts,
// documented field by field in JSON's comment.
type Drawing struct {
	Schema      string         `json:"schema"`
	Title       string         `json:"title"`
	Name        string         `json:"name,omitempty"`
	Source      string         `json:"source,omitempty"`
	ProviderASN uint32         `json:"provider_asn,omitempty"`
	Width       float64        `json:"width"`
	Height      float64        `json:"height"`
	Nodes       []DrawnNode    `json:"nodes"`
	Edges       []DrawnEdge    `json:"edges"`
	Sessions    []DrawnSession `json:"sessions"`
	Areas       []DrawnArea    `json:"areas"`
	Clouds      []DrawnCloud   `json:"clouds"`
	Legend      Legend         `json:"legend"`
}

// DrawnNode is a node with its box.
type DrawnNode struct {
	Name           string  `json:"name"`
	Role           string  `json:"role"`
	RouteReflector bool    `json:"route_reflector,omitempty"`
	Area           string  `json:"area,omitempty"`
	ASN            uint32  `json:"asn,omitempty"`
	RouterID       string  `json:"router_id,omitempty"`
	Loopback       string  `json:"loopback,omitempty"`
	Cloud          string  `json:"cloud,omitempty"`
	Tier           int     `json:"tier"`
	Side           int     `json:"side"`
	X              float64 `json:"x"`
	Y              float64 `json:"y"`
	W              float64 `json:"w"`
	H              float64 `json:"h"`
	Shape          string  `json:"shape"`
	Fill           string  `json:"fill"`
	Stroke         string  `json:"stroke"`
}

// DrawnEdge is a link with its path and label box.
type DrawnEdge struct {
	ID         int          `json:"id"`
	A          string       `json:"a"`
	B          string       `json:"b"`
	AInterface string       `json:"a_interface,omitempty"`
	BInterface string       `json:"b_interface,omitempty"`
	AAddr      string       `json:"a_addr,omitempty"`
	BAddr      string       `json:"b_addr,omitempty"`
	Subnet     string       `json:"subnet,omitempty"`
	LatencyMS  float64      `json:"latency_ms,omitempty"`
	Cost       int          `json:"cost,omitempty"`
	Area       string       `json:"area,omitempty"`
	Core       bool         `json:"core"`
	Up         bool         `json:"up"`
	Label      string       `json:"label"`
	Points     [][2]float64 `json:"points"`
	Curve      bool         `json:"curve,omitempty"`
	LabelBox   []float64    `json:"label_box,omitempty"`
}

// DrawnSession is a BGP session of the model with its curve when drawn.
type DrawnSession struct {
	Kind     string       `json:"kind"`
	A        string       `json:"a"`
	B        string       `json:"b"`
	ANode    string       `json:"a_node,omitempty"`
	BNode    string       `json:"b_node,omitempty"`
	AAddr    string       `json:"a_addr,omitempty"`
	BAddr    string       `json:"b_addr,omitempty"`
	AASN     uint32       `json:"a_asn,omitempty"`
	BASN     uint32       `json:"b_asn,omitempty"`
	Families []string     `json:"families,omitempty"`
	VRF      string       `json:"vrf,omitempty"`
	RRClient bool         `json:"rr_client,omitempty"`
	OnDemand bool         `json:"on_demand,omitempty"` // starts when the cloud asks, not at up
	Colour   string       `json:"colour"`
	Curve    [][2]float64 `json:"curve,omitempty"`
}

// DrawnArea is an IGP area with its boxes.
type DrawnArea struct {
	ID    string       `json:"id"`
	Nodes []string     `json:"nodes"`
	Boxes [][4]float64 `json:"boxes"`
}

// DrawnCloud is a cloud with its compute nodes.
type DrawnCloud struct {
	Name     string         `json:"name"`
	Node     string         `json:"node"`
	Join     []string       `json:"join,omitempty"`
	Attach   string         `json:"attach,omitempty"`
	ASN      uint32         `json:"asn,omitempty"`
	Prefix   string         `json:"prefix,omitempty"`
	VPN      string         `json:"vpn,omitempty"`
	Computes []DrawnCompute `json:"computes"`
	// Routers are the cloud's other routers, drawn in its box (an sdn
	// cloud's control node), each with its role.
	Routers []DrawnCompute `json:"routers,omitempty"`
}

// DrawnCompute is a cloud's compute node, with its box when drawn.
type DrawnCompute struct {
	Name     string `json:"name"`
	Role     string `json:"role,omitempty"` // a router's in Routers; empty for a compute
	Loopback string `json:"loopback,omitempty"`
	// Link is the compute's underlay link to the cloud's node (an index
	// into the model's links, drawn inside the cloud's box); Interface
	// and Addr are the compute's end of it.
	Link      *int     `json:"link,omitempty"`
	Interface string   `json:"interface,omitempty"`
	Addr      string   `json:"addr,omitempty"`
	X         *float64 `json:"x,omitempty"`
	Y         *float64 `json:"y,omitempty"`
	W         *float64 `json:"w,omitempty"`
	H         *float64 `json:"h,omitempty"`
}

// Legend is the key of roles and session kinds.
type Legend struct {
	Roles    []RoleStyle `json:"roles"`
	Sessions []KindStyle `json:"sessions"`
}

// RoleStyle is how one role is drawn.
type RoleStyle struct {
	Role   string `json:"role"`
	Label  string `json:"label"`
	Shape  string `json:"shape"`
	Fill   string `json:"fill"`
	Stroke string `json:"stroke"`
}

// KindStyle is how one kind of session is drawn.
type KindStyle struct {
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Colour string `json:"colour"`
}

func round1(f float64) float64 {
	f = math.Round(f*10) / 10
	if f == 0 {
		return 0
	}
	return f
}

func ptr(f float64) *float64 { return &f }

// modelNode is m's node called name, nil if none (m may hold nils).
func modelNode(m *topology.Model, name string) *topology.Node {
	for _, n := range m.Nodes {
		if n != nil && n.Name == name {
			return n
		}
	}
	return nil
}

func addr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func prefix(p netip.Prefix) string {
	if !p.IsValid() {
		return ""
	}
	return p.String()
}
