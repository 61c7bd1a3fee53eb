package igp

import (
	"net/netip"
	"time"
)

// The IGP's control messages, carried by router.Env.SendControl with
// router.ProtoOSPF. They are OSPF's packets as Go values; LSAs inside them
// are shared by pointer and never modified.

// Hello is sent on every IGP interface each hello interval, and at once
// when a neighbour appears or is lost, to speed up the two-way check.
type Hello struct {
	RouterID      netip.Addr
	Area          Area
	NSSA          bool       // the area is an NSSA (the options' N-bit)
	Addr          netip.Addr // the sender's interface address
	HelloInterval time.Duration
	DeadInterval  time.Duration
	// Neighbors are the router ids heard on this interface: a receiver
	// that finds itself here knows the link works both ways.
	Neighbors []netip.Addr
}

// DBDesc is a database description: the sender's LSAs of the interface's
// area and of the AS scope. The receiver only reads their headers (type,
// ids, sequence number) to decide what to request.
type DBDesc struct {
	RouterID netip.Addr
	Area     Area
	Addr     netip.Addr
	LSAs     []*LSA
}

// LSRequest asks for the current instances of these LSAs (the headers
// taken from the peer's DBDesc).
type LSRequest struct {
	RouterID netip.Addr
	LSAs     []*LSA
}

// LSUpdate carries LSAs: flooding, and answers to LSRequest.
type LSUpdate struct {
	RouterID netip.Addr
	LSAs     []*LSA
}
