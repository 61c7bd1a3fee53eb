// Package bgp is intercloud's BGP speaker: the FSM, RIBs, best path and
// update groups are its own, and every message on the wire is encoded and
// decoded by GoBGP's codec (github.com/osrg/gobgp/v4/pkg/packet/bgp).
// GoBGP's server is not used: it cannot run on an injected clock, keeps
// route-selection options in package globals, waits a random 1–2 s before
// connecting and leaks goroutines on stop — none of which an emulator
// running hundreds of routers in one process can live with.
//
// What a Speaker does:
//
//   - Sessions (RFC 4271): Idle, Connect, Active, OpenSent, OpenConfirm,
//     Established; OPEN with multiprotocol (per configured family), 4-octet
//     AS (required of the peer), route refresh and graceful restart (RFC
//     4724, both roles). Helper: a peer whose connection drops without a
//     NOTIFICATION, or that reconnects while its old session still looks
//     up, keeps its routes as stale until its End-of-RIB or its restart
//     time, or at once loses them if it comes back without the Forwarding
//     State bit. Restarting (Config.Restarting, Speaker.Restart): the OPEN
//     sets the Restart State bit and, per family, Forwarding State; the
//     speaker sends nothing until every peer has sent End-of-RIB or the
//     selection deferral runs out, then its table and End-of-RIB. Hold
//     time negotiated, keepalives at a third of it;
//     NOTIFICATION on every error; connection collisions resolved by BGP
//     identifier (RFC 4271 6.8). A session is dialled the moment the peer
//     is configured and retried with a short doubling backoff. Every timer
//     runs on the Config.Clock.
//   - Transports (transport.go, memtransport.go): real TCP, and an
//     in-memory network delivering already-encoded messages on the clock,
//     so large labs need no sockets and tests run on the virtual clock.
//   - Families (family.go): IPv4 unicast, VPNv4 (RFC 4364), IPv6 unicast
//     (RFC 4760, 2545), VPNv6 (RFC 4659), IPv4 labelled unicast (RFC 8277)
//     and RTC. Next hops of the MP families travel only in MP_REACH_NLRI;
//     an IPv4 next hop of an IPv6 family is sent IPv4-mapped (RFC 4798,
//     RFC 4659 3.2.1.1) and a received IPv4-mapped one held and resolved
//     as the IPv4 address (Route.NextHop; the show forms keep it
//     mapped, as FRR does); a link-local next hop after the global one
//     is accepted and dropped.
//   - RIBs: an Adj-RIB-In per peer, a Loc-RIB per family with the RFC
//     4271 decision process (rib.go), next hops checked with
//     Config.Resolver, attributes interned (attrs.go) so identical
//     sets are shared by every route and every speaker in the process.
//   - Adj-RIB-Out per update group (update_out.go): peers whose outbound
//     routes would be identical share one computation and one encoding.
//   - iBGP/eBGP rules and route reflection (RFC 4456); for PE–CE
//     sessions, as-override and allowas-in (PeerConfig).
//   - Route target constraint (RFC 4684, rtc.go, rtc_filter.go), on by
//     default with VPNv4 or VPNv6, filtering both: the speaker
//     advertises its import RTs (SetImportRTs) and sends each RTC peer
//     only the VPN routes its membership asks for, once its RTC
//     End-of-RIB is in. Reflectors ask for everything and reflect
//     membership like any route.
//   - RFC 7606 error handling: treat-as-withdraw and attribute-discard where
//     it says so; AFI/SAFI disable (RFC 4760 7) for an MP_REACH_NLRI or
//     MP_UNREACH_NLRI that cannot be parsed or whose next hop length does
//     not fit its family; a NOTIFICATION only where it must (update_in.go).
//
// Concurrency: a Speaker has one lock. API calls, timer callbacks and
// transport callbacks each take it, so protocol state is touched by one
// goroutine at a time; OnBestChange runs under it.
package bgp
