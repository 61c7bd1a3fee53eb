package lab

import (
	"errors"
	"net/netip"
	"sync"

	"github.com/intercloud/intercloud/internal/bgp"
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

	mu    sync.Mutex
	cut   map[[2]netip.Addr]bool
	conns map[*gatedConn]bool
}

func newTCPNet() *tcpNet {
	return &tcpNet{cut: map[[2]netip.Addr]bool{}, conns: map[*gatedConn]bool{}}
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
		if la, ra := c.LocalAddr().Addr().Unmap(), c.RemoteAddr().Addr().Unmap(); (la == a && ra == b) || (la == b && ra == a) {
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
	g := &gatedConn{Conn: c, net: n}
	n.mu.Lock()
	n.conns[g] = true
	n.mu.Unlock()
	return g
}

// gatedConn is a TCP connection that holds what it sends while its path
// is cut.
type gatedConn struct {
	bgp.Conn
	net  *tcpNet
	held [][]byte // guarded by net.mu
}

func (g *gatedConn) Send(msg []byte) error {
	n := g.net
	n.mu.Lock()
	if n.cut[[2]netip.Addr{g.LocalAddr().Addr().Unmap(), g.RemoteAddr().Addr().Unmap()}] || len(g.held) > 0 {
		g.held = append(g.held, msg)
		n.mu.Unlock()
		return nil
	}
	n.mu.Unlock()
	return g.Conn.Send(msg)
}

// flush (net.mu held) sends what was held.
func (g *gatedConn) flush() {
	for _, m := range g.held {
		if g.Conn.Send(m) != nil {
			break
		}
	}
	g.held = nil
}

func (g *gatedConn) Close() {
	g.net.mu.Lock()
	delete(g.net.conns, g)
	g.held = nil
	g.net.mu.Unlock()
	g.Conn.Close()
}
