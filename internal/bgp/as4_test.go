package bgp

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// oldPeerSpeaker is a speaker of AS ourAS with one eBGP peer of AS
// peerAS that is an OLD speaker (RFC 6793): its OPEN has no 4-octet AS
// capability. It returns the speaker, the test's end of the session and
// the clock.
func oldPeerSpeaker(t testing.TB, ourAS uint32, peerAS uint16, caps ...bgp.ParameterCapabilityInterface) (*Speaker, *recordConn, *clock.Virtual) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := New(Config{ASN: ourAS, RouterID: addr("10.0.0.1"), Families: []Family{IPv4Unicast, VPNv4}, Clock: clk, Transport: NewMemNetwork(clk), NoRTConstraint: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if err := s.AddPeer(PeerConfig{Addr: addr("10.0.0.2"), ASN: uint32(peerAS), Passive: true}); err != nil {
		t.Fatal(err)
	}
	rc := &recordConn{}
	s.accept(rc)
	if caps == nil {
		caps = []bgp.ParameterCapabilityInterface{bgp.NewCapMultiProtocol(bgp.RF_IPv4_UC), bgp.NewCapMultiProtocol(bgp.RF_IPv4_VPN), bgp.NewCapRouteRefresh()}
	}
	open, err := bgp.NewBGPOpenMessage(peerAS, 90, addr("10.0.0.2"), []bgp.OptionParameterInterface{bgp.NewOptionParameterCapability(caps)})
	if err != nil {
		t.Fatal(err)
	}
	rc.recv(mustSerialize(t, open))
	rc.recv(mustSerialize(t, bgp.NewBGPKeepAliveMessage()))
	return s, rc, clk
}

// sentOfType decodes what the speaker sent of one message type, as a
// peer of the given kind (OLD: 2-octet AS_PATH) decodes it.
func (r *recordConn) sentOfType(t testing.TB, typ uint8, as2 bool) []*bgp.BGPMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*bgp.BGPMessage
	for _, m := range r.sent {
		if len(m) >= headerLen && m[18] == typ {
			msg, err := bgp.ParseBGPMessage(m, wireOptions(as2)...)
			if err != nil {
				t.Fatalf("speaker sent an undecodable message type %d: %v", typ, err)
			}
			out = append(out, msg)
		}
	}
	return out
}

// A speaker whose OPEN lacks the 4-octet AS capability (bagpipe-bgp 17)
// is peered with as RFC 6793 says instead of being refused, and our OPEN
// names AS_TRANS as our AS when ours is above 65535.
func TestPeerWithout4OctetASCapabilityIsEstablishedWithASTrans(t *testing.T) {
	s, rc, _ := oldPeerSpeaker(t, 4200000001, 65002)
	if st := s.PeerState(addr("10.0.0.2")); st != Established {
		t.Fatalf("session with an OLD speaker is %v (notifications %+v), want Established", st, rc.notifications())
	}
	opens := rc.sentOfType(t, bgp.BGP_MSG_OPEN, false)
	if len(opens) != 1 || opens[0].Body.(*bgp.BGPOpen).MyAS != bgp.AS_TRANS {
		t.Fatalf("our OPEN: %+v, want My AS %d", opens, bgp.AS_TRANS)
	}
}

// An UPDATE from an OLD speaker has a 2-octet AS_PATH where AS_TRANS
// stands for 4-octet ASes and AS4_PATH holds the real tail: the speaker
// keeps the real path (RFC 6793 4.2.3), and the real aggregator from
// AS4_AGGREGATOR.
func TestUpdateFromOldSpeakerGetsItsRealPathFromAS4Path(t *testing.T) {
	s, rc, _ := oldPeerSpeaker(t, 65000, 65002)
	nh, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	p4, _ := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	agg, _ := bgp.NewPathAttributeAggregator(uint16(bgp.AS_TRANS), addr("10.9.9.9"))
	agg4, _ := bgp.NewPathAttributeAs4Aggregator(4200000099, addr("10.9.9.9"))
	pas := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAsPathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, []uint16{65002, bgp.AS_TRANS, 65010})}),
		nh, agg,
		bgp.NewPathAttributeAs4Path([]*bgp.As4PathParam{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, []uint32{4200000099, 65010})}),
		agg4,
	}
	rc.recv(mustSerialize(t, bgp.NewBGPUpdateMessage(nil, pas, []bgp.PathNLRI{{NLRI: p4}})))
	r := bestOf(s.Routes(IPv4Unicast), RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")})
	if r == nil {
		t.Fatalf("route from the OLD speaker not installed (notifications %+v)", rc.notifications())
	}
	if got := r.Attrs.ASPathString(); got != "65002 4200000099 65010" {
		t.Errorf("AS path %q, want 65002 4200000099 65010", got)
	}
	want := aggregator{4200000099, addr("10.9.9.9")}.wire4(bgp.BGP_ATTR_FLAG_OPTIONAL | bgp.BGP_ATTR_FLAG_TRANSITIVE)
	if !bytes.Contains([]byte(r.Attrs.Transitive), want) {
		t.Errorf("kept attributes %x lack the 4-octet AGGREGATOR %x", r.Attrs.Transitive, want)
	}
}

// Towards an OLD speaker, our 4-octet AS travels as AS_TRANS in AS_PATH
// with the real path in AS4_PATH, and a 4-octet aggregator likewise.
func TestUpdateToOldSpeakerCarriesASTransAndAS4Path(t *testing.T) {
	s, rc, clk := oldPeerSpeaker(t, 4200000001, 65002)
	a := Attrs{Origin: OriginIGP, ASPath: PackASPath([]ASSegment{{ASNs: []uint32{65010}}}),
		Transitive: string(aggregator{4200000099, addr("10.9.9.9")}.wire4(bgp.BGP_ATTR_FLAG_OPTIONAL | bgp.BGP_ATTR_FLAG_TRANSITIVE))}
	if err := s.Originate(IPv4Unicast, RouteKey{Prefix: netip.MustParsePrefix("198.51.100.0/24")}, 0, a); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	var u *bgp.BGPUpdate
	for _, m := range rc.sentOfType(t, bgp.BGP_MSG_UPDATE, true) {
		if b := m.Body.(*bgp.BGPUpdate); len(b.NLRI) > 0 {
			u = b
		}
	}
	if u == nil {
		t.Fatal("no UPDATE sent to the OLD speaker")
	}
	var path []uint32
	var path4 []uint32
	var aggAS uint32
	var agg4AS uint32
	for _, pa := range u.PathAttributes {
		switch v := pa.(type) {
		case *bgp.PathAttributeAsPath:
			for _, p := range v.Value {
				if _, ok := p.(*bgp.AsPathParam); !ok {
					t.Errorf("AS_PATH segment %T is not 2-octet", p)
				}
				path = append(path, p.GetAS()...)
			}
		case *bgp.PathAttributeAs4Path:
			for _, p := range v.Value {
				path4 = append(path4, p.AS...)
			}
		case *bgp.PathAttributeAggregator:
			aggAS = v.Value.AS
		case *bgp.PathAttributeAs4Aggregator:
			agg4AS = v.Value.AS
		}
	}
	if !slices.Equal(path, []uint32{bgp.AS_TRANS, 65010}) || !slices.Equal(path4, []uint32{4200000001, 65010}) {
		t.Errorf("AS_PATH %v AS4_PATH %v, want [23456 65010] and [4200000001 65010]", path, path4)
	}
	if aggAS != bgp.AS_TRANS || agg4AS != 4200000099 {
		t.Errorf("AGGREGATOR AS %d, AS4_AGGREGATOR AS %d, want %d and 4200000099", aggAS, agg4AS, bgp.AS_TRANS)
	}
}

// A path of 2-octet ASes needs no AS4_PATH (RFC 6793 4.2.2).
func TestUpdateToOldSpeakerWithSmallASesHasNoAS4Path(t *testing.T) {
	if p, p4 := as2PathAttrs([]ASSegment{{ASNs: []uint32{65000, 65010}}}); p == nil || p4 != nil {
		t.Errorf("AS_PATH %v, AS4_PATH %v: want only the AS_PATH", p, p4)
	}
}

func TestMergeAS4PathFollowsRFC6793(t *testing.T) {
	seq := func(as ...uint32) ASSegment { return ASSegment{ASNs: as} }
	set := func(as ...uint32) ASSegment { return ASSegment{Set: true, ASNs: as} }
	for _, tc := range []struct {
		name            string
		path, as4, want []ASSegment
	}{
		{"no AS4_PATH keeps AS_PATH", []ASSegment{seq(1, 2)}, nil, []ASSegment{seq(1, 2)}},
		{"AS4_PATH replaces the tail it covers", []ASSegment{seq(1, asTrans, 3)}, []ASSegment{seq(4200000000, 3)}, []ASSegment{seq(1, 4200000000, 3)}},
		{"AS4_PATH longer than AS_PATH is ignored", []ASSegment{seq(asTrans)}, []ASSegment{seq(4200000000, 3)}, []ASSegment{seq(asTrans)}},
		{"a set counts one", []ASSegment{seq(1), set(7, 8), seq(asTrans)}, []ASSegment{seq(4200000000)}, []ASSegment{seq(1), set(7, 8), seq(4200000000)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mergeAS4Path(tc.path, tc.as4)
			if PackASPath(got) != PackASPath(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// A peer with no address family in common is refused with OPEN error 2/7
// whose data lists the multiprotocol capabilities we wanted, encoded as
// in an OPEN (RFC 5492 3), not a bare NOTIFICATION.
func TestNoCommonFamilyIsRefusedWithTheMissingCapabilitiesInTheNotification(t *testing.T) {
	s, rc, _ := oldPeerSpeaker(t, 65000, 65002, bgp.NewCapMultiProtocol(bgp.RF_IPv6_UC))
	notes := rc.notifications()
	if len(notes) != 1 || notes[0].ErrorCode != bgp.BGP_ERROR_OPEN_MESSAGE_ERROR || notes[0].ErrorSubcode != bgp.BGP_ERROR_SUB_UNSUPPORTED_CAPABILITY {
		t.Fatalf("notifications %+v, want one 2/7", notes)
	}
	want := []byte{1, 4, 0, 1, 0, 1, 1, 4, 0, 1, 0, 128} // MP IPv4 unicast, MP IPv4 VPN
	if !bytes.Equal(notes[0].Data, want) {
		t.Errorf("NOTIFICATION data %x, want %x", notes[0].Data, want)
	}
	if st := s.PeerState(addr("10.0.0.2")); st == Established {
		t.Error("session established with nothing in common")
	}
}

// FuzzUpdateFromOldSpeaker is FuzzUpdate on a session with an OLD
// speaker, whose AS_PATHs are decoded as 2-octet and merged with
// AS4_PATH: never a panic, a NOTIFICATION only with the session down.
func FuzzUpdateFromOldSpeaker(f *testing.F) {
	nh, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	p4, _ := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	agg, _ := bgp.NewPathAttributeAggregator(uint16(bgp.AS_TRANS), addr("10.9.9.9"))
	agg4, _ := bgp.NewPathAttributeAs4Aggregator(4200000099, addr("10.9.9.9"))
	b := mustSerialize(f, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAsPathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, []uint16{65002, bgp.AS_TRANS})}),
		nh, agg,
		bgp.NewPathAttributeAs4Path([]*bgp.As4PathParam{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SET, []uint32{4200000099, 7})}),
		agg4,
	}, []bgp.PathNLRI{{NLRI: p4}}))
	f.Add(b[headerLen:])
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxMessageLen-headerLen {
			return
		}
		s, rc, _ := oldPeerSpeaker(t, 4200000001, 65002)
		rc.recv(frame(bgp.BGP_MSG_UPDATE, body))
		state := s.PeerState(addr("10.0.0.2"))
		notes := rc.notifications()
		if len(notes) == 0 && state != Established || len(notes) > 0 && state == Established {
			t.Fatalf("session %v after %d notifications", state, len(notes))
		}
		checkRIB(t, s)
		// Whatever was accepted goes back out to a 2-octet peer encodable.
		for _, r := range s.Routes(IPv4Unicast) {
			if _, err := r.Attrs.toWire(IPv4Unicast, true); err != nil {
				t.Fatalf("accepted attributes cannot be sent to an OLD peer: %v", err)
			}
		}
	})
}
