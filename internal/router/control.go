package router

import (
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
)

// Control messages travel beside the frames of the link rather than as
// frames: they take the sending port's latency, are lost while the link
// is down (or if it went down while they were in flight), and keep their
// order, but random loss, rate limits and queues do not apply to them (see
// Env.SendControl). They carry the Go value itself; nothing is encoded.

// ctlLine carries the control messages one interface sends: a FIFO with
// one timer, delivering in order even on the real clock, where separate
// timers could fire out of order.
type ctlLine struct {
	mu         sync.Mutex
	q          []ctlMsg
	timer      clock.Timer
	timerAt    time.Time
	delivering bool
	last       time.Time // arrival of the last message queued
	sent       uint64
	lost       uint64
}

type ctlMsg struct {
	at    time.Time
	proto Protocol
	msg   any
	downs uint64 // the sender's carrier-loss count when sent
}

// SendControl sends msg to the router at the other end of iface, to the
// handler registered there for proto, after the link's latency; nothing is
// sent while the link is down.
func (r *Router) SendControl(ifname string, proto Protocol, msg any) {
	ifc := r.iface(ifname)
	if ifc == nil || r.closed.Load() {
		return
	}
	l := &ifc.ctl
	if !ifc.port.Link().Up() {
		l.mu.Lock()
		l.lost++
		l.mu.Unlock()
		return
	}
	latency := ifc.port.Impairment().Latency
	now := r.clk.Now()
	at := now.Add(latency)
	l.mu.Lock()
	defer l.mu.Unlock()
	if at.Before(l.last) {
		at = l.last // a shorter latency set meanwhile must not reorder
	}
	l.last = at
	l.sent++
	l.q = append(l.q, ctlMsg{at: at, proto: proto, msg: msg, downs: ifc.downs.Load()})
	if !l.delivering && (l.timerAt.IsZero() || at.Before(l.timerAt)) {
		l.arm(r.clk, ifc, at, now)
	}
}

// arm sets the delivery timer; l.mu must be held.
func (l *ctlLine) arm(clk clock.Clock, ifc *iface, at, now time.Time) {
	l.timerAt = at
	if l.timer == nil {
		l.timer = clk.AfterFunc(at.Sub(now), ifc.deliverControl)
		return
	}
	l.timer.Reset(at.Sub(now))
}

// deliverControl hands every message that has arrived to the far router,
// one at a time, outside the line's lock.
func (i *iface) deliverControl() {
	l := &i.ctl
	clk := i.r.clk
	l.mu.Lock()
	l.timerAt = time.Time{}
	if l.delivering {
		l.mu.Unlock()
		return
	}
	l.delivering = true
	now := clk.Now()
	for len(l.q) > 0 && !l.q[0].at.After(now) {
		m := l.q[0]
		l.q[0] = ctlMsg{}
		l.q = l.q[1:]
		l.mu.Unlock()
		ok := i.handOver(m)
		l.mu.Lock()
		if !ok {
			l.lost++
		}
	}
	if len(l.q) == 0 {
		l.q = nil // let the backing array go
	}
	l.delivering = false
	if len(l.q) > 0 {
		l.arm(clk, i, l.q[0].at, clk.Now())
	}
	l.mu.Unlock()
}

// handOver runs the far router's handler for m under its control lock,
// unless the link failed since m was sent.
func (i *iface) handOver(m ctlMsg) bool {
	if i.downs.Load() != m.downs || !i.port.Link().Up() {
		return false
	}
	peer := i.r.fabric.owner(i.port.Peer())
	if peer == nil || peer.r.closed.Load() {
		return false
	}
	pr := peer.r
	h := pr.controlHandler(m.proto)
	if h == nil {
		return false
	}
	pr.ctl.Lock()
	defer pr.ctl.Unlock()
	h(peer.name, m.msg)
	return true
}

// HandleControl registers the handler for proto's messages, replacing any
// earlier one.
func (r *Router) HandleControl(proto Protocol, h func(iface string, msg any)) {
	r.hMu.Lock()
	defer r.hMu.Unlock()
	r.handlers[proto] = h
}

func (r *Router) controlHandler(p Protocol) func(string, any) {
	r.hMu.Lock()
	defer r.hMu.Unlock()
	return r.handlers[p]
}

// ControlStats returns how many control messages an interface sent and how
// many of them were lost (link down, or no handler at the far end).
func (r *Router) ControlStats(ifname string) (sent, lost uint64) {
	ifc := r.iface(ifname)
	if ifc == nil {
		return 0, 0
	}
	ifc.ctl.mu.Lock()
	defer ifc.ctl.mu.Unlock()
	return ifc.ctl.sent, ifc.ctl.lost
}
