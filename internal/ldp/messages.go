package ldp

import (
	"net/netip"
	"time"
)

// LDP's messages as Go values, carried by router.Env.SendControl with
// router.ProtoLDP. They are never modified after sending.

// Hello is a link hello, sent on every LDP interface each hello interval.
type Hello struct {
	LSRID netip.Addr
	Addr  netip.Addr // the sender's interface address
	Hold  time.Duration
}

// Init opens a session (with LDP's Address message folded in). The side
// that hears an Init it did not ask for answers with Reply set.
type Init struct {
	LSRID netip.Addr
	Addrs []netip.Addr
	Reply bool
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
