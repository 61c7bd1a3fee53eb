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
		// The codec already left the attribute out.
		if u != nil {
			ss.applyUpdate(u, false)
		}
	case bgp.ERROR_HANDLING_TREAT_AS_WITHDRAW:
		ss.p.s.log.Warn("malformed UPDATE treated as withdraw", "peer", ss.p.cfg.Addr, "error", me.Message)
		if u != nil {
			ss.applyUpdate(u, true)
		}
	default:
		// Session reset (or AFI/SAFI disable, which we do as a reset: an
		// MP_REACH that cannot be parsed leaves no NLRI to withdraw).
		ss.notifyErr(me)
	}
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
	if !withdraw {
		attrs, err = attrsFromWire(u.PathAttributes)
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
		attrs.NextHop = mpReach.Nexthop
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

// keyOf maps an NLRI of a carried family to its table key and label.
func keyOf(f Family, n bgp.NLRI) (RouteKey, uint32, bool) {
	switch v := n.(type) {
	case *bgp.IPAddrPrefix:
		if f == IPv4Unicast {
			return RouteKey{Prefix: v.Prefix.Masked()}, 0, true
		}
	case *bgp.LabeledVPNIPAddrPrefix:
		if f == VPNv4 && v.RD != nil {
			var label uint32
			if len(v.Labels.Labels) > 0 {
				label = v.Labels.Labels[0]
			}
			return RouteKey{RD: rdFromWire(v.RD), Prefix: v.Prefix.Masked()}, label, true
		}
	case *bgp.RouteTargetMembershipNLRI:
		if f == RTC {
			k, ok := rtcKeyOf(v)
			return k, 0, ok
		}
	}
	return RouteKey{}, 0, false
}

func (ss *session) announce(f Family, n bgp.NLRI, h AttrHandle) {
	p := ss.p
	if !ss.families[f] {
		return // not negotiated: ignore
	}
	k, label, ok := keyOf(f, n)
	if !ok || f != RTC && !k.Prefix.Addr().Is4() {
		return
	}
	if p.s.tables[f].set(p.s, k, &Path{attrs: h, peer: p, label: label, gen: p.gen}) {
		p.received[f]++
	}
}

func (ss *session) withdrawNLRI(f Family, n bgp.NLRI) {
	p := ss.p
	if !ss.families[f] {
		return
	}
	k, _, ok := keyOf(f, n)
	if !ok {
		return
	}
	if p.s.tables[f].remove(p.s, k, p) {
		p.received[f]--
	}
}
