package bgp

import (
	"net/netip"
	"slices"
)

// Inbound prefix filter (PeerConfig.Accept): a provider's CE takes from
// a cloud only what the cloud was allocated. A route outside the list is
// filtered: never installed, as if the peer had not sent it, but counted
// and remembered so that `show bgp neighbor` says what was refused.

// accepts reports whether the peer's filter lets k in. Only address
// families are filtered (RTC membership always passes).
func (p *peer) accepts(f Family, k RouteKey) bool {
	if len(p.cfg.Accept) == 0 || f == RTC {
		return true
	}
	for _, a := range p.cfg.Accept {
		if a.Addr().Is4() == k.Prefix.Addr().Is4() && a.Bits() <= k.Prefix.Bits() && a.Contains(k.Prefix.Addr()) {
			return true
		}
	}
	return false
}

// refuse records a filtered announcement; the first one of a prefix is
// reported to Config.OnFiltered.
func (p *peer) refuse(f Family, k RouteKey) {
	if p.filtered == nil {
		p.filtered = map[RouteKey]Family{}
	}
	if _, seen := p.filtered[k]; seen {
		return
	}
	p.filtered[k] = f
	p.filteredTotal++
	p.s.log.Info("route filtered by the peer's prefix list", "peer", p.cfg.Addr, "prefix", k)
	if p.s.cfg.OnFiltered != nil {
		p.s.cfg.OnFiltered(p.cfg.Addr, f, k)
	}
}

// unrefuse forgets a filtered prefix the peer withdrew.
func (p *peer) unrefuse(k RouteKey) { delete(p.filtered, k) }

// filteredKeys are the prefixes the peer announces that the filter
// refuses, sorted.
func (p *peer) filteredKeys() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(p.filtered))
	for k := range p.filtered {
		out = append(out, k.Prefix)
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return out
}
