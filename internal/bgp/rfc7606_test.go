package bgp

import (
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func TestRFC7606Outcomes(t *testing.T) {
	nh, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	p4, _ := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	origin := bgp.NewPathAttributeOrigin(0)
	aspath := bgp.NewPathAttributeAsPath(nil) // iBGP-originated: empty path
	good := mustSerialize(t, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{origin, aspath, nh}, []bgp.PathNLRI{{NLRI: p4}}))
	key := RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}

	// corrupt returns the good UPDATE with the ORIGIN value replaced.
	corruptOrigin := func(v byte) []byte {
		b := append([]byte(nil), good...)
		// withdrawn len (2) + attr len (2) + ORIGIN flags,type,len = value at 19+4+3
		b[headerLen+4+3] = v
		return b
	}
	noASPath := mustSerialize(t, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{origin, nh}, []bgp.PathNLRI{{NLRI: p4}}))

	for _, tc := range []struct {
		name      string
		msg       []byte
		keepRoute bool
		notify    uint8 // 0: session stays up
	}{
		{"well-formed update installs", good, true, 0},
		{"bad ORIGIN value is treat-as-withdraw", corruptOrigin(9), false, 0},
		{"missing AS_PATH is treat-as-withdraw", noASPath, false, 0},
		{"unknown message type resets", frame(9, nil), false, bgp.BGP_ERROR_MESSAGE_HEADER_ERROR},
		// A malformed optional attribute the codec discards, and neither
		// ORIGIN, AS_PATH nor NEXT_HOP: found by FuzzUpdateFromOldSpeaker.
		{"missing mandatory attributes behind a discarded one is treat-as-withdraw", frame(bgp.BGP_MSG_UPDATE,
			[]byte("\x00\x00\x005@0\x010@0\x06000000@0\x040000\xc00\x06000000\xc0(\n0000000000\xc00\b00000000\x18\xc0\x00\x02")), false, 0},
		{"truncated attribute list resets", frame(bgp.BGP_MSG_UPDATE, []byte{0, 0, 0, 10, 0x40}), false, bgp.BGP_ERROR_UPDATE_MESSAGE_ERROR},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rc := establishedSpeaker(t, 65000)
			defer s.Close()
			rc.recv(good) // the route is there first
			if bestOf(s.Routes(IPv4Unicast), key) == nil {
				t.Fatal("good UPDATE not installed")
			}
			rc.recv(tc.msg)
			if got := bestOf(s.Routes(IPv4Unicast), key) != nil; got != tc.keepRoute {
				t.Errorf("route present %v, want %v", got, tc.keepRoute)
			}
			notes := rc.notifications()
			up := s.PeerState(addr("10.0.0.2")) == Established
			if tc.notify == 0 {
				if len(notes) > 0 || !up {
					t.Fatalf("session reset (%d notifications, up %v), want kept", len(notes), up)
				}
				return
			}
			if len(notes) != 1 || notes[0].ErrorCode != tc.notify || up {
				t.Fatalf("notifications %+v up %v, want one with code %d", notes, up, tc.notify)
			}
		})
	}
}

func TestCodecRoundTrip(t *testing.T) {
	a := Attrs{
		Origin: OriginIncomplete, ASPath: PackASPath([]ASSegment{{ASNs: []uint32{65001, 4200000000}}, {Set: true, ASNs: []uint32{7, 8}}}),
		NextHop: addr("10.0.0.9"), MED: 20, HasMED: true, LocalPref: 300, HasLocalPref: true, AtomicAggregate: true,
		Communities:    "\xfd\xe8\x00\x01",
		ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100"), rt(t, "4200000000:7")}),
		OriginatorID:   addr("10.0.0.3"), ClusterList: packAddrs([]netip.Addr{addr("10.0.0.100"), addr("10.0.0.101")}),
	}
	for _, f := range []Family{IPv4Unicast, VPNv4} {
		k := RouteKey{Prefix: netip.MustParsePrefix("10.20.30.0/24")}
		var label uint32
		if f == VPNv4 {
			k = vpnKey(t, "10.0.0.9:42", "10.20.30.0/24")
			label = 0xfffff
		}
		msgs, err := encodeUpdates(f, map[AttrHandle][]outRoute{Intern(a): {{k, label}}}, nil)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%v: encode %v (%d msgs)", f, err, len(msgs))
		}
		m, err := bgp.ParseBGPMessage(msgs[0])
		if err != nil {
			t.Fatalf("%v: decode: %v", f, err)
		}
		u := m.Body.(*bgp.BGPUpdate)
		got, err := attrsFromWire(u.PathAttributes, false)
		if err != nil {
			t.Fatal(err)
		}
		var nlri bgp.NLRI
		if f == VPNv4 {
			for _, pa := range u.PathAttributes {
				if mp, ok := pa.(*bgp.PathAttributeMpReachNLRI); ok {
					got.NextHop, nlri = mp.Nexthop, mp.Value[0].NLRI
				}
				if pa.GetType() == bgp.BGP_ATTR_TYPE_NEXT_HOP {
					t.Error("VPNv4 UPDATE carries a legacy NEXT_HOP")
				}
			}
		} else {
			nlri = u.NLRI[0].NLRI
		}
		if got != a {
			t.Errorf("%v: attributes changed in the round trip:\n got %+v\nwant %+v", f, got, a)
		}
		gk, gl, ok := keyOf(f, nlri)
		if !ok || gk != k || gl != label {
			t.Errorf("%v: NLRI %v label %d, want %v %d", f, gk, gl, k, label)
		}
	}
	if s := (&a).ASPathString(); s != "65001 4200000000 {7,8}" {
		t.Errorf("AS path %q", s)
	}
}

func TestRouteTargetsAndRDs(t *testing.T) {
	for _, tc := range []struct {
		asn, nn uint32
		text    string
	}{{65000, 100, "65000:100"}, {4200000000, 7, "4200000000:7"}} {
		e, err := RouteTarget(tc.asn, tc.nn)
		if err != nil {
			t.Fatal(err)
		}
		if p := rt(t, tc.text); p != e || !e.IsRouteTarget() || e.String() != "RT:"+tc.text {
			t.Errorf("RouteTarget(%d, %d) = %v, parsed %v", tc.asn, tc.nn, e, p)
		}
	}
	if rt(t, "64086.59904:7") != rt(t, "4200000000:7") {
		t.Error("asdot and asplain forms of one RT differ")
	}
	if e := rt(t, "10.0.0.1:5"); !e.IsRouteTarget() || e.String() != "RT:10.0.0.1:5" {
		t.Errorf("IPv4-specific RT %v", e)
	}
	if _, err := RouteTarget(4200000000, 70000); err == nil {
		t.Error("RT with both halves over 16 bits accepted")
	}
	for _, s := range []string{"65000:1", "10.0.0.1:5", "4200000000:9"} {
		rd, err := ParseRD(s)
		if err != nil || rd.String() != s {
			t.Errorf("RD %q -> %v (%v)", s, rd, err)
		}
	}
	if _, err := ParseRD("nonsense"); err == nil {
		t.Error("bad RD accepted")
	}
}

func TestUnnegotiatedFamilyIgnored(t *testing.T) {
	s, rc := establishedSpeaker(t, 65000)
	defer s.Close()
	// An IPv6 unicast announcement on a session that negotiated only
	// IPv4 unicast and VPNv4: ignored, the session stays.
	p6, _ := bgp.NewIPAddrPrefix(netip.MustParsePrefix("2001:db8::/32"))
	mp, err := bgp.NewPathAttributeMpReachNLRI(bgp.RF_IPv6_UC, []bgp.PathNLRI{{NLRI: p6}}, netip.MustParseAddr("2001:db8::1"))
	if err != nil {
		t.Fatal(err)
	}
	rc.recv(mustSerialize(t, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{mp, bgp.NewPathAttributeOrigin(0), bgp.NewPathAttributeAsPath(nil)}, nil)))
	if n := rc.notifications(); len(n) != 0 || s.PeerState(addr("10.0.0.2")) != Established {
		t.Fatalf("session reset over an unnegotiated family: %+v", n)
	}
}
