package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestMPLSInGRERoundTrip(t *testing.T) {
	inner, _ := BuildIPv4(testIPv4(), []byte("tenant packet"))
	f := FrameFrom(inner)
	if err := PushLabel(f, NewLabelEntry(300, 0, true, 64)); err != nil {
		t.Fatal(err)
	}
	stack := append([]byte(nil), f.Bytes()...)
	if err := EncapMPLSInGRE(f, MPLSInGRE{Src: addrA, Dst: addrB, TTL: 255}); err != nil {
		t.Fatal(err)
	}
	b := f.Bytes()
	// RFC 4023 section 4: a plain GRE header, protocol type 0x8847.
	if got := b[IPv4HeaderLen : IPv4HeaderLen+GREHeaderLen]; !bytes.Equal(got, []byte{0, 0, 0x88, 0x47}) {
		t.Fatalf("GRE header % x", got)
	}
	ip, g, got, err := ParseMPLSInGRE(b)
	if err != nil {
		t.Fatal(err)
	}
	if ip.Src != addrA || ip.Dst != addrB || ip.TTL != 255 || ip.Protocol != ProtocolGRE || g.Protocol != EtherTypeMPLS || !bytes.Equal(got, stack) {
		t.Errorf("parsed %+v %+v % x", ip, g, got)
	}
	_ = f.Append([]byte{0, 0, 0}) // link padding must not end up in the stack
	if _, _, err := DecapMPLSInGRE(f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Bytes(), stack) {
		t.Errorf("after decap % x, want % x", f.Bytes(), stack)
	}
}

func TestParseGREReadsOptionalFieldsAndChecksum(t *testing.T) {
	payload := []byte{0, 0, 0x11, 0x40, 1, 2, 3}
	// Checksum, key and sequence present (RFC 2784, RFC 2890).
	h := []byte{greChecksum | greKey | greSequence, 0, 0x88, 0x47, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 7}
	b := append(h, payload...)
	binary.BigEndian.PutUint16(b[4:], Checksum(b))
	g, got, err := ParseGRE(b)
	if err != nil || g.Key != 42 || g.Sequence != 7 || g.HeaderLen != 16 || !bytes.Equal(got, payload) {
		t.Fatalf("ParseGRE = %+v % x %v", g, got, err)
	}
	b[len(b)-1] ^= 1
	if _, _, err := ParseGRE(b); !errors.Is(err, ErrChecksum) {
		t.Errorf("bad checksum: %v", err)
	}
	for name, bad := range map[string][]byte{
		"version 1":     {0, 1, 0x88, 0x47},
		"routing bit":   {0x40, 0, 0x88, 0x47},
		"cut short":     {0, 0, 0x88},
		"key cut short": {greKey, 0, 0x88, 0x47, 0},
	} {
		if _, _, err := ParseGRE(bad); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	ipInGRE, _ := BuildIPv4(IPv4{TTL: 1, Protocol: ProtocolGRE, Src: addrA, Dst: addrB}, []byte{0, 0, 0x08, 0x00, 0x45})
	if _, _, _, err := ParseMPLSInGRE(ipInGRE); !errors.Is(err, ErrMalformed) {
		t.Errorf("IPv4 in GRE taken for MPLS: %v", err)
	}
}

func FuzzParseMPLSInGRE(f *testing.F) {
	seedPackets(f)
	fr := FrameFrom(labelledEcho(f)[EthernetHeaderLen:])
	_ = EncapMPLSInGRE(fr, MPLSInGRE{Src: addrA, Dst: addrB, TTL: 9})
	f.Add(fr.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _, _ = ParseMPLSInGRE(b)
		b = withIPv4Checksum(b)
		ip, g, stack, err := ParseMPLSInGRE(b)
		if err != nil {
			return
		}
		if g.Protocol != EtherTypeMPLS || len(stack) != int(ip.Length)-ip.HeaderLen-g.HeaderLen {
			t.Fatalf("accepted %+v %+v with %d stack bytes", ip, g, len(stack))
		}
		fr := FrameFrom(b)
		if _, _, err := DecapMPLSInGRE(fr); err != nil || !bytes.Equal(fr.Bytes(), stack) {
			t.Fatalf("Decap: % x, %v; want % x", fr.Bytes(), err, stack)
		}
	})
}

// A time exceeded from a tunnel's egress names the tunnel in an RFC 5837
// Interface Information Object beside the RFC 4950 label stack, and both
// parse back.
func TestICMPInterfaceObjectRoundTrip(t *testing.T) {
	quoted, _ := BuildIPv4(testIPv4(), make([]byte, 8))
	m := ICMP{Type: ICMPTimeExceeded, Data: quoted, Labels: []LabelEntry{NewLabelEntry(30003, 0, true, 1)},
		Interface: &ICMPInterface{Index: 2, Name: "mpls-in-udp 10.255.0.1 > 10.255.0.3", Addr: addrB}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseICMP(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Interface == nil || *got.Interface != *m.Interface || len(got.Labels) != 1 || got.Labels[0] != m.Labels[0] {
		t.Fatalf("parsed interface %+v labels %v", got.Interface, got.Labels)
	}
	// RFC 5837 4.1: class 2, c-type role 0 (incoming) with ifIndex, IP
	// address and name sub-objects (0x08|0x04|0x02).
	if !bytes.Contains(b, []byte{2, 0x0e}) {
		t.Errorf("no class 2 c-type 0x0e object in % x", b)
	}
}
