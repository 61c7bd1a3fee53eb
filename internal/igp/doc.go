// Package igp is intercloud's link-state IGP. It behaves like OSPFv2 on
// point-to-point links — hellos with a two-way check, database exchange,
// reliable flooding of sequenced, aged LSAs, per-area SPF with equal-cost
// multipath, ABR summaries (with area address ranges, RFC 2328 3.5), AS
// externals (E2), NSSAs and totally NSSAs (RFC 3101, nssa.go) — and
// carries segment-routing
// node SIDs and adjacency SIDs the way OSPF's extended prefix and extended
// link opaque LSAs do (RFC 8665). Fast reroute computes loop-free
// alternates (RFC 5286) and, where none exists, TI-LFA repair lists with
// SR (RFC 9855) or remote LFA PQ nodes for LDP to tunnel to (RFC 7490).
//
// It is not OSPF on the wire: messages are Go values handed to
// router.Env.SendControl, and LSAs are immutable values shared by pointer
// between every router that holds them (a 1,000-router lab keeps one copy
// of each LSA instance, not one per router). The lab delivers control
// messages reliably, so there are no acknowledgements or retransmissions.
//
// Concurrency: an Instance is driven entirely by the callbacks of its
// router.Env (messages, timers, interface changes), which run one at a
// time under the router's control-plane lock. The show methods
// (Neighbors, Database, Routes, SRBindings, Ranges) read the same state and must
// be called under that lock too — through the router's Do.
package igp
