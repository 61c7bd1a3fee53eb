package testpeer

import (
	"fmt"
	"strings"
)

// GobgpdConfig is what the interop tests configure gobgpd with; TOML
// writes it in gobgpd's format.
type GobgpdConfig struct {
	AS        uint32
	RouterID  string
	Listen    string // its address, also every session's local address
	Neighbors []GobgpdNeighbor
}

// GobgpdNeighbor is one neighbour of gobgpd.
type GobgpdNeighbor struct {
	Addr       string
	AS         uint32
	RemotePort int  // 0: gobgpd's default (179)
	Passive    bool // never connects, waits for the neighbour
	// FastTimers: connect retry 1 s, hold 9 s, keepalive 3 s.
	FastTimers bool
	// GracefulRestart on the session and every family (gobgpd sends
	// End-of-RIB only then).
	GracefulRestart bool
	// RRClient makes the neighbour a route-reflection client.
	RRClient bool
	Families []string // gobgpd's afi-safi names, e.g. "l3vpn-ipv4-unicast"
}

// TOML writes the configuration, gobgpd listening on port.
func (c GobgpdConfig) TOML(port int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[global.config]\n  as = %d\n  router-id = %q\n  port = %d\n  local-address-list = [%q]\n", c.AS, c.RouterID, port, c.Listen)
	for _, n := range c.Neighbors {
		fmt.Fprintf(&b, "\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = %q\n    peer-as = %d\n", n.Addr, n.AS)
		fmt.Fprintf(&b, "  [neighbors.transport.config]\n    local-address = %q\n", c.Listen)
		if n.RemotePort != 0 {
			fmt.Fprintf(&b, "    remote-port = %d\n", n.RemotePort)
		}
		if n.Passive {
			b.WriteString("    passive-mode = true\n")
		}
		if n.FastTimers {
			b.WriteString("  [neighbors.timers.config]\n    connect-retry = 1\n    hold-time = 9\n    keepalive-interval = 3\n")
		}
		if n.GracefulRestart {
			b.WriteString("  [neighbors.graceful-restart.config]\n    enabled = true\n")
		}
		if n.RRClient {
			fmt.Fprintf(&b, "  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = %q\n", c.RouterID)
		}
		for _, f := range n.Families {
			fmt.Fprintf(&b, "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = %q\n", f)
			if n.GracefulRestart {
				b.WriteString("    [neighbors.afi-safis.mp-graceful-restart.config]\n      enabled = true\n")
			}
		}
	}
	return b.String()
}
