package bgp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	bgp "github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func TestEncapsulationCommunityIsTypeThreeSubTypeTwelveWithTheTunnelTypeLast(t *testing.T) {
	got := EncapsulationCommunity(TunnelMPLSInUDP)
	want := ExtCommunity{0x03, 0x0c, 0, 0, 0, 0, 0, 13}
	if got != want {
		t.Fatalf("EncapsulationCommunity = % x, want % x", got[:], want[:])
	}
	if tt, ok := got.Encapsulation(); !ok || tt != TunnelMPLSInUDP {
		t.Fatalf("Encapsulation() = %v, %v", tt, ok)
	}
	for tt, s := range map[TunnelType]string{TunnelMPLSInUDP: "ET:mpls-in-udp", TunnelMPLSInGRE: "ET:mpls-in-gre", TunnelVXLAN: "ET:vxlan", 4242: "ET:4242"} {
		if got := EncapsulationCommunity(tt).String(); got != s {
			t.Errorf("%d: String() = %q, want %q", tt, got, s)
		}
	}
	if _, ok := ColorCommunity(13).Encapsulation(); ok {
		t.Fatal("a color is not an encapsulation")
	}
	// The codec (GoBGP) reads the same bytes as its EncapExtended.
	ec, err := bgp.ParseExtended(got[:])
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := ec.(*bgp.EncapExtended); !ok || e.TunnelType != bgp.TUNNEL_TYPE_MPLS_IN_UDP {
		t.Fatalf("codec reads %#v", ec)
	}
}

func TestTunnelTypeNamesParseBack(t *testing.T) {
	for _, s := range []string{"mpls-in-udp", "MPLS-in-GRE", "vxlan", "13", "300"} {
		tt, err := ParseTunnelType(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if back, _ := ParseTunnelType(tt.String()); back != tt {
			t.Errorf("%q -> %v -> %v", s, tt, back)
		}
	}
	if _, err := ParseTunnelType("carrier-pigeon"); err == nil || !strings.Contains(err.Error(), "mpls-in-udp") {
		t.Fatalf("bad name: %v", err)
	}
}

func TestTunnelEncapAttributeSurvivesTheWireWithEndpointsAndUnknownSubTLVs(t *testing.T) {
	udp := NewTunnel(TunnelMPLSInUDP, addr("192.0.2.9"))
	udp.SubTLVs = append(udp.SubTLVs, SubTLV{Type: 8, Value: []byte{0x19, 0xeb}}) // UDP port 6635
	gre := NewTunnel(TunnelMPLSInGRE, netip.Addr{})                               // family 0: the next hop
	odd := Tunnel{Type: 4242, SubTLVs: []SubTLV{{Type: 200, Value: bytes.Repeat([]byte{7}, 300)}, {Type: 99, Value: []byte{1, 2, 3}}}}
	rt, _ := ParseRouteTarget("65000:100")
	a, err := Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.2"), ExtCommunities: PackExtCommunities([]ExtCommunity{rt, EncapsulationCommunity(TunnelVXLAN)})}.WithTunnels([]Tunnel{udp, gre, odd})
	if err != nil {
		t.Fatal(err)
	}
	b := wireRoundTrip(t, a)
	b.NextHop = a.NextHop // VPNv4's travels in MP_REACH_NLRI
	if b != a {
		t.Fatalf("attributes changed on the wire:\n got %+v\nwant %+v", b, a)
	}
	got := b.Tunnels()
	want := []string{"mpls-in-udp endpoint 192.0.2.9 udp-port 6635", "mpls-in-gre", "4242", "vxlan"}
	var gs []string
	for _, t := range got {
		gs = append(gs, t.String())
	}
	if !slices.Equal(gs, want) {
		t.Fatalf("tunnels %q, want %q", gs, want)
	}
	use := b.UsableTunnels(addr("10.0.0.2"))
	if use[1].Endpoint != addr("10.0.0.2") || use[3].Endpoint != addr("10.0.0.2") {
		t.Fatalf("tunnels without an endpoint end at the next hop: %v", use)
	}
}

func TestTunnelEncapWithABadEgressEndpointIsKeptButUnusable(t *testing.T) {
	twice := NewTunnel(TunnelMPLSInUDP, addr("192.0.2.9"))
	twice.SubTLVs = append(twice.SubTLVs, twice.SubTLVs[0])
	zero := NewTunnel(TunnelMPLSInGRE, netip.IPv4Unspecified())
	good := NewTunnel(TunnelMPLSInGRE, addr("192.0.2.7"))
	a, err := Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.2")}.WithTunnels([]Tunnel{twice, zero, good})
	if err != nil {
		t.Fatal(err)
	}
	b := wireRoundTrip(t, a)
	if b.TunnelEncap != a.TunnelEncap {
		t.Fatal("an attribute with unusable TLVs must be passed on unchanged")
	}
	ts := b.Tunnels()
	if len(ts) != 3 || ts[0].Unusable == "" || ts[1].Unusable == "" || ts[2].Unusable != "" {
		t.Fatalf("tunnels %+v", ts)
	}
	if use := b.UsableTunnels(addr("10.0.0.2")); len(use) != 1 || use[0].Endpoint != addr("192.0.2.7") {
		t.Fatalf("usable %v", use)
	}
}

func TestParseTunnelEncapRejectsLengthsThatDoNotAddUp(t *testing.T) {
	good, _ := MarshalTunnelEncap([]Tunnel{NewTunnel(TunnelMPLSInUDP, addr("192.0.2.9"))})
	for name, b := range map[string][]byte{
		"TLV header cut":          good[:3],
		"TLV longer than attr":    append(slices.Clone(good[:2]), 0, 50),
		"sub-TLV longer than TLV": {0, 13, 0, 3, 6, 10, 0},
		"long sub-TLV header cut": {0, 13, 0, 2, 200, 0},
	} {
		if _, err := ParseTunnelEncap(b); !errors.Is(err, ErrMalformedTunnelEncap) {
			t.Errorf("%s: %v, want ErrMalformedTunnelEncap", name, err)
		}
	}
}

// A peer's UPDATE whose Tunnel Encapsulation attribute is malformed:
// the attribute is discarded, the route kept, the session up (RFC 9012
// section 13, RFC 7606 attribute discard).
func TestMalformedTunnelEncapIsDiscardedAndTheRouteKept(t *testing.T) {
	nh, _ := bgp.NewPathAttributeNextHop(addr("10.0.0.2"))
	p4, _ := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(0), bgp.NewPathAttributeAsPath(nil), nh}
	good := mustSerialize(t, bgp.NewBGPUpdateMessage(nil, attrs, []bgp.PathNLRI{{NLRI: p4}}))
	// Insert attribute 23 whose one TLV claims 40 octets and has 10.
	bad := []byte{0xc0, 23, 14, 0, 13, 0, 40, 6, 8, 0, 0, 0, 0, 0, 1, 192, 0}
	msg := slices.Clone(good)
	attrLen := binary.BigEndian.Uint16(msg[headerLen+2:])
	binary.BigEndian.PutUint16(msg[headerLen+2:], attrLen+uint16(len(bad)))
	at := headerLen + 4 + int(attrLen)
	msg = slices.Concat(msg[:at], bad, msg[at:])
	binary.BigEndian.PutUint16(msg[16:], uint16(len(msg)))

	s, rc := establishedSpeaker(t, 65000)
	defer s.Close()
	rc.recv(msg)
	key := RouteKey{Prefix: netip.MustParsePrefix("192.0.2.0/24")}
	r := bestOf(s.Routes(IPv4Unicast), key)
	if r == nil {
		t.Fatal("route dropped; the malformed attribute alone must go")
	}
	if r.Attrs.TunnelEncap != "" || len(r.Attrs.Tunnels()) != 0 {
		t.Fatalf("malformed attribute kept: %q", r.Attrs.TunnelEncap)
	}
	if len(rc.notifications()) > 0 || s.PeerState(addr("10.0.0.2")) != Established {
		t.Fatal("session reset over an attribute to discard")
	}
}

func TestShowVPNv4WritesEachRoutesEncapsulation(t *testing.T) {
	rt, _ := ParseRouteTarget("65000:100")
	a, err := Attrs{Origin: OriginIGP, NextHop: addr("10.0.0.9"),
		ExtCommunities: PackExtCommunities([]ExtCommunity{rt, EncapsulationCommunity(TunnelMPLSInUDP), EncapsulationCommunity(TunnelMPLSInGRE)})}.
		WithTunnels([]Tunnel{NewTunnel(TunnelMPLSInUDP, addr("10.0.0.9"))})
	if err != nil {
		t.Fatal(err)
	}
	r := Route{Family: VPNv4, Key: vpnKey(t, "10.0.0.9:1", "10.1.0.0/24"), NextHop: addr("10.0.0.9"), Label: 100, Attrs: a, Valid: true, Best: true}
	v := r.View()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"encapsulation":[`, `{"type":"mpls-in-udp","code":13,"endpoint":"10.0.0.9","from":"attribute"}`,
		`{"type":"mpls-in-gre","code":11,"from":"extended-community"}`} {
		if !strings.Contains(string(j), want) {
			t.Errorf("JSON %s lacks %s", j, want)
		}
	}
	if got := encapText(v.Encapsulation); got != "mpls-in-udp(attr endpoint 10.0.0.9) mpls-in-udp mpls-in-gre" {
		t.Errorf("text %q", got)
	}
}

// FuzzTunnelEncap feeds arbitrary attribute values: the parser never
// panics, and whatever it accepts marshals back to the same bytes.
func FuzzTunnelEncap(f *testing.F) {
	b, _ := MarshalTunnelEncap([]Tunnel{NewTunnel(TunnelMPLSInUDP, addr("192.0.2.9")), NewTunnel(TunnelMPLSInGRE, netip.Addr{}),
		NewTunnel(TunnelVXLAN, netip.MustParseAddr("2001:db8::1")), {Type: 7, SubTLVs: []SubTLV{{Type: 128, Value: []byte{1}}}}})
	f.Add(b)
	f.Add([]byte{0, 13, 0, 3, 6, 10, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, err := ParseTunnelEncap(b)
		if err != nil {
			return
		}
		back, err := MarshalTunnelEncap(ts)
		if err != nil {
			t.Fatal(err)
		}
		// A long-form sub-TLV (type >= 128) is rewritten the same way;
		// every other encoding is canonical, so the bytes must match.
		if !bytes.Equal(back, b) {
			t.Fatalf("% x came back as % x", b, back)
		}
		for _, tn := range ts {
			_ = tn.String()
		}
	})
}
