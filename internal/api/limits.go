package api

import (
	"fmt"
	"time"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/router"
)

// The ranges of every numeric field the lab API accepts, in one place
// (README's API section lists them). A value outside its range is a 400
// naming the field and the range, before anything is allocated: a
// count of 2^62 must never reach a make(). In request bodies, 0 (or an
// absent field) means the default in brackets.
var (
	PingCount    = Range{Field: "count", Min: 1, Max: router.MaxPingCount}                                       // [5]
	PingInterval = Range{Field: "interval_ns", Min: int64(time.Millisecond), Max: int64(time.Minute), Dur: true} // [1s]
	PingTimeout  = Range{Field: "timeout_ns", Min: int64(time.Millisecond), Max: int64(time.Minute), Dur: true}  // [2s]
	PingTTL      = Range{Field: "ttl", Min: 1, Max: 255}                                                         // [64]
	// PingSize is ICMP data: an IPv4 packet holds 65535 bytes, less 20 of
	// IP header and 8 of ICMP header.
	PingSize = Range{Field: "size", Min: 1, Max: router.MaxPingSize} // [56]

	TraceMaxHops = Range{Field: "max_hops", Min: 1, Max: router.MaxTraceHops} // [30]; a TTL is 8 bits
	TraceProbes  = Range{Field: "probes", Min: 1, Max: router.MaxTraceProbes} // [3], traceroute's -q limit
	TraceTimeout = PingTimeout                                                // [2s]

	// Impairments: a latency beyond a few seconds is no WAN, and a rate
	// beyond a terabit is unlimited in all but name.
	LinkLatency = Range{Field: "latency_ns", Min: 0, Max: int64(10 * time.Second), Dur: true}
	LinkJitter  = Range{Field: "jitter_ns", Min: 0, Max: int64(10 * time.Second), Dur: true}
	LinkRate    = Range{Field: "rate_bps", Min: 0, Max: 1_000_000_000_000} // 0 is unlimited
	LinkQueue   = Range{Field: "queue_bytes", Min: 0, Max: 1 << 30}        // 0 is what the rate sends in 100ms
	// Loss is a probability, checked by dataplane.Impairment.Validate: 0..1.

	CaptureDuration = Range{Field: "duration", Min: 0, Max: int64(24 * time.Hour), Dur: true} // 0: until count or the client leaves
	CaptureCount    = Range{Field: "count", Min: 0, Max: 1_000_000}                           // 0: no limit
)

// MaxBodyBytes bounds a request body: the largest real one is a few
// hundred bytes. Beyond it the answer is 413.
const MaxBodyBytes = 64 << 10

// Range is the span a numeric field accepts, bounds included.
type Range struct {
	Field    string
	Min, Max int64
	Dur      bool // a time.Duration in nanoseconds: errors print it as one
}

// RangeError is a value outside its Range.
type RangeError struct {
	Range
	Value int64
}

func (e *RangeError) Error() string {
	if e.Dur {
		return fmt.Sprintf("%s %v out of range: %v..%v", e.Field, time.Duration(e.Value), time.Duration(e.Min), time.Duration(e.Max))
	}
	return fmt.Sprintf("%s %d out of range: %d..%d", e.Field, e.Value, e.Min, e.Max)
}

// Check reports v outside the range.
func (r Range) Check(v int64) error {
	if v < r.Min || v > r.Max {
		return &RangeError{Range: r, Value: v}
	}
	return nil
}

// checkOptional is Check for a field whose zero means "the default".
func (r Range) checkOptional(v int64) error {
	if v == 0 {
		return nil
	}
	return r.Check(v)
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate reports the first field of a ping request that is missing or
// out of range.
func (p *PingRequest) Validate() error {
	return firstError(
		required("src", p.Src), required("dst", p.Dst),
		PingCount.checkOptional(int64(p.Count)),
		PingInterval.checkOptional(int64(p.Interval)),
		PingTimeout.checkOptional(int64(p.Timeout)),
		PingTTL.checkOptional(int64(p.TTL)),
		PingSize.checkOptional(int64(p.Size)),
	)
}

// Validate reports the first field of a trace request that is missing
// or out of range.
func (t *TraceRequest) Validate() error {
	return firstError(
		required("src", t.Src), required("dst", t.Dst),
		TraceMaxHops.checkOptional(int64(t.MaxHops)),
		TraceProbes.checkOptional(int64(t.Probes)),
		TraceTimeout.checkOptional(int64(t.Timeout)),
	)
}

// validateImpairment checks an impairment's ranges; loss and signs are
// the data plane's own check.
func validateImpairment(m dataplane.Impairment) error {
	return firstError(
		m.Validate(),
		LinkLatency.Check(int64(m.Latency)),
		LinkJitter.Check(int64(m.Jitter)),
		LinkRate.Check(int64(min(m.Rate, 1<<63-1))),
		LinkQueue.Check(int64(m.QueueBytes)),
	)
}

func required(field, v string) error {
	if v == "" {
		return fmt.Errorf("%s is required: a node name, NODE:INTERFACE or an address", field)
	}
	return nil
}
