package diagram

import "math"

// Lines as obstacles: a link label should not sit on another link or on a
// BGP session, and a session should not run through a label. Both are
// found through a spatial hash of the lines' segments.

// lineOwner says whose a segment is: a link (edge index) or a session.
type lineOwner struct {
	edge    int // -1 for a session
	session int // -1 for a link
}

type segment struct {
	a, b  point
	owner lineOwner
}

// lineGrid is a uniform spatial hash of segments.
type lineGrid struct {
	cells map[[2]int][]int
	segs  []segment
}

func newLineGrid() *lineGrid { return &lineGrid{cells: map[[2]int][]int{}} }

func (g *lineGrid) add(a, b point, owner lineOwner) {
	// A long segment goes in as pieces a cell long, so that it is listed
	// in the cells it crosses, not in every cell of its bounding box.
	if n := int(dist(a, b) / gridCell); n > 0 {
		prev := a
		for k := 1; k <= n; k++ {
			p := lerp(a, b, float64(k)/float64(n+1))
			g.addPiece(prev, p, owner)
			prev = p
		}
		g.addPiece(prev, b, owner)
		return
	}
	g.addPiece(a, b, owner)
}

func (g *lineGrid) addPiece(a, b point, owner lineOwner) {
	id := len(g.segs)
	g.segs = append(g.segs, segment{a, b, owner})
	r := rect{math.Min(a.X, b.X), math.Min(a.Y, b.Y), math.Abs(b.X - a.X), math.Abs(b.Y - a.Y)}
	x0, y0, x1, y1 := (&grid{}).span(r)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			g.cells[[2]int{x, y}] = append(g.cells[[2]int{x, y}], id)
		}
	}
}

// crossing lists the owners of the lines entering r, each once (a line
// crosses a label a few times at most, so a slice dedupes).
func (g *lineGrid) crossing(r rect) []lineOwner {
	x0, y0, x1, y1 := (&grid{}).span(r)
	var out []lineOwner
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
		next:
			for _, id := range g.cells[[2]int{x, y}] {
				s := g.segs[id]
				for _, o := range out {
					if o == s.owner {
						continue next
					}
				}
				if segmentHitsRect(s.a, s.b, r) {
					out = append(out, s.owner)
				}
			}
		}
	}
	return out
}

// crossingOrNone is crossing, or nothing when there is no grid.
func (g *lineGrid) crossingOrNone(r rect) []lineOwner {
	if g == nil {
		return nil
	}
	return g.crossing(r)
}

// edgeSegments is an edge's path as segments (an arc sampled).
func edgeSegments(e edgeGeom) [][2]point {
	var out [][2]point
	if e.kind == edgeArc {
		prev := e.pts[0]
		for k := 1; k <= 24; k++ {
			p := cubicAt(e.pts, float64(k)/24)
			out = append(out, [2]point{prev, p})
			prev = p
		}
		return out
	}
	for k := 1; k < len(e.pts); k++ {
		out = append(out, [2]point{e.pts[k-1], e.pts[k]})
	}
	return out
}

// sessionSegments is a session's curve, sampled.
func sessionSegments(p0, c, p1 point) [][2]point {
	var out [][2]point
	prev := p0
	for k := 1; k <= 24; k++ {
		t := float64(k) / 24
		p := lerp(lerp(p0, c, t), lerp(c, p1, t), t)
		out = append(out, [2]point{prev, p})
		prev = p
	}
	return out
}

// lines returns the hash of every link and session.
func (L *layout) lines() *lineGrid {
	g := newLineGrid()
	for i, e := range L.edges {
		for _, s := range edgeSegments(e) {
			g.add(s[0], s[1], lineOwner{edge: i, session: -1})
		}
	}
	for i, s := range L.sessions {
		for _, seg := range sessionSegments(s.p0, s.c, s.p1) {
			g.add(seg[0], seg[1], lineOwner{edge: -1, session: i})
		}
	}
	return g
}

// bows are the control-point offsets a session tries, as multiples of
// its first: its own side first, then the other, then further out.
var bows = []float64{1, -1, 1.6, -1.6, 0.5, -0.5, 2.2, -2.2, 0.2, -0.2, 3, -3}

// rerouteSessions bends each session that runs through a link label, a
// node other than its ends or an area title away from them: of the bows
// tried, the first clear one, or else the least obstructed.
func (L *layout) rerouteSessions() {
	obstacles := newGrid()
	// A label crossed is worse than a node passed over: the label's
	// text is what gets struck through (a node's name sits in its middle).
	type owner struct {
		node   int // -1 for a label or title
		weight float64
	}
	var owners []owner
	add := func(r rect, node int, weight float64) {
		obstacles.add(r)
		owners = append(owners, owner{node, weight})
	}
	for i, g := range L.nodes {
		add(g.rect.inflate(2), i, 1)
	}
	for _, e := range L.edges {
		if e.hasLabel {
			add(e.label.inflate(2), -1, 4)
		}
	}
	for _, a := range L.areas {
		add(a.title, -1, 4)
	}
	// stamp marks the obstacles a curve has met, per call of cost, so
	// each counts once without a map.
	stamp, call := make([]int, len(obstacles.rects)), 0
	cost := func(s sessionGeom) float64 {
		call++
		total := 0.0
		for _, seg := range sessionSegments(s.p0, s.c, s.p1) {
			r := rect{math.Min(seg[0].X, seg[1].X), math.Min(seg[0].Y, seg[1].Y), math.Abs(seg[1].X - seg[0].X), math.Abs(seg[1].Y - seg[0].Y)}
			x0, y0, x1, y1 := obstacles.span(r)
			for x := x0; x <= x1; x++ {
				for y := y0; y <= y1; y++ {
					for _, id := range obstacles.cells[[2]int{x, y}] {
						if stamp[id] == call {
							continue
						}
						n := owners[id].node
						if n == s.s.a.node.idx || n == s.s.b.node.idx {
							continue // its own ends
						}
						if segmentHitsRect(seg[0], seg[1], obstacles.rects[id]) {
							stamp[id] = call
							total += owners[id].weight
						}
					}
				}
			}
		}
		return total
	}
	for i := range L.sessions {
		s := &L.sessions[i]
		ra, rb := L.endRect(s.s.a), L.endRect(s.s.b)
		mid := lerp(s.p0, s.p1, 0.5)
		off := point{s.c.X - mid.X, s.c.Y - mid.Y}
		best, bestCost := *s, math.Inf(1)
		for _, k := range bows {
			try := *s
			try.c = point{mid.X + off.X*k, mid.Y + off.Y*k}
			// Each end leaves its box towards the control point, so the
			// curve parts from the link it runs beside at once instead
			// of starting on it (and on the link's label).
			try.p0 = clipToRect(ra, point{ra.cx(), ra.cy()}, try.c)
			try.p1 = clipToRect(rb, point{rb.cx(), rb.cy()}, try.c)
			cst := cost(try)
			if cst < bestCost {
				best, bestCost = try, cst
				if cst == 0 {
					break
				}
			}
		}
		*s = best
	}
}
