package dataplane

import (
	"time"

	"github.com/intercloud/intercloud/internal/packet"
)

// inflight is a frame on the wire and when it reaches the far end.
type inflight struct {
	frame *packet.Frame
	at    time.Time
}

// ring is a FIFO of frames in flight. Arrival times never decrease along it
// (links do not reorder), so its head is always the next frame due. It grows
// by doubling and never shrinks, so in steady state it does not allocate.
type ring struct {
	buf  []inflight
	head int
	n    int
}

func (r *ring) len() int { return r.n }

func (r *ring) push(e inflight) {
	if r.n == len(r.buf) {
		r.grow()
	}
	r.buf[(r.head+r.n)%len(r.buf)] = e
	r.n++
}

// peek returns the head; the ring must not be empty.
func (r *ring) peek() *inflight { return &r.buf[r.head] }

// pop removes and returns the head; the ring must not be empty.
func (r *ring) pop() inflight {
	e := r.buf[r.head]
	r.buf[r.head] = inflight{} // do not keep the frame reachable
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return e
}

func (r *ring) grow() {
	buf := make([]inflight, max(16, 2*len(r.buf)))
	for i := range r.n {
		buf[i] = r.buf[(r.head+i)%len(r.buf)]
	}
	r.buf, r.head = buf, 0
}
