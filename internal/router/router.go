package router

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/packet"
	"github.com/intercloud/intercloud/internal/topology"
)

// TTLMode is how TTLs cross an LSP (RFC 3443).
type TTLMode uint8

const (
	// TTLUniform copies the IP TTL into pushed labels and the label TTL
	// back into the IP header when popping, so every LSR counts as a hop
	// and traceroute shows the LSP.
	TTLUniform TTLMode = iota
	// TTLPipe pushes labels with TTL 255 and leaves the IP TTL alone when
	// popping: the LSP is one hop to the IP layer (no-propagate-ttl).
	TTLPipe
)

// Forwarding says whether a node routes packets that are not its own.
type Forwarding uint8

const (
	// ForwardingByRole forwards on every role but host.
	ForwardingByRole Forwarding = iota
	ForwardingOn
	ForwardingOff
)

// Config describes a router to build.
type Config struct {
	// Node gives the name, role, router id and loopback; its static routes
	// are installed too. Interfaces come from AttachPort.
	Node  *topology.Node
	Clock clock.Clock
	// Fabric is shared by the routers of a lab; nil gives the router a
	// fabric of its own (it then exchanges no control messages).
	Fabric     *Fabric
	Forwarding Forwarding
	TTLMode    TTLMode
	// EventLog is how many events the router keeps; 0 means 10,000.
	EventLog int
	// EventSink, if set, also gets every event (a lab-wide log). It is
	// called from protocol callbacks, with the control lock held: it must
	// be quick and must not call back into the router.
	EventSink func(Event)
}

// Router is one emulated router or end system. It implements Env for the
// protocols that run on it; its RIB manager publishes the FIB and LFIB that
// its data path reads without locks.
type Router struct {
	node     *topology.Node
	name     string
	role     topology.Role
	routerID netip.Addr
	loopback netip.Prefix
	clk      clock.Clock
	fabric   *Fabric
	forward  bool
	pipe     atomic.Bool
	seed     uint32 // per-router flow hash seed, against ECMP polarisation
	tunnels  tunnelCounters

	// ctl is the control-plane lock (see Env).
	ctl sync.Mutex
	// hMu guards the registrations, which protocols may make before they
	// run under the control lock.
	hMu       sync.Mutex
	handlers  map[Protocol]func(iface string, msg any)
	ifWatch   []func(InterfaceState)
	closed    atomic.Bool
	ifMu      sync.RWMutex // guards ifaces and byName (written under ctl too)
	ifaces    []*iface
	byName    map[string]*iface
	rib       *ribManager
	fwd       atomic.Pointer[fwdState]
	local     atomic.Pointer[localHandlers]
	filter    atomic.Pointer[filterBox] // security groups on local addresses (filter.go)
	localMu   sync.Mutex                // serialises changes of local
	nat       atomic.Pointer[natTable]  // nil while no VRF has NAT rules
	natMu     sync.Mutex                // serialises changes of nat
	guests    atomic.Pointer[guestSet]  // nil while the router hosts no guests (guests.go)
	events    eventLog
	eventSink func(Event)
	ipID      atomic.Uint32
	appID     atomic.Uint32 // ping identifiers and traceroute source ports
}

var _ Env = (*Router)(nil)

// New returns a router with no interfaces but its loopback.
func New(cfg Config) (*Router, error) {
	n := cfg.Node
	if n == nil {
		return nil, errors.New("router: config without a node")
	}
	if cfg.Clock == nil {
		return nil, fmt.Errorf("router %s: config without a clock", n.Name)
	}
	if cfg.Fabric == nil {
		cfg.Fabric = NewFabric()
	}
	r := &Router{
		node:      n,
		name:      n.Name,
		role:      n.Role,
		routerID:  n.RouterID,
		loopback:  n.Loopback,
		clk:       cfg.Clock,
		fabric:    cfg.Fabric,
		handlers:  make(map[Protocol]func(string, any)),
		byName:    make(map[string]*iface),
		eventSink: cfg.EventSink,
	}
	switch cfg.Forwarding {
	case ForwardingOn:
		r.forward = true
	case ForwardingOff:
	default:
		r.forward = n.Role != topology.RoleHost
	}
	r.pipe.Store(cfg.TTLMode == TTLPipe)
	r.seed = hashString(n.Name)
	r.events.init(cfg.EventLog)
	r.local.Store(&localHandlers{})
	r.rib = newRIBManager(r)
	r.ctl.Lock()
	defer r.ctl.Unlock()
	for _, s := range n.Statics {
		r.rib.addStatic(s.VRF, s.Prefix, s.NextHop)
	}
	r.rib.recompute(changeAll)
	return r, nil
}

// AttachPort adds an interface named name with address addr (its prefix
// length is the link's) on port, in vrf ("" is the default table). The
// router takes over the port's frame and carrier handlers. Do not call it
// with the control lock held (from Do or a protocol callback).
func (r *Router) AttachPort(name string, addr netip.Prefix, port *dataplane.Port, vrf string) error {
	return r.AttachPorts([]PortAttachment{{Name: name, Addr: addr, Port: port, VRF: vrf}})
}

// PortAttachment is one interface for AttachPorts.
type PortAttachment struct {
	Name string
	Addr netip.Prefix // its prefix length is the link's
	Port *dataplane.Port
	VRF  string // "" is the default table
}

// AttachPorts adds interfaces as AttachPort does, and recomputes the
// routes once for them all: a lab attaching a core router's dozens of
// ports one at a time recomputed its table as often. Either every
// interface is added or, on an error, none.
func (r *Router) AttachPorts(ps []PortAttachment) error {
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		switch {
		case p.Port == nil:
			return fmt.Errorf("router %s: interface %s: no port", r.name, p.Name)
		case p.Name == "" || p.Name == loopbackName || strings.HasPrefix(p.Name, vrfIfacePrefix):
			return fmt.Errorf("router %s: interface name %q is reserved", r.name, p.Name)
		case p.Addr.IsValid() && !p.Addr.Addr().Is4():
			return fmt.Errorf("router %s: interface %s: address %v is not IPv4", r.name, p.Name, p.Addr)
		case seen[p.Name]:
			return fmt.Errorf("router %s: interface %s attached twice", r.name, p.Name)
		}
		seen[p.Name] = true
	}
	r.ctl.Lock()
	defer r.ctl.Unlock()
	for _, p := range ps {
		if r.byName[p.Name] != nil {
			return fmt.Errorf("router %s: interface %s already attached", r.name, p.Name)
		}
	}
	added := make([]*iface, 0, len(ps))
	for _, p := range ps {
		ifc := &iface{
			r:      r,
			name:   p.Name,
			addr:   p.Addr,
			port:   p.Port,
			vrf:    p.VRF,
			vrfIdx: r.rib.vrfIndex(p.VRF),
			mac:    InterfaceMAC(r.name, p.Name),
			peer:   r.topoPeer(p.Name),
		}
		ifc.up.Store(p.Port.Link().Up())
		r.fabric.register(ifc)
		r.ifMu.Lock()
		r.ifaces = append(r.ifaces, ifc)
		r.byName[p.Name] = ifc
		r.ifMu.Unlock()
		p.Port.SetHandler(func(f *packet.Frame) { r.receive(ifc, f) })
		p.Port.SetCarrierHandler(func(up bool) { r.carrier(ifc, up) })
		added = append(added, ifc)
	}
	r.rib.recompute(changeAll)
	for _, ifc := range added {
		r.notifyInterface(ifc)
	}
	return nil
}

// notifyInterface runs the interface watchers; the control lock is held.
func (r *Router) notifyInterface(ifc *iface) {
	r.hMu.Lock()
	ws := r.ifWatch
	r.hMu.Unlock()
	st := ifc.state()
	for _, f := range ws {
		f(st)
	}
}

// topoPeer returns the neighbour the topology names for an interface.
func (r *Router) topoPeer(ifname string) string {
	for _, i := range r.node.Interfaces {
		if i.Name == ifname {
			return i.Peer
		}
	}
	return ""
}

// Close detaches the router from its ports: frames to it are dropped by the
// links, its timers do nothing more and its control messages stop.
func (r *Router) Close() {
	r.closed.Store(true)
	r.ifMu.RLock()
	defer r.ifMu.RUnlock()
	for _, ifc := range r.ifaces {
		ifc.port.SetHandler(nil)
		ifc.port.SetCarrierHandler(nil)
		r.fabric.unregister(ifc)
	}
}

// carrier is the port's carrier handler: the link went up or down.
func (r *Router) carrier(ifc *iface, up bool) {
	if !up {
		ifc.downs.Add(1)
	}
	if r.closed.Load() {
		return
	}
	r.ctl.Lock()
	defer r.ctl.Unlock()
	if ifc.up.Load() == up {
		return
	}
	ifc.up.Store(up)
	if up {
		r.Event("interface-up", ifc.name)
	} else {
		r.Event("interface-down", ifc.name)
	}
	r.rib.recompute(changeAll)
	r.notifyInterface(ifc)
}

// Do runs f under the control-plane lock, as protocol callbacks run: how
// show commands read protocol state consistently. f must not call Do,
// AttachPort, AddStatic or RemoveStatic.
func (r *Router) Do(f func()) {
	r.ctl.Lock()
	defer r.ctl.Unlock()
	f()
}

// Name returns the node name.
func (r *Router) Name() string { return r.name }

// Role returns the node's role.
func (r *Router) Role() topology.Role { return r.role }

// RouterID returns the router id.
func (r *Router) RouterID() netip.Addr { return r.routerID }

// Loopback returns the loopback address and prefix.
func (r *Router) Loopback() netip.Prefix { return r.loopback }

// Clock returns the router's clock.
func (r *Router) Clock() clock.Clock { return r.clk }

// Now returns the time on the router's clock.
func (r *Router) Now() time.Time { return r.clk.Now() }

// RIB returns the router's RIB manager. Protocols call it from their
// callbacks; anyone else calls it inside Do.
func (r *Router) RIB() RIB { return r.rib }

// VRFs returns the names of the router's VRFs, the default ("") first, in
// the order they appeared.
func (r *Router) VRFs() []string {
	r.rib.mu.Lock()
	defer r.rib.mu.Unlock()
	return slices.Clone(r.rib.vrfNames)
}

// Forwarding reports whether the router routes packets that are not its own.
func (r *Router) Forwarding() bool { return r.forward }

// SetTTLMode switches between uniform and pipe TTL handling for packets
// forwarded from now on.
func (r *Router) SetTTLMode(m TTLMode) { r.pipe.Store(m == TTLPipe) }

// TTLMode returns the current TTL mode.
func (r *Router) TTLMode() TTLMode {
	if r.pipe.Load() {
		return TTLPipe
	}
	return TTLUniform
}

// Interfaces lists the interfaces in the order they were attached.
func (r *Router) Interfaces() []InterfaceState {
	r.ifMu.RLock()
	defer r.ifMu.RUnlock()
	out := make([]InterfaceState, len(r.ifaces))
	for i, ifc := range r.ifaces {
		out[i] = ifc.state()
	}
	return out
}

// Interface returns the state of one interface.
func (r *Router) Interface(name string) (InterfaceState, bool) {
	ifc := r.iface(name)
	if ifc == nil {
		return InterfaceState{}, false
	}
	return ifc.state(), true
}

func (r *Router) iface(name string) *iface {
	r.ifMu.RLock()
	defer r.ifMu.RUnlock()
	return r.byName[name]
}

// byNameLocked finds an interface; the control lock is held, under which
// interfaces are added.
func (r *Router) byNameLocked(name string) *iface { return r.byName[name] }

func (r *Router) ifaceList() []*iface {
	r.ifMu.RLock()
	defer r.ifMu.RUnlock()
	return r.ifaces
}

// OnInterfaceChange registers f to run, under the control lock, when an
// interface is attached or goes up or down.
func (r *Router) OnInterfaceChange(f func(InterfaceState)) {
	r.hMu.Lock()
	defer r.hMu.Unlock()
	r.ifWatch = append(r.ifWatch[:len(r.ifWatch):len(r.ifWatch)], f)
}

// AddStatic adds a static route to prefix via nexthop in vrf. A nexthop
// on a connected subnet is used directly; any other is resolved through the
// routing table, and the route inherits the labels of the route it
// resolves over. Adding the same route twice is harmless. Do not call it
// with the control lock held.
func (r *Router) AddStatic(vrf string, prefix netip.Prefix, nexthop netip.Addr) error {
	if !prefix.IsValid() || !prefix.Addr().Is4() || !nexthop.Is4() {
		return fmt.Errorf("router %s: static route %v via %v: need IPv4 prefix and nexthop", r.name, prefix, nexthop)
	}
	r.ctl.Lock()
	defer r.ctl.Unlock()
	r.rib.addStatic(vrf, prefix.Masked(), nexthop)
	r.rib.recompute(changeVRF(vrf))
	return nil
}

// RemoveStatic removes a static route and reports whether it existed.
func (r *Router) RemoveStatic(vrf string, prefix netip.Prefix, nexthop netip.Addr) bool {
	r.ctl.Lock()
	defer r.ctl.Unlock()
	if !r.rib.removeStatic(vrf, prefix.Masked(), nexthop) {
		return false
	}
	r.rib.recompute(changeVRF(vrf))
	return true
}
