// Package ldp is intercloud's label distribution: LDP's behaviour (RFC
// 5036) as FRR's ldpd and most routers run it — downstream unsolicited
// advertisement, independent control, liberal label retention, one label
// per FEC, implicit null at the egress so the penultimate hop pops.
//
// FECs are the IPv4 /32 host routes of the router's IGP table (loopbacks
// of core routers and the edge /32s the IGP redistributes), the router's
// own loopback, and any Config.Egress prefixes. LDP follows the RIB the way
// ldpd follows zebra: it watches for changes, reads the best routes, and
// offers LSPs (local label in, the IGP nexthop peer's label out) and
// ingress FEC labels back to the RIB manager.
//
// Discovery is by link hellos on each LDP interface; a session per
// neighbour LSR id, however many parallel links lead to it, which lives
// as long as one hello adjacency does. Session messages travel over one of
// those links (router.Env.SendControl) rather than TCP: delivery is
// reliable, and when the link a session used goes down the session
// resends its whole label set over another.
//
// Concurrency: as for every protocol, all callbacks run under the router's
// control-plane lock; the show methods (Bindings, Neighbors) must be
// called under it too.
package ldp
