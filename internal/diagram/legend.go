package diagram

import (
	"fmt"
	"math"
	"strings"

	"github.com/intercloud/intercloud/internal/topology"
)

// The SVG's header: title, a one-line summary, and the legend, which
// wraps to the diagram's width.

type legendKind int

const (
	legendRole legendKind = iota
	legendRR
	legendLink
	legendDown
	legendBGP // the master switch of the overlay
	legendSession
)

type legendItem struct {
	kind    legendKind
	role    topology.Role
	session topology.SessionKind
	text    string
	toggle  string // id of the SVG group a click shows or hides
	x, y    float64
	w       float64
}

type header struct {
	title, subtitle string
	items           []legendItem
	width, height   float64
}

const (
	swatchW     = 30.0
	legendRowH  = 24.0
	legendSpace = 20.0
)

func newHeader(v *view, o Options, diagramW float64) header {
	h := header{title: v.title, subtitle: subtitle(v)}
	var items []legendItem
	for _, r := range rolesPresent(v) {
		items = append(items, legendItem{kind: legendRole, role: r, text: styleOf(r).Label})
	}
	if hasMarkedRR(v) {
		items = append(items, legendItem{kind: legendRR, text: "also reflects routes"})
	}
	items = append(items, legendItem{kind: legendLink, text: "link: subnet · latency"})
	if hasDownLink(v) {
		items = append(items, legendItem{kind: legendDown, text: "link down"})
	}
	bgpFrom := len(items)
	if o.BGP && len(v.sessions) > 0 {
		items = append(items, legendItem{kind: legendBGP, text: "BGP sessions (click to show/hide):", toggle: "bgp-sessions"})
		for _, k := range v.kinds {
			items = append(items, legendItem{kind: legendSession, session: k, text: sessionLabel(k), toggle: sessionGroupID(k)})
		}
	}

	maxW := math.Max(diagramW, 640)
	x, y := margin, margin+44.0
	h.width = textWidth(h.title, sizeTitle, true)
	h.width = math.Max(h.width, textWidth(h.subtitle, sizeDetail, false))
	for i := range items {
		it := &items[i]
		it.w = textWidth(it.text, sizeDetail, false)
		if it.kind != legendBGP {
			it.w += swatchW + 6
		}
		// The overlay's entries start a row of their own.
		if (x > margin && x+it.w > margin+maxW) || (i == bgpFrom && x > margin) {
			x, y = margin, y+legendRowH
		}
		it.x, it.y = x, y
		x += it.w + legendSpace
		if it.kind == legendBGP {
			x += 8 // the switch reads as a heading for the entries after it
		}
		h.width = math.Max(h.width, x-legendSpace-margin)
	}
	h.items = items
	h.height = y + legendRowH + 12
	return h
}

func subtitle(v *view) string {
	var parts []string
	if v.m != nil {
		if v.m.Source != "" {
			parts = append(parts, v.m.Source)
		}
		if v.m.ProviderASN != 0 {
			parts = append(parts, fmt.Sprintf("provider AS%d", v.m.ProviderASN))
		}
	}
	// Compute nodes are routers the lab runs, drawn inside their cloud's
	// box with their underlay links left out: count them as validate and
	// up do.
	computes, underlay := 0, 0
	for _, c := range v.clouds {
		for _, cp := range c.computes {
			if cp == nil || v.m == nil {
				continue
			}
			if n := modelNode(v.m, cp.Name); n != nil {
				computes++
				underlay += len(n.Interfaces)
			}
		}
	}
	nodes := plural(len(v.nodes)+computes, "node")
	if computes > 0 {
		nodes += fmt.Sprintf(" (%d compute)", computes)
	}
	parts = append(parts, nodes, plural(len(v.links)+underlay, "link"))
	if len(v.clouds) > 0 {
		parts = append(parts, plural(len(v.clouds), "cloud"))
	}
	if len(v.areas) > 0 {
		parts = append(parts, plural(len(v.areas), "IGP area"))
	}
	return strings.Join(parts, " · ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// sessionGroupID is the SVG id of one session kind's group.
func sessionGroupID(k topology.SessionKind) string {
	return "bgp-" + svgIdent(string(k))
}
