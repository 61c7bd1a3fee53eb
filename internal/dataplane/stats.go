package dataplane

import "fmt"

// DropReason says why a link did not deliver a frame.
type DropReason int

const (
	// DropDown: the link was administratively down when the frame was sent
	// or went down while the frame was in flight.
	DropDown DropReason = iota
	// DropMTU: the frame's payload (after the Ethernet header) was larger
	// than the link's MTU. Links do not fragment; routers do, or send
	// ICMP fragmentation needed.
	DropMTU
	// DropRunt: the frame was shorter than an Ethernet header.
	DropRunt
	// DropQueue: the queue in front of a rate-limited link was full (tail
	// drop).
	DropQueue
	// DropLoss: the link's random loss took it.
	DropLoss
	// DropNoHandler: it arrived at a port with no handler to take it.
	DropNoHandler

	numDropReasons
)

var dropReasonNames = [numDropReasons]string{
	DropDown:      "down",
	DropMTU:       "mtu",
	DropRunt:      "runt",
	DropQueue:     "queue",
	DropLoss:      "loss",
	DropNoHandler: "no-handler",
}

func (r DropReason) String() string {
	if r >= 0 && r < numDropReasons {
		return dropReasonNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", int(r))
}

// DropReasons lists every DropReason, for tables and metrics.
func DropReasons() []DropReason {
	rs := make([]DropReason, numDropReasons)
	for i := range rs {
		rs[i] = DropReason(i)
	}
	return rs
}

// Stats are a port's counters, like an interface's: what it put on the
// wire, what the link delivered to it, and what the link dropped of the
// frames it sent.
type Stats struct {
	TxFrames uint64 `json:"tx_frames"` // sent onto the wire (lost frames included)
	TxBytes  uint64 `json:"tx_bytes"`
	RxFrames uint64 `json:"rx_frames"` // delivered to this port's handler
	RxBytes  uint64 `json:"rx_bytes"`
	drops    [numDropReasons]uint64
}

// Drops returns how many frames this port sent that the link dropped for
// reason r.
func (s Stats) Drops(r DropReason) uint64 {
	if r < 0 || r >= numDropReasons {
		return 0
	}
	return s.drops[r]
}

// TotalDrops returns how many frames this port sent that the link dropped.
func (s Stats) TotalDrops() uint64 {
	var n uint64
	for _, d := range s.drops {
		n += d
	}
	return n
}
