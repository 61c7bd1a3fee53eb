package routertest

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// Epoch is where a Net's clock starts unless told otherwise.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Net is a set of fake routers joined by point-to-point links, all on one
// virtual clock. Build it, start protocols (under each router's Do), then
// advance Clock.
type Net struct {
	Clock   *clock.Virtual
	routers []*Router
	byName  map[string]*Router
	links   []*Link

	// Sent, Delivered and Dropped count control messages, for tests and
	// benchmarks that want to see the cost of a protocol.
	Sent, Delivered, Dropped int
}

// NewNet returns an empty network whose clock reads Epoch.
func NewNet() *Net {
	return &Net{Clock: clock.NewVirtual(Epoch), byName: map[string]*Router{}}
}

// AddRouter adds a router whose router id is its loopback address.
func (n *Net) AddRouter(name string, loopback netip.Prefix) *Router {
	if _, dup := n.byName[name]; dup {
		panic(fmt.Sprintf("routertest: router %s added twice", name))
	}
	r := &Router{net: n, name: name, rid: loopback.Addr(), lo: loopback}
	r.rib = newRIB()
	r.rib.setConnected(r.connectedRoutes())
	n.routers = append(n.routers, r)
	n.byName[name] = r
	return r
}

// Router returns the router called name, or nil.
func (n *Net) Router(name string) *Router { return n.byName[name] }

// Routers returns every router in the order they were added.
func (n *Net) Routers() []*Router { return n.routers }

// Links returns every link in the order they were connected.
func (n *Net) Links() []*Link { return n.links }

// Link is a point-to-point link between two router interfaces.
type Link struct {
	net     *Net
	Latency time.Duration
	end     [2]end
	up      bool
	// blackhole drops control messages while carrier stays up: a hung
	// neighbour or a one-way fault, found only by the dead interval.
	blackhole bool
	// epoch changes whenever the link goes down, so that a message sent
	// before a flap is not delivered after it.
	epoch uint64
}

type end struct {
	r     *Router
	iface int // index into r.ifaces
}

// Connect joins interface aIf (address aAddr, with the link's prefix
// length) of a to bIf of b. The link starts up.
func (n *Net) Connect(a *Router, aIf string, aAddr netip.Prefix, b *Router, bIf string, bAddr netip.Prefix, latency time.Duration) *Link {
	l := &Link{net: n, Latency: latency, up: true}
	l.end[0] = end{a, a.addIface(aIf, aAddr, b.name, l, 0)}
	l.end[1] = end{b, b.addIface(bIf, bAddr, a.name, l, 1)}
	n.links = append(n.links, l)
	a.rib.setConnected(a.connectedRoutes())
	b.rib.setConnected(b.connectedRoutes())
	return l
}

// FindLink returns the first link between routers a and b, or nil.
func (n *Net) FindLink(a, b string) *Link {
	for _, l := range n.links {
		x, y := l.end[0].r.name, l.end[1].r.name
		if x == a && y == b || x == b && y == a {
			return l
		}
	}
	return nil
}

// Up reports whether the link is up.
func (l *Link) Up() bool { return l.up }

// Ends names the two routers and interfaces, "p1:eth1", "p2:eth1".
func (l *Link) Ends() (string, string) {
	f := func(e end) string { return e.r.name + ":" + e.r.ifaces[e.iface].Name }
	return f(l.end[0]), f(l.end[1])
}

// SetUp takes the link up or down and tells both ends at once, as carrier
// loss does. Call it between clock advances, not from a callback.
func (l *Link) SetUp(up bool) {
	if l.up == up {
		return
	}
	l.up = up
	if !up {
		l.epoch++
	}
	for _, e := range l.end {
		e.r.setIfaceUp(e.iface, up)
	}
}

// SetBlackhole makes the link lose every control message (on) or carry
// them again (off) without any interface change.
func (l *Link) SetBlackhole(on bool) { l.blackhole = on }

// send carries msg from end from to the other end after the latency.
func (l *Link) send(from int, proto router.Protocol, msg any) {
	n := l.net
	n.Sent++
	if !l.up || l.blackhole {
		n.Dropped++
		return
	}
	epoch := l.epoch
	to := l.end[1-from]
	n.Clock.AfterFunc(l.Latency, func() {
		if !l.up || l.epoch != epoch {
			n.Dropped++
			return
		}
		n.Delivered++
		to.r.deliver(to.iface, proto, msg)
	})
}
