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
	for _, v := range n.bgp.vpn.VRFs() {
		out = append(out, "vrf "+v)
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
	return n.bgp.vpn.GracefulKeepers()
}

// restart (control lock held) restarts the node's VPN function and has
// its sessions use the new speakers.
func (st *bgpState) restart() error {
	old := map[*bgp.Speaker]string{st.vpn.Speaker(): ""}
	for _, v := range st.vpn.VRFs() {
		old[st.vpn.VRFSpeaker(v)] = v
	}
	var resync []func()
	if st.evpn != nil {
		// Its EVIs' routes, on the new speaker (l2vpn.go), before that
		// speaker's End-of-RIB can go.
		resync = append(resync, st.evpn.Resync)
	}
	if err := st.vpn.Restart(resync...); err != nil {
		return fmt.Errorf("%s: %w", st.n.Model.Name, err)
	}
	now := func(sp *bgp.Speaker) *bgp.Speaker {
		vrf, ok := old[sp]
		if !ok {
			return sp
		}
		if vrf == "" {
			return st.vpn.Speaker()
		}
		return st.vpn.VRFSpeaker(vrf)
	}
	l := st.l
	l.bgpMu.Lock()
	defer l.bgpMu.Unlock()
	for _, s := range st.sessions {
		s.aSp, s.bSp = now(s.aSp), now(s.bSp)
	}
	return nil
}
