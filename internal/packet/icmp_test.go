package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestICMPEchoRoundTrip(t *testing.T) {
	for _, typ := range []ICMPType{ICMPEchoRequest, ICMPEchoReply} {
		m := ICMP{Type: typ, ID: 0xbeef, Seq: 3, Data: []byte("abcdefgh")}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseICMP(b)
		if err != nil || !reflect.DeepEqual(got, m) {
			t.Errorf("round trip of %+v: %+v, %v", m, got, err)
		}
		p := gopacket.NewPacket(b, layers.LayerTypeICMPv4, gopacket.Default)
		g, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		if !ok || g.TypeCode.Type() != uint8(typ) || g.Id != 0xbeef || g.Seq != 3 {
			t.Errorf("gopacket sees %+v", g)
		}
		b[len(b)-1] ^= 1
		if _, err := ParseICMP(b); !errors.Is(err, ErrChecksum) {
			t.Errorf("corrupt echo: err = %v, want ErrChecksum", err)
		}
	}
}

// probe returns an IPv4 packet like a traceroute probe: UDP to port 33434.
func probe(t *testing.T, payloadLen int) []byte {
	t.Helper()
	f := FrameFrom(make([]byte, payloadLen))
	if err := PushUDP(f, 50000, 33434, addrA, addrB, true); err != nil {
		t.Fatal(err)
	}
	h := testIPv4()
	h.TTL = 1
	if err := PushIPv4(f, h); err != nil {
		t.Fatal(err)
	}
	return f.Bytes()
}

func TestICMPTimeExceededWithLabelStack(t *testing.T) {
	orig := probe(t, 32) // 60 bytes: quoted whole, padded to 128
	labels := []LabelEntry{NewLabelEntry(16005, 0, false, 1), NewLabelEntry(24001, 0, true, 1)}
	m := ICMP{Type: ICMPTimeExceeded, Code: ICMPCodeTTLExceeded, Data: orig, Labels: labels}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}

	// The layout RFC 4884 and RFC 4950 prescribe.
	if b[5] != 128/4 {
		t.Errorf("length attribute = %d words, want 32", b[5])
	}
	ext := b[8+128:]
	if len(ext) != 4+4+8 {
		t.Fatalf("extension structure is %d bytes, want 16", len(ext))
	}
	if ext[0]>>4 != 2 {
		t.Errorf("extension version = %d, want 2", ext[0]>>4)
	}
	if Checksum(ext) != 0 {
		t.Error("extension checksum wrong")
	}
	obj := ext[4:]
	if l := binary.BigEndian.Uint16(obj); l != 12 || obj[2] != 1 || obj[3] != 1 {
		t.Errorf("object header: length %d class %d c-type %d, want 12 1 1", l, obj[2], obj[3])
	}
	if e, _ := ReadLabelEntry(obj[4:]); e != labels[0] {
		t.Errorf("first entry %v, want %v", e, labels[0])
	}
	if !bytes.Equal(b[8:8+len(orig)], orig) || !bytes.Equal(b[8+len(orig):8+128], make([]byte, 128-len(orig))) {
		t.Error("original datagram not quoted and zero-padded")
	}

	got, err := ParseICMP(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != ICMPTimeExceeded || got.Code != 0 || !reflect.DeepEqual(got.Labels, labels) {
		t.Errorf("parsed %v code %d labels %v", got.Type, got.Code, got.Labels)
	}
	if quoted, _, err := ParseIPv4(got.Data); err != nil || quoted.Dst != addrB {
		t.Errorf("quoted datagram: %+v %v", quoted, err)
	}
}

func TestICMPErrorQuoteLength(t *testing.T) {
	big := probe(t, 1000)
	tests := []struct {
		name      string
		labels    []LabelEntry
		wantQuote int
	}{
		{"no extension: up to 576 bytes in all", nil, 548},
		{"with labels: 128 bytes", []LabelEntry{NewLabelEntry(16, 0, true, 1)}, 128},
	}
	for _, tt := range tests {
		b, err := ICMP{Type: ICMPTimeExceeded, Data: big, Labels: tt.labels}.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseICMP(b)
		if err != nil || len(got.Data) != tt.wantQuote || !bytes.Equal(got.Data, big[:tt.wantQuote]) {
			t.Errorf("%s: quoted %d bytes (%v), want %d", tt.name, len(got.Data), err, tt.wantQuote)
		}
		if len(got.Labels) != len(tt.labels) {
			t.Errorf("%s: %d labels", tt.name, len(got.Labels))
		}
	}
}

func TestICMPDestinationUnreachable(t *testing.T) {
	orig := probe(t, 8)
	m := ICMP{Type: ICMPDestinationUnreachable, Code: ICMPCodeFragmentationNeeded, NextHopMTU: 1492, Data: orig,
		Labels: []LabelEntry{NewLabelEntry(20, 1, true, 254)}}
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseICMP(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.NextHopMTU != 1492 || got.Code != ICMPCodeFragmentationNeeded || !reflect.DeepEqual(got.Labels, m.Labels) {
		t.Errorf("parsed %+v", got)
	}
	p := gopacket.NewPacket(b, layers.LayerTypeICMPv4, gopacket.Default)
	if g, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); !ok || g.TypeCode != layers.CreateICMPv4TypeCode(3, 4) {
		t.Errorf("gopacket sees %+v", p)
	}
}

func TestICMPUnsupportedAndUnknown(t *testing.T) {
	if _, err := (ICMP{Type: 42}).Marshal(); err == nil {
		t.Error("Marshal of type 42 succeeded")
	}
	b := []byte{42, 1, 0, 0, 9, 9}
	binary.BigEndian.PutUint16(b[2:], Checksum(b))
	got, err := ParseICMP(b)
	if err != nil || got.Type != 42 || got.Code != 1 || !bytes.Equal(got.Data, []byte{9, 9}) {
		t.Errorf("ParseICMP(type 42) = %+v, %v", got, err)
	}
}
