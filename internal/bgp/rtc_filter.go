package bgp

import (
	"slices"
	"time"
	"unique"
)

// Outbound VPN route filtering by a peer's RT membership (RFC 4684).
//
// Update groups: the filter is part of the group key (as an interned
// fingerprint of the peer's membership), so that the UPDATEs of a group
// still suit every member and are encoded once: a reflector whose 1,000
// clients import the same RTs keeps one group for them. Filtering after
// a shared encoding would need per-peer re-encoding of every UPDATE whose
// NLRI mix wanted and unwanted routes, losing that sharing. The price is
// a regroup when a peer's membership changes (regroupVPN), which sends
// the peer the difference between its old and new group's Adj-RIB-Out.

// rtcEoRWait bounds how long VPN routes wait for a peer's RTC End-of-RIB
// (RFC 4684 6) before they are sent by the membership received so far.
const rtcEoRWait = 5 * time.Second

// rtFilter is a peer's membership as a VPN route filter. A nil filter
// passes everything.
type rtFilter struct {
	exact   map[ExtCommunity]bool
	partial []rtPrefix // 32 < bits < 96: a prefix of the route target
}

type rtPrefix struct {
	rt   ExtCommunity
	bits int // of the route target: the NLRI length less 32
}

// pass reports whether a route with these route targets may be sent.
func (f *rtFilter) pass(a *Attrs) bool {
	if f == nil {
		return true
	}
	return f.passRTs(a.RouteTargets())
}

// passRTs reports whether a route with these route targets may be sent.
func (f *rtFilter) passRTs(rts []ExtCommunity) bool {
	if f == nil {
		return true
	}
	for _, rt := range rts {
		if f.exact[rt] {
			return true
		}
		for _, p := range f.partial {
			if rtcKey(0, rt, 32+p.bits) == rtcKey(0, p.rt, 32+p.bits) {
				return true
			}
		}
	}
	return false
}

// filterID identifies a membership filter in group keys; the zero value
// is no filter (the peer did not negotiate RTC, or asked for everything).
type filterID = unique.Handle[string]

// buildFilter turns the RTC routes received from a peer into a filter
// and its fingerprint. The origin AS does not take part in matching
// (RFC 4684 4), so peers importing the same RTs from different ASes
// still share a group.
func buildFilter(in map[RouteKey]bool) (filterID, *rtFilter) {
	f := &rtFilter{exact: map[ExtCommunity]bool{}}
	var fp []byte
	for k := range in {
		_, rt, bits, _ := k.RTCMembership()
		switch {
		case bits <= 32:
			return filterID{}, nil // default route or a wildcard: everything
		case bits == 96:
			f.exact[rt] = true
		default:
			f.partial = append(f.partial, rtPrefix{rt, bits - 32})
		}
	}
	entries := make([][9]byte, 0, len(f.exact)+len(f.partial))
	for rt := range f.exact {
		entries = append(entries, entry(rt, 64))
	}
	for _, p := range f.partial {
		entries = append(entries, entry(p.rt, p.bits))
	}
	slices.SortFunc(entries, func(a, b [9]byte) int { return slices.Compare(a[:], b[:]) })
	entries = slices.Compact(entries)
	fp = append(fp, 'm') // never the empty string, which differs from "nothing"
	for _, e := range entries {
		fp = append(fp, e[:]...)
	}
	return unique.Make(string(fp)), f
}

func entry(rt ExtCommunity, bits int) [9]byte {
	var e [9]byte
	e[0] = byte(bits)
	copy(e[1:], rt[:])
	return e
}

// rtcTouched records a change to the RTC routes received from p.
func (s *Speaker) rtcTouched(p *peer, k RouteKey, present bool) {
	if p == nil {
		return
	}
	_, had := p.rtcIn[k]
	if _, _, bits, _ := k.RTCMembership(); bits <= 32 && had != present {
		if present {
			p.rtcWide++
		} else {
			p.rtcWide--
		}
	}
	if present {
		p.rtcIn[k] = true
	} else {
		delete(p.rtcIn, k)
	}
	p.rtcChanged = true
	s.rtcChanged = true
}

// vpnFilter is the filter VPN routes to p over ss are sent through.
func (p *peer) vpnFilter(ss *session) (filterID, *rtFilter) {
	if !ss.families[RTC] || ss.disabled[RTC] {
		return filterID{}, nil
	}
	if ss.grRestarted && !p.eorIn[RTC] {
		// A restarting peer defers its own advertisements, its RTC
		// End-of-RIB among them, until it has ours: waiting for it would
		// deadlock, so it gets everything until its membership is in.
		return filterID{}, nil
	}
	if p.rtcWide > 0 {
		// The default route or a wildcard: everything, whatever else the
		// peer asked for. A reflector's clients get its default route
		// beside every other client's membership; building their filter
		// on each of those arrivals only to find it cost a large lab's
		// PEs a third of its bring-up.
		return filterID{}, nil
	}
	return buildFilter(p.rtcIn)
}

// vpnReady reports whether VPN routes may go to p: it did not negotiate
// RTC, or its membership is complete (End-of-RIB), or it is restarting.
func (p *peer) vpnReady(ss *session) bool {
	return !ss.families[RTC] || ss.disabled[RTC] || p.eorIn[RTC] || ss.grRestarted || p.rtcWaited
}

// vpnFamilies are the families filtered by RT membership: the VPN
// families and EVPN (evpn.go).
var vpnFamilies = [...]Family{VPNv4, VPNv6, EVPN}

// waitRTC defers the VPN joins until the peer's RTC End-of-RIB, for at
// most rtcEoRWait.
func (p *peer) waitRTC(ss *session) {
	stopTimer(p.rtcTimer)
	p.rtcTimer = p.s.after(rtcEoRWait, func() {
		if p.established != ss {
			return
		}
		p.rtcWaited = true
		for _, f := range vpnFamilies {
			if ss.families[f] && p.groups[f] == nil {
				p.s.log.Info("no RTC End-of-RIB: sending VPN routes by the membership received", "peer", p.cfg.Addr, "family", f)
				p.joinFamily(ss, f)
			}
		}
	})
}

// rtcEoR is the peer's RTC End-of-RIB: its membership is complete, so
// its VPN routes go now (or, if they went early, are trimmed to it).
func (p *peer) rtcEoR(ss *session) {
	if p.s.restarting {
		return // finishRestart joins
	}
	stopTimer(p.rtcTimer)
	for _, f := range vpnFamilies {
		if !ss.families[f] {
			continue
		}
		if p.groups[f] == nil {
			p.joinFamily(ss, f)
			continue
		}
		p.regroupVPN(ss, f) // a restarting peer's: it had everything until now
	}
}

// updateMemberships moves every peer whose RTC routes changed into the
// VPN groups of its new membership.
func (s *Speaker) updateMemberships() {
	if !s.rtcChanged {
		return
	}
	s.rtcChanged = false
	for _, p := range s.peers {
		if !p.rtcChanged {
			continue
		}
		p.rtcChanged = false
		ss := p.established
		if ss == nil {
			continue
		}
		for _, f := range vpnFamilies {
			if p.groups[f] != nil {
				p.regroupVPN(ss, f)
			}
		}
	}
}

// regroupVPN moves p to the group of VPN family f matching its current
// filter and sends it what differs: routes the new group has and the old
// one had not (or had otherwise) are announced, routes only the old one
// had are withdrawn.
func (p *peer) regroupVPN(ss *session, f Family) {
	s := p.s
	old := p.groups[f]
	k := p.groupKey(ss, f)
	if old.key == k {
		return
	}
	g := s.groupWithFilter(k, p, ss)
	s.flushGroup(old) // both Adj-RIBs-Out current; p still gets old's news
	s.flushGroup(g)
	delete(old.members, p)
	if len(old.members) == 0 {
		delete(s.groups, old.key)
	}
	ann := map[AttrHandle][]outRoute{}
	var wd []outRoute
	for rk, a := range g.adjOut.all() {
		if b, ok := old.adjOut.get(rk); !ok || a != b {
			ann[a.attrs] = append(ann[a.attrs], outRoute{rk, a.label})
		}
	}
	for rk, b := range old.adjOut.all() {
		if _, ok := g.adjOut.get(rk); !ok {
			wd = append(wd, outRoute{rk, b.label})
		}
	}
	g.members[p] = true
	p.groups[f] = g
	s.log.Debug("RT membership changed", "peer", p.cfg.Addr, "family", f, "announce", len(ann), "withdraw", len(wd))
	if len(ann) == 0 && len(wd) == 0 {
		return
	}
	msgs, err := encodeUpdatesFor(f, ss.as2, ann, wd)
	if err != nil {
		s.log.Error("encoding UPDATE failed", "family", f, "error", err)
		return
	}
	for _, m := range msgs {
		ss.sendRaw(m)
	}
}

// groupWithFilter is group(k), giving a new group p's filter.
func (s *Speaker) groupWithFilter(k groupKey, p *peer, ss *session) *updateGroup {
	g := s.group(k)
	if k.family.rtFiltered() && k.rtc != (filterID{}) && g.filter == nil {
		_, g.filter = p.vpnFilter(ss)
	}
	return g
}
