package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// BGP/MPLS IP VPNs (RFC 4364) in the lab.
//
// Speakers. Every node that the model's sessions name (PEs, route
// reflectors, CEs) runs a global speaker: VPNv4 and VPNv6 on PEs and
// reflectors, IPv4 unicast on CEs. A PE also runs one IPv4-unicast
// speaker per VRF for its PE–CE sessions, as FRR runs `router bgp ASN vrf
// NAME`: each VRF's routes live in their own table, and overlapping
// customer prefixes in different VRFs never meet. A dynamic-routing
// cloud's speaker runs only while its Neutron has one (cloudbgp.go).
//
// Transport. Speakers talk over in-memory networks on the lab clock
// (bgp.MemNetwork), one per address space: the global one (loopbacks,
// iBGP) and one per VPN (PE–CE link addresses, which different VPNs may
// reuse); or, with Options.BGPTransport "tcp", over real TCP between
// 127/8 addresses (tcpnet.go), and always so with external daemons
// (external.go). A session's two ends are reachable while each end's RIB has a
// non-BGP route to the other's address (in the VRF for the PE's end of a
// PE–CE session): when the IGP loses a loopback, or a PE–CE link goes
// down, the messages stop and the session dies by its hold timer, as with
// next-hop tracking; it comes back by itself when the route returns.
//
// Labels. A PE allocates one VPN label per VRF from its router's label
// manager and installs it in the LFIB as "pop, then route in the VRF".
// Routes its VRF speaker learns from CEs are exported as VPNv4 with the
// VRF's RD, export RTs, that label and the PE's loopback as next hop.
// VPNv4 routes carrying one of a VRF's import RTs are installed in the VRF
// with the remote PE's loopback as next hop and the VPN label, so the RIB
// manager pushes the transport label (LDP or SR) on top of it, and are
// originated in the VRF speaker, which advertises them to the CEs.
//
// Graceful restart (restart.go). RestartBGP replaces a node's speakers by
// restarted ones (RFC 4724 restarting role) and leaves the RIB alone: the
// new speakers' best paths collect in bgpState.pending while sync keeps
// working from best — the routes the router kept forwarding on — so the
// new speakers are given everything to originate again at once, and each
// one's Loc-RIB replaces the kept routes only when its deferral is over.
//
// Locks. A speaker reports best-path changes under its own lock, from
// whatever goroutine runs its clock callback; the lab must not touch the
// router there. OnBestChange only marks the node dirty and schedules
// sync with Router.AfterFunc(0), which runs under the router's control
// lock; sync reads the speakers, replaces the BGP routes in the RIB and
// originates or withdraws routes in the node's speakers. The only lock
// order is therefore control lock -> speaker lock -> RIB lock (the
// resolver reads the RIB under the speaker lock); nothing takes them the
// other way round.

// bgpState is the BGP side of one node.
type bgpState struct {
	l    *Lab
	n    *Node
	main *bgp.Speaker
	res  *resolver   // main's
	vrfs []*vrfState // PEs only, sorted by name

	mu        sync.Mutex
	scheduled bool
	// best is each speaker's best paths as its changes reported them:
	// "" for the global speaker, a VRF's name for the PE's VRF speaker.
	best map[string]map[bgp.RouteKey]*bgp.Route
	// restarting names the speakers (as in best) that RestartBGP
	// restarted and that are still deferring (RFC 4724): their changes
	// collect in pending, while sync keeps using best — the state the
	// router kept forwarding on — until the new speaker's restart is done.
	restarting map[string]bool
	pending    map[string]map[bgp.RouteKey]*bgp.Route
	// keepers is how many peers kept the node's routes across its last
	// restart (restarted: there was one), for RestartBGP's answer.
	keepers   int
	restarted bool

	// asbr holds an ASBR's per-route labels (inter-AS option B; nil
	// elsewhere).
	asbr *asbrLabels

	// sessions are the node's sessions, whose liveness its RIB decides.
	sessions []*bgpSession

	// What sync originated last time, so it only tells speakers changes.
	exported map[bgp.RouteKey]originated // into main (VPNv4)
	// What sync gave the RIB last time, per protocol and VRF.
	installed map[ribKey][]router.Route
}

type ribKey struct {
	proto router.Protocol
	vrf   string
}

// install replaces the node's BGP routes of one protocol in one VRF when
// they changed, and logs the change as a control-plane event.
func (st *bgpState) install(p router.Protocol, vrf string, routes []router.Route) {
	k := ribKey{p, vrf}
	if slices.EqualFunc(st.installed[k], routes, sameRoute) {
		return
	}
	st.installed[k] = routes
	st.n.Router.RIB().ReplaceRoutes(p, vrf, routes)
	where := "global table"
	if vrf != "" {
		where = "vrf " + vrf
	}
	st.n.Router.Event("bgp-routes", fmt.Sprintf("%d %s routes in the %s", len(routes), p, where))
}

type originated struct {
	label uint32
	attrs bgp.Attrs
}

// vrfState is one VRF on a PE.
type vrfState struct {
	name    string
	rd      bgp.RD
	imports []bgp.ExtCommunity
	exports []bgp.ExtCommunity
	label   uint32
	sp      *bgp.Speaker
	res     *resolver
	// imported is what sync originated in sp from VPNv4 routes.
	imported map[netip.Prefix]bgp.Attrs
	// perPrefix: a label per CE route (prefixlabels.go), in prefixLabels.
	perPrefix    bool
	prefixLabels map[netip.Prefix]prefixLabel
}

// bgpSession is one configured session, for readiness and liveness.
type bgpSession struct {
	net        bgpNet
	a, b       *Node
	aVRF, bVRF string
	aAddr      netip.Addr // each end's address in the emulated network
	bAddr      netip.Addr
	aKey, bKey netip.Addr   // and on the transport: the same in memory, 127/8 over TCP
	aSp, bSp   *bgp.Speaker // read and replaced (RestartBGP) under Lab.bgpMu
	up         bool         // both ends route to each other
}

// BGP is a node's global BGP speaker (nil when the node runs none).
func (n *Node) BGP() *bgp.Speaker {
	if n.bgp == nil {
		return nil
	}
	// RestartBGP replaces the speakers under bgpMu.
	n.bgp.l.bgpMu.Lock()
	defer n.bgp.l.bgpMu.Unlock()
	return n.bgp.main
}

// VRFBGP is a PE's BGP speaker for one VRF (nil when there is none).
func (n *Node) VRFBGP(vrf string) *bgp.Speaker {
	if n.bgp == nil {
		return nil
	}
	n.bgp.l.bgpMu.Lock()
	defer n.bgp.l.bgpMu.Unlock()
	for _, v := range n.bgp.vrfs {
		if v.name == vrf {
			return v.sp
		}
	}
	return nil
}

// VPNLabel is the label a PE allocated for a VRF (0 when none).
func (n *Node) VPNLabel(vrf string) uint32 {
	if n.bgp == nil {
		return 0
	}
	for _, v := range n.bgp.vrfs {
		if v.name == vrf {
			return v.label
		}
	}
	return 0
}

// builds reports whether the lab builds a session: iBGP VPNv4 among PEs
// and reflectors, and eBGP between a PE's VRF and a CE. A CE in no VPN
// stays statically routed in the global table. Clouds' sessions are
// built apart (cloudbgp.go): their speakers come and go with Neutron.
func (l *Lab) builds(s topology.Session) bool {
	a, b := l.nodes[s.A], l.nodes[s.B]
	if a == nil || b == nil {
		return false
	}
	switch s.Kind {
	case topology.SessionIBGPVPN, topology.SessionRRMesh, topology.SessionInterAS:
		return a.Model.Role.IsCore() && b.Model.Role.IsCore()
	case topology.SessionPECE:
		return s.VRF != "" && a.Model.Role == topology.RolePE && b.Model.Role == topology.RoleCE
	}
	return false
}

// buildBGP creates the speakers, the VPN labels and the sessions, then
// starts them (startBGP).
func (l *Lab) buildBGP() error {
	l.bgpNets = map[string]*bgp.MemNetwork{"": bgp.NewMemNetwork(l.clk)}
	switch l.opts.BGPTransport {
	case "", "memory":
	case "tcp":
		l.tcp = newTCPNet()
	default:
		return fmt.Errorf("bgp transport %q: want memory or tcp", l.opts.BGPTransport)
	}
	for _, s := range l.Model.Sessions {
		if !l.builds(s) {
			continue
		}
		for _, name := range []string{s.A, s.B} {
			if err := l.ensureSpeaker(l.nodes[name]); err != nil {
				return err
			}
		}
	}
	for _, vpn := range l.Model.VPNs {
		imports, err := parseRTs(vpn.Import)
		if err != nil {
			return fmt.Errorf("vpn %s: %w", vpn.Name, err)
		}
		exports, err := parseRTs(vpn.Export)
		if err != nil {
			return fmt.Errorf("vpn %s: %w", vpn.Name, err)
		}
		if l.bgpNets[vpn.Name] == nil {
			l.bgpNets[vpn.Name] = bgp.NewMemNetwork(l.clk)
		}
		for _, v := range vpn.VRFs {
			n := l.nodes[v.PE]
			if err := l.ensureSpeaker(n); err != nil {
				return err
			}
			rd, err := bgp.ParseRD(v.RD)
			if err != nil {
				return fmt.Errorf("vpn %s on %s: %w", vpn.Name, v.PE, err)
			}
			vs := &vrfState{name: vpn.Name, rd: rd, imports: imports, exports: exports, imported: map[netip.Prefix]bgp.Attrs{},
				perPrefix: vpn.Labels == topology.LabelsPerPrefix, prefixLabels: map[netip.Prefix]prefixLabel{}}
			lt := &listeners{net: l.bgpNets[vpn.Name], port: l.bgpPort()}
			for _, s := range l.Model.Sessions {
				if s.Kind == topology.SessionPECE && s.A == v.PE && s.VRF == vpn.Name {
					lt.add(l.bgpNets[vpn.Name], s.AAddr)
				}
				if isCloudUnicast(s) && s.A == v.PE && s.VRF == vpn.Name {
					lt.add(l.cloudNet(s), s.AAddr)
				}
			}
			res := newResolver(n, vpn.Name)
			tr, listen, err := l.speakerTransport(v.PE, vpn.Name, lt)
			if err != nil {
				return err
			}
			sp, err := bgp.New(bgp.Config{
				ASN: n.Model.ASN, RouterID: n.Model.RouterID, Families: []bgp.Family{bgp.IPv4Unicast},
				Transport: tr, ListenAddr: listen, Clock: l.clk,
				Resolver:      res.Resolve,
				OnBestChange:  n.bgp.changedIn(vpn.Name),
				OnRestartDone: n.bgp.restartDone(vpn.Name),
				OnFiltered:    n.bgp.filtered,
			})
			if err != nil {
				return fmt.Errorf("%s vrf %s: %w", v.PE, vpn.Name, err)
			}
			vs.sp, vs.res = sp, res
			n.Router.Do(func() { vs.label = n.Router.RIB().AllocateLabel() })
			n.bgp.vrfs = append(n.bgp.vrfs, vs)
		}
	}
	if err := l.planExternals(); err != nil {
		return err
	}
	if err := l.planCloudSessions(); err != nil {
		return err
	}
	for _, n := range l.order {
		if n.bgp == nil {
			continue
		}
		slices.SortFunc(n.bgp.vrfs, func(a, b *vrfState) int { return strings.Compare(a.name, b.name) })
		if len(n.bgp.vrfs) > 0 {
			// RT constraint (RFC 4684): the PE asks only for what its VRFs
			// import. Reflectors and ASBRs without VRFs ask for everything.
			var rts []bgp.ExtCommunity
			for _, v := range n.bgp.vrfs {
				for _, rt := range v.imports {
					if !slices.Contains(rts, rt) {
						rts = append(rts, rt)
					}
				}
			}
			n.bgp.main.SetImportRTs(rts)
			lsps := n.bgp.vrfLSPs()
			n.Router.Do(func() { n.Router.RIB().ReplaceLSPs(router.ProtoIBGP, lsps) })
		}
	}
	for _, s := range l.Model.Sessions {
		if !l.builds(s) {
			continue
		}
		a, b := l.nodes[s.A], l.nodes[s.B]
		bs := &bgpSession{net: l.bgpNets[""], a: a, b: b, aAddr: s.AAddr, bAddr: s.BAddr, aKey: s.AAddr, bKey: s.BAddr, aSp: a.bgp.main, bSp: b.bgp.main}
		if s.Kind == topology.SessionPECE {
			bs.net, bs.aVRF = l.bgpNets[s.VRF], s.VRF
			bs.aSp = a.VRFBGP(s.VRF)
			if l.bgpNets[s.VRF] == nil || bs.aSp == nil {
				return fmt.Errorf("bgp session %s-%s: %s has no vrf %q", s.A, s.B, s.A, s.VRF)
			}
		}
		if l.tcp != nil {
			bs.net = l.tcp
			bs.aKey, _ = l.SpeakerAddr(s.A, bs.aVRF)
			bs.bKey, _ = l.SpeakerAddr(s.B, "")
		}
		l.bgpSessions = append(l.bgpSessions, bs)
		a.bgp.sessions = append(a.bgp.sessions, bs)
		b.bgp.sessions = append(b.bgp.sessions, bs)
		l.bgpPeers = append(l.bgpPeers, s)
	}
	return l.startBGP()
}

func parseRTs(list []string) ([]bgp.ExtCommunity, error) {
	var out []bgp.ExtCommunity
	for _, s := range list {
		rt, err := bgp.ParseRouteTarget(s)
		if err != nil {
			return nil, err
		}
		out = append(out, rt)
	}
	return out, nil
}

// ensureSpeaker gives n its global speaker.
func (l *Lab) ensureSpeaker(n *Node) error {
	if n.bgp != nil {
		return nil
	}
	// VPNv6 rides along (RFC 4659): the lab's data plane is IPv4, so only
	// external peers fill it, but PEs and reflectors carry it between them.
	fams := []bgp.Family{bgp.VPNv4, bgp.VPNv6}
	if !n.Model.Role.IsCore() {
		fams = []bgp.Family{bgp.IPv4Unicast}
	}
	lt := &listeners{net: l.bgpNets[""], port: l.bgpPort()}
	if n.Model.Space == "" {
		// A site's loopback is in its VPN's space, which may reuse it.
		lt.add(l.bgpNets[""], n.Model.Loopback.Addr())
	}
	for _, s := range l.Model.Sessions {
		if s.Kind == topology.SessionInterAS && (s.A == n.Model.Name || s.B == n.Model.Name) {
			lt.add(l.bgpNets[""], pick(s.A == n.Model.Name, s.AAddr, s.BAddr))
		}
		if isCloudUnicast(s) && s.A == n.Model.Name && s.VRF == "" {
			lt.add(l.cloudNet(s), s.AAddr) // the cloud's dragent connects here
		}
		if s.Kind == topology.SessionPECE && s.B == n.Model.Name {
			if l.bgpNets[s.VRF] == nil {
				l.bgpNets[s.VRF] = bgp.NewMemNetwork(l.clk)
			}
			lt.add(l.bgpNets[s.VRF], s.BAddr)
		}
	}
	st := &bgpState{l: l, n: n, best: map[string]map[bgp.RouteKey]*bgp.Route{},
		restarting: map[string]bool{}, pending: map[string]map[bgp.RouteKey]*bgp.Route{},
		exported: map[bgp.RouteKey]originated{}, installed: map[ribKey][]router.Route{}}
	st.res = newResolver(n, "")
	var exportLabel func(bgp.Family, bgp.RouteKey, uint32) uint32
	if l.isASBR(n) {
		st.asbr = &asbrLabels{rib: n.Router.RIB(), byKey: map[bgp.RouteKey]uint32{}}
		exportLabel = st.asbr.exportLabel
	}
	if l.tcp == nil && l.opts.BGPPort != 0 && l.hasExternalPeer(n) {
		// External daemons that only connect out find the router on its
		// TCP address (over TCP every speaker listens there anyway). In
		// memory only on a port the caller chose: binding 179 unasked
		// would take it from a lab running over TCP beside this one.
		if a, ok := l.TCPAddr(n.Model.Name); ok {
			lt.tcp = netip.AddrPortFrom(a, l.bgpPort())
		}
	}
	tr, listen, err := l.speakerTransport(n.Model.Name, "", lt)
	if err != nil {
		return err
	}
	sp, err := bgp.New(bgp.Config{
		ASN: n.Model.ASN, RouterID: n.Model.RouterID, ClusterID: n.Model.ClusterID, Families: fams,
		Transport: tr, ListenAddr: listen, Clock: l.clk,
		Resolver:      st.res.Resolve,
		ExportLabel:   exportLabel,
		OnBestChange:  st.changedIn(""),
		OnRestartDone: st.restartDone(""),
		OnFiltered:    st.filtered,
	})
	if err != nil {
		return fmt.Errorf("%s: %w", n.Model.Name, err)
	}
	if lt.tcpErr != nil {
		n.Router.Event("bgp-listen", fmt.Sprintf("external peers must wait for the lab to connect: %v", lt.tcpErr))
	}
	st.main = sp
	n.bgp = st
	return nil
}

// resolver is a speaker's view of its router's RIB: the cost of the
// longest non-BGP match for a next hop (BGP routes never resolve BGP next
// hops). It runs under the speaker's lock and takes only the RIB's and its
// own. It remembers its answers, so that a RIB change that moves none of
// them costs the speaker no new decision.
type resolver struct {
	rib router.RIB
	vrf string
	// external are external peers' addresses: outside the emulated
	// network, reachable at cost 0 (see external.go).
	external map[netip.Addr]bool

	mu     sync.Mutex
	answer map[netip.Addr]resolved
}

type resolved struct {
	cost uint32
	ok   bool
}

func newResolver(n *Node, vrf string) *resolver {
	return &resolver{rib: n.Router.RIB(), vrf: vrf, answer: map[netip.Addr]resolved{}}
}

// Resolve is the speaker's Config.Resolver.
// The lookup is made under r.mu, so that a RIB change cannot slip
// between it and the record that moved checks.
func (r *resolver) Resolve(a netip.Addr) (uint32, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.external[a] {
		return 0, true
	}
	cost, ok := resolve(r.rib, r.vrf, a)
	r.answer[a] = resolved{cost, ok}
	return cost, ok
}

// addExternal makes a reachable: the address of an external peer.
func (r *resolver) addExternal(a netip.Addr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.external == nil {
		r.external = map[netip.Addr]bool{}
	}
	r.external[a] = true
}

// moved reports whether any answer given so far would now be different.
func (r *resolver) moved() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	moved := false
	for a, old := range r.answer {
		cost, ok := resolve(r.rib, r.vrf, a)
		if (resolved{cost, ok}) != old {
			r.answer[a] = resolved{cost, ok}
			moved = true
		}
	}
	return moved
}

func resolve(rib router.RIB, vrf string, a netip.Addr) (uint32, bool) {
	if !a.Is4() {
		return 0, false
	}
	for bits := 32; bits >= 0; bits-- {
		r, ok := rib.Best(vrf, netip.PrefixFrom(a, bits).Masked())
		if ok && r.Proto != router.ProtoEBGP && r.Proto != router.ProtoIBGP && len(r.Nexthops) > 0 {
			return r.Metric, true
		}
	}
	return 0, false
}

// startBGP adds every session's peers and the CEs' originated routes: the
// speakers start dialling at once, and the sessions come up as soon as
// their ends route to each other (on a virtual clock, once it runs).
func (l *Lab) startBGP() error {
	for _, n := range l.order {
		if n.bgp == nil {
			continue
		}
		st := n.bgp
		n.Router.Do(func() {
			n.Router.RIB().Watch(st.ribChanged)
		})
	}
	l.checkLiveness(l.bgpSessions, true)
	for i, s := range l.bgpPeers {
		bs := l.bgpSessions[i]
		// Model sessions say A is a client of reflector B; B configures it.
		// An ASBR puts itself in the path of what it brings into its AS.
		a := bgp.PeerConfig{Addr: bs.bKey, Port: l.bgpPort(), ASN: s.BASN, LocalAddr: bs.aKey, NextHop: s.AAddr, Description: s.B, Transport: bs.net,
			NextHopSelf: s.Kind == topology.SessionIBGPVPN && bs.a.bgp.asbr != nil,
			ASOverride:  s.Kind == topology.SessionPECE && l.siteASNRepeats(s)}
		b := bgp.PeerConfig{Addr: bs.aKey, Port: l.bgpPort(), ASN: s.AASN, LocalAddr: bs.bKey, NextHop: s.BAddr, RRClient: s.RRClient, Description: s.A, Transport: bs.net,
			NextHopSelf: s.Kind == topology.SessionIBGPVPN && bs.b.bgp.asbr != nil}
		if err := bs.aSp.AddPeer(a); err != nil {
			return fmt.Errorf("bgp %s -> %s: %w", s.A, s.B, err)
		}
		if err := bs.bSp.AddPeer(b); err != nil {
			return fmt.Errorf("bgp %s -> %s: %w", s.B, s.A, err)
		}
	}
	if err := l.startExternals(); err != nil {
		return err
	}
	if err := l.startCloudPeers(); err != nil {
		return err
	}
	for _, n := range l.order {
		if n.bgp == nil || n.Model.Role.IsCore() {
			continue
		}
		for _, p := range l.ceOriginates(n) {
			if err := n.bgp.main.Originate(bgp.IPv4Unicast, bgp.RouteKey{Prefix: p}, 0, bgp.Attrs{Origin: bgp.OriginIGP}); err != nil {
				return fmt.Errorf("%s: %w", n.Model.Name, err)
			}
		}
	}
	return nil
}

// ceOriginates is what a CE announces to its PE: its loopback, the
// subnets of its links and what hangs below it (statically routed).
func (l *Lab) ceOriginates(n *Node) []netip.Prefix {
	out := []netip.Prefix{n.Model.Loopback}
	for _, ifc := range n.Model.Interfaces {
		if ifc.Addr.IsValid() {
			out = append(out, ifc.Addr.Masked())
		}
	}
	out = append(out, l.below[n.Model.Name]...)
	out = append(out, l.cloudAnnounced(n.Model.Name)...) // floating ranges (cloud.go)
	slices.SortFunc(out, comparePrefix)
	return slices.Compact(out)
}

// checkLiveness lets messages flow between the ends of each of the
// sessions whose ends route to each other, and stops them otherwise.
func (l *Lab) checkLiveness(sessions []*bgpSession, force bool) {
	l.bgpMu.Lock()
	defer l.bgpMu.Unlock()
	for _, s := range sessions {
		_, aOK := resolve(s.a.Router.RIB(), s.aVRF, s.bAddr)
		_, bOK := resolve(s.b.Router.RIB(), s.bVRF, s.aAddr)
		up := aOK && bOK
		if up != s.up || force {
			s.net.SetReachable(s.aKey, s.bKey, up)
			s.up = up
		}
	}
}

// ribChanged is the node's RIB watcher (control lock held): next hops
// may resolve differently, and sessions may have gained or lost their path.
func (st *bgpState) ribChanged() {
	if st.res.moved() {
		st.main.Reresolve()
	}
	for _, v := range st.vrfs {
		if v.res.moved() {
			v.sp.Reresolve()
		}
	}
	st.l.checkLiveness(st.sessions, false)
}

// changedIn returns the OnBestChange of one of the node's speakers. It
// runs under that speaker's lock, so it only records the new best paths
// and schedules sync on the router.
func (st *bgpState) changedIn(name string) func([]bgp.Change) {
	return func(changes []bgp.Change) {
		st.mu.Lock()
		defer st.mu.Unlock()
		into := st.best
		if st.restarting[name] {
			into = st.pending
		}
		m := into[name]
		if m == nil {
			m = map[bgp.RouteKey]*bgp.Route{}
			into[name] = m
		}
		for _, c := range changes {
			if c.Best == nil {
				delete(m, c.Key)
			} else {
				m[c.Key] = c.Best
			}
		}
		if !st.restarting[name] {
			st.scheduleLocked()
		}
	}
}

// restartDone returns the OnRestartDone of one of the node's speakers: its
// deferral is over, so its Loc-RIB replaces what the router kept, and sync
// brings the RIB and the other speakers in line (runs under its lock).
func (st *bgpState) restartDone(name string) func() {
	return func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		if !st.restarting[name] {
			return
		}
		st.best[name] = st.pending[name]
		delete(st.pending, name)
		delete(st.restarting, name)
		st.scheduleLocked()
	}
}

// scheduleLocked (st.mu held) schedules one sync on the router.
func (st *bgpState) scheduleLocked() {
	if st.scheduled {
		return
	}
	st.scheduled = true
	st.n.Router.AfterFunc(0, st.sync)
}

// snapshot copies the best paths of one speaker, sorted by key.
func (st *bgpState) snapshot(name string) []*bgp.Route {
	st.mu.Lock()
	out := make([]*bgp.Route, 0, len(st.best[name]))
	for _, r := range st.best[name] {
		out = append(out, r)
	}
	st.mu.Unlock()
	slices.SortFunc(out, func(a, b *bgp.Route) int {
		if c := slices.Compare(a.Key.RD[:], b.Key.RD[:]); c != 0 {
			return c
		}
		return comparePrefix(a.Key.Prefix, b.Key.Prefix)
	})
	return out
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

// sync (control lock held) brings the RIB and the node's speakers in line
// with the speakers' best paths: what CEs announce goes into the VRF and
// out as VPNv4; VPNv4 routes with an import RT go into the VRF and out to
// the CEs.
func (st *bgpState) sync() {
	st.mu.Lock()
	st.scheduled = false
	st.mu.Unlock()
	if !st.n.Model.Role.IsCore() { // a CE: its learned routes
		st.install(router.ProtoEBGP, "", learned(st.snapshot("")))
		return
	}
	if st.asbr != nil {
		st.syncASBR()
	}
	if len(st.vrfs) == 0 {
		return // a route reflector or a bare ASBR: it uses no VPN route in a VRF
	}
	self := st.n.Model.Loopback.Addr()
	vpn := st.snapshot("")
	want := map[bgp.RouteKey]originated{}
	perPrefix := false
	for _, v := range st.vrfs {
		var fromCE []*bgp.Route
		isCE := map[netip.Prefix]bool{}
		for _, r := range st.snapshot(v.name) {
			if r.Local {
				continue // imported from VPNv4 by sync itself
			}
			fromCE = append(fromCE, r)
			isCE[r.Key.Prefix] = true
			a := r.Attrs
			a.NextHop = self
			a.ExtCommunities = bgp.PackExtCommunities(v.exports)
			a.LocalPref, a.HasLocalPref = 0, false
			want[bgp.RouteKey{RD: v.rd, Prefix: r.Key.Prefix}] = originated{label: v.exportLabel(st.n, r), attrs: a}
		}
		if v.perPrefix {
			v.releasePrefixLabels(st.n, isCE)
			perPrefix = true
		}
		st.install(router.ProtoEBGP, v.name, learned(fromCE))
		// Import: one path per prefix, from the lowest RD (vpn is sorted).
		var routes []router.Route
		imp := map[netip.Prefix]bgp.Attrs{}
		for _, r := range vpn {
			// VPNv6 routes are carried, not used: the data plane is IPv4.
			if r.Family != bgp.VPNv4 || r.Local || r.NextHop == self || isCE[r.Key.Prefix] || !importable(r, v.imports) {
				continue
			}
			if _, dup := imp[r.Key.Prefix]; dup {
				continue
			}
			imp[r.Key.Prefix] = bgp.Attrs{Origin: r.Attrs.Origin, ASPath: r.Attrs.ASPath, MED: r.Attrs.MED, HasMED: r.Attrs.HasMED}
			routes = append(routes, router.Route{
				Prefix:   r.Key.Prefix,
				Nexthops: []router.Nexthop{{Addr: r.NextHop, Labels: []uint32{r.Label}}},
				Info:     "vpn " + r.Key.RD.String(),
			})
		}
		slices.SortFunc(routes, func(a, b router.Route) int { return comparePrefix(a.Prefix, b.Prefix) })
		st.install(router.ProtoIBGP, v.name, routes)
		for p := range v.imported {
			if _, ok := imp[p]; !ok {
				_ = v.sp.Withdraw(bgp.IPv4Unicast, bgp.RouteKey{Prefix: p})
				delete(v.imported, p)
			}
		}
		for p, a := range imp {
			if old, ok := v.imported[p]; ok && old == a {
				continue
			}
			if err := v.sp.Originate(bgp.IPv4Unicast, bgp.RouteKey{Prefix: p}, 0, a); err == nil {
				v.imported[p] = a
			}
		}
	}
	if perPrefix {
		st.n.Router.RIB().ReplaceLSPs(router.ProtoIBGP, st.vrfLSPs())
	}
	for k := range st.exported {
		if _, ok := want[k]; !ok {
			_ = st.main.Withdraw(bgp.VPNv4, k)
			delete(st.exported, k)
		}
	}
	for k, o := range want {
		if old, ok := st.exported[k]; ok && old == o {
			continue
		}
		if err := st.main.Originate(bgp.VPNv4, k, o.label, o.attrs); err == nil {
			st.exported[k] = o
		}
	}
}

// learned turns learned best paths into RIB routes.
func learned(rs []*bgp.Route) []router.Route {
	var out []router.Route
	for _, r := range rs {
		if r.Local {
			continue
		}
		out = append(out, router.Route{Prefix: r.Key.Prefix, Nexthops: []router.Nexthop{{Addr: r.NextHop}}})
	}
	return out
}

func sameRoute(a, b router.Route) bool {
	return a.Prefix == b.Prefix && a.Metric == b.Metric && a.Info == b.Info &&
		slices.EqualFunc(a.Nexthops, b.Nexthops, func(x, y router.Nexthop) bool {
			return x.Addr == y.Addr && x.Iface == y.Iface && slices.Equal(x.Labels, y.Labels)
		})
}

func importable(r *bgp.Route, imports []bgp.ExtCommunity) bool {
	for _, rt := range r.Attrs.RouteTargets() {
		if slices.Contains(imports, rt) {
			return true
		}
	}
	return false
}

// bgpCounts counts configured sessions whose ends route to each other and
// how many of those are Established.
func (l *Lab) bgpCounts() (live, established int) {
	l.bgpMu.Lock()
	sessions := slices.Clone(l.bgpSessions)
	ups := make([]bool, len(sessions))
	sps := make([][2]*bgp.Speaker, len(sessions)) // RestartBGP replaces them
	for i, s := range sessions {
		ups[i] = s.up
		sps[i] = [2]*bgp.Speaker{s.aSp, s.bSp}
	}
	l.bgpMu.Unlock()
	for i, s := range sessions {
		if !ups[i] {
			continue
		}
		live++
		if sps[i][0].PeerState(s.bKey) == bgp.Established && sps[i][1].PeerState(s.aKey) == bgp.Established {
			established++
		}
	}
	return live, established
}

// closeBGP stops every speaker.
func (l *Lab) closeBGP() {
	l.closeClouds()
	for _, n := range l.order {
		if n.bgp == nil {
			continue
		}
		n.BGP().Close()
		for _, v := range n.bgp.vrfs {
			n.VRFBGP(v.name).Close()
		}
	}
}

// listeners is a speaker's transport in the lab: it dials on one
// in-memory network and listens on several (network, address) pairs — a
// CE accepts its iBGP... its PE's connection on the link address in the
// VPN's network, and a PE's VRF speaker on each CE-facing address.
type listeners struct {
	net *bgp.MemNetwork // for dialling, unless a peer names its own
	on  []listenOn
	// port is where peers dial (Lab.bgpPort); 179 when zero.
	port uint16
	// tcp, when valid, is a real TCP address the speaker also accepts on:
	// a router's TCP address, for external daemons that only connect
	// out (bagpipe-bgp). Best effort: tcpErr says why it could not.
	tcp    netip.AddrPort
	tcpErr error
}

type listenOn struct {
	net  *bgp.MemNetwork
	addr netip.AddrPort
}

func (t *listeners) add(n *bgp.MemNetwork, a netip.Addr) {
	port := t.port
	if port == 0 {
		port = 179
	}
	t.on = append(t.on, listenOn{n, netip.AddrPortFrom(a, port)})
}

func (t *listeners) first() netip.AddrPort {
	if len(t.on) == 0 {
		return netip.AddrPort{}
	}
	return t.on[0].addr
}

// Listen implements bgp.Transport: it listens on every pair (addr is the
// first, as the speaker was configured).
func (t *listeners) Listen(_ netip.AddrPort, accept func(bgp.Conn)) (netip.AddrPort, func(), error) {
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	for _, o := range t.on {
		_, stop, err := o.net.Listen(o.addr, accept)
		if err != nil {
			stopAll()
			return netip.AddrPort{}, nil, err
		}
		stops = append(stops, stop)
	}
	if t.tcp.IsValid() {
		if _, stop, err := (bgp.TCP{}).Listen(t.tcp, accept); err != nil {
			t.tcpErr = err // the lab still dials the daemon itself
		} else {
			stops = append(stops, stop)
		}
	}
	return t.first(), stopAll, nil
}

// Dial implements bgp.Transport.
func (t *listeners) Dial(local netip.Addr, remote netip.AddrPort, done func(bgp.Conn, error)) {
	t.net.Dial(local, remote, done)
}

// vrf returns the PE's VRF called name, or nil.
func (st *bgpState) vrf(name string) *vrfState {
	for _, v := range st.vrfs {
		if v.name == name {
			return v
		}
	}
	return nil
}

// bgpNet is where a session's messages flow: an in-memory network or the
// lab's TCP one; both follow the emulated network's reachability.
type bgpNet interface {
	bgp.Transport
	SetReachable(a, b netip.Addr, up bool)
}

// speakerTransport is the transport and listening address of node's
// speaker (for vrf, or its global one): lt, the in-memory networks, or
// over TCP the speaker's own 127/8 address.
func (l *Lab) speakerTransport(node, vrf string, lt *listeners) (bgp.Transport, netip.AddrPort, error) {
	if l.tcp == nil {
		return lt, lt.first(), nil
	}
	a, ok := l.SpeakerAddr(node, vrf)
	if !ok {
		return nil, netip.AddrPort{}, fmt.Errorf("%s: no BGP address in %v for vrf %q", node, l.tcpBase(), vrf)
	}
	return l.tcp, netip.AddrPortFrom(a, l.bgpPort()), nil
}

// siteASNRepeats reports whether another site of the PE–CE session's VPN
// has the CE's ASN: customers often number every site alike, and the PE
// then rewrites their ASN to its own (as-override) so that the sites
// accept each other's routes despite RFC 4271's loop check.
func (l *Lab) siteASNRepeats(s topology.Session) bool {
	for _, o := range l.Model.Sessions {
		if o.Kind == topology.SessionPECE && o.VRF == s.VRF && o.B != s.B && o.BASN == s.BASN {
			return true
		}
	}
	return false
}
