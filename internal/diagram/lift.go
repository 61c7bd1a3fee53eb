package diagram

import (
	"math"
	"sort"
)

// Rows above and below the core. In a small lab each side of the core has
// a PE or two, and the CEs and clouds hanging off them would take two more
// columns per side (the seed lab was 3:1 wide that way). When everything
// outside a side's PE column hangs off its topmost and bottommost PE, as
// short chains (a CE with the cloud folded under it, a cloud off a PE),
// those chains are drawn in the PE's own column instead: the top PE's
// above the core, the bottom PE's below it, each joined to its PE by a
// vertical link. The side's outer columns then go away, and the drawing
// is about as tall as it is wide. A side whose middle PEs have CEs too (a
// generated lab of POPs) keeps its columns: a CE lifted off a middle PE
// would have to cross the PEs above it. A PE with several chains (a CE
// with its host, and a cloud) gets them side by side in its row, each
// joined to it by a short slanted link.

// liftGap is the room between a band's routers and a chain lifted out of
// it: the area box's padding, then the link's label beside it.
const liftGap = 72.0

// liftRowGap is the room between chains side by side in a row: a link's
// label between their slanted links.
const liftRowGap = 40.0

// liftedLink reports whether a and b are a lifted chain's link (root to
// head, or along the chain): drawn straight, whatever else the column
// holds at that height.
func (L *layout) liftedLink(a, b int) bool {
	if L.liftRoot == nil {
		return false
	}
	return L.lifted(a) && L.anchor[a] == b || L.lifted(b) && L.anchor[b] == a
}

// liftOuterTiers decides, on each side, whether to lift: bands must have
// been placed once, so that the roots' order in their column is known.
// It records the lifted chains (lift: -1 above, +1 below; liftRoot: the
// root each hangs off), takes them out of their roots' slots, and reports
// whether anything was lifted.
func (L *layout) liftOuterTiers(bands []*band) bool {
	n := len(L.nodes)
	L.lift = make([]int, n)
	L.liftRoot = make([]int, n)
	for i := range L.liftRoot {
		L.liftRoot[i] = -1
	}
	lifted := false
	for s := 0; s < 2; s++ {
		var roots []int
		for _, b := range bands {
			roots = append(roots, b.roots[s]...) // top to bottom, band by band
		}
		plan, ok := L.liftPlan(roots)
		if !ok {
			continue
		}
		for _, p := range plan {
			for _, i := range L.chain(p.head) {
				L.lift[i] = p.dir
				L.liftRoot[i] = p.root
			}
			L.children[p.root] = remove(L.children[p.root], p.head)
			lifted = true
		}
	}
	if lifted {
		L.computeSlots()
	}
	return lifted
}

type liftChoice struct {
	root, head, dir int
}

// maxRowChains is how many chains one PE's row takes side by side: more
// would make the row wider than the columns it saves.
const maxRowChains = 3

// liftPlan is what one side lifts, if lifting empties its outer columns:
// all roots in one column, only the first and last with children, at
// most maxRowChains chains each (the only root splits its chains between
// the rows above and below).
func (L *layout) liftPlan(roots []int) ([]liftChoice, bool) {
	if len(roots) == 0 {
		return nil, false
	}
	col := L.nodes[roots[0]].col
	for _, r := range roots {
		if L.nodes[r].col != col {
			return nil, false
		}
	}
	top, bottom := roots[0], roots[len(roots)-1]
	for k := 1; k < len(roots)-1; k++ {
		if len(L.children[roots[k]]) > 0 {
			return nil, false
		}
	}
	kidsOf := func(r int) ([]int, bool) {
		kids := append([]int(nil), L.children[r]...)
		sort.SliceStable(kids, func(a, b int) bool { return L.nodes[kids[a]].Y < L.nodes[kids[b]].Y })
		for _, c := range kids {
			if !L.isChain(c) {
				return nil, false
			}
		}
		return kids, true
	}
	var plan []liftChoice
	if top == bottom {
		kids, ok := kidsOf(top)
		if !ok || len(kids) > 2*maxRowChains {
			return nil, false
		}
		half := (len(kids) + 1) / 2
		for k, c := range kids {
			dir := -1
			if k >= half {
				dir = 1
			}
			plan = append(plan, liftChoice{top, c, dir})
		}
		return plan, len(plan) > 0
	}
	up, ok1 := kidsOf(top)
	down, ok2 := kidsOf(bottom)
	if !ok1 || !ok2 || len(up) > maxRowChains || len(down) > maxRowChains {
		return nil, false
	}
	for _, c := range up {
		plan = append(plan, liftChoice{top, c, -1})
	}
	for _, c := range down {
		plan = append(plan, liftChoice{bottom, c, 1})
	}
	return plan, len(plan) > 0
}

// isChain reports whether i's subtree is a single line of nodes.
func (L *layout) isChain(i int) bool {
	for {
		switch len(L.children[i]) {
		case 0:
			return true
		case 1:
			i = L.children[i][0]
		default:
			return false
		}
	}
}

// chain lists i's subtree from i outwards (it is a chain).
func (L *layout) chain(i int) []int {
	out := []int{i}
	for len(L.children[i]) == 1 {
		i = L.children[i][0]
		out = append(out, i)
	}
	return out
}

func (L *layout) lifted(i int) bool { return L.liftRoot != nil && L.liftRoot[i] >= 0 }

// liftsChains reports whether a chain was lifted off root i.
func (L *layout) liftsChains(i int) bool {
	if L.liftRoot == nil {
		return false
	}
	for _, u := range L.adj[i] {
		if L.liftRoot[u] == i {
			return true
		}
	}
	return false
}

// colKey is the column a node goes in: side*tier, its root's for a
// lifted node.
func (L *layout) colKey(i int) int {
	if L.lifted(i) {
		i = L.liftRoot[i]
	}
	return L.nodes[i].side * L.nodes[i].tier
}

// placeLifted stacks each lifted chain outwards from its root's band, in
// the root's column: above the band's highest router or below its
// lowest. The drawing then moves down if a chain reaches the header.
func (L *layout) placeLifted(top float64) {
	if L.liftRoot == nil {
		return
	}
	type extent struct{ lo, hi float64 }
	bands := map[int]*extent{}
	for i, g := range L.nodes {
		if L.lifted(i) {
			continue
		}
		e := bands[g.band]
		if e == nil {
			e = &extent{math.Inf(1), math.Inf(-1)}
			bands[g.band] = e
		}
		e.lo, e.hi = math.Min(e.lo, g.Y), math.Max(e.hi, g.bottom())
	}
	// Each root's chains in a row, side by side, centred on the root and
	// in the order they had in the side column.
	type row struct{ root, dir int }
	rows := map[row][]int{}
	var order []row
	for i := range L.nodes {
		if !L.lifted(i) || L.liftRoot[L.anchor[i]] >= 0 {
			continue // not a chain's head
		}
		k := row{L.liftRoot[i], L.lift[i]}
		if rows[k] == nil {
			order = append(order, k)
		}
		rows[k] = append(rows[k], i)
	}
	for _, k := range order {
		heads := rows[k]
		widths := make([]float64, len(heads))
		total := float64(len(heads)-1) * liftRowGap
		for h, i := range heads {
			for _, c := range L.chain(i) {
				widths[h] = math.Max(widths[h], L.nodes[c].W)
			}
			total += widths[h]
		}
		x := L.nodes[k.root].cx() - total/2
		e := bands[L.nodes[k.root].band]
		for h, i := range heads {
			cx := x + widths[h]/2
			x += widths[h] + liftRowGap
			if len(heads) == 1 {
				cx = L.nodes[k.root].cx()
			}
			y := e.hi + liftGap
			if k.dir < 0 {
				y = e.lo - liftGap
			}
			for _, c := range L.chain(i) {
				g := &L.nodes[c]
				g.X = cx - g.W/2
				if k.dir < 0 {
					g.Y = y - g.H
					y = g.Y - foldGap
				} else {
					g.Y = y
					y += g.H + foldGap
				}
			}
		}
	}
	minY := math.Inf(1)
	for _, g := range L.nodes {
		minY = math.Min(minY, g.Y)
	}
	if dy := top + areaPadTop - minY; dy > 0 {
		for i := range L.nodes {
			L.nodes[i].Y += dy
		}
	}
}

func remove(xs []int, x int) []int {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
