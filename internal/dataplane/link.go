package dataplane

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/packet"
)

// DefaultMTU is a link's MTU when its Config gives none: Ethernet's.
const DefaultMTU = 1500

// Handler takes the frames a port receives. It owns each frame: it must
// Release it or pass it on (to another link's Send, say). It runs on the
// clock's goroutine and should not block.
type Handler func(f *packet.Frame)

// Config describes a link.
type Config struct {
	// Name identifies the link in errors and captures, e.g. "pe1-p1".
	Name string
	// AName and BName name its ends, e.g. "pe1:eth1"; by default the link
	// name with ".a" and ".b".
	AName, BName string
	// MTU is the largest payload, after the Ethernet header, the link
	// carries; 0 means DefaultMTU.
	MTU int
	// A and B are the impairments of frames sent by port A and by port B.
	A, B Impairment
	// Seed seeds the random numbers behind loss and jitter, so the same seed
	// loses the same frames every run.
	Seed uint64
	// Down creates the link administratively down.
	Down bool
}

// Link is a point-to-point link between two ports that moves frames on a
// clock. It is safe for concurrent use.
type Link struct {
	name  string
	clk   clock.Clock
	ports [2]Port
	dirs  [2]direction // dirs[i] carries frames sent by ports[i]
	mtu   atomic.Int64
	taps  atomic.Pointer[[]*tapEntry]
	mu    sync.Mutex // serialises SetUp and AddTap
}

// Port is one end of a link.
type Port struct {
	link    *Link
	name    string
	out, in *direction
	carrier atomic.Pointer[func(up bool)]
}

// direction is everything about frames going one way over a link: its
// impairment, the line it queues on, the frames in flight and the timer
// that delivers them.
type direction struct {
	link     *Link
	from, to *Port

	mu          sync.Mutex
	up          bool
	imp         Impairment
	rng         *rand.Rand
	busyUntil   time.Time // when the line finishes serializing what it has
	lastArrival time.Time // arrival of the last frame sent: none may arrive before it
	flight      ring
	timer       clock.Timer
	timerAt     time.Time // when timer is due; zero if not set
	delivering  bool      // deliver is running its loop
	handler     Handler   // of the receiving port
	stats       Stats     // Tx and drops for from, Rx for to
}

// NewLink returns a link on clk described by cfg.
func NewLink(clk clock.Clock, cfg Config) (*Link, error) {
	if clk == nil {
		return nil, errNilClock
	}
	if cfg.MTU < 0 {
		return nil, fmt.Errorf("link %s: mtu %d is negative", cfg.Name, cfg.MTU)
	}
	for i, m := range []Impairment{cfg.A, cfg.B} {
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("link %s: impairment of port %c: %w", cfg.Name, 'a'+i, err)
		}
	}
	l := &Link{name: cfg.Name, clk: clk}
	if cfg.MTU == 0 {
		cfg.MTU = DefaultMTU
	}
	l.mtu.Store(int64(cfg.MTU))
	names := [2]string{cfg.AName, cfg.BName}
	imps := [2]Impairment{cfg.A, cfg.B}
	for i := range 2 {
		if names[i] == "" {
			names[i] = fmt.Sprintf("%s.%c", cfg.Name, 'a'+i)
		}
		l.ports[i] = Port{link: l, name: names[i], out: &l.dirs[i], in: &l.dirs[1-i]}
		l.dirs[i] = direction{
			link: l,
			from: &l.ports[i],
			to:   &l.ports[1-i],
			up:   !cfg.Down,
			imp:  imps[i],
			// One stream per direction, so traffic one way does not change
			// which frames the other way loses.
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i))),
		}
	}
	return l, nil
}

// Name returns the link's name.
func (l *Link) Name() string { return l.name }

// A returns the link's first port.
func (l *Link) A() *Port { return &l.ports[0] }

// B returns the link's second port.
func (l *Link) B() *Port { return &l.ports[1] }

// MTU returns the largest payload, after the Ethernet header, the link
// carries.
func (l *Link) MTU() int { return int(l.mtu.Load()) }

// SetMTU changes the MTU for frames sent from now on.
func (l *Link) SetMTU(mtu int) error {
	if mtu <= 0 {
		return fmt.Errorf("link %s: mtu %d is not positive", l.name, mtu)
	}
	l.mtu.Store(int64(mtu))
	return nil
}

// Up reports whether the link is administratively up.
func (l *Link) Up() bool {
	d := &l.dirs[0]
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.up
}

// SetUp brings the link up or down, like "ip link set ... up|down" on both
// ends. Taking it down drops the frames in flight and those queued for the
// line; a down link drops what it is sent. Both ports' carrier handlers then
// learn of the change, if it was one.
func (l *Link) SetUp(up bool) {
	l.mu.Lock()
	changed := false
	for i := range l.dirs {
		if d := &l.dirs[i]; d.setUp(up) {
			changed = true
		}
	}
	l.mu.Unlock()
	if !changed {
		return
	}
	for i := range l.ports {
		if h := l.ports[i].carrier.Load(); h != nil {
			(*h)(up)
		}
	}
}

// setUp changes one direction's state and reports whether it changed.
func (d *direction) setUp(up bool) bool {
	d.mu.Lock()
	if d.up == up {
		d.mu.Unlock()
		return false
	}
	d.up = up
	var dropped []*packet.Frame
	if !up {
		d.busyUntil, d.lastArrival = time.Time{}, time.Time{}
		for d.flight.len() > 0 {
			e := d.flight.pop()
			d.stats.drops[DropDown]++
			dropped = append(dropped, e.frame)
		}
	}
	d.mu.Unlock()
	// A pending timer is left alone: finding nothing due, it does nothing.
	for _, f := range dropped {
		f.Release()
	}
	return true
}

// Name returns the port's name.
func (p *Port) Name() string { return p.name }

// Link returns the link the port belongs to.
func (p *Port) Link() *Link { return p.link }

// Peer returns the port at the other end of the link.
func (p *Port) Peer() *Port { return p.out.to }

// SetHandler sets the function that takes the frames the port receives;
// until it is set, they are dropped (DropNoHandler).
func (p *Port) SetHandler(h Handler) {
	p.in.mu.Lock()
	p.in.handler = h
	p.in.mu.Unlock()
}

// SetCarrierHandler sets a function called, on the goroutine calling
// Link.SetUp, when the link goes up or down: a router's view of losing
// carrier, which its IGP may act on without waiting for a dead timer.
func (p *Port) SetCarrierHandler(h func(up bool)) {
	if h == nil {
		p.carrier.Store(nil)
		return
	}
	p.carrier.Store(&h)
}

// Impairment returns the impairment of frames this port sends.
func (p *Port) Impairment() Impairment {
	p.out.mu.Lock()
	defer p.out.mu.Unlock()
	return p.out.imp
}

// SetImpairment changes, like "tc qdisc change", the impairment of frames
// this port sends from now on; frames already in flight keep their arrival
// times.
func (p *Port) SetImpairment(m Impairment) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("port %s: %w", p.name, err)
	}
	p.out.mu.Lock()
	p.out.imp = m
	p.out.mu.Unlock()
	return nil
}

// Stats returns the port's counters.
func (p *Port) Stats() Stats {
	p.out.mu.Lock()
	s := p.out.stats
	p.out.mu.Unlock()
	p.in.mu.Lock()
	s.RxFrames, s.RxBytes = p.in.stats.RxFrames, p.in.stats.RxBytes
	p.in.mu.Unlock()
	return s
}

// Send puts a frame, an Ethernet II frame, on the link towards the peer
// port, taking ownership of it. The link delivers it to the peer's handler
// when the clock reaches its arrival time, or drops (and releases) it,
// counting why.
func (p *Port) Send(f *packet.Frame) {
	if !p.out.send(f) {
		f.Release()
	}
}

// send queues f for delivery and reports true, or counts why it drops it
// and reports false.
func (d *direction) send(f *packet.Frame) bool {
	size := f.Len()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.up {
		return d.drop(DropDown)
	}
	if size < packet.EthernetHeaderLen {
		return d.drop(DropRunt)
	}
	if size-packet.EthernetHeaderLen > d.link.MTU() {
		return d.drop(DropMTU)
	}
	now := d.link.clk.Now()
	m := &d.imp

	// The line: serialize after whatever it is still sending, if the
	// queue in front of it has room.
	onWire := now
	if m.Rate > 0 {
		if d.busyUntil.After(now) {
			backlog := bytesIn(d.busyUntil.Sub(now), m.Rate)
			if backlog+uint64(size) > m.queueLimit() {
				return d.drop(DropQueue)
			}
			onWire = d.busyUntil
		}
		d.busyUntil = onWire.Add(serialization(size, m.Rate))
		onWire = d.busyUntil // the last bit leaves now
	}
	d.stats.TxFrames++
	d.stats.TxBytes += uint64(size)
	d.link.tap(now, d.from, f.Bytes())

	if m.Loss > 0 && d.rng.Float64() < m.Loss {
		return d.drop(DropLoss)
	}
	delay := m.Latency
	if m.Jitter > 0 {
		delay += time.Duration(d.rng.Int64N(2*int64(m.Jitter)+1)) - m.Jitter
		delay = max(delay, 0)
	}
	at := onWire.Add(delay)
	if at.Before(d.lastArrival) {
		at = d.lastArrival // no overtaking on a wire
	}
	d.lastArrival = at
	d.flight.push(inflight{frame: f, at: at})
	// The timer is already set for the head, which arrives no later than
	// this frame, unless a down/up emptied the line and left it set for a
	// frame that is gone.
	if !d.delivering && (d.timerAt.IsZero() || at.Before(d.timerAt)) {
		d.arm(at, now)
	}
	return true
}

// drop counts a drop and reports false, for send to return; d.mu must be
// held.
func (d *direction) drop(r DropReason) bool {
	d.stats.drops[r]++
	return false
}

// arm sets the delivery timer for at; d.mu must be held.
func (d *direction) arm(at, now time.Time) {
	d.timerAt = at
	if d.timer == nil {
		d.timer = d.link.clk.AfterFunc(at.Sub(now), d.deliver)
		return
	}
	d.timer.Reset(at.Sub(now))
}

// deliver is the timer callback: it hands every frame that has arrived to
// the receiving handler, in order and outside the lock, then sets the timer
// for the next one. Only one deliver loop runs at a time, so frames reach
// the handler in the order they were sent even on the real clock, where a
// timer reset while its callback runs can start a second one.
func (d *direction) deliver() {
	d.mu.Lock()
	d.timerAt = time.Time{}
	if d.delivering {
		d.mu.Unlock()
		return
	}
	d.delivering = true
	now := d.link.clk.Now()
	for d.flight.len() > 0 && !d.flight.peek().at.After(now) {
		e := d.flight.pop()
		h := d.handler
		if h == nil {
			d.stats.drops[DropNoHandler]++
		} else {
			d.stats.RxFrames++
			d.stats.RxBytes += uint64(e.frame.Len())
		}
		d.mu.Unlock()
		if h != nil {
			h(e.frame)
		} else {
			e.frame.Release()
		}
		d.mu.Lock()
	}
	d.delivering = false
	if d.flight.len() > 0 {
		d.arm(d.flight.peek().at, d.link.clk.Now())
	}
	d.mu.Unlock()
}
