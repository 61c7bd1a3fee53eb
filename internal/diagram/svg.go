package diagram

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"github.com/intercloud/intercloud/internal/topology"
)

// SVG renders the model as a standalone SVG drawn in-process (layout.go):
// no Graphviz at run time. Colours are presentation attributes rather than
// CSS so that every viewer, including image converters, shows the same
// picture. With o.BGP the sessions are in <g id="bgp-sessions">, one
// subgroup per kind, and the legend's session entries toggle them when the
// file is opened in a browser (a few lines of script; where scripts do not
// run, as in an <img>, the overlay simply stays visible).
func SVG(m *topology.Model, o Options) []byte {
	v := newView(m, o)
	L := newLayout(v, o)
	return renderSVG(L, o)
}

func renderSVG(L *layout, o Options) []byte {
	v := L.v
	s := &svgWriter{}
	s.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	s.raw(`<svg xmlns="http://www.w3.org/2000/svg" width="` + num(L.W) + `" height="` + num(L.H) +
		`" viewBox="0 0 ` + num(L.W) + " " + num(L.H) + `" font-family="sans-serif">` + "\n")
	s.raw("<title>" + esc(v.title) + "</title>\n")
	bgp := o.BGP && len(L.sessions) > 0
	if bgp {
		s.raw(toggleScript)
	}
	s.raw(`<rect width="100%" height="100%" fill="#ffffff"/>` + "\n")

	s.raw(`<g id="areas">` + "\n")
	// One group per area, holding its one or more boxes (placeAreas).
	for k, a := range L.areas {
		if k == 0 || L.areas[k-1].a != a.a {
			s.raw(`<g class="area" data-area="` + a.a.id.String() + `">`)
		}
		r := a.r
		s.raw(`<rect x="` + num(r.X) + `" y="` + num(r.Y) + `" width="` + num(r.W) + `" height="` + num(r.H) +
			`" rx="10" fill="` + areaFill + `" stroke="` + areaStroke + `" stroke-width="1.2" stroke-dasharray="6 4"/>`)
		if k == len(L.areas)-1 || L.areas[k+1].a != a.a {
			s.raw("</g>\n")
		}
	}
	s.raw("</g>\n")

	s.raw(`<g id="links">` + "\n")
	for _, e := range L.edges {
		l := e.link
		class := "link"
		colour, width, dash := linkColour, "1.6", ""
		if l.l.Core {
			width = "2.2"
		}
		if !l.l.Up {
			class += " down"
			colour, dash = linkDownColour, ` stroke-dasharray="7 5"`
		}
		s.raw(`<g class="` + class + `" data-link="` + strconv.Itoa(l.idx) + `" data-a="` + esc(l.a.name) + `" data-b="` + esc(l.b.name) + `">`)
		s.raw("<title>" + esc(linkTooltip(l)) + "</title>")
		s.raw(`<path d="` + edgePath(e) + `" fill="none" stroke="` + colour + `" stroke-width="` + width + `"` + dash + ` stroke-linejoin="round"/>`)
		s.raw("</g>\n")
	}
	s.raw("</g>\n")

	if bgp {
		s.raw(`<g id="bgp-sessions">` + "\n")
		for _, k := range v.kinds {
			s.raw(`<g id="` + sessionGroupID(k) + `" class="bgp" data-kind="` + esc(string(k)) + `" fill="none" stroke="` +
				sessionColour(k) + `" stroke-width="1.5" stroke-dasharray="5 4" stroke-opacity="0.85">` + "\n")
			for _, sg := range L.sessions {
				if sg.s.s.Kind != k {
					continue
				}
				width := ""
				if len(sg.s.members) > 1 {
					width = ` stroke-width="2.8"` // a bundle of computes' sessions
				}
				s.raw(`<path d="M` + pt(sg.p0) + " Q" + pt(sg.c) + " " + pt(sg.p1) + `"` + width + `><title>` + esc(sessionTooltip(sg.s)) + "</title></path>\n")
			}
			s.raw("</g>\n")
		}
		s.raw("</g>\n")
	}

	// Area titles go above links and sessions, on a halo like the link
	// labels: a link leaving a band's corner or an arc between bands may
	// pass under a title, and must not strike it through.
	s.raw(`<g id="area-titles">` + "\n")
	for _, a := range L.areas {
		t := areaTitleRect(a)
		s.raw(`<rect x="` + num(t.X) + `" y="` + num(t.Y) + `" width="` + num(t.W) + `" height="` + num(t.H) +
			`" rx="3" fill="` + areaFill + `" fill-opacity="0.92"/>`)
		s.text(t.X+4, t.Y+13, 12, "bold", "start", mutedText, "area "+a.a.id.String())
		s.raw("\n")
	}
	s.raw("</g>\n")

	s.raw(`<g id="link-labels">` + "\n")
	for _, e := range L.edges {
		if !e.hasLabel {
			continue
		}
		colour := "#37474f"
		if !e.link.l.Up {
			colour = linkDownColour
		}
		r := e.label
		s.raw(`<rect x="` + num(r.X) + `" y="` + num(r.Y) + `" width="` + num(r.W) + `" height="` + num(r.H) +
			`" rx="3" fill="#ffffff" fill-opacity="0.92"/>`)
		s.text(r.cx(), r.Y+12, sizeLabel, "", "middle", colour, e.link.label)
		s.raw("\n")
	}
	s.raw("</g>\n")

	s.raw(`<g id="nodes">` + "\n")
	for _, vn := range v.nodes {
		drawNode(s, vn, L.nodes[vn.idx])
	}
	s.raw("</g>\n")

	drawHeader(s, L.header)
	s.raw("</svg>\n")
	return s.b.Bytes()
}

// toggleScript shows or hides the group named by the clicked legend
// entry's data-toggle, dimming the entry while its group is hidden.
const toggleScript = `<script><![CDATA[
function icToggle(item) {
  var g = document.getElementById(item.getAttribute('data-toggle'));
  if (!g) return;
  var hidden = g.getAttribute('display') === 'none';
  if (hidden) { g.removeAttribute('display'); item.setAttribute('opacity', '1'); }
  else { g.setAttribute('display', 'none'); item.setAttribute('opacity', '0.4'); }
}
]]></script>
`

func edgePath(e edgeGeom) string {
	var b strings.Builder
	b.WriteString("M" + pt(e.pts[0]))
	if e.kind == edgeArc {
		b.WriteString(" C" + pt(e.pts[1]) + " " + pt(e.pts[2]) + " " + pt(e.pts[3]))
		return b.String()
	}
	for _, p := range e.pts[1:] {
		b.WriteString(" L" + pt(p))
	}
	return b.String()
}

func drawNode(s *svgWriter, vn *vnode, g nodeGeom) {
	st := styleOf(vn.role)
	s.raw(`<g class="node role-` + esc(svgIdent(string(vn.role))) + `" id="node-` + strconv.Itoa(vn.idx) + `" data-node="` + esc(vn.name) + `">`)
	s.raw("<title>" + esc(nodeTooltip(vn)) + "</title>")
	if g.badge {
		s.raw(shapeSVG(g.shape, g.rect.inflate(3.5), "none", rrColour, "1.4"))
	}
	s.raw(shapeSVG(g.shape, g.rect, st.Fill, st.Stroke, "1.6"))
	if g.shape == "cloud" {
		top := g.Y + scallop + 2
		s.text(g.cx(), top+14, sizeName, "bold", "middle", textColour, g.title)
		if g.detail != "" {
			s.text(g.cx(), top+30, sizeDetail, "", "middle", mutedText, g.detail)
		}
		for _, c := range g.computes {
			dash, width, weight := "", "1", ""
			switch {
			case c.index < 0:
				dash = ` stroke-dasharray="3 2"`
			case c.role != "":
				width, weight = "1.8", "bold" // the cloud's control node, not a compute
			}
			s.raw(`<rect class="compute" x="` + num(c.X) + `" y="` + num(c.Y) + `" width="` + num(c.W) + `" height="` + num(c.H) +
				`" rx="3" fill="` + computeFill + `" stroke="` + st.Stroke + `" stroke-width="` + width + `"` + dash + `/>`)
			s.text(c.cx(), c.Y+14, sizeDetail, weight, "middle", textColour, c.name)
		}
	} else {
		cy := g.cy()
		if g.detail != "" {
			s.text(g.cx(), cy-2, sizeName, "bold", "middle", textColour, g.title)
			s.text(g.cx(), cy+13, sizeDetail, "", "middle", mutedText, g.detail)
		} else {
			s.text(g.cx(), cy+4.5, sizeName, "bold", "middle", textColour, g.title)
		}
	}
	if g.badge {
		b := badgeRect(g)
		s.raw(`<rect x="` + num(b.X) + `" y="` + num(b.Y) + `" width="` + num(b.W) + `" height="` + num(b.H) +
			`" rx="8" fill="` + rrColour + `"/>`)
		s.text(b.cx(), b.Y+12, sizeLabel, "bold", "middle", "#ffffff", "RR")
	}
	s.raw("</g>\n")
}

// badgeRect is the "RR" badge on a node's top-right corner.
func badgeRect(g nodeGeom) rect { return rect{g.right() - 20, g.Y - 9, 26, 16} }

// shapeSVG draws a role's outline filling r.
func shapeSVG(shape string, r rect, fill, stroke, width string) string {
	paint := `fill="` + fill + `" stroke="` + stroke + `" stroke-width="` + width + `"`
	box := func(rx float64) string {
		return `<rect x="` + num(r.X) + `" y="` + num(r.Y) + `" width="` + num(r.W) + `" height="` + num(r.H) +
			`" rx="` + num(rx) + `" ` + paint + `/>`
	}
	switch shape {
	case "pill":
		return box(r.H / 2)
	case "rounded":
		return box(8)
	case "hexagon":
		k := r.H * 0.3
		return polygon([]point{{r.X, r.cy()}, {r.X + k, r.Y}, {r.right() - k, r.Y}, {r.right(), r.cy()},
			{r.right() - k, r.bottom()}, {r.X + k, r.bottom()}}, paint)
	case "octagon":
		c := math.Min(octChamfer, r.H*0.3)
		return polygon([]point{{r.X + c, r.Y}, {r.right() - c, r.Y}, {r.right(), r.Y + c}, {r.right(), r.bottom() - c},
			{r.right() - c, r.bottom()}, {r.X + c, r.bottom()}, {r.X, r.bottom() - c}, {r.X, r.Y + c}}, paint)
	case "cloud":
		return `<path d="` + cloudPath(r) + `" ` + paint + `/>`
	}
	return box(2)
}

func polygon(p []point, paint string) string {
	var b strings.Builder
	b.WriteString(`<polygon points="`)
	for i, q := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pt(q))
	}
	b.WriteString(`" ` + paint + `/>`)
	return b.String()
}

// cloudPath is a scalloped outline: shallow arcs bulging out of the rect
// inset by the scallop depth, walked clockwise so every arc bows outwards.
func cloudPath(r rect) string {
	in := r.inflate(-scallop)
	corners := []point{{in.X, in.Y}, {in.right(), in.Y}, {in.right(), in.bottom()}, {in.X, in.bottom()}}
	var b strings.Builder
	b.WriteString("M" + pt(corners[0]))
	for i := range corners {
		from, to := corners[i], corners[(i+1)%4]
		length := dist(from, to)
		n := math.Max(1, math.Round(length/34))
		chord := length / n
		radius := (chord*chord/4 + scallop*scallop) / (2 * scallop)
		for k := 1.0; k <= n; k++ {
			p := lerp(from, to, k/n)
			b.WriteString(" A" + num(radius) + " " + num(radius) + " 0 0 1 " + pt(p))
		}
	}
	b.WriteString(" Z")
	return b.String()
}

func drawHeader(s *svgWriter, h header) {
	s.raw(`<g id="legend">` + "\n")
	s.text(margin, margin+14, sizeTitle, "bold", "start", textColour, h.title)
	s.text(margin, margin+32, sizeDetail, "", "start", mutedText, h.subtitle)
	s.raw("\n")
	for _, it := range h.items {
		if it.toggle != "" {
			s.raw(`<g class="toggle" data-toggle="` + it.toggle + `" onclick="icToggle(this)" cursor="pointer">`)
		} else {
			s.raw("<g>")
		}
		sw := rect{it.x, it.y + 2, swatchW, 16}
		mid := sw.cy()
		tx := it.x + swatchW + 6
		switch it.kind {
		case legendRole:
			st := styleOf(it.role)
			s.raw(shapeSVG(legendShape(st.SVG), sw, st.Fill, st.Stroke, "1.4"))
		case legendRR:
			st := styleOf(topology.RoleP)
			s.raw(shapeSVG("rounded", sw.inflate(2), "none", rrColour, "1.2"))
			s.raw(shapeSVG("rounded", sw, st.Fill, st.Stroke, "1.2"))
			s.text(sw.cx(), sw.Y+12, sizeLabel, "bold", "middle", rrColour, "RR")
		case legendLink:
			s.raw(`<line x1="` + num(sw.X) + `" y1="` + num(mid) + `" x2="` + num(sw.right()) + `" y2="` + num(mid) + `" stroke="` + linkColour + `" stroke-width="2"/>`)
		case legendDown:
			s.raw(`<line x1="` + num(sw.X) + `" y1="` + num(mid) + `" x2="` + num(sw.right()) + `" y2="` + num(mid) + `" stroke="` + linkDownColour + `" stroke-width="2" stroke-dasharray="7 5"/>`)
		case legendSession:
			s.raw(`<line x1="` + num(sw.X) + `" y1="` + num(mid) + `" x2="` + num(sw.right()) + `" y2="` + num(mid) + `" stroke="` + sessionColour(it.session) + `" stroke-width="2" stroke-dasharray="5 4"/>`)
		case legendBGP:
			tx = it.x
		}
		weight := ""
		if it.kind == legendBGP {
			weight = "bold"
		}
		s.text(tx, it.y+14, sizeDetail, weight, "start", textColour, it.text)
		s.raw("</g>\n")
	}
	s.raw("</g>\n")
}

// legendShape keeps a cloud swatch small: the scallops need more room than
// a legend swatch has, so it shows as the rounded box clouds sit in.
func legendShape(shape string) string {
	if shape == "cloud" {
		return "rounded"
	}
	return shape
}

type svgWriter struct{ b bytes.Buffer }

func (s *svgWriter) raw(x string) { s.b.WriteString(x) }

func (s *svgWriter) text(x, y, size float64, weight, anchor, fill, text string) {
	s.raw(`<text x="` + num(x) + `" y="` + num(y) + `" font-size="` + num(size) + `"`)
	if weight != "" {
		s.raw(` font-weight="` + weight + `"`)
	}
	if anchor != "start" {
		s.raw(` text-anchor="` + anchor + `"`)
	}
	s.raw(` fill="` + fill + `">` + esc(text) + "</text>")
}

// num prints a coordinate with at most one decimal: enough for a screen,
// small files, and no float noise that would make output unstable.
func num(f float64) string {
	f = math.Round(f*10) / 10
	if f == 0 {
		return "0" // not "-0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func pt(p point) string { return num(p.X) + "," + num(p.Y) }

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")

// esc escapes text for XML, dropping control characters XML 1.0 forbids.
func esc(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 {
				return ' '
			}
			return r
		}, s)
	}
	return xmlEscaper.Replace(s)
}

// svgIdent keeps [a-z0-9-] so a value is safe in an id or class.
func svgIdent(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}
