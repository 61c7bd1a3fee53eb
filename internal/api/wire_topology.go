package api

import "github.com/intercloud/intercloud/internal/diagram"

// Topology is GET /api/v1/topology: the model laid out for drawing, the
// same picture as `intercloud graph` (internal/diagram lays it out), so a
// browser draws it without laying it out again. Coordinates are pixels
// in a Width x Height canvas, y growing downwards. Schema names the
// shape ("intercloud.diagram/v1"); it changes only when a field is
// removed or changes meaning.
type Topology struct {
	Schema      string            `json:"schema"`
	Title       string            `json:"title"`
	Name        string            `json:"name,omitempty"`
	Source      string            `json:"source,omitempty"`
	ProviderASN uint32            `json:"provider_asn,omitempty"`
	Width       float64           `json:"width"`
	Height      float64           `json:"height"`
	Nodes       []TopologyNode    `json:"nodes"`
	Edges       []TopologyEdge    `json:"edges"`
	Sessions    []TopologySession `json:"sessions"`
	Areas       []TopologyArea    `json:"areas"`
	Clouds      []TopologyCloud   `json:"clouds"`
	Legend      TopologyLegend    `json:"legend"`
}

// TopologyNode is a node and its box: X, Y the top-left corner; Tier 0
// is the core, growing outwards; Side -1 left, 0 centre, 1 right.
type TopologyNode struct {
	Name           string  `json:"name"`
	Role           string  `json:"role"`
	RouteReflector bool    `json:"route_reflector,omitempty"`
	Area           string  `json:"area,omitempty"` // core nodes only
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

// TopologyEdge is a link as drawn: ID indexes the model's links; Points
// is a polyline, or a cubic Bézier's four points when Curve; LabelBox is
// [x, y, w, h].
type TopologyEdge struct {
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
	Area       string       `json:"area,omitempty"` // core links only
	Core       bool         `json:"core"`
	Up         bool         `json:"up"`
	Label      string       `json:"label"`
	Points     [][2]float64 `json:"points"`
	Curve      bool         `json:"curve,omitempty"`
	LabelBox   []float64    `json:"label_box,omitempty"`
}

// TopologySession is a BGP session of the model: A and B as the model
// names them (an end may be a compute node), ANode and BNode the drawn
// nodes they sit on, Curve a quadratic Bézier's start, control and end.
// Its state is GET /api/v1/sessions'.
type TopologySession struct {
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

// TopologyArea is an IGP area ("0.0.0.0") with its routers and boxes
// ([x, y, w, h] each: several when other areas' routers sit between).
type TopologyArea struct {
	ID    string       `json:"id"`
	Nodes []string     `json:"nodes"`
	Boxes [][4]float64 `json:"boxes"`
}

// TopologyCloud is a cloud, the node it is drawn as and its compute
// nodes.
type TopologyCloud struct {
	Name     string            `json:"name"`
	Node     string            `json:"node"`
	Join     []string          `json:"join,omitempty"`
	Attach   string            `json:"attach,omitempty"`
	ASN      uint32            `json:"asn,omitempty"`
	Prefix   string            `json:"prefix,omitempty"`
	VPN      string            `json:"vpn,omitempty"`
	Computes []TopologyCompute `json:"computes"`
	// Routers are the cloud's other routers, drawn in its box (an sdn
	// cloud's control node), with their role.
	Routers []TopologyCompute `json:"routers,omitempty"`
}

// TopologyCompute is a compute node (or another router inside a cloud,
// with its Role): Link indexes its underlay link to
// the cloud's node, Interface and Addr are its end of it; no box when it
// is folded into the cloud's "+N more".
type TopologyCompute struct {
	Name      string   `json:"name"`
	Role      string   `json:"role,omitempty"` // a router's in Routers; empty for a compute
	Loopback  string   `json:"loopback,omitempty"`
	Link      *int     `json:"link,omitempty"`
	Interface string   `json:"interface,omitempty"`
	Addr      string   `json:"addr,omitempty"`
	X         *float64 `json:"x,omitempty"`
	Y         *float64 `json:"y,omitempty"`
	W         *float64 `json:"w,omitempty"`
	H         *float64 `json:"h,omitempty"`
}

// TopologyLegend is the key: how each role and session kind is drawn.
type TopologyLegend struct {
	Roles    []TopologyRoleStyle `json:"roles"`
	Sessions []TopologyKindStyle `json:"sessions"`
}

// TopologyRoleStyle is how one role is drawn.
type TopologyRoleStyle struct {
	Role   string `json:"role"`
	Label  string `json:"label"`
	Shape  string `json:"shape"`
	Fill   string `json:"fill"`
	Stroke string `json:"stroke"`
}

// TopologyKindStyle is how one kind of BGP session is drawn.
type TopologyKindStyle struct {
	Kind   string `json:"kind"`
	Label  string `json:"label"`
	Colour string `json:"colour"`
}

func wireTopology(v diagram.Drawing) Topology {
	return Topology{
		Schema:      v.Schema,
		Title:       v.Title,
		Name:        v.Name,
		Source:      v.Source,
		ProviderASN: v.ProviderASN,
		Width:       v.Width,
		Height:      v.Height,
		Nodes:       wireSlice(v.Nodes, wireTopologyNode),
		Edges:       wireSlice(v.Edges, wireTopologyEdge),
		Sessions:    wireSlice(v.Sessions, wireTopologySession),
		Areas:       wireSlice(v.Areas, wireTopologyArea),
		Clouds:      wireSlice(v.Clouds, wireTopologyCloud),
		Legend: TopologyLegend{
			Roles:    wireSlice(v.Legend.Roles, wireTopologyRoleStyle),
			Sessions: wireSlice(v.Legend.Sessions, wireTopologyKindStyle),
		},
	}
}

func wireTopologyNode(v diagram.DrawnNode) TopologyNode {
	return TopologyNode{
		Name:           v.Name,
		Role:           v.Role,
		RouteReflector: v.RouteReflector,
		Area:           v.Area,
		ASN:            v.ASN,
		RouterID:       v.RouterID,
		Loopback:       v.Loopback,
		Cloud:          v.Cloud,
		Tier:           v.Tier,
		Side:           v.Side,
		X:              v.X,
		Y:              v.Y,
		W:              v.W,
		H:              v.H,
		Shape:          v.Shape,
		Fill:           v.Fill,
		Stroke:         v.Stroke,
	}
}

func wireTopologyEdge(v diagram.DrawnEdge) TopologyEdge {
	return TopologyEdge{
		ID:         v.ID,
		A:          v.A,
		B:          v.B,
		AInterface: v.AInterface,
		BInterface: v.BInterface,
		AAddr:      v.AAddr,
		BAddr:      v.BAddr,
		Subnet:     v.Subnet,
		LatencyMS:  v.LatencyMS,
		Cost:       v.Cost,
		Area:       v.Area,
		Core:       v.Core,
		Up:         v.Up,
		Label:      v.Label,
		Points:     v.Points,
		Curve:      v.Curve,
		LabelBox:   v.LabelBox,
	}
}

func wireTopologySession(v diagram.DrawnSession) TopologySession {
	return TopologySession{
		Kind:     v.Kind,
		A:        v.A,
		B:        v.B,
		ANode:    v.ANode,
		BNode:    v.BNode,
		AAddr:    v.AAddr,
		BAddr:    v.BAddr,
		AASN:     v.AASN,
		BASN:     v.BASN,
		Families: v.Families,
		VRF:      v.VRF,
		RRClient: v.RRClient,
		OnDemand: v.OnDemand,
		Colour:   v.Colour,
		Curve:    v.Curve,
	}
}

func wireTopologyArea(v diagram.DrawnArea) TopologyArea {
	return TopologyArea{ID: v.ID, Nodes: v.Nodes, Boxes: v.Boxes}
}

func wireTopologyCloud(v diagram.DrawnCloud) TopologyCloud {
	return TopologyCloud{
		Name:     v.Name,
		Node:     v.Node,
		Join:     v.Join,
		Attach:   v.Attach,
		ASN:      v.ASN,
		Prefix:   v.Prefix,
		VPN:      v.VPN,
		Computes: wireSlice(v.Computes, wireTopologyCompute),
		Routers:  wireSlice(v.Routers, wireTopologyCompute),
	}
}

func wireTopologyCompute(v diagram.DrawnCompute) TopologyCompute {
	return TopologyCompute{
		Name:      v.Name,
		Role:      v.Role,
		Loopback:  v.Loopback,
		Link:      v.Link,
		Interface: v.Interface,
		Addr:      v.Addr,
		X:         v.X,
		Y:         v.Y,
		W:         v.W,
		H:         v.H,
	}
}

func wireTopologyRoleStyle(v diagram.RoleStyle) TopologyRoleStyle {
	return TopologyRoleStyle{Role: v.Role, Label: v.Label, Shape: v.Shape, Fill: v.Fill, Stroke: v.Stroke}
}

func wireTopologyKindStyle(v diagram.KindStyle) TopologyKindStyle {
	return TopologyKindStyle{Kind: v.Kind, Label: v.Label, Colour: v.Colour}
}
