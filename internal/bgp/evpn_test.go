package bgp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/clock"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func mustRD(t testing.TB, s string) RD {
	rd, err := ParseRD(s)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

func macIP(t testing.TB, rd, ip string, label uint32) EVPNRoute {
	r := EVPNRoute{Type: EVPNMACIP, RD: mustRD(t, rd), EthTag: 0, MAC: [6]byte{0xfa, 0x16, 0x3e, 0, 0, 1}, Label1: label}
	if ip != "" {
		r.IP = netip.MustParseAddr(ip)
	}
	return r
}

func imet(t testing.TB, rd, orig string) EVPNRoute {
	return EVPNRoute{Type: EVPNMulticast, RD: mustRD(t, rd), EthTag: 10, Originator: netip.MustParseAddr(orig)}
}

// TestEVPNCodecRoundTrip: routes of types 2 (with and without an IP,
// one or two labels), 3 (IPv4 and IPv6 originators) and an opaque type 4
// are written as GoBGP's independent codec reads and writes them, and
// read back equal.
func TestEVPNCodecRoundTrip(t *testing.T) {
	two := macIP(t, "65000:1", "10.1.0.5", 5010)
	two.ESI = [10]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	two.Label2, two.HasLabel2 = 7000, true
	routes := []EVPNRoute{
		macIP(t, "65000:1", "", 100),
		macIP(t, "10.0.0.1:7", "2001:db8::5", 16),
		two,
		imet(t, "65000:1", "10.0.0.1"),
		imet(t, "65000:2", "2001:db8::1"),
		{Type: EVPNESRoute, RD: mustRD(t, "65000:3"), Body: append(mustRD(t, "65000:3").bytes(), append(make([]byte, 10), 32, 10, 0, 0, 1)...)},
	}
	for _, r := range routes {
		b, err := r.AppendWire(nil)
		if err != nil {
			t.Fatalf("%v: %v", r, err)
		}
		n, err := bgp.NLRIFromSlice(bgp.RF_EVPN, b)
		if err != nil {
			t.Fatalf("GoBGP cannot read %v (%x): %v", r, b, err)
		}
		again, err := n.Serialize()
		if err != nil || !bytes.Equal(again, b) {
			t.Errorf("%v: GoBGP writes %x, we %x (%v)", r, again, b, err)
		}
		got, used, err := ParseEVPNNLRI(b)
		if err != nil || used != len(b) {
			t.Fatalf("%v: read back: %v (%d of %d octets)", r, err, used, len(b))
		}
		if got.String() != r.String() || got.RD != r.RD {
			t.Errorf("read back %v, want %v", got, r)
		}
		k, label, err := r.Key()
		if err != nil {
			t.Fatal(err)
		}
		back, err := EVPNRouteOf(k, label, r.NonKey())
		if err != nil || back.String() != r.String() {
			t.Errorf("key %v gives %v (%v)", k, back, err)
		}
	}
	if s := two.String(); s != "[type:macadv][rd:65000:1][esi:00010203040506070809][etag:0][mac:fa:16:3e:00:00:01][ip:10.1.0.5][labels:5010,7000]" {
		t.Errorf("type 2 written %q", s)
	}
	// Label 1 is the path's, not the key's: one key for both labels.
	k1, _, _ := macIP(t, "65000:1", "10.1.0.5", 1).Key()
	k2, _, _ := macIP(t, "65000:1", "10.1.0.5", 2).Key()
	if k1 != k2 || k1.String() != "[type:macadv][rd:65000:1][etag:0][mac:fa:16:3e:00:00:01][ip:10.1.0.5]" {
		t.Errorf("keys %v %v", k1, k2)
	}
	if got := MACMobility(7, true).String(); got != "MM:7, sticky MAC" {
		t.Errorf("MAC mobility %q", got)
	}
}

func (r RD) bytes() []byte { return append([]byte(nil), r[:]...) }

// TestEVPNParseErrors: malformed NLRI are refused with a reason.
func TestEVPNParseErrors(t *testing.T) {
	good, _ := macIP(t, "65000:1", "10.1.0.5", 5).AppendWire(nil)
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"empty":            {nil, "shorter than"},
		"length past end":  {mutate(func(b []byte) []byte { b[1] += 5; return b }), "exceeds"},
		"MAC length 40":    {mutate(func(b []byte) []byte { b[2+22] = 40; return b }), "MAC length 40"},
		"IP length 24":     {mutate(func(b []byte) []byte { b[2+29] = 24; return b }), "IP length 24"},
		"labels truncated": {mutate(func(b []byte) []byte { b[1]--; return b[:len(b)-1] }), "octets of labels"},
		"type 3 short":     {[]byte{3, 5, 0, 0, 0, 0, 0}, "want 17 or 29"},
		"type 3 IP length": {append([]byte{3, 17}, append(make([]byte, 12), 128, 10, 0, 0, 1)...), "IP length 128"},
		"type 0":           {[]byte{0, 0}, "type 0"},
	} {
		_, _, err := ParseEVPNNLRI(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
	}
}

// FuzzEVPNNLRI: whatever ParseEVPNNLRI accepts it writes back octet for
// octet.
func FuzzEVPNNLRI(f *testing.F) {
	for _, r := range []EVPNRoute{macIP(f, "65000:1", "10.1.0.5", 5), macIP(f, "65000:1", "", 5), imet(f, "65000:1", "10.0.0.1")} {
		b, _ := r.AppendWire(nil)
		f.Add(b)
	}
	f.Add([]byte{5, 3, 1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, err := ParseEVPNNLRI(b)
		if err != nil {
			return
		}
		out, err := r.AppendWire(nil)
		if err != nil {
			t.Fatalf("accepted %x but cannot write it: %v", b[:n], err)
		}
		if !bytes.Equal(out, b[:n]) {
			t.Fatalf("read %x, wrote %x", b[:n], out)
		}
		k, label, err := r.Key()
		if err != nil {
			t.Fatal(err)
		}
		if back, err := EVPNRouteOf(k, label, r.NonKey()); err != nil || back.String() != r.String() {
			t.Fatalf("key round trip %v -> %v (%v)", r, back, err)
		}
	})
}

// TestEVPNThroughReflector: a MAC/IP route with a MAC Mobility
// community and an inclusive multicast route with an ingress-replication
// PMSI tunnel go from pe1 through rr to pe2 with every field; a label
// change replaces the route; withdrawals remove them.
func TestEVPNThroughReflector(t *testing.T) {
	l := newLab(t)
	fams := func(c *Config) { c.Families = []Family{EVPN} }
	l.speaker("rr", "10.0.0.100", 65000, fams)
	l.speaker("pe1", "10.0.0.1", 65000, fams)
	l.speaker("pe2", "10.0.0.2", 65000, fams)
	l.peer("rr", "pe1", func(ab, ba *PeerConfig) { ab.RRClient = true })
	l.peer("rr", "pe2", func(ab, ba *PeerConfig) { ab.RRClient = true })
	l.run(10 * time.Millisecond)
	pe1 := l.sp["pe1"]

	mac := macIP(t, "10.0.0.1:100", "10.1.0.5", 5010<<4)
	kMAC, lMAC, err := mac.Key()
	if err != nil {
		t.Fatal(err)
	}
	ecs := PackExtCommunities([]ExtCommunity{rt(t, "65000:100"), MACMobility(3, false)})
	if err := pe1.Originate(EVPN, kMAC, lMAC, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: ecs}); err != nil {
		t.Fatal(err)
	}
	mc := imet(t, "10.0.0.1:100", "10.0.0.1")
	kMC, _, _ := mc.Key()
	pmsi := PackPMSITunnel(PMSITunnel{TunnelType: PMSIIngressReplication, Label: 5000 << 4, TunnelID: addr("10.0.0.1").AsSlice()})
	if err := pe1.Originate(EVPN, kMC, 0, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt(t, "65000:100")}), PMSITunnel: pmsi}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Millisecond)

	got := bestOf(l.routes("pe2", EVPN), kMAC)
	if got == nil {
		t.Fatalf("pe2 lacks %v: %v", kMAC, l.routes("pe2", EVPN))
	}
	r, err := EVPNRouteOf(got.Key, got.Label, got.Attrs.EVPNNonKey)
	if err != nil || r.String() != mac.String() || got.NextHop != addr("10.0.0.1") || got.Peer != addr("10.0.0.100") {
		t.Errorf("pe2 has %v (%v) next hop %v from %v", r, err, got.NextHop, got.Peer)
	}
	if ecs := got.Attrs.ExtCommunityList(); len(ecs) != 2 || ecs[0].String() != "RT:65000:100" || ecs[1].String() != "MM:3" {
		t.Errorf("communities %v", ecs)
	}
	if got.Attrs.OriginatorID != addr("10.0.0.1") {
		t.Errorf("originator %v", got.Attrs.OriginatorID)
	}
	gotMC := bestOf(l.routes("pe2", EVPN), kMC)
	if gotMC == nil {
		t.Fatal("pe2 lacks the inclusive multicast route")
	}
	p, ok := gotMC.Attrs.PMSI()
	if !ok || p.String() != "ingress-replication, label 80000, tunnel 10.0.0.1" {
		t.Errorf("PMSI %v %v", p, ok)
	}

	// show bgp l2vpn evpn: FRR's notation, grouped by RD, with the
	// communities, label and PMSI tunnel under each path.
	var b strings.Builder
	if err := l.sp["pe2"].WriteRoutes(&b, EVPN); err != nil {
		t.Fatal(err)
	}
	// Columns as in the other tables; compared with spaces collapsed.
	table := strings.Join(strings.Fields(b.String()), " ")
	for _, want := range []string{
		"Route Distinguisher: 10.0.0.1:100 *>i [2]:[0]:[48]:[fa:16:3e:00:00:01]:[32]:[10.1.0.5] 10.0.0.1 100 0 i EC{65000:100 MM:3} label=80160",
		"*>i [3]:[10]:[32]:[10.0.0.1] 10.0.0.1 100 0 i EC{65000:100} PMSI{ingress-replication, label 80000, tunnel 10.0.0.1}",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("evpn table lacks %q:\n%s", want, b.String())
		}
	}
	js, err := json.Marshal(got.View())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"rd":"10.0.0.1:100"`, `"evpn":{"routeType":2,"esi":"single-homed","ethTag":0,"mac":"fa:16:3e:00:00:01","ip":"10.1.0.5","labels":[80160],"macMobility":"MM:3"}`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s: %s", want, js)
		}
	}

	// A new label for the same MAC and IP replaces the route.
	if err := pe1.Originate(EVPN, kMAC, 6000<<4, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: ecs}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Millisecond)
	if rs := l.routes("pe2", EVPN); len(rs) != 2 || bestOf(rs, kMAC).Label != 6000<<4 {
		t.Errorf("after the label change pe2 has %v", rs)
	}
	// So do a new ESI and a second label (not in the key, RFC 7432 7.2).
	moved := mac
	moved.Label1, moved.ESI, moved.Label2, moved.HasLabel2 = 6000<<4, [10]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 9000, true
	if k, _, _ := moved.Key(); k != kMAC {
		t.Fatalf("ESI and label 2 changed the key: %v", k)
	}
	if err := pe1.Originate(EVPN, kMAC, moved.Label1, Attrs{NextHop: addr("10.0.0.1"), ExtCommunities: ecs, EVPNNonKey: moved.NonKey()}); err != nil {
		t.Fatal(err)
	}
	l.run(time.Millisecond)
	rs := l.routes("pe2", EVPN)
	if r := bestOf(rs, kMAC); len(rs) != 2 || r == nil {
		t.Errorf("after the ESI change pe2 has %v", rs)
	} else if e, err := EVPNRouteOf(r.Key, r.Label, r.Attrs.EVPNNonKey); err != nil || e.String() != moved.String() {
		t.Errorf("pe2 has %v (%v), want %v", e, err, moved)
	}

	for _, k := range []RouteKey{kMAC, kMC} {
		if err := pe1.Withdraw(EVPN, k); err != nil {
			t.Fatal(err)
		}
	}
	l.run(time.Millisecond)
	if rs := l.routes("pe2", EVPN); len(rs) != 0 {
		t.Errorf("pe2 keeps %v", rs)
	}
}

// newEVPNSpeaker is a speaker with an established EVPN session to
// 10.0.0.2 over a recording connection.
func newEVPNSpeaker(t *testing.T) (*Speaker, *recordConn) {
	clk := clock.NewVirtual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := New(Config{ASN: 65000, RouterID: addr("10.0.0.1"), Families: []Family{EVPN}, Clock: clk, Transport: NewMemNetwork(clk)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(PeerConfig{Addr: addr("10.0.0.2"), ASN: 65000, Passive: true}); err != nil {
		t.Fatal(err)
	}
	rc := &recordConn{}
	s.accept(rc)
	caps := []bgp.ParameterCapabilityInterface{bgp.NewCapMultiProtocol(bgp.RF_EVPN), bgp.NewCapFourOctetASNumber(65000)}
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

func evpnWire(t testing.TB, r EVPNRoute) bgp.NLRI {
	b, err := r.AppendWire(nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := bgp.NLRIFromSlice(bgp.RF_EVPN, b)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestEVPNReceiveAndRFC7606: routes a peer sends land with their
// fields; an UPDATE for one whose attributes are malformed (a missing
// AS_PATH) is treated as its withdrawal, the session staying up; a
// MAC/IP NLRI GoBGP's codec reads but whose MAC length is not 48 is not
// installed; MP_UNREACH withdraws.
func TestEVPNReceiveAndRFC7606(t *testing.T) {
	s, rc := newEVPNSpeaker(t)
	defer s.Close()
	mac := macIP(t, "65000:1", "10.1.0.5", 77)
	k, _, _ := mac.Key()
	rc.recv(mpUpdate(t, EVPN, evpnWire(t, mac), addr("10.0.0.2")))
	got := bestOf(s.Routes(EVPN), k)
	if got == nil || got.Label != 77 || got.NextHop != addr("10.0.0.2") {
		t.Fatalf("received %+v", got)
	}
	// The same NLRI without AS_PATH: treat-as-withdraw (RFC 7606 3 d).
	mp, _ := bgp.NewPathAttributeMpReachNLRI(bgp.RF_EVPN, []bgp.PathNLRI{{NLRI: evpnWire(t, mac)}}, addr("10.0.0.2"))
	rc.recv(mustSerialize(t, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{mp, bgp.NewPathAttributeOrigin(0)}, nil)))
	if n := rc.notifications(); len(n) != 0 || s.PeerState(addr("10.0.0.2")) != Established {
		t.Fatalf("session reset: %+v", n)
	}
	if bestOf(s.Routes(EVPN), k) != nil {
		t.Error("route kept after a malformed UPDATE")
	}
	// A MAC length of 40 bits: refused, nothing installed, session up.
	b, _ := macIP(t, "65000:2", "", 5).AppendWire(nil)
	b[2+22] = 40
	bad, err := bgp.NLRIFromSlice(bgp.RF_EVPN, b)
	if err != nil {
		t.Fatalf("GoBGP refuses the 40-bit MAC itself: %v", err)
	}
	rc.recv(mpUpdate(t, EVPN, bad, addr("10.0.0.2")))
	if rs := s.Routes(EVPN); len(rs) != 0 || s.PeerState(addr("10.0.0.2")) != Established {
		t.Errorf("after a 40-bit MAC: %v, %v", rs, s.PeerState(addr("10.0.0.2")))
	}
	// Announce again, then withdraw with MP_UNREACH_NLRI.
	rc.recv(mpUpdate(t, EVPN, evpnWire(t, mac), addr("10.0.0.2")))
	if bestOf(s.Routes(EVPN), k) == nil {
		t.Fatal("re-announcement not installed")
	}
	un, _ := bgp.NewPathAttributeMpUnreachNLRI(bgp.RF_EVPN, []bgp.PathNLRI{{NLRI: evpnWire(t, mac)}})
	rc.recv(mustSerialize(t, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{un}, nil)))
	if bestOf(s.Routes(EVPN), k) != nil {
		t.Error("MP_UNREACH did not withdraw")
	}
	// A route with an ESI and a second label keeps both; a withdrawal
	// without them (RFC 7432 7.2: not part of the key) removes it.
	esi := mac
	esi.ESI, esi.Label2, esi.HasLabel2 = [10]byte{0, 9, 9, 9, 9, 9, 9, 9, 9, 1}, 500, true
	rc.recv(mpUpdate(t, EVPN, evpnWire(t, esi), addr("10.0.0.2")))
	if r := bestOf(s.Routes(EVPN), k); r == nil {
		t.Error("route with an ESI not installed under its key")
	} else if e, err := EVPNRouteOf(r.Key, r.Label, r.Attrs.EVPNNonKey); err != nil || e.String() != esi.String() {
		t.Errorf("received %v (%v), want %v", e, err, esi)
	}
	rc.recv(mustSerialize(t, bgp.NewBGPUpdateMessage(nil, []bgp.PathAttributeInterface{un}, nil)))
	if bestOf(s.Routes(EVPN), k) != nil {
		t.Error("withdrawal without the ESI left the route")
	}
	checkRIB(t, s)
}

// evpnUpdateWith builds an UPDATE whose MP_REACH_NLRI (reach) or
// MP_UNREACH_NLRI carries the known route r followed by raw NLRI octets
// extra, with ORIGIN and AS_PATH for an announcement.
func evpnUpdateWith(t testing.TB, reach bool, r *EVPNRoute, extra []byte) []byte {
	var v []byte
	v = binary.BigEndian.AppendUint16(v, bgp.AFI_L2VPN)
	v = append(v, bgp.SAFI_EVPN)
	typ := bgp.BGP_ATTR_TYPE_MP_UNREACH_NLRI
	if reach {
		typ = bgp.BGP_ATTR_TYPE_MP_REACH_NLRI
		v = append(v, 4, 10, 0, 0, 2, 0)
	}
	if r != nil {
		var err error
		if v, err = r.AppendWire(v); err != nil {
			t.Fatal(err)
		}
	}
	v = append(v, extra...)
	attrs := []byte{byte(bgp.BGP_ATTR_FLAG_OPTIONAL | bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH), byte(typ)}
	attrs = binary.BigEndian.AppendUint16(attrs, uint16(len(v)))
	attrs = append(attrs, v...)
	if reach {
		for _, pa := range baseAttrs {
			b, _ := pa.Serialize()
			attrs = append(attrs, b...)
		}
	}
	body := []byte{0, 0, byte(len(attrs) >> 8), byte(len(attrs))}
	return frame(bgp.BGP_MSG_UPDATE, append(body, attrs...))
}

// TestEVPNUnknownRouteTypesIgnored: route types the speaker does not
// know (here 7 and 11, RFC 9251's) are ignored as RFC 7432 7 says —
// the known routes beside them are taken, a withdrawal of only unknown
// ones changes nothing (and is no End-of-RIB), and the family stays up.
func TestEVPNUnknownRouteTypesIgnored(t *testing.T) {
	s, rc := newEVPNSpeaker(t)
	defer s.Close()
	mac := macIP(t, "65000:1", "10.1.0.5", 77)
	k, _, _ := mac.Key()
	unknown := []byte{7, 3, 1, 2, 3, 11, 0}
	rc.recv(evpnUpdateWith(t, true, &mac, unknown))
	if got := bestOf(s.Routes(EVPN), k); got == nil || got.Label != 77 {
		t.Fatalf("the known route beside unknown ones: %+v", s.Routes(EVPN))
	}
	rc.recv(evpnUpdateWith(t, false, nil, unknown))
	s.mu.Lock()
	eor := s.peers[addr("10.0.0.2")].eorIn[EVPN]
	s.mu.Unlock()
	if eor || bestOf(s.Routes(EVPN), k) == nil {
		t.Errorf("withdrawing only unknown routes: End-of-RIB %v, route kept %v", eor, bestOf(s.Routes(EVPN), k) != nil)
	}
	rc.recv(evpnUpdateWith(t, false, &mac, unknown))
	if bestOf(s.Routes(EVPN), k) != nil {
		t.Error("the known route withdrawn beside unknown ones is kept")
	}
	rc.recv(evpnUpdateWith(t, true, &mac, nil))
	if n := rc.notifications(); len(n) != 0 || bestOf(s.Routes(EVPN), k) == nil {
		t.Errorf("family disabled or session reset: %v, routes %v", n, s.Routes(EVPN))
	}
}

// FuzzDropUnknownEVPNRoutes: whatever UPDATE body comes in, what goes to
// the codec is a well-framed message, and taking unknown routes out
// twice changes nothing more.
func FuzzDropUnknownEVPNRoutes(f *testing.F) {
	mac := macIP(f, "65000:1", "10.1.0.5", 77)
	for _, m := range [][]byte{evpnUpdateWith(f, true, &mac, []byte{7, 3, 1, 2, 3}), evpnUpdateWith(f, false, nil, []byte{11, 0})} {
		f.Add(m[headerLen:])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > maxMessageLen-headerLen {
			return
		}
		in := frame(bgp.BGP_MSG_UPDATE, body)
		out := dropUnknownEVPNRoutes(in)
		if len(out) < headerLen || int(binary.BigEndian.Uint16(out[16:18])) != len(out) {
			t.Fatalf("%x became a badly framed %x", in, out)
		}
		if again := dropUnknownEVPNRoutes(out); !bytes.Equal(again, out) {
			t.Fatalf("second pass changed %x to %x", out, again)
		}
	})
}
