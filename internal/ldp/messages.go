package ldp

import (
	"net/netip"
	"time"
)

// LDP's messages as Go values, carried by router.Env.SendControl with
// router.ProtoLDP. They are never modified after sending.

// Hello is a link hello, sent on every LDP interface each hello interval,
// or a targeted hello (Targeted, inside a Routed message) to an LSR that
// is not a neighbour.
type Hello struct {
	LSRID    netip.Addr
	Addr     netip.Addr // the sender's interface address (targeted: its LSR id)
	Hold     time.Duration
	Targeted bool
	// Request (targeted only: RFC 5036's R bit) asks the receiver to send
	// targeted hellos back; a hello that answers one leaves it clear, so
	// that the adjacency ends when its requester stops.
	Request bool
}

// Routed carries a message to an LSR that is not a neighbour (targeted
// hellos and the targeted session's messages): each router on the way
// passes it on by its best route to To, until TTL runs out.
type Routed struct {
	From, To netip.Addr
	TTL      uint8
	Msg      any // *Hello, *Init or *Labels
}

// Init opens a session (with LDP's Address message folded in). The side
// that hears an Init it did not ask for answers with Reply set.
type Init struct {
	LSRID netip.Addr
	Addrs []netip.Addr
	Reply bool
	// OnDemand proposes downstream on demand (the A bit of the Common
	// Session Parameters); the session is on demand when both propose it.
	OnDemand bool
}

// Request asks a peer of an on-demand session for its labels for FECs
// (Label Request); with Release set it says they are no longer wanted
// (Label Release). A request stays open until released: the peer answers
// with a mapping when it has the FEC, at once or later, and withdraws and
// maps it again as the FEC goes and comes.
type Request struct {
	LSRID   netip.Addr
	FECs    []netip.Prefix
	Release bool
}

// Labels carries label mappings and withdrawals. Full replaces everything
// the receiver holds from the sender: the first message of a session, and
// a resynchronisation after the link carrying the session changed.
type Labels struct {
	LSRID    netip.Addr
	Full     bool
	Mappings []Mapping
}

// Mapping binds a label to a FEC (Label Mapping), or withdraws the
// binding (Label Withdraw, which the receiver acknowledges implicitly).
type Mapping struct {
	FEC      netip.Prefix
	Label    uint32
	Withdraw bool
}
