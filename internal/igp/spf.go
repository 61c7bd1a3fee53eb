package igp

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

// scheduleSPF asks for a routing table calculation, throttled as FRR's
// "timers throttle spf" does: SPFDelay after a quiet period, otherwise not
// before the hold time since the last run, the hold doubling (up to
// SPFMaxHold) while requests keep coming inside it.
func (in *Instance) scheduleSPF() {
	if in.spfPending || !in.started {
		return
	}
	t := in.cfg.Timers
	wait := t.SPFDelay
	if !in.lastSPF.IsZero() {
		since := in.env.Now().Sub(in.lastSPF)
		if since < in.spfHold {
			wait = max(wait, in.spfHold-since)
			in.spfHold = min(2*in.spfHold, t.SPFMaxHold)
		} else {
			in.spfHold = t.SPFHold
		}
	}
	in.spfPending = true
	if in.spfTimer == nil {
		in.spfTimer = in.env.AfterFunc(wait, in.runSPF)
	} else {
		in.spfTimer.Reset(wait)
	}
}

// vertex is a router in an area's shortest-path tree.
type vertex struct {
	rid  uint32
	lsa  *LSA
	dist uint32
	nh   int32 // first-hop set
	done bool
}

// areaSPF is the shortest-path tree of one area, kept (and its storage
// reused) until the next run.
type areaSPF struct {
	idx  map[uint32]int32
	v    []vertex
	heap []heapItem
}

type heapItem struct {
	dist uint32
	i    int32
}

// reached returns the vertex of router rid if SPF reached it.
func (s *areaSPF) reached(rid uint32) *vertex {
	if i, ok := s.idx[rid]; ok && s.v[i].done {
		return &s.v[i]
	}
	return nil
}

// dijkstra computes area a's shortest-path tree from this router with
// every equal-cost first hop (RFC 2328 16.1, point-to-point links only):
// O(E log V) with a binary heap and lazy deletion.
func (in *Instance) dijkstra(a *area, t *nhSets, now time.Time) {
	s := &a.spf
	if s.idx == nil {
		s.idx = map[uint32]int32{}
	}
	clear(s.idx)
	s.v, s.heap = s.v[:0], s.heap[:0]
	root := a.routers[in.ridU]
	if root == nil || !root.usable(now) {
		return
	}
	s.idx[in.ridU] = 0
	s.v = append(s.v, vertex{rid: in.ridU, lsa: root})
	s.push(heapItem{0, 0})
	for len(s.heap) > 0 {
		it := s.pop()
		u := &s.v[it.i]
		if u.done || it.dist != u.dist {
			continue
		}
		u.done = true
		ulsa, udist, unh := u.lsa, u.dist, u.nh
		for li := range ulsa.Links {
			l := &ulsa.Links[li]
			if l.Type != LinkP2P {
				continue
			}
			wrid := u32(l.Neighbor)
			w := a.routers[wrid]
			if w == nil || !w.usable(now) || !linksBack(w, ulsa.AdvRouter) {
				continue
			}
			nh := unh
			if it.i == 0 {
				d := in.directFor(a, t, l)
				if d < 0 {
					continue // the adjacency is gone; our LSA has not caught up yet
				}
				nh = t.single(d)
			}
			nd := udist + max(l.Metric, 1)
			j, seen := s.idx[wrid]
			if !seen {
				j = int32(len(s.v))
				s.idx[wrid] = j
				s.v = append(s.v, vertex{rid: wrid, lsa: w, dist: math.MaxUint32})
			}
			v := &s.v[j]
			switch {
			case v.done:
			case nd < v.dist:
				v.dist, v.nh = nd, nh
				s.push(heapItem{nd, j})
			case nd == v.dist:
				v.nh = t.union(v.nh, nh)
			}
		}
	}
}

// linksBack reports whether router LSA w lists a point-to-point link to
// rid: the two-way check of RFC 2328 16.1 step 2b.
func linksBack(w *LSA, rid netip.Addr) bool {
	for i := range w.Links {
		if w.Links[i].Type == LinkP2P && w.Links[i].Neighbor == rid {
			return true
		}
	}
	return false
}

// directFor finds the first hop behind one of our own router LSA's links:
// the Full neighbour on the interface with that address.
func (in *Instance) directFor(a *area, t *nhSets, l *RouterLink) int {
	for d, h := range t.direct {
		if h.ifc.area == a && h.ifc.addr.Addr() == l.IfAddr && h.rid == u32(l.Neighbor) {
			return d
		}
	}
	return -1
}

func (s *areaSPF) push(x heapItem) {
	s.heap = append(s.heap, x)
	i := len(s.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(s.heap[i], s.heap[p]) {
			break
		}
		s.heap[i], s.heap[p] = s.heap[p], s.heap[i]
		i = p
	}
}

func (s *areaSPF) pop() heapItem {
	h := s.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < n && less(h[l], h[m]) {
			m = l
		}
		if r < n && less(h[r], h[m]) {
			m = r
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}

// less orders the heap by distance, then discovery order, so that runs
// are deterministic.
func less(a, b heapItem) bool {
	return a.dist < b.dist || a.dist == b.dist && a.i < b.i
}

// spfScratch is the storage of one SPF run: as large as the routing table
// itself, and needed only while SPF runs, so the routers of a lab share
// it through a pool (a 1,000-router lab holds a few, not one per router).
type spfScratch struct {
	nh    nhSets
	table table
	order []int32
	ext   map[Area]map[uint64][]*LSA // extended prefix LSAs by prefix (SR)
	// repairs are the TI-LFA repairs of the table's candidates.
	repairs []tiRepair
	// areas are the areas' shortest-path trees, in in.areas' order.
	areas []areaSPF
}

var scratchPool = sync.Pool{New: func() any { return new(spfScratch) }}

// takeScratch gives the run its storage: in.scratch and each area's spf.
func (in *Instance) takeScratch() {
	in.scratch = scratchPool.Get().(*spfScratch)
	for i, a := range in.areas {
		if i < len(in.scratch.areas) {
			a.spf = in.scratch.areas[i]
		}
	}
}

// returnScratch gives the storage back once the run is over; nothing
// read after the run points into it.
func (in *Instance) returnScratch() {
	sc := in.scratch
	sc.areas = sc.areas[:0]
	for _, a := range in.areas {
		sc.areas = append(sc.areas, a.spf)
		a.spf = areaSPF{}
	}
	clear(sc.ext) // the LSAs they point to may go
	in.scratch = nil
	scratchPool.Put(sc)
}
