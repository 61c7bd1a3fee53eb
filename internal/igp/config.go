package igp

import (
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// Area is an OSPF area id; 0 is the backbone.
type Area = topology.Area

// NSSA is an NSSA area's setting (RFC 3101): NoSummary for a totally NSSA.
type NSSA = topology.NSSA

// Backbone is area 0.0.0.0.
const Backbone Area = 0

// Config is what the IGP runs with on one router.
type Config struct {
	RouterID netip.Addr
	// Loopback is advertised as a /32 stub with cost 0, in area 0 if the
	// router has an area-0 interface, else in the area of its first
	// interface (in the router's interface order).
	Loopback netip.Prefix
	// Interfaces says which interfaces run the IGP, by name; the others
	// are ignored.
	Interfaces map[string]Interface
	// SR advertises SRIndex as the loopback's prefix SID (none when it is
	// negative or beyond the SRGB) and installs SR LSPs; SRGBBase is this
	// router's SRGB (16000 when zero, 8000 labels).
	SR       bool
	SRIndex  int
	SRGBBase uint32
	// Redistribute is originated as AS-external LSAs (type 5, E2) with
	// ExternalMetric (20 when zero): an edge router's static or connected
	// prefixes, such as the loopbacks of a cloud's compute nodes. Into an
	// NSSA the router attaches to they go as NSSA-external LSAs (type 7),
	// and only there when all its areas are NSSAs (then with the P-bit,
	// for the border routers to translate; nssa.go).
	Redistribute   []netip.Prefix
	ExternalMetric uint32
	// FastReroute computes a loop-free alternate (RFC 5286) for each
	// route after SPF and hands it to the RIB as the nexthops' backups.
	FastReroute bool
	// RemoteLFA, with FastReroute and without SR, looks for a remote LFA
	// (RFC 7490) where no neighbour is a loop-free alternate: a PQ node
	// on the post-convergence path, offered as the backup's Remote for
	// LDP to tunnel to (SR routers use TI-LFA instead).
	RemoteLFA bool
	// PrefixSuppression leaves the subnets of the router's transit
	// (non-passive) interfaces out of its router-LSAs, as RFC 6860
	// allows: no router then holds a route to them, only to the
	// loopbacks and the passive subnets, which is what LDP, BGP and the
	// VPNs use. The table shrinks by the core's link count; the cost is
	// that a transit address answers only on its own link.
	PrefixSuppression bool
	// Ranges are the address ranges (RFC 2328 3.5) of the areas the
	// router attaches to. As an ABR, it advertises into the other areas
	// one summary per range that holds any of the area's intra-area
	// routes, at the largest of their costs, in place of those routes'
	// own summaries (area.go), and it ignores other ABRs' summaries of
	// its active ranges.
	Ranges map[Area][]netip.Prefix
	// NSSA lists the router's areas that are not-so-stubby (RFC 3101):
	// no AS-external LSAs enter them, their ASBRs originate type 7s, and
	// their border routers translate those into type 5s for the backbone
	// (the ranges of the area aggregating them) and send the area a
	// default route — with NoSummary as their only summary (nssa.go).
	// Neighbours must agree on it, as on the area id.
	NSSA   map[Area]NSSA
	Timers Timers
}

// Interface is an interface's IGP settings.
type Interface struct {
	Area Area
	Cost uint32 // 10 when zero
	// Passive advertises the interface's subnet without forming an
	// adjacency over it.
	Passive bool
}

// Timers are the protocol's clocks; zero fields take the defaults.
type Timers struct {
	Hello time.Duration // 10s
	Dead  time.Duration // 40s
	// SPF throttling as FRR's "timers throttle spf": the first run after a
	// quiet period waits SPFDelay; runs closer together than the hold wait
	// for it, and each such wait doubles the hold up to SPFMaxHold.
	SPFDelay   time.Duration // 0
	SPFHold    time.Duration // 50ms
	SPFMaxHold time.Duration // 5s
	// MinLSInterval is the least time between two instances of one
	// self-originated LSA (OSPF's MinLSInterval; FRR's "timers throttle
	// lsa"). It batches the router-LSA changes of adjacencies coming up
	// together into one instance.
	MinLSInterval time.Duration // 1s
	// Refresh re-originates self LSAs this old (LSRefreshTime).
	Refresh time.Duration // 30m
}

// Defaults of Timers.
const (
	DefaultHello         = 10 * time.Second
	DefaultDead          = 40 * time.Second
	DefaultSPFHold       = 50 * time.Millisecond
	DefaultSPFMaxHold    = 5 * time.Second
	DefaultMinLSInterval = time.Second
	DefaultRefresh       = 30 * time.Minute
	// MaxAge is when an LSA stops counting (3600s, as in OSPF).
	MaxAge = time.Hour
	// DefaultCost is an interface's cost when none is given.
	DefaultCost = 10
	// DefaultExternalMetric is the type-2 metric of redistributed prefixes.
	DefaultExternalMetric = 20
)

func (t Timers) withDefaults() Timers {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&t.Hello, DefaultHello)
	set(&t.Dead, DefaultDead)
	set(&t.SPFHold, DefaultSPFHold)
	set(&t.SPFMaxHold, DefaultSPFMaxHold)
	set(&t.MinLSInterval, DefaultMinLSInterval)
	set(&t.Refresh, DefaultRefresh)
	if t.SPFDelay < 0 {
		t.SPFDelay = 0
	}
	return t
}

func (c Config) withDefaults() Config {
	c.Timers = c.Timers.withDefaults()
	if c.SRGBBase == 0 {
		c.SRGBBase = topology.SRGBBase
	}
	if c.ExternalMetric == 0 {
		c.ExternalMetric = DefaultExternalMetric
	}
	if !c.RouterID.IsValid() {
		c.RouterID = c.Loopback.Addr()
	}
	return c
}

// FromModel derives a node's IGP configuration from the topology model:
// every core link's interface in the link's area with the link's cost, the
// node's other non-VRF interfaces passive (so that what hangs off the core,
// like a cloud's uplink, is reachable across it), and the node SID when
// the node is in SR mode, fast reroute unless the node turns it off, and
// prefix suppression if it turns that on, and the address ranges and
// NSSA settings of the areas its interfaces are in.
// Redistribution and timers are left to the caller.
func FromModel(m *topology.Model, n *topology.Node) Config {
	c := Config{RouterID: n.RouterID, Loopback: n.Loopback, Interfaces: map[string]Interface{}}
	for _, i := range n.Interfaces {
		if i.VRF != "" || i.LinkID < 0 || i.LinkID >= len(m.Links) {
			continue
		}
		l := m.Links[i.LinkID]
		cost := uint32(l.Cost)
		if cost == 0 {
			cost = DefaultCost
		}
		if l.Core {
			c.Interfaces[i.Name] = Interface{Area: l.Area, Cost: cost}
		} else {
			c.Interfaces[i.Name] = Interface{Area: n.Area, Cost: cost, Passive: true}
		}
	}
	if n.LabelMode == topology.LabelSR && n.SRIndex >= 0 {
		c.SR, c.SRIndex = true, n.SRIndex
	}
	c.FastReroute = !n.NoFRR
	c.RemoteLFA = c.FastReroute && n.LabelMode == topology.LabelLDP
	c.PrefixSuppression = n.PrefixSuppression
	for _, i := range c.Interfaces {
		if rs := m.AreaRanges[i.Area]; len(rs) > 0 {
			if c.Ranges == nil {
				c.Ranges = map[Area][]netip.Prefix{}
			}
			c.Ranges[i.Area] = rs
		}
		if x, ok := m.NSSAs[i.Area]; ok {
			if c.NSSA == nil {
				c.NSSA = map[Area]NSSA{}
			}
			c.NSSA[i.Area] = x
		}
	}
	return c
}
