package diagram

import (
	"math"
	"sort"

	"github.com/intercloud/intercloud/internal/topology"
)

// Which column and band each node goes in: tiers by role, anchors that make
// the outer tiers a forest, and the left/right split.

func (L *layout) buildAdjacency() {
	L.adj = make([][]int, len(L.nodes))
	seen := map[[2]int]bool{}
	L.linked = seen
	for _, l := range L.v.links {
		a, b := l.a.idx, l.b.idx
		if seen[[2]int{a, b}] {
			continue
		}
		seen[[2]int{a, b}], seen[[2]int{b, a}] = true, true
		L.adj[a] = append(L.adj[a], b)
		L.adj[b] = append(L.adj[b], a)
	}
}

// assignTiers: P 0, PE/RR 1, CE 2, cloud 3, a host one beyond its
// neighbours. Without P routers everything moves in one tier so the centre
// column is never empty.
func (L *layout) assignTiers() {
	for _, vn := range L.v.nodes {
		t := 2
		switch vn.role {
		case topology.RoleP:
			t = 0
		case topology.RolePE, topology.RoleRR:
			t = 1
		case topology.RoleCloud:
			t = 3
		case topology.RoleHost:
			t = -1
		}
		L.nodes[vn.idx].tier = t
	}
	for _, vn := range L.v.nodes {
		g := &L.nodes[vn.idx]
		if g.tier >= 0 {
			continue
		}
		t := -1
		for _, u := range L.adj[vn.idx] {
			if ut := L.nodes[u].tier; ut >= 0 && ut+1 > t {
				t = ut + 1
			}
		}
		if t < 0 {
			t = 3
		}
		g.tier = t
	}
	low := math.MaxInt
	for _, g := range L.nodes {
		low = min(low, g.tier)
	}
	for i := range L.nodes {
		L.nodes[i].tier -= low
	}
}

// assignAnchors hangs every non-core node off its neighbour in the nearest
// inner tier (first link wins a tie), which makes the outer tiers a forest.
func (L *layout) assignAnchors() {
	n := len(L.nodes)
	L.anchor = make([]int, n)
	L.children = make([][]int, n)
	for i := range L.anchor {
		L.anchor[i] = -1
		if L.v.nodes[i].core || L.nodes[i].tier == 0 {
			continue
		}
		best := -1
		for _, u := range L.adj[i] {
			if L.nodes[u].tier < L.nodes[i].tier && (best < 0 || L.nodes[u].tier > L.nodes[best].tier) {
				best = u
			}
		}
		L.anchor[i] = best
	}
	for i, a := range L.anchor {
		if a >= 0 && L.nodes[a].tier > 0 {
			L.children[a] = append(L.children[a], i)
		}
	}
	L.foldOutermost()
	L.computeSlots()
}

// computeSlots sizes every node's subtree: slot heights and weights.
func (L *layout) computeSlots() {
	n := len(L.nodes)
	// Innermost last: tiers only grow outwards, so visiting nodes from
	// the outermost tier in guarantees children are done first.
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	depth := func(i int) int { // a folded node is still a tier out from its anchor
		if L.folded[i] {
			return L.nodes[i].tier + 1
		}
		return L.nodes[i].tier
	}
	sort.SliceStable(order, func(i, j int) bool { return depth(order[i]) > depth(order[j]) })
	L.slot = make([]float64, n)
	L.weight = make([]int, n)
	for _, i := range order {
		L.weight[i] = 1
		for _, c := range L.children[i] {
			L.weight[i] += L.weight[c]
		}
		sum, own := 0.0, L.nodes[i].H
		k := 0
		for _, c := range L.children[i] {
			if L.folded[c] {
				own += foldGap + L.slot[c]
				continue
			}
			if k > 0 {
				sum += gapY
			}
			sum += L.slot[c]
			k++
		}
		L.slot[i] = math.Max(own, sum)
	}
}

// band is one horizontal strip of the drawing: an IGP area that has
// centre-column nodes, with every root placed beside them, or (last)
// whatever attaches to no core node.
type band struct {
	centre []int    // tier-0 nodes, depth-first order
	roots  [2][]int // left and right roots: tier-1 nodes and subtrees hung off the centre
}

func (L *layout) isRoot(i int) bool {
	g := L.nodes[i]
	return g.tier > 0 && (L.anchor[i] < 0 || L.nodes[L.anchor[i]].tier == 0)
}

// assignBandsAndSides decides bands, the centre order and the sides.
//
// An area with P routers gets a band of its own. An area without (PEs
// hanging off the backbone's ABRs, as in a lab of POPs) joins the band its
// routers link to most and stays on one side as one block, so its box sits
// right beside its ABRs instead of below the whole backbone.
func (L *layout) assignBandsAndSides() []*band {
	v := L.v
	nA := len(v.areas)
	areaIdx := map[topology.Area]int{}
	for i, a := range v.areas {
		areaIdx[a.id] = i
	}
	L.rootArea = make([]int, len(L.nodes))
	for i := range L.rootArea {
		L.rootArea[i] = -1
		if vn := v.nodes[i]; vn.core {
			L.rootArea[i] = areaIdx[vn.area]
		}
	}
	hasCentre := make([]bool, nA)
	for i, g := range L.nodes {
		if g.tier == 0 && L.rootArea[i] >= 0 {
			hasCentre[L.rootArea[i]] = true
		}
	}
	// Bands for areas with centre nodes, in area order.
	areaBand := make([]int, nA)
	nb := 0
	for a := range v.areas {
		areaBand[a] = -1
		if hasCentre[a] {
			areaBand[a] = nb
			nb++
		}
	}
	// Other areas join the band they link to most, else get their own.
	L.blockArea = make([]bool, nA)
	for a, ar := range v.areas {
		if hasCentre[a] {
			continue
		}
		votes := make([]int, nb)
		for _, vn := range ar.nodes {
			for _, u := range L.adj[vn.idx] {
				if ua := L.rootArea[u]; L.nodes[u].tier == 0 && ua >= 0 && hasCentre[ua] {
					votes[areaBand[ua]]++
				}
			}
		}
		best := -1
		for b, n := range votes {
			if n > 0 && (best < 0 || n > votes[best]) {
				best = b
			}
		}
		if best < 0 {
			areaBand[a] = nb // a band of its own
			nb++
			continue
		}
		areaBand[a] = best
		L.blockArea[a] = true
	}
	loose := nb
	bands := make([]*band, nb+1)
	for i := range bands {
		bands[i] = &band{}
	}
	bandOf := func(i int) int {
		if a := L.rootArea[i]; a >= 0 {
			return areaBand[a]
		}
		return loose
	}
	for i := range L.nodes {
		if L.nodes[i].tier == 0 {
			L.nodes[i].band = bandOf(i)
		}
	}

	// Centre columns: depth-first through the core mesh so that linked
	// routers (a ring, a chain) sit next to each other.
	visited := make([]bool, len(L.nodes))
	for i := range L.nodes {
		if L.nodes[i].tier != 0 || visited[i] {
			continue
		}
		b := L.nodes[i].band
		stack := []int{i}
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if visited[x] {
				continue
			}
			visited[x] = true
			bands[b].centre = append(bands[b].centre, x)
			nb := L.adj[x]
			for k := len(nb) - 1; k >= 0; k-- { // reversed: the first link is visited first
				u := nb[k]
				if !visited[u] && L.nodes[u].tier == 0 && L.nodes[u].band == b {
					stack = append(stack, u)
				}
			}
		}
	}
	rank := make([]float64, len(L.nodes))
	for _, b := range bands {
		for k, i := range b.centre {
			rank[i] = float64(k)
		}
	}

	// Roots, gathered into units that take a side together: a block
	// area's routers in a band form one unit, any other root is a unit
	// of its own.
	type unit struct {
		roots  []int
		bary   float64
		weight int
	}
	units := make([][]*unit, len(bands))
	blockUnit := map[[2]int]*unit{} // (band, area)
	bary := make([]float64, len(L.nodes))
	for i := range L.nodes {
		if !L.isRoot(i) {
			continue
		}
		b := loose
		switch {
		case L.rootArea[i] >= 0:
			b = bandOf(i)
		case L.anchor[i] >= 0:
			b = L.nodes[L.anchor[i]].band
		}
		L.nodes[i].band = b
		sum, n := 0.0, 0
		for _, u := range L.adj[i] {
			if L.nodes[u].tier == 0 && L.nodes[u].band == b {
				sum += rank[u]
				n++
			}
		}
		if n > 0 {
			bary[i] = sum / float64(n)
		} else {
			bary[i] = float64(len(bands[b].centre)-1) / 2
		}
		a := L.rootArea[i]
		if a >= 0 && L.blockArea[a] {
			u := blockUnit[[2]int{b, a}]
			if u == nil {
				u = &unit{}
				blockUnit[[2]int{b, a}] = u
				units[b] = append(units[b], u)
			}
			u.roots = append(u.roots, i)
			continue
		}
		units[b] = append(units[b], &unit{roots: []int{i}})
	}
	// Sides balanced by subtree weight: blocks first, heaviest first (they
	// cannot be split), then single roots in order of where they attach
	// to the centre, so that they interleave and both halves span the band.
	var total [2]int
	for b, us := range units {
		for _, u := range us {
			sum := 0.0
			for _, i := range u.roots {
				sum += bary[i]
				u.weight += L.weight[i]
			}
			u.bary = sum / float64(len(u.roots))
			sort.SliceStable(u.roots, func(x, y int) bool { return bary[u.roots[x]] < bary[u.roots[y]] })
		}
		block := func(u *unit) bool { return L.rootArea[u.roots[0]] >= 0 && L.blockArea[L.rootArea[u.roots[0]]] }
		sort.SliceStable(us, func(x, y int) bool {
			bx, by := block(us[x]), block(us[y])
			switch {
			case bx != by:
				return bx
			case bx && us[x].weight != us[y].weight:
				return us[x].weight > us[y].weight
			}
			return us[x].bary < us[y].bary
		})
		var here [2]int
		for _, u := range us {
			s := 0
			if here[1] < here[0] || (here[1] == here[0] && total[1] < total[0]) {
				s = 1
			}
			here[s] += u.weight
			total[s] += u.weight
			for _, i := range u.roots {
				bands[b].roots[s] = append(bands[b].roots[s], i)
				L.setSide(i, 2*s-1, b)
			}
		}
	}
	return bands
}

func (L *layout) setSide(i, side, band int) {
	L.nodes[i].side = side
	L.nodes[i].band = band
	for _, c := range L.children[i] {
		L.setSide(c, side, band)
	}
}

// foldGap is the room between a node and a cloud folded under it: enough
// for their link's label beside the link.
const foldGap = 36.0

// foldOutermost draws the clouds (and hosts) of the outermost tier in the
// column of the CEs instead of a column of their own: the one cloud
// hanging off a CE goes right under it, one hanging off a PE beside the
// CEs. A column
// less on each side keeps the drawing fit for a laptop screen and the
// README's width (the seed lab was 5:1 wide with a column of clouds).
func (L *layout) foldOutermost() {
	L.folded = make([]bool, len(L.nodes))
	maxTier := 0
	for _, g := range L.nodes {
		maxTier = max(maxTier, g.tier)
	}
	if maxTier < 3 {
		return
	}
	// A node with several such children keeps them in the outer column:
	// stacked in its column, the links to the lower ones would have to
	// pass the upper ones.
	under := map[int]int{}
	for i, g := range L.nodes {
		if a := L.anchor[i]; g.tier == maxTier && a >= 0 && L.nodes[a].tier == maxTier-1 {
			under[a]++
		}
	}
	for i := range L.nodes {
		g := &L.nodes[i]
		if g.tier != maxTier {
			continue
		}
		a := L.anchor[i]
		switch {
		case a >= 0 && L.nodes[a].tier == maxTier-1 && under[a] == 1:
			L.folded[i] = true
			g.tier = maxTier - 1
		case a < 0 || L.nodes[a].tier < maxTier-1:
			g.tier = maxTier - 1
		}
	}
}
