package l3vpn

import (
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// Mode is what a Node's global speaker carries.
type Mode uint8

const (
	// Site: a customer or cloud router (a CE, a compute node). Its
	// global speaker speaks IPv4 unicast; it installs what it learns in
	// its global table and originates exactly Config.Announce.
	Site Mode = iota
	// Provider: a PE, route reflector or ASBR. Its global speaker
	// carries VPN routes; its VRFs (AddVRF) import and export them.
	Provider
)

// Config is one router's VPN function.
type Config struct {
	Env  router.Env
	Mode Mode
	// ASBR: inter-AS option B. The global speaker gives every VPN route
	// it advertises with itself as next hop a label of its own, which
	// the Node swaps to the route's label (asbr.go).
	ASBR bool
	// Speaker configures the global speaker. New sets its Resolver,
	// OnLocRIBChange (OnBestChange with Config.Beside), OnRestartDone
	// and, on an ASBR, ExportLabel.
	Speaker bgp.Config
	// Announce is what a site router originates (Announce, Restart).
	Announce func() []netip.Prefix
	// NextHop is the next hop a PE exports its VRFs' routes with, and
	// the address it knows its own routes by; its loopback when not
	// set. A compute node acting as PE uses its address on the cloud's
	// underlay, which the WAN routes without an LSP (its VPN traffic
	// comes by IP tunnel).
	NextHop netip.Addr
	// OnDemandVRFs: the VRFs come and go after Start (AddVRF, RemoveVRF:
	// a compute node's BGPVPN attachments). RT constraint then asks for
	// exactly their import RTs from the start — nothing while there are
	// none — where a provider router without VRFs asks for everything.
	OnDemandVRFs bool
	// Encapsulations are the IP tunnels the Node accepts VPN traffic by
	// and advertises, as Encapsulation extended communities (RFC 9012),
	// on every VPN route its VRFs export: a compute node offers
	// bgp.TunnelMPLSInUDP and bgp.TunnelMPLSInGRE, as bagpipe-bgp does
	// (encap.go). Every router decapsulates both whatever this says.
	Encapsulations []bgp.TunnelType
	// Beside, when set, is another service driving the same global
	// speaker (an EVPN's MAC-VRFs, internal/l2vpn): the route targets it
	// imports join the VRFs' in RT constraint, and the best-path changes
	// of the families the Node does not use (EVPN) go to it.
	Beside Beside
	// OnReadvertised, when set, is told (control lock held) when an
	// attachment VRF starts or stops readvertising a prefix of another
	// VPN (SetReadvertise): the caller makes the prefix end in the VRF
	// meanwhile, as for what SetAttached exports (readvertise.go).
	OnReadvertised func(vrf string, p netip.Prefix, on bool)
}

// Beside is a service sharing a Node's global speaker.
type Beside interface {
	// ImportRTs are the route targets it imports (control lock held).
	ImportRTs() []bgp.ExtCommunity
	// BestChanged takes the speaker's EVPN best-path changes, with the
	// speaker's lock held: it must not call the speaker.
	BestChanged([]bgp.Change)
}

// Node is the VPN function of one router.
type Node struct {
	env  router.Env
	mode Mode
	// announce: Config.Announce.
	announce func() []netip.Prefix
	res      *Resolver // main's
	// announceMu makes each Announce read Config.Announce and hand it
	// over in one step, so that two callers cannot leave an older set.
	announceMu sync.Mutex
	nextHop    netip.Addr         // Config.NextHop
	onDemand   bool               // Config.OnDemandVRFs
	encaps     []bgp.ExtCommunity // Config.Encapsulations as communities
	tunnels    []*router.Tunnel   // shared by the VPN routes' nexthops (encap.go)
	beside     Beside             // Config.Beside
	// onReadvertised: Config.OnReadvertised.
	onReadvertised func(vrf string, p netip.Prefix, on bool)
	// vrfs, sorted by name, is replaced (never changed in place) under
	// mu and the control lock: sync reads it under the control lock,
	// others through vrfList.
	vrfs     []*vrf
	asbr     *asbrLabels
	steering Steering // SR policies to steer colored VPN routes onto (steer.go)
	// infos: the Info of imported routes by RD ("vpn RD"), one string
	// shared by every route of a far VRF (steer.go).
	infoMu sync.Mutex
	infos  map[bgp.RD]string

	mu sync.Mutex
	// main is the global speaker: read by others under mu, replaced
	// (Restart) under mu and the control lock.
	main      *bgp.Speaker
	scheduled bool
	started   bool // Start ran: VRFs added from now on apply at once
	// restarting names the speakers ("" the global one, else a VRF's
	// name) that Restart restarted and that are still deferring (RFC
	// 4724): sync keeps using kept, their predecessors' best paths — the
	// state the router kept forwarding on — until the new speaker's
	// restart is done. The others' best paths sync reads from their
	// Loc-RIBs: the Node keeps no copy.
	restarting map[string]bool
	kept       map[string][]path
	// keepers is how many peers kept the node's routes across its last
	// restart (restarted: there was one).
	keepers   int
	restarted bool
	// failed counts routes a speaker refused to originate.
	failed int

	// full: the next sync rebuilds every VRF from the speakers' whole
	// tables, not only from the destinations they say changed (diff.go):
	// what changed is not a best path (a VRF, its attachments, steering,
	// a restart).
	full bool
	// vpnRDs indexes the global speaker's learned VPNv4 best paths by
	// prefix (their RDs), for the sync that follows changes: a VRF
	// imports a prefix from the lowest RD that it may.
	vpnRDs *rdIndex
	// fullSyncs and diffSyncs count the syncs of a PE each way.
	fullSyncs, diffSyncs int
	// nht hands the RIB the next hops of the VPN routes the global
	// speaker makes best, as it decides (nht.go).
	nht nextHops
}

// New creates the Node and its global speaker. Add VRFs, then Start.
func New(cfg Config) (*Node, error) {
	n := &Node{env: cfg.Env, mode: cfg.Mode, announce: cfg.Announce, nextHop: cfg.NextHop, onDemand: cfg.OnDemandVRFs,
		restarting: map[string]bool{}, kept: map[string][]path{}, full: true}
	n.encaps = encapCommunities(cfg.Encapsulations)
	n.beside = cfg.Beside
	n.onReadvertised = cfg.OnReadvertised
	n.res = NewResolver(cfg.Env.RIB(), "")
	sc := cfg.Speaker
	sc.Resolver = n.res.Resolve
	sc.TrackChanges = true
	sc.OnBestNextHop = n.heard
	if n.beside != nil {
		sc.OnBestChange = n.splitBeside(n.changed(""))
	} else {
		sc.OnLocRIBChange = n.changed("")
		// sync reads only learned best paths here (learnedVPNv4, the
		// ASBR's and a site's learned routes): what it exports itself
		// need not bring it back.
		sc.LearnedChangesOnly = true
	}
	sc.OnRestartDone = n.restartDone("")
	if cfg.ASBR {
		n.asbr = &asbrLabels{rib: cfg.Env.RIB(), byKey: map[bgp.RouteKey]uint32{}}
		sc.ExportLabel = n.asbr.exportLabel
	}
	sp, err := bgp.New(sc)
	if err != nil {
		return nil, err
	}
	n.main = sp
	return n, nil
}

// Start (control lock held) asks for the VPN routes the VRFs import,
// installs their labels and follows the RIB.
func (n *Node) Start() {
	if len(n.vrfs) > 0 || n.onDemand {
		n.askImportRTs()
		n.env.RIB().ReplaceLSPs(router.ProtoIBGP, n.vrfLSPs())
	} else if n.asbr != nil {
		n.askImportRTs()
	}
	n.mu.Lock()
	n.started = true
	n.mu.Unlock()
	n.env.RIB().Watch(n.ribChanged)
	n.followNexthops()
	if n.res.follow() {
		n.main.Reresolve()
	}
}

// askImportRTs (control lock held): RT constraint (RFC 4684), the PE
// asks only for what its VRFs import. Reflectors never call it, and ask
// for everything. An option B ASBR (a WAN PE that is an sdn cloud's
// peer, the cloud's gateway) asks for its own VRFs' routes too, nothing
// when it has none: the membership its peers advertise passes through
// its speaker into its AS, so it is sent what they import, not every
// VPN's routes (a large lab's ASBRs each held all of them).
func (n *Node) askImportRTs() {
	var rts []bgp.ExtCommunity
	for _, v := range n.vrfs {
		for _, rt := range v.imports {
			if !slices.Contains(rts, rt) {
				rts = append(rts, rt)
			}
		}
	}
	for _, rt := range readvertiseRTs(n.vrfs) {
		if !slices.Contains(rts, rt) {
			rts = append(rts, rt)
		}
	}
	if n.beside != nil {
		for _, rt := range n.beside.ImportRTs() {
			if !slices.Contains(rts, rt) {
				rts = append(rts, rt)
			}
		}
	}
	slices.SortFunc(rts, func(a, b bgp.ExtCommunity) int { return slices.Compare(a[:], b[:]) })
	_ = n.Speaker().SetImportRTs(rts) // VRF import RTs are route targets by construction
}

// AskImportRTs (control lock held) asks again for what the VRFs and
// Config.Beside import, after the latter's route targets changed.
func (n *Node) AskImportRTs() { n.askImportRTs() }

// splitBeside passes the EVPN changes to Config.Beside and tells own of
// the others.
func (n *Node) splitBeside(own func()) func([]bgp.Change) {
	return func(changes []bgp.Change) {
		var evpn, rest []bgp.Change
		for _, c := range changes {
			if c.Family == bgp.EVPN {
				evpn = append(evpn, c)
			} else {
				rest = append(rest, c)
			}
		}
		if len(evpn) > 0 {
			n.beside.BestChanged(evpn)
		}
		if len(rest) > 0 || len(changes) == 0 {
			own()
		}
	}
}

// vrfList is the VRFs as they are now, from any goroutine.
func (n *Node) vrfList() []*vrf {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.vrfs
}

// nextHopSelf is the next hop of what the Node exports.
func (n *Node) nextHopSelf() netip.Addr {
	if n.nextHop.IsValid() {
		return n.nextHop
	}
	return n.env.Loopback().Addr()
}

// Announce has a site router originate exactly Config.Announce; call it
// whenever what that returns changes.
func (n *Node) Announce() error {
	if n.mode != Site || n.announce == nil {
		return nil
	}
	n.announceMu.Lock()
	defer n.announceMu.Unlock()
	ps := n.announce()
	set := make([]bgp.Origination, len(ps))
	for i, p := range ps {
		set[i] = bgp.Origination{Key: bgp.RouteKey{Prefix: p}, Attrs: bgp.Attrs{Origin: bgp.OriginIGP}}
	}
	return n.originate(n.Speaker(), bgp.IPv4Unicast, set)
}

// originate hands sp its whole set of f, counting what it refuses.
func (n *Node) originate(sp *bgp.Speaker, f bgp.Family, set []bgp.Origination) error {
	failed, err := sp.OriginateSet(f, set)
	n.countFailed(f, failed, err)
	return err
}

// countFailed counts and logs the routes of f a speaker refused to
// originate.
func (n *Node) countFailed(f bgp.Family, failed int, err error) {
	if failed > 0 {
		n.mu.Lock()
		n.failed += failed
		n.mu.Unlock()
		n.env.Event("bgp-originate-failed", fmt.Sprintf("%d %v routes not originated: %v", failed, f, err))
	}
}

// OriginateFailures counts the routes the Node's speakers refused to
// originate since it started.
func (n *Node) OriginateFailures() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.failed
}

// Speaker is the global speaker.
func (n *Node) Speaker() *bgp.Speaker {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.main
}

// IsASBR reports whether the Node swaps labels for inter-AS option B.
func (n *Node) IsASBR() bool { return n.asbr != nil }

// ASBRLabel is the label an ASBR advertises for a VPN route (false when
// it has none).
func (n *Node) ASBRLabel(k bgp.RouteKey) (uint32, bool) {
	if n.asbr == nil {
		return 0, false
	}
	n.asbr.mu.Lock()
	defer n.asbr.mu.Unlock()
	l, ok := n.asbr.byKey[k]
	return l, ok
}

// Resolver is the next-hop resolver of the speaker of vrf ("" the
// global one), nil without such a VRF.
func (n *Node) Resolver(vrfName string) *Resolver {
	if vrfName == "" {
		return n.res
	}
	if v := n.vrf(vrfName); v != nil {
		return v.res
	}
	return nil
}

// Close stops every speaker.
func (n *Node) Close() {
	n.Speaker().Close()
	for _, v := range n.vrfList() {
		if sp := n.VRFSpeaker(v.name); sp != nil {
			sp.Close()
		}
	}
}

// ribChanged is the RIB watcher (control lock held): next hops may
// resolve differently.
func (n *Node) ribChanged() {
	if n.res.Moved() {
		n.main.Reresolve()
	}
	for _, v := range n.vrfs {
		if v.res.Moved() && v.sp != nil {
			v.sp.Reresolve()
		}
	}
}

// changed returns the OnLocRIBChange of one of the node's speakers. It
// runs under that speaker's lock, so it only schedules sync on the
// router, which reads the new best paths from the speaker (snapshot).
func (n *Node) changed(name string) func() {
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if !n.restarting[name] {
			n.scheduleLocked()
		}
	}
}

// restartDone returns the OnRestartDone of one of the node's speakers: its
// deferral is over, so its Loc-RIB replaces what the router kept, and sync
// brings the RIB and the other speakers in line (runs under its lock).
func (n *Node) restartDone(name string) func() {
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if !n.restarting[name] {
			return
		}
		delete(n.kept, name)
		delete(n.restarting, name)
		n.full = true
		n.scheduleLocked()
	}
}

// syncHold is how long a sync waits after the first change that asks
// for it, as zebra holds its RIB work queue for 10 ms
// (ZEBRA_RIB_PROCESS_HOLD_TIME): the UPDATEs that a burst of sessions
// and flushes brings in over those milliseconds are synced together, in
// one pass over the VRFs and one RIB recompute each, instead of one per
// instant they arrived at.
const syncHold = 10 * time.Millisecond

// SyncPending reports whether a sync is scheduled and has not run yet:
// the Node heard changes that its RIB and speakers do not show yet.
func (n *Node) SyncPending() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.scheduled
}

// scheduleLocked (n.mu held) schedules one sync on the router.
func (n *Node) scheduleLocked() {
	if n.scheduled {
		return
	}
	n.scheduled = true
	n.env.AfterFunc(syncHold, n.sync)
}

// path is a speaker's best path for one key as sync uses it, with the
// attributes as the speaker interned them (bgp.BestPath).
type path = bgp.BestPath

// snapshot is the best paths of one speaker ("" the global one, else a
// VRF's name), in no order: read from its Loc-RIB, or while it is
// deferring after a restart those its predecessor had (kept). The
// families are those whose changes the Node is told of: not RTC, nor
// what Config.Beside takes (EVPN).
func (n *Node) snapshot(name string) []path {
	n.mu.Lock()
	kept, restarting := n.kept[name], n.restarting[name]
	sp := n.main
	if name != "" {
		sp = nil
		for _, v := range n.vrfs {
			if v.name == name {
				sp = v.sp
			}
		}
	}
	n.mu.Unlock()
	if restarting {
		return kept
	}
	if sp == nil {
		return nil
	}
	// Not under n.mu: the speaker calls changed, which takes it, with
	// its own lock held.
	return sp.BestPaths(n.ownFamilies(sp)...)
}

// sortPaths sorts ps by RD, then prefix.
func sortPaths(ps []path) {
	slices.SortFunc(ps, func(a, b path) int {
		if c := slices.Compare(a.Key.RD[:], b.Key.RD[:]); c != 0 {
			return c
		}
		return comparePrefix(a.Key.Prefix, b.Key.Prefix)
	})
}

// ownFamilies are sp's families whose best paths the Node uses.
func (n *Node) ownFamilies(sp *bgp.Speaker) []bgp.Family {
	return slices.DeleteFunc(sp.Families(), func(f bgp.Family) bool {
		return f == bgp.RTC || f == bgp.EVPN && n.beside != nil
	})
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// install replaces the node's BGP routes of one protocol in one VRF and
// logs a change as a control-plane event.
func (n *Node) install(p router.Protocol, vrf string, routes []router.Route) {
	if changed := n.env.RIB().ReplaceRoutes(p, vrf, routes); changed > 0 {
		n.logRoutes(p, vrf, changed)
	}
}

// update changes the node's BGP routes of one protocol in one VRF: routes
// replace those of their prefixes, the prefixes in gone lose theirs.
func (n *Node) update(p router.Protocol, vrf string, routes []router.Route, gone []netip.Prefix) {
	if len(routes) == 0 && len(gone) == 0 {
		return
	}
	if changed := n.env.RIB().UpdateRoutes(p, vrf, routes, gone); changed > 0 {
		n.logRoutes(p, vrf, changed)
	}
}

// logRoutes logs that count prefixes of the node's routes of one
// protocol in one VRF changed.
func (n *Node) logRoutes(p router.Protocol, vrf string, count int) {
	where := "global table"
	if vrf != "" {
		where = "vrf " + vrf
	}
	n.env.Event("bgp-routes", fmt.Sprintf("%d %s routes changed in the %s", count, p, where))
}

// sync (control lock held) brings the RIB and the node's speakers in line
// with the speakers' best paths: a site router installs what it learned;
// on a PE what CEs announce goes into the VRF and out as VPNv4, and VPNv4
// routes with an import RT go into the VRF and out to the CEs. It redoes
// only the destinations whose best path changed (diff.go), unless what
// changed is more than best paths (full).
func (n *Node) sync() {
	n.mu.Lock()
	n.scheduled = false
	full := n.full || len(n.restarting) > 0
	n.full = false
	n.mu.Unlock()
	defer n.releaseNexthops()
	// Taken before any best path is read: a change made meanwhile is
	// read now and again at the next sync, never lost.
	changes := n.takeChanges()
	if n.mode == Site {
		if full {
			n.install(router.ProtoEBGP, "", learned(n.snapshot("")))
		} else {
			n.updateLearned(changes.main)
		}
		return
	}
	if n.asbr != nil {
		if full {
			n.syncASBR()
		} else {
			n.updateASBR(changes.main)
		}
	}
	if len(n.vrfs) == 0 && !n.onDemand {
		return // a route reflector or a bare ASBR: it uses no VPN route in a VRF
	}
	if full || !n.followsChanges() || n.vpnRDs == nil {
		n.fullSyncs++
		n.syncVRFs()
		return
	}
	n.diffSyncs++
	n.updateVRFs(changes)
}

// learned turns learned best paths into RIB routes.
func learned(ps []path) []router.Route {
	var out []router.Route
	for i := range ps {
		if !ps[i].Local {
			out = append(out, learnedRoute(&ps[i]))
		}
	}
	return out
}

// learnedRoute is a learned best path as a RIB route.
func learnedRoute(p *path) router.Route {
	return router.Route{Prefix: p.Key.Prefix, Nexthops: []router.Nexthop{{Addr: p.Attrs.Value().NextHop}}}
}
