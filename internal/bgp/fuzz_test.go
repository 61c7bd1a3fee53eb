package bgp

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// recordConn is a Conn whose far end is the test: it records what the
// speaker sends, and the test injects what the peer "sends".
type recordConn struct {
	mu     sync.Mutex
	sent   [][]byte
	closed bool
	recv   func([]byte)
}

func (r *recordConn) Start(recv func([]byte), _ func(error)) { r.recv = recv }
func (r *recordConn) Send(m []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}
func (r *recordConn) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
}
func (r *recordConn) LocalAddr() netip.AddrPort  { return netip.MustParseAddrPort("10.0.0.1:179") }
func (r *recordConn) RemoteAddr() netip.AddrPort { return netip.MustParseAddrPort("10.0.0.2:40000") }

// notifications lists the NOTIFICATIONs the speaker sent.
func (r *recordConn) notifications() []*bgp.BGPNotification {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*bgp.BGPNotification
	for _, m := range r.sent {
		if len(m) >= headerLen && m[18] == bgp.BGP_MSG_NOTIFICATION {
			msg, err := bgp.ParseBGPMessage(m)
			if err == nil {
				out = append(out, msg.Body.(*bgp.BGPNotification))
			}
		}
	}
	return out
}

func mustSerialize(t testing.TB, m *bgp.BGPMessage) []byte {
	b, err := m.Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// establishedSpeaker returns a speaker with an Established iBGP (or eBGP)
// session to 10.0.0.2 over a recordConn.
func establishedSpeaker(t testing.TB, peerAS uint32) (*Speaker, *recordConn) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := New(Config{ASN: 65000, RouterID: addr("10.0.0.1"), Families: []Family{IPv4Unicast, VPNv4}, Clock: clk, Transport: NewMemNetwork(clk)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(PeerConfig{Addr: addr("10.0.0.2"), ASN: peerAS, Passive: true}); err != nil {
		t.Fatal(err)
	}
	rc := &recordConn{}
	s.accept(rc)
	open, err := bgp.NewBGPOpenMessage(uint16(peerAS), 90, addr("10.0.0.2"), []bgp.OptionParameterInterface{
		bgp.NewOptionParameterCapability([]bgp.ParameterCapabilityInterface{
			bgp.NewCapMultiProtocol(bgp.RF_IPv4_UC), bgp.NewCapMultiProtocol(bgp.RF_IPv4_VPN),
			bgp.NewCapFourOctetASNumber(peerAS),
		})})
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

// frame puts a BGP header of type typ in front of body.
func frame(typ uint8, body []byte) []byte {
	m := make([]byte, headerLen, headerLen+len(body))
	for i := range 16 {
		m[i] = 0xff
	}
	binary.BigEndian.PutUint16(m[16:], uint16(headerLen+len(body)))
	m[18] = typ
	return append(m, body...)
}

// checkRIB verifies the speaker's tables agree with its Adj-RIBs-In.
func checkRIB(t testing.TB, s *Speaker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.peers {
		for f, n := range p.received {
			held := 0
			for k, d := range s.tables[f].dests.all() {
				if len(d.paths) == 0 {
					t.Fatalf("%v %v: empty destination kept", f, k)
				}
				for _, q := range d.paths {
					if q.peer == p {
						held++
					}
				}
			}
			if held != n {
				t.Fatalf("%v: peer counted %d paths, tables hold %d", f, n, held)
			}
		}
	}
}

// FuzzUpdate feeds arbitrary bytes as the body of a peer's UPDATE. The
// outcome must be RFC 7606's — routes accepted or treated as withdrawn
// with the session kept, or a NOTIFICATION and the session reset — and
// never a panic or an inconsistent RIB.
func FuzzUpdate(f *testing.F) {
	seed := func(m *bgp.BGPMessage) {
		b := mustSerialize(f, m)
		f.Add(b[headerLen:])
	}
	nh, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	p4, _ := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	base := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0),
		bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, []uint32{65001})}),
		nh, bgp.NewPathAttributeLocalPref(100),
	}
	seed(bgp.NewBGPUpdateMessage(nil, base, []bgp.PathNLRI{{NLRI: p4}}))
	rd, _ := bgp.ParseRouteDistinguisher("65000:1")
	vpn, _ := bgp.NewLabeledVPNIPAddrPrefix(netip.MustParsePrefix("10.1.0.0/16"), *bgp.NewMPLSLabelStack(100), rd)
	mp, _ := bgp.NewPathAttributeMpReachNLRI(bgp.RF_IPv4_VPN, []bgp.PathNLRI{{NLRI: vpn}}, addr("10.0.0.2"))
	rtc, _ := bgp.ParseRouteTarget("65000:1")
	seed(bgp.NewBGPUpdateMessage(nil, append([]bgp.PathAttributeInterface{mp, bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{rtc})}, base[:2]...), nil))
	// A VPN route with a Color extended community (RFC 9012), as an
	// egress PE exports it for automated steering.
	seed(bgp.NewBGPUpdateMessage(nil, append([]bgp.PathAttributeInterface{mp, bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{rtc, bgp.NewColorExtended(100)})}, base[:2]...), nil))
	// A compute node's VPN route with its encapsulations (RFC 9012): the
	// extended communities bagpipe-bgp sends and a Tunnel Encapsulation
	// attribute with an egress endpoint.
	ep, _ := bgp.NewTunnelEncapSubTLVEgressEndpoint(addr("10.0.0.2"))
	te := bgp.NewPathAttributeTunnelEncap([]*bgp.TunnelEncapTLV{bgp.NewTunnelEncapTLV(bgp.TUNNEL_TYPE_MPLS_IN_UDP, []bgp.TunnelEncapSubTLVInterface{ep})})
	seed(bgp.NewBGPUpdateMessage(nil, append([]bgp.PathAttributeInterface{mp, te, bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{rtc,
		bgp.NewEncapExtended(bgp.TUNNEL_TYPE_MPLS_IN_GRE), bgp.NewEncapExtended(bgp.TUNNEL_TYPE_MPLS_IN_UDP)})}, base[:2]...), nil))
	un, _ := bgp.NewPathAttributeMpUnreachNLRI(bgp.RF_IPv4_VPN, []bgp.PathNLRI{{NLRI: vpn}})
	seed(bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{un}, nil))
	seed(bgp.NewBGPUpdateMessage([]bgp.PathNLRI{{NLRI: p4}}, nil, nil))
	f.Add([]byte{0, 0, 0, 4, 0x40, 1, 1, 9}) // bad ORIGIN value
	// The IPv6 and labelled families: next hops of every length the
	// RFCs allow, IPv4-mapped ones, and one of the wrong length.
	ll := addr("fe80::1")
	body := func(m []byte) { f.Add(m[headerLen:]) }
	body(mpUpdate(f, IPv6Unicast, plain(f, "2001:db8:1::/48"), addr("2001:db8::2")))
	body(mpUpdate(f, IPv6Unicast, plain(f, "2001:db8:1::/48"), addr("2001:db8::2"), ll))
	body(mpUpdate(f, IPv6Unicast, plain(f, "2001:db8:1::/48"), addr("10.0.0.2")))
	body(mpUpdate(f, VPNv6, vpnNLRI(f, "65000:1", "2001:db8:4::/64", 77), addr("10.0.0.2")))
	body(mpUpdate(f, VPNv6, vpnNLRI(f, "65000:1", "2001:db8:4::/64", 77), addr("2001:db8::2"), ll))
	body(mpUpdate(f, IPv4LabeledUnicast, labelled(f, "10.9.0.0/16", 16), addr("10.0.0.2")))
	body(mustMPWithNH(f, IPv6Unicast, plain(f, "2001:db8:9::/48"), []byte{10, 0, 0, 2}))
	for _, fam := range []Family{IPv6Unicast, VPNv6, IPv4LabeledUnicast} {
		seed(bgp.NewEndOfRib(fam.wire()))
	}
	un6, _ := bgp.NewPathAttributeMpUnreachNLRI(bgp.RF_IPv6_VPN, []bgp.PathNLRI{{NLRI: vpnNLRI(f, "65000:1", "2001:db8:4::/64", 77)}})
	seed(bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{un6}, nil))

	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxMessageLen-headerLen {
			return
		}
		s, rc := newFamiliesSpeaker(t, nil)
		defer s.Close()
		s.mu.Lock()
		ss := s.peers[addr("10.0.0.2")].established
		s.mu.Unlock()
		rc.recv(frame(bgp.BGP_MSG_UPDATE, body))
		state := s.PeerState(addr("10.0.0.2"))
		notes := rc.notifications()
		switch {
		case len(notes) == 0 && state != Established:
			t.Fatalf("session %v without a NOTIFICATION", state)
		case len(notes) > 0 && (state == Established || !ss.done):
			t.Fatalf("NOTIFICATION %d/%d sent but session %v", notes[0].ErrorCode, notes[0].ErrorSubcode, state)
		case len(notes) > 0 && notes[0].ErrorCode != bgp.BGP_ERROR_UPDATE_MESSAGE_ERROR && notes[0].ErrorCode != bgp.BGP_ERROR_MESSAGE_HEADER_ERROR:
			t.Fatalf("UPDATE answered with NOTIFICATION code %d", notes[0].ErrorCode)
		}
		checkRIB(t, s)
	})
}
