package neutron

import (
	"hash/maphash"
	"maps"
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

// cowShards is how many shards a cowMap splits its keys over: a write
// copies the table of shard pointers and the shards it changes, so a map
// of n keys costs about n/cowShards per written shard.
const cowShards = 256

var cowSeed = maphash.MakeSeed()

// cowMap is a map whose copies share their unchanged shards.
type cowMap[K comparable, V any] struct{ t *cowTable[K, V] }

type cowTable[K comparable, V any] struct {
	owner  *txn
	n      int
	shards [cowShards]*cowShard[K, V]
}

type cowShard[K comparable, V any] struct {
	owner *txn
	m     map[K]V
}

func shardOf[K comparable](k K) int { return int(maphash.Comparable(cowSeed, k) % cowShards) }

func (m cowMap[K, V]) get(k K) (V, bool) {
	var zero V
	if m.t == nil {
		return zero, false
	}
	sh := m.t.shards[shardOf(k)]
	if sh == nil {
		return zero, false
	}
	v, ok := sh.m[k]
	return v, ok
}

func (m cowMap[K, V]) len() int {
	if m.t == nil {
		return 0
	}
	return m.t.n
}

// shard is k's shard, writable by o (copied first unless o owns it).
func (m *cowMap[K, V]) shard(o *txn, k K) *cowShard[K, V] {
	switch {
	case m.t == nil:
		m.t = &cowTable[K, V]{owner: o}
	case m.t.owner != o:
		t := *m.t
		t.owner = o
		m.t = &t
	}
	i := shardOf(k)
	sh := m.t.shards[i]
	switch {
	case sh == nil:
		sh = &cowShard[K, V]{owner: o, m: map[K]V{}}
		m.t.shards[i] = sh
	case sh.owner != o:
		sh = &cowShard[K, V]{owner: o, m: maps.Clone(sh.m)}
		m.t.shards[i] = sh
	}
	return sh
}

func (m *cowMap[K, V]) set(o *txn, k K, v V) {
	sh := m.shard(o, k)
	if _, ok := sh.m[k]; !ok {
		m.t.n++
	}
	sh.m[k] = v
}

func (m *cowMap[K, V]) del(o *txn, k K) {
	if _, ok := m.get(k); !ok {
		return
	}
	sh := m.shard(o, k)
	delete(sh.m, k)
	m.t.n--
}

// each calls fn for every key, in no particular order, until fn returns
// false.
func (m cowMap[K, V]) each(fn func(K, V) bool) {
	if m.t == nil {
		return
	}
	for _, sh := range m.t.shards {
		if sh == nil {
			continue
		}
		for k, v := range sh.m {
			if !fn(k, v) {
				return
			}
		}
	}
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
