package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

// The fuzz targets feed arbitrary bytes to every parser: a router parses
// whatever arrives on a link, so none may panic or read out of bounds, and
// what they accept must be self-consistent.

func seedPackets(f *testing.F) {
	frame := labelledEcho(f)
	f.Add(frame)
	f.Add(frame[EthernetHeaderLen:])    // label stack
	f.Add(frame[EthernetHeaderLen+8:])  // IPv4
	f.Add(frame[EthernetHeaderLen+28:]) // ICMP
	te, _ := ICMP{Type: ICMPTimeExceeded, Data: frame[EthernetHeaderLen+8:], Labels: []LabelEntry{NewLabelEntry(16, 0, true, 1)}}.Marshal()
	f.Add(te)
	fr := FrameFrom(frame[EthernetHeaderLen:])
	_ = EncapMPLSInUDP(fr, MPLSInUDP{Src: addrA, Dst: addrB, SrcPort: 50000, TTL: 9})
	f.Add(fr.Bytes())
	f.Add([]byte{})
}

// withIPv4Checksum returns a copy of b with the checksum of the IPv4 header
// at its start made right, when it has one: random bytes almost never carry
// a right checksum, and without this the fuzzer would rarely get past it.
func withIPv4Checksum(b []byte) []byte {
	c := append([]byte(nil), b...)
	if len(c) < IPv4HeaderLen {
		return c
	}
	ihl := int(c[0]&0x0f) * 4
	if ihl < IPv4HeaderLen || ihl > len(c) {
		return c
	}
	c[10], c[11] = 0, 0
	binary.BigEndian.PutUint16(c[10:12], Checksum(c[:ihl]))
	return c
}

// withICMPChecksum is withIPv4Checksum for an ICMP message.
func withICMPChecksum(b []byte) []byte {
	c := append([]byte(nil), b...)
	if len(c) >= 4 {
		c[2], c[3] = 0, 0
		binary.BigEndian.PutUint16(c[2:4], Checksum(c))
	}
	return c
}

func FuzzParseEthernet(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, payload, err := ParseEthernet(b)
		if err != nil {
			return
		}
		var out [EthernetHeaderLen]byte
		h.Put(out[:])
		if !bytes.Equal(out[:], b[:EthernetHeaderLen]) || len(payload) != len(b)-EthernetHeaderLen {
			t.Fatalf("round trip of % x gave % x", b[:EthernetHeaderLen], out)
		}
	})
}

func FuzzParseLabelStack(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		stack, payload, err := ParseLabelStack(b, nil)
		if err != nil {
			return
		}
		if len(stack)*LabelEntryLen+len(payload) != len(b) {
			t.Fatalf("%d entries and %d payload bytes from %d bytes", len(stack), len(payload), len(b))
		}
		for i, e := range stack {
			if e.Bottom() != (i == len(stack)-1) {
				t.Fatalf("entry %d: bottom %v", i, e.Bottom())
			}
			out := make([]byte, 4)
			NewLabelEntry(e.Label(), e.TC(), e.Bottom(), e.TTL()).Put(out)
			if !bytes.Equal(out, b[4*i:4*i+4]) {
				t.Fatalf("entry %d: % x re-encodes as % x", i, b[4*i:4*i+4], out)
			}
		}
	})
}

func FuzzParseIPv4(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _ = ParseIPv4(b)
		b = withIPv4Checksum(b)
		h, payload, err := ParseIPv4(b)
		if err != nil {
			return
		}
		if len(payload) != int(h.Length)-h.HeaderLen {
			t.Fatalf("payload %d bytes, header says %d-%d", len(payload), h.Length, h.HeaderLen)
		}
		// Forwarding it keeps the header valid.
		c := append([]byte(nil), b...)
		ttl, err := DecrementTTL(c)
		if errors.Is(err, ErrTTLExpired) {
			if h.TTL > 1 {
				t.Fatalf("TTL %d reported expired", h.TTL)
			}
			return
		}
		if err != nil || ttl != h.TTL-1 {
			t.Fatalf("DecrementTTL = %d, %v", ttl, err)
		}
		if _, _, err := ParseIPv4(c); err != nil {
			t.Fatalf("after DecrementTTL: %v", err)
		}
	})
}

func FuzzParseUDP(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, payload, err := ParseUDP(b)
		if err != nil {
			return
		}
		if len(payload) != int(h.Length)-UDPHeaderLen {
			t.Fatalf("payload %d bytes, length field %d", len(payload), h.Length)
		}
		VerifyUDPChecksum(addrA, addrB, b[:h.Length])
	})
}

func FuzzParseICMP(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ParseICMP(b)
		m, err := ParseICMP(withICMPChecksum(b))
		if err != nil {
			return
		}
		for _, e := range m.Labels {
			if e.Label() > MaxLabel {
				t.Fatalf("label %d out of range", e.Label())
			}
		}
		// Whatever parses can be sent back out.
		switch m.Type {
		case ICMPEchoRequest, ICMPEchoReply, ICMPTimeExceeded, ICMPDestinationUnreachable:
			out, err := m.Marshal()
			if err != nil {
				t.Fatalf("Marshal of parsed %+v: %v", m, err)
			}
			if Checksum(out) != 0 {
				t.Fatal("re-marshalled message has a bad checksum")
			}
		}
	})
}

func FuzzParseMPLSInUDP(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, _, _ = ParseMPLSInUDP(b)
		b = withIPv4Checksum(b)
		ip, udp, stack, err := ParseMPLSInUDP(b)
		if err != nil {
			return
		}
		if udp.DstPort != PortMPLSInUDP || len(stack) != int(udp.Length)-UDPHeaderLen || int(ip.Length) > len(b) {
			t.Fatalf("accepted %+v %+v with %d stack bytes", ip, udp, len(stack))
		}
		fr := FrameFrom(b)
		if _, _, err := DecapMPLSInUDP(fr); err != nil || !bytes.Equal(fr.Bytes(), stack) {
			t.Fatalf("Decap: % x, %v; want % x", fr.Bytes(), err, stack)
		}
	})
}

func FuzzDecode(f *testing.F) {
	seedPackets(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if d != nil {
			_ = d.String()
		}
		_ = err
	})
}
