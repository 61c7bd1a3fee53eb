package router

import (
	"container/heap"
	"sync"
)

// labelAllocator hands out dynamic labels from LabelDynamicFirst up. A
// released label is handed out again before any new one, lowest first, so
// label values stay small and the same sequence of calls always yields the
// same labels.
type labelAllocator struct {
	mu    sync.Mutex
	next  uint32
	free  labelHeap
	inUse map[uint32]bool
}

func (a *labelAllocator) allocate() uint32 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inUse == nil {
		a.inUse = make(map[uint32]bool)
		a.next = LabelDynamicFirst
	}
	var l uint32
	switch {
	case len(a.free) > 0:
		l = heap.Pop(&a.free).(uint32)
	case a.next <= LabelMax:
		l = a.next
		a.next++
	default:
		// A million labels in use: an emulation bug, not a lab.
		panic("router: dynamic label space exhausted")
	}
	a.inUse[l] = true
	return l
}

// release gives l back; labels not handed out are ignored.
func (a *labelAllocator) release(l uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.inUse[l] {
		return
	}
	delete(a.inUse, l)
	heap.Push(&a.free, l)
}

type labelHeap []uint32

func (h labelHeap) Len() int           { return len(h) }
func (h labelHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h labelHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *labelHeap) Push(x any)        { *h = append(*h, x.(uint32)) }
func (h *labelHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
