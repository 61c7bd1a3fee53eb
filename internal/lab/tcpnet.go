package lab

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
)

// tcpNet runs the lab's own BGP sessions over real TCP on 127/8 (the
// daemon's default, Options.BGPTransport "tcp"), so tshark on lo sees the
// lab's BGP as well as its sessions with external daemons. Like
// bgp.MemNetwork it follows the emulated network: between two addresses
// whose routers cannot reach each other, messages are held (the session
// dies by its hold timer, as over a broken path) and new connections are
// refused; when the path returns, what was held is sent, in order.
type tcpNet struct {
	tcp bgp.TCP
	// clk runs the speakers: what a connection reads is handed to its
	// speaker as a callback on it (inbox).
	clk clock.Clock

	mu    sync.Mutex
	cut   map[[2]netip.Addr]bool
	conns map[*gatedConn]bool
	// handled counts the messages lab speakers have finished handling:
	// readiness waits until it stops moving (see traffic).
	handled uint64

	// beforeHandle, when set (tests), runs in a connection's reader
	// before each message is queued for the speaker: a slow reader. It is
	// atomic because New may already have readers running when a test
	// sets it.
	beforeHandle atomic.Pointer[func(to netip.AddrPort, msg []byte)]
}

func newTCPNet(clk clock.Clock) *tcpNet {
	return &tcpNet{clk: clk, cut: map[[2]netip.Addr]bool{}, conns: map[*gatedConn]bool{}}
}

// Listen implements bgp.Transport.
func (n *tcpNet) Listen(addr netip.AddrPort, accept func(bgp.Conn)) (netip.AddrPort, func(), error) {
	return n.tcp.Listen(addr, func(c bgp.Conn) {
		if n.isCut(c.LocalAddr().Addr().Unmap(), c.RemoteAddr().Addr().Unmap()) {
			c.Close()
			return
		}
		accept(n.gate(c))
	})
}

// Dial implements bgp.Transport.
func (n *tcpNet) Dial(local netip.Addr, remote netip.AddrPort, done func(bgp.Conn, error)) {
	if n.isCut(local, remote.Addr()) {
		go done(nil, errors.New("bgp: no route to "+remote.Addr().String()))
		return
	}
	n.tcp.Dial(local, remote, func(c bgp.Conn, err error) {
		if err != nil {
			done(nil, err)
			return
		}
		done(n.gate(c), nil)
	})
}

// SetReachable lets messages between a and b flow or holds them.
func (n *tcpNet) SetReachable(a, b netip.Addr, up bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !up {
		n.cut[[2]netip.Addr{a, b}] = true
		n.cut[[2]netip.Addr{b, a}] = true
		return
	}
	delete(n.cut, [2]netip.Addr{a, b})
	delete(n.cut, [2]netip.Addr{b, a})
	for c := range n.conns {
		if la, ra := c.local.Addr(), c.remote.Addr(); (la == a && ra == b) || (la == b && ra == a) {
			c.flush() // under n.mu: nothing sent from now on overtakes it
		}
	}
}

func (n *tcpNet) isCut(a, b netip.Addr) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cut[[2]netip.Addr{a.Unmap(), b.Unmap()}]
}

func (n *tcpNet) gate(c bgp.Conn) *gatedConn {
	unmap := func(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }
	g := &gatedConn{Conn: c, net: n, local: unmap(c.LocalAddr()), remote: unmap(c.RemoteAddr())}
	n.mu.Lock()
	n.conns[g] = true
	n.mu.Unlock()
	return g
}

// traffic says how many messages one lab speaker has sent another over
// TCP that the other has not finished handling, and how many have been
// handled in all. The lab's clock cannot see these: a message spends
// wall time in queues, sockets and goroutines, and under load that can
// be longer than the quiet spell readiness waits for.
func (n *tcpNet) traffic() (inFlight int, handled uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ends := make(map[[2]netip.AddrPort]*gatedConn, len(n.conns))
	for g := range n.conns {
		ends[[2]netip.AddrPort{g.local, g.remote}] = g
	}
	for g := range n.conns {
		// A far end that is not a lab speaker (an external daemon) or
		// is gone has nothing to count.
		if far := ends[[2]netip.AddrPort{g.remote, g.local}]; far != nil {
			inFlight += g.sent - far.received
		}
	}
	return inFlight, n.handled
}

// counted says whether readiness waits for msg: not a KEEPALIVE, which
// changes no route and, in a large lab, is always on its way somewhere.
func counted(msg []byte) bool {
	const typeOffset, keepalive = 18, 4
	return len(msg) <= typeOffset || msg[typeOffset] != keepalive
}

// gatedConn is a TCP connection that holds what it sends while its path
// is cut, and counts what it sends and handles.
type gatedConn struct {
	bgp.Conn
	net           *tcpNet
	local, remote netip.AddrPort // unmapped
	held          [][]byte       // guarded by net.mu
	// sent counts messages handed to TCP, received those the speaker has
	// finished handling (both guarded by net.mu).
	sent, received int
	// in queues what was read for the speaker, once started.
	in atomic.Pointer[inbox]
}

func (g *gatedConn) Start(recv func([]byte), closed func(error)) {
	n := g.net
	in := newInbox(n.clk, func(msg []byte) {
		recv(msg)
		if !counted(msg) {
			return
		}
		n.mu.Lock()
		g.received++
		n.handled++
		n.mu.Unlock()
	}, func(err error) {
		n.forget(g) // what was in flight either way is lost
		closed(err)
	})
	g.in.Store(in)
	g.Conn.Start(func(msg []byte) {
		if before := n.beforeHandle.Load(); before != nil {
			(*before)(g.local, msg)
		}
		in.push(msg)
	}, in.end)
}

func (g *gatedConn) Send(msg []byte) error {
	n := g.net
	n.mu.Lock()
	if n.cut[[2]netip.Addr{g.local.Addr(), g.remote.Addr()}] || len(g.held) > 0 {
		g.held = append(g.held, msg)
		n.mu.Unlock()
		return nil
	}
	if counted(msg) {
		g.sent++
	}
	n.mu.Unlock()
	err := g.Conn.Send(msg)
	if err != nil && counted(msg) {
		n.mu.Lock()
		g.sent--
		n.mu.Unlock()
	}
	return err
}

// flush (net.mu held) sends what was held.
func (g *gatedConn) flush() {
	for _, m := range g.held {
		if g.Conn.Send(m) != nil {
			break
		}
		if counted(m) {
			g.sent++
		}
	}
	g.held = nil
}

func (g *gatedConn) Close() {
	if in := g.in.Load(); in != nil {
		in.stop()
	}
	g.net.forget(g)
	g.Conn.Close()
}

func (n *tcpNet) forget(g *gatedConn) {
	n.mu.Lock()
	delete(n.conns, g)
	g.held = nil
	n.mu.Unlock()
}
