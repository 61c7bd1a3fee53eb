package diagram

import (
	"math"
	"sort"
)

// Where each column and node goes: column widths and gaps, then bands
// stacked top to bottom with their nodes packed inside.

// placeColumns gives every column its width and x; the gap between two
// columns fits the widest link label that will sit in it.
func (L *layout) placeColumns() {
	maxTier := 0
	for _, g := range L.nodes {
		maxTier = max(maxTier, g.tier)
	}
	// Column key side*tier runs -maxTier..maxTier; keep the used ones.
	used := make([]bool, 2*maxTier+1)
	for i := range L.nodes {
		used[L.colKey(i)+maxTier] = true
	}
	pos := make([]int, len(used))
	L.ncols = 0
	for k := range used {
		pos[k] = -1
		if used[k] {
			pos[k] = L.ncols
			L.ncols++
		}
	}
	L.colW = make([]float64, L.ncols)
	L.colX = make([]float64, L.ncols)
	L.colNodes = make([][]int, L.ncols)
	for i := range L.nodes {
		g := &L.nodes[i]
		g.col = pos[L.colKey(i)+maxTier]
		if !L.lifted(i) {
			// A lifted chain is above or below the core, where the
			// columns beside are empty: it may be wider than its column.
			L.colW[g.col] = math.Max(L.colW[g.col], g.W)
		}
		L.colNodes[g.col] = append(L.colNodes[g.col], i)
	}
	gaps := make([]float64, max(L.ncols-1, 0))
	for i := range gaps {
		gaps[i] = minColGap
	}
	for _, l := range L.v.links {
		a, b := L.nodes[l.a.idx], L.nodes[l.b.idx]
		w := textWidth(l.label, sizeLabel, false) + 2*labelPadX + 36
		switch {
		case a.col == b.col && (L.folded[l.a.idx] || L.folded[l.b.idx] || L.lifted(l.a.idx) || L.lifted(l.b.idx)):
			// A folded cloud's link runs down from its CE, a lifted
			// chain's to its PE, the label beside it within the column.
		case a.col == b.col:
			// Arcs in a column bulge outwards (or, in the centre, to
			// alternating sides) with the label beside them.
			if g := a.col + min(L.arcDir(l), 0); g >= 0 && g < len(gaps) {
				gaps[g] = math.Max(gaps[g], w+maxArcBulge)
			}
		default:
			// The label goes in the gap next to the inner end.
			inner, outer := a, b
			if abs(b.side*b.tier) < abs(a.side*a.tier) {
				inner, outer = b, a
			}
			g := inner.col
			if outer.col < inner.col {
				g--
			}
			gaps[g] = math.Max(gaps[g], w)
		}
	}
	for g, w := range L.widen {
		if g < len(gaps) {
			gaps[g] += w
		}
	}
	x := margin
	for c := 0; c < L.ncols; c++ {
		L.colX[c] = x + L.colW[c]/2
		x += L.colW[c]
		if c < len(gaps) {
			x += gaps[c]
		}
	}
	for i := range L.nodes {
		g := &L.nodes[i]
		g.X = L.colX[g.col] - g.W/2
	}
}

func (L *layout) diagramWidth() float64 {
	if L.ncols == 0 {
		return 0
	}
	c := L.ncols - 1
	return L.colX[c] + L.colW[c]/2 - margin
}

// placeBands stacks the bands from top and places each: the centre column
// spread over the band, roots packed near their centre neighbours, twice
// over so the centre also settles towards the roots, then every subtree in
// its root's slot.
func (L *layout) placeBands(bands []*band, top float64) {
	y := top + areaPadTop
	// Centres are kept across bands: a root whose P routers are in an
	// earlier band (an area hanging off the backbone's ABRs) is pulled
	// towards them.
	cy := make([]float64, len(L.nodes))
	placed := make([]bool, len(L.nodes))
	for _, b := range bands {
		if len(b.centre) == 0 && len(b.roots[0]) == 0 && len(b.roots[1]) == 0 {
			continue
		}
		h := nodeH
		centreGaps := L.centreGaps(b.centre)
		h = math.Max(h, stackHeight(b.centre, func(i int) float64 { return L.nodes[i].H }, centreGaps))
		for s := 0; s < 2; s++ {
			b.roots[s] = L.groupOrder(b.roots[s], make([]float64, len(b.roots[s])))
			h = math.Max(h, stackHeight(b.roots[s], func(i int) float64 { return L.slot[i] }, L.sideGaps(b.roots[s])))
		}
		lo, hi := y, y+h
		for _, i := range b.centre {
			placed[i] = true
		}

		// Centre spread evenly to start with.
		if k := len(b.centre); k > 0 {
			want := make([]float64, k)
			for j := range want {
				want[j] = lo + h*(float64(j)+0.5)/float64(k)
			}
			L.packInto(b.centre, want, func(i int) float64 { return L.nodes[i].H }, centreGaps, lo, hi, cy)
		}
		for iter := 0; iter < 3; iter++ {
			for s := 0; s < 2; s++ {
				roots := b.roots[s]
				want := make([]float64, len(roots))
				for j, i := range roots {
					want[j] = L.meanY(i, cy, func(u int) bool { return L.nodes[u].tier == 0 && placed[u] }, (lo+hi)/2)
				}
				wantOf := map[int]float64{}
				for j, i := range roots {
					wantOf[i] = want[j]
				}
				ord := L.groupOrder(roots, want)
				w := make([]float64, len(ord))
				for j, i := range ord {
					w[j] = wantOf[i]
				}
				b.roots[s] = ord
				L.packInto(ord, w, func(i int) float64 { return L.slot[i] }, L.sideGaps(ord), lo, hi, cy)
			}
			if iter == 2 || len(b.centre) == 0 {
				break
			}
			// Let the centre follow its roots, in its fixed order.
			want := make([]float64, len(b.centre))
			for j, i := range b.centre {
				want[j] = L.meanY(i, cy, func(u int) bool { return L.isRoot(u) && L.nodes[u].band == L.nodes[i].band }, cy[i])
			}
			// Blend with the even spread so the centre does not collapse
			// onto a few busy PEs.
			for j := range want {
				even := lo + h*(float64(j)+0.5)/float64(len(b.centre))
				want[j] = (want[j] + even) / 2
			}
			L.packInto(b.centre, want, func(i int) float64 { return L.nodes[i].H }, centreGaps, lo, hi, cy)
		}
		for _, i := range b.centre {
			L.nodes[i].Y = cy[i] - L.nodes[i].H/2
		}
		for s := 0; s < 2; s++ {
			for _, i := range b.roots[s] {
				L.placeSubtree(i, cy[i])
			}
		}
		y = hi + bandGap
	}
}

// groupKey is what keeps an area's routers together on a side: their
// area; any other root is a group of its own.
func (L *layout) groupKey(i int) int {
	if a := L.rootArea[i]; a >= 0 {
		return a
	}
	return -2 - i
}

// groupOrder sorts roots by their targets (want, by position in roots)
// while keeping each group contiguous: groups in order of their mean
// target, members by their own. Ties keep the given order, so the sides
// stay interleaved.
func (L *layout) groupOrder(roots []int, want []float64) []int {
	type grp struct {
		sum   float64
		n     int
		first int
	}
	groups := map[int]*grp{}
	for j, i := range roots {
		g := groups[L.groupKey(i)]
		if g == nil {
			g = &grp{first: j}
			groups[L.groupKey(i)] = g
		}
		g.sum += want[j]
		g.n++
	}
	idx := make([]int, len(roots))
	for j := range idx {
		idx[j] = j
	}
	sort.SliceStable(idx, func(x, y int) bool {
		gx, gy := groups[L.groupKey(roots[idx[x]])], groups[L.groupKey(roots[idx[y]])]
		if gx != gy {
			mx, my := gx.sum/float64(gx.n), gy.sum/float64(gy.n)
			if mx != my {
				return mx < my
			}
			return gx.first < gy.first
		}
		return want[idx[x]] < want[idx[y]]
	})
	out := make([]int, len(roots))
	for j, k := range idx {
		out[j] = roots[k]
	}
	return out
}

// sideGaps leaves room for two area boxes' padding between groups.
func (L *layout) sideGaps(items []int) []float64 {
	gaps := make([]float64, len(items))
	for k := 1; k < len(items); k++ {
		gaps[k] = gapY
		if L.groupKey(items[k]) != L.groupKey(items[k-1]) {
			gaps[k] = groupGapY
		}
	}
	return gaps
}

// stackHeight is the height of items stacked with gaps[k] before item k
// (gapY throughout when gaps is nil).
func stackHeight(items []int, size func(int) float64, gaps []float64) float64 {
	h := 0.0
	for k, i := range items {
		if k > 0 {
			h += gapAt(gaps, k)
		}
		h += size(i)
	}
	return h
}

func gapAt(gaps []float64, k int) float64 {
	if gaps == nil {
		return gapY
	}
	return gaps[k]
}

// centreGaps leaves room between two linked neighbours of the centre
// column for the labels of the vertical links between them.
func (L *layout) centreGaps(items []int) []float64 {
	gaps := make([]float64, len(items))
	for k := 1; k < len(items); k++ {
		gaps[k] = gapY
		if L.linked[[2]int{items[k-1], items[k]}] {
			gaps[k] = linkedGapY
		}
	}
	return gaps
}

// meanY is the mean centre of i's neighbours that pass ok, or def.
func (L *layout) meanY(i int, cy []float64, ok func(int) bool, def float64) float64 {
	sum, n := 0.0, 0
	for _, u := range L.adj[i] {
		if ok(u) {
			sum += cy[u]
			n++
		}
	}
	if n == 0 {
		return def
	}
	return sum / float64(n)
}

func (L *layout) packInto(items []int, want []float64, size func(int) float64, gaps []float64, lo, hi float64, cy []float64) {
	sizes := make([]float64, len(items))
	for j, i := range items {
		sizes[j] = size(i)
	}
	if gaps == nil {
		gaps = make([]float64, len(items))
		for k := range gaps {
			gaps[k] = gapY
		}
	}
	got := pack(want, sizes, gaps, lo, hi)
	for j, i := range items {
		cy[i] = got[j]
	}
}

// placeSubtree centres node i on cy and stacks its children's slots
// around it, recursively.
func (L *layout) placeSubtree(i int, cy float64) {
	var kids, folded []int
	for _, c := range L.children[i] {
		if L.folded[c] {
			folded = append(folded, c)
		} else {
			kids = append(kids, c)
		}
	}
	L.nodes[i].Y = cy - L.nodes[i].H/2
	if len(folded) > 0 {
		// The node heads its slot; what is folded under it follows.
		top := cy - L.slot[i]/2
		L.nodes[i].Y = top
		t := top + L.nodes[i].H + foldGap
		for _, c := range folded {
			L.placeSubtree(c, t+L.slot[c]/2)
			t += L.slot[c] + foldGap
		}
	}
	t := cy - stackHeight(kids, func(c int) float64 { return L.slot[c] }, nil)/2
	for _, c := range kids {
		L.placeSubtree(c, t+L.slot[c]/2)
		t += L.slot[c] + gapY
	}
}

// pack places items of the given sizes, in order, gap[i] apart at least, with
// centres as close as possible (least squares) to want: pooled adjacent
// violators on the tops shifted by the space before each item. The run is
// then pushed inside [lo, hi] when it fits; overlap-freedom wins over the
// bounds when it does not.
func pack(want, size, gap []float64, lo, hi float64) []float64 {
	n := len(want)
	off := make([]float64, n)
	for i := 1; i < n; i++ {
		off[i] = off[i-1] + size[i-1] + gap[i]
	}
	type block struct {
		sum   float64
		count int
	}
	var blocks []block
	for i := 0; i < n; i++ {
		blocks = append(blocks, block{want[i] - size[i]/2 - off[i], 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum/float64(a.count) <= b.sum/float64(b.count) {
				break
			}
			blocks = blocks[:len(blocks)-2]
			blocks = append(blocks, block{a.sum + b.sum, a.count + b.count})
		}
	}
	top := make([]float64, 0, n)
	for _, b := range blocks {
		m := b.sum / float64(b.count)
		for k := 0; k < b.count; k++ {
			top = append(top, m+off[len(top)])
		}
	}
	for i := n - 1; i >= 0; i-- {
		limit := hi - size[i]
		if i < n-1 {
			limit = math.Min(limit, top[i+1]-gap[i+1]-size[i])
		}
		top[i] = math.Min(top[i], limit)
	}
	for i := 0; i < n; i++ {
		limit := lo
		if i > 0 {
			limit = math.Max(limit, top[i-1]+size[i-1]+gap[i])
		}
		top[i] = math.Max(top[i], limit)
	}
	for i := range top {
		top[i] += size[i] / 2
	}
	return top
}

// finishNodes makes compute boxes absolute and sorts each column by y for
// the routing's gap searches.
func (L *layout) finishNodes() {
	for i := range L.nodes {
		g := &L.nodes[i]
		for k := range g.computes {
			g.computes[k].X += g.X
			g.computes[k].Y += g.Y
		}
	}
	L.row = make([]int, len(L.nodes))
	for _, col := range L.colNodes {
		sort.Slice(col, func(a, b int) bool {
			ya, yb := L.nodes[col[a]].Y, L.nodes[col[b]].Y
			if ya != yb {
				return ya < yb
			}
			return col[a] < col[b]
		})
		for k, i := range col {
			L.row[i] = k
		}
	}
}

// placeAreas draws each area as one box around its routers when that box
// would hold no other node and cross no other area; otherwise as one box
// per column group (left, centre, right), or two of them merged. The
// placement keeps each group contiguous, so those boxes are always clean.
func (L *layout) placeAreas() {
	parts := make([][]rect, len(L.v.areas))
	for k, a := range L.v.areas {
		var bySide [3][]*vnode
		for _, n := range a.nodes {
			s := L.nodes[n.idx].side + 1
			bySide[s] = append(bySide[s], n)
		}
		for _, ns := range bySide {
			if len(ns) > 0 {
				parts[k] = append(parts[k], L.areaBox(ns))
			}
		}
	}
	nodes := newGrid()
	for _, g := range L.nodes {
		nodes.add(g.rect)
	}
	done := make([][]rect, len(L.v.areas))
	clean := func(k int, r rect, members map[int]bool) bool {
		for _, id := range nodes.overlapping(r) {
			if !members[id] {
				return false
			}
		}
		for o := range L.v.areas {
			if o == k {
				continue
			}
			others := parts[o]
			if done[o] != nil {
				others = done[o]
			}
			for _, q := range others {
				if q.overlaps(r) {
					return false
				}
			}
		}
		return true
	}
	for k, a := range L.v.areas {
		members := map[int]bool{}
		for _, n := range a.nodes {
			members[n.idx] = true
		}
		done[k] = mergeParts(parts[k], func(r rect) bool { return clean(k, r, members) })
		for _, r := range done[k] {
			L.areas = append(L.areas, areaGeom{a: a, r: r})
		}
	}
}

// mergeParts tries the whole union first, then any two neighbouring parts.
func mergeParts(parts []rect, ok func(rect) bool) []rect {
	if len(parts) < 2 {
		return parts
	}
	if u := unionAll(parts); ok(u) {
		return []rect{u}
	}
	if len(parts) == 3 {
		if u := unionAll(parts[:2]); ok(u) {
			return []rect{u, parts[2]}
		}
		if u := unionAll(parts[1:]); ok(u) {
			return []rect{parts[0], u}
		}
	}
	return parts
}

func unionAll(rs []rect) rect {
	r := rs[0]
	for _, g := range rs[1:] {
		x0, y0 := math.Min(r.X, g.X), math.Min(r.Y, g.Y)
		x1, y1 := math.Max(r.right(), g.right()), math.Max(r.bottom(), g.bottom())
		r = rect{x0, y0, x1 - x0, y1 - y0}
	}
	return r
}

// areaBox is the padded box around some of an area's nodes, wide enough
// for its title.
func (L *layout) areaBox(ns []*vnode) rect {
	var rs []rect
	for _, n := range ns {
		rs = append(rs, L.nodes[n.idx].rect)
	}
	r := unionAll(rs)
	r = rect{r.X - areaPadX, r.Y - areaPadTop, r.W + 2*areaPadX, r.H + areaPadTop + areaPadBot}
	title := "area " + ns[0].area.String()
	w := textWidth(title, 12, true) + 20
	for _, n := range ns {
		if L.liftsChains(n.idx) {
			// Its lifted link crosses the box's top edge in the
			// middle: room for the title beside it.
			w = 2 * (w + 4)
			break
		}
	}
	if w > r.W {
		r.X -= (w - r.W) / 2
		r.W = w
	}
	return r
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
