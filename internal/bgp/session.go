package bgp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// State is an RFC 4271 FSM state.
type State uint8

// FSM states (RFC 4271 8.2.2).
const (
	Idle State = iota
	Connect
	Active
	OpenSent
	OpenConfirm
	Established
)

func (s State) String() string {
	return [...]string{"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"}[s]
}

// Cease subcodes (RFC 4486) used here.
const (
	ceaseAdminShutdown    = 2
	ceasePeerDeconfigured = 3
	ceaseCollision        = 7
)

// openHoldTime is the hold timer while waiting for OPEN (RFC 4271 8:
// "a large value", 4 minutes suggested).
const openHoldTime = 4 * time.Minute

// session is one transport connection to a peer and its FSM from
// OpenSent on. A peer has at most two while a collision is resolved.
type session struct {
	p      *peer
	c      Conn
	active bool // we dialled
	state  State
	done   bool

	hold      time.Duration // negotiated; 0 means no keepalives
	holdTimer clock.Timer
	kaTimer   clock.Timer

	remoteID netip.Addr
	// as2: the peer is an OLD speaker, without the 4-octet AS
	// capability (RFC 6793; as4.go).
	as2      bool
	families map[Family]bool
	// disabled: families whose routes from the peer are ignored for the
	// rest of the session after a malformed MP attribute (RFC 4760 7).
	disabled  map[Family]bool
	localAddr netip.Addr
	// grCap: the peer advertised graceful restart (RFC 4724), so it
	// keeps our routes while we restart and sends us End-of-RIB.
	grCap bool
	// grTime and grFamilies are what the peer's graceful-restart
	// capability asked of us as helper (RFC 4724).
	grTime     time.Duration
	grFamilies map[Family]bool
	// grRestarted and grForwarding are the peer's Restart State bit and
	// per-family Forwarding State bits: what it says about itself.
	grRestarted  bool
	grForwarding map[Family]bool
}

// connected starts the FSM on a new connection, ours or theirs.
func (p *peer) connected(c Conn, active bool) {
	s := p.s
	if p.stopped {
		c.Close()
		return
	}
	ss := &session{p: p, c: c, active: active, state: OpenSent}
	ss.localAddr = c.LocalAddr().Addr().Unmap()
	p.sessions = append(p.sessions, ss)
	c.Start(func(msg []byte) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ss.done || s.closed {
			return
		}
		ss.receive(msg)
		s.afterEvent()
	}, func(err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ss.done || s.closed {
			return
		}
		// The connection ended without a NOTIFICATION: the peer may be
		// restarting, so graceful restart applies.
		ss.downGraceful(fmt.Sprintf("connection closed: %v", err), true)
		s.afterEvent()
	})
	ss.holdTimer = s.after(openHoldTime, func() {
		if !ss.done {
			ss.notify(bgp.BGP_ERROR_HOLD_TIMER_EXPIRED, 0, nil, "hold timer expired")
		}
	})
	if err := ss.sendOpen(); err != nil {
		ss.notify(bgp.BGP_ERROR_CEASE, 0, nil, err.Error())
		return
	}
	p.setState(OpenSent)
}

func (ss *session) sendOpen() error {
	s := ss.p.s
	var caps []bgp.ParameterCapabilityInterface
	var grTuples []*bgp.CapGracefulRestartTuple
	for _, f := range ss.p.cfg.Families {
		caps = append(caps, bgp.NewCapMultiProtocol(f.wire()))
		// F: forwarding state kept across the restart. Only a restarting
		// speaker can claim it; the embedding router keeps its FIB.
		grTuples = append(grTuples, bgp.NewCapGracefulRestartTuple(f.wire(), s.cfg.Restarting))
	}
	caps = append(caps,
		bgp.NewCapRouteRefresh(),
		bgp.NewCapFourOctetASNumber(s.cfg.ASN),
		// R: we restarted, so the peer must not itself wait for our
		// End-of-RIB before sending us its table (RFC 4724 3), which
		// would deadlock with our deferral.
		bgp.NewCapGracefulRestart(s.cfg.Restarting, false, uint16(s.cfg.RestartTime/time.Second), grTuples),
	)
	myAS := uint16(bgp.AS_TRANS)
	if s.cfg.ASN <= 0xffff {
		myAS = uint16(s.cfg.ASN)
	}
	msg, err := bgp.NewBGPOpenMessage(myAS, uint16(s.cfg.HoldTime/time.Second), s.cfg.RouterID,
		[]bgp.OptionParameterInterface{bgp.NewOptionParameterCapability(caps)})
	if err != nil {
		return fmt.Errorf("build OPEN: %w", err)
	}
	return ss.send(msg)
}

func (ss *session) send(msg *bgp.BGPMessage) error {
	b, err := msg.Serialize()
	if err != nil {
		return fmt.Errorf("encode %d message: %w", msg.Header.Type, err)
	}
	ss.sendRaw(b)
	return nil
}

func (ss *session) sendRaw(b []byte) {
	if ss.c.Send(b) == nil {
		ss.p.msgsOut++
	}
}

// receive handles one message from the wire.
func (ss *session) receive(raw []byte) {
	p := ss.p
	p.msgsIn++
	if ss.state == Established && !ss.as2 && len(raw) > headerLen && raw[18] == bgp.BGP_MSG_UPDATE {
		u := fastUpdates.Get().(*fastUpdate)
		ok := decodeFast(raw, ss.families, u)
		if ok {
			ss.resetHold()
			ss.applyFast(u)
		}
		u.attrs = Attrs{} // its strings alias raw
		fastUpdates.Put(u)
		if ok {
			return
		}
	}
	msg, err := parseMessage(raw, ss.as2)
	if err != nil {
		if me, ok := err.(*bgp.MessageError); ok && msg != nil && msg.Header.Type == bgp.BGP_MSG_UPDATE && ss.state == Established {
			ss.updateError(msg, me)
			return
		}
		ss.notifyErr(err)
		return
	}
	switch body := msg.Body.(type) {
	case *bgp.BGPOpen:
		if ss.state != OpenSent {
			ss.notify(bgp.BGP_ERROR_FSM_ERROR, 0, nil, "OPEN in state "+ss.state.String())
			return
		}
		ss.open(body)
	case *bgp.BGPKeepAlive:
		switch ss.state {
		case OpenConfirm:
			ss.established()
		case Established:
			ss.resetHold()
		default:
			ss.notify(bgp.BGP_ERROR_FSM_ERROR, 0, nil, "KEEPALIVE in state "+ss.state.String())
		}
	case *bgp.BGPUpdate:
		if ss.state != Established {
			ss.notify(bgp.BGP_ERROR_FSM_ERROR, 0, nil, "UPDATE in state "+ss.state.String())
			return
		}
		ss.resetHold()
		ss.update(msg, body)
	case *bgp.BGPRouteRefresh:
		if ss.state == Established {
			ss.resetHold()
			f := Family(bgp.NewFamily(body.AFI, body.SAFI))
			if ss.families[f] {
				p.resend(ss, f)
			}
		}
	case *bgp.BGPNotification:
		p.lastError = fmt.Sprintf("received NOTIFICATION %d/%d", body.ErrorCode, body.ErrorSubcode)
		ss.down(p.lastError)
	}
}

// parseMessage decodes with GoBGP's codec. A panic inside the codec on
// hostile bytes must not take the process down: it becomes a malformed
// message, answered like any other.
func parseMessage(raw []byte, as2 bool) (msg *bgp.BGPMessage, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, bgp.NewMessageError(bgp.BGP_ERROR_MESSAGE_HEADER_ERROR, 0, nil, fmt.Sprintf("undecodable message: %v", r))
		}
	}()
	return bgp.ParseBGPMessage(dropUnknownEVPNRoutes(raw), wireOptions(as2)...)
}

func (ss *session) open(o *bgp.BGPOpen) {
	p := ss.p
	s := p.s
	as := uint32(o.MyAS)
	as4 := false
	ss.families = map[Family]bool{}
	peerFamilies := map[Family]bool{}
	mp := false
	for _, op := range o.OptParams {
		pc, ok := op.(*bgp.OptionParameterCapability)
		if !ok {
			continue
		}
		for _, c := range pc.Capability {
			switch c := c.(type) {
			case *bgp.CapFourOctetASNumber:
				as, as4 = c.CapValue, true
			case *bgp.CapMultiProtocol:
				mp = true
				peerFamilies[Family(c.CapValue)] = true
			case *bgp.CapGracefulRestart:
				ss.grCap = true
				ss.grTime = time.Duration(c.Time) * time.Second
				ss.grFamilies = map[Family]bool{}
				ss.grForwarding = map[Family]bool{}
				ss.grRestarted = c.Flags&0x08 != 0
				for _, t := range c.Tuples {
					f := Family(bgp.NewFamily(t.AFI, t.SAFI))
					ss.grFamilies[f] = true
					ss.grForwarding[f] = t.Flags&0x80 != 0
				}
			}
		}
	}
	if !mp {
		peerFamilies[IPv4Unicast] = true // RFC 4760 8: no capability means IPv4 unicast
	}
	switch {
	case o.Version != 4:
		ss.notify(bgp.BGP_ERROR_OPEN_MESSAGE_ERROR, bgp.BGP_ERROR_SUB_UNSUPPORTED_VERSION_NUMBER, []byte{0, 4}, fmt.Sprintf("version %d", o.Version))
		return
	case as != p.cfg.ASN:
		ss.notify(bgp.BGP_ERROR_OPEN_MESSAGE_ERROR, bgp.BGP_ERROR_SUB_BAD_PEER_AS, nil, fmt.Sprintf("peer AS %d, expected %d", as, p.cfg.ASN))
		return
	case o.HoldTime != 0 && o.HoldTime < 3:
		ss.notify(bgp.BGP_ERROR_OPEN_MESSAGE_ERROR, bgp.BGP_ERROR_SUB_UNACCEPTABLE_HOLD_TIME, nil, fmt.Sprintf("hold time %d", o.HoldTime))
		return
	case !o.ID.Is4() || o.ID.IsUnspecified() || (p.ibgp && o.ID == s.cfg.RouterID):
		ss.notify(bgp.BGP_ERROR_OPEN_MESSAGE_ERROR, bgp.BGP_ERROR_SUB_BAD_BGP_IDENTIFIER, nil, fmt.Sprintf("BGP identifier %v", o.ID))
		return
	}
	for _, f := range p.cfg.Families {
		if peerFamilies[f] {
			ss.families[f] = true
		}
	}
	if len(ss.families) == 0 {
		// Nothing to exchange. RFC 5492 3: the NOTIFICATION lists the
		// capabilities we lack from the peer, as the OPEN encodes them.
		ss.notify(bgp.BGP_ERROR_OPEN_MESSAGE_ERROR, bgp.BGP_ERROR_SUB_UNSUPPORTED_CAPABILITY, familyCaps(p.cfg.Families),
			fmt.Sprintf("no address family in common: we carry %v", p.cfg.Families))
		return
	}
	// An OLD speaker (RFC 6793): its AS is the OPEN's, and its UPDATEs
	// have 2-octet AS_PATHs both ways (as4.go).
	ss.as2 = !as4
	ss.remoteID = o.ID
	if !ss.resolveCollision() {
		return
	}
	ss.hold = min(s.cfg.HoldTime, time.Duration(o.HoldTime)*time.Second)
	if err := ss.send(bgp.NewBGPKeepAliveMessage()); err != nil {
		ss.notify(bgp.BGP_ERROR_CEASE, 0, nil, err.Error())
		return
	}
	ss.state = OpenConfirm
	p.setState(OpenConfirm)
	ss.resetHold()
	ss.startKeepalives()
}

// familyCaps encodes a multiprotocol capability per family, as in OPEN.
func familyCaps(fs []Family) []byte {
	var b []byte
	for _, f := range fs {
		if c, err := bgp.NewCapMultiProtocol(f.wire()).Serialize(); err == nil {
			b = append(b, c...)
		}
	}
	return b
}

// resolveCollision applies RFC 4271 6.8 when both speakers connected to
// each other: the connection opened by the speaker with the higher BGP
// identifier survives. It reports whether ss survives.
func (ss *session) resolveCollision() bool {
	p := ss.p
	for _, other := range append([]*session(nil), p.sessions...) {
		if other == ss || other.done {
			continue
		}
		if other.state == Established && other.grTime > 0 && len(other.grFamilies) > 0 {
			// RFC 4724 4.2: a new connection from a peer that agreed on
			// graceful restart means it restarted before we saw its old
			// connection close. Keep its routes as stale and let the new
			// session replace the old one.
			other.downGraceful("peer restarted: new connection", true)
			continue
		}
		if other.state == Established {
			ss.notify(bgp.BGP_ERROR_CEASE, ceaseCollision, nil, "connection collision: session already established")
			return false
		}
		// Keep the connection initiated by the higher identifier.
		keepActive := p.s.cfg.RouterID.Compare(ss.remoteID) > 0
		loser := other
		if ss.active != keepActive {
			loser = ss
		}
		loser.notify(bgp.BGP_ERROR_CEASE, ceaseCollision, nil, "connection collision resolution")
		if loser == ss {
			return false
		}
	}
	return true
}

func (ss *session) resetHold() {
	if ss.hold == 0 {
		stopTimer(ss.holdTimer)
		return
	}
	ss.holdTimer.Reset(ss.hold)
}

func (ss *session) startKeepalives() {
	if ss.hold == 0 {
		return
	}
	interval := ss.hold / 3
	ss.kaTimer = ss.p.s.after(interval, func() {
		if ss.done {
			return
		}
		if err := ss.send(bgp.NewBGPKeepAliveMessage()); err == nil {
			ss.kaTimer.Reset(interval)
		}
	})
}

func (ss *session) established() {
	p := ss.p
	ss.state = Established
	p.established = ss
	p.backoff = 0
	p.lastError = ""
	p.upSince = p.s.cfg.Clock.Now()
	p.remoteID = ss.remoteID
	p.gen++           // paths from this session; older ones are stale if any remain
	clear(p.eorIn)    // End-of-RIBs count per session
	clear(p.filtered) // the new session announces afresh
	p.setState(Established)
	p.s.log.Info("session established", "peer", p.cfg.Addr, "as", p.cfg.ASN, "restarted", ss.grRestarted)
	for f, st := range p.stale {
		// RFC 4724 4.2: a peer back without forwarding state for a family
		// has nothing behind its old routes: drop them now, do not wait.
		if st && !ss.grForwarding[f] {
			p.sweepStale(f)
		}
	}
	for _, other := range p.sessions {
		if other != ss && !other.done {
			other.notify(bgp.BGP_ERROR_CEASE, ceaseCollision, nil, "connection collision resolution")
		}
	}
	p.join(ss)
}

// notifyErr answers a decoding error with the NOTIFICATION it carries.
func (ss *session) notifyErr(err error) {
	if me, ok := err.(*bgp.MessageError); ok {
		code := me.TypeCode
		if code == 0 {
			code = bgp.BGP_ERROR_MESSAGE_HEADER_ERROR
		}
		ss.notify(code, me.SubTypeCode, me.Data, me.Message)
		return
	}
	ss.notify(bgp.BGP_ERROR_UPDATE_MESSAGE_ERROR, bgp.BGP_ERROR_SUB_MALFORMED_ATTRIBUTE_LIST, nil, err.Error())
}

// notify sends a NOTIFICATION and ends the session.
func (ss *session) notify(code, sub uint8, data []byte, why string) {
	if ss.done {
		return
	}
	ss.send(bgp.NewBGPNotificationMessage(code, sub, data))
	ss.p.lastError = fmt.Sprintf("sent NOTIFICATION %d/%d: %s", code, sub, why)
	ss.down(ss.p.lastError)
}

// down ends the session: timers, transport, and if it was the peer's
// established session, the routes learned over it.
func (ss *session) down(why string) { ss.downGraceful(why, false) }

// downGraceful is down; graceful means the peer's routes may be kept as
// stale if it asked for graceful restart.
func (ss *session) downGraceful(why string, graceful bool) {
	if ss.done {
		return
	}
	ss.done = true
	p := ss.p
	stopTimer(ss.holdTimer)
	stopTimer(ss.kaTimer)
	ss.c.Close()
	for i, o := range p.sessions {
		if o == ss {
			p.sessions = append(p.sessions[:i], p.sessions[i+1:]...)
			break
		}
	}
	if p.established == ss {
		p.s.log.Info("session down", "peer", p.cfg.Addr, "why", why)
		p.established = nil
		p.upSince = p.s.cfg.Clock.Now()
		if graceful && ss.grTime > 0 && len(ss.grFamilies) > 0 {
			p.leaveGraceful(ss)
		} else {
			p.leave()
		}
	}
	if len(p.sessions) == 0 {
		p.setState(Idle)
		p.scheduleRetry()
	}
}
