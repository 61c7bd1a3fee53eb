package l3vpn

import (
	"fmt"

	"github.com/intercloud/intercloud/internal/bgp"
)

// Restart (control lock held) restarts the Node's BGP the way a restarted
// bgpd restarts under RFC 4724: its speakers stop without a NOTIFICATION
// and new ones start in the restarting role, while the router keeps
// forwarding on the BGP routes and labels it had. Its peers keep its
// routes as stale; each new speaker advertises once it has heard
// End-of-RIB from all its peers, and its Loc-RIB then replaces the kept
// routes. The caller finds the new speakers with Speaker and VRFSpeaker.
//
// The new speakers hold their deferral (bgp.Speaker.RestartHeld) until
// the Node has originated again: were one to hear every peer's
// End-of-RIB first — a few handshakes on a real clock — it would
// advertise an empty table and End-of-RIB, and its helpers would sweep
// the routes it still had to send, the very withdrawal graceful restart
// exists to avoid. For the same reason reoriginate, when given, runs
// before the hold ends: the originations of another service on the
// global speaker (Config.Beside's EVPN routes) go out before End-of-RIB
// too.
func (n *Node) Restart(reoriginate ...func()) error {
	keepers := n.helpers()
	// From now on sync uses the old speakers' best paths, the routes the
	// router forwards on, until each new one is done (see restartDone).
	kept := map[string][]path{"": n.snapshot("")}
	for _, v := range n.vrfs {
		if v.sp != nil {
			kept[v.name] = n.snapshot(v.name)
		}
	}
	n.mu.Lock()
	n.keepers, n.restarted = keepers, true
	for name, ps := range kept {
		n.restarting[name] = true
		n.kept[name] = ps
	}
	n.mu.Unlock()

	main, err := n.main.RestartHeld()
	if err != nil {
		return err
	}
	held := []*bgp.Speaker{main}
	// Whatever happens below, no speaker stays held past this call.
	defer func() {
		for _, sp := range held {
			sp.Release()
		}
	}()
	vrfSps := make([]*bgp.Speaker, len(n.vrfs))
	for i, v := range n.vrfs {
		if v.sp == nil {
			continue // an attachment VRF: its sites are the router's own
		}
		if vrfSps[i], err = v.sp.RestartHeld(); err != nil {
			return fmt.Errorf("vrf %s: %w", v.name, err)
		}
		held = append(held, vrfSps[i])
	}
	n.mu.Lock()
	n.main = main
	for i, v := range n.vrfs {
		if v.sp != nil {
			v.sp = vrfSps[i]
		}
	}
	n.mu.Unlock()

	// A restarted process has originated nothing: originate again from
	// the kept state — a site router its own prefixes, a PE its VRFs'
	// routes as VPNv4 and the imported VPN routes towards its CEs (sync
	// hands the new speakers their whole sets).
	if err := n.Announce(); err != nil {
		return err
	}
	n.sync()
	for _, f := range reoriginate {
		f()
	}
	return nil
}

// GracefulKeepers is how many of the Node's peers keep its routes as
// stale across its restart: those whose session was established with
// graceful restart when Restart ran (or, before any restart, now). A peer
// that did not advertise the capability drops the routes at once.
func (n *Node) GracefulKeepers() int {
	n.mu.Lock()
	kept, restarted := n.keepers, n.restarted
	n.mu.Unlock()
	if restarted {
		return kept
	}
	return n.helpers()
}

// helpers counts the Node's peers that would keep its routes now.
func (n *Node) helpers() int {
	c := n.Speaker().GracefulHelpers()
	for _, v := range n.vrfList() {
		if sp := n.VRFSpeaker(v.name); sp != nil {
			c += sp.GracefulHelpers()
		}
	}
	return c
}
