package igp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// NeighborState is an OSPF neighbour state, as far as point-to-point
// links need them.
type NeighborState uint8

// Neighbour states in the order an adjacency goes through them. ExStart
// is folded into Exchange: there is no master/slave negotiation because
// one DBDesc carries the whole summary.
const (
	StateDown NeighborState = iota
	StateInit
	StateTwoWay
	StateExchange
	StateLoading
	StateFull
)

func (s NeighborState) String() string {
	return [...]string{"Down", "Init", "2-Way", "Exchange", "Loading", "Full"}[s]
}

// iface is an interface the IGP runs on. Point-to-point: at most one
// neighbour.
type iface struct {
	in    *Instance
	name  string
	cfg   Interface
	area  *area
	addr  netip.Prefix
	up    bool
	timer clock.Timer // hellos
	nbr   *neighbor
	// adjSID is the adjacency SID of the interface's adjacency (SR): a
	// dynamic label taken when it first reaches Full and kept for the
	// interface's life, so that a flap does not renumber it.
	adjSID uint32
}

type neighbor struct {
	ifc      *iface
	rid      netip.Addr
	addr     netip.Addr
	state    NeighborState
	dead     clock.Timer
	deadline time.Time
	since    time.Time // when the neighbour was first heard, or reached Full
	want     map[key]bool
	outbox   []*LSA
}

// start begins saying hello on an interface that came up.
func (ifc *iface) start() {
	if ifc.cfg.Passive {
		return
	}
	ifc.sendHello()
	if ifc.timer == nil {
		ifc.timer = ifc.in.env.AfterFunc(ifc.in.cfg.Timers.Hello, ifc.tick)
	} else {
		ifc.timer.Reset(ifc.in.cfg.Timers.Hello)
	}
}

// stop forgets the neighbour of an interface that went down.
func (ifc *iface) stop(why string) {
	if ifc.timer != nil {
		ifc.timer.Stop()
	}
	if ifc.nbr != nil {
		ifc.dropNeighbor(why)
	}
}

func (ifc *iface) tick() {
	if !ifc.up {
		return
	}
	ifc.sendHello()
	ifc.timer.Reset(ifc.in.cfg.Timers.Hello)
}

func (ifc *iface) sendHello() {
	in := ifc.in
	h := &Hello{RouterID: in.rid, Area: ifc.area.id, NSSA: ifc.area.nssa, Addr: ifc.addr.Addr(),
		HelloInterval: in.cfg.Timers.Hello, DeadInterval: in.cfg.Timers.Dead}
	if ifc.nbr != nil {
		h.Neighbors = []netip.Addr{ifc.nbr.rid}
	}
	in.env.SendControl(ifc.name, router.ProtoOSPF, h)
}

func (ifc *iface) hello(h *Hello) {
	in := ifc.in
	// Mismatched areas, area types (the options' N-bit) or timers never
	// form an adjacency, as in OSPF.
	if h.Area != ifc.area.id || h.NSSA != ifc.area.nssa || h.HelloInterval != in.cfg.Timers.Hello || h.DeadInterval != in.cfg.Timers.Dead {
		return
	}
	n := ifc.neighborFor(h.RouterID, h.Addr)
	n.dead.Reset(in.cfg.Timers.Dead)
	n.deadline = in.env.Now().Add(in.cfg.Timers.Dead)
	seesUs := false
	for _, r := range h.Neighbors {
		if r == in.rid {
			seesUs = true
		}
	}
	switch {
	case seesUs && n.state == StateInit:
		ifc.twoWay()
	case !seesUs && n.state >= StateTwoWay:
		// The neighbour forgot us (it restarted or timed us out): start over.
		ifc.dropNeighbor("1-way hello received")
		ifc.neighborFor(h.RouterID, h.Addr)
	}
}

// neighborFor returns the interface's neighbour, replacing one with
// another router id, and creating it in Init (with a hello back at once,
// so the two-way check does not wait a hello interval).
func (ifc *iface) neighborFor(rid, addr netip.Addr) *neighbor {
	if ifc.nbr != nil && ifc.nbr.rid != rid {
		ifc.dropNeighbor("neighbor changed")
	}
	if ifc.nbr == nil {
		in := ifc.in
		n := &neighbor{ifc: ifc, rid: rid, addr: addr, state: StateInit, since: in.env.Now()}
		n.dead = in.env.AfterFunc(in.cfg.Timers.Dead, func() {
			if ifc.nbr == n {
				ifc.dropNeighbor("dead timer expired")
			}
		})
		n.deadline = in.env.Now().Add(in.cfg.Timers.Dead)
		ifc.nbr = n
		ifc.sendHello()
	}
	ifc.nbr.addr = addr
	return ifc.nbr
}

// twoWay starts the database exchange: our summary goes out at once.
func (ifc *iface) twoWay() {
	n := ifc.nbr
	n.state = StateExchange
	n.want = map[key]bool{}
	in := ifc.in
	in.env.SendControl(ifc.name, router.ProtoOSPF, &DBDesc{RouterID: in.rid, Area: ifc.area.id, Addr: ifc.addr.Addr(), LSAs: in.summaryFor(ifc.area)})
}

// summaryFor lists the LSAs a DBDesc on an interface of area a describes.
func (in *Instance) summaryFor(a *area) []*LSA {
	out := make([]*LSA, 0, len(a.db)+len(in.external))
	for _, l := range a.db {
		out = append(out, l)
	}
	if !a.nssa {
		for _, l := range in.external {
			out = append(out, l)
		}
	}
	sortLSAs(out)
	return out
}

func (ifc *iface) dbDesc(d *DBDesc) {
	if d.Area != ifc.area.id {
		return
	}
	n := ifc.nbr
	if n == nil || n.rid != d.RouterID || n.state < StateInit {
		// A DBDesc proves the peer saw our hello; take it as its hello.
		n = ifc.neighborFor(d.RouterID, d.Addr)
	}
	if n.state < StateExchange {
		ifc.twoWay()
	}
	in := ifc.in
	var req []*LSA
	for _, l := range d.LSAs {
		if !ifc.area.accepts(l.Type) {
			continue
		}
		cur := in.lookup(ifc.area, l)
		if cur == nil || newer(l, cur) {
			k := l.key()
			if !n.want[k] {
				n.want[k] = true
				req = append(req, l)
			}
		}
	}
	if len(req) > 0 {
		if n.state == StateExchange {
			n.state = StateLoading
		}
		in.env.SendControl(ifc.name, router.ProtoOSPF, &LSRequest{RouterID: in.rid, LSAs: req})
		return
	}
	if n.state == StateExchange {
		ifc.full()
	}
}

func (ifc *iface) lsRequest(r *LSRequest) {
	n := ifc.nbr
	if n == nil || n.rid != r.RouterID || n.state < StateExchange {
		return
	}
	for _, l := range r.LSAs {
		if cur := ifc.in.lookup(ifc.area, l); cur != nil {
			n.queue(cur)
		}
	}
}

// full completes the adjacency: the router LSA will now list the link.
func (ifc *iface) full() {
	n := ifc.nbr
	in := ifc.in
	n.state = StateFull
	n.since = in.env.Now()
	if in.cfg.SR && ifc.adjSID == 0 {
		ifc.adjSID = in.env.RIB().AllocateLabel()
	}
	in.env.Event("adjacency-up", fmt.Sprintf("neighbor %s on %s (area %s): Loading -> Full", n.rid, ifc.name, ifc.area.id))
	in.scheduleOriginate()
	in.scheduleSPF()
}

// dropNeighbor tears the adjacency down at once.
func (ifc *iface) dropNeighbor(why string) {
	n := ifc.nbr
	if n == nil {
		return
	}
	in := ifc.in
	n.dead.Stop()
	ifc.nbr = nil
	if n.state == StateFull {
		in.env.Event("adjacency-down", fmt.Sprintf("neighbor %s on %s (area %s): Full -> Down (%s)", n.rid, ifc.name, ifc.area.id, why))
	}
	if n.state >= StateExchange {
		in.scheduleOriginate()
		in.scheduleSPF()
	}
}
