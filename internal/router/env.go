package router

import (
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

// Env is what a protocol instance (OSPF-like IGP, LDP, BGP) sees of the
// router it runs on. The lab builds a Router, which implements Env, and
// starts the protocols on it.
//
// Concurrency: every callback an Env makes into a protocol — control
// messages, timers from AfterFunc, interface changes, RIB watches — runs
// under the router's control-plane lock, one at a time. A protocol is
// therefore single-threaded per router and needs no locks of its own for
// state it touches only from those callbacks (show commands read through
// Do, which takes the same lock).
type Env interface {
	Name() string
	RouterID() netip.Addr
	Loopback() netip.Prefix
	// Interfaces lists the router's interfaces (not the loopback) in order.
	Interfaces() []InterfaceState
	RIB() RIB
	Now() time.Time
	// AfterFunc runs f under the control-plane lock once d has passed on
	// the router's clock.
	AfterFunc(d time.Duration, f func()) clock.Timer
	// SendControl sends msg to the router at the other end of iface, to
	// the handler registered there for proto. The lab carries it over the
	// link: after the link's latency, in the order sent, and not at all
	// while the link is down, so flooding follows working links only. Control messages are
	// not subject to random loss: OSPF and LDP retransmit until
	// acknowledged, which the emulation short-circuits. msg must not be
	// modified after sending (the receiver may keep it).
	SendControl(iface string, proto Protocol, msg any)
	// HandleControl registers the handler for proto's messages.
	HandleControl(proto Protocol, h func(iface string, msg any))
	// OnInterfaceChange registers f to run when an interface goes up or
	// down (carrier, as the link reports it).
	OnInterfaceChange(f func(InterfaceState))
	// Event records something an operator may want to see later
	// (adjacency changes, SPF runs, label changes).
	Event(kind, detail string)
}

// Event is one entry of a router's event log.
type Event struct {
	Time   time.Time `json:"time"`
	Node   string    `json:"node"`
	Kind   string    `json:"kind"` // "adjacency-up", "adjacency-down", "spf", "label", "interface-down", ...
	Detail string    `json:"detail"`
}
