package packet

import (
	"bytes"
	"errors"
	"testing"
)

func TestMPLSInUDPRoundTrip(t *testing.T) {
	inner, _ := BuildIPv4(testIPv4(), []byte("tenant packet"))
	f := FrameFrom(inner)
	if err := PushLabel(f, NewLabelEntry(300, 0, true, 64)); err != nil {
		t.Fatal(err)
	}
	stack := append([]byte(nil), f.Bytes()...)
	tun := MPLSInUDP{Src: addrA, Dst: addrB, SrcPort: EntropyPort(0xdeadbeef), TTL: 255}
	if err := EncapMPLSInUDP(f, tun); err != nil {
		t.Fatal(err)
	}
	ip, udp, got, err := ParseMPLSInUDP(f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if ip.Src != addrA || ip.Dst != addrB || ip.TTL != 255 || ip.Protocol != ProtocolUDP ||
		udp.DstPort != PortMPLSInUDP || udp.SrcPort < 49152 || udp.Checksum != 0 || !bytes.Equal(got, stack) {
		t.Errorf("parsed %+v %+v % x", ip, udp, got)
	}

	_ = f.Append([]byte{0, 0, 0}) // link padding must not end up in the stack
	if _, _, err := DecapMPLSInUDP(f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f.Bytes(), stack) {
		t.Errorf("after decap % x, want % x", f.Bytes(), stack)
	}
}

func TestParseMPLSInUDPRejects(t *testing.T) {
	f := FrameFrom([]byte{0, 0, 1, 64})
	_ = PushUDP(f, 49152, 4789, addrA, addrB, true) // VXLAN, not MPLS
	_ = PushIPv4(f, IPv4{TTL: 1, Protocol: ProtocolUDP, Src: addrA, Dst: addrB})
	if _, _, _, err := ParseMPLSInUDP(f.Bytes()); !errors.Is(err, ErrMalformed) {
		t.Errorf("wrong port: err = %v, want ErrMalformed", err)
	}
	icmp, _ := BuildIPv4(IPv4{TTL: 1, Protocol: ProtocolICMP, Src: addrA, Dst: addrB}, make([]byte, 8))
	if _, _, _, err := ParseMPLSInUDP(icmp); !errors.Is(err, ErrMalformed) {
		t.Errorf("ICMP: err = %v, want ErrMalformed", err)
	}
	for _, port := range []uint16{1, 65535} {
		if p := EntropyPort(uint32(port) * 7919); p < 49152 {
			t.Errorf("EntropyPort = %d", p)
		}
	}
}
