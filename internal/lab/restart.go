package lab

import (
	"fmt"

	"github.com/intercloud/intercloud/internal/bgp"
)

// RestartBGP restarts a node's BGP the way a restarted bgpd restarts under
// RFC 4724 graceful restart: its speakers (the global one and, on a PE,
// one per VRF) stop without a NOTIFICATION and new ones start in the
// restarting role, while the router keeps forwarding on the BGP routes
// and VPN labels it had. Its peers keep its routes as stale, so traffic
// keeps flowing both ways; each new speaker advertises once it has heard
// End-of-RIB from all its peers, the peers then drop what it no longer
// announces, and its Loc-RIB replaces the kept routes in the RIB.
func (l *Lab) RestartBGP(node string) error {
	n, ok := l.nodes[node]
	if !ok {
		return fmt.Errorf("no node %q", node)
	}
	if n.bgp == nil {
		return fmt.Errorf("%s runs no BGP", node)
	}
	var err error
	// Under the control lock, so that no sync runs half on the old
	// speakers and half on the new ones.
	n.Router.Do(func() { err = n.bgp.restart() })
	if err == nil {
		n.Router.Event("bgp-restart", "BGP restarted gracefully; forwarding state kept")
	}
	return err
}

// BGPSpeakers names the node's speakers: "global" and "vrf NAME" per VRF.
func (n *Node) BGPSpeakers() []string {
	if n.bgp == nil {
		return nil
	}
	out := []string{"global"}
	for _, v := range n.bgp.vrfs {
		out = append(out, "vrf "+v.name)
	}
	return out
}

// BGPPeerCount is how many of the node's peers keep its routes as stale
// across its restart: those whose session was established with graceful
// restart when RestartBGP ran (or, before any restart, now). A peer that
// did not advertise the capability drops the routes at once (RFC 4724).
func (n *Node) BGPPeerCount() int {
	if n.bgp == nil {
		return 0
	}
	n.bgp.mu.Lock()
	kept, restarted := n.bgp.keepers, n.bgp.restarted
	n.bgp.mu.Unlock()
	if restarted {
		return kept
	}
	return n.bgp.helpers()
}

// helpers counts the node's peers that would keep its routes now.
func (st *bgpState) helpers() int {
	c := st.main.GracefulHelpers()
	for _, v := range st.vrfs {
		c += v.sp.GracefulHelpers()
	}
	return c
}

// restart (control lock held) replaces the node's speakers by restarted
// ones and gives them what they originate again from the kept state.
func (st *bgpState) restart() error {
	keepers := st.helpers()
	// From now on the new speakers' changes go to pending; best, the
	// routes the router forwards on, stays as it is (see restartDone).
	st.mu.Lock()
	st.keepers, st.restarted = keepers, true
	st.restarting[""] = true
	st.pending[""] = nil
	for _, v := range st.vrfs {
		st.restarting[v.name] = true
		st.pending[v.name] = nil
	}
	st.mu.Unlock()

	main, err := st.main.Restart()
	if err != nil {
		return fmt.Errorf("%s: %w", st.n.Model.Name, err)
	}
	vrfSps := make([]*bgp.Speaker, len(st.vrfs))
	for i, v := range st.vrfs {
		if vrfSps[i], err = v.sp.Restart(); err != nil {
			return fmt.Errorf("%s vrf %s: %w", st.n.Model.Name, v.name, err)
		}
	}
	l := st.l
	l.bgpMu.Lock()
	old := map[*bgp.Speaker]*bgp.Speaker{st.main: main}
	st.main = main
	for i, v := range st.vrfs {
		old[v.sp] = vrfSps[i]
		v.sp = vrfSps[i]
	}
	for _, s := range st.sessions {
		if sp, ok := old[s.aSp]; ok {
			s.aSp = sp
		}
		if sp, ok := old[s.bSp]; ok {
			s.bSp = sp
		}
	}
	l.bgpMu.Unlock()

	// A restarted process has originated nothing: originate again from
	// the kept state — a CE its own prefixes, a PE its VRFs' routes as
	// VPNv4 and the imported VPN routes towards its CEs (sync does both
	// once it has forgotten what it told the old speakers).
	if !st.n.Model.Role.IsCore() {
		for _, p := range l.ceOriginates(st.n) {
			if err := main.Originate(bgp.IPv4Unicast, bgp.RouteKey{Prefix: p}, 0, bgp.Attrs{Origin: bgp.OriginIGP}); err != nil {
				return fmt.Errorf("%s: %w", st.n.Model.Name, err)
			}
		}
	}
	st.exported = map[bgp.RouteKey]originated{}
	for _, v := range st.vrfs {
		clear(v.imported)
	}
	st.sync()
	return nil
}
