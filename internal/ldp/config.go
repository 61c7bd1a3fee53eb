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
func FromModel(m *topology.Model, n *topology.Node) Config {
	c := Config{LSRID: n.RouterID, Loopback: n.Loopback}
	for _, i := range n.Interfaces {
		if i.VRF != "" || i.LinkID < 0 || i.LinkID >= len(m.Links) || !m.Links[i.LinkID].Core {
			continue
		}
		c.Interfaces = append(c.Interfaces, i.Name)
	}
	return c
}
