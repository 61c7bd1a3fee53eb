package diagram

import (
	"math"
	"strconv"

	"github.com/intercloud/intercloud/internal/topology"
)

// The SVG layout is a tiered, mirrored layered drawing made for an SP
// network, computed in-process in roughly O(n log n):
//
//   - Tiers by role: P routers in the centre column, PEs and RRs one column
//     out, CEs beyond, clouds (and hosts) outermost. Each non-centre node
//     goes to the left or the right half, balancing the two (tiers.go). The
//     outermost tier is then folded into the CEs' column, a cloud right
//     under its CE, so the drawing is two columns narrower.
//   - An IGP area with P routers is a horizontal band; an area without
//     (PEs behind the backbone's ABRs) is a block on one side of the band
//     it links to, beside its ABRs. An area's routers are kept contiguous
//     in every column, so its box is one rectangle, or one per column group
//     when another area sits between (placeAreas).
//   - Outside the core, every node hangs off an anchor one tier in (a CE off
//     its PE, a cloud off its CE), so the outer tiers are drawn as small
//     trees: each subtree gets a vertical slot and its nodes line up with
//     the node they attach to, with no crossings among them.
//   - Within a band the centre column keeps a depth-first order of the P
//     mesh (ring neighbours stay adjacent), and the PE slots are placed as
//     near as possible to the barycentre of their P neighbours by pooled
//     adjacent violators: the least-squares placement that keeps order and
//     spacing, so nothing overlaps by construction (place.go).
//
// Edges then leave nodes through spread ports, detour through free gaps of
// any column they skip (route.go), and get their labels at the first free
// spot along them (labels.go). Up to lineAwareNodes, a gap between columns
// where a label found no spot clear of other lines is widened and the
// whole drawing laid out again, twice at most (widenCrowdedGaps).

// Sizes, in pixels.
const (
	margin      = 24.0
	gapY        = 24.0 // between stacked nodes and between slots
	linkedGapY  = 60.0 // between linked neighbours in the centre column
	groupGapY   = 56.0 // between two areas' routers in a side column: two paddings
	bandGap     = 64.0 // between area bands: room for two paddings and a label
	areaPadX    = 18.0
	areaPadTop  = 30.0
	areaPadBot  = 14.0
	minColGap   = 96.0
	nodeH       = 44.0
	sizeTitle   = 14.0
	sizeName    = 13.0
	sizeDetail  = 11.0
	sizeLabel   = 11.0
	labelH      = 16.0
	scallop     = 10.0 // depth of a cloud outline's bumps
	computeH    = 20.0
	computeGap  = 6.0
	maxComputes = 9 // beyond this a cloud shows 8 and a "+N more" box
	computeCols = 2 // compute boxes across a cloud: three made a cloud the widest node of its column
)

type point struct{ X, Y float64 }

type rect struct{ X, Y, W, H float64 }

func (r rect) cx() float64     { return r.X + r.W/2 }
func (r rect) cy() float64     { return r.Y + r.H/2 }
func (r rect) right() float64  { return r.X + r.W }
func (r rect) bottom() float64 { return r.Y + r.H }

func (r rect) overlaps(o rect) bool {
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

func (r rect) inflate(d float64) rect { return rect{r.X - d, r.Y - d, r.W + 2*d, r.H + 2*d} }

type nodeGeom struct {
	rect
	tier, side int // side: -1 left, 0 centre, +1 right
	col        int // column position, left to right
	band       int
	shape      string
	title      string
	detail     string
	badge      bool // the RR mark on a p or pe
	computes   []computeGeom
}

type computeGeom struct {
	rect                // relative to the node until placement, then absolute
	name  string        // compute name, or "+N more"
	index int           // into the cloud's computes, then its inner routers; -1 for the "+N more" box
	role  topology.Role // an inner router's; empty for a compute
}

type areaGeom struct {
	a     *varea
	r     rect
	title rect // where the area's name goes, clear of links (placeAreaTitles)
}

// layout is the SVG's geometry, also exported through JSON for the web view.
type layout struct {
	v        *view
	W, H     float64
	nodes    []nodeGeom // by vnode.idx
	edges    []edgeGeom // by vlink.idx
	sessions []sessionGeom
	areas    []areaGeom
	header   header

	adj       [][]int
	anchor    []int
	children  [][]int
	folded    []bool    // drawn under its anchor, in its column (foldOutermost)
	lift      []int     // a chain lifted out of the side columns: -1 above the core, +1 below (lift.go)
	liftRoot  []int     // the root a lifted node's chain hangs off, else -1
	slot      []float64 // height of a node's subtree slot
	weight    []int     // nodes in a node's subtree
	rootArea  []int     // index into v.areas of a core node, else -1
	blockArea []bool    // by area: drawn as one block beside another area's band
	ncols     int
	colX      []float64 // centre of each column
	colW      []float64
	colNodes  [][]int // node indexes per column, by y once placed
	row       []int   // a node's position in its column
	linked    map[[2]int]bool
	widen     []float64 // extra room in each gap between columns (widenCrowdedGaps)
}

func newLayout(v *view, o Options) *layout {
	L := layOut(v, o, nil)
	// A gap between columns where a link label found no spot clear of
	// other lines is widened, and the drawing laid out again from the
	// start (placement is not incremental), a few times at most; the
	// layout with the fewest such labels wins, the narrower on a tie.
	best, bestN := L, -1
	for try := 0; o.BGP && len(L.nodes) <= lineAwareNodes; try++ {
		widen, n := L.widenCrowdedGaps()
		if bestN < 0 || n < bestN {
			best, bestN = L, n
		}
		if n == 0 || try == maxWiden {
			break
		}
		L = layOut(v, o, widen)
	}
	return best
}

// layOut is one layout of v, with extra room in the gaps between columns
// (nil: none).
func layOut(v *view, o Options, widen []float64) *layout {
	L := &layout{v: v, nodes: make([]nodeGeom, len(v.nodes)), widen: widen}
	L.measure()
	L.buildAdjacency()
	L.assignTiers()
	L.assignAnchors()
	bands := L.assignBandsAndSides()
	saved := L.widen
	L.widen = nil // the trial placement decides what to lift, as before
	L.placeColumns()
	if L.ncols > 3 {
		// A first placement tells each side's PEs' order; lifting the
		// chains off its first and last empties its outer columns.
		L.placeBands(bands, 0)
		L.liftOuterTiers(bands)
	}
	L.widen = saved
	L.placeColumns()
	L.header = newHeader(v, o, L.diagramWidth())
	L.placeBands(bands, L.header.height)
	L.placeLifted(L.header.height)
	L.finishNodes()
	L.routeEdges()
	if o.BGP {
		L.routeSessions()
	}
	L.placeAreas()
	L.placeAreaTitles()
	L.placeLabels()
	if o.BGP && len(L.nodes) <= lineAwareNodes {
		// Sessions bend around the labels; labels then move off the
		// sessions that could not, and sessions settle once more.
		L.rerouteSessions()
		L.placeLabels()
		L.rerouteSessions()
	}
	L.fitCanvas()
	return L
}

// maxWiden bounds how often crowded gaps are widened and the drawing
// laid out again.
const maxWiden = 2

// widenStep is how much a crowded gap grows each time.
const widenStep = 80.0

// widenCrowdedGaps is L's gap widening plus widenStep in each gap where
// a link label could find no spot clear of other lines (many PEs' links
// fanning into one P router cross there: wider, the slanted links spread
// apart and leave room between them), and how many labels found none.
func (L *layout) widenCrowdedGaps() ([]float64, int) {
	if L.ncols < 2 {
		return nil, 0
	}
	widen := make([]float64, L.ncols-1)
	copy(widen, L.widen)
	lines := L.lines()
	crowded := make([]bool, L.ncols-1)
	n := 0
	for i, e := range L.edges {
		if !e.hasLabel {
			continue
		}
		clear := true
		for _, o := range lines.crossing(e.label.inflate(-1)) {
			if o.edge != i {
				clear = false
				break
			}
		}
		if clear {
			continue
		}
		n++
		x := e.label.cx()
		for g := 0; g < L.ncols-1; g++ {
			if x > L.colX[g]+L.colW[g]/2 && x < L.colX[g+1]-L.colW[g+1]/2 {
				crowded[g] = true
			}
		}
	}
	for g, c := range crowded {
		if c {
			widen[g] += widenStep
		}
	}
	return widen, n
}

// fitCanvas sizes the canvas to everything drawn. Arcs and labels beside
// the outermost columns can reach past them, so the drawing is shifted
// right when something would start left of the margin.
func (L *layout) fitCanvas() {
	lo, hi := point{math.Inf(1), math.Inf(1)}, point{math.Inf(-1), math.Inf(-1)}
	grow := func(p point) {
		lo = point{math.Min(lo.X, p.X), math.Min(lo.Y, p.Y)}
		hi = point{math.Max(hi.X, p.X), math.Max(hi.Y, p.Y)}
	}
	growRect := func(r rect) { grow(point{r.X, r.Y}); grow(point{r.right(), r.bottom()}) }
	for _, n := range L.nodes {
		growRect(n.rect.inflate(4)) // the RR outline and badge
	}
	for _, a := range L.areas {
		growRect(a.r)
	}
	for _, e := range L.edges {
		if e.kind == edgeArc {
			grow(cubicAt(e.pts, 0.5))
		} else {
			for _, p := range e.pts {
				grow(p)
			}
		}
		if e.hasLabel {
			growRect(e.label)
		}
	}
	top := math.Inf(1) // of the links' and sessions' curves only
	for _, e := range L.edges {
		if e.kind == edgeArc {
			top = math.Min(top, cubicAt(e.pts, 0.5).Y)
		}
	}
	for _, s := range L.sessions {
		p := quadExtreme(s.p0, s.c, s.p1)
		grow(p)
		top = math.Min(top, p.Y)
	}
	if math.IsInf(lo.X, 1) {
		lo, hi = point{margin, L.header.height}, point{margin, L.header.height}
	}
	dx := math.Max(margin-lo.X, 0)
	// A session between two routers near the top bulges upwards: the
	// drawing moves down so that it does not cross the legend.
	dy := math.Max(L.header.height+4-top, 0)
	if dx > 0 || dy > 0 {
		L.translate(dx, dy)
		hi.X += dx
		hi.Y += dy
	}
	L.W = math.Ceil(math.Max(hi.X, margin+L.header.width) + margin)
	L.H = math.Ceil(math.Max(hi.Y, L.header.height) + margin)
}

// quadExtreme is how far a quadratic curve bulges: its x where dx/dt is
// zero and its y where dy/dt is zero (its middle's when that is not
// inside the curve). With its ends, it bounds the curve.
func quadExtreme(p0, c, p1 point) point {
	at := func(t float64) point { return lerp(lerp(p0, c, t), lerp(c, p1, t), t) }
	ext := func(a, b, d float64) float64 { // t where the coordinate turns
		if den := a - 2*b + d; den != 0 {
			if t := (a - b) / den; t > 0 && t < 1 {
				return t
			}
		}
		return 0.5
	}
	return point{at(ext(p0.X, c.X, p1.X)).X, at(ext(p0.Y, c.Y, p1.Y)).Y}
}

// translate moves the drawing (not the header) right by dx and down by dy.
func (L *layout) translate(dx, dy float64) {
	for i := range L.nodes {
		n := &L.nodes[i]
		n.X += dx
		n.Y += dy
		for k := range n.computes {
			n.computes[k].X += dx
			n.computes[k].Y += dy
		}
	}
	for i := range L.colX {
		L.colX[i] += dx
	}
	for i := range L.edges {
		e := &L.edges[i]
		for k := range e.pts {
			e.pts[k].X += dx
			e.pts[k].Y += dy
		}
		e.label.X += dx
		e.label.Y += dy
	}
	for i := range L.sessions {
		s := &L.sessions[i]
		s.p0.X, s.c.X, s.p1.X = s.p0.X+dx, s.c.X+dx, s.p1.X+dx
		s.p0.Y, s.c.Y, s.p1.Y = s.p0.Y+dy, s.c.Y+dy, s.p1.Y+dy
	}
	for i := range L.areas {
		L.areas[i].r.X += dx
		L.areas[i].r.Y += dy
		L.areas[i].title.X += dx
		L.areas[i].title.Y += dy
	}
}

// measure sizes every node from its text.
func (L *layout) measure() {
	for _, vn := range L.v.nodes {
		g := &L.nodes[vn.idx]
		g.shape = styleOf(vn.role).SVG
		g.title = vn.displayName()
		g.detail = nodeDetail(vn)
		g.badge = vn.rr && vn.role != topology.RoleRR
		tw := textWidth(g.title, sizeName, true)
		if g.badge {
			tw += 28
		}
		tw = math.Max(tw, textWidth(g.detail, sizeDetail, false))
		g.H = nodeH
		switch g.shape {
		case "pill":
			g.W = tw + 40
		case "hexagon":
			g.W = tw + 44
		case "octagon":
			g.W = tw + 30
		case "cloud":
			L.measureCloud(vn, g, tw)
		default:
			g.W = tw + 24
		}
		g.W = math.Ceil(math.Max(g.W, 72))
	}
}

// measureCloud sizes a cloud: name and join mode on top, its compute nodes
// in a grid of up to three columns beneath, all inside a scalloped outline.
func (L *layout) measureCloud(vn *vnode, g *nodeGeom, tw float64) {
	var boxes []computeGeom
	if vn.cloud != nil {
		cs := vn.cloud.computes
		shown := len(cs)
		if shown > maxComputes {
			shown = maxComputes - 1
		}
		for i := 0; i < shown; i++ {
			if cs[i] == nil {
				continue
			}
			boxes = append(boxes, computeGeom{name: cs[i].Name, index: i})
		}
		if shown < len(cs) {
			boxes = append(boxes, computeGeom{name: "+" + strconv.Itoa(len(cs)-shown) + " more", index: -1})
		}
		// The cloud's other routers always show, after its computes.
		for i, n := range vn.cloud.inner {
			boxes = append(boxes, computeGeom{name: n.Name, index: len(cs) + i, role: n.Role})
		}
	}
	cols := len(boxes)
	if cols > computeCols {
		cols = computeCols
	}
	cw := 0.0
	for _, b := range boxes {
		cw = math.Max(cw, textWidth(b.name, sizeDetail, false)+14)
	}
	gridW, gridH := 0.0, 0.0
	if cols > 0 {
		rows := (len(boxes) + cols - 1) / cols
		gridW = float64(cols)*cw + float64(cols-1)*computeGap
		gridH = float64(rows)*computeH + float64(rows-1)*computeGap
	}
	innerW := math.Max(tw, gridW) + 16
	innerH := 36.0 // name and detail lines
	if len(boxes) > 0 {
		innerH += gridH + 8
	}
	g.W = math.Ceil(innerW + 2*scallop + 8)
	g.H = math.Ceil(innerH + 2*scallop + 4)
	// Lay the grid out centred under the text, relative to the node.
	x0 := (g.W - gridW) / 2
	y0 := scallop + 2 + 36 + 4
	for i := range boxes {
		r, c := i/computeCols, i%computeCols
		x := x0 + float64(c)*(cw+computeGap)
		if inRow := len(boxes) - r*computeCols; inRow < cols {
			x += float64(cols-inRow) * (cw + computeGap) / 2 // a last, short row centred
		}
		boxes[i].rect = rect{x, y0 + float64(r)*(computeH+computeGap), cw, computeH}
	}
	g.computes = boxes
}
