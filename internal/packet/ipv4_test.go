package packet

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("192.0.2.77")
)

func TestChecksumRFC1071(t *testing.T) {
	// RFC 1071 section 3 works this example: the sum is ddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Checksum(b); got != ^uint16(0xddf2) {
		t.Errorf("Checksum = %04x, want %04x", got, ^uint16(0xddf2))
	}
	// Odd length: the last byte is padded with zero.
	if got, want := Checksum([]byte{0x01, 0x02, 0x03}), ^uint16(0x0102+0x0300); got != want {
		t.Errorf("odd Checksum = %04x, want %04x", got, want)
	}
}

func TestUpdateChecksumMatchesRecomputation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 20)
	for range 10000 {
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		b[10], b[11] = 0, 0
		binary.BigEndian.PutUint16(b[10:12], Checksum(b))
		i := 2 * r.IntN(10)
		if i == 10 {
			continue
		}
		old := binary.BigEndian.Uint16(b[i:])
		nw := uint16(r.Uint32())
		binary.BigEndian.PutUint16(b[i:], nw)
		inc := UpdateChecksum(binary.BigEndian.Uint16(b[10:12]), old, nw)
		b[10], b[11] = 0, 0
		if full := Checksum(b); inc != full {
			t.Fatalf("word %d %04x->%04x: incremental %04x, full %04x", i, old, nw, inc, full)
		}
		binary.BigEndian.PutUint16(b[10:12], inc)
	}
}

func testIPv4() IPv4 {
	return IPv4{TOS: 0xb8, ID: 0x1234, Flags: IPv4DontFragment, TTL: 64, Protocol: ProtocolUDP, Src: addrA, Dst: addrB}
}

func TestIPv4RoundTripAndGopacket(t *testing.T) {
	payload := []byte("twelve bytes")
	b, err := BuildIPv4(testIPv4(), payload)
	if err != nil {
		t.Fatal(err)
	}
	h, got, err := ParseIPv4(append(b, 0, 0, 0)) // trailing padding is ignored
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(payload) {
		t.Errorf("payload %q", got)
	}
	want := testIPv4()
	want.HeaderLen, want.Length, want.Checksum = 20, 32, h.Checksum
	if h != want {
		t.Errorf("parsed %+v\nwant   %+v", h, want)
	}

	// gopacket decodes the same fields and finds the checksum right.
	p := gopacket.NewPacket(b, layers.LayerTypeIPv4, gopacket.Default)
	ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	if !ok {
		t.Fatalf("gopacket: %v", p.ErrorLayer())
	}
	if ip.TTL != 64 || ip.Id != 0x1234 || ip.Flags != layers.IPv4DontFragment || ip.TOS != 0xb8 ||
		!ip.SrcIP.Equal(addrA.AsSlice()) || !ip.DstIP.Equal(addrB.AsSlice()) || ip.Length != 32 {
		t.Errorf("gopacket sees %+v", ip)
	}

	// And we parse what gopacket builds.
	buf := gopacket.NewSerializeBuffer()
	gip := &layers.IPv4{Version: 4, TTL: 9, Protocol: layers.IPProtocolICMPv4, SrcIP: addrB.AsSlice(), DstIP: addrA.AsSlice(), Id: 7}
	err = gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, gip, gopacket.Payload("hi"))
	if err != nil {
		t.Fatal(err)
	}
	h, got, err = ParseIPv4(buf.Bytes())
	if err != nil || h.TTL != 9 || h.ID != 7 || h.Src != addrB || h.Dst != addrA || h.Protocol != ProtocolICMP || string(got) != "hi" {
		t.Errorf("parsed gopacket's packet as %+v %q %v", h, got, err)
	}
}

func TestParseIPv4Errors(t *testing.T) {
	good, _ := BuildIPv4(testIPv4(), []byte("data"))
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), good...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short", good[:19], ErrTruncated},
		{"version 6", mod(func(b []byte) { b[0] = 0x65 }), ErrMalformed},
		{"ihl 4", mod(func(b []byte) { b[0] = 0x44 }), ErrMalformed},
		{"ihl beyond data", mod(func(b []byte) { b[0] = 0x4f }), ErrTruncated},
		{"total < ihl", mod(func(b []byte) { b[2], b[3] = 0, 19 }), ErrMalformed},
		{"total beyond data", mod(func(b []byte) { b[3]++ }), ErrTruncated},
		{"checksum", mod(func(b []byte) { b[8]++ }), ErrChecksum},
	}
	for _, tt := range tests {
		if _, _, err := ParseIPv4(tt.b); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	if err := PutIPv4(make([]byte, 20), IPv4{Src: netip.IPv6Loopback(), Dst: addrA}, 0); !errors.Is(err, ErrMalformed) {
		t.Errorf("PutIPv4 with IPv6 source: %v", err)
	}
}

func TestDecrementTTL(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		h := testIPv4()
		h.TTL = uint8(2 + r.IntN(254))
		h.ID = uint16(r.Uint32())
		h.Protocol = uint8(r.Uint32())
		b, _ := BuildIPv4(h, nil)
		ttl, err := DecrementTTL(b)
		if err != nil || ttl != h.TTL-1 {
			t.Fatalf("DecrementTTL(ttl %d) = %d, %v", h.TTL, ttl, err)
		}
		got, _, err := ParseIPv4(b) // checks the patched checksum
		if err != nil || got.TTL != h.TTL-1 {
			t.Fatalf("after decrement: %+v, %v", got, err)
		}
	}
	for _, ttl := range []uint8{0, 1} {
		h := testIPv4()
		h.TTL = ttl
		b, _ := BuildIPv4(h, nil)
		before := string(b)
		if _, err := DecrementTTL(b); !errors.Is(err, ErrTTLExpired) {
			t.Errorf("TTL %d: err = %v, want ErrTTLExpired", ttl, err)
		}
		if string(b) != before {
			t.Errorf("TTL %d: header changed", ttl)
		}
	}
}
