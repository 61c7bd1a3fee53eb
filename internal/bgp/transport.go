package bgp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Conn is one transport connection carrying whole BGP messages: each
// []byte is one message, header included. The FSM does not care whether
// the bytes cross a TCP socket or an in-memory pipe.
type Conn interface {
	// Start begins delivery. recv is called for each message, in order,
	// one at a time; closed is called once when the far end or the network
	// ends the connection (never after a local Close).
	Start(recv func(msg []byte), closed func(err error))
	// Send queues msg for the far end; it never waits for the far end to
	// read. msg must not be modified afterwards (it may be shared by many
	// connections and kept by the receiver).
	Send(msg []byte) error
	// Close ends the connection after the messages already queued.
	Close()
	LocalAddr() netip.AddrPort
	RemoteAddr() netip.AddrPort
}

// Transport makes Conns.
type Transport interface {
	// Listen accepts connections on addr and hands each to accept. It
	// returns the bound address (useful with port 0) and a stop function.
	Listen(addr netip.AddrPort, accept func(Conn)) (bound netip.AddrPort, stop func(), err error)
	// Dial connects from local (zero: any) to remote and reports the
	// result to done, on another goroutine or clock callback, never
	// inside Dial.
	Dial(local netip.Addr, remote netip.AddrPort, done func(Conn, error))
}

// TCP is the transport over real sockets, so that external daemons (and
// tshark on lo) see real BGP.
type TCP struct {
	// DialTimeout bounds a connect attempt (default 5 s).
	DialTimeout time.Duration
}

const (
	headerLen     = 19
	maxMessageLen = 4096
)

// Listen implements Transport.
func (t TCP) Listen(addr netip.AddrPort, accept func(Conn)) (netip.AddrPort, func(), error) {
	// No TCP keepalive, here or in Dial: BGP's hold timer and KEEPALIVEs
	// watch the session, and a lab's thousands of connections are spared
	// four system calls each.
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(context.Background(), "tcp", addr.String())
	if err != nil {
		return netip.AddrPort{}, nil, fmt.Errorf("bgp listen %v: %w", addr, err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accept(newTCPConn(c))
		}
	}()
	bound := ln.Addr().(*net.TCPAddr).AddrPort()
	return bound, func() { ln.Close() }, nil
}

// Dial implements Transport.
func (t TCP) Dial(local netip.Addr, remote netip.AddrPort, done func(Conn, error)) {
	timeout := t.DialTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	go func() {
		d := net.Dialer{Timeout: timeout, KeepAlive: -1}
		if local.IsValid() {
			d.LocalAddr = net.TCPAddrFromAddrPort(netip.AddrPortFrom(local, 0))
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		c, err := d.DialContext(ctx, "tcp", remote.String())
		if err != nil {
			done(nil, fmt.Errorf("bgp connect %v: %w", remote, err))
			return
		}
		done(newTCPConn(c), nil)
	}()
}

// tcpConn frames a TCP stream into messages. Writes go through a queue
// and a writer goroutine so that a slow reader at the far end never
// blocks the speaker (which sends while holding its lock).
type tcpConn struct {
	c       net.Conn
	mu      sync.Mutex
	queue   [][]byte
	wake    chan struct{}
	started bool // the writer goroutine runs
	closed  bool // local Close called
}

func newTCPConn(c net.Conn) *tcpConn {
	return &tcpConn{c: c, wake: make(chan struct{}, 1)}
}

func (t *tcpConn) LocalAddr() netip.AddrPort  { return t.c.LocalAddr().(*net.TCPAddr).AddrPort() }
func (t *tcpConn) RemoteAddr() netip.AddrPort { return t.c.RemoteAddr().(*net.TCPAddr).AddrPort() }

func (t *tcpConn) Start(recv func([]byte), closed func(error)) {
	t.mu.Lock()
	t.started = true
	t.mu.Unlock()
	go t.writer()
	go t.reader(recv, closed)
}

func (t *tcpConn) reader(recv func([]byte), closed func(error)) {
	f := newFrameReader(t.c)
	defer f.release()
	for {
		hdr, err := f.next(headerLen, false)
		if err != nil {
			t.reportClosed(closed, err)
			return
		}
		n := int(binary.BigEndian.Uint16(hdr[16:18]))
		if n < headerLen || n > maxMessageLen {
			// Hand the bad header to the FSM, which answers with a
			// NOTIFICATION; the stream cannot be framed any further.
			recv(append([]byte(nil), hdr...))
			return
		}
		msg := make([]byte, n)
		copy(msg, hdr)
		body, err := f.next(n-headerLen, true)
		if err != nil {
			t.reportClosed(closed, err)
			return
		}
		copy(msg[headerLen:], body)
		recv(msg)
	}
}

func (t *tcpConn) reportClosed(closed func(error), err error) {
	t.mu.Lock()
	local := t.closed
	t.mu.Unlock()
	if !local {
		if errors.Is(err, io.EOF) {
			err = io.EOF
		}
		closed(err)
	}
}

func (t *tcpConn) writer() {
	for range t.wake {
		t.mu.Lock()
		q := t.queue
		t.queue = nil
		closing := t.closed
		t.mu.Unlock()
		// What queued since the last write goes in one writev: a
		// flush of many UPDATEs costs one system call and a few
		// segments, not one of each per message (TCP_NODELAY is on).
		if len(q) > 0 {
			bufs := net.Buffers(q)
			if _, err := bufs.WriteTo(t.c); err != nil {
				t.c.Close()
				return
			}
		}
		if closing {
			t.c.Close()
			return
		}
	}
}

func (t *tcpConn) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *tcpConn) Send(msg []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errors.New("bgp: send on closed connection")
	}
	t.queue = append(t.queue, msg)
	t.signal()
	return nil
}

func (t *tcpConn) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	started := t.started
	t.mu.Unlock()
	if !started {
		t.c.Close() // refused or unwanted: nothing to flush
		return
	}
	// The writer flushes what is queued (a NOTIFICATION, typically) and
	// then closes; the deadline keeps a stuck peer from holding it.
	t.c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	t.signal()
}
