package bgp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

// Config is one speaker's configuration.
type Config struct {
	ASN      uint32
	RouterID netip.Addr
	// ClusterID is the route-reflection cluster id (default RouterID).
	ClusterID netip.Addr
	// Families the speaker carries (default IPv4 unicast). RTC is added
	// to a VPNv4 or VPNv6 speaker's unless NoRTConstraint.
	Families []Family
	// NoRTConstraint turns route target constraint (RFC 4684) off: a
	// VPN speaker then neither offers the RTC family nor filters VPN
	// routes by its peers' membership.
	NoRTConstraint bool
	// ListenAddr, when valid, is where the speaker accepts connections
	// (127.0.0.x:179 in a lab; port 0 picks one, see Speaker.ListenAddr).
	ListenAddr netip.AddrPort
	// Transport for listening and, unless a peer names its own, dialling
	// (default TCP).
	Transport Transport
	// Clock runs every timer (default the wall clock).
	Clock clock.Clock
	// Resolver gives the IGP cost to a BGP next hop and whether it is
	// reachable at all (nil: every next hop reachable at cost 0). Call
	// Speaker.Reresolve when its answers change.
	Resolver func(nexthop netip.Addr) (cost uint32, reachable bool)
	// HoldTime proposed in OPEN (default 90 s; keepalives every third).
	HoldTime time.Duration
	// ConnectRetry is the first retry delay after a failed or lost
	// session, doubled per failure up to MaxConnectRetry (defaults 250 ms
	// and 8 s): sessions come up as soon as both ends are configured and
	// recover quickly, without hammering an absent peer.
	ConnectRetry, MaxConnectRetry time.Duration
	// RestartTime is advertised in the graceful-restart capability
	// (default 120 s).
	RestartTime time.Duration
	// Restarting starts the speaker in the RFC 4724 restarting role: its
	// OPEN sets the Restart State bit and says forwarding state was kept
	// for every family, and it sends its peers nothing — no routes, no
	// End-of-RIB — until every configured peer has sent its End-of-RIB
	// or SelectionDeferral runs out, so that helpers keep its old routes
	// (stale) until it has its full table to replace them with.
	Restarting bool
	// SelectionDeferral bounds that wait (default half the RestartTime,
	// so that helpers still hold our routes when we finally advertise).
	SelectionDeferral time.Duration
	// OnRestartDone, if set, runs (with the lock held, after every best
	// change the restart produced) when a restarting speaker ends its
	// deferral: its Loc-RIB is then as complete as it will get.
	OnRestartDone func()
	// ExportLabel, if set, gives the label to advertise for a learned
	// labelled route (VPNv4, VPNv6, IPv4 labelled unicast) whose next
	// hop this speaker rewrites to itself (to an eBGP peer, or with
	// next-hop-self): an inter-AS option B ASBR
	// allocates a label of its own per route and switches it to the
	// route's label (RFC 4364 10b). It runs with the speaker's lock held;
	// 0 keeps the route's label.
	ExportLabel func(f Family, k RouteKey, label uint32) uint32
	// OnBestChange reports Loc-RIB best-path changes, batched. It runs
	// with the speaker's lock held: it must not call the Speaker.
	OnBestChange func([]Change)
	// OnLocRIBChange, if set, is told after every event that changed a
	// best path (of any family but RTC), after OnBestChange, with the
	// lock held (it must not call the Speaker): an owner that reads the
	// best paths again (BestPaths) needs no Change, whose Route is a copy
	// of the path's attributes built for each change.
	OnLocRIBChange func()
	// TrackChanges: the speaker keeps the key of every best-path change
	// (of any family but RTC) until its owner takes them (TakeChanges),
	// so that an owner following the Loc-RIB redoes only what changed.
	TrackChanges bool
	// LearnedChangesOnly narrows TrackChanges and OnLocRIBChange to what
	// an owner that follows learned routes and originates the rest
	// itself needs (a PE's VRF imports, its CE routes exported): neither
	// kept nor reported are a change at a destination with no learned
	// path, from a local path or none to a local path or none (the
	// owner's own doing), nor a change from one learned path to another
	// reflection of the same route, alike but for CLUSTER_LIST and
	// ORIGINATOR_ID (what the owner reads of it is the same). Told of
	// them, the owner would redo its imports to find them unchanged.
	LearnedChangesOnly bool
	// OnBestNextHop, if set, hears the next hop of each path learned in
	// VPNv4 or VPNv6 that the decision process makes best: an address
	// the router is about to forward VPN traffic to, which its owner
	// registers with next-hop tracking before it uses the routes (as
	// bgpd registers next hops with zebra). It runs with the lock held,
	// on every such decision: the owner remembers what it has heard.
	OnBestNextHop func(netip.Addr)
	// OnFiltered, if set, reports a prefix a peer's Accept list refused
	// (once per prefix while the peer keeps announcing it). It runs with
	// the speaker's lock held: it must not call the Speaker.
	OnFiltered func(peer netip.Addr, f Family, k RouteKey)
	Logger     *slog.Logger
}

// PeerConfig is one neighbour.
type PeerConfig struct {
	Addr netip.Addr
	Port uint16 // default 179
	ASN  uint32
	// LocalAddr is the source address for connecting, and the next hop
	// this speaker sets on eBGP (and next-hop-self) routes; default the
	// connection's own local address.
	LocalAddr netip.Addr
	// NextHop, when valid, is that next hop instead of LocalAddr: a lab
	// router whose sessions run over 127/8 still advertises its address
	// in the emulated network.
	NextHop netip.Addr
	// RRClient makes this iBGP peer a route-reflection client.
	RRClient bool
	// AdvertiseDefaultRTC: of RT constraint routes, a reflector sends
	// this client its default membership only (Junos's advertise-default),
	// for clients that are PEs and nothing more: a PE sends the reflector
	// every VPN route whatever the others import, so their memberships
	// would tell it nothing, and every PE would hold every other's.
	AdvertiseDefaultRTC bool
	// WithholdIBGPDefaultRTC: an option B ASBR does not pass this eBGP
	// peer a default RT membership it learned over iBGP (a reflector's,
	// which asks its clients for every route so that it can reflect
	// them), only its AS's members' route targets, which it holds too
	// (its reflectors send it their full membership, not
	// AdvertiseDefaultRTC). Passed across, the default asks the far AS
	// for every VPN route it has, until the far ASBR's best default
	// becomes the one learned from this side and the routes are
	// withdrawn: a lab's WAN PEs that are an sdn cloud's ASBR were each
	// sent every VPN route of the WAN, then lost them again.
	WithholdIBGPDefaultRTC bool
	// NextHopSelf rewrites the next hop of routes sent to this iBGP peer.
	NextHopSelf bool
	// Families for this peer (default the speaker's).
	Families []Family
	// Passive peers are never dialled; they must connect to us.
	Passive bool
	// DialAfter, when set, has the peer wait for the far end's connection
	// (Active) that long before it first dials itself. When both ends of
	// a session are configured at once and both dial, their connections
	// cross and collision resolution (RFC 4271 6.8) drops one after both
	// have opened: twice the sockets and handshakes for one session. A
	// lab that configures both ends sets it on one. A restarting speaker
	// dials at once: its peer may not know it went away.
	DialAfter time.Duration
	// Transport for dialling this peer (default the speaker's).
	Transport Transport
	// NoRTConstraint leaves RTC out of this peer's families even when
	// the speaker carries it (and Families leaves it to the default).
	NoRTConstraint bool
	// ASOverride, on an eBGP peer, replaces the peer's ASN by ours in the
	// AS_PATH of routes sent to it (before ours is prepended), so that
	// sites of one customer sharing an ASN accept each other's routes
	// (as FRR's and Cisco's as-override).
	ASOverride bool
	// AllowASIn accepts routes from this eBGP peer whose AS_PATH holds
	// our ASN up to this many times (default 0: RFC 4271 loop detection).
	AllowASIn int
	// Accept, when set, is the peer's inbound prefix list: routes whose
	// prefix is not inside one of these are filtered (never installed,
	// counted, shown by NeighborInfo), as a CE takes from a cloud only
	// the block the cloud was allocated (accept.go).
	Accept []netip.Prefix
	// ThirdPartyNextHop keeps, toward this eBGP peer, the next hop that
	// locally originated routes were given instead of our address (RFC
	// 4271 5.1.3): a neutron-dynamic-routing speaker announces a
	// router's gateway address, not its own.
	ThirdPartyNextHop bool
	// SelfEncapsulations, when set, rewrites the tunnels offered by
	// routes sent to this peer with our address as next hop
	// (selfencap.go): a DC gateway offers its fabric's vRouters
	// MPLS-in-UDP and the core nothing.
	SelfEncapsulations *SelfEncapsulations
	Description        string
}

// Speaker is one BGP speaker (one router's bgpd).
//
// Concurrency: every entry point — API calls, timer callbacks, transport
// callbacks — takes mu, so the FSMs and RIBs are single-threaded.
type Speaker struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	closed   bool
	peers    map[netip.Addr]*peer
	tables   map[Family]*table
	groups   map[groupKey]*updateGroup
	bound    netip.AddrPort
	stopList func()

	flushScheduled bool
	changes        []Change
	// locRIBChanged: a best path changed since OnLocRIBChange was last
	// told.
	locRIBChanged bool
	// tracked: the keys whose best path changed since TakeChanges, with
	// Config.TrackChanges.
	tracked []FamilyKey
	isRR    bool

	// RT constraint (rtc.go): the import RTs set by SetImportRTs (nil
	// before the first call), the RTC routes originated for them, and
	// whether any peer's received membership changed.
	importRTs  map[ExtCommunity]bool
	rtcOut     map[RouteKey]bool
	rtcChanged bool

	// restarting: in the RFC 4724 restarting role, still deferring
	// advertisement (see Config.Restarting); deferTimer ends it at the
	// latest.
	restarting bool
	deferTimer clock.Timer
	// held: RestartHeld's speaker, whose owner has not yet originated
	// again what its predecessor had (Release); deferExpired: the
	// deferral timer ran out meanwhile.
	held, deferExpired bool
}

// New validates cfg and starts the speaker (listening if ListenAddr is set).
func New(cfg Config) (*Speaker, error) {
	if cfg.ASN == 0 {
		return nil, errors.New("bgp: config needs an ASN")
	}
	if !cfg.RouterID.Is4() {
		return nil, fmt.Errorf("bgp: router id %v is not an IPv4 address", cfg.RouterID)
	}
	if !cfg.ClusterID.IsValid() {
		cfg.ClusterID = cfg.RouterID
	}
	if len(cfg.Families) == 0 {
		cfg.Families = []Family{IPv4Unicast}
	}
	cfg.Families = slices.Clone(cfg.Families)
	if slices.ContainsFunc(cfg.Families, Family.isVPN) && !slices.Contains(cfg.Families, RTC) && !cfg.NoRTConstraint {
		cfg.Families = append(cfg.Families, RTC)
	}
	for _, f := range cfg.Families {
		if !supported(f) {
			return nil, fmt.Errorf("bgp: family %v not supported", f)
		}
	}
	if cfg.Transport == nil {
		cfg.Transport = TCP{}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Resolver == nil {
		cfg.Resolver = func(netip.Addr) (uint32, bool) { return 0, true }
	}
	if cfg.HoldTime == 0 {
		cfg.HoldTime = 90 * time.Second
	}
	if cfg.HoldTime < 3*time.Second {
		return nil, fmt.Errorf("bgp: hold time %v below 3 s", cfg.HoldTime)
	}
	if cfg.ConnectRetry == 0 {
		cfg.ConnectRetry = 250 * time.Millisecond
	}
	if cfg.MaxConnectRetry == 0 {
		cfg.MaxConnectRetry = 8 * time.Second
	}
	if cfg.RestartTime == 0 {
		cfg.RestartTime = 120 * time.Second
	}
	if cfg.SelectionDeferral == 0 {
		cfg.SelectionDeferral = cfg.RestartTime / 2
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Speaker{
		cfg:    cfg,
		log:    cfg.Logger.With("bgp", cfg.RouterID),
		peers:  map[netip.Addr]*peer{},
		tables: map[Family]*table{},
		groups: map[groupKey]*updateGroup{},
		rtcOut: map[RouteKey]bool{},
	}
	for _, f := range cfg.Families {
		s.tables[f] = newTable(f)
	}
	s.syncLocalRTC()
	if cfg.ListenAddr.IsValid() {
		bound, stop, err := cfg.Transport.Listen(cfg.ListenAddr, s.accept)
		if err != nil {
			return nil, err
		}
		s.bound, s.stopList = bound, stop
	}
	if cfg.Restarting {
		s.restarting = true
		s.deferTimer = s.after(cfg.SelectionDeferral, func() {
			s.log.Info("selection deferral timer expired")
			if s.held {
				s.deferExpired = true
				return
			}
			s.finishRestart()
		})
	}
	return s, nil
}

// ListenAddr is the address the speaker accepts connections on.
func (s *Speaker) ListenAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bound
}

// Close stops listening and ends every session with a Cease.
func (s *Speaker) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopLocked() {
		return
	}
	for _, p := range s.peers {
		p.shutdown(ceaseAdminShutdown)
	}
}

// Abort stops the speaker the way a crashing or restarting process
// stops: listener and connections close without a NOTIFICATION, so peers
// that agreed on graceful restart keep its routes as stale (RFC 4724).
// Close is the orderly stop, whose Cease makes them withdraw.
func (s *Speaker) Abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopLocked() {
		return
	}
	stopTimer(s.deferTimer)
	for _, p := range s.peers {
		p.stopped = true
		stopTimer(p.retry)
		stopTimer(p.grTimer)
		for _, ss := range p.sessions {
			ss.done = true
			stopTimer(ss.holdTimer)
			stopTimer(ss.kaTimer)
			ss.c.Close()
		}
		p.sessions = nil
		p.established = nil
		p.setState(Idle)
	}
}

// Restart aborts s and returns a new speaker with the same configuration
// and peers in the restarting role (Config.Restarting). What s originated
// is gone, as it would be from a restarted process: the caller originates
// it again from its preserved forwarding state.
func (s *Speaker) Restart() (*Speaker, error) { return s.restart(false) }

// RestartHeld is Restart for an owner that originates again after it
// returns: the new speaker connects and learns at once, but it keeps
// deferring — sends no table and no End-of-RIB, which would make its
// helpers sweep the stale routes not yet re-originated — until Release,
// even if every peer's End-of-RIB came first (on a real clock the
// handshakes can beat the owner).
func (s *Speaker) RestartHeld() (*Speaker, error) { return s.restart(true) }

// Release ends RestartHeld's hold: the owner has originated again, so
// the deferral ends as it would have (every peer's End-of-RIB, or the
// deferral timer, whichever came or comes first).
func (s *Speaker) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.held || s.closed {
		return
	}
	s.held = false
	if s.deferExpired {
		s.finishRestart()
	}
	s.afterEvent() // checkRestart, and the flush of what finishRestart queued
}

func (s *Speaker) restart(held bool) (*Speaker, error) {
	s.Abort()
	s.mu.Lock()
	cfg := s.cfg
	var peers []PeerConfig
	for _, p := range s.peers {
		peers = append(peers, p.cfg)
	}
	imports := s.importRTs // configuration, not routing state: kept
	s.mu.Unlock()
	cfg.Restarting = true
	n, err := New(cfg)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.held = held // before any peer can connect (AddPeer, the listener)
	n.mu.Unlock()
	if imports != nil {
		n.mu.Lock()
		n.importRTs = imports
		n.syncLocalRTC()
		n.mu.Unlock()
	}
	for _, pc := range peers {
		if err := n.AddPeer(pc); err != nil {
			n.Close()
			return nil, err
		}
	}
	return n, nil
}

// RestartTime is the restart time the speaker advertises: how long its
// peers keep its routes if it restarts.
func (s *Speaker) RestartTime() time.Duration { return s.cfg.RestartTime }

// GracefulHelpers counts the established peers that advertised graceful
// restart (RFC 4724): those that would keep our routes as stale if we
// restarted now. A peer without the capability drops them at once.
func (s *Speaker) GracefulHelpers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.peers {
		if ss := p.established; ss != nil && ss.grCap {
			n++
		}
	}
	return n
}

// Held reports whether the speaker is RestartHeld's and not yet
// released: it sends no table and no End-of-RIB whatever its peers do.
func (s *Speaker) Held() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Restarting reports whether the speaker is still deferring its
// advertisements after a restart.
func (s *Speaker) Restarting() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarting
}

// checkRestart ends the deferral once every configured peer's session is
// established and has sent End-of-RIB for each negotiated family: then
// the Loc-RIB holds all our peers have, and what we advertise replaces
// what helpers hold as stale without a transient withdrawal. RFC 4724
// 4.1 excludes peers that did not advertise graceful restart (they may
// never send End-of-RIB) and peers that are restarting themselves (they
// wait for ours).
func (s *Speaker) checkRestart() {
	if !s.restarting || s.held || len(s.peers) == 0 {
		return
	}
	for _, p := range s.peers {
		ss := p.established
		if ss == nil {
			return
		}
		if !ss.grCap || ss.grRestarted {
			continue
		}
		for f := range ss.families {
			if !p.eorIn[f] && !ss.disabled[f] {
				return
			}
		}
	}
	s.log.Info("End-of-RIB received from every peer")
	s.finishRestart()
}

// finishRestart ends the restarting role: every established peer gets
// the table and End-of-RIB (join), as a non-restarting speaker sends them
// when a session comes up.
func (s *Speaker) finishRestart() {
	if !s.restarting {
		return
	}
	s.restarting = false
	stopTimer(s.deferTimer)
	for _, p := range s.peers {
		if p.established != nil {
			p.join(p.established)
		}
	}
	if s.cfg.OnRestartDone != nil {
		s.cfg.OnRestartDone()
	}
}

// AddPeer configures a neighbour and starts connecting to it at once.
func (s *Speaker) AddPeer(pc PeerConfig) error {
	if !pc.Addr.IsValid() || pc.ASN == 0 {
		return fmt.Errorf("bgp: peer needs an address and an ASN (got %v AS%d)", pc.Addr, pc.ASN)
	}
	if pc.Port == 0 {
		pc.Port = 179
	}
	if len(pc.Families) == 0 {
		pc.Families = s.cfg.Families
	}
	pc.Families = slices.Clone(pc.Families)
	if pc.NoRTConstraint {
		pc.Families = slices.DeleteFunc(pc.Families, func(f Family) bool { return f == RTC })
	} else if s.tables[RTC] != nil && slices.ContainsFunc(pc.Families, Family.isVPN) && !slices.Contains(pc.Families, RTC) {
		pc.Families = append(pc.Families, RTC)
	}
	if pc.AllowASIn < 0 {
		return fmt.Errorf("bgp: peer %v: negative allowas-in", pc.Addr)
	}
	for _, f := range pc.Families {
		if s.tables[f] == nil {
			return fmt.Errorf("bgp: peer %v: family %v not configured on the speaker", pc.Addr, f)
		}
	}
	if pc.Transport == nil {
		pc.Transport = s.cfg.Transport
	}
	ibgp := pc.ASN == s.cfg.ASN
	if pc.RRClient && !ibgp {
		return fmt.Errorf("bgp: peer %v: route-reflector clients must be iBGP", pc.Addr)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("bgp: speaker closed")
	}
	if _, ok := s.peers[pc.Addr]; ok {
		return fmt.Errorf("bgp: peer %v already configured", pc.Addr)
	}
	p := newPeer(s, pc)
	s.peers[pc.Addr] = p
	if pc.RRClient && !s.isRR {
		s.setRR(true)
	}
	p.start()
	s.afterEvent()
	return nil
}

// RemovePeer ends the session with a Cease and forgets the neighbour.
func (s *Speaker) RemovePeer(addr netip.Addr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peers[addr]
	if p == nil {
		return fmt.Errorf("bgp: no peer %v", addr)
	}
	p.shutdown(ceasePeerDeconfigured)
	delete(s.peers, addr)
	rr := false
	for _, q := range s.peers {
		rr = rr || q.cfg.RRClient
	}
	s.setRR(rr)
	s.afterEvent()
	return nil
}

// setRR records whether the speaker reflects routes. Becoming (or ceasing
// to be) a reflector changes what every iBGP group may be sent, so every
// group recomputes its whole Adj-RIB-Out.
func (s *Speaker) setRR(rr bool) {
	if rr == s.isRR {
		return
	}
	s.isRR = rr
	s.syncLocalRTC() // a reflector asks for every VPN route
	for _, g := range s.groups {
		for k := range s.tables[g.key.family].dests.all() {
			g.markDirty(k)
		}
		for k := range g.adjOut.all() {
			g.markDirty(k)
		}
	}
}

// accept is the transport's callback for an incoming connection.
func (s *Speaker) accept(c Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peers[c.RemoteAddr().Addr().Unmap()]
	if s.closed || p == nil {
		s.log.Debug("connection from unknown peer refused", "from", c.RemoteAddr())
		c.Close()
		return
	}
	p.connected(c, false)
	s.afterEvent()
}

// after schedules f under the speaker's lock.
func (s *Speaker) after(d time.Duration, f func()) clock.Timer {
	return s.cfg.Clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.closed {
			return
		}
		f()
		s.afterEvent()
	})
}

// afterEvent runs at the end of every event: it hands collected best-path
// changes to the callback and makes sure pending updates get sent.
func (s *Speaker) afterEvent() {
	s.updateMemberships()
	if len(s.changes) > 0 {
		ch := s.changes
		s.changes = nil
		if s.cfg.OnBestChange != nil {
			s.cfg.OnBestChange(ch)
		}
	}
	if s.locRIBChanged {
		s.locRIBChanged = false
		if s.cfg.OnLocRIBChange != nil {
			s.cfg.OnLocRIBChange()
		}
	}
	// After the changes are out, so that OnRestartDone follows them.
	s.checkRestart()
	if !s.flushScheduled && s.anyDirty() {
		// Sending is deferred to its own callback so that a burst of
		// received UPDATEs is re-advertised in as few messages as
		// possible, each encoded once per update group.
		s.flushScheduled = true
		s.cfg.Clock.AfterFunc(0, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.flushScheduled = false
			if !s.closed {
				s.flushAll()
				s.afterEvent()
			}
		})
	}
}

// stopLocked (s.mu held) marks the speaker closed and stops listening;
// false if it was already closed.
func (s *Speaker) stopLocked() bool {
	if s.closed {
		return false
	}
	s.closed = true
	if s.stopList != nil {
		s.stopList()
	}
	return true
}
