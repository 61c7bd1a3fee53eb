package ldp

import (
	"net/netip"
	"time"

	"github.com/intercloud/intercloud/internal/topology"
)

// Config is what LDP runs with on one router.
type Config struct {
	// LSRID identifies the router (its router id, the loopback address).
	LSRID netip.Addr
	// Loopback is a FEC the router is the egress for: it advertises
	// implicit null for it.
	Loopback netip.Prefix
	// Interfaces are the interfaces LDP says hello on, by name.
	Interfaces []string
	// Egress lists more FECs the router terminates (say, the loopbacks of
	// a cloud's compute nodes it redistributes into the IGP): implicit
	// null too.
	Egress []netip.Prefix
	// LongestMatch accepts a mapping for a FEC the IGP has no exact
	// route for when the longest matching IGP route leads to the peer
	// that sent it (RFC 5283): how LSPs cross areas whose loopbacks the
	// ABRs summarise.
	LongestMatch bool
	// OnDemand lists the interfaces on which LDP proposes downstream on
	// demand (RFC 5036 2.6.3): a session is on demand when both ends
	// propose it, and then carries only the labels the other end asked
	// for. An access node and its aggregation routers propose it to each
	// other (RFC 7032).
	OnDemand []string
	// Access makes the router an access node (RFC 7032): beside the FECs
	// it terminates, its FEC table holds only the addresses its RIB
	// resolves recursive routes through (its BGP next hops), not every
	// IGP host route, and it asks its on-demand peers labels for those.
	Access bool
	Timers Timers
}

// Timers are LDP's clocks; zero fields take the defaults.
type Timers struct {
	Hello time.Duration // link hello interval, 5s
	Hold  time.Duration // link hello hold time, 15s
	// Update is the least time between two recomputations of the FEC
	// table and LFIB: the first change after a quiet spell is handled at
	// once, later ones wait out the rest of it, so that a burst of label
	// messages from many peers costs one recomputation, not one each.
	// 50ms when zero; negative means no wait (changes of one instant are
	// still batched).
	Update time.Duration
}

// Defaults of Timers.
const (
	DefaultHello  = 5 * time.Second
	DefaultHold   = 15 * time.Second
	DefaultUpdate = 50 * time.Millisecond
)

func (c Config) withDefaults() Config {
	if c.Timers.Hello <= 0 {
		c.Timers.Hello = DefaultHello
	}
	if c.Timers.Hold <= 0 {
		c.Timers.Hold = DefaultHold
	}
	switch {
	case c.Timers.Update == 0:
		c.Timers.Update = DefaultUpdate
	case c.Timers.Update < 0:
		c.Timers.Update = 0
	}
	if !c.LSRID.IsValid() {
		c.LSRID = c.Loopback.Addr()
	}
	return c
}

// FromModel derives a node's LDP configuration from the topology: LDP on
// every core link's interface (not on VRF or edge interfaces).
//
// A lab whose areas have address ranges is built as seamless MPLS is
// (RFC 7032): LSPs cross the summaries by longest match (RFC 5283), and
// a PE all of whose core links lie in one summarised area is an access
// node, on demand with its neighbours, which propose it back.
func FromModel(m *topology.Model, n *topology.Node) Config {
	c := Config{LSRID: n.RouterID, Loopback: n.Loopback, LongestMatch: len(m.AreaRanges) > 0}
	access := c.LongestMatch && isAccess(m, n)
	for _, i := range n.Interfaces {
		if !coreIface(m, i) {
			continue
		}
		c.Interfaces = append(c.Interfaces, i.Name)
		if access || c.LongestMatch && isAccess(m, m.Node(i.Peer)) {
			c.OnDemand = append(c.OnDemand, i.Name)
		}
	}
	c.Access = access
	return c
}

func coreIface(m *topology.Model, i *topology.Interface) bool {
	return i.VRF == "" && i.LinkID >= 0 && i.LinkID < len(m.Links) && m.Links[i.LinkID].Core
}

// isAccess says whether n is an access node: a PE whose core links all
// lie in one area other than the backbone, one with address ranges.
func isAccess(m *topology.Model, n *topology.Node) bool {
	if n == nil || n.Role != topology.RolePE {
		return false
	}
	area, links := topology.Area(0), 0
	for _, i := range n.Interfaces {
		if !coreIface(m, i) {
			continue
		}
		a := m.Links[i.LinkID].Area
		if a == 0 || links > 0 && a != area {
			return false
		}
		area, links = a, links+1
	}
	return links > 0 && len(m.AreaRanges[area]) > 0
}
