package packet

import "testing"

// The per-hop operations of a label switching router. Each must run in
// nanoseconds with zero allocations; results live in docs/PERFORMANCE.md.

func BenchmarkSwapLabel(b *testing.B) {
	frame := labelledEcho(b)[EthernetHeaderLen:]
	b.ReportAllocs()
	for b.Loop() {
		e, _ := ReadLabelEntry(frame)
		_ = SwapLabel(frame, e.Label()^1, e.TTL())
	}
}

func BenchmarkPushLabel(b *testing.B) {
	f := FrameFrom(labelledEcho(b)[EthernetHeaderLen:])
	e := NewLabelEntry(16005, 0, false, 64)
	b.ReportAllocs()
	for b.Loop() {
		_ = PushLabel(f, e)
		_, _ = f.Pull(LabelEntryLen) // keep the headroom from running out
	}
}

func BenchmarkPopLabel(b *testing.B) {
	f := FrameFrom(labelledEcho(b)[EthernetHeaderLen:])
	b.ReportAllocs()
	for b.Loop() {
		e, _ := PopLabel(f)
		_, _ = f.Push(LabelEntryLen) // put it back for the next round
		_ = e
	}
}

func BenchmarkDecrementTTL(b *testing.B) {
	ip := labelledEcho(b)[EthernetHeaderLen+8:]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecrementTTL(ip); err != nil {
			// Re-arm the TTL, keeping the checksum right.
			old := uint16(ip[8])<<8 | uint16(ip[9])
			ip[8] = 255
			hc := UpdateChecksum(uint16(ip[10])<<8|uint16(ip[11]), old, uint16(ip[8])<<8|uint16(ip[9]))
			ip[10], ip[11] = byte(hc>>8), byte(hc)
		}
	}
}

func BenchmarkParseIPv4(b *testing.B) {
	ip := labelledEcho(b)[EthernetHeaderLen+8:]
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = ParseIPv4(ip)
	}
}

// BenchmarkLSRHop is a whole P-router hop on a frame: strip Ethernet, read
// the top label, swap it with TTL-1, push a new Ethernet header.
func BenchmarkLSRHop(b *testing.B) {
	f := FrameFrom(labelledEcho(b))
	out := Ethernet{Dst: macA, Src: macB, Type: EtherTypeMPLS}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = PullEthernet(f)
		e, _ := ReadLabelEntry(f.Bytes())
		ttl := e.TTL() - 1
		if ttl == 0 {
			ttl = 255
		}
		_ = SwapLabel(f.Bytes(), e.Label(), ttl)
		_ = PushEthernet(f, out)
	}
}
