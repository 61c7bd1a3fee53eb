package igp

import (
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// directHop is a first hop of the root: a Full neighbour on an interface.
type directHop struct {
	ifc  *iface
	addr netip.Addr // the neighbour's interface address
	rid  uint32
}

// nhSets interns the sets of first hops that SPF computes, so that the
// thousands of destinations reached the same way share one set (and one
// []router.Nexthop), and merging two sets for an equal-cost path is a map
// lookup after the first time. Set 0 is the empty set: directly attached.
type nhSets struct {
	direct  []directHop
	sets    [][]int32 // set id -> sorted direct indexes
	index   map[string]int32
	unions  map[[2]int32]int32
	singles []int32
	slices  [][]router.Nexthop
	backups map[[2]int32][]router.Nexthop // by set and backup hop (fast reroute)
	buf     []byte
}

func (t *nhSets) reset() {
	if t.index == nil {
		t.index, t.unions = map[string]int32{}, map[[2]int32]int32{}
	}
	t.direct = t.direct[:0]
	t.sets = append(t.sets[:0], nil)
	clear(t.index)
	clear(t.unions)
	t.singles = t.singles[:0]
	t.slices = t.slices[:0]
	clear(t.backups)
}

func (t *nhSets) addDirect(d directHop) {
	t.direct = append(t.direct, d)
	t.singles = append(t.singles, -1)
}

// single is the set holding only direct hop d.
func (t *nhSets) single(d int) int32 {
	if id := t.singles[d]; id >= 0 {
		return id
	}
	id := t.intern([]int32{int32(d)})
	t.singles[d] = id
	return id
}

func (t *nhSets) intern(members []int32) int32 {
	t.buf = t.buf[:0]
	for _, m := range members {
		t.buf = append(t.buf, byte(m), byte(m>>8), byte(m>>16))
	}
	if id, ok := t.index[string(t.buf)]; ok {
		return id
	}
	id := int32(len(t.sets))
	t.sets = append(t.sets, members)
	t.index[string(t.buf)] = id
	return id
}

// union is the set of first hops of both a and b.
func (t *nhSets) union(a, b int32) int32 {
	if a == b || b == 0 {
		return a
	}
	if a == 0 {
		return b
	}
	k := [2]int32{min(a, b), max(a, b)}
	if id, ok := t.unions[k]; ok {
		return id
	}
	x, y := t.sets[a], t.sets[b]
	merged := make([]int32, 0, len(x)+len(y))
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case j == len(y) || i < len(x) && x[i] < y[j]:
			merged = append(merged, x[i])
			i++
		case i == len(x) || y[j] < x[i]:
			merged = append(merged, y[j])
			j++
		default:
			merged = append(merged, x[i])
			i, j = i+1, j+1
		}
	}
	id := t.intern(merged)
	t.unions[k] = id
	return id
}

// nexthops returns the shared router.Nexthop slice of set id.
func (t *nhSets) nexthops(id int32) []router.Nexthop {
	for len(t.slices) <= int(id) {
		t.slices = append(t.slices, nil)
	}
	if s := t.slices[id]; s != nil {
		return s
	}
	s := make([]router.Nexthop, len(t.sets[id]))
	for i, d := range t.sets[id] {
		s[i] = router.Nexthop{Addr: t.direct[d].addr, Iface: t.direct[d].ifc.name}
	}
	t.slices[id] = s
	return s
}
