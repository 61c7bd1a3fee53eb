package ldp

import (
	"net/netip"

	"github.com/intercloud/intercloud/internal/router"
)

// FECs beyond the IGP's host routes: those the IGP reaches only by a
// summary (RFC 5283's longest match, when ABRs summarise their areas'
// loopbacks), and on an access node its BGP next hops (RFC 7032). They
// are the "extra" FECs, recomputed for the keys that may have changed:
// a peer's mapping came or went, a next hop came into or out of use, or
// (extraAll) a summary route or a session changed.
//
// A summarised FEC is accepted when the longest matching IGP route
// leads to a peer that advertised it, as RFC 5283 asks, so that a FEC
// lives only as long as some LSR downstream has it. The ingress needs a
// route to attach the label to: for the summarised FECs its RIB resolves
// recursive routes through, LDP offers a host route of its own over the
// labelled nexthops (as Junos puts LDP's FECs in inet.3), which the IGP's
// own host route, were there one, would beat.

// cover is an IGP route shorter than /32: what a summarised FEC is
// reached by.
type cover struct {
	nexthops []router.Nexthop
	metric   uint32
}

// coverChanged follows an IGP route shorter than /32.
func (in *Instance) coverChanged(p netip.Prefix, r router.Route, ok bool) {
	if ok && r.Proto == router.ProtoOSPF {
		if in.cover == nil {
			in.cover = map[netip.Prefix]cover{}
		}
		in.cover[p] = cover{nexthops: in.shareNexthops(r.Nexthops), metric: r.Metric}
		in.coverBits |= 1 << p.Bits()
	} else if _, had := in.cover[p]; had {
		delete(in.cover, p)
	} else {
		return
	}
	in.extraAll = true
	for k := range in.needed { // the host routes' metrics
		in.markInstall(k)
	}
	in.scheduleUpdate()
}

// longest is the longest IGP route shorter than /32 covering k's address.
func (in *Instance) longest(k fecKey) (cover, bool) {
	a := k.prefix().Addr()
	for bits := 31; bits >= 0; bits-- {
		if in.coverBits&(1<<bits) == 0 {
			continue
		}
		p, _ := a.Prefix(bits)
		if c, ok := in.cover[p]; ok {
			return c, true
		}
	}
	return cover{}, false
}

// remoteChanged notes that a peer's mapping for k came (or, withdraw,
// went). Only on a transit LSR does that decide whether k is an extra
// FEC: one more label for a FEC that is one already changes nothing (its
// nexthops are its summary's), and an access node's extra FECs are its
// BGP next hops whatever the labels.
func (in *Instance) remoteChanged(k fecKey, withdraw bool) {
	if !in.cfg.LongestMatch || in.cfg.Access {
		return
	}
	if _, exact := in.igp[k]; exact {
		return
	}
	if _, is := in.extra[k]; is && !withdraw {
		return
	}
	in.markExtra(k)
}

func (in *Instance) markExtra(k fecKey) {
	if in.extraDirty == nil {
		in.extraDirty = map[fecKey]struct{}{}
	}
	in.extraDirty[k] = struct{}{}
}

// nexthopsUsed follows the RIB's recursive nexthops (WatchNexthops).
func (in *Instance) nexthopsUsed(uses []router.NexthopUse) {
	for _, u := range uses {
		if !u.Addr.Is4() {
			continue
		}
		k := keyOf(netip.PrefixFrom(u.Addr, 32))
		if u.Used {
			in.needed[k] = struct{}{}
		} else {
			delete(in.needed, k)
		}
		in.markExtra(k)
		in.markInstall(k)
	}
	if in.cfg.Access {
		in.scheduleUpdateNow()
		return
	}
	in.scheduleUpdate()
}

// extraFor is what k would be as an extra FEC: its nexthops, and whether
// it is one.
func (in *Instance) extraFor(k fecKey) ([]router.Nexthop, bool) {
	if in.egress[k] {
		return nil, false
	}
	nhs, exact := in.igp[k]
	if in.cfg.Access {
		if _, need := in.needed[k]; !need {
			return nil, false
		}
		if exact {
			return nhs, true
		}
		if !in.cfg.LongestMatch {
			return nil, false
		}
		c, ok := in.longest(k)
		return c.nexthops, ok
	}
	if exact || !in.cfg.LongestMatch {
		return nil, false
	}
	c, ok := in.longest(k)
	if !ok {
		return nil, false
	}
	for _, nh := range c.nexthops {
		if s := in.peerFor(nh); s != nil {
			if _, has := s.remote[k]; has {
				return c.nexthops, true
			}
		}
	}
	return nil, false
}

// syncExtra recomputes the extra FECs that may have changed and returns
// the keys whose FEC came, went or changed its nexthops.
func (in *Instance) syncExtra() []fecKey {
	if !in.cfg.LongestMatch && !in.cfg.Access {
		return nil
	}
	var keys []fecKey
	if in.extraAll {
		in.extraAll = false
		cand := map[fecKey]struct{}{}
		for k := range in.extra {
			cand[k] = struct{}{}
		}
		for k := range in.needed {
			cand[k] = struct{}{}
		}
		if in.cfg.LongestMatch && !in.cfg.Access {
			for _, s := range in.sessions {
				for k := range s.remote {
					if _, exact := in.igp[k]; !exact {
						cand[k] = struct{}{}
					}
				}
			}
		}
		for k := range in.extraDirty {
			cand[k] = struct{}{}
		}
		in.extraDirty = cand
	}
	for k := range in.extraDirty {
		nhs, ok := in.extraFor(k)
		old, had := in.extra[k]
		switch {
		case ok && had && router.SameNexthops(old, nhs):
			continue
		case ok:
			if in.extra == nil {
				in.extra = map[fecKey][]router.Nexthop{}
			}
			in.extra[k] = nhs
		case had:
			delete(in.extra, k)
		default:
			continue
		}
		keys = append(keys, k)
	}
	in.extraDirty = nil
	return keys
}

// extraRoute is the host route LDP offers the RIB for k, if k is a
// summarised FEC the RIB resolves recursive routes through: over its
// labelled nexthops, at the summary's metric.
func (in *Instance) extraRoute(k fecKey, labelled []router.Nexthop) (router.Route, bool) {
	if _, need := in.needed[k]; !need || len(labelled) == 0 {
		return router.Route{}, false
	}
	if _, exact := in.igp[k]; exact {
		return router.Route{}, false
	}
	c, _ := in.longest(k)
	return router.Route{Prefix: k.prefix(), Proto: router.ProtoLDP, Metric: c.metric, Nexthops: labelled}, true
}
