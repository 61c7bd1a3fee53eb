package packet

import "testing"

// BenchmarkMPLSInUDPEncapDecap is one packet's trip through the codec at
// both ends of an MPLS-in-UDP tunnel: push the VPN label, add UDP and
// IPv4 (ingress), then take them off and pop (egress), on one frame.
func BenchmarkMPLSInUDPEncapDecap(b *testing.B) {
	inner, _ := BuildIPv4(testIPv4(), make([]byte, 36))
	f := FrameFrom(inner)
	t := MPLSInUDP{Src: addrA, Dst: addrB, SrcPort: EntropyPort(7), TTL: 255}
	b.ReportAllocs()
	for b.Loop() {
		_ = PushLabel(f, NewLabelEntry(30003, 0, true, 63))
		if err := EncapMPLSInUDP(f, t); err != nil {
			b.Fatal(err)
		}
		if _, _, err := DecapMPLSInUDP(f); err != nil {
			b.Fatal(err)
		}
		if _, err := PopLabel(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMPLSInGREEncapDecap is the same with GRE.
func BenchmarkMPLSInGREEncapDecap(b *testing.B) {
	inner, _ := BuildIPv4(testIPv4(), make([]byte, 36))
	f := FrameFrom(inner)
	t := MPLSInGRE{Src: addrA, Dst: addrB, TTL: 255}
	b.ReportAllocs()
	for b.Loop() {
		_ = PushLabel(f, NewLabelEntry(30003, 0, true, 63))
		if err := EncapMPLSInGRE(f, t); err != nil {
			b.Fatal(err)
		}
		if _, _, err := DecapMPLSInGRE(f); err != nil {
			b.Fatal(err)
		}
		if _, err := PopLabel(f); err != nil {
			b.Fatal(err)
		}
	}
}
