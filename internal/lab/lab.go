// Package lab builds and runs a topology: a router for every node, a
// dataplane link for every link, the IGP and LDP on the core, static routes
// at the edge, all on one clock. It is what `intercloud up` runs and what
// end-to-end tests drive on a virtual clock.
package lab

import (
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/srte"
	"github.com/intercloud/intercloud/internal/topology"
)

// Options tune a lab.
type Options struct {
	// Clock drives links and protocol timers; nil is the wall clock.
	Clock clock.Clock
	// Seed makes loss and jitter repeatable.
	Seed uint64
	// TTLMode is how TTLs cross LSPs on every router (uniform by default).
	TTLMode router.TTLMode
	// Fast shortens protocol timers for quick convergence (the default
	// for labs; real routers' defaults are seconds).
	IGPTimers igp.Timers
	LDPTimers ldp.Timers
	// StaticEdge runs no BGP: every interface is in the global table and
	// the whole edge, VPN sites included, is routed statically (the lab as
	// it was before BGP/MPLS VPNs). By default PEs put CE-facing
	// interfaces in their VRFs and BGP carries the VPNs' routes.
	StaticEdge bool
	// Progress, if set, is told what bring-up is doing (for large labs).
	Progress func(msg string)
	// TCPBase is where routers get the addresses they peer with external
	// BGP daemons from (DefaultTCPBase when zero): see Lab.TCPAddr.
	TCPBase netip.Prefix
	// BGPTransport carries the lab's own BGP sessions: "memory" (the
	// default: in-memory networks on the lab's clock, for tests and very
	// large labs) or "tcp" (real TCP between the routers' 127/8 addresses,
	// what the daemon runs, so tshark on lo shows it). Sessions with
	// external daemons are always TCP.
	BGPTransport string
	// BGPPort is the port of the lab's speakers with "tcp" (default 179).
	BGPPort uint16
}

// Node is one running node: its router and the protocols on it.
type Node struct {
	Model  *topology.Node
	Router *router.Router
	IGP    *igp.Instance // nil off the core
	LDP    *ldp.Instance // nil unless the node uses LDP
	SRTE   *srte.Headend // nil unless the node is an SR-mode PE (srte.go)

	bgp *bgpState // nil unless the node speaks BGP
}

// Lab is a running topology.
type Lab struct {
	Model *topology.Model
	clk   clock.Clock
	opts  Options

	nodes map[string]*Node
	order []*Node
	links []*dataplane.Link // by model link id
	// byAddr names each address's owners: one per address space that
	// uses it (VPNs may reuse customer addresses), global space first.
	byAddr   map[netip.Addr][]owner
	addrMu   sync.RWMutex              // guards byAddr: clouds' VMs come and go (cloud.go)
	sessions sessionIndex              // sessionindex.go
	edge     map[string][]netip.Prefix // core node -> prefixes it routes statically to the edge
	below    map[string][]netip.Prefix // node -> prefixes it routes statically below it

	bgpNets     map[string]*bgp.MemNetwork // "" (global) and one per VPN
	externals   []*externalSession         // sessions with real daemons
	tcp         *tcpNet                    // the lab's TCP network with BGPTransport "tcp"
	bgpPeers    []topology.Session
	bgpMu       sync.Mutex // guards the sessions' liveness and which speakers they and the nodes use (RestartBGP replaces them)
	bgpSessions []*bgpSession
	clouds      map[string]*cloudRun  // clouds' VMs and dragent speakers (cloud.go); the map is guarded by bgpMu
	cloudPeers  map[netip.Addr]string // dragent session keys -> cloud node, read-only once built

	mu         sync.Mutex
	events     []router.Event // lab-wide log, bounded
	dropped    uint64         // events trimmed from the log's front: events[i] has id dropped+i+1
	newEvent   chan struct{}  // closed and replaced at each event, for followers (eventstream.go)
	closed     bool           // Close ran: followers stop
	started    time.Time
	lastChange time.Time // of the last event: the control plane's last move
}

// maxEvents bounds the lab-wide event log.
const maxEvents = 100_000

// DefaultIGPTimers converge a lab in well under a second while keeping
// OSPF's shape: adjacencies follow carrier at once, so hellos matter only
// for detection without carrier loss.
var DefaultIGPTimers = igp.Timers{
	Hello:         2 * time.Second,
	Dead:          8 * time.Second,
	SPFDelay:      0,
	SPFHold:       20 * time.Millisecond,
	SPFMaxHold:    500 * time.Millisecond,
	MinLSInterval: 10 * time.Millisecond,
}

// New builds a lab from a resolved model. Nothing runs until Start.
func New(m *topology.Model, opts Options) (*Lab, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.IGPTimers == (igp.Timers{}) {
		opts.IGPTimers = DefaultIGPTimers
	}
	l := &Lab{Model: m, clk: opts.Clock, opts: opts, nodes: map[string]*Node{}, byAddr: map[netip.Addr][]owner{}, sessions: newSessionIndex(m)}
	fabric := router.NewFabric()
	global := m.Nodes
	if opts.StaticEdge {
		global = globalTable(m)
	}
	l.progress(fmt.Sprintf("building %d routers", len(m.Nodes)))
	for _, n := range global {
		r, err := router.New(router.Config{Node: n, Clock: l.clk, Fabric: fabric, TTLMode: opts.TTLMode, EventSink: l.record})
		if err != nil {
			return nil, err
		}
		node := &Node{Model: n, Router: r}
		l.nodes[n.Name] = node
		l.order = append(l.order, node)
		l.own(n.Loopback.Addr(), n.Name, n.Space)
	}
	l.progress(fmt.Sprintf("building %d links", len(m.Links)))
	// Each router gets its ports in one call, which computes its routes
	// once rather than once a port.
	ports := make(map[*Node][]router.PortAttachment, len(l.order))
	for _, ml := range m.Links {
		link, err := dataplane.NewLink(l.clk, dataplane.Config{
			Name:  ml.A.Node + "-" + ml.B.Node,
			AName: ml.A.Node + ":" + ml.A.Interface, BName: ml.B.Node + ":" + ml.B.Interface,
			MTU: ml.MTU, A: impairment(ml), B: impairment(ml),
			Seed: opts.Seed + uint64(ml.ID), Down: !ml.Up,
		})
		if err != nil {
			return nil, fmt.Errorf("link %s-%s: %w", ml.A.Node, ml.B.Node, err)
		}
		l.links = append(l.links, link)
		for side, ep := range []topology.Endpoint{ml.A, ml.B} {
			port := link.A()
			if side == 1 {
				port = link.B()
			}
			n := l.nodes[ep.Node]
			ifc := ifaceNamed(n.Model, ep.Interface)
			ports[n] = append(ports[n], router.PortAttachment{Name: ifc.Name, Addr: ifc.Addr, Port: port, VRF: ifc.VRF})
			l.own(ep.Addr, ep.Node, ml.Space)
		}
	}
	for _, n := range l.order {
		if len(ports[n]) == 0 {
			continue
		}
		if err := n.Router.AttachPorts(ports[n]); err != nil {
			return nil, err
		}
	}
	if err := l.edgeRoutes(); err != nil {
		return nil, err
	}
	l.progress("configuring the IGP and LDP")
	l.protocols()
	if !opts.StaticEdge {
		l.progress("configuring BGP")
		if err := l.buildBGP(); err != nil {
			l.Close()
			return nil, err
		}
	}
	if err := l.buildSRTE(); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// globalTable copies the model's nodes with every interface in the global
// table, for labs that run without BGP (Options.StaticEdge): CEs then
// reach each other through the core's global table.
func globalTable(m *topology.Model) []*topology.Node {
	out := make([]*topology.Node, len(m.Nodes))
	for i, n := range m.Nodes {
		c := *n
		c.Interfaces = make([]*topology.Interface, len(n.Interfaces))
		for j, ifc := range n.Interfaces {
			x := *ifc
			x.VRF = ""
			c.Interfaces[j] = &x
		}
		out[i] = &c
	}
	return out
}

func ifaceNamed(n *topology.Node, name string) *topology.Interface {
	for _, i := range n.Interfaces {
		if i.Name == name {
			return i
		}
	}
	return nil
}

func impairment(l *topology.Link) dataplane.Impairment {
	return dataplane.Impairment{Latency: l.Latency, Jitter: l.Jitter, Loss: l.Loss, Rate: l.Rate}
}

// protocols creates the IGP on every core router and LDP on those in LDP
// mode; edge prefixes a core router routes statically are redistributed
// into the IGP and terminated by its LDP (implicit null), so LSPs reach them.
func (l *Lab) protocols() {
	for _, n := range l.order {
		if !n.Model.Role.IsCore() {
			continue
		}
		cfg := igp.FromModel(l.Model, n.Model)
		cfg.Timers = l.opts.IGPTimers
		edge := append(l.externalPEHosts(n), l.edgePrefixes(n)...) // external.go
		cfg.Redistribute = edge
		n.IGP = igp.New(n.Router, cfg)
		if n.Model.LabelMode == topology.LabelLDP {
			lc := ldp.FromModel(l.Model, n.Model)
			lc.Timers = l.opts.LDPTimers
			for _, p := range edge {
				if p.Bits() == 32 {
					lc.Egress = append(lc.Egress, p)
				}
			}
			n.LDP = ldp.New(n.Router, lc)
		}
	}
}

// Start brings every protocol up.
func (l *Lab) Start() {
	l.mu.Lock()
	l.started = l.clk.Now()
	l.mu.Unlock()
	for _, n := range l.order {
		if n.IGP == nil && n.LDP == nil {
			continue
		}
		// Under the control lock, like every other call into a protocol:
		// a neighbour's first hello may already be arriving.
		n.Router.Do(func() {
			if n.IGP != nil {
				n.IGP.Start()
			}
			if n.LDP != nil {
				n.LDP.Start()
			}
		})
	}
}

// Close stops every router.
func (l *Lab) Close() {
	l.mu.Lock()
	l.closed = true
	l.wake()
	l.mu.Unlock()
	l.closeBGP()
	for _, n := range l.order {
		n.Router.Close()
	}
}

// Clock is the lab's clock.
func (l *Lab) Clock() clock.Clock { return l.clk }

// Started is when Start ran.
func (l *Lab) Started() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.started
}

// Node returns the running node called name.
func (l *Lab) Node(name string) (*Node, bool) {
	n, ok := l.nodes[name]
	return n, ok
}

// Nodes returns the nodes in model order.
func (l *Lab) Nodes() []*Node { return l.order }

func (l *Lab) progress(msg string) {
	if l.opts.Progress != nil {
		l.opts.Progress(msg)
	}
}

// record is every router's event sink: a lab-wide, bounded log.
func (l *Lab) record(e router.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) >= maxEvents {
		l.dropped += maxEvents / 10
		l.events = append(l.events[:0], l.events[maxEvents/10:]...)
	}
	l.events = append(l.events, e)
	l.wake()
	if e.Time.After(l.lastChange) {
		l.lastChange = e.Time
	}
}

// LastChange is when the control plane last did something (an adjacency,
// an SPF run, a label): how long convergence took is LastChange - Started.
func (l *Lab) LastChange() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastChange
}

// Events returns the events recorded after since, oldest first.
func (l *Lab) Events(since time.Time) []router.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := sort.Search(len(l.events), func(i int) bool { return l.events[i].Time.After(since) })
	return append([]router.Event(nil), l.events[i:]...)
}
