package ldp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// Instance is LDP running on one router.
type Instance struct {
	env router.Env
	cfg Config

	ifaces   []*iface
	ifByName map[string]*iface
	sessions map[netip.Addr]*session
	peers    []netip.Addr           // session keys, sorted, for deterministic walks
	targets  map[netip.Addr]*target // targeted hello adjacencies, by LSR id
	askPass  uint64                 // askOnDemand's passes (ondemand.go)

	// local is the label this LSR advertises per FEC (implicit null for
	// the FECs it is the egress for).
	local map[fecKey]uint32
	// fecs is the FEC table of the last recomputation, sorted by prefix.
	fecs []fec
	// igp is the RIB's best IGP route's nexthops per IPv4 host prefix of
	// the default VRF, kept by ribChanged; changed, the FECs whose route
	// changed since the last update (nil before the first); egress, the
	// FECs we terminate (Loopback and Egress).
	igp     map[fecKey][]router.Nexthop
	shared  [][]router.Nexthop // recent distinct igp lists (shareNexthops)
	changed map[fecKey]struct{}
	egress  map[fecKey]bool

	// The FECs beyond the IGP's host routes (longest.go): the IGP routes
	// shorter than /32 (and the lengths among them), the addresses the
	// RIB resolves recursive routes through, the extra FECs and the keys
	// that may have changed since the last update.
	cover      map[netip.Prefix]cover
	coverBits  uint64
	needed     map[fecKey]struct{}
	extra      map[fecKey][]router.Nexthop
	extraDirty map[fecKey]struct{}
	extraAll   bool
	offered    map[fecKey]struct{} // FECs LDP offers the RIB a host route for (longest.go)

	// What install gave the RIB, per FEC, and the FECs to redo at the
	// next install (lfib.go): those marked, those leaving by an interface
	// whose session changed (instPeers), or all of them (inst nil,
	// instAll) after a session went or a label for the loopback of a PQ
	// node remote LFAs tunnel to (pqs) changed.
	inst      map[fecKey]installed
	instMore  map[fecKey][]netip.Addr // installed nexthops that do not fit inline
	instDirty map[fecKey]struct{}
	instAll   bool
	instPeers map[string]*session
	pqs       map[fecKey]struct{}

	started       bool
	updatePending bool
	updateTimer   clock.Timer
	lastUpdate    time.Time
	flushPending  bool
	updates       int // recomputations, for Status
}

// iface is an interface LDP says hello on; adj is the hello adjacency
// heard on it (point-to-point: at most one).
type iface struct {
	name  string
	addr  netip.Addr
	up    bool
	timer clock.Timer
	adj   *adjacency
}

type adjacency struct {
	lsr  netip.Addr
	addr netip.Addr
	hold clock.Timer
}

// fec is a FEC and the IGP nexthops towards it.
type fec struct {
	prefix   netip.Prefix
	key      fecKey
	nexthops []router.Nexthop
	egress   bool
}

// fecKey packs an IPv4 FEC into a map key that hashes fast and is small:
// a router holds one per FEC per peer (liberal retention).
type fecKey uint64

func keyOf(p netip.Prefix) fecKey {
	a := p.Addr().As4()
	return fecKey(uint64(a[0])<<32|uint64(a[1])<<24|uint64(a[2])<<16|uint64(a[3])<<8) | fecKey(p.Bits())
}

func (k fecKey) prefix() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(k >> 32), byte(k >> 24), byte(k >> 16), byte(k >> 8)}), int(k&0xff))
}

// New returns an LDP instance for the router behind env; Start runs it.
func New(env router.Env, cfg Config) *Instance {
	return &Instance{env: env, cfg: cfg.withDefaults(), ifByName: map[string]*iface{},
		sessions: map[netip.Addr]*session{}, local: map[fecKey]uint32{}, igp: map[fecKey][]router.Nexthop{},
		needed: map[fecKey]struct{}{}, offered: map[fecKey]struct{}{},
		pqs: map[fecKey]struct{}{}}
}

// Start says hello on the LDP interfaces and starts following the RIB.
// Call it under the router's control-plane lock, once.
func (in *Instance) Start() {
	if in.started {
		return
	}
	in.started = true
	for _, st := range in.env.Interfaces() {
		if !slices.Contains(in.cfg.Interfaces, st.Name) {
			continue
		}
		ifc := &iface{name: st.Name, addr: st.Addr.Addr(), up: st.Up}
		in.ifaces = append(in.ifaces, ifc)
		in.ifByName[st.Name] = ifc
	}
	in.env.HandleControl(router.ProtoLDP, in.receive)
	in.env.OnInterfaceChange(in.interfaceChanged)
	// The FECs follow the RIB's changes; the routes already there are
	// read once.
	for _, r := range in.env.RIB().BestRoutes("") {
		if r.Proto != router.ProtoOSPF || !r.Prefix.Addr().Is4() {
			continue
		}
		if r.Prefix.Bits() == 32 {
			in.igp[keyOf(r.Prefix)] = in.shareNexthops(r.Nexthops)
		} else if in.cfg.LongestMatch {
			in.coverChanged(r.Prefix, r, true)
		}
	}
	in.env.RIB().WatchChanges(in.ribChanged)
	if in.cfg.LongestMatch || in.cfg.Access {
		var uses []router.NexthopUse
		for _, a := range in.env.RIB().WatchNexthops(in.nexthopsUsed) {
			uses = append(uses, router.NexthopUse{Addr: a, Used: true})
		}
		in.nexthopsUsed(uses)
	}
	for _, ifc := range in.ifaces {
		if ifc.up {
			in.startHellos(ifc)
		}
	}
	in.scheduleUpdate()
}

func (in *Instance) receive(name string, msg any) {
	ifc := in.ifByName[name]
	if ifc == nil || !ifc.up {
		return
	}
	switch m := msg.(type) {
	case *Hello:
		if !m.Targeted {
			in.hello(ifc, m)
		}
	case *Init:
		in.init(ifc.name, m)
	case *Labels:
		in.labels(m)
	case *Request:
		in.request(m)
	case *Routed:
		in.routed(m)
	}
}

func (in *Instance) interfaceChanged(st router.InterfaceState) {
	ifc := in.ifByName[st.Name]
	if ifc == nil || ifc.up == st.Up {
		return
	}
	ifc.up = st.Up
	ifc.addr = st.Addr.Addr()
	if st.Up {
		in.startHellos(ifc)
		return
	}
	if ifc.timer != nil {
		ifc.timer.Stop()
	}
	in.dropAdjacency(ifc, "interface down")
}

func (in *Instance) startHellos(ifc *iface) {
	in.sendHello(ifc)
	if ifc.timer == nil {
		ifc.timer = in.env.AfterFunc(in.cfg.Timers.Hello, func() { in.helloTick(ifc) })
	} else {
		ifc.timer.Reset(in.cfg.Timers.Hello)
	}
}

func (in *Instance) helloTick(ifc *iface) {
	if !ifc.up {
		return
	}
	in.sendHello(ifc)
	ifc.timer.Reset(in.cfg.Timers.Hello)
}

func (in *Instance) sendHello(ifc *iface) {
	in.env.SendControl(ifc.name, router.ProtoLDP, &Hello{LSRID: in.cfg.LSRID, Addr: ifc.addr, Hold: in.cfg.Timers.Hold})
}

// hello keeps the interface's hello adjacency alive, and opens a session
// to an LSR heard for the first time.
func (in *Instance) hello(ifc *iface, h *Hello) {
	if h.LSRID == in.cfg.LSRID {
		return
	}
	if a := ifc.adj; a != nil && a.lsr != h.LSRID {
		in.dropAdjacency(ifc, "neighbor changed")
	}
	hold := min(h.Hold, in.cfg.Timers.Hold) // the lower of the two, as LDP negotiates
	if ifc.adj == nil {
		a := &adjacency{lsr: h.LSRID, addr: h.Addr}
		a.hold = in.env.AfterFunc(hold, func() {
			if ifc.adj == a {
				in.dropAdjacency(ifc, "hello hold time expired")
			}
		})
		ifc.adj = a
		in.adjacencyUp(ifc)
	} else {
		ifc.adj.addr = h.Addr
		ifc.adj.hold.Reset(hold)
	}
}

// dropAdjacency forgets the interface's hello adjacency; the session
// goes when it was the last one to that LSR.
func (in *Instance) dropAdjacency(ifc *iface, why string) {
	a := ifc.adj
	if a == nil {
		return
	}
	a.hold.Stop()
	ifc.adj = nil
	s := in.sessions[a.lsr]
	if s == nil {
		return
	}
	if in.adjacencies(a.lsr) == 0 {
		in.closeSession(s, why)
		return
	}
	// Another link still leads to the peer: move the session to it if it
	// used this one (what was in flight on it is lost: resend it all).
	if s.via == ifc.name {
		s.via = in.viaFor(a.lsr, "")
		if s.operational {
			in.sendFull(s)
		}
	}
	in.scheduleUpdate()
}

// adjacencies counts the hello adjacencies to an LSR, link and targeted.
func (in *Instance) adjacencies(lsr netip.Addr) int {
	n := 0
	if t := in.targets[lsr]; t != nil && t.up {
		n++
	}
	for _, ifc := range in.ifaces {
		if ifc.adj != nil && ifc.adj.lsr == lsr {
			n++
		}
	}
	return n
}

// viaFor is the interface a session to lsr sends on: the first with a
// hello adjacency to it, else fallback.
func (in *Instance) viaFor(lsr netip.Addr, fallback string) string {
	for _, ifc := range in.ifaces {
		if ifc.up && ifc.adj != nil && ifc.adj.lsr == lsr {
			return ifc.name
		}
	}
	return fallback
}
