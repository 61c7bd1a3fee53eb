package diagram

import (
	"math"
	"sort"
)

// Link labels: each goes at the first spot along its link that is clear
// of nodes, area titles and other labels, found through a spatial hash.

// placeLabels puts each link label at the candidate spot (its link's
// middle first, on the link, then just beside it, then further along)
// that hits no node or area title and costs least: another label on it
// costs most, then another link through it, then a BGP session; ties go
// to the spot nearest the middle. When every spot hits a node it takes
// the first.
func (L *layout) placeLabels() {
	hard, soft := newGrid(), newGrid()
	for _, g := range L.nodes {
		hard.add(g.rect.inflate(3))
		if g.badge {
			hard.add(badgeRect(g).inflate(2))
		}
	}
	for _, a := range L.areas {
		hard.add(areaTitleRect(a))
	}
	// Weighing every candidate against every line near it costs about
	// ten times the rest of the layout; past a few hundred nodes, where
	// the drawing is an overview rather than something to read label by
	// label, labels only avoid nodes, titles and each other.
	var lines *lineGrid
	if len(L.nodes) <= lineAwareNodes {
		lines = L.lines()
	}
	for i := range L.edges {
		e := &L.edges[i]
		text := e.link.label
		if text == "" {
			continue
		}
		w, h := textWidth(text, sizeLabel, false)+2*labelPadX, labelH
		var first, best rect
		bestCost := math.Inf(1)
		bias := 0
		switch da, db := len(L.adj[e.link.a.idx]), len(L.adj[e.link.b.idx]); {
		case da > db+1:
			bias = 1
		case db > da+1:
			bias = -1
		}
		for k, r := range labelCandidates(e, w, h, bias) {
			if k == 0 {
				first = r
			}
			if hard.hits(r) > 0 {
				continue
			}
			cost := 0.0
			if a := soft.hits(r); a > 0 {
				cost += 1000 + a
			}
			if cost >= bestCost {
				continue
			}
			for _, o := range lines.crossingOrNone(r.inflate(1)) {
				switch {
				case o.edge == i:
				case o.edge >= 0:
					cost += 40
				default:
					cost += 15
				}
			}
			if cost < bestCost {
				best, bestCost = r, cost
				if cost == 0 {
					break
				}
			}
		}
		if math.IsInf(bestCost, 1) {
			best = first
		}
		e.label, e.hasLabel = best, true
		soft.add(best)
	}
}

// lineAwareNodes is the largest lab whose labels are kept off other lines.
const lineAwareNodes = 300

func areaTitleRect(a areaGeom) rect { return a.title }

// placeAreaTitles slides each area's title along the top of its box to the
// leftmost spot no link crosses (links into a band's corner or arcs between
// bands would strike it through), preferring spots clear of BGP sessions
// too; with no clear spot it takes the least crossed one.
func (L *layout) placeAreaTitles() {
	for i := range L.areas {
		a := &L.areas[i]
		w := textWidth("area "+a.a.id.String(), 12, true) + 8
		best, bestCost := rect{a.r.X + 6, a.r.Y + 4, w, 18}, math.Inf(1)
		for x := a.r.X + 6; x+w <= a.r.right()-6; x += 12 {
			r := rect{x, a.r.Y + 4, w, 18}
			cost := 0.0
			for _, e := range L.edges {
				if edgeHits(e, r.inflate(2)) {
					cost++
				}
			}
			for _, sg := range L.sessions {
				if quadHits(sg.p0, sg.c, sg.p1, r) {
					cost += 0.01
				}
			}
			if cost < bestCost {
				best, bestCost = r, cost
			}
			if cost == 0 {
				break
			}
		}
		a.title = best
	}
}

// quadHits reports whether a BGP session's curve enters r.
func quadHits(p0, c, p1 point, r rect) bool {
	prev := p0
	for k := 1; k <= 32; k++ {
		t := float64(k) / 32
		p := lerp(lerp(p0, c, t), lerp(c, p1, t), t)
		if segmentHitsRect(prev, p, r) {
			return true
		}
		prev = p
	}
	return false
}

// edgeHits reports whether an edge's path enters r.
func edgeHits(e edgeGeom, r rect) bool {
	if e.kind == edgeArc {
		prev := e.pts[0]
		for k := 1; k <= 32; k++ {
			p := cubicAt(e.pts, float64(k)/32)
			if segmentHitsRect(prev, p, r) {
				return true
			}
			prev = p
		}
		return false
	}
	for k := 1; k < len(e.pts); k++ {
		if segmentHitsRect(e.pts[k-1], e.pts[k], r) {
			return true
		}
	}
	return false
}

// segmentHitsRect clips the segment to r (Liang-Barsky).
func segmentHitsRect(a, b point, r rect) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b.X-a.X, b.Y-a.Y
	for _, c := range [][2]float64{{-dx, a.X - r.X}, {dx, r.right() - a.X}, {-dy, a.Y - r.Y}, {dy, r.bottom() - a.Y}} {
		p, q := c[0], c[1]
		if p == 0 {
			if q < 0 {
				return false
			}
			continue
		}
		t := q / p
		if p < 0 {
			t0 = max(t0, t)
		} else {
			t1 = min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

var labelTs = []float64{0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8}

// Links fan in at a busy node, so a label is best tried first towards the
// quieter end (bias +1: the b end, -1: the a end).
var labelTsTowardsB = []float64{0.6, 0.7, 0.5, 0.8, 0.4, 0.3, 0.2}
var labelTsTowardsA = []float64{0.4, 0.3, 0.5, 0.2, 0.6, 0.7, 0.8}

func labelCandidates(e *edgeGeom, w, h float64, bias int) []rect {
	var out []rect
	centred := func(p point) rect { return rect{p.X - w/2, p.Y - h/2, w, h} }
	beside := func(p point, dir int) rect {
		if dir < 0 {
			return rect{p.X - 5 - w, p.Y - h/2, w, h}
		}
		return rect{p.X + 5, p.Y - h/2, w, h}
	}
	switch e.kind {
	case edgeArc:
		// On the arc first, as on straight links, so the label reads as
		// the arc's; beside it (outwards) only when those spots are taken.
		for _, t := range labelTs {
			out = append(out, centred(cubicAt(e.pts, t)))
		}
		for _, t := range labelTs {
			out = append(out, beside(cubicAt(e.pts, t), e.dir))
		}
	case edgeVertical:
		for _, t := range labelTs {
			p := lerp(e.pts[0], e.pts[1], t)
			out = append(out, beside(p, e.dir), beside(p, -e.dir))
		}
		// Further out, past a parallel link beside this one.
		for _, t := range labelTs {
			p := lerp(e.pts[0], e.pts[1], t)
			for _, d := range []float64{12, 18} {
				out = append(out, beside(point{p.X + d*float64(e.dir), p.Y}, e.dir), beside(point{p.X - d*float64(e.dir), p.Y}, -e.dir))
			}
		}
	default:
		// Longest segments first: that is where the label has room.
		segs := make([]int, len(e.pts)-1)
		for i := range segs {
			segs[i] = i
		}
		length := func(i int) float64 { return dist(e.pts[i], e.pts[i+1]) }
		sort.SliceStable(segs, func(i, j int) bool { return length(segs[i]) > length(segs[j]) })
		ts := labelTs
		switch bias {
		case 1:
			ts = labelTsTowardsB
		case -1:
			ts = labelTsTowardsA
		}
		// On the link, then just above or below it, so a label clears a
		// line crossing its own near the middle.
		offset := func(p point, a, b point, side float64) rect {
			dx, dy := b.X-a.X, b.Y-a.Y
			n := math.Hypot(dx, dy)
			if n == 0 {
				return centred(p)
			}
			// Far enough along the normal that the label's box clears its
			// own line by a couple of pixels.
			d := (h/2+2)*math.Abs(dx)/n + (w/2+2)*math.Abs(dy)/n
			return centred(point{p.X - dy/n*d*side, p.Y + dx/n*d*side})
		}
		for _, s := range segs {
			for _, t := range ts {
				p := lerp(e.pts[s], e.pts[s+1], t)
				out = append(out, centred(p), offset(p, e.pts[s], e.pts[s+1], -1), offset(p, e.pts[s], e.pts[s+1], 1))
			}
		}
	}
	return out
}

func lerp(a, b point, t float64) point { return point{a.X + (b.X-a.X)*t, a.Y + (b.Y-a.Y)*t} }

func dist(a, b point) float64 { return math.Hypot(b.X-a.X, b.Y-a.Y) }

// grid is a uniform spatial hash of rectangles, so that label placement
// stays near linear however large the lab.
type grid struct {
	cells map[[2]int][]int
	rects []rect
}

const gridCell = 96.0

func newGrid() *grid { return &grid{cells: map[[2]int][]int{}} }

func (g *grid) span(r rect) (x0, y0, x1, y1 int) {
	return int(math.Floor(r.X / gridCell)), int(math.Floor(r.Y / gridCell)),
		int(math.Floor(r.right() / gridCell)), int(math.Floor(r.bottom() / gridCell))
}

func (g *grid) add(r rect) {
	id := len(g.rects)
	g.rects = append(g.rects, r)
	x0, y0, x1, y1 := g.span(r)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			g.cells[[2]int{x, y}] = append(g.cells[[2]int{x, y}], id)
		}
	}
}

// overlapping lists the ids (in insertion order) of rectangles overlapping r.
func (g *grid) overlapping(r rect) []int {
	x0, y0, x1, y1 := g.span(r)
	seen := map[int]bool{}
	var out []int
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, id := range g.cells[[2]int{x, y}] {
				if !seen[id] && g.rects[id].overlaps(r) {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
	}
	return out
}

// hits is the total area of stored rectangles overlapping r.
func (g *grid) hits(r rect) float64 {
	x0, y0, x1, y1 := g.span(r)
	total := 0.0
	var seen map[int]bool
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, id := range g.cells[[2]int{x, y}] {
				o := g.rects[id]
				if !o.overlaps(r) {
					continue
				}
				if x1 > x0 || y1 > y0 {
					if seen == nil {
						seen = map[int]bool{}
					}
					if seen[id] {
						continue
					}
					seen[id] = true
				}
				total += (math.Min(o.right(), r.right()) - math.Max(o.X, r.X)) *
					(math.Min(o.bottom(), r.bottom()) - math.Max(o.Y, r.Y))
			}
		}
	}
	return total
}
