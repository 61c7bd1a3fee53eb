package dataplane

import (
	"errors"
	"fmt"
	"math/bits"
	"time"
)

// DefaultQueueTime sizes the queue of a rate-limited link when its
// Impairment gives no QueueBytes: what the rate serializes in this long. A
// queue measured in time, as tbf's latency parameter is, suits a 1 Mbit/s
// edge link and a 100 Gbit/s core link alike.
const DefaultQueueTime = 50 * time.Millisecond

// Impairment is what a link does to the frames one port sends, the
// counterpart of a netem and tbf qdisc on that interface. The zero value is
// a perfect link: no delay beyond the clock's next tick, no loss, no rate
// limit.
type Impairment struct {
	// Latency is the one-way propagation delay.
	Latency time.Duration `json:"latency_ns"`
	// Jitter varies each frame's delay uniformly within Latency ± Jitter
	// (never below zero). A wire does not reorder, so a frame never arrives
	// before one sent earlier: it is held back instead, which can only
	// shorten the spread of delays.
	Jitter time.Duration `json:"jitter_ns"`
	// Loss is the probability, from 0 to 1, that a frame vanishes on the
	// wire. It counts as sent and shows in captures, like a frame lost
	// after the sender's interface.
	Loss float64 `json:"loss"`
	// Rate is the line rate in bits per second; 0 means unlimited. A frame
	// then takes len*8/Rate to serialize, and frames sent faster wait in a
	// queue behind it.
	Rate uint64 `json:"rate_bps"`
	// QueueBytes bounds that queue: a frame that would make the bytes
	// waiting exceed it is dropped (tail drop), unless the line is idle. 0
	// means what Rate sends in DefaultQueueTime. Meaningless without Rate.
	QueueBytes int `json:"queue_bytes,omitempty"`
}

// Validate reports the first field out of range.
func (m Impairment) Validate() error {
	switch {
	case m.Latency < 0:
		return fmt.Errorf("latency %v is negative", m.Latency)
	case m.Jitter < 0:
		return fmt.Errorf("jitter %v is negative", m.Jitter)
	case !(m.Loss >= 0 && m.Loss <= 1): // also rejects NaN
		return fmt.Errorf("loss %v is not a probability between 0 and 1", m.Loss)
	case m.QueueBytes < 0:
		return fmt.Errorf("queue of %d bytes is negative", m.QueueBytes)
	}
	return nil
}

// queueLimit returns the queue size in bytes.
func (m Impairment) queueLimit() uint64 {
	if m.QueueBytes > 0 {
		return uint64(m.QueueBytes)
	}
	return bytesIn(DefaultQueueTime, m.Rate)
}

// serialization returns how long n bytes take to send at rate bits/s,
// rounded up to the nanosecond so that a line is never faster than its rate.
func serialization(n int, rate uint64) time.Duration {
	if rate == 0 {
		return 0
	}
	// n*8e9 fits in 64 bits for any frame under 2 GB.
	bitNanos := uint64(n) * 8 * uint64(time.Second)
	return time.Duration((bitNanos + rate - 1) / rate)
}

// bytesIn returns how many bytes rate bits/s sends in d, rounded down.
func bytesIn(d time.Duration, rate uint64) uint64 {
	if d <= 0 || rate == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(d), rate)
	const div = 8 * uint64(time.Second)
	if hi >= div { // more than 2^64 bytes: saturate rather than panic
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, div)
	return q
}

var errNilClock = errors.New("dataplane: link needs a clock")
