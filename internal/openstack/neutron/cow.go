package neutron

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"sort"
)

// Copy-on-write containers for the region's state. The state a Service
// caches is shared by every reader and never changes; a write works on a
// copy of it that shares everything it does not change, so the cost of a
// write is that of what it changes, not of the region's size. Each
// container copies the part it changes the first time a write (its
// *txn) changes it, and changes that copy in place afterwards.

// txn identifies one write. The containers a write copied carry it as
// their owner; a committed state's containers are owned by a write that
// has ended, so the next write copies them again.
type txn struct{ _ int } // not zero-sized: each new txn has its own address

var cowSeed = maphash.MakeSeed()

// cowMap is a map whose copies share every node a write did not change:
// a hash trie (CHAMP: compressed hash-array mapped prefix tree) of 32-way
// nodes, indexed by 5 bits of the key's hash per level. A write copies
// the nodes on the path to the key it changes, a handful of small nodes
// whatever the map's size (about log32 n of them), where a fixed set of
// shards would copy a shard growing with n. The zero value is empty.
type cowMap[K comparable, V any] struct {
	root *cowNode[K, V]
	n    int
}

// cowNode is one node of a cowMap's trie. A slot (5 bits of the hash at
// the node's depth) holds nothing, one key (data) or a subtree (nodes);
// both are kept compact, in slot order. Below the hash's 64 bits (depth
// cowMaxShift), a node is a plain list of keys whose hashes are equal.
type cowNode[K comparable, V any] struct {
	owner    *txn
	datamap  uint32
	nodemap  uint32
	data     []cowKV[K, V]
	children []*cowNode[K, V]
}

// cowKV is a key with its value and hash (kept, so that keys moving
// down a level on a split need no hashing again).
type cowKV[K comparable, V any] struct {
	h uint64
	k K
	v V
}

// cowMaxShift is the depth (in hash bits) at which nodes become lists of
// keys with equal hashes.
const cowMaxShift = 64

func cowHash[K comparable](k K) uint64 { return maphash.Comparable(cowSeed, k) }

// cowSlot is the bit of h's slot in a node at shift.
func cowSlot(h uint64, shift uint) uint32 { return 1 << ((h >> shift) & 31) }

// cowIndex is the position of bit's entry among those set in bitmap.
func cowIndex(bitmap, bit uint32) int { return bits.OnesCount32(bitmap & (bit - 1)) }

func (m cowMap[K, V]) get(k K) (V, bool) { return m.getHashed(cowHash(k), k) }

func (m cowMap[K, V]) getHashed(h uint64, k K) (V, bool) {
	var zero V
	n := m.root
	for shift := uint(0); n != nil; shift += 5 {
		if shift >= cowMaxShift {
			for _, e := range n.data {
				if e.k == k {
					return e.v, true
				}
			}
			return zero, false
		}
		bit := cowSlot(h, shift)
		switch {
		case n.datamap&bit != 0:
			if e := n.data[cowIndex(n.datamap, bit)]; e.k == k {
				return e.v, true
			}
			return zero, false
		case n.nodemap&bit != 0:
			n = n.children[cowIndex(n.nodemap, bit)]
		default:
			return zero, false
		}
	}
	return zero, false
}

func (m cowMap[K, V]) len() int { return m.n }

// own is n writable by o: n itself when o made it, else a copy.
func (n *cowNode[K, V]) own(o *txn) *cowNode[K, V] {
	if n == nil {
		return &cowNode[K, V]{owner: o}
	}
	if n.owner == o {
		return n
	}
	return &cowNode[K, V]{owner: o, datamap: n.datamap, nodemap: n.nodemap,
		data: slices.Clone(n.data), children: slices.Clone(n.children)}
}

func (m *cowMap[K, V]) set(o *txn, k K, v V) { m.setHashed(o, cowHash(k), k, v) }

func (m *cowMap[K, V]) setHashed(o *txn, h uint64, k K, v V) {
	var added bool
	m.root, added = m.root.put(o, 0, h, k, v)
	if added {
		m.n++
	}
}

// put is n (owned by o) with k set to v, and whether k is new.
func (n *cowNode[K, V]) put(o *txn, shift uint, h uint64, k K, v V) (*cowNode[K, V], bool) {
	n = n.own(o)
	if shift >= cowMaxShift {
		for i := range n.data {
			if n.data[i].k == k {
				n.data[i].v = v
				return n, false
			}
		}
		n.data = append(n.data, cowKV[K, V]{h, k, v})
		return n, true
	}
	bit := cowSlot(h, shift)
	switch {
	case n.datamap&bit != 0:
		i := cowIndex(n.datamap, bit)
		if n.data[i].k == k {
			n.data[i].v = v
			return n, false
		}
		// Two keys in one slot: they move to a subtree one level down.
		old := n.data[i]
		child := pair(o, shift+5, old, cowKV[K, V]{h, k, v})
		n.data = slices.Delete(n.data, i, i+1)
		n.datamap &^= bit
		n.nodemap |= bit
		n.children = slices.Insert(n.children, cowIndex(n.nodemap, bit), child)
		return n, true
	case n.nodemap&bit != 0:
		i := cowIndex(n.nodemap, bit)
		child, added := n.children[i].put(o, shift+5, h, k, v)
		n.children[i] = child
		return n, added
	}
	n.datamap |= bit
	n.data = slices.Insert(n.data, cowIndex(n.datamap, bit), cowKV[K, V]{h, k, v})
	return n, true
}

// pair is a new node at shift holding a and b.
func pair[K comparable, V any](o *txn, shift uint, a, b cowKV[K, V]) *cowNode[K, V] {
	n := &cowNode[K, V]{owner: o}
	if shift >= cowMaxShift {
		n.data = []cowKV[K, V]{a, b}
		return n
	}
	ba, bb := cowSlot(a.h, shift), cowSlot(b.h, shift)
	switch {
	case ba == bb:
		n.nodemap = ba
		n.children = []*cowNode[K, V]{pair(o, shift+5, a, b)}
	case ba < bb:
		n.datamap = ba | bb
		n.data = []cowKV[K, V]{a, b}
	default:
		n.datamap = ba | bb
		n.data = []cowKV[K, V]{b, a}
	}
	return n
}

func (m *cowMap[K, V]) del(o *txn, k K) { m.delHashed(o, cowHash(k), k) }

func (m *cowMap[K, V]) delHashed(o *txn, h uint64, k K) {
	if _, ok := m.getHashed(h, k); !ok {
		return // nothing to copy
	}
	m.root = m.root.remove(o, 0, h, k)
	m.n--
	if m.root.empty() {
		m.root = nil
	}
}

func (n *cowNode[K, V]) empty() bool { return len(n.data) == 0 && len(n.children) == 0 }

// remove is n (owned by o) without k, which it holds.
func (n *cowNode[K, V]) remove(o *txn, shift uint, h uint64, k K) *cowNode[K, V] {
	n = n.own(o)
	if shift >= cowMaxShift {
		n.data = slices.DeleteFunc(n.data, func(e cowKV[K, V]) bool { return e.k == k })
		return n
	}
	bit := cowSlot(h, shift)
	if n.datamap&bit != 0 {
		n.data = slices.Delete(n.data, cowIndex(n.datamap, bit), cowIndex(n.datamap, bit)+1)
		n.datamap &^= bit
		return n
	}
	i := cowIndex(n.nodemap, bit)
	child := n.children[i].remove(o, shift+5, h, k)
	switch {
	case child.empty():
		n.children = slices.Delete(n.children, i, i+1)
		n.nodemap &^= bit
	case len(child.children) == 0 && len(child.data) == 1:
		// A subtree of one key: the key comes up into this slot, so the
		// trie stays as shallow as its keys need.
		n.children = slices.Delete(n.children, i, i+1)
		n.nodemap &^= bit
		n.datamap |= bit
		n.data = slices.Insert(n.data, cowIndex(n.datamap, bit), child.data[0])
	default:
		n.children[i] = child
	}
	return n
}

// each calls fn for every key, in no particular order, until fn returns
// false.
func (m cowMap[K, V]) each(fn func(K, V) bool) {
	if m.root != nil {
		m.root.each(fn)
	}
}

func (n *cowNode[K, V]) each(fn func(K, V) bool) bool {
	for _, e := range n.data {
		if !fn(e.k, e.v) {
			return false
		}
	}
	for _, c := range n.children {
		if !c.each(fn) {
			return false
		}
	}
	return true
}

// seqChunk is how many ids a chunk of a seqList holds at most.
const seqChunk = 256

// seqList is ids in increasing seq (creation) order, in chunks a write
// copies only when it changes them.
type seqList struct {
	owner  *txn
	n      int
	chunks []*idChunk
}

type idChunk struct {
	owner *txn
	seqs  []int64
	ids   []string
}

// own is l writable by o.
func (l *seqList) own(o *txn) *seqList {
	if l == nil {
		return &seqList{owner: o}
	}
	if l.owner == o {
		return l
	}
	return &seqList{owner: o, n: l.n, chunks: slices.Clone(l.chunks)}
}

func (c *idChunk) own(o *txn) *idChunk {
	if c.owner == o {
		return c
	}
	return &idChunk{owner: o, seqs: slices.Clone(c.seqs), ids: slices.Clone(c.ids)}
}

// put adds id with seq in its place (usually the end); l must be o's.
func (l *seqList) put(o *txn, seq int64, id string) {
	if n := len(l.chunks); n == 0 || l.chunks[n-1].seqs[len(l.chunks[n-1].seqs)-1] < seq {
		// The common case: a new resource, after every other.
		if n == 0 || len(l.chunks[n-1].ids) >= seqChunk {
			l.chunks = append(l.chunks, &idChunk{owner: o, seqs: make([]int64, 0, seqChunk), ids: make([]string, 0, seqChunk)})
			n++
		}
		c := l.chunks[n-1].own(o)
		c.seqs = append(c.seqs, seq)
		c.ids = append(c.ids, id)
		l.chunks[n-1] = c
		l.n++
		return
	}
	i := max(l.chunkOf(seq), 0)
	c := l.chunks[i].own(o)
	j, found := slices.BinarySearch(c.seqs, seq)
	if found {
		c.ids[j] = id
		l.chunks[i] = c
		return
	}
	c.seqs = slices.Insert(c.seqs, j, seq)
	c.ids = slices.Insert(c.ids, j, id)
	l.n++
	if len(c.ids) <= 2*seqChunk {
		l.chunks[i] = c
		return
	}
	// Split a chunk grown by insertions in the middle.
	h := len(c.ids) / 2
	a := &idChunk{owner: o, seqs: slices.Clone(c.seqs[:h]), ids: slices.Clone(c.ids[:h])}
	b := &idChunk{owner: o, seqs: slices.Clone(c.seqs[h:]), ids: slices.Clone(c.ids[h:])}
	l.chunks = slices.Replace(l.chunks, i, i+1, a, b)
}

// chunkOf is the index of the last chunk whose first seq is at most seq
// (-1 when there is none).
func (l *seqList) chunkOf(seq int64) int {
	return sort.Search(len(l.chunks), func(i int) bool { return l.chunks[i].seqs[0] > seq }) - 1
}

// drop removes the id with seq; l must be o's.
func (l *seqList) drop(o *txn, seq int64) {
	i := l.chunkOf(seq)
	if i < 0 {
		return
	}
	j, found := slices.BinarySearch(l.chunks[i].seqs, seq)
	if !found {
		return
	}
	c := l.chunks[i].own(o)
	c.seqs = slices.Delete(c.seqs, j, j+1)
	c.ids = slices.Delete(c.ids, j, j+1)
	l.n--
	if len(c.ids) == 0 {
		l.chunks = slices.Delete(l.chunks, i, i+1)
		return
	}
	l.chunks[i] = c
}

func (l *seqList) len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// each calls fn for every id in order until fn returns false.
func (l *seqList) each(fn func(id string) bool) {
	if l == nil {
		return
	}
	for _, c := range l.chunks {
		for _, id := range c.ids {
			if !fn(id) {
				return
			}
		}
	}
}
