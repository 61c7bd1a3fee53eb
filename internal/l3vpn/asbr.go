package l3vpn

import (
	"slices"
	"sync"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// Inter-AS option B (RFC 4364 section 10b). An ASBR is a PE with a link
// to a PE of another AS; the two exchange VPNv4 routes over eBGP on that
// link. Whenever an ASBR advertises a VPN route with itself as next hop —
// to its eBGP peer, or into its own AS with next-hop-self — it advertises
// a label of its own for the route instead of the route's label, and
// switches that label to the route's: "swap to the label the next hop
// gave, then reach the next hop" (through the transport LSP when the next
// hop is a PE inside the AS, straight over the inter-AS link when it is
// the other ASBR, in the IP tunnel the route offers when no LSP reaches
// it: a DC gateway's vRouters). No IGP and no LDP cross the border: only these labels.

// asbrLabels are an ASBR's per-route labels, allocated the first time the
// speaker advertises a route (bgp.Config.ExportLabel, under the speaker's
// lock: it takes the RIB's lock, which comes after) and installed by sync.
type asbrLabels struct {
	rib router.RIB

	mu    sync.Mutex
	byKey map[bgp.RouteKey]uint32
}

// exportLabel is the speaker's ExportLabel: one label per VPN route.
func (a *asbrLabels) exportLabel(f bgp.Family, k bgp.RouteKey, _ uint32) uint32 {
	if f != bgp.VPNv4 && f != bgp.VPNv6 {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.labelLocked(k)
}

func (a *asbrLabels) labelLocked(k bgp.RouteKey) uint32 {
	l, ok := a.byKey[k]
	if !ok {
		l = a.rib.AllocateLabel()
		a.byKey[k] = l
	}
	return l
}

// asbrNexthop is where an ASBR switches a VPN route's packets: to the
// route's label toward its next hop, inside the IP tunnel its egress
// offers when no LSP reaches that (a DC gateway toward its fabric's
// vRouters, which take MPLS only in UDP or GRE: encap.go's choice).
func asbrNexthop(label uint32, a *bgp.Attrs) router.LSPNexthop {
	nh := router.LSPNexthop{Addr: a.NextHop, OutLabel: label}
	if e, end, ok := chooseTunnel(a, a.NextHop); ok && end.Is4() {
		nh.Addr, nh.Tunnel = end, &router.Tunnel{Encap: e, UnlessLSP: true}
	}
	return nh
}

// syncASBR (control lock held) installs an LFIB entry for every VPN route
// the ASBR has (each is advertised with a rewritten next hop, to one side
// or the other, so each gets a label here if the speaker has not yet
// asked for it): swap to the route's own label toward its next hop (the
// RIB manager resolves a next hop that is not on a link through the IGP
// route and its transport label). Labels of routes gone are released.
func (n *Node) syncASBR() {
	a := n.asbr
	best := map[bgp.RouteKey]path{}
	for _, r := range n.snapshot("") {
		if (r.Family == bgp.VPNv4 || r.Family == bgp.VPNv6) && !r.Local {
			best[r.Key] = r
		}
	}
	a.mu.Lock()
	for k, in := range a.byKey {
		if _, ok := best[k]; !ok {
			delete(a.byKey, k)
			a.rib.ReleaseLabel(in)
		}
	}
	var lsps []router.LSP
	for k, r := range best {
		attrs := r.Attrs.Value()
		lsps = append(lsps, router.LSP{InLabel: a.labelLocked(k), FEC: k.Prefix,
			Nexthops: []router.LSPNexthop{asbrNexthop(r.Label, &attrs)}})
	}
	a.mu.Unlock()
	slices.SortFunc(lsps, func(x, y router.LSP) int { return int(x.InLabel) - int(y.InLabel) })
	n.env.RIB().ReplaceLSPs(router.ProtoEBGP, lsps)
}

// updateASBR (control lock held) is syncASBR by difference: the VPN
// routes whose best path changed get their LFIB entry, or lose it and
// their label. An ASBR of a large lab holds every VPN route that crosses
// its border, and each BGP update changes a few.
func (n *Node) updateASBR(keys []bgp.FamilyKey) {
	a := n.asbr
	sp := n.Speaker()
	// The best paths are read first: the speaker calls exportLabel under
	// its own lock, which therefore comes before a.mu.
	type change struct {
		key  bgp.RouteKey
		best path
		ok   bool
	}
	// Sized for every key: a sync after a burst hands thousands.
	changes := make([]change, 0, len(keys))
	seen := make(map[bgp.FamilyKey]bool, len(keys))
	for _, k := range keys {
		if k.Family != bgp.VPNv4 && k.Family != bgp.VPNv6 || seen[k] {
			continue
		}
		seen[k] = true
		r, ok := sp.BestPath(k.Family, k.Key)
		changes = append(changes, change{key: k.Key, best: r, ok: ok && !r.Local})
	}
	lsps := make([]router.LSP, 0, len(changes))
	var del []uint32
	a.mu.Lock()
	for i := range changes {
		c := &changes[i]
		if c.ok {
			attrs := c.best.Attrs.Value()
			lsps = append(lsps, router.LSP{InLabel: a.labelLocked(c.key), FEC: c.key.Prefix,
				Nexthops: []router.LSPNexthop{asbrNexthop(c.best.Label, &attrs)}})
		} else if in, had := a.byKey[c.key]; had {
			delete(a.byKey, c.key)
			a.rib.ReleaseLabel(in)
			del = append(del, in)
		}
	}
	a.mu.Unlock()
	if len(lsps)+len(del) > 0 {
		n.env.RIB().UpdateLSPs(router.ProtoEBGP, lsps, del)
	}
}
