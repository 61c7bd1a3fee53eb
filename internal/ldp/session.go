package ldp

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"
)

// SessionState is an LDP session state, as RFC 5036 names them.
type SessionState uint8

// Session states; OpenSent/OpenRec fold into Initialized.
const (
	StateInitialized SessionState = iota
	StateOperational
)

func (s SessionState) String() string {
	if s == StateOperational {
		return "OPERATIONAL"
	}
	return "INITIALIZED"
}

// MarshalText writes the state name.
func (s SessionState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// session is the LDP session with one peer LSR.
type session struct {
	peer        netip.Addr
	addrs       []netip.Addr
	sentInit    bool
	operational bool
	since       time.Time
	via         string
	// remote is the peer's label per FEC, kept whether or not the peer is
	// a nexthop (liberal retention).
	remote map[fecKey]uint32
	out    []Mapping
	full   bool // out replaces the peer's whole view of us
	// onDemand: both ends proposed downstream on demand (ondemand.go);
	// requested are the FECs the peer asked us for, asked those we asked
	// it for, each with the askOnDemand pass that last wanted it; ask
	// are the FECs a pass is about to ask for.
	onDemand  bool
	requested map[fecKey]struct{}
	asked     map[fecKey]uint64
	ask       []netip.Prefix
}

// adjacencyUp opens a session to an LSR heard for the first time.
func (in *Instance) adjacencyUp(ifc *iface) {
	lsr := ifc.adj.lsr
	s := in.sessions[lsr]
	if s == nil {
		s = in.newSession(lsr, ifc.name)
	}
	if s.via == "" || in.ifByName[s.via] == nil || in.ifByName[s.via].adj == nil {
		s.via = in.viaFor(lsr, ifc.name)
	}
	if !s.sentInit {
		in.sendInit(s, false)
	}
	in.scheduleUpdate()
}

func (in *Instance) newSession(lsr netip.Addr, via string) *session {
	s := &session{peer: lsr, via: via, remote: map[fecKey]uint32{}, requested: map[fecKey]struct{}{}, asked: map[fecKey]uint64{}}
	in.sessions[lsr] = s
	i, _ := slices.BinarySearchFunc(in.peers, lsr, netip.Addr.Compare)
	in.peers = slices.Insert(in.peers, i, lsr)
	return s
}

func (in *Instance) sendInit(s *session, reply bool) {
	s.sentInit = true
	addrs := []netip.Addr{in.cfg.LSRID}
	for _, ifc := range in.ifaces {
		if ifc.up {
			addrs = append(addrs, ifc.addr)
		}
	}
	in.send(s, &Init{LSRID: in.cfg.LSRID, Addrs: addrs, Reply: reply, OnDemand: in.proposesOnDemand(s)})
}

// init handles a peer's Init, heard on interface via (none: routed, a
// targeted session): a new session, the answer to ours, or the peer
// starting over (it lost the session and we did not).
func (in *Instance) init(via string, m *Init) {
	s := in.sessions[m.LSRID]
	if s == nil {
		s = in.newSession(m.LSRID, via)
		// Opened by the peer before we heard its hello: if no hello
		// adjacency follows within the hold time, give the session up.
		in.env.AfterFunc(in.cfg.Timers.Hold, func() {
			if in.sessions[m.LSRID] == s && in.adjacencies(m.LSRID) == 0 {
				in.closeSession(s, "no hello adjacency")
			}
		})
	}
	if s.operational && !m.Reply {
		in.env.Event("ldp-session-down", fmt.Sprintf("neighbor %s: peer restarted the session", s.peer))
		s.operational, s.sentInit = false, false
		in.instAll = true // its labels go
		clear(s.remote)
		clear(s.requested)
		clear(s.asked)
	}
	s.addrs = m.Addrs
	if !s.sentInit {
		in.sendInit(s, true)
	}
	if !s.operational {
		s.onDemand = m.OnDemand && in.proposesOnDemand(s)
		s.operational = true
		s.since = in.env.Now()
		in.env.Event("ldp-session-up", fmt.Sprintf("neighbor %s (via %s): OPERATIONAL", s.peer, s.via))
		in.sendFull(s)
		in.scheduleUpdate()
	}
}

// closeSession ends a session and forgets the peer's labels.
func (in *Instance) closeSession(s *session, why string) {
	in.extraAll, in.instAll = true, true
	delete(in.sessions, s.peer)
	if i, ok := slices.BinarySearchFunc(in.peers, s.peer, netip.Addr.Compare); ok {
		in.peers = slices.Delete(in.peers, i, i+1)
	}
	if s.operational {
		in.env.Event("ldp-session-down", fmt.Sprintf("neighbor %s: %s", s.peer, why))
	}
	in.scheduleUpdate()
}

// labels applies a peer's mappings and withdrawals.
func (in *Instance) labels(m *Labels) {
	s := in.sessions[m.LSRID]
	if s == nil || !s.operational {
		return
	}
	if m.Full {
		for k := range s.remote {
			in.markInstall(k)
		}
		s.remote = make(map[fecKey]uint32, len(m.Mappings))
	} else if len(m.Mappings) > len(s.remote) {
		// A batch larger than what the peer gave so far (its labels
		// as the session comes up): room for it at once rather than
		// the map rehashed at each step of its growth.
		grown := make(map[fecKey]uint32, len(s.remote)+len(m.Mappings))
		maps.Copy(grown, s.remote)
		s.remote = grown
	}
	for _, b := range m.Mappings {
		if !b.FEC.Addr().Is4() {
			continue
		}
		k := keyOf(b.FEC)
		if b.Withdraw {
			delete(s.remote, k)
		} else {
			s.remote[k] = b.Label
		}
		in.remoteChanged(k, b.Withdraw)
		in.markInstall(k)
	}
	if m.Full {
		in.extraAll = true
	}
	if in.cfg.LongestMatch && in.changed != nil && (len(in.extraDirty) > 0 || in.extraAll) {
		// A summarised FEC reaches an LSR only once its downstream
		// neighbour has advertised it: advertised on at once (the LSPs
		// follow at the next update), labels cross a large network at
		// the speed of its links rather than one update per hop.
		in.relabel()
	}
	if s.onDemand && !m.Full {
		in.scheduleUpdateNow() // answers to our requests
		return
	}
	in.scheduleUpdate()
}

// sendFull queues our whole label set for the peer.
func (in *Instance) sendFull(s *session) {
	s.out = make([]Mapping, 0, len(in.fecs))
	s.full = true
	for _, f := range in.fecs {
		if _, asked := s.requested[f.key]; s.onDemand && !asked {
			continue
		}
		if l, ok := in.local[f.key]; ok {
			s.out = append(s.out, Mapping{FEC: f.prefix, Label: l})
		}
	}
	in.scheduleFlush()
}

// advertise queues mappings (or withdrawals) for every operational peer.
func (in *Instance) advertise(ms []Mapping) {
	if len(ms) == 0 {
		return
	}
	for _, p := range in.peers {
		if s := in.sessions[p]; s.operational {
			s.out = append(s.out, forPeer(s, ms)...)
		}
	}
	in.scheduleFlush()
}

func (in *Instance) scheduleFlush() {
	if in.flushPending {
		return
	}
	in.flushPending = true
	in.env.AfterFunc(0, in.flush)
}

// flush sends what each session has queued, one message per peer.
func (in *Instance) flush() {
	in.flushPending = false
	for _, p := range in.peers {
		s := in.sessions[p]
		if len(s.out) == 0 && !s.full {
			continue
		}
		in.send(s, &Labels{LSRID: in.cfg.LSRID, Full: s.full, Mappings: s.out})
		s.out, s.full = nil, false
	}
}
