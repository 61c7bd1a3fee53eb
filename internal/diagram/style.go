// Package diagram draws a resolved topology model as Graphviz DOT, Mermaid,
// a self-contained SVG, or JSON for the web view.
//
// Every renderer works from the same reduced view of the model (view.go) and
// the same role and session styles (this file), so the four outputs agree on
// what exists and what colour it is. Output is deterministic: the same model
// renders to the same bytes.
package diagram

import (
	"strconv"
	"strings"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// Options says what to draw.
type Options struct {
	BGP   bool   // draw BGP sessions (m.Sessions) as a dashed overlay
	Title string // optional; defaults to m.Name
}

// roleStyle is how one role looks in every output format.
type roleStyle struct {
	Label   string // legend text
	Fill    string
	Stroke  string
	DOT     string // Graphviz shape
	DOTStyl string // Graphviz style
	SVG     string // svg.go shape name: pill, rounded, hexagon, octagon, cloud, rect
}

// Colours are light fills with a dark stroke of the same hue so that dark
// text stays readable on every shape.
var roleStyles = map[topology.Role]roleStyle{
	topology.RoleP:     {"P router", "#dbe8f6", "#1f4e79", "ellipse", "filled", "pill"},
	topology.RolePE:    {"PE router", "#dcf1e0", "#2e7d32", "box", "rounded,filled", "rounded"},
	topology.RoleRR:    {"route reflector", "#f1e3f6", "#7b1fa2", "hexagon", "filled", "hexagon"},
	topology.RoleCE:    {"CE router", "#fff0dc", "#d35400", "octagon", "filled", "octagon"},
	topology.RoleCloud: {"cloud", "#e2f4fd", "#0277bd", "box", "rounded,filled", "cloud"},
	topology.RoleHost:  {"host", "#eceff1", "#546e7a", "box", "filled", "rect"},
	// External peers are not drawn yet (they have no links); the style
	// keeps the legend and class list complete.
	topology.RoleExternal: {"external BGP peer", "#fafafa", "#424242", "box", "dashed,filled", "rect"},
}

// unknownRole styles a node whose role this package does not know, so a
// newer model still draws.
var unknownRole = roleStyle{"other", "#f5f5f5", "#757575", "box", "dashed,filled", "rect"}

func styleOf(r topology.Role) roleStyle {
	if s, ok := roleStyles[r]; ok {
		return s
	}
	return unknownRole
}

// rrColour marks a p/pe that reflects routes: a second outline and a badge.
const rrColour = "#7b1fa2"

// Link colours.
const (
	linkColour     = "#546e7a"
	linkDownColour = "#d32f2f"
	computeFill    = "#ffffff"
	textColour     = "#1b1f23"
	mutedText      = "#546e7a"
	areaFill       = "#f6f8fb"
	areaStroke     = "#90a4ae"
)

// sessionKinds lists the session kinds in legend order with their colours.
var sessionKinds = []struct {
	Kind   topology.SessionKind
	Label  string
	Colour string
}{
	{topology.SessionIBGPVPN, "iBGP VPNv4 (PE to RR)", "#6a1b9a"},
	{topology.SessionRRMesh, "iBGP between RRs", "#c2185b"},
	{topology.SessionPECE, "eBGP PE to CE", "#ef6c00"},
	{topology.SessionCloudCE, "eBGP cloud speaker (when the cloud asks)", "#00838f"},
	{topology.SessionCloudCore, "iBGP cloud PE to RR (when the cloud asks)", "#1565c0"},
	{topology.SessionInterAS, "eBGP VPNv4 between ASBRs", "#2e7d32"},
}

const otherSessionColour = "#616161"

func sessionColour(k topology.SessionKind) string {
	for _, s := range sessionKinds {
		if s.Kind == k {
			return s.Colour
		}
	}
	return otherSessionColour
}

func sessionLabel(k topology.SessionKind) string {
	for _, s := range sessionKinds {
		if s.Kind == k {
			return s.Label
		}
	}
	return string(k)
}

// formatLatency writes 30ms, 1.5ms or 0.25ms: always milliseconds, the unit
// operators think of link delay in, and ASCII so every format accepts it.
func formatLatency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	return strconv.FormatFloat(ms, 'f', -1, 64) + "ms"
}

// linkLabel is "10.0.3.4/31 · 30ms": the subnet (or both addresses when
// there is none), the latency when set, and "down" for a failed link so the
// state reads without colour too.
func linkLabel(l *topology.Link) string {
	var parts []string
	switch {
	case l.Subnet.IsValid():
		parts = append(parts, l.Subnet.String())
	case l.A.Addr.IsValid() && l.B.Addr.IsValid():
		parts = append(parts, l.A.Addr.String()+" – "+l.B.Addr.String())
	}
	if l.Latency > 0 {
		parts = append(parts, formatLatency(l.Latency))
	}
	if !l.Up {
		parts = append(parts, "down")
	}
	return strings.Join(parts, " · ")
}

// nodeDetail is the second line under a node's name: what an operator
// looks for first on that kind of node.
func nodeDetail(v *vnode) string {
	n := v.n
	switch {
	case v.role == topology.RoleCloud && v.cloud != nil && v.cloud.c != nil:
		c := v.cloud.c
		s := c.JoinText()
		if c.ASN != 0 && c.Joins(topology.JoinDynamicRouting) {
			s += " · AS" + strconv.FormatUint(uint64(c.ASN), 10)
		}
		return s
	case v.role == topology.RoleCE:
		if n.ASN != 0 {
			return "AS" + strconv.FormatUint(uint64(n.ASN), 10)
		}
	case n.RouterID.IsValid():
		return n.RouterID.String()
	case n.Loopback.IsValid():
		return n.Loopback.Addr().String()
	}
	return ""
}
