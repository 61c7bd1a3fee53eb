package bgp

import (
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// update applies one well-formed-at-the-framing-level UPDATE.
func (ss *session) update(msg *bgp.BGPMessage, u *bgp.BGPUpdate) {
	p := ss.p
	if eor, f := u.IsEndOfRib(); eor {
		p.eorIn[Family(f)] = true
		if p.stale[Family(f)] {
			p.sweepStale(Family(f)) // the restarted peer has resent all it has
		}
		if Family(f) == RTC && ss.families[RTC] {
			p.rtcEoR(ss)
		}
		return
	}
	// Semantic checks (mandatory attributes, next hop, flags) with RFC
	// 7606 outcomes.
	rfs := map[bgp.Family]bgp.BGPAddPathMode{}
	for f := range ss.families {
		rfs[f.wire()] = bgp.BGP_ADD_PATH_NONE
	}
	if _, err := bgp.ValidateUpdateMsg(u, rfs, !p.ibgp, false, true); err != nil {
		if me, ok := err.(*bgp.MessageError); ok && me.TypeCode == 0 {
			// The codec's way of saying "a family this session did not
			// negotiate": RFC 4760 6 says ignore it, not reset.
			p.s.log.Warn("UPDATE for a family not negotiated ignored", "peer", p.cfg.Addr, "error", me.Message)
			return
		}
		if me, ok := err.(*bgp.MessageError); ok {
			ss.updateError(msg, me)
			return
		}
		ss.notifyErr(err)
		return
	}
	ss.applyUpdate(u, false)
}

// updateError carries out RFC 7606's outcome for a malformed UPDATE.
func (ss *session) updateError(msg *bgp.BGPMessage, me *bgp.MessageError) {
	u, _ := msg.Body.(*bgp.BGPUpdate)
	switch me.ErrorHandling {
	case bgp.ERROR_HANDLING_ATTRIBUTE_DISCARD:
		// The codec already left the attribute out (a malformed Tunnel
		// Encapsulation attribute among them, RFC 9012 13).
		ss.p.s.log.Warn("malformed attribute discarded, route kept", "peer", ss.p.cfg.Addr, "error", me.Message)
		if u != nil {
			ss.applyUpdate(u, false)
		}
	case bgp.ERROR_HANDLING_TREAT_AS_WITHDRAW:
		ss.p.s.log.Warn("malformed UPDATE treated as withdraw", "peer", ss.p.cfg.Addr, "error", me.Message)
		if u != nil {
			ss.applyUpdate(u, true)
		}
	case bgp.ERROR_HANDLING_AFISAFI_DISABLE:
		// An MP_REACH_NLRI or MP_UNREACH_NLRI that cannot be parsed (RFC
		// 7606 3 j, 7.11): its NLRI cannot be located, so the family is
		// disabled for the session (RFC 4760 7) and the rest of the
		// UPDATE, whose attributes are suspect, treated as withdraw.
		f, ok := mpFamily(me)
		if !ok {
			ss.notifyErr(me)
			return
		}
		if !ss.families[f] {
			ss.p.s.log.Warn("malformed UPDATE for a family not negotiated ignored", "peer", ss.p.cfg.Addr, "family", f, "error", me.Message)
			return
		}
		ss.disableFamily(f, me.Message)
		if u != nil {
			ss.applyUpdate(u, true)
		}
	default:
		ss.notifyErr(me)
	}
}

// mpFamily is the family of the MP_REACH_NLRI or MP_UNREACH_NLRI an
// error is about, when the attribute got as far as naming it.
func mpFamily(me *bgp.MessageError) (Family, bool) {
	if me.ErrorAttribute == nil {
		return 0, false
	}
	var afi uint16
	var safi uint8
	switch a := (*me.ErrorAttribute).(type) {
	case *bgp.PathAttributeMpReachNLRI:
		afi, safi = a.AFI, a.SAFI
	case *bgp.PathAttributeMpUnreachNLRI:
		afi, safi = a.AFI, a.SAFI
	default:
		return 0, false
	}
	if afi == 0 {
		return 0, false
	}
	return Family(bgp.NewFamily(afi, safi)), true
}

// disableFamily is RFC 4760 7's answer to an incorrect MP attribute: the
// routes of the family received from the peer are deleted, and those it
// sends later over this session ignored. What we send is unaffected, and
// the session stays up (RFC 7606 2, "AFI/SAFI disable").
func (ss *session) disableFamily(f Family, why string) {
	p := ss.p
	if ss.disabled[f] {
		return
	}
	if ss.disabled == nil {
		ss.disabled = map[Family]bool{}
	}
	ss.disabled[f] = true
	p.s.log.Warn("malformed MP attribute: family disabled for the session", "peer", p.cfg.Addr, "family", f, "error", why)
	p.sweep(f, func(*Path) bool { return true })
	p.stale[f] = false
}

// Verdicts on an MP_REACH_NLRI next hop.
const (
	nhOK       = iota
	nhWithdraw // semantically wrong: treat-as-withdraw (RFC 7606 7.3)
	nhDisable  // length inconsistent with the family: AFI/SAFI disable (RFC 7606 7.11)
)

// mpNextHopVerdict checks an MP_REACH_NLRI next hop against its family.
// The codec has already refused lengths no family has and stripped the
// RD of VPN next hops, so the address's form tells the length: an IPv6
// family needs 16 or 32 octets (24 or 48 with the RD, RFC 2545, RFC
// 4659), IPv4-mapped ones included; IPv4 labelled unicast 4 (no
// extended next hop, RFC 8950, is negotiated). The unspecified address
// and multicast ones are no next hop. VPNv4 and RTC are taken as they
// always were.
func mpNextHopVerdict(f Family, mp *bgp.PathAttributeMpReachNLRI) int {
	nh := mp.Nexthop
	switch {
	case f.isIPv6() && !nh.Is6(), f == IPv4LabeledUnicast && !nh.Is4():
		return nhDisable
	}
	nh = nh.Unmap()
	if f != RTC && f != VPNv4 && (!nh.IsValid() || nh.IsUnspecified() || nh.IsMulticast()) {
		return nhWithdraw
	}
	return nhOK
}

// applyUpdate installs the announced routes and removes the withdrawn
// ones. withdraw treats the announcements as withdrawals (RFC 7606).
func (ss *session) applyUpdate(u *bgp.BGPUpdate, withdraw bool) {
	p := ss.p
	s := p.s
	for _, w := range u.WithdrawnRoutes {
		ss.withdrawNLRI(IPv4Unicast, w.NLRI)
	}
	var mpReach *bgp.PathAttributeMpReachNLRI
	for _, pa := range u.PathAttributes {
		switch v := pa.(type) {
		case *bgp.PathAttributeMpUnreachNLRI:
			f := Family(bgp.NewFamily(v.AFI, v.SAFI))
			for _, n := range v.Value {
				ss.withdrawNLRI(f, n.NLRI)
			}
		case *bgp.PathAttributeMpReachNLRI:
			mpReach = v
		}
	}
	if len(u.NLRI) == 0 && mpReach == nil {
		return
	}
	var attrs Attrs
	var err error
	if !withdraw && missingMandatory(u) {
		// The codec stops at the first error it finds: an UPDATE whose
		// discarded attribute hid a missing ORIGIN, AS_PATH or NEXT_HOP
		// gets here. RFC 7606 3 d: treat as withdraw.
		p.s.log.Warn("UPDATE without a mandatory attribute treated as withdraw", "peer", p.cfg.Addr)
		withdraw = true
	}
	if !withdraw {
		attrs, err = attrsFromWire(u.PathAttributes, ss.as2)
		if err != nil {
			s.log.Warn("UPDATE attributes unusable, treated as withdraw", "peer", p.cfg.Addr, "error", err)
			withdraw = true
		}
	}
	if !withdraw && !ss.acceptable(&attrs) {
		withdraw = true // a loop: as if the peer had withdrawn it
	}
	if !withdraw && !p.ibgp {
		// LOCAL_PREF means nothing across AS boundaries (RFC 4271 5.1.5).
		attrs.LocalPref, attrs.HasLocalPref = 0, false
	}
	if len(u.NLRI) > 0 {
		h := Intern(attrs)
		for _, n := range u.NLRI {
			if withdraw {
				ss.withdrawNLRI(IPv4Unicast, n.NLRI)
			} else {
				ss.announce(IPv4Unicast, n.NLRI, h)
			}
		}
	}
	if mpReach != nil {
		f := Family(bgp.NewFamily(mpReach.AFI, mpReach.SAFI))
		switch mpNextHopVerdict(f, mpReach) {
		case nhDisable:
			if ss.families[f] {
				ss.disableFamily(f, "next hop length inconsistent with the family")
			}
			return
		case nhWithdraw:
			p.s.log.Warn("MP_REACH_NLRI next hop unusable, treated as withdraw", "peer", p.cfg.Addr, "family", f, "next-hop", mpReach.Nexthop)
			withdraw = true
		}
		// An IPv4-mapped next hop is the IPv4 address it maps (RFC 4798,
		// RFC 4659 3.2.1.1): held and resolved as IPv4, and sent in the
		// mapped form again on an IPv6 family.
		attrs.NextHop = mpReach.Nexthop.Unmap()
		h := Intern(attrs)
		for _, n := range mpReach.Value {
			if withdraw {
				ss.withdrawNLRI(f, n.NLRI)
			} else {
				ss.announce(f, n.NLRI, h)
			}
		}
	}
}

// acceptable applies loop prevention: our AS in an eBGP path (RFC 4271
// 9.1.2; up to PeerConfig.AllowASIn times is let in), our router id as
// ORIGINATOR_ID or our cluster id in the CLUSTER_LIST (RFC 4456 8).
func (ss *session) acceptable(a *Attrs) bool {
	s := ss.p.s
	if !ss.p.ibgp && a.CountAS(s.cfg.ASN) > ss.p.cfg.AllowASIn {
		return false
	}
	if a.OriginatorID == s.cfg.RouterID {
		return false
	}
	return !a.hasCluster(s.cfg.ClusterID)
}

// keyOf maps an NLRI of a carried family to its table key and label. It
// refuses an NLRI whose prefix is not of the family's address family.
func keyOf(f Family, n bgp.NLRI) (RouteKey, uint32, bool) {
	var k RouteKey
	var label uint32
	switch v := n.(type) {
	case *bgp.IPAddrPrefix:
		if f != IPv4Unicast && f != IPv6Unicast {
			return RouteKey{}, 0, false
		}
		k.Prefix = v.Prefix.Masked()
	case *bgp.LabeledIPAddrPrefix:
		if f != IPv4LabeledUnicast {
			return RouteKey{}, 0, false
		}
		k.Prefix, label = v.Prefix.Masked(), firstLabel(v.Labels)
	case *bgp.LabeledVPNIPAddrPrefix:
		if !f.isVPN() || v.RD == nil {
			return RouteKey{}, 0, false
		}
		k = RouteKey{RD: rdFromWire(v.RD), Prefix: v.Prefix.Masked()}
		label = firstLabel(v.Labels)
	case *bgp.EVPNNLRI:
		if f != EVPN {
			return RouteKey{}, 0, false
		}
		return evpnKeyOf(v)
	case *bgp.RouteTargetMembershipNLRI:
		if f != RTC {
			return RouteKey{}, 0, false
		}
		k, ok := rtcKeyOf(v)
		return k, 0, ok
	default:
		return RouteKey{}, 0, false
	}
	if !k.Prefix.IsValid() || k.Prefix.Addr().Is6() != f.isIPv6() {
		return RouteKey{}, 0, false
	}
	return k, label, true
}

func firstLabel(s bgp.MPLSLabelStack) uint32 {
	if len(s.Labels) > 0 {
		return s.Labels[0]
	}
	return 0
}

func (ss *session) announce(f Family, n bgp.NLRI, h AttrHandle) {
	if !ss.families[f] || ss.disabled[f] {
		return // not negotiated: ignore
	}
	k, label, ok := keyOf(f, n)
	if !ok {
		return
	}
	if f == EVPN {
		if nk := evpnNonKey(n); nk != "" {
			a := h.Value()
			a.EVPNNonKey = nk
			h = Intern(a)
		}
	}
	ss.announceKey(f, k, label, h)
}

// announceKey installs one announced route by its key.
func (ss *session) announceKey(f Family, k RouteKey, label uint32, h AttrHandle) {
	p := ss.p
	if !ss.families[f] || ss.disabled[f] {
		return // not negotiated: ignore
	}
	if !p.accepts(f, k) {
		p.refuse(f, k)
		return
	}
	if p.s.tables[f].set(p.s, k, Path{attrs: h, peer: p, label: label, gen: p.gen}) {
		p.received[f]++
	}
}

func (ss *session) withdrawNLRI(f Family, n bgp.NLRI) {
	k, _, ok := keyOf(f, n)
	if !ok {
		return
	}
	ss.withdrawKey(f, k)
}

// withdrawKey removes one withdrawn route by its key.
func (ss *session) withdrawKey(f Family, k RouteKey) {
	p := ss.p
	if !ss.families[f] || ss.disabled[f] {
		return
	}
	p.unrefuse(k)
	if p.s.tables[f].remove(p.s, k, p) {
		p.received[f]--
	}
}

// missingMandatory reports whether an UPDATE announcing routes lacks a
// well-known mandatory attribute: ORIGIN, AS_PATH, and NEXT_HOP when it
// carries IPv4 NLRI outside MP_REACH_NLRI (RFC 4271 5, RFC 4760 3).
func missingMandatory(u *bgp.BGPUpdate) bool {
	var origin, asPath, nextHop bool
	for _, pa := range u.PathAttributes {
		switch pa.(type) {
		case *bgp.PathAttributeOrigin:
			origin = true
		case *bgp.PathAttributeAsPath:
			asPath = true
		case *bgp.PathAttributeNextHop:
			nextHop = true
		}
	}
	return !origin || !asPath || (len(u.NLRI) > 0 && !nextHop)
}
