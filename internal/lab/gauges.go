package lab

import (
	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
)

// LinkPorts returns the two ends of the link with model id id, for
// metrics to read their counters at scrape time.
func (l *Lab) LinkPorts(id int) (a, b *dataplane.Port) {
	return l.links[id].A(), l.links[id].B()
}

// NodeGauges is what a node's control plane holds at one moment.
type NodeGauges struct {
	Routes   map[string]int            // FIB routes by VRF ("" is the global table)
	Labels   int                       // LFIB entries
	SPFRuns  int                       // -1 off the core
	Sessions map[string][]bgp.Neighbor // BGP, by speaker ("global", "vrf NAME")
	IGP      []igp.Neighbor
	LDP      []ldp.Neighbor
}

// Gauges reads n's tables and sessions under its control lock, as show
// does, so a scrape sees each node consistently.
func (n *Node) Gauges() NodeGauges {
	g := NodeGauges{Routes: map[string]int{}, SPFRuns: -1, Sessions: map[string][]bgp.Neighbor{}}
	n.Router.Do(func() {
		if n.IGP != nil {
			g.SPFRuns = n.IGP.Status().SPFRuns
			g.IGP = n.IGP.Neighbors()
		}
		if n.LDP != nil {
			g.LDP = n.LDP.Neighbors()
		}
		if n.bgp != nil {
			g.Sessions["global"] = n.bgp.vpn.Speaker().Summary()
			for _, v := range n.bgp.vpn.VRFs() {
				if sp := n.bgp.vpn.VRFSpeaker(v); sp != nil {
					g.Sessions["vrf "+v] = sp.Summary()
				}
			}
		}
	})
	for _, v := range append([]string{""}, n.Router.VRFs()...) {
		g.Routes[v] = len(n.Router.FIBTable(v).Routes)
	}
	g.Labels = n.Router.LFIBLen()
	return g
}
