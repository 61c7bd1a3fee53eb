package l3vpn

import (
	"net/netip"
	"sync"
)

// Next-hop tracking, as bgpd registers the next hops it hears with
// zebra: a PE puts the next hop of each VPN route its global speaker
// makes best into the RIB's use (router.RIB.TrackNexthops) as soon as
// the speaker decides, before the VRFs import the route. LDP asking on
// demand (RFC 7032) then asks for the next hop's label at once, and it
// usually arrives before the import (syncHold later), so the routes
// resolve once, over the LSP, instead of first over whatever else
// there is (the IP tunnel their encapsulation allows, or nothing) and
// again when the label comes. The sync that imports them lets the next
// hops go: those the VRFs' routes resolve through stay in use by them,
// and LDP releases the labels of the others (a route no VRF imports,
// one of a prefix's several RDs), as it would have without the
// tracking.
type nextHops struct {
	mu sync.Mutex
	on bool // followNexthops ran: the node is a PE
	// seen are the next hops heard since the last sync: fresh are those
	// not handed to the RIB yet, held those it has (control lock).
	seen  map[netip.Addr]bool
	fresh []netip.Addr
	held  []netip.Addr
}

// heard is the global speaker's OnBestNextHop (under its lock). A node
// with no VRF yet (a reflector, say, which decides on every VPN route)
// keeps nothing: the VRFs it may get import through the RIB as before.
// Only IPv4 next hops are kept: LDP labels IPv4 FECs only, so an IPv6
// one has no label to ask for.
func (n *Node) heard(a netip.Addr) {
	t := &n.nht
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on || t.seen[a] || !a.Is4() {
		return
	}
	if t.seen == nil {
		t.seen = map[netip.Addr]bool{}
	}
	t.seen[a] = true
	t.fresh = append(t.fresh, a)
	if len(t.fresh) == 1 {
		n.env.AfterFunc(0, n.trackFresh)
	}
}

// followNexthops (control lock held) starts the tracking on a PE (a node
// with VRFs, or one that makes them on demand), once.
func (n *Node) followNexthops() {
	if len(n.vrfs) == 0 && !n.onDemand {
		return
	}
	t := &n.nht
	t.mu.Lock()
	t.on = true
	t.mu.Unlock()
}

// trackFresh (control lock held) hands the RIB the next hops heard since
// the last call.
func (n *Node) trackFresh() {
	t := &n.nht
	t.mu.Lock()
	fresh := t.fresh
	t.fresh = nil
	t.mu.Unlock()
	if len(fresh) > 0 {
		t.held = append(t.held, fresh...)
		n.env.RIB().TrackNexthops(fresh, nil)
	}
}

// releaseNexthops (control lock held), at the end of a sync, takes the
// next hops handed to the RIB out of the use the tracking gave them: the
// routes imported through them hold them now. They are heard afresh when
// BGP decides on a route through them again.
func (n *Node) releaseNexthops() {
	t := &n.nht
	if len(t.held) == 0 {
		return
	}
	held := t.held
	t.held = nil
	t.mu.Lock()
	for _, a := range held {
		delete(t.seen, a)
	}
	t.mu.Unlock()
	n.env.RIB().TrackNexthops(nil, held)
}
