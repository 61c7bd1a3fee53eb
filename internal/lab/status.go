package lab

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intercloud/intercloud/internal/igp"
	"github.com/intercloud/intercloud/internal/ldp"
)

// Counts is what `intercloud status` and the end of `up` report.
type Counts struct {
	Routers     int `json:"routers"`
	Links       int `json:"links"`
	LinksUp     int `json:"links_up"`
	CoreLinksUp int `json:"core_links_up"`
	Adjacencies int `json:"adjacencies"` // IGP adjacencies Full, once per link
	LDPSessions int `json:"ldp_sessions"`
	LSPs        int `json:"lsps"` // LFIB entries over all routers
	// BGPSessions counts configured BGP sessions whose ends route to each
	// other; BGPEstablished, those of them that are Established.
	BGPSessions    int  `json:"bgp_sessions"`
	BGPEstablished int  `json:"bgp_established"`
	Ready          bool `json:"ready"`
}

// Counts takes stock of the lab. The lab is ready when every core link
// that is up carries a Full adjacency, every pair of LDP neighbours over
// such links has a session, and every core router has a route to every
// core loopback it can reach. (That LSPs are in place follows from LDP
// being quiet: WaitReady also waits for the control plane to settle.)
func (l *Lab) Counts() Counts {
	c := l.stock()
	if !c.Ready {
		return c
	}
	group := l.coreGroups()
	var core []*Node
	for _, n := range l.order {
		if n.Model.Role.IsCore() {
			core = append(core, n)
		}
	}
	// Every core router looks up every loopback of its group: millions
	// of lookups in a 10,000-router lab, shared among the cores (each
	// router's RIB has its own lock).
	var missing atomic.Bool
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), len(core))
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(core) && !missing.Load(); i += workers {
				n := core[i]
				for _, other := range group[n.Model.Name] {
					if other == n {
						continue
					}
					// By longest match: behind an ABR's range, a loopback
					// of another area is reached by the summary.
					if _, ok := n.Router.RIB().NexthopCost("", other.Model.Loopback.Addr()); !ok {
						missing.Store(true)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	c.Ready = !missing.Load()
	return c
}

// stock counts links, adjacencies, sessions and LSPs, and says whether
// the adjacencies and sessions are all there: cheap enough to poll.
func (l *Lab) stock() Counts {
	c := Counts{Routers: len(l.order), Links: len(l.links)}
	ldpPairs := map[[2]string]bool{}
	for id, dl := range l.links {
		if !dl.Up() {
			continue
		}
		c.LinksUp++
		ml := l.Model.Links[id]
		if !ml.Core {
			continue
		}
		c.CoreLinksUp++
		a, b := l.nodes[ml.A.Node], l.nodes[ml.B.Node]
		if a.LDP != nil && b.LDP != nil {
			pair := [2]string{min(ml.A.Node, ml.B.Node), max(ml.A.Node, ml.B.Node)}
			ldpPairs[pair] = true
		}
	}
	full, sessions := 0, 0
	for _, n := range l.order {
		var nbrs []igp.Neighbor
		var ldpn []ldp.Neighbor
		if n.IGP == nil && n.LDP == nil {
			continue
		}
		n.Router.Do(func() {
			if n.IGP != nil {
				nbrs = n.IGP.Neighbors()
			}
			if n.LDP != nil {
				ldpn = n.LDP.Neighbors()
			}
		})
		for _, nb := range nbrs {
			if nb.State == igp.StateFull {
				full++
			}
		}
		for _, nb := range ldpn {
			// Link sessions: a targeted one (remote LFA) adds to them.
			if nb.State == ldp.StateOperational && len(nb.Interfaces) > 0 {
				sessions++
			}
		}
		c.LSPs += n.Router.LFIBLen()
	}
	c.Adjacencies, c.LDPSessions = full/2, sessions/2
	c.BGPSessions, c.BGPEstablished = l.bgpCounts()
	c.Ready = c.Adjacencies == c.CoreLinksUp && c.LDPSessions == len(ldpPairs) && c.BGPEstablished == c.BGPSessions
	return c
}

// coreGroups maps each core node to the core nodes it can reach over core
// links that are up (itself included); nodes of one group share a slice.
func (l *Lab) coreGroups() map[string][]*Node {
	out := map[string][]*Node{}
	for _, n := range l.order {
		if !n.Model.Role.IsCore() || out[n.Model.Name] != nil {
			continue
		}
		group := []*Node{n}
		seen := map[string]bool{n.Model.Name: true}
		for i := 0; i < len(group); i++ {
			for _, ifc := range group[i].Model.Interfaces {
				peer := l.nodes[ifc.Peer]
				if seen[ifc.Peer] || !l.Model.Links[ifc.LinkID].Core || !l.links[ifc.LinkID].Up() || !peer.Model.Role.IsCore() {
					continue
				}
				seen[ifc.Peer] = true
				group = append(group, peer)
			}
		}
		for _, m := range group {
			out[m.Model.Name] = group
		}
	}
	return out
}

// syncPending reports whether some router's BGP heard changes that it
// has not yet put in its RIB and sent on (l3vpn holds a sync for a few
// milliseconds to take a burst in one go): a session that has just come
// up, say, with the lab quiet before it.
func (l *Lab) syncPending() bool {
	for _, n := range l.order {
		if n.bgp != nil && n.bgp.vpn.SyncPending() {
			return true
		}
	}
	return false
}

// Settle is how long the control plane must stay quiet, after the lab's
// stock looks complete, before it counts as converged: a path learned
// over a slow link can still replace one learned early.
const Settle = 250 * time.Millisecond

// WaitReady polls until the lab is ready and has been quiet for Settle
// (with BGP over TCP, no BGP message in flight or handled either),
// or limit passes. advance, when set, moves a virtual clock forward by step
// between polls (tests); with the real clock it is nil and WaitReady
// sleeps. It returns how long convergence took: from Start to the last
// control-plane event. The full check runs only once the cheap counts are
// complete and the control plane is quiet, so polling a large lab is cheap.
func (l *Lab) WaitReady(limit, step time.Duration, advance func(time.Duration)) (Counts, time.Duration, bool) {
	return l.waitReady(func(now time.Time) bool { return now.Sub(l.Started()) >= limit }, step, advance)
}

// WaitReadyBy is WaitReady with a deadline in wall time: on a slow
// machine a large lab's clock may run slower than the wall, and a user's
// --timeout means the wall's.
func (l *Lab) WaitReadyBy(deadline time.Time, step time.Duration, advance func(time.Duration)) (Counts, time.Duration, bool) {
	return l.waitReady(func(time.Time) bool { return !time.Now().Before(deadline) }, step, advance)
}

func (l *Lab) waitReady(expired func(labNow time.Time) bool, step time.Duration, advance func(time.Duration)) (Counts, time.Duration, bool) {
	start := l.Started()
	var bgpMoved time.Time // lab time BGP over TCP was last seen busy
	var handled uint64
	for {
		now := l.clk.Now()
		last := l.LastChange()
		if l.tcp != nil {
			// BGP messages over TCP travel in wall time, unseen by the
			// lab's clock: quiet means none in flight, and none handled
			// for Settle (what handling one starts runs on the clock).
			inFlight, h := l.tcp.traffic()
			if inFlight > 0 || h != handled {
				bgpMoved, handled = now, h
			}
			if bgpMoved.After(last) {
				last = bgpMoved
			}
		}
		if now.Sub(last) >= Settle && !l.syncPending() {
			if c := l.stock(); c.Ready {
				if c = l.Counts(); c.Ready {
					return c, last.Sub(start), true
				}
			}
		}
		if expired(now) {
			c := l.Counts()
			c.Ready = false
			return c, now.Sub(start), false
		}
		if advance != nil {
			advance(step)
		} else {
			time.Sleep(step)
		}
	}
}
