package bgp

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

var fastFamilies = map[Family]bool{IPv4Unicast: true, VPNv4: true, IPv4LabeledUnicast: true, RTC: true, IPv6Unicast: true}

// viaCodec reads an UPDATE as the general path does (GoBGP's codec and
// validation, keyOf, attrsFromWire) into what decodeFast gives, or
// says why the general path would not apply it as a clean UPDATE.
func viaCodec(raw []byte, families map[Family]bool) (*fastUpdate, error) {
	msg, err := parseMessage(raw, false)
	if err != nil {
		return nil, err
	}
	u, ok := msg.Body.(*bgp.BGPUpdate)
	if !ok {
		return nil, fmt.Errorf("not an UPDATE")
	}
	if eor, _ := u.IsEndOfRib(); eor {
		return nil, fmt.Errorf("End-of-RIB")
	}
	rfs := map[bgp.Family]bgp.BGPAddPathMode{}
	for f := range families {
		rfs[f.wire()] = bgp.BGP_ADD_PATH_NONE
	}
	if _, err := bgp.ValidateUpdateMsg(u, rfs, true, false, true); err != nil {
		return nil, err
	}
	out := &fastUpdate{}
	routes := func(f Family, ns []bgp.PathNLRI) ([]fastRoute, error) {
		var rs []fastRoute
		for _, n := range ns {
			k, label, ok := keyOf(f, n.NLRI)
			if !ok {
				return nil, fmt.Errorf("NLRI %v not of %v", n.NLRI, f)
			}
			rs = append(rs, fastRoute{k, label})
		}
		return rs, nil
	}
	ws, err := routes(IPv4Unicast, u.WithdrawnRoutes)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		out.withdrawn = append(out.withdrawn, w.key.Prefix)
	}
	ns, err := routes(IPv4Unicast, u.NLRI)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		out.nlri = append(out.nlri, n.key.Prefix)
	}
	for _, pa := range u.PathAttributes {
		switch v := pa.(type) {
		case *bgp.PathAttributeOrigin:
			out.origin = true
		case *bgp.PathAttributeAsPath:
			out.asPath = true
		case *bgp.PathAttributeNextHop:
			out.nextHop = true
		case *bgp.PathAttributeMpUnreachNLRI:
			out.unreachF, out.hasUnreach = Family(bgp.NewFamily(v.AFI, v.SAFI)), true
			if out.unreach, err = routes(out.unreachF, v.Value); err != nil {
				return nil, err
			}
		case *bgp.PathAttributeMpReachNLRI:
			out.reachF, out.hasReach = Family(bgp.NewFamily(v.AFI, v.SAFI)), true
			if mpNextHopVerdict(out.reachF, v) != nhOK {
				return nil, fmt.Errorf("next hop %v refused", v.Nexthop)
			}
			out.reachNH = v.Nexthop.Unmap()
			if out.reach, err = routes(out.reachF, v.Value); err != nil {
				return nil, err
			}
		}
	}
	if (len(u.NLRI) > 0 || out.hasReach) && missingMandatory(u) {
		return nil, fmt.Errorf("a mandatory attribute is missing")
	}
	if out.attrs, err = attrsFromWire(u.PathAttributes, false); err != nil {
		return nil, err
	}
	return out, nil
}

// sameUpdate compares two readings, nil and empty lists alike.
func sameUpdate(a, b *fastUpdate) error {
	switch {
	case !slices.Equal(a.withdrawn, b.withdrawn):
		return fmt.Errorf("withdrawn %v, want %v", a.withdrawn, b.withdrawn)
	case !slices.Equal(a.nlri, b.nlri):
		return fmt.Errorf("NLRI %v, want %v", a.nlri, b.nlri)
	case a.hasReach != b.hasReach || a.reachF != b.reachF || a.reachNH != b.reachNH || !slices.Equal(a.reach, b.reach):
		return fmt.Errorf("MP_REACH %v %v %v %v, want %v %v %v %v", a.hasReach, a.reachF, a.reachNH, a.reach, b.hasReach, b.reachF, b.reachNH, b.reach)
	case a.hasUnreach != b.hasUnreach || a.unreachF != b.unreachF || !slices.Equal(a.unreach, b.unreach):
		return fmt.Errorf("MP_UNREACH %v %v %v, want %v %v %v", a.hasUnreach, a.unreachF, a.unreach, b.hasUnreach, b.unreachF, b.unreach)
	case a.attrs != b.attrs:
		return fmt.Errorf("attributes %+v, want %+v", a.attrs, b.attrs)
	case a.origin != b.origin || a.asPath != b.asPath || a.nextHop != b.nextHop:
		return fmt.Errorf("mandatory attributes seen %v %v %v, want %v %v %v", a.origin, a.asPath, a.nextHop, b.origin, b.asPath, b.nextHop)
	}
	return nil
}

// labUpdates are UPDATEs as a lab's routers send them: our own encoder's
// output for each family the reader takes, with the attributes a PE, a
// reflector and a CE put on routes.
func labUpdates(t testing.TB) [][]byte {
	rd, _ := ParseRD("65000:7")
	rt, _ := ParseRouteTarget("65000:7")
	ro, _ := ParseRouteTarget("10.0.0.9:3")
	ro[1] = 0x03 // a route origin of the same form
	// A PE's VPN routes carry their route targets and, as the lab's
	// do, the MPLS encapsulation (RFC 9012 4.1; tunnel type 10 is
	// MPLS) and a color (4.3).
	encap := ExtCommunity{0x03, 0x0c, 0, 0, 0, 0, 0, 10}
	color := ExtCommunity{0x03, 0x0b, 0, 0, 0, 0, 0, 100}
	pe := Attrs{Origin: OriginIGP, NextHop: addr("10.255.0.3"), LocalPref: 100, HasLocalPref: true,
		ExtCommunities: PackExtCommunities([]ExtCommunity{rt, ro, encap, color})}
	reflected := pe
	reflected.OriginatorID, reflected.ClusterList = addr("10.255.0.3"), packAddrs([]netip.Addr{addr("10.255.0.1"), addr("10.255.0.2")})
	ce := Attrs{Origin: OriginIncomplete, NextHop: addr("192.168.1.2"), MED: 20, HasMED: true, AtomicAggregate: true,
		ASPath:      PackASPath([]ASSegment{{ASNs: []uint32{65101, 4200000000}}, {Set: true, ASNs: []uint32{65102, 65103}}}),
		Communities: "\xfd\xe8\x00\x01\xff\xff\xff\x01"}
	var out [][]byte
	add := func(f Family, a Attrs, keys []RouteKey) {
		ann := map[AttrHandle][]outRoute{}
		var wd []outRoute
		for i, k := range keys {
			ann[Intern(a)] = append(ann[Intern(a)], outRoute{k, uint32(16 + i)})
			wd = append(wd, outRoute{k, 0x800000})
		}
		msgs, err := encodeUpdates(f, ann, wd)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, msgs...)
	}
	var vpn, plainKeys []RouteKey
	for i := range 300 { // more than one UPDATE's worth
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
		vpn = append(vpn, RouteKey{RD: rd, Prefix: p})
		plainKeys = append(plainKeys, RouteKey{Prefix: p})
	}
	vpn = append(vpn, RouteKey{RD: rd, Prefix: pfx("0.0.0.0/0")}, RouteKey{RD: rd, Prefix: pfx("10.9.9.9/32")})
	add(VPNv4, pe, vpn)
	add(VPNv4, reflected, vpn[:3])
	add(IPv4Unicast, ce, plainKeys)
	add(IPv4LabeledUnicast, pe, plainKeys[:5])
	return out
}

// TestTheFastReaderTakesWhatALabSends: every UPDATE our encoder writes
// for the lab's families goes the direct way, and reads as the codec
// reads it. If the reader declined them, the lab would silently run the
// slow path.
func TestTheFastReaderTakesWhatALabSends(t *testing.T) {
	var u fastUpdate
	for i, raw := range labUpdates(t) {
		if !decodeFast(raw, fastFamilies, &u) {
			t.Fatalf("UPDATE %d (%x...) declined", i, raw[:min(len(raw), 64)])
		}
		want, err := viaCodec(raw, fastFamilies)
		if err != nil {
			t.Fatalf("UPDATE %d: the codec: %v", i, err)
		}
		if err := sameUpdate(&u, want); err != nil {
			t.Fatalf("UPDATE %d: %v", i, err)
		}
	}
}

// TestTheFastReaderLeavesTheRestToTheCodec: End-of-RIB, families not
// negotiated or not its own, unknown and malformed attributes, and
// 2-octet sessions' business all go the general way.
func TestTheFastReaderLeavesTheRestToTheCodec(t *testing.T) {
	var u fastUpdate
	vpnMsg := mpUpdate(t, VPNv4, vpnNLRI(t, "65000:1", "10.1.0.0/16", 100), addr("10.0.0.2"))
	if !decodeFast(vpnMsg, fastFamilies, &u) {
		t.Fatal("a plain VPNv4 UPDATE declined")
	}
	mutate := func(at int, b byte) []byte {
		m := slices.Clone(vpnMsg)
		m[at] = b
		return m
	}
	med := bgp.NewPathAttributeMultiExitDisc(5)
	med.Flags = bgp.BGP_ATTR_FLAG_OPTIONAL | bgp.BGP_ATTR_FLAG_TRANSITIVE // wrong: MED is non-transitive
	agg, _ := bgp.NewPathAttributeAggregator(uint32(65001), addr("10.0.0.9"))
	nh, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	withNH := append(slices.Clone(baseAttrs), nh)
	p4 := []bgp.PathNLRI{{NLRI: plain(t, "192.0.2.0/24")}}
	if !decodeFast(mustSerialize(t, bgp.NewBGPUpdateMessage(nil, withNH, p4)), fastFamilies, &u) {
		t.Fatal("a plain IPv4 UPDATE declined")
	}
	cases := map[string][]byte{
		"End-of-RIB":              mustSerialize(t, bgp.NewEndOfRib(bgp.RF_IPv4_VPN)),
		"IPv4 End-of-RIB":         mustSerialize(t, bgp.NewBGPUpdateMessage(nil, nil, nil)),
		"IPv6 unicast":            mpUpdate(t, IPv6Unicast, plain(t, "2001:db8:1::/48"), addr("2001:db8::2")),
		"a family not negotiated": mpUpdate(t, VPNv6, vpnNLRI(t, "65000:1", "2001:db8:4::/64", 77), addr("10.0.0.2")),
		"a bad marker":            mutate(3, 0),
		"an encapsulation with reserved octets set": mustSerialize(t, bgp.NewBGPUpdateMessage(nil, append(slices.Clone(withNH),
			bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{&bgp.UnknownExtended{Type: 0x03, Value: []byte{0x0c, 0, 1, 0, 0, 0, 10}}})), p4)),
		"a wrong length":             mutate(17, vpnMsg[17]+1),
		"an OPEN":                    mutate(18, bgp.BGP_MSG_OPEN),
		"MED flagged transitive":     mustSerialize(t, bgp.NewBGPUpdateMessage(nil, append(slices.Clone(withNH), med), p4)),
		"an AGGREGATOR":              mustSerialize(t, bgp.NewBGPUpdateMessage(nil, append(slices.Clone(withNH), agg), p4)),
		"IPv4 NLRI without NEXT_HOP": mustSerialize(t, bgp.NewBGPUpdateMessage(nil, baseAttrs, p4)),
	}
	for name, raw := range cases {
		if decodeFast(raw, fastFamilies, &u) {
			t.Errorf("%s: taken by the fast reader", name)
		}
	}
	if decodeFast(vpnMsg, map[Family]bool{IPv4Unicast: true}, &u) {
		t.Error("VPNv4 taken on a session that did not negotiate it")
	}
}

// FuzzFastUpdateAgreesWithTheCodec: whatever the direct reader accepts,
// the general path accepts as a clean UPDATE and reads the same.
func FuzzFastUpdateAgreesWithTheCodec(f *testing.F) {
	for _, raw := range labUpdates(f) {
		f.Add(raw[headerLen:])
	}
	f.Add(mpUpdate(f, IPv4LabeledUnicast, labelled(f, "10.9.0.0/16", 16), addr("10.0.0.2"))[headerLen:])
	un, _ := bgp.NewPathAttributeMpUnreachNLRI(bgp.RF_IPv4_VPN, []bgp.PathNLRI{{NLRI: vpnNLRI(f, "1.2.3.4:5", "10.1.0.0/16", 0)}})
	f.Add(mustSerialize(f, bgp.NewBGPUpdateMessage([]bgp.PathNLRI{{NLRI: plain(f, "192.0.2.0/25")}}, []bgp.PathAttributeInterface{un}, nil))[headerLen:])
	var u fastUpdate
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxMessageLen-headerLen {
			return
		}
		raw := frame(bgp.BGP_MSG_UPDATE, body)
		if !decodeFast(raw, fastFamilies, &u) {
			return
		}
		want, err := viaCodec(raw, fastFamilies)
		if err != nil {
			t.Fatalf("taken by the fast reader, but the codec says: %v", err)
		}
		if err := sameUpdate(&u, want); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTheFastWriterWritesWhatTheCodecWrites: for each attribute set and
// family of a lab's UPDATEs, and withdrawals, the direct writer's bytes
// are the codec's, split into the same messages.
func TestTheFastWriterWritesWhatTheCodecWrites(t *testing.T) {
	rd, _ := ParseRD("10.0.0.3:7")
	rt, _ := ParseRouteTarget("65000:7")
	long := Attrs{Origin: OriginEGP, NextHop: addr("10.255.0.3"), ASPath: PackASPath([]ASSegment{{ASNs: make([]uint32, 70)}}),
		Communities: string(make([]byte, 4*70)), ExtCommunities: PackExtCommunities([]ExtCommunity{rt, rt, rt})}
	sets := []Attrs{
		{Origin: OriginIGP, NextHop: addr("10.255.0.3"), LocalPref: 100, HasLocalPref: true,
			ExtCommunities: PackExtCommunities([]ExtCommunity{rt, {0x03, 0x0c, 0, 0, 0, 0, 0, 10}, {0x03, 0x0b, 0, 0, 0, 0, 0, 7}})},
		{Origin: OriginIncomplete, NextHop: addr("192.168.1.2"), MED: 0, HasMED: true, AtomicAggregate: true,
			ASPath: PackASPath([]ASSegment{{ASNs: []uint32{65101}}, {Set: true, ASNs: []uint32{1, 2}}}), Communities: "\x00\x01\x00\x02",
			OriginatorID: addr("10.0.0.9"), ClusterList: packAddrs([]netip.Addr{addr("10.0.0.1")})},
		long, // attributes over 255 octets: extended lengths
	}
	for _, f := range []Family{IPv4Unicast, IPv4LabeledUnicast, VPNv4} {
		for _, count := range []int{1, 500} {
			var rs []outRoute
			for i := range count {
				p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 17+i%16).Masked()
				rs = append(rs, outRoute{RouteKey{RD: rd, Prefix: p}, uint32(i * 1000)})
			}
			if f != VPNv4 {
				for i := range rs {
					rs[i].key.RD = RD{}
				}
			}
			wd := slices.Clone(rs)
			wd[0].label = 0x800000
			for i, a := range sets {
				ann := map[AttrHandle][]outRoute{Intern(a): rs}
				got, err := encodeUpdatesWith(f, false, ann, wd, true)
				if err != nil {
					t.Fatal(err)
				}
				want, err := encodeUpdatesWith(f, false, ann, wd, false)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.EqualFunc(got, want, slices.Equal) {
					g, w := firstDiff(got, want)
					t.Fatalf("%v, %d routes, attribute set %d: direct %d messages, codec %d; first differing:\n%x\n%x", f, len(rs), i, len(got), len(want), g, w)
				}
			}
		}
	}
}

func firstDiff(a, b [][]byte) ([]byte, []byte) {
	for i := range min(len(a), len(b)) {
		if !slices.Equal(a[i], b[i]) {
			return a[i], b[i]
		}
	}
	return nil, nil
}
