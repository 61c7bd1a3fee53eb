package packet

import "sync"

// DefaultHeadroom is the free space NewFramePool and FrameFrom leave in front
// of a frame's data: enough for an Ethernet header, an IPv4 and a UDP header
// (MPLS-in-UDP) and twenty label stack entries, so that no forwarding
// operation ever has to copy a packet to make room.
const DefaultHeadroom = 128

// DefaultFrameSize is the data capacity FrameFrom gives a frame and a
// sensible one for a FramePool: a 9000-byte jumbo payload, its Ethernet
// header and room for labels at the end of pulls and pushes.
const DefaultFrameSize = 9216

// Frame is a packet buffer with room in front of its data, in the manner of
// a Linux sk_buff: Push grows the data at the front into the headroom, Pull
// shrinks it from the front, so headers are added and removed without
// copying the packet. The data is Bytes(); the rest of the buffer is free.
//
// A Frame has one owner at a time. Sending it on a link passes ownership to
// the link, which passes it to the receiver; whoever holds it last calls
// Release. A Frame is not safe for concurrent use.
type Frame struct {
	buf      []byte
	start    int // data is buf[start:end]
	end      int
	headroom int // start of an empty frame, restored by Reset
	pool     *FramePool
	released bool
}

// NewFrame returns an empty frame with the given headroom and room for
// capacity bytes of data after it. It is not pooled: Release does nothing.
func NewFrame(headroom, capacity int) *Frame {
	return &Frame{
		buf:      make([]byte, headroom+capacity),
		start:    headroom,
		end:      headroom,
		headroom: headroom,
	}
}

// FrameFrom returns an unpooled frame holding a copy of b, with
// DefaultHeadroom in front and at least DefaultFrameSize of capacity.
func FrameFrom(b []byte) *Frame {
	f := NewFrame(DefaultHeadroom, max(len(b), DefaultFrameSize))
	f.end += copy(f.buf[f.start:], b)
	return f
}

// Bytes returns the frame's data. It aliases the frame: it is valid until the
// next Push, Pull, Reset or Release. Its capacity ends at its length, so an
// append to it copies rather than writing into the frame's spare room.
func (f *Frame) Bytes() []byte { return f.buf[f.start:f.end:f.end] }

// Len returns the length of the frame's data.
func (f *Frame) Len() int { return f.end - f.start }

// Headroom returns how many bytes Push can still add at the front.
func (f *Frame) Headroom() int { return f.start }

// Tailroom returns how many bytes Append or Extend can still add at the end.
func (f *Frame) Tailroom() int { return len(f.buf) - f.end }

// Push grows the data by n bytes at the front and returns those n bytes for
// the caller to fill; their content is whatever the buffer held.
func (f *Frame) Push(n int) ([]byte, error) {
	if n < 0 || n > f.start {
		return nil, ErrNoHeadroom
	}
	f.start -= n
	return f.buf[f.start : f.start+n : f.start+n], nil
}

// Pull removes n bytes from the front of the data and returns them; they stay
// readable until the next Push.
func (f *Frame) Pull(n int) ([]byte, error) {
	if n < 0 || n > f.Len() {
		return nil, ErrTruncated
	}
	b := f.buf[f.start : f.start+n : f.start+n]
	f.start += n
	return b, nil
}

// Extend grows the data by n zeroed bytes at the end and returns them.
func (f *Frame) Extend(n int) ([]byte, error) {
	b, err := f.grow(n)
	clear(b)
	return b, err
}

// Append copies b to the end of the data.
func (f *Frame) Append(b []byte) error {
	dst, err := f.grow(len(b))
	copy(dst, b)
	return err
}

// grow extends the data by n bytes at the end, leaving whatever the buffer
// held in them.
func (f *Frame) grow(n int) ([]byte, error) {
	if n < 0 || n > f.Tailroom() {
		return nil, ErrNoHeadroom
	}
	b := f.buf[f.end : f.end+n : f.end+n]
	f.end += n
	return b, nil
}

// Truncate shortens the data to its first n bytes, for instance to drop
// Ethernet padding after the IPv4 total length.
func (f *Frame) Truncate(n int) error {
	if n < 0 || n > f.Len() {
		return ErrTruncated
	}
	f.end = f.start + n
	return nil
}

// Reset empties the frame and restores its original headroom.
func (f *Frame) Reset() {
	f.start, f.end = f.headroom, f.headroom
}

// SetBytes replaces the frame's data with a copy of b, after the original
// headroom.
func (f *Frame) SetBytes(b []byte) error {
	f.Reset()
	return f.Append(b)
}

// Clone returns a copy of the frame, from the same pool if it has one; a
// link tap or a flood to several ports takes a clone, as each copy needs its
// own owner.
func (f *Frame) Clone() *Frame {
	var c *Frame
	if f.pool != nil {
		c = f.pool.Get()
	} else {
		c = NewFrame(f.headroom, len(f.buf)-f.headroom)
	}
	if f.Len() > len(c.buf)-c.headroom {
		c.Release()
		c = NewFrame(f.headroom, f.Len())
	}
	_ = c.SetBytes(f.Bytes()) // fits: checked above
	return c
}

// Release gives the frame back to its pool, if it came from one. The frame
// must not be used afterwards; releasing it twice panics, because two owners
// of one buffer would corrupt each other's packets.
func (f *Frame) Release() {
	if f.released {
		panic("packet: Frame released twice")
	}
	f.released = true
	if f.pool != nil {
		f.pool.pool.Put(f)
	}
}

// FramePool recycles frames of one size so that a router forwarding in steady
// state allocates nothing. It is safe for concurrent use.
type FramePool struct {
	headroom, capacity int
	pool               sync.Pool
}

// NewFramePool returns a pool of frames with the given headroom and data
// capacity (DefaultHeadroom and DefaultFrameSize suit most uses).
func NewFramePool(headroom, capacity int) *FramePool {
	p := &FramePool{headroom: headroom, capacity: capacity}
	p.pool.New = func() any {
		f := NewFrame(headroom, capacity)
		f.pool = p
		return f
	}
	return p
}

// Get returns an empty frame from the pool.
func (p *FramePool) Get() *Frame {
	f := p.pool.Get().(*Frame)
	f.released = false
	f.Reset()
	return f
}
