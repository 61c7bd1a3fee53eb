package bgp

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// Tests of IPv6 unicast, VPNv6 and IPv4 labelled unicast: wire form,
// RFC 7606 outcomes, and speakers exchanging them.

var allFamilies = []Family{IPv4Unicast, VPNv4, IPv6Unicast, VPNv6, IPv4LabeledUnicast}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// mpReachRaw finds the MP_REACH_NLRI attribute in a serialized UPDATE
// and returns its next hop octets, and whether a NEXT_HOP is present.
func mpReachRaw(t *testing.T, msg []byte) (nh []byte, legacy bool) {
	t.Helper()
	b := msg[headerLen:]
	wl := int(b[0])<<8 | int(b[1])
	b = b[2+wl:]
	al := int(b[0])<<8 | int(b[1])
	attrs := b[2 : 2+al]
	for len(attrs) > 0 {
		flags, typ := attrs[0], attrs[1]
		var l, hl int
		if flags&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
			l, hl = int(attrs[2])<<8|int(attrs[3]), 4
		} else {
			l, hl = int(attrs[2]), 3
		}
		v := attrs[hl : hl+l]
		switch bgp.BGPAttrType(typ) {
		case bgp.BGP_ATTR_TYPE_NEXT_HOP:
			legacy = true
		case bgp.BGP_ATTR_TYPE_MP_REACH_NLRI:
			nh = v[4 : 4+int(v[3])]
		}
		attrs = attrs[hl+l:]
	}
	return nh, legacy
}

func TestFamilyNames(t *testing.T) {
	for f, want := range map[Family][2]string{
		IPv6Unicast:        {"ipv6-unicast", "ipv6 unicast"},
		VPNv6:              {"vpnv6", "ipv6 vpn"},
		IPv4LabeledUnicast: {"ipv4-labelled-unicast", "ipv4 labeled-unicast"},
		VPNv4:              {"vpnv4", "ipv4 vpn"},
	} {
		if f.String() != want[0] || f.ShowName() != want[1] || !supported(f) {
			t.Errorf("%v: names %q %q", uint32(f), f.String(), f.ShowName())
		}
	}
	// An IPv6 key is not an RTC key, and an RTC key prints as before.
	k := RouteKey{Prefix: pfx("2001:db8::/32")}
	if _, _, _, ok := k.RTCMembership(); ok || k.String() != "2001:db8::/32" {
		t.Errorf("IPv6 key taken for RTC: %v", k)
	}
	if s := rtcKey(65000, rt(t, "65000:100"), 96).String(); s != "65000:65000:100/96" {
		t.Errorf("RTC key %q", s)
	}
}

// TestNewFamiliesCodecRoundTrip: our encoding, decoded by GoBGP, back to
// the same attributes, key and label; next hops only in MP_REACH_NLRI,
// IPv6 ones 16 octets (24 with RD 0 for VPNv6), IPv4 ones of IPv6
// families IPv4-mapped; withdrawals and End-of-RIB too.
func TestNewFamiliesCodecRoundTrip(t *testing.T) {
	a := Attrs{
		Origin: OriginIGP, ASPath: PackASPath([]ASSegment{{ASNs: []uint32{65001}}}),
		MED: 5, HasMED: true, LocalPref: 200, HasLocalPref: true,
		ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")}),
	}
	for _, tc := range []struct {
		f     Family
		key   RouteKey
		label uint32
		nh    netip.Addr
		wire  []byte // next hop octets
	}{
		{IPv6Unicast, RouteKey{Prefix: pfx("2001:db8:1::/48")}, 0, addr("2001:db8::1"), addr("2001:db8::1").AsSlice()},
		{IPv6Unicast, RouteKey{Prefix: pfx("2001:db8:1::/48")}, 0, addr("10.0.0.9"), addr("::ffff:10.0.0.9").AsSlice()},
		{VPNv6, vpnKey(t, "65000:7", "2001:db8:2::/64"), 3001, addr("2001:db8::9"), append(make([]byte, 8), addr("2001:db8::9").AsSlice()...)},
		{VPNv6, vpnKey(t, "4200000000:7", "2001:db8:2::/64"), 0xfffff, addr("10.0.0.9"), append(make([]byte, 8), addr("::ffff:10.0.0.9").AsSlice()...)},
		{IPv4LabeledUnicast, RouteKey{Prefix: pfx("10.9.0.0/16")}, 16, addr("10.0.0.9"), addr("10.0.0.9").AsSlice()},
	} {
		t.Run(tc.f.String()+"/"+tc.nh.String(), func(t *testing.T) {
			aa := a
			aa.NextHop = tc.nh
			msgs, err := encodeUpdates(tc.f, map[AttrHandle][]outRoute{Intern(aa): {{tc.key, tc.label}}}, nil)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("encode: %v (%d msgs)", err, len(msgs))
			}
			nh, legacy := mpReachRaw(t, msgs[0])
			if legacy || !bytes.Equal(nh, tc.wire) {
				t.Errorf("next hop octets %x (legacy NEXT_HOP %v), want %x only in MP_REACH", nh, legacy, tc.wire)
			}
			m, err := bgp.ParseBGPMessage(msgs[0])
			if err != nil {
				t.Fatal(err)
			}
			u := m.Body.(*bgp.BGPUpdate)
			if _, err := bgp.ValidateUpdateMsg(u, map[bgp.Family]bgp.BGPAddPathMode{tc.f.wire(): 0}, false, false, true); err != nil {
				t.Fatalf("GoBGP's validation: %v", err)
			}
			got, err := attrsFromWire(u.PathAttributes, false)
			if err != nil {
				t.Fatal(err)
			}
			var mp *bgp.PathAttributeMpReachNLRI
			for _, pa := range u.PathAttributes {
				if v, ok := pa.(*bgp.PathAttributeMpReachNLRI); ok {
					mp = v
				}
			}
			if mp == nil || Family(bgp.NewFamily(mp.AFI, mp.SAFI)) != tc.f || len(mp.Value) != 1 || len(u.NLRI) != 0 {
				t.Fatalf("MP_REACH %v, NLRI %v", mp, u.NLRI)
			}
			if v := mpNextHopVerdict(tc.f, mp); v != nhOK {
				t.Errorf("our own next hop judged %d", v)
			}
			got.NextHop = mp.Nexthop.Unmap()
			if got != aa {
				t.Errorf("attributes changed:\n got %+v\nwant %+v", got, aa)
			}
			k, l, ok := keyOf(tc.f, mp.Value[0].NLRI)
			if !ok || k != tc.key || l != tc.label {
				t.Errorf("NLRI %v label %d, want %v %d", k, l, tc.key, tc.label)
			}
			// Withdrawal: MP_UNREACH_NLRI of the family, no attributes else.
			msgs, err = encodeUpdates(tc.f, nil, []outRoute{{tc.key, tc.label}})
			if err != nil || len(msgs) != 1 {
				t.Fatalf("encode withdraw: %v", err)
			}
			m, err = bgp.ParseBGPMessage(msgs[0])
			if err != nil {
				t.Fatal(err)
			}
			u = m.Body.(*bgp.BGPUpdate)
			un, ok := u.PathAttributes[0].(*bgp.PathAttributeMpUnreachNLRI)
			if len(u.PathAttributes) != 1 || !ok || Family(bgp.NewFamily(un.AFI, un.SAFI)) != tc.f || len(un.Value) != 1 {
				t.Fatalf("withdraw %v", u.PathAttributes)
			}
			if k, _, ok := keyOf(tc.f, un.Value[0].NLRI); !ok || k != tc.key {
				t.Errorf("withdrawn %v, want %v", k, tc.key)
			}
			// End-of-RIB: an UPDATE holding only an empty MP_UNREACH_NLRI.
			eor := mustSerialize(t, bgp.NewEndOfRib(tc.f.wire()))
			m, _ = bgp.ParseBGPMessage(eor)
			if is, f := m.Body.(*bgp.BGPUpdate).IsEndOfRib(); !is || Family(f) != tc.f || len(eor) != headerLen+4+3+3 {
				t.Errorf("End-of-RIB %x", eor)
			}
		})
	}
}

// newFamiliesSpeaker is establishedSpeaker with every family negotiated
// and a resolver recording what it was asked.
func newFamiliesSpeaker(t testing.TB, resolved *[]netip.Addr) (*Speaker, *recordConn) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cfg := Config{ASN: 65000, RouterID: addr("10.0.0.1"), Families: allFamilies, Clock: clk, Transport: NewMemNetwork(clk)}
	if resolved != nil {
		cfg.Resolver = func(nh netip.Addr) (uint32, bool) {
			*resolved = append(*resolved, nh)
			return 0, true
		}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(PeerConfig{Addr: addr("10.0.0.2"), ASN: 65000, Passive: true}); err != nil {
		t.Fatal(err)
	}
	rc := &recordConn{}
	s.accept(rc)
	var caps []bgp.ParameterCapabilityInterface
	for _, f := range allFamilies { // no RTC: VPN routes go unfiltered at once
		caps = append(caps, bgp.NewCapMultiProtocol(f.wire()))
	}
	caps = append(caps, bgp.NewCapFourOctetASNumber(65000), bgp.NewCapRouteRefresh())
	open, err := bgp.NewBGPOpenMessage(65000, 90, addr("10.0.0.2"), []bgp.OptionParameterInterface{bgp.NewOptionParameterCapability(caps)})
	if err != nil {
		t.Fatal(err)
	}
	rc.recv(mustSerialize(t, open))
	rc.recv(mustSerialize(t, bgp.NewBGPKeepAliveMessage()))
	if st := s.PeerState(addr("10.0.0.2")); st != Established {
		t.Fatalf("state %v", st)
	}
	return s, rc
}

var baseAttrs = []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0), bgp.NewPathAttributeAsPath(nil)}

// mpUpdate builds an UPDATE announcing nlri of f with next hops nhs.
func mpUpdate(t testing.TB, f Family, nlri bgp.NLRI, nhs ...netip.Addr) []byte {
	mp, err := bgp.NewPathAttributeMpReachNLRI(f.wire(), []bgp.PathNLRI{{NLRI: nlri}}, nhs...)
	if err != nil {
		t.Fatal(err)
	}
	return mustSerialize(t, bgp.NewBGPUpdateMessage(nil, append([]bgp.PathAttributeInterface{mp}, baseAttrs...), nil))
}

func labelled(t testing.TB, p string, label uint32) bgp.NLRI {
	n, err := bgp.NewLabeledIPAddrPrefix(pfx(p), *bgp.NewMPLSLabelStack(label))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func vpnNLRI(t testing.TB, rd, p string, label uint32) bgp.NLRI {
	r, err := bgp.ParseRouteDistinguisher(rd)
	if err != nil {
		t.Fatal(err)
	}
	n, err := bgp.NewLabeledVPNIPAddrPrefix(pfx(p), *bgp.NewMPLSLabelStack(label), r)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func plain(t testing.TB, p string) bgp.NLRI {
	n, err := bgp.NewIPAddrPrefix(pfx(p))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNewFamiliesReceive: next hop encodings a peer may send (16 and 32
// octets, IPv4-mapped, RD'd) all land as the global address, mapped ones
// as IPv4, which is what the resolver is asked about.
func TestNewFamiliesReceive(t *testing.T) {
	var resolved []netip.Addr
	s, rc := newFamiliesSpeaker(t, &resolved)
	defer s.Close()
	ll := addr("fe80::1")
	for _, tc := range []struct {
		name  string
		f     Family
		msg   []byte
		key   RouteKey
		label uint32
		nh    netip.Addr
	}{
		{"v6 global", IPv6Unicast, mpUpdate(t, IPv6Unicast, plain(t, "2001:db8:1::/48"), addr("2001:db8::2")), RouteKey{Prefix: pfx("2001:db8:1::/48")}, 0, addr("2001:db8::2")},
		{"v6 global+link-local (32 octets)", IPv6Unicast, mpUpdate(t, IPv6Unicast, plain(t, "2001:db8:2::/48"), addr("2001:db8::3"), ll), RouteKey{Prefix: pfx("2001:db8:2::/48")}, 0, addr("2001:db8::3")},
		{"v6 IPv4-mapped", IPv6Unicast, mpUpdate(t, IPv6Unicast, plain(t, "2001:db8:3::/48"), addr("::ffff:10.0.0.2")), RouteKey{Prefix: pfx("2001:db8:3::/48")}, 0, addr("10.0.0.2")},
		{"vpnv6 IPv4-mapped (24 octets)", VPNv6, mpUpdate(t, VPNv6, vpnNLRI(t, "65000:1", "2001:db8:4::/64", 77), addr("10.0.0.2")), vpnKey(t, "65000:1", "2001:db8:4::/64"), 77, addr("10.0.0.2")},
		{"vpnv6 global+link-local (48 octets)", VPNv6, mpUpdate(t, VPNv6, vpnNLRI(t, "65000:1", "2001:db8:5::/64", 78), addr("2001:db8::5"), ll), vpnKey(t, "65000:1", "2001:db8:5::/64"), 78, addr("2001:db8::5")},
		{"labelled unicast", IPv4LabeledUnicast, mpUpdate(t, IPv4LabeledUnicast, labelled(t, "10.9.0.0/16", 16), addr("10.0.0.2")), RouteKey{Prefix: pfx("10.9.0.0/16")}, 16, addr("10.0.0.2")},
	} {
		resolved = nil
		rc.recv(tc.msg)
		r := bestOf(s.Routes(tc.f), tc.key)
		if r == nil {
			t.Errorf("%s: route not installed (notifications %v)", tc.name, rc.notifications())
			continue
		}
		if r.NextHop != tc.nh || r.Label != tc.label {
			t.Errorf("%s: next hop %v label %d, want %v %d", tc.name, r.NextHop, r.Label, tc.nh, tc.label)
		}
		if !slices.Contains(resolved, tc.nh) {
			t.Errorf("%s: resolver asked %v, want %v", tc.name, resolved, tc.nh)
		}
	}
	if len(rc.notifications()) != 0 || s.PeerState(addr("10.0.0.2")) != Established {
		t.Fatal("session reset")
	}
	checkRIB(t, s)
}

// TestNewFamiliesRFC7606: a next hop whose length does not fit the family,
// or an MP attribute that cannot be parsed, disables the family for the
// session (RFC 4760 7, RFC 7606 7.11): its routes from the peer go, later
// ones are ignored, other families and the session stay. An unusable
// next hop of the right length is treat-as-withdraw.
func TestNewFamiliesRFC7606(t *testing.T) {
	k4 := RouteKey{Prefix: pfx("192.0.2.0/24")}
	nh4, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	v4 := mustSerialize(t, bgp.NewBGPUpdateMessage(nil, append(slices.Clone(baseAttrs), nh4), []bgp.PathNLRI{{NLRI: plain(t, "192.0.2.0/24")}}))
	k6 := RouteKey{Prefix: pfx("2001:db8:1::/48")}
	good6 := mpUpdate(t, IPv6Unicast, plain(t, "2001:db8:1::/48"), addr("2001:db8::2"))
	kv6 := vpnKey(t, "65000:1", "2001:db8:4::/64")
	goodV6 := mpUpdate(t, VPNv6, vpnNLRI(t, "65000:1", "2001:db8:4::/64", 77), addr("10.0.0.2"))
	kl := RouteKey{Prefix: pfx("10.9.0.0/16")}
	goodLU := mpUpdate(t, IPv4LabeledUnicast, labelled(t, "10.9.0.0/16", 16), addr("10.0.0.2"))

	// An MP_REACH_NLRI whose NLRI runs past its end: the prefix length
	// byte claims more octets than the attribute holds.
	badNLRI := func(f Family, n bgp.NLRI, nh netip.Addr) []byte {
		mp, _ := bgp.NewPathAttributeMpReachNLRI(f.wire(), []bgp.PathNLRI{{NLRI: n}}, nh)
		raw, err := mp.Serialize()
		if err != nil {
			t.Fatal(err)
		}
		hl := 3
		nhl := int(raw[hl+3])
		raw[hl+3+1+nhl+1] = 200 // prefix length in bits, beyond the data
		attrs := append([]byte(nil), raw...)
		for _, pa := range baseAttrs {
			b, _ := pa.Serialize()
			attrs = append(attrs, b...)
		}
		body := []byte{0, 0, byte(len(attrs) >> 8), byte(len(attrs))}
		return frame(bgp.BGP_MSG_UPDATE, append(body, attrs...))
	}

	for _, tc := range []struct {
		name     string
		msg      []byte
		f        Family
		key      RouteKey
		disabled bool // else treat-as-withdraw
	}{
		{"ipv6 with a 4-octet next hop", mustMPWithNH(t, IPv6Unicast, plain(t, "2001:db8:9::/48"), []byte{10, 0, 0, 2}), IPv6Unicast, k6, true},
		{"vpnv6 with a 12-octet next hop", mustMPWithNH(t, VPNv6, vpnNLRI(t, "65000:1", "2001:db8:9::/64", 5), []byte{0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2}), VPNv6, kv6, true},
		{"labelled unicast with a 16-octet next hop", mpUpdate(t, IPv4LabeledUnicast, labelled(t, "10.10.0.0/16", 17), addr("2001:db8::2")), IPv4LabeledUnicast, kl, true},
		{"ipv6 NLRI unparseable", badNLRI(IPv6Unicast, plain(t, "2001:db8:9::/48"), addr("2001:db8::2")), IPv6Unicast, k6, true},
		{"vpnv6 NLRI unparseable", badNLRI(VPNv6, vpnNLRI(t, "65000:1", "2001:db8:9::/64", 5), addr("10.0.0.2")), VPNv6, kv6, true},
		{"labelled NLRI unparseable", badNLRI(IPv4LabeledUnicast, labelled(t, "10.10.0.0/16", 17), addr("10.0.0.2")), IPv4LabeledUnicast, kl, true},
		{"ipv6 next hop ::", mpUpdate(t, IPv6Unicast, plain(t, "2001:db8:1::/48"), addr("::")), IPv6Unicast, k6, false},
		{"vpnv6 next hop mapped 0.0.0.0", mustMPWithNH(t, VPNv6, vpnNLRI(t, "65000:1", "2001:db8:4::/64", 77), append(make([]byte, 8), addr("::ffff:0.0.0.0").AsSlice()...)), VPNv6, kv6, false},
		{"labelled next hop multicast", mpUpdate(t, IPv4LabeledUnicast, labelled(t, "10.9.0.0/16", 16), addr("224.0.0.1")), IPv4LabeledUnicast, kl, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rc := newFamiliesSpeaker(t, nil)
			defer s.Close()
			for _, m := range [][]byte{v4, good6, goodV6, goodLU} {
				rc.recv(m)
			}
			if bestOf(s.Routes(tc.f), tc.key) == nil {
				t.Fatal("good route not installed")
			}
			rc.recv(tc.msg)
			if n := rc.notifications(); len(n) != 0 || s.PeerState(addr("10.0.0.2")) != Established {
				t.Fatalf("session reset: %+v", n)
			}
			if bestOf(s.Routes(tc.f), tc.key) != nil {
				t.Errorf("%v route kept", tc.f)
			}
			if bestOf(s.Routes(IPv4Unicast), k4) == nil {
				t.Error("IPv4 route lost")
			}
			for _, f := range []Family{IPv6Unicast, VPNv6, IPv4LabeledUnicast} {
				if f != tc.f && len(s.Routes(f)) != 1 {
					t.Errorf("%v routes lost", f)
				}
			}
			// The family's good announcement again: ignored when the
			// family is disabled, taken after a treat-as-withdraw.
			rc.recv(map[Family][]byte{IPv6Unicast: good6, VPNv6: goodV6, IPv4LabeledUnicast: goodLU}[tc.f])
			if got := bestOf(s.Routes(tc.f), tc.key) != nil; got == tc.disabled {
				t.Errorf("route after the error: present %v, family disabled %v", got, tc.disabled)
			}
			checkRIB(t, s)
		})
	}
}

// mustMPWithNH builds an UPDATE whose MP_REACH_NLRI carries next hop
// octets nh as given.
func mustMPWithNH(t testing.TB, f Family, n bgp.NLRI, nh []byte) []byte {
	nb, err := n.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	v := []byte{byte(f.wire().Afi() >> 8), byte(f.wire().Afi()), f.wire().Safi(), byte(len(nh))}
	v = append(append(append(v, nh...), 0), nb...)
	attrs := append([]byte{byte(bgp.BGP_ATTR_FLAG_OPTIONAL), byte(bgp.BGP_ATTR_TYPE_MP_REACH_NLRI), byte(len(v))}, v...)
	for _, pa := range baseAttrs {
		b, _ := pa.Serialize()
		attrs = append(attrs, b...)
	}
	body := []byte{0, 0, byte(len(attrs) >> 8), byte(len(attrs))}
	return frame(bgp.BGP_MSG_UPDATE, append(body, attrs...))
}

// TestNewFamiliesRouteRefresh: a ROUTE-REFRESH for a family gets that
// family's table and its End-of-RIB again.
func TestNewFamiliesRouteRefresh(t *testing.T) {
	s, rc := newFamiliesSpeaker(t, nil)
	defer s.Close()
	if err := s.Originate(VPNv6, vpnKey(t, "65000:1", "2001:db8::/64"), 5, Attrs{NextHop: addr("10.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.flushAll()
	s.mu.Unlock()
	rc.mu.Lock()
	rc.sent = nil
	rc.mu.Unlock()
	rc.recv(mustSerialize(t, bgp.NewBGPRouteRefreshMessage(bgp.AFI_IP6, 0, bgp.SAFI_MPLS_VPN)))
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var routes, eor int
	for _, m := range rc.sent {
		msg, err := bgp.ParseBGPMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		u, ok := msg.Body.(*bgp.BGPUpdate)
		if !ok {
			continue
		}
		if is, f := u.IsEndOfRib(); is && Family(f) == VPNv6 {
			eor++
			continue
		}
		for _, pa := range u.PathAttributes {
			if mp, ok := pa.(*bgp.PathAttributeMpReachNLRI); ok && Family(bgp.NewFamily(mp.AFI, mp.SAFI)) == VPNv6 {
				routes += len(mp.Value)
			}
		}
	}
	if routes != 1 || eor != 1 {
		t.Fatalf("route refresh answered with %d VPNv6 routes and %d End-of-RIBs", routes, eor)
	}
}

// newFamLab: a reflector rr and clients pe1, pe2 carrying every family.
func newFamLab(t *testing.T) *lab {
	l := newLab(t)
	fams := func(c *Config) { c.Families = allFamilies }
	l.speaker("rr", "10.0.0.100", 65000, fams)
	l.speaker("pe1", "10.0.0.1", 65000, fams)
	l.speaker("pe2", "10.0.0.2", 65000, fams)
	l.peer("rr", "pe1", func(ab, ba *PeerConfig) { ab.RRClient = true })
	l.peer("rr", "pe2", func(ab, ba *PeerConfig) { ab.RRClient = true })
	l.run(10 * time.Millisecond)
	return l
}

// TestNewFamiliesThroughReflector: each family from pe1 through rr to
// pe2, with next hops (IPv6, and IPv4 for the IPv6 families), labels,
// RDs and RTs kept, reflection attributes added; End-of-RIB seen for
// each family; withdrawal.
func TestNewFamiliesThroughReflector(t *testing.T) {
	l := newFamLab(t)
	pe1, pe2 := l.sp["pe1"], l.sp["pe2"]
	rts := PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})
	type route struct {
		f     Family
		k     RouteKey
		label uint32
		nh    netip.Addr
	}
	routes := []route{
		{IPv6Unicast, RouteKey{Prefix: pfx("2001:db8:1::/48")}, 0, addr("2001:db8::1")},
		{IPv6Unicast, RouteKey{Prefix: pfx("2001:db8:2::/48")}, 0, addr("10.0.0.1")},
		{VPNv6, vpnKey(t, "65000:1", "2001:db8:3::/64"), 1001, addr("10.0.0.1")},
		{VPNv6, vpnKey(t, "65000:2", "2001:db8:3::/64"), 1002, addr("2001:db8::1")},
		{IPv4LabeledUnicast, RouteKey{Prefix: pfx("10.1.0.0/16")}, 16, addr("10.0.0.1")},
	}
	for _, r := range routes {
		if err := pe1.Originate(r.f, r.k, r.label, Attrs{NextHop: r.nh, ExtCommunities: rts}); err != nil {
			t.Fatal(err)
		}
	}
	l.run(time.Millisecond)
	for _, r := range routes {
		got := bestOf(l.routes("pe2", r.f), r.k)
		if got == nil {
			t.Errorf("pe2 lacks %v %v", r.f, r.k)
			continue
		}
		if got.NextHop != r.nh || got.Label != r.label || got.Peer != addr("10.0.0.100") {
			t.Errorf("%v %v: next hop %v label %d from %v", r.f, r.k, got.NextHop, got.Label, got.Peer)
		}
		if rt := got.Attrs.RouteTargets(); len(rt) != 1 || rt[0].String() != "RT:65000:100" {
			t.Errorf("%v %v: RTs %v", r.f, r.k, rt)
		}
		if got.Attrs.OriginatorID != addr("10.0.0.1") || !slices.Equal(got.Attrs.Clusters(), []netip.Addr{addr("10.0.0.100")}) {
			t.Errorf("%v %v: originator %v clusters %v", r.f, r.k, got.Attrs.OriginatorID, got.Attrs.Clusters())
		}
	}
	// pe1 ignores its routes reflected back.
	for _, f := range []Family{IPv6Unicast, VPNv6, IPv4LabeledUnicast} {
		for _, r := range l.routes("pe1", f) {
			if !r.Local {
				t.Errorf("pe1 took back %v %v", f, r.Key)
			}
		}
	}
	pe2.mu.Lock()
	for _, f := range allFamilies {
		if !pe2.peers[addr("10.0.0.100")].eorIn[f] {
			t.Errorf("no End-of-RIB for %v", f)
		}
	}
	pe2.mu.Unlock()

	var b strings.Builder
	pe2.WriteRoutes(&b, VPNv6)
	out := b.String()
	for _, want := range []string{"Route Distinguisher: 65000:1\n*>i 2001:db8:3::/64    ::ffff:10.0.0.1 ", "Route Distinguisher: 65000:2\n*>i 2001:db8:3::/64    2001:db8::1 ", "EC{65000:100} label=1001"} {
		if !strings.Contains(out, want) {
			t.Errorf("vpnv6 table lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	pe2.WriteRoutes(&b, IPv6Unicast)
	if out := b.String(); strings.Contains(out, "Route Distinguisher") || !strings.Contains(out, "*>i 2001:db8:1::/48    2001:db8::1") {
		t.Errorf("ipv6 table:\n%s", out)
	}
	b.Reset()
	pe2.WriteRoutes(&b, IPv4LabeledUnicast)
	if out := b.String(); strings.Contains(out, "Route Distinguisher") || !strings.Contains(out, "*>i 10.1.0.0/16        10.0.0.1") || !strings.Contains(out, "label=16") {
		t.Errorf("labelled table:\n%s", out)
	}
	// A long prefix wraps as in FRR.
	if got := column("2001:db8:aaaa:bbbb::/64", 4); got != "2001:db8:aaaa:bbbb::/64\n"+strings.Repeat(" ", 22) {
		t.Errorf("column %q", got)
	}

	for _, r := range routes {
		if err := pe1.Withdraw(r.f, r.k); err != nil {
			t.Fatal(err)
		}
	}
	l.run(time.Millisecond)
	for _, r := range routes {
		if bestOf(l.routes("pe2", r.f), r.k) != nil || bestOf(l.routes("rr", r.f), r.k) != nil {
			t.Errorf("%v %v not withdrawn", r.f, r.k)
		}
	}
}

// TestVPNv6RTConstraint: VPNv6 routes go to a PE only for the RTs it
// imports, through the reflector, and follow membership changes.
func TestVPNv6RTConstraint(t *testing.T) {
	l := newFamLab(t)
	pe1, pe2 := l.sp["pe1"], l.sp["pe2"]
	setImports(t, pe2, "65000:100")
	keys := map[string]RouteKey{}
	for i, r := range []string{"65000:100", "65000:200"} {
		k := vpnKey(t, "65000:1", []string{"2001:db8:1::/64", "2001:db8:2::/64"}[i])
		keys[r] = k
		if err := pe1.Originate(VPNv6, k, uint32(100+i), Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, r)})}); err != nil {
			t.Fatal(err)
		}
	}
	l.run(10 * time.Millisecond)
	if bestOf(l.routes("rr", VPNv6), keys["65000:200"]) == nil {
		t.Fatal("the reflector, which asks for everything, lacks a route")
	}
	has := func() (a, b bool) {
		return bestOf(l.routes("pe2", VPNv6), keys["65000:100"]) != nil, bestOf(l.routes("pe2", VPNv6), keys["65000:200"]) != nil
	}
	if a, b := has(); !a || b {
		t.Fatalf("pe2 importing 65000:100 holds :100 %v, :200 %v", a, b)
	}
	setImports(t, pe2, "65000:200")
	l.run(10 * time.Millisecond)
	if a, b := has(); a || !b {
		t.Fatalf("after the import change pe2 holds :100 %v, :200 %v", a, b)
	}
}

// TestNewFamiliesEBGPAndExportLabel: over eBGP the next hop becomes the
// session address (IPv4-mapped on the IPv6 families) and ExportLabel
// gives VPNv6 and labelled unicast routes the ASBR's label.
func TestNewFamiliesEBGPAndExportLabel(t *testing.T) {
	l := newLab(t)
	var asked []Family
	l.speaker("a", "10.0.0.1", 65000, func(c *Config) { c.Families = allFamilies })
	l.speaker("asbr", "10.0.0.2", 65000, func(c *Config) {
		c.Families = allFamilies
		c.ExportLabel = func(f Family, k RouteKey, label uint32) uint32 {
			asked = append(asked, f)
			return label + 5000
		}
	})
	l.speaker("b", "10.0.0.3", 65001, func(c *Config) { c.Families = allFamilies })
	l.peer("a", "asbr", nil)
	l.peer("asbr", "b", nil)
	l.run(10 * time.Millisecond)
	kv := vpnKey(t, "65000:1", "2001:db8:3::/64")
	k6 := RouteKey{Prefix: pfx("2001:db8:1::/48")}
	kl := RouteKey{Prefix: pfx("10.1.0.0/16")}
	a := l.sp["a"]
	a.Originate(VPNv6, kv, 100, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")})})
	a.Originate(IPv6Unicast, k6, 0, Attrs{NextHop: addr("2001:db8::1")})
	a.Originate(IPv4LabeledUnicast, kl, 16, Attrs{NextHop: addr("10.0.0.1")})
	l.run(10 * time.Millisecond)
	for _, c := range []struct {
		f     Family
		k     RouteKey
		label uint32
	}{{VPNv6, kv, 5100}, {IPv6Unicast, k6, 0}, {IPv4LabeledUnicast, kl, 5016}} {
		r := bestOf(l.routes("b", c.f), c.k)
		if r == nil {
			t.Errorf("b lacks %v", c.f)
			continue
		}
		if r.NextHop != addr("10.0.0.2") || r.Label != c.label || r.Attrs.ASPathString() != "65000" {
			t.Errorf("%v over eBGP: next hop %v label %d path %q", c.f, r.NextHop, r.Label, r.Attrs.ASPathString())
		}
	}
	if !slices.Contains(asked, VPNv6) || slices.Contains(asked, IPv6Unicast) {
		t.Errorf("ExportLabel asked for %v", asked)
	}
}

// TestNewFamiliesGracefulRestart: a crashed peer's routes of every new
// family are kept stale within its restart time, then swept when it
// comes back without them.
func TestNewFamiliesGracefulRestart(t *testing.T) {
	l := newLab(t)
	fams := func(c *Config) { c.Families = allFamilies }
	l.speaker("a", "10.0.0.1", 65000, fams)
	b := l.speaker("b", "10.0.0.2", 65000, fams)
	l.peer("a", "b", nil)
	l.run(10 * time.Millisecond)
	kv := vpnKey(t, "65000:1", "2001:db8:3::/64")
	k6 := RouteKey{Prefix: pfx("2001:db8:1::/48")}
	kl := RouteKey{Prefix: pfx("10.1.0.0/16")}
	b.Originate(VPNv6, kv, 100, Attrs{NextHop: addr("10.0.0.2")})
	b.Originate(IPv6Unicast, k6, 0, Attrs{NextHop: addr("10.0.0.2")})
	b.Originate(IPv4LabeledUnicast, kl, 16, Attrs{NextHop: addr("10.0.0.2")})
	l.run(time.Millisecond)
	crash(b)
	l.run(60 * time.Second)
	for _, c := range []struct {
		f Family
		k RouteKey
	}{{VPNv6, kv}, {IPv6Unicast, k6}, {IPv4LabeledUnicast, kl}} {
		r := bestOf(l.routes("a", c.f), c.k)
		if r == nil || !r.Stale {
			t.Errorf("%v not kept stale: %+v", c.f, r)
		}
	}
	delete(l.sp, "b")
	b2 := l.speaker("b", "10.0.0.2", 65000, func(c *Config) { c.Families = allFamilies; c.Restarting = true })
	b2.Originate(VPNv6, kv, 100, Attrs{NextHop: addr("10.0.0.2")})
	if err := b2.AddPeer(PeerConfig{Addr: addr("10.0.0.1"), ASN: 65000, LocalAddr: addr("10.0.0.2")}); err != nil {
		t.Fatal(err)
	}
	l.run(10 * time.Second)
	if r := bestOf(l.routes("a", VPNv6), kv); r == nil || r.Stale {
		t.Errorf("VPNv6 route after restart: %+v", r)
	}
	if len(l.routes("a", IPv6Unicast))+len(l.routes("a", IPv4LabeledUnicast)) != 0 {
		t.Error("routes not re-announced were kept past End-of-RIB")
	}
}

func TestNewFamiliesOriginateChecks(t *testing.T) {
	l := newLab(t)
	s := l.speaker("a", "10.0.0.1", 65000, func(c *Config) { c.Families = allFamilies })
	for _, c := range []struct {
		f  Family
		k  RouteKey
		ok bool
	}{
		{IPv6Unicast, RouteKey{Prefix: pfx("2001:db8::/32")}, true},
		{IPv6Unicast, RouteKey{Prefix: pfx("10.0.0.0/8")}, false},
		{IPv6Unicast, vpnKey(t, "65000:1", "2001:db8::/32"), false},
		{VPNv6, vpnKey(t, "65000:1", "2001:db8::/32"), true},
		{VPNv6, RouteKey{Prefix: pfx("2001:db8::/32")}, false},
		{VPNv6, vpnKey(t, "65000:1", "10.0.0.0/8"), false},
		{IPv4LabeledUnicast, RouteKey{Prefix: pfx("10.0.0.0/8")}, true},
		{IPv4LabeledUnicast, RouteKey{Prefix: pfx("2001:db8::/32")}, false},
		{VPNv4, vpnKey(t, "65000:1", "2001:db8::/32"), false},
	} {
		if err := s.Originate(c.f, c.k, 1, Attrs{}); (err == nil) != c.ok {
			t.Errorf("Originate(%v, %v): %v", c.f, c.k, err)
		}
	}
	if !s.HasFamily(RTC) {
		t.Error("RTC not added with the VPN families")
	}
	s2 := l.speaker("b", "10.0.0.2", 65000, func(c *Config) { c.Families = []Family{VPNv6} })
	if !s2.HasFamily(RTC) {
		t.Error("RTC not added to a VPNv6-only speaker")
	}
}
