package packet

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestUDPChecksumMatchesGopacket(t *testing.T) {
	for _, payload := range []string{"", "x", "odd-length payload", "even-length payload!"} {
		f := FrameFrom([]byte(payload))
		if err := PushUDP(f, 33434, 53, addrA, addrB, true); err != nil {
			t.Fatal(err)
		}
		ours := f.Bytes()
		if !VerifyUDPChecksum(addrA, addrB, ours) {
			t.Errorf("%q: our checksum does not verify", payload)
		}

		ip := &layers.IPv4{Version: 4, TTL: 1, Protocol: layers.IPProtocolUDP, SrcIP: addrA.AsSlice(), DstIP: addrB.AsSlice()}
		udp := &layers.UDP{SrcPort: 33434, DstPort: 53}
		_ = udp.SetNetworkLayerForChecksum(ip)
		buf := gopacket.NewSerializeBuffer()
		err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, udp, gopacket.Payload(payload))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := binary.BigEndian.Uint16(ours[6:8]), binary.BigEndian.Uint16(buf.Bytes()[6:8]); got != want {
			t.Errorf("%q: checksum %04x, gopacket %04x", payload, got, want)
		}

		h, p, err := ParseUDP(ours)
		if err != nil || h.SrcPort != 33434 || h.DstPort != 53 || int(h.Length) != 8+len(payload) || string(p) != payload {
			t.Errorf("ParseUDP = %+v %q %v", h, p, err)
		}
		ours[len(ours)-1] ^= 0xff
		if len(payload) > 0 && VerifyUDPChecksum(addrA, addrB, ours) {
			t.Errorf("%q: corrupted datagram verifies", payload)
		}
	}
}

func TestParseUDPErrors(t *testing.T) {
	tests := []struct {
		b    []byte
		want error
	}{
		{[]byte{0, 1, 0, 2, 0}, ErrTruncated},
		{[]byte{0, 1, 0, 2, 0, 7, 0, 0}, ErrMalformed},
		{[]byte{0, 1, 0, 2, 0, 9, 0, 0}, ErrTruncated},
	}
	for _, tt := range tests {
		if _, _, err := ParseUDP(tt.b); !errors.Is(err, tt.want) {
			t.Errorf("ParseUDP(% x): err = %v, want %v", tt.b, err, tt.want)
		}
	}
}
