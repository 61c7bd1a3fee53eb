package routertest

import (
	"net/netip"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// Router is a fake router: it implements router.Env for the protocols
// started on it, and records their events and RIB contents.
type Router struct {
	net  *Net
	name string
	rid  netip.Addr
	lo   netip.Prefix

	// mu is the control-plane lock every protocol callback runs under.
	mu       sync.Mutex
	ifaces   []router.InterfaceState
	links    []*Link
	sides    []int
	rib      *RIB
	handlers [router.ProtoIBGP + 1]func(iface string, msg any)
	watchIf  []func(router.InterfaceState)
	events   []router.Event
	// KeepEvents bounds the event log (the oldest are dropped); 0 keeps all.
	KeepEvents int
}

var _ router.Env = (*Router)(nil)

func (r *Router) addIface(name string, addr netip.Prefix, peer string, l *Link, side int) int {
	r.ifaces = append(r.ifaces, router.InterfaceState{Name: name, Addr: addr, Up: true, Peer: peer})
	r.links = append(r.links, l)
	r.sides = append(r.sides, side)
	return len(r.ifaces) - 1
}

// Name is the router's name.
func (r *Router) Name() string { return r.name }

// RouterID is the router's loopback address.
func (r *Router) RouterID() netip.Addr { return r.rid }

// Loopback is the router's loopback /32.
func (r *Router) Loopback() netip.Prefix { return r.lo }

// Interfaces returns a copy of the interface list.
func (r *Router) Interfaces() []router.InterfaceState {
	return append([]router.InterfaceState(nil), r.ifaces...)
}

// RIB returns the router's recording RIB as the protocols see it.
func (r *Router) RIB() router.RIB { return r.rib }

// Table returns the recording RIB itself, for assertions.
func (r *Router) Table() *RIB { return r.rib }

// Now reads the network's virtual clock.
func (r *Router) Now() time.Time { return r.net.Clock.Now() }

// AfterFunc runs f under the control-plane lock once d has passed.
func (r *Router) AfterFunc(d time.Duration, f func()) clock.Timer {
	return r.net.Clock.AfterFunc(d, func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		f()
	})
}

// SendControl carries msg over the link behind iface. Unknown interfaces
// and down links drop it.
func (r *Router) SendControl(iface string, proto router.Protocol, msg any) {
	for i, s := range r.ifaces {
		if s.Name == iface {
			r.links[i].send(r.sides[i], proto, msg)
			return
		}
	}
	r.net.Dropped++
}

// HandleControl registers the handler for proto's messages.
func (r *Router) HandleControl(proto router.Protocol, h func(iface string, msg any)) {
	r.handlers[proto] = h
}

// OnInterfaceChange registers f for interface up/down.
func (r *Router) OnInterfaceChange(f func(router.InterfaceState)) {
	r.watchIf = append(r.watchIf, f)
}

// Event appends to the router's event log.
func (r *Router) Event(kind, detail string) {
	r.events = append(r.events, router.Event{Time: r.Now(), Node: r.name, Kind: kind, Detail: detail})
	if r.KeepEvents > 0 && len(r.events) > 2*r.KeepEvents {
		r.events = append(r.events[:0], r.events[len(r.events)-r.KeepEvents:]...)
	}
}

// Do runs f under the control-plane lock, as show commands do. Protocols
// must be started with Do too, so that Start sees the same lock.
func (r *Router) Do(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

// Events returns the events of the given kinds (all when none is given).
func (r *Router) Events(kinds ...string) []router.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []router.Event
	for _, e := range r.events {
		if len(kinds) == 0 || contains(kinds, e.Kind) {
			out = append(out, e)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r *Router) deliver(iface int, proto router.Protocol, msg any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.ifaces[iface].Up {
		r.net.Dropped++
		return
	}
	if h := r.handlers[proto]; h != nil {
		h(r.ifaces[iface].Name, msg)
	}
}

func (r *Router) setIfaceUp(i int, up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ifaces[i].Up = up
	kind := "interface-down"
	if up {
		kind = "interface-up"
	}
	r.Event(kind, r.ifaces[i].Name)
	r.rib.setConnected(r.connectedRoutes())
	st := r.ifaces[i]
	for _, f := range r.watchIf {
		f(st)
	}
}

// connectedRoutes is the loopback and the subnet of every up interface.
func (r *Router) connectedRoutes() []router.Route {
	out := []router.Route{{Prefix: r.lo, Proto: router.ProtoConnected, Nexthops: []router.Nexthop{{Iface: "lo"}}}}
	for _, s := range r.ifaces {
		if s.Up && s.VRF == "" {
			out = append(out, router.Route{Prefix: s.Addr.Masked(), Proto: router.ProtoConnected, Nexthops: []router.Nexthop{{Iface: s.Name}}})
		}
	}
	return out
}
