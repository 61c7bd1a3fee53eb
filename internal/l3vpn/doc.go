// Package l3vpn is the provider-edge function of BGP/MPLS IP VPNs (RFC
// 4364) on one router: VRF import and export by route target, VPN labels
// (per VRF or per prefix), the inter-AS option B label swap of an ASBR,
// and the graceful-restart hold-aside of a restarting router's routes.
// It drives the router's bgp.Speakers and installs what they select
// through router.Env and router.RIB, as igp and ldp do, so a WAN PE, a
// DC gateway and a site router (a CE, a compute node) are one Node with
// different configuration. Who peers with whom, over which transport,
// is the caller's business (the lab wires it).
//
// Speakers. A Node has a global speaker: VPNv4 and VPNv6 on a provider
// router (PE, route reflector, ASBR), IPv4 unicast on a site router. A
// PE also runs one IPv4-unicast speaker per VRF for its PE–CE sessions,
// as FRR runs `router bgp ASN vrf NAME`: each VRF's routes live in their
// own table, and overlapping customer prefixes in different VRFs never
// meet.
//
// Labels. A PE allocates one VPN label per VRF from its router's label
// manager and installs it in the LFIB as "pop, then route in the VRF"
// (or, with per-prefix labels, one "pop and send to the CE" label per CE
// route). Routes a VRF speaker learns from CEs are exported as VPNv4 with
// the VRF's RD, export RTs, that label and the PE's loopback as next
// hop. VPNv4 routes carrying one of a VRF's import RTs are installed in
// the VRF with the remote PE's loopback as next hop and the VPN label,
// so the RIB manager pushes the transport label (LDP or SR) on top of
// it, and are originated in the VRF speaker, which advertises them to
// the CEs. A CE's route shadows every VPN route for its prefix in the
// VRF, whichever came first.
//
// Sync by difference (diff.go). Each speaker keeps the keys whose best
// path changed (bgp.Config.TrackChanges); sync redoes only those, hands
// the RIB the routes that changed (router.RIB.UpdateRoutes) and the
// speakers the originations that changed
// (bgp.Speaker.UpdateOriginations), as bgpd's VPN import/export works
// per route. What is not a best-path change (a VRF added or removed, its
// attachments, an SR policy, a restart), per-prefix labels and
// readvertisement make sync rebuild from the whole tables, handed over as
// whole sets (ReplaceRoutes, OriginateSet). Either way the Node keeps no
// copy of what the speakers and the RIB hold.
//
// Attachments. A compute node acting as PE (option 3, bagpipe's model)
// runs the same Node with Config.OnDemandVRFs: its VRFs come and go
// after Start (AddVRF, RemoveVRF under the control lock), each an
// attachment VRF (VRFConfig.Attachment) with no PE–CE speaker, whose
// sites are the router's own addresses — its VMs — exported as given by
// SetAttached, with the VRF's label and Config.NextHop (its underlay
// address). RT constraint then asks for exactly the VRFs' import RTs,
// nothing while there are none; removing a VRF withdraws its routes and
// gives its label back.
//
// Graceful restart. Restart replaces the Node's speakers by restarted
// ones (RFC 4724 restarting role) and leaves the RIB alone: the new
// speakers' best paths collect aside while sync keeps working from the
// routes the router kept forwarding on, so the new speakers are given
// everything to originate again at once, and each one's Loc-RIB replaces
// the kept routes only when its deferral is over.
//
// Locks. A speaker reports best-path changes under its own lock, from
// whatever goroutine runs its clock callback; the Node must not touch the
// router there. It only schedules sync with Env.AfterFunc(0), which runs
// under the router's control lock; sync reads the speakers' best paths
// from their Loc-RIBs (the Node keeps no copy but a restarting one's
// predecessor's), changes the BGP routes in the RIB and originates or
// withdraws routes. The only lock order is therefore control lock ->
// speaker lock -> RIB lock (the resolver reads the RIB under the speaker
// lock); nothing takes them the other way round.
package l3vpn
