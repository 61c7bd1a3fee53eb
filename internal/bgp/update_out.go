package bgp

import (
	"fmt"
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// groupKey is everything that makes the routes sent to a peer differ
// from those sent to another: peers with equal keys form one update
// group, whose UPDATEs are computed and encoded once and sent to all of
// them (a reflector with 1,000 clients encodes each change once).
type groupKey struct {
	family   Family
	ibgp     bool
	rrClient bool
	// rtcDefaultOnly: the RTC routes sent are the default one only
	// (PeerConfig.AdvertiseDefaultRTC).
	rtcDefaultOnly bool
	// withholdDefaultRTC: the default RTC route is not sent when learned
	// over iBGP (PeerConfig.WithholdIBGPDefaultRTC).
	withholdDefaultRTC bool
	nextHopSelf        bool
	nextHop            netip.Addr // our address as next hop (eBGP, next-hop-self, local routes)
	// rtc is the VPN peers' RT membership filter (rtc_filter.go).
	rtc filterID
	// asOverride is the eBGP peer ASN that AS_PATHs sent to the group
	// have replaced by ours (PeerConfig.ASOverride); 0 for none.
	asOverride uint32
	// ebgpPeer is an eBGP group's one peer: a route is never sent back
	// to the eBGP peer it came from (as FRR and GoBGP do). eBGP groups
	// are per peer anyway, since each has its own next hop (our address
	// on the link).
	ebgpPeer netip.Addr
	// thirdParty keeps local routes' own next hops on eBGP
	// (PeerConfig.ThirdPartyNextHop).
	thirdParty bool
	// as2: the members are OLD speakers (RFC 6793; as4.go), whose
	// UPDATEs are encoded with 2-octet AS_PATHs.
	as2 bool
	// selfEncaps is the members' PeerConfig.SelfEncapsulations
	// (selfencap.go), "" for none.
	selfEncaps string
}

// advert is what a group has advertised for one destination.
type advert struct {
	attrs AttrHandle
	label uint32
}

type updateGroup struct {
	key     groupKey
	members map[*peer]bool
	adjOut  keyMap[advert]
	// dirty are the destinations to recompute at the next flush; empty
	// (no map) between flushes, so that a quiet group holds none.
	dirty keyMap[struct{}]
	// filter passes the VPN routes the members' RT membership wants
	// (nil: all).
	filter *rtFilter
	// encoded counts UPDATE messages built for the group (test hook and
	// a measure of the sharing).
	encoded int
}

// group returns the update group for k, creating it with its Adj-RIB-Out
// computed from the whole Loc-RIB.
func (s *Speaker) group(k groupKey) *updateGroup {
	if g := s.groups[k]; g != nil {
		return g
	}
	g := &updateGroup{key: k, members: map[*peer]bool{}}
	for key := range s.tables[k.family].dests.all() {
		g.markDirty(key)
	}
	s.groups[k] = g
	return g
}

// markDirty has the next flush recompute what the group sends for k.
func (g *updateGroup) markDirty(k RouteKey) {
	g.dirty.set(k, struct{}{})
}

func (s *Speaker) anyDirty() bool {
	for _, g := range s.groups {
		if g.dirty.len() > 0 {
			return true
		}
	}
	return false
}

func (s *Speaker) flushAll() {
	for _, g := range s.groups {
		s.flushGroup(g)
	}
}

// flushGroup turns the group's dirty destinations into UPDATEs, encoded
// once and sent to every member.
func (s *Speaker) flushGroup(g *updateGroup) {
	if g.dirty.len() == 0 {
		return
	}
	t := s.tables[g.key.family]
	ann := map[AttrHandle][]outRoute{}
	var wd []outRoute
	var memo exportMemo // nil for one route: nothing to share
	if g.dirty.len() > 1 {
		memo = exportMemo{}
	}
	for k := range g.dirty.all() {
		old, had := g.adjOut.get(k)
		var now advert
		ok := false
		if d := t.dests.at(k); d != nil && d.best != nil {
			now, ok = s.export(g, k, d.best, memo)
		}
		switch {
		case ok && (!had || old != now):
			g.adjOut.set(k, now)
			ann[now.attrs] = append(ann[now.attrs], outRoute{k, now.label})
		case !ok && had:
			g.adjOut.del(k)
			wd = append(wd, outRoute{k, old.label})
		}
	}
	// Dropped, not cleared: clear keeps a map's buckets, and a lab's
	// thousands of groups would each keep their largest burst's.
	g.dirty = keyMap[struct{}]{}
	if len(ann) == 0 && len(wd) == 0 || len(g.members) == 0 {
		return
	}
	msgs, err := encodeUpdatesFor(g.key.family, g.key.as2, ann, wd)
	if err != nil {
		s.log.Error("encoding UPDATE failed", "family", g.key.family, "error", err)
		return
	}
	g.encoded += len(msgs)
	for p := range g.members {
		if ss := p.established; ss != nil {
			for _, m := range msgs {
				ss.sendRaw(m)
			}
		}
	}
}

// encodeAll encodes the group's whole Adj-RIB-Out (initial sync).
func (g *updateGroup) encodeAll(s *Speaker) [][]byte {
	ann := map[AttrHandle][]outRoute{}
	for k, a := range g.adjOut.all() {
		ann[a.attrs] = append(ann[a.attrs], outRoute{k, a.label})
	}
	msgs, err := encodeUpdatesFor(g.key.family, g.key.as2, ann, nil)
	if err != nil {
		s.log.Error("encoding UPDATE failed", "family", g.key.family, "error", err)
		return nil
	}
	g.encoded += len(msgs)
	return msgs
}

// export applies the outbound rules for the group to the best path: what
// may be sent (iBGP split horizon, route reflection) and how attributes
// change (AS_PATH prepend, next hop, LOCAL_PREF, ORIGINATOR_ID and
// CLUSTER_LIST). memo holds the attributes exported so far in this flush.
func (s *Speaker) export(g *updateGroup, k RouteKey, p *Path, memo exportMemo) (advert, bool) {
	if !s.mayExport(g, p) {
		return advert{}, false
	}
	if g.key.rtcDefaultOnly && k != rtcDefault {
		return advert{}, false // PeerConfig.AdvertiseDefaultRTC
	}
	if g.key.withholdDefaultRTC && k == rtcDefault && p.peer != nil && p.peer.ibgp {
		return advert{}, false // PeerConfig.WithholdIBGPDefaultRTC
	}
	in := exportIn{p.attrs, p.peer}
	out, done := memo[in]
	if !done {
		out = s.exportAttrs(g, p)
		if memo != nil {
			memo[in] = out
		}
	}
	if !out.ok {
		return advert{}, false
	}
	label := p.label
	if out.selfNH && s.cfg.ExportLabel != nil && g.key.family.labelled() {
		if l := s.cfg.ExportLabel(g.key.family, k, p.label); l != 0 {
			label = l
		}
	}
	return advert{out.attrs, label}, true
}

// exportMemo is what exportAttrs made of the attributes from each source
// during one flush of one group: the routes of an UPDATE share their
// attributes, and interning the rewritten set for each of them again was
// a tenth of a reflector's time.
type exportMemo map[exportIn]exportOut

type exportIn struct {
	attrs AttrHandle
	src   *peer
}

type exportOut struct {
	attrs AttrHandle
	// selfNH: we put ourselves in the path of a learned route, so a
	// labelled route gets our label for it (Config.ExportLabel).
	selfNH bool
	ok     bool
}

// exportAttrs is export's part that depends on the path's attributes and
// source only.
func (s *Speaker) exportAttrs(g *updateGroup, p *Path) exportOut {
	a := p.attrs.Value()
	if !g.filter.pass(&a) {
		return exportOut{}
	}
	src := p.peer
	selfNH := false
	if g.key.ibgp {
		if src != nil && src.ibgp {
			if !a.OriginatorID.IsValid() {
				a.OriginatorID = src.remoteID
			}
			a.ClusterList = packAddrs(append([]netip.Addr{s.cfg.ClusterID}, a.Clusters()...))
		}
		if !a.HasLocalPref {
			a.LocalPref, a.HasLocalPref = 100, true
		}
		if g.key.nextHopSelf || (src == nil && !a.NextHop.IsValid()) {
			a.NextHop = g.key.nextHop
			selfNH = g.key.nextHopSelf && src != nil
			applySelfEncaps(&a, g.key.selfEncaps)
		}
	} else {
		if src != nil && !src.ibgp && src.cfg.Addr == g.key.ebgpPeer {
			return exportOut{}
		}
		selfNH = src != nil
		if g.key.asOverride != 0 {
			a.ASPath = a.replaceAS(g.key.asOverride, s.cfg.ASN)
		}
		a.ASPath = a.prependAS(s.cfg.ASN)
		if !g.key.thirdParty || src != nil || !a.NextHop.IsValid() {
			a.NextHop = g.key.nextHop
			applySelfEncaps(&a, g.key.selfEncaps)
		}
		a.LocalPref, a.HasLocalPref = 0, false
		if src != nil {
			a.MED, a.HasMED = 0, false // MED is not passed on to a third AS
		}
		a.OriginatorID, a.ClusterList = netip.Addr{}, ""
	}
	if !nextHopFits(g.key.family, a.NextHop) {
		return exportOut{}
	}
	return exportOut{Intern(a), selfNH, true}
}

// nextHopFits reports whether nh can be sent as the next hop of family
// f: IPv4 for the IPv4 families; IPv6, or IPv4 (sent IPv4-mapped), for
// the IPv6 ones.
func nextHopFits(f Family, nh netip.Addr) bool {
	if f.isIPv6() {
		return nh.IsValid() && !nh.IsUnspecified()
	}
	return nh.Is4()
}

// mayExport is the part of export that needs no attributes: iBGP-learned
// paths go to iBGP peers only through a reflector (RFC 4456 6), from a
// client to everyone, from a non-client to clients.
func (s *Speaker) mayExport(g *updateGroup, p *Path) bool {
	if p == nil {
		return false
	}
	if src := p.peer; g.key.ibgp && src != nil && src.ibgp {
		return s.isRR && (src.cfg.RRClient || g.key.rrClient)
	}
	return true
}

type outRoute struct {
	key   RouteKey
	label uint32
}

// nlri is the route's NLRI; nonKey is its attributes' EVPNNonKey.
func (r outRoute) nlri(f Family, nonKey string) (bgp.PathNLRI, error) {
	var n bgp.NLRI
	var err error
	switch {
	case f == RTC:
		return rtcNLRI(r.key)
	case f == EVPN:
		n, err = evpnNLRI(r.key, r.label, nonKey)
	case f.isVPN():
		n, err = bgp.NewLabeledVPNIPAddrPrefix(r.key.Prefix, *bgp.NewMPLSLabelStack(r.label), r.key.RD.wire())
	case f == IPv4LabeledUnicast:
		n, err = bgp.NewLabeledIPAddrPrefix(r.key.Prefix, *bgp.NewMPLSLabelStack(r.label))
	default:
		n, err = bgp.NewIPAddrPrefix(r.key.Prefix)
	}
	if err != nil {
		return bgp.PathNLRI{}, fmt.Errorf("NLRI %v: %w", r.key, err)
	}
	return bgp.PathNLRI{NLRI: n}, nil
}

func (r outRoute) size(f Family) int {
	if f == EVPN {
		return len(r.key.EVPN) + 3 // label 1 and the ESI are inside it, zeroed; label 2 may not be
	}
	n := 1 + (r.key.Prefix.Bits()+7)/8 // RTC too: its bits are the NLRI's
	if f.labelled() {
		n += 3
	}
	if f.isVPN() {
		n += 8
	}
	return n
}

// updateRoom is what an UPDATE leaves for NLRI after its header, the two
// length fields, and the MP_REACH/UNREACH framing (with a margin).
const updateRoom = maxMessageLen - headerLen - 4 - 40

// encodeUpdates builds UPDATEs for announcements grouped by attribute set
// and for withdrawals, each under the 4,096-octet limit, for NEW peers.
func encodeUpdates(f Family, ann map[AttrHandle][]outRoute, wd []outRoute) ([][]byte, error) {
	return encodeUpdatesFor(f, false, ann, wd)
}

// encodeUpdatesFor is encodeUpdates for NEW peers or (as2) OLD ones.
func encodeUpdatesFor(f Family, as2 bool, ann map[AttrHandle][]outRoute, wd []outRoute) ([][]byte, error) {
	return encodeUpdatesWith(f, as2, ann, wd, true)
}

// encodeUpdatesWith writes with the direct writer (update_fast_out.go)
// what it takes when direct, and with GoBGP's codec the rest.
func encodeUpdatesWith(f Family, as2 bool, ann map[AttrHandle][]outRoute, wd []outRoute, direct bool) ([][]byte, error) {
	var out [][]byte
	direct = direct && fastOut(f)
	emit := func(withdrawn []bgp.PathNLRI, pas []bgp.PathAttributeInterface, nlri []bgp.PathNLRI) error {
		b, err := bgp.NewBGPUpdateMessage(withdrawn, pas, nlri).Serialize()
		if err != nil {
			return fmt.Errorf("encode UPDATE: %w", err)
		}
		out = append(out, b)
		return nil
	}
	// chunks splits routes into runs that fit in room octets.
	chunks := func(rs []outRoute, nonKey string, room int, each func([]bgp.PathNLRI) error) error {
		var batch []bgp.PathNLRI
		used := 0
		for _, r := range rs {
			n, err := r.nlri(f, nonKey)
			if err != nil {
				return err
			}
			if sz := r.size(f); used+sz > room && len(batch) > 0 {
				if err := each(batch); err != nil {
					return err
				}
				batch, used = nil, 0
			}
			batch = append(batch, n)
			used += r.size(f)
		}
		if len(batch) > 0 {
			return each(batch)
		}
		return nil
	}
	if len(wd) > 0 && direct {
		out = appendWithdrawalsFast(out, f, wd)
	} else if len(wd) > 0 {
		err := chunks(wd, "", updateRoom, func(b []bgp.PathNLRI) error {
			if f == IPv4Unicast {
				return emit(b, nil, nil)
			}
			un, err := bgp.NewPathAttributeMpUnreachNLRI(f.wire(), b)
			if err != nil {
				return fmt.Errorf("MP_UNREACH: %w", err)
			}
			return emit(nil, []bgp.PathAttributeInterface{un}, nil)
		})
		if err != nil {
			return nil, err
		}
	}
	for h, rs := range ann {
		a := h.Value()
		if direct && !as2 {
			if attrs, ok := appendAttrsFast(nil, &a, f); ok {
				out = appendAnnouncementsFast(out, f, &a, attrs, rs)
				continue
			}
		}
		pas, err := a.toWire(f, as2)
		if err != nil {
			return nil, err
		}
		attrLen := 0
		for _, pa := range pas {
			attrLen += pa.Len()
		}
		err = chunks(rs, a.EVPNNonKey, updateRoom-attrLen, func(b []bgp.PathNLRI) error {
			if f == IPv4Unicast {
				return emit(nil, pas, b)
			}
			// GoBGP writes an IPv4 next hop of an IPv6 family
			// IPv4-mapped (RFC 4798, RFC 4659 3.2.1.1), after RD 0 for
			// VPNv6: 16 or 24 octets, no link-local.
			mp, err := bgp.NewPathAttributeMpReachNLRI(f.wire(), b, a.NextHop)
			if err != nil {
				return fmt.Errorf("MP_REACH: %w", err)
			}
			// MP_REACH_NLRI first, as most implementations send it.
			return emit(nil, append([]bgp.PathAttributeInterface{mp}, pas...), nil)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
