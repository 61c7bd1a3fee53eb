package diagram

import (
	"math"
	"sort"
)

// Edge routing: which side of a node each link leaves from, the path it
// takes, and where its label goes.

type edgeKind int

const (
	edgeStraight edgeKind = iota // between columns, possibly with detours
	edgeVertical                 // between neighbours in one column
	edgeArc                      // between non-neighbours in one column
)

type edgeGeom struct {
	link     *vlink
	kind     edgeKind
	pts      []point // polyline; for an arc the cubic's p0, c1, c2, p1
	dir      int     // arcs: -1 bulges left, +1 right; vertical: label side
	hasLabel bool
	label    rect
}

type sessionGeom struct {
	s         *vsession
	p0, c, p1 point // quadratic Bézier
}

const (
	maxArcBulge = 56.0
	labelPadX   = 4.0
)

type portSide int

const (
	portLeft portSide = iota
	portRight
	portTop
	portBottom
)

type port struct {
	edge  int
	key   float64 // where the other end is, to order ports without crossings
	end   int     // 0: the link's a end, 1: its b end
	place float64 // offset from the side's middle, filled in
}

// arcDir is where a link between two nodes of one column bulges: centre
// column links alternate sides, others bulge outwards unless they are in
// the outermost column.
func (L *layout) arcDir(l *vlink) int {
	g := L.nodes[l.a.idx]
	switch {
	case g.side == 0 && l.idx%2 == 0:
		return 1
	case g.side == 0:
		return -1
	case g.side < 0 && g.col > 0:
		return -1
	case g.side > 0 && g.col < L.ncols-1:
		return 1
	}
	return -g.side
}

// between reports whether any other node of the column lies between a and b.
func (L *layout) between(a, b int) bool {
	return abs(L.row[a]-L.row[b]) > 1
}

func (L *layout) routeEdges() {
	L.edges = make([]edgeGeom, len(L.v.links))
	ports := map[[2]int][]*port{} // (node, side) -> ports
	add := func(node int, side portSide, p *port) {
		k := [2]int{node, int(side)}
		ports[k] = append(ports[k], p)
	}
	// Parallel arcs between one pair of nodes get growing bulges, in link
	// order.
	parallel := map[[2]int]int{}
	arcRank := make([]int, len(L.v.links))
	for _, l := range L.v.links {
		e := &L.edges[l.idx]
		e.link = l
		a, b := l.a.idx, l.b.idx
		ga, gb := L.nodes[a], L.nodes[b]
		switch {
		case ga.col != gb.col:
			e.kind = edgeStraight
			sa, sb := portRight, portLeft
			if ga.col > gb.col {
				sa, sb = portLeft, portRight
			}
			add(a, sa, &port{edge: l.idx, key: gb.cy(), end: 0})
			add(b, sb, &port{edge: l.idx, key: ga.cy(), end: 1})
		case !L.between(a, b) || L.liftedLink(a, b):
			e.kind = edgeVertical
			sa, sb := portBottom, portTop
			if ga.Y > gb.Y {
				sa, sb = portTop, portBottom
			}
			// Ordered by where the other end is: a PE's chains side by
			// side leave it left to right.
			add(a, sa, &port{edge: l.idx, key: gb.cx(), end: 0})
			add(b, sb, &port{edge: l.idx, key: ga.cx(), end: 1})
		default:
			e.kind = edgeArc
			e.dir = L.arcDir(l)
			s := portRight
			if e.dir < 0 {
				s = portLeft
			}
			add(a, s, &port{edge: l.idx, key: gb.cy(), end: 0})
			add(b, s, &port{edge: l.idx, key: ga.cy(), end: 1})
			k := [2]int{min(a, b), max(a, b)}
			arcRank[l.idx] = parallel[k]
			parallel[k]++
		}
	}

	// Spread each side's ports, ordered by where their other ends are.
	at := make([][2]point, len(L.edges))
	keys := make([][2]int, 0, len(ports))
	for k := range ports {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		ps := ports[k]
		sort.SliceStable(ps, func(i, j int) bool {
			if ps[i].key != ps[j].key {
				return ps[i].key < ps[j].key
			}
			return ps[i].edge < ps[j].edge
		})
		g := L.nodes[k[0]]
		side := portSide(k[1])
		span := g.H * 0.6
		maxStep := 9.0
		if side == portTop || side == portBottom {
			span, maxStep = math.Max(flatWidth(g)-8, 0), 14
		}
		step := maxStep
		if n := len(ps); n > 1 {
			step = math.Min(maxStep, span/float64(n-1))
		}
		for i, p := range ps {
			off := (float64(i) - float64(len(ps)-1)/2) * step
			at[p.edge][p.end] = portPoint(g, side, off)
		}
	}

	for i := range L.edges {
		e := &L.edges[i]
		p0, p1 := at[i][0], at[i][1]
		switch e.kind {
		case edgeStraight:
			// Leave each end horizontally to the edge of its column first,
			// so a steep line cannot clip the node above or below.
			s0, s1 := L.columnExit(e.link.a.idx, p0, p1.X), L.columnExit(e.link.b.idx, p1, p0.X)
			e.pts = append([]point{p0}, L.detour(s0, s1)...)
			e.pts = dedupe(append(e.pts, p1))
		case edgeVertical:
			e.pts = []point{p0, p1}
			e.dir = 1
			if g := L.nodes[e.link.a.idx]; p0.X < g.cx() {
				e.dir = -1
			}
		case edgeArc:
			dy := math.Abs(p1.Y - p0.Y)
			bulge := math.Min(maxArcBulge, 24+0.06*dy+10*float64(arcRank[i])) / 0.75
			d := float64(e.dir)
			e.pts = []point{p0, {p0.X + d*bulge, p0.Y}, {p1.X + d*bulge, p1.Y}, p1}
		}
	}
}

// columnExit is where a link from node i at p, heading towards x, leaves
// the node's column.
func (L *layout) columnExit(i int, p point, towards float64) point {
	c := L.nodes[i].col
	if towards > p.X {
		return point{L.colX[c] + L.colW[c]/2 + 4, p.Y}
	}
	return point{L.colX[c] - L.colW[c]/2 - 4, p.Y}
}

// dedupe drops repeated points and points a path goes straight through.
func dedupe(pts []point) []point {
	out := pts[:1]
	for _, p := range pts[1:] {
		if p == out[len(out)-1] {
			continue
		}
		if n := len(out); n >= 2 && collinear(out[n-2], out[n-1], p) {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

func collinear(a, b, c point) bool {
	cross := (b.X-a.X)*(c.Y-a.Y) - (b.Y-a.Y)*(c.X-a.X)
	return math.Abs(cross) < 1e-6 && (b.X-a.X)*(c.X-b.X)+(b.Y-a.Y)*(c.Y-b.Y) >= 0
}

// flatWidth is the straight part of a node's top and bottom.
func flatWidth(g nodeGeom) float64 {
	switch g.shape {
	case "pill":
		return g.W - g.H
	case "hexagon":
		return g.W - 2*hexInset(g)
	case "octagon":
		return g.W - 2*octChamfer
	case "cloud":
		return g.W - 4*scallop
	}
	return g.W - 12
}

const octChamfer = 9.0

func hexInset(g nodeGeom) float64 { return g.H * 0.3 }

// portPoint is where a link meets a node's outline on the given side, off
// pixels from the side's middle. Lines end on the visible outline, not on
// the bounding box, so they never stop short of a rounded shape.
func portPoint(g nodeGeom, side portSide, off float64) point {
	switch side {
	case portTop, portBottom:
		y := g.Y
		if side == portBottom {
			y = g.bottom()
		}
		if g.shape == "cloud" {
			if side == portTop {
				y += scallop
			} else {
				y -= scallop
			}
		}
		return point{g.cx() + off, y}
	}
	dy := math.Abs(off)
	inset := 0.0
	switch g.shape {
	case "pill":
		r := g.H / 2
		inset = r - math.Sqrt(math.Max(r*r-dy*dy, 0))
	case "hexagon":
		inset = hexInset(g) * dy / (g.H / 2)
	case "octagon":
		inset = math.Max(0, octChamfer-(g.H/2-dy))
	case "cloud":
		inset = scallop
	}
	if side == portLeft {
		return point{g.X + inset, g.cy() + off}
	}
	return point{g.right() - inset, g.cy() + off}
}

// detour routes a straight link through every column it skips: where the
// direct line would cross a node, it runs through the nearest free gap of
// that column instead.
func (L *layout) detour(p0, p1 point) []point {
	pts := L.detourOnce(p0, p1)
	// A detour through one column turns the line before it, which may
	// then cross an earlier column's node: check each new segment again
	// (a few passes settle it; tall slots beside a folded cloud made this
	// happen in large labs).
	for pass := 0; pass < 4; pass++ {
		out, changed := []point{pts[0]}, false
		for k := 1; k < len(pts); k++ {
			seg := L.detourOnce(out[len(out)-1], pts[k])
			changed = changed || len(seg) > 2
			out = append(out, seg[1:]...)
		}
		pts = out
		if !changed {
			break
		}
	}
	return pts
}

// detourOnce goes from p0 to p1 through a free gap of each column whose
// nodes the straight line would cross, deciding the columns in order.
func (L *layout) detourOnce(p0, p1 point) []point {
	if p0.X > p1.X {
		pts := L.detourOnce(p1, p0)
		reverse(pts)
		return pts
	}
	pts := []point{p0}
	cur := p0
	for c := 0; c < L.ncols; c++ {
		xl, xr := L.colX[c]-L.colW[c]/2-4, L.colX[c]+L.colW[c]/2+4
		if xl <= cur.X || xr >= p1.X {
			continue
		}
		yAt := func(x float64) float64 { return cur.Y + (p1.Y-cur.Y)*(x-cur.X)/(p1.X-cur.X) }
		yl, yr := yAt(xl), yAt(xr)
		lo, hi := math.Min(yl, yr)-6, math.Max(yl, yr)+6
		if !L.columnBlocked(c, lo, hi) {
			continue
		}
		y := L.freeY(c, (yl+yr)/2)
		pts = append(pts, point{xl, y}, point{xr, y})
		cur = point{xr, y}
	}
	return append(pts, p1)
}

func reverse(p []point) {
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
}

// columnBlocked reports whether a node of column c overlaps [lo, hi].
func (L *layout) columnBlocked(c int, lo, hi float64) bool {
	col := L.colNodes[c]
	k := sort.Search(len(col), func(k int) bool { return L.nodes[col[k]].bottom() >= lo })
	return k < len(col) && L.nodes[col[k]].Y <= hi
}

// freeY is the y nearest to want in a gap of column c wide enough to pass.
func (L *layout) freeY(c int, want float64) float64 {
	col := L.colNodes[c]
	const clear = 8.0
	best, bestD := want, math.Inf(1)
	try := func(lo, hi float64) {
		if hi-lo < 2*clear {
			return
		}
		y := math.Min(math.Max(want, lo+clear), hi-clear)
		if d := math.Abs(y - want); d < bestD {
			best, bestD = y, d
		}
	}
	k := sort.Search(len(col), func(k int) bool { return L.nodes[col[k]].cy() >= want })
	// Only the gaps next to where the line would cross can be nearest.
	for j := max(k-2, 0); j <= min(k+1, len(col)); j++ {
		lo, hi := math.Inf(-1), math.Inf(1)
		if j > 0 {
			lo = L.nodes[col[j-1]].bottom()
		}
		if j < len(col) {
			hi = L.nodes[col[j]].Y
		}
		try(lo, hi)
	}
	return best
}

// routeSessions draws each BGP session as a quadratic curve between the
// outlines of its ends, bowed so it is not mistaken for the link beneath;
// several sessions between the same pair bow alternately and further out.
func (L *layout) routeSessions() {
	seen := map[[2]int]int{}
	for _, s := range L.v.sessions {
		ra, rb := L.endRect(s.a), L.endRect(s.b)
		ka, kb := endKey(s.a), endKey(s.b)
		flip := false
		if kb < ka {
			ra, rb, ka, kb, flip = rb, ra, kb, ka, true
		}
		k := [2]int{ka, kb}
		n := seen[k]
		seen[k]++
		c0, c1 := point{ra.cx(), ra.cy()}, point{rb.cx(), rb.cy()}
		p0, p1 := clipToRect(ra, c0, c1), clipToRect(rb, c1, c0)
		dx, dy := p1.X-p0.X, p1.Y-p0.Y
		length := math.Hypot(dx, dy)
		if length < 1 {
			length = 1
		}
		sign := 1.0
		if n%2 == 1 {
			sign = -1
		}
		bow := math.Min(18+0.12*length, 120) + 14*float64(n/2)
		bow *= sign
		c := point{(p0.X+p1.X)/2 - dy/length*bow, (p0.Y+p1.Y)/2 + dx/length*bow}
		if flip {
			p0, p1 = p1, p0
		}
		L.sessions = append(L.sessions, sessionGeom{s: s, p0: p0, c: c, p1: p1})
	}
}

func endKey(e endpoint) int { return e.node.idx*1024 + e.compute + 1 }

func (L *layout) endRect(e endpoint) rect {
	g := L.nodes[e.node.idx]
	if e.compute >= 0 {
		for _, c := range g.computes {
			if c.index == e.compute {
				return c.rect
			}
		}
		// A compute folded into "+N more" ends at that box.
		if n := len(g.computes); n > 0 && g.computes[n-1].index < 0 {
			return g.computes[n-1].rect
		}
	}
	return g.rect
}

// clipToRect moves from (inside r) towards to until it leaves r.
func clipToRect(r rect, from, to point) point {
	dx, dy := to.X-from.X, to.Y-from.Y
	t := 1.0
	if dx != 0 {
		t = math.Min(t, math.Abs((r.W/2)/dx))
	}
	if dy != 0 {
		t = math.Min(t, math.Abs((r.H/2)/dy))
	}
	return point{from.X + dx*t, from.Y + dy*t}
}

// cubicAt evaluates a cubic Bézier.
func cubicAt(p []point, t float64) point {
	u := 1 - t
	a, b, c, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
	return point{a*p[0].X + b*p[1].X + c*p[2].X + d*p[3].X, a*p[0].Y + b*p[1].Y + c*p[2].Y + d*p[3].Y}
}
