package bgp

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sync"

	"github.com/intercloud/intercloud/internal/clock"
)

// MemNetwork is an in-memory Transport: connections are pairs of queues
// delivering already-encoded messages as clock callbacks, so a lab of
// hundreds of speakers needs no sockets and runs on the virtual clock.
// One MemNetwork is one address space; speakers sharing it reach each
// other by address.
type MemNetwork struct {
	clock clock.Clock

	mu        sync.Mutex
	listeners map[netip.AddrPort]func(Conn)
	nextPort  uint16
	// cut holds address pairs between which messages do not get through,
	// as when the IGP loses the path: sessions then die by hold timer.
	cut map[[2]netip.Addr]bool
	// held are connections with messages sent while their path was cut.
	held map[*memConn]bool
}

// SetReachable makes messages between a and b flow (true) or stop
// (false), in both directions, without closing any connection. Like TCP
// over a path that breaks and heals, a connection keeps what it sent
// while the path was cut and delivers it, in order, when the path
// returns — unless the connection was closed first (a hold timer, say),
// which discards it. New connections across a cut are refused.
func (n *MemNetwork) SetReachable(a, b netip.Addr, up bool) {
	n.mu.Lock()
	if n.cut == nil {
		n.cut = map[[2]netip.Addr]bool{}
	}
	var flush []*memConn
	if up {
		delete(n.cut, [2]netip.Addr{a, b})
		delete(n.cut, [2]netip.Addr{b, a})
		for c := range n.held {
			if la, ra := c.local.Addr(), c.remote.Addr(); (la == a && ra == b) || (la == b && ra == a) {
				flush = append(flush, c)
				delete(n.held, c)
			}
		}
	} else {
		n.cut[[2]netip.Addr{a, b}] = true
		n.cut[[2]netip.Addr{b, a}] = true
	}
	// Under n.mu, so that nothing sent from now on overtakes them.
	for _, c := range flush {
		c.flushHeld()
	}
	n.mu.Unlock()
}

// NewMemNetwork makes an empty in-memory network on c.
func NewMemNetwork(c clock.Clock) *MemNetwork {
	return &MemNetwork{clock: c, listeners: map[netip.AddrPort]func(Conn){}, nextPort: 32768}
}

// Listen implements Transport.
func (n *MemNetwork) Listen(addr netip.AddrPort, accept func(Conn)) (netip.AddrPort, func(), error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.listeners[addr]; ok {
		return netip.AddrPort{}, nil, fmt.Errorf("bgp listen %v: address in use", addr)
	}
	n.listeners[addr] = accept
	return addr, func() {
		n.mu.Lock()
		delete(n.listeners, addr)
		n.mu.Unlock()
	}, nil
}

// Dial implements Transport.
func (n *MemNetwork) Dial(local netip.Addr, remote netip.AddrPort, done func(Conn, error)) {
	n.clock.AfterFunc(0, func() {
		if !local.IsValid() {
			done(nil, fmt.Errorf("bgp connect %v: the in-memory network needs a local address", remote))
			return
		}
		n.mu.Lock()
		accept := n.listeners[remote]
		if n.cut[[2]netip.Addr{local, remote.Addr()}] {
			accept = nil // unreachable: the SYN is lost
		}
		n.nextPort++
		port := n.nextPort
		n.mu.Unlock()
		if accept == nil {
			done(nil, fmt.Errorf("bgp connect %v: connection refused", remote))
			return
		}
		a := &memConn{net: n, local: netip.AddrPortFrom(local, port), remote: remote}
		b := &memConn{net: n, local: remote, remote: a.local}
		a.peer, b.peer = b, a
		accept(b)
		done(a, nil)
	})
}

// memConn is one end of an in-memory connection. Messages sent by the far
// end wait in inbox until a drain callback delivers them in order.
type memConn struct {
	net           *MemNetwork
	local, remote netip.AddrPort
	peer          *memConn

	mu         sync.Mutex
	inbox      [][]byte
	recv       func([]byte)
	closedFn   func(error)
	draining   bool // a drain callback is scheduled or running
	farClosed  bool // the far end closed: report after the inbox
	localClose bool
	held       [][]byte // sent while the path was cut, not yet delivered
}

func (m *memConn) LocalAddr() netip.AddrPort  { return m.local }
func (m *memConn) RemoteAddr() netip.AddrPort { return m.remote }

func (m *memConn) Start(recv func([]byte), closed func(error)) {
	m.mu.Lock()
	m.recv, m.closedFn = recv, closed
	m.kickLocked()
	m.mu.Unlock()
}

// kickLocked schedules a drain if there is something to deliver.
func (m *memConn) kickLocked() {
	if m.draining || m.recv == nil || m.localClose || (len(m.inbox) == 0 && !m.farClosed) {
		return
	}
	m.draining = true
	m.net.clock.AfterFunc(0, m.drain)
}

func (m *memConn) drain() {
	for {
		m.mu.Lock()
		if m.localClose {
			m.draining = false
			m.mu.Unlock()
			return
		}
		if len(m.inbox) == 0 {
			m.draining = false
			if m.farClosed {
				fn := m.closedFn
				m.farClosed = false
				m.localClose = true // report once
				m.mu.Unlock()
				fn(io.EOF)
				return
			}
			m.mu.Unlock()
			return
		}
		msg := m.inbox[0]
		m.inbox[0] = nil
		m.inbox = m.inbox[1:]
		recv := m.recv
		m.mu.Unlock()
		recv(msg)
	}
}

func (m *memConn) Send(msg []byte) error {
	m.mu.Lock()
	closed := m.localClose
	m.mu.Unlock()
	if closed {
		return errors.New("bgp: send on closed connection")
	}
	n := m.net
	n.mu.Lock()
	if n.cut[[2]netip.Addr{m.local.Addr(), m.remote.Addr()}] || n.held[m] {
		// The path is cut (or still has earlier messages to deliver in
		// order): keep it until the path returns.
		m.mu.Lock()
		m.held = append(m.held, msg)
		m.mu.Unlock()
		if n.held == nil {
			n.held = map[*memConn]bool{}
		}
		n.held[m] = true
		n.mu.Unlock()
		return nil
	}
	n.mu.Unlock()
	m.deliver([][]byte{msg})
	return nil
}

// flushHeld delivers what was sent while the path was cut.
func (m *memConn) flushHeld() {
	m.mu.Lock()
	msgs := m.held
	m.held = nil
	closed := m.localClose
	m.mu.Unlock()
	if !closed {
		m.deliver(msgs)
	}
}

// deliver puts msgs in the far end's inbox.
func (m *memConn) deliver(msgs [][]byte) {
	p := m.peer
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.localClose {
		return // the far end is gone; like TCP, the bytes are lost
	}
	p.inbox = append(p.inbox, msgs...)
	p.kickLocked()
}

func (m *memConn) Close() {
	m.mu.Lock()
	if m.localClose {
		m.mu.Unlock()
		return
	}
	m.localClose = true
	m.inbox = nil
	m.held = nil
	m.mu.Unlock()
	m.net.mu.Lock()
	delete(m.net.held, m)
	m.net.mu.Unlock()
	p := m.peer
	p.mu.Lock()
	p.farClosed = true
	p.kickLocked()
	p.mu.Unlock()
}
