package l3vpn

import (
	"net/netip"
	"sync"

	"github.com/intercloud/intercloud/internal/router"
)

// Resolver is a speaker's view of its router's RIB: the cost of the
// longest non-BGP match for a next hop (BGP routes never resolve BGP next
// hops). It runs under the speaker's lock and takes only the RIB's and its
// own. It remembers its answers, so that a RIB change that moves none of
// them costs the speaker no new decision; once the Node follows the RIB
// (follow), a default-VRF resolver answers from them too.
type Resolver struct {
	rib router.RIB
	vrf string
	// external are external peers' addresses: outside the emulated
	// network, reachable at cost 0.
	external map[netip.Addr]bool

	mu     sync.Mutex
	answer map[netip.Addr]resolved
	// followed: every change of the default VRF's selection now reaches
	// Moved (the Node's RIB watcher), which has the speaker decide again
	// wherever an answer moved; so a remembered answer serves until then,
	// without a RIB lookup (and its lock) per path compared.
	followed bool
}

type resolved struct {
	cost uint32
	ok   bool
}

// NewResolver resolves next hops in one VRF ("" the global table) of rib.
func NewResolver(rib router.RIB, vrf string) *Resolver {
	return &Resolver{rib: rib, vrf: vrf, answer: map[netip.Addr]resolved{}}
}

// Resolve is the speaker's bgp.Config.Resolver.
// The lookup is made under r.mu, so that a RIB change cannot slip
// between it and the record that Moved checks.
func (r *Resolver) Resolve(a netip.Addr) (uint32, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.external[a] {
		return 0, true
	}
	if old, ok := r.answer[a]; ok && r.followed {
		return old.cost, old.ok
	}
	cost, ok := NextHopCost(r.rib, r.vrf, a)
	r.answer[a] = resolved{cost, ok}
	return cost, ok
}

// AddExternal makes a reachable: the address of a peer outside the
// emulated network, which nothing forwards to.
func (r *Resolver) AddExternal(a netip.Addr) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.external == nil {
		r.external = map[netip.Addr]bool{}
	}
	r.external[a] = true
}

// follow (control lock held, the Node's RIB watcher registered) has a
// default-VRF resolver answer from what it remembers from now on (see
// followed), after bringing that up to date; true when some answer
// moved. The RIB wakes its watchers for no other VRF's changes, so a
// VRF's resolver keeps looking up every answer.
func (r *Resolver) follow() bool {
	if r.vrf != "" {
		return false
	}
	moved := r.Moved()
	r.mu.Lock()
	r.followed = true
	r.mu.Unlock()
	return moved
}

// Moved reports whether any answer given so far would now be different.
func (r *Resolver) Moved() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	moved := false
	for a, old := range r.answer {
		cost, ok := NextHopCost(r.rib, r.vrf, a)
		if (resolved{cost, ok}) != old {
			r.answer[a] = resolved{cost, ok}
			moved = true
		}
	}
	return moved
}

// NextHopCost is the metric of the longest non-BGP route to a in vrf of
// rib; false when there is none (then BGP must not use a as next hop, nor
// a session run to it).
func NextHopCost(rib router.RIB, vrf string, a netip.Addr) (uint32, bool) {
	return rib.NexthopCost(vrf, a)
}
