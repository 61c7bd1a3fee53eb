package ldp

import (
	"fmt"
	"net/netip"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// Targeted LDP (RFC 5036 extended discovery): a session to an LSR that is
// not a neighbour, for a remote LFA's PQ node (rlfa.go). The router that
// needs it sends targeted hellos to the LSR's address every hello
// interval; an LSR accepts them (as RFC 7490 asks of a PQ node) and
// answers with its own while they keep coming. A targeted hello adjacency
// opens a session like a link one, and the two share it when both exist.
// The messages go as Routed, hop by hop along each router's best route to
// the address, as the UDP and TCP packets of a real targeted session are
// routed.

// routedTTL is the hop limit of a Routed message.
const routedTTL = 64

// target is a targeted hello adjacency.
type target struct {
	lsr    netip.Addr
	wanted bool        // we asked for it (a PQ node of ours)
	up     bool        // the LSR's targeted hellos are heard
	asked  bool        // its last hello asked for ours (the R bit)
	saying bool        // our hellos are going out every interval
	hold   clock.Timer // the LSR's hellos
	timer  clock.Timer // ours
}

// wantTargets keeps a targeted adjacency to every PQ node the IGP's
// backups name, and stops asking for those no longer named.
func (in *Instance) wantTargets(fecs []fec) {
	want := map[netip.Addr]bool{}
	for _, f := range fecs {
		for _, nh := range f.nexthops {
			if b := nh.Backup; b != nil && b.Remote.IsValid() && b.Remote != in.cfg.LSRID {
				want[b.Remote] = true
			}
		}
	}
	for a := range want {
		t := in.targets[a]
		if t == nil {
			t = &target{lsr: a}
			if in.targets == nil {
				in.targets = map[netip.Addr]*target{}
			}
			in.targets[a] = t
		}
		if !t.wanted {
			t.wanted = true
			in.env.Event("ldp-targeted", fmt.Sprintf("targeted hellos to %s (remote LFA PQ node)", a))
			in.targetHellos(t)
		}
	}
	for a, t := range in.targets {
		if t.wanted && !want[a] {
			t.wanted = false
			if !t.up {
				in.forgetTarget(t)
			}
		}
	}
}

// sending reports whether we say targeted hellos to t's LSR: while we
// want the adjacency, or it is up and the LSR asks for them.
func (t *target) sending() bool { return t.wanted || t.up && t.asked }

// targetHellos sends a targeted hello now and every hello interval while
// sending says so.
func (in *Instance) targetHellos(t *target) {
	in.sendRouted(t.lsr, &Hello{LSRID: in.cfg.LSRID, Addr: in.cfg.LSRID, Hold: in.cfg.Timers.Hold, Targeted: true, Request: t.wanted})
	t.saying = true
	if t.timer == nil {
		t.timer = in.env.AfterFunc(in.cfg.Timers.Hello, func() {
			t.saying = false
			if in.targets[t.lsr] == t && t.sending() {
				in.targetHellos(t)
			}
		})
	} else {
		t.timer.Reset(in.cfg.Timers.Hello)
	}
}

// targetedHello keeps the targeted adjacency with from alive, accepting
// it if it is new, and opens the session when it comes up.
func (in *Instance) targetedHello(from netip.Addr, h *Hello) {
	if from == in.cfg.LSRID {
		return
	}
	t := in.targets[from]
	if t == nil {
		t = &target{lsr: from}
		if in.targets == nil {
			in.targets = map[netip.Addr]*target{}
		}
		in.targets[from] = t
	}
	t.asked = h.Request
	hold := min(h.Hold, in.cfg.Timers.Hold)
	if t.hold == nil {
		t.hold = in.env.AfterFunc(hold, func() { in.targetExpired(t) })
	} else {
		t.hold.Reset(hold)
	}
	if t.up {
		if t.asked && !t.saying {
			in.targetHellos(t) // asked again after we had stopped
		}
		return
	}
	t.up = true
	in.env.Event("ldp-targeted", fmt.Sprintf("targeted hello adjacency with %s up", from))
	if t.asked && !t.saying {
		in.targetHellos(t) // answer, as a PQ node does
	}
	s := in.sessions[from]
	if s == nil {
		s = in.newSession(from, in.viaFor(from, ""))
	}
	if !s.sentInit {
		in.sendInit(s, false)
	}
	in.scheduleUpdate()
}

// targetExpired drops a targeted adjacency whose hellos stopped; the
// session goes when it was the last adjacency to the LSR.
func (in *Instance) targetExpired(t *target) {
	if in.targets[t.lsr] != t || !t.up {
		return
	}
	t.up = false
	in.env.Event("ldp-targeted", fmt.Sprintf("targeted hello adjacency with %s down: hold time expired", t.lsr))
	if s := in.sessions[t.lsr]; s != nil && in.adjacencies(t.lsr) == 0 {
		in.closeSession(s, "targeted hello hold time expired")
	}
	if !t.wanted {
		in.forgetTarget(t)
	}
}

func (in *Instance) forgetTarget(t *target) {
	if t.timer != nil {
		t.timer.Stop()
	}
	if t.hold != nil {
		t.hold.Stop()
	}
	delete(in.targets, t.lsr)
}

// send sends a session message: over the link of a link session, routed
// to the peer's address for a targeted one.
func (in *Instance) send(s *session, msg any) {
	if s.via != "" {
		in.env.SendControl(s.via, router.ProtoLDP, msg)
		return
	}
	in.sendRouted(s.peer, msg)
}

func (in *Instance) sendRouted(to netip.Addr, msg any) {
	in.forward(&Routed{From: in.cfg.LSRID, To: to, TTL: routedTTL, Msg: msg})
}

// forward sends m on towards its destination by the best route to it; a
// message with no route, or out of hops, is dropped as its packet would be.
func (in *Instance) forward(m *Routed) {
	r, ok := in.env.RIB().Best("", netip.PrefixFrom(m.To, 32))
	if !ok || m.TTL == 0 {
		return
	}
	for _, nh := range r.Nexthops {
		if nh.Iface != "" && nh.Addr.IsValid() {
			in.env.SendControl(nh.Iface, router.ProtoLDP, m)
			return
		}
	}
}

// routed handles a Routed message: ours to read, or to pass on.
func (in *Instance) routed(m *Routed) {
	if m.To != in.cfg.LSRID {
		if m.TTL > 1 {
			next := *m
			next.TTL--
			in.forward(&next)
		}
		return
	}
	switch x := m.Msg.(type) {
	case *Hello:
		if x.Targeted {
			in.targetedHello(m.From, x)
		}
	case *Init:
		in.init(in.viaFor(m.From, ""), x)
	case *Labels:
		in.labels(x)
	}
}
