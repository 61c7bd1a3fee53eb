package bgp

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// peer is one configured neighbour: its FSM state as shown, its sessions
// and the routes learned from it (Adj-RIB-In).
type peer struct {
	s    *Speaker
	cfg  PeerConfig
	ibgp bool

	state       State
	sessions    []*session
	established *session
	dialing     bool
	stopped     bool
	retry       clock.Timer
	backoff     time.Duration

	remoteID  netip.Addr
	upSince   time.Time
	lastError string
	msgsIn    uint64
	msgsOut   uint64

	// received counts the peer's paths per family (its Adj-RIB-In lives
	// in the tables' destinations).
	received map[Family]int
	groups   map[Family]*updateGroup
	eorIn    map[Family]bool

	// Graceful restart, helper side: gen numbers the peer's sessions;
	// paths of an older gen in a family marked stale are kept until the
	// peer's End-of-RIB for it, or until grTimer (its restart time) runs out.
	gen     uint32
	stale   map[Family]bool
	grTimer clock.Timer

	// RT constraint (rtc_filter.go): the RTC routes received from the
	// peer, whether they changed since its VPN group was chosen, and the
	// wait for its RTC End-of-RIB before VPN routes are sent.
	rtcIn      map[RouteKey]bool
	rtcWide    int // rtcIn's keys of 32 bits or fewer: the default route, wildcards
	rtcChanged bool
	rtcTimer   clock.Timer
	rtcWaited  bool

	// Inbound prefix filter (accept.go): what the peer announces that
	// PeerConfig.Accept refuses now, and how many refusals ever.
	filtered      map[RouteKey]Family
	filteredTotal int
}

func newPeer(s *Speaker, pc PeerConfig) *peer {
	p := &peer{
		s:        s,
		cfg:      pc,
		ibgp:     pc.ASN == s.cfg.ASN,
		received: map[Family]int{},
		groups:   map[Family]*updateGroup{},
		eorIn:    map[Family]bool{},
		stale:    map[Family]bool{},
		rtcIn:    map[RouteKey]bool{},
		upSince:  s.cfg.Clock.Now(),
	}
	return p
}

func (p *peer) setState(st State) {
	// With two sessions during a collision, show the further one.
	for _, ss := range p.sessions {
		if !ss.done && ss.state > st {
			st = ss.state
		}
	}
	p.state = st
}

// start begins connecting: immediately, since a lab wants sessions up the
// moment both ends are configured, unless told to wait for the far end
// first (PeerConfig.DialAfter).
func (p *peer) start() {
	if p.cfg.Passive {
		p.setState(Active)
		return
	}
	if p.cfg.DialAfter > 0 && !p.s.cfg.Restarting {
		p.setState(Active)
		p.retry = p.s.after(p.cfg.DialAfter, p.dial)
		return
	}
	p.dial()
}

func (p *peer) dial() {
	if p.stopped || p.dialing || len(p.sessions) > 0 {
		return
	}
	p.dialing = true
	p.setState(Connect)
	s := p.s
	remote := netip.AddrPortFrom(p.cfg.Addr, p.cfg.Port)
	p.cfg.Transport.Dial(p.cfg.LocalAddr, remote, func(c Conn, err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		p.dialing = false
		if s.closed || p.stopped || s.peers[p.cfg.Addr] != p {
			if c != nil {
				c.Close()
			}
			return
		}
		if err != nil {
			// Not recorded as lastError: that keeps why the session
			// last went down, as FRR's "Last reset" does.
			s.log.Debug("connect failed", "peer", p.cfg.Addr, "error", err)
			if len(p.sessions) == 0 {
				p.setState(Active)
				p.scheduleRetry()
			}
			return
		}
		if p.established != nil {
			c.Close() // they connected to us meanwhile
			return
		}
		p.connected(c, true)
		s.afterEvent()
	})
}

// scheduleRetry redials after the current backoff, doubling it.
func (p *peer) scheduleRetry() {
	if p.stopped || p.cfg.Passive {
		if !p.stopped {
			p.setState(Active)
		}
		return
	}
	stopTimer(p.retry)
	d := p.backoff
	if d == 0 {
		d = p.s.cfg.ConnectRetry
	}
	p.backoff = min(2*d, p.s.cfg.MaxConnectRetry)
	p.retry = p.s.after(d, p.dial)
}

func (p *peer) shutdown(sub uint8) {
	p.stopped = true
	stopTimer(p.retry)
	for _, ss := range append([]*session(nil), p.sessions...) {
		ss.notify(bgp.BGP_ERROR_CEASE, sub, nil, "shutdown")
	}
	p.setState(Idle)
}

// join puts the newly established session's peer into the update group of
// each negotiated family, sending it the group's table and End-of-RIB.
// RTC goes first, so that the peer can send us its VPN routes early; VPN
// routes wait for the peer's own RTC End-of-RIB (RFC 4684 6).
func (p *peer) join(ss *session) {
	if p.s.restarting {
		return // RFC 4724 4.1: finishRestart joins once deferral ends
	}
	fams := slices.Clone(p.cfg.Families)
	slices.SortStableFunc(fams, func(a, b Family) int {
		return cmp.Compare(b2i(a != RTC), b2i(b != RTC))
	})
	waiting := false
	for _, f := range fams {
		if !ss.families[f] {
			continue
		}
		if f.rtFiltered() && !p.vpnReady(ss) {
			if !waiting {
				p.waitRTC(ss)
				waiting = true
			}
			continue
		}
		p.joinFamily(ss, f)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// joinFamily puts p into its update group for f and sends it the table.
func (p *peer) joinFamily(ss *session, f Family) {
	g := p.s.groupWithFilter(p.groupKey(ss, f), p, ss)
	p.groups[f] = g
	// Sync first, join after: the flush inside resend then goes to the
	// existing members only, and the newcomer gets the table once.
	p.resend(ss, f)
	g.members[p] = true
}

// resend sends the group's whole Adj-RIB-Out for f to this peer alone,
// then End-of-RIB (initial sync, or a ROUTE-REFRESH).
func (p *peer) resend(ss *session, f Family) {
	g := p.groups[f]
	if g == nil {
		return
	}
	p.s.flushGroup(g) // so that Adj-RIB-Out is current
	for _, b := range g.encodeAll(p.s) {
		ss.sendRaw(b)
	}
	ss.send(bgp.NewEndOfRib(f.wire()))
}

// leave drops the peer from its update groups and forgets its routes.
func (p *peer) leave() {
	p.leaveGroups()
	stopTimer(p.grTimer)
	for f := range p.received {
		p.sweep(f, func(*Path) bool { return true })
		p.eorIn[f] = false
		p.stale[f] = false
	}
}

func (p *peer) leaveGroups() {
	stopTimer(p.rtcTimer)
	p.rtcWaited = false
	for f, g := range p.groups {
		delete(g.members, p)
		if len(g.members) == 0 {
			delete(p.s.groups, g.key)
		}
		delete(p.groups, f)
	}
}

// leaveGraceful is leave for a peer that may be restarting (RFC 4724
// helper): its routes in the families it preserves stay, marked stale,
// for at most its restart time.
func (p *peer) leaveGraceful(ss *session) {
	p.leaveGroups()
	for f := range p.received {
		p.eorIn[f] = false
		if ss.grFamilies[f] {
			p.stale[f] = p.stale[f] || p.received[f] > 0
		} else {
			p.sweep(f, func(*Path) bool { return true })
		}
	}
	p.s.log.Info("peer restarting: keeping its routes as stale", "peer", p.cfg.Addr, "restart-time", ss.grTime)
	stopTimer(p.grTimer)
	p.grTimer = p.s.after(ss.grTime, func() {
		for f, st := range p.stale {
			if st {
				p.sweepStale(f)
			}
		}
	})
}

// sweepStale removes the paths of f left from earlier sessions.
func (p *peer) sweepStale(f Family) {
	gen := p.gen
	if p.established == nil {
		gen++ // no session: everything held is from an earlier one
	}
	p.sweep(f, func(q *Path) bool { return q.gen != gen })
	p.stale[f] = false
}

// sweep removes the peer's paths of f that match.
func (p *peer) sweep(f Family, match func(*Path) bool) {
	if p.received[f] == 0 {
		return
	}
	p.received[f] -= p.s.tables[f].removePeer(p.s, p, match)
}

func (p *peer) groupKey(ss *session, f Family) groupKey {
	local := p.cfg.LocalAddr
	if p.cfg.NextHop.IsValid() {
		local = p.cfg.NextHop
	}
	if !local.IsValid() {
		local = ss.localAddr
	}
	k := groupKey{family: f, ibgp: p.ibgp, rrClient: p.cfg.RRClient, nextHop: local, thirdParty: p.cfg.ThirdPartyNextHop && !p.ibgp, as2: ss.as2}
	if f.rtFiltered() {
		k.rtc, _ = p.vpnFilter(ss)
	}
	k.rtcDefaultOnly = f == RTC && p.s.isRR && p.cfg.RRClient && p.cfg.AdvertiseDefaultRTC
	k.withholdDefaultRTC = f == RTC && !p.ibgp && p.cfg.WithholdIBGPDefaultRTC
	k.selfEncaps = p.cfg.SelfEncapsulations.key()
	if p.cfg.ASOverride && !p.ibgp {
		k.asOverride = p.cfg.ASN
	}
	if !p.ibgp {
		k.ebgpPeer = p.cfg.Addr
	}
	if p.ibgp && !p.cfg.NextHopSelf {
		// iBGP peers keep next hops; only locally originated routes
		// without one get the session address, so peers sharing a
		// source address share a group.
		k.nextHopSelf = false
	} else {
		k.nextHopSelf = true
	}
	return k
}

// stopTimer stops t if it was ever started.
func stopTimer(t clock.Timer) {
	if t != nil {
		t.Stop()
	}
}
