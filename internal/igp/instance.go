package igp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/intercloud/intercloud/internal/router"
)

// Instance is the IGP running on one router.
type Instance struct {
	env  router.Env
	cfg  Config
	rid  netip.Addr
	ridU uint32

	areas    []*area // by id
	ifaces   []*iface
	ifByName map[string]*iface
	loArea   *area
	external map[key]*LSA // AS-scope LSAs
	selfExt  map[key]bool

	started bool

	// origination
	origTimer   clock.Timer
	origPending bool
	opaqueIDs   map[netip.Prefix]uint32

	// flooding
	flushPending bool

	// SPF
	spfTimer   clock.Timer
	spfPending bool
	lastSPF    time.Time
	spfHold    time.Duration
	spfRuns    int
	scratch    *spfScratch // while SPF runs
	// The last routing table: routes as handed to the RIB (sorted by
	// prefix, not to be modified: the RIB keeps them) and, at the same
	// index, what else the IGP needs to know of each.
	routes     []router.Route
	info       []routeInfo
	advs       []uint32
	asbrs      []asbrRoute
	srBindings []SRBinding
	repairs    []tiRepair // TI-LFA repairs, by routeInfo.rep
	// translate are the type 5s this NSSA border router originates for
	// its NSSAs' type 7s after the last run (nssa.go), sorted by prefix.
	translate []translation
}

// area is one OSPF area the router attaches to.
type area struct {
	id Area
	db map[key]*LSA
	// routers indexes db's router LSAs by advertising router, for SPF.
	routers map[uint32]*LSA
	self    map[key]bool // keys of LSAs we originated into db
	ifaces  []*iface
	spf     areaSPF
	info    string // "intra-area 0.0.0.0", shared by its routes
	// nssa: a not-so-stubby area (RFC 3101); noSummary: a totally NSSA.
	nssa, noSummary bool
	// translator: we translate its type 7s (elected at the last run).
	translator bool
}

// New returns an IGP instance for the router behind env; Start runs it.
func New(env router.Env, cfg Config) *Instance {
	cfg = cfg.withDefaults()
	return &Instance{
		env: env, cfg: cfg, rid: cfg.RouterID, ridU: u32(cfg.RouterID),
		ifByName: map[string]*iface{}, external: map[key]*LSA{}, selfExt: map[key]bool{},
		opaqueIDs: map[netip.Prefix]uint32{}, spfHold: cfg.Timers.SPFHold,
	}
}

// Config returns the configuration the instance runs with (defaults filled in).
func (in *Instance) Config() Config { return in.cfg }

// Start brings the IGP up: it registers with the router, says hello on
// every up interface and originates the router's LSAs. Call it under the
// router's control-plane lock, once.
func (in *Instance) Start() {
	if in.started {
		return
	}
	in.started = true
	for _, st := range in.env.Interfaces() {
		c, ok := in.cfg.Interfaces[st.Name]
		if !ok {
			continue
		}
		if c.Cost == 0 {
			c.Cost = DefaultCost
		}
		ifc := &iface{in: in, name: st.Name, cfg: c, addr: st.Addr, up: st.Up, area: in.area(c.Area)}
		ifc.area.ifaces = append(ifc.area.ifaces, ifc)
		in.ifaces = append(in.ifaces, ifc)
		in.ifByName[st.Name] = ifc
	}
	in.loArea = in.loopbackArea()
	in.env.HandleControl(router.ProtoOSPF, in.receive)
	in.env.OnInterfaceChange(in.interfaceChanged)
	for _, ifc := range in.ifaces {
		if ifc.up {
			ifc.start()
		}
	}
	in.originate()
	in.env.AfterFunc(sweepInterval, in.sweep)
}

// area returns the area with id, adding it if new.
func (in *Instance) area(id Area) *area {
	for _, a := range in.areas {
		if a.id == id {
			return a
		}
	}
	a := &area{id: id, db: map[key]*LSA{}, routers: map[uint32]*LSA{}, self: map[key]bool{}, info: "intra-area " + id.String()}
	if x, ok := in.cfg.NSSA[id]; ok && id != Backbone {
		a.nssa, a.noSummary = true, x.NoSummary
	}
	in.areas = append(in.areas, a)
	slices.SortFunc(in.areas, func(x, y *area) int { return int(x.id) - int(y.id) })
	return a
}

func (in *Instance) findArea(id Area) *area {
	for _, a := range in.areas {
		if a.id == id {
			return a
		}
	}
	return nil
}

// loopbackArea is area 0 when the router has an area-0 interface, else
// the area of its first interface.
func (in *Instance) loopbackArea() *area {
	if a := in.findArea(Backbone); a != nil {
		return a
	}
	if len(in.ifaces) > 0 {
		return in.ifaces[0].area
	}
	return in.area(Backbone) // a lone router still has its loopback
}

// active reports whether an area has an up interface (RFC 3509's "actively
// attached").
func (a *area) active() bool {
	for _, ifc := range a.ifaces {
		if ifc.up {
			return true
		}
	}
	return false
}

// isABR reports whether the router is an active area border router: up
// interfaces in the backbone and in at least one other area.
func (in *Instance) isABR() bool {
	bb := in.findArea(Backbone)
	if bb == nil || !bb.active() {
		return false
	}
	for _, a := range in.areas {
		if a.id != Backbone && a.active() {
			return true
		}
	}
	return false
}

func (in *Instance) interfaceChanged(st router.InterfaceState) {
	ifc := in.ifByName[st.Name]
	if ifc == nil || ifc.up == st.Up {
		return
	}
	ifc.addr = st.Addr
	ifc.up = st.Up
	if st.Up {
		ifc.start()
	} else {
		ifc.stop("interface down")
	}
	in.scheduleOriginate()
	in.scheduleSPF()
}

// receive dispatches a control message from the interface it came in on.
func (in *Instance) receive(name string, msg any) {
	ifc := in.ifByName[name]
	if ifc == nil || !ifc.up || ifc.cfg.Passive {
		return
	}
	switch m := msg.(type) {
	case *Hello:
		ifc.hello(m)
	case *DBDesc:
		ifc.dbDesc(m)
	case *LSRequest:
		ifc.lsRequest(m)
	case *LSUpdate:
		ifc.lsUpdate(m)
	}
}

// SetRedistribute replaces the prefixes the router redistributes
// (Config.Redistribute): their external LSAs follow at the next
// origination pass, withdrawn ones flushed. Call it under the router's
// control-plane lock.
func (in *Instance) SetRedistribute(ps []netip.Prefix) {
	in.cfg.Redistribute = slices.Clone(ps)
	if in.started {
		in.scheduleOriginate()
	}
}
