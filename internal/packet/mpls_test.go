package packet

import (
	"bytes"
	"errors"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

func TestReservedLabels(t *testing.T) {
	// RFC 3032 section 2.1.
	for l, want := range map[Label]Label{
		LabelIPv4ExplicitNull: 0, LabelRouterAlert: 1, LabelIPv6ExplicitNull: 2, LabelImplicitNull: 3,
	} {
		if l != want {
			t.Errorf("reserved label %d, want %d", l, want)
		}
		if !l.IsReserved() {
			t.Errorf("label %d not reserved", l)
		}
	}
	if MinUnreservedLabel.IsReserved() || MaxLabel != 0xfffff {
		t.Error("unreserved range wrong")
	}
}

func TestLabelEntryFields(t *testing.T) {
	tests := []struct {
		label  Label
		tc     uint8
		bottom bool
		ttl    uint8
		wire   [4]byte
	}{
		{0, 0, true, 64, [4]byte{0x00, 0x00, 0x01, 0x40}},
		{16005, 5, false, 255, [4]byte{0x03, 0xe8, 0x5a, 0xff}},
		{MaxLabel, 7, true, 0, [4]byte{0xff, 0xff, 0xff, 0x00}},
		{LabelImplicitNull, 0, false, 1, [4]byte{0x00, 0x00, 0x30, 0x01}},
	}
	for _, tt := range tests {
		e := NewLabelEntry(tt.label, tt.tc, tt.bottom, tt.ttl)
		var b [4]byte
		e.Put(b[:])
		if b != tt.wire {
			t.Errorf("%v on the wire = % x, want % x", e, b, tt.wire)
		}
		got, err := ReadLabelEntry(b[:])
		if err != nil || got.Label() != tt.label || got.TC() != tt.tc || got.Bottom() != tt.bottom || got.TTL() != tt.ttl {
			t.Errorf("ReadLabelEntry(% x) = %v, %v", b, got, err)
		}
		// gopacket agrees on the layout.
		m := &layers.MPLS{Label: uint32(tt.label), TrafficClass: tt.tc, StackBottom: tt.bottom, TTL: tt.ttl}
		buf := gopacket.NewSerializeBuffer()
		if err := m.SerializeTo(buf, gopacket.SerializeOptions{}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), tt.wire[:]) {
			t.Errorf("gopacket encodes %+v as % x, want % x", m, buf.Bytes(), tt.wire)
		}
	}
}

func TestLabelEntryWith(t *testing.T) {
	e := NewLabelEntry(100, 3, true, 10)
	e = e.WithLabel(200).WithTTL(9).WithBottom(false)
	if e != NewLabelEntry(200, 3, false, 9) {
		t.Errorf("got %v", e)
	}
	if got := NewLabelEntry(1<<20|5, 9, false, 1); got.Label() != 5 || got.TC() != 1 {
		t.Errorf("out-of-range fields not masked: %v", got)
	}
	if s := NewLabelEntry(16, 0, true, 63).String(); s != "label 16, tc 0, S, ttl 63" {
		t.Errorf("String = %q", s)
	}
}

func TestSwapLabelKeepsTCAndBottom(t *testing.T) {
	b := make([]byte, 8)
	NewLabelEntry(16001, 5, false, 64).Put(b)
	NewLabelEntry(24, 0, true, 64).Put(b[4:])
	if err := SwapLabel(b, 17002, 63); err != nil {
		t.Fatal(err)
	}
	stack, payload, err := ParseLabelStack(b, nil)
	if err != nil || len(payload) != 0 {
		t.Fatalf("ParseLabelStack: %v, payload %d", err, len(payload))
	}
	if want := []LabelEntry{NewLabelEntry(17002, 5, false, 63), NewLabelEntry(24, 0, true, 64)}; stack[0] != want[0] || stack[1] != want[1] {
		t.Errorf("stack = %v, want %v", stack, want)
	}
	if err := SwapLabel(b[:3], 1, 1); !errors.Is(err, ErrTruncated) {
		t.Errorf("SwapLabel on 3 bytes: %v", err)
	}
}

func TestParseLabelStackNeedsBottom(t *testing.T) {
	b := make([]byte, 8)
	NewLabelEntry(16, 0, false, 1).Put(b)
	NewLabelEntry(17, 0, false, 1).Put(b[4:])
	if _, _, err := ParseLabelStack(b, nil); !errors.Is(err, ErrTruncated) {
		t.Errorf("stack without S bit: err = %v, want ErrTruncated", err)
	}
}

func TestPushPopLabel(t *testing.T) {
	f := FrameFrom([]byte{0x45, 0xaa})
	inner := NewLabelEntry(30, 0, true, 255)
	outer := NewLabelEntry(16002, 0, false, 255)
	if err := PushLabel(f, inner); err != nil {
		t.Fatal(err)
	}
	if err := PushLabel(f, outer); err != nil {
		t.Fatal(err)
	}
	if want := []byte{0x03, 0xe8, 0x20, 0xff, 0x00, 0x01, 0xe1, 0xff, 0x45, 0xaa}; !bytes.Equal(f.Bytes(), want) {
		t.Fatalf("after two pushes: % x, want % x", f.Bytes(), want)
	}
	for _, want := range []LabelEntry{outer, inner} {
		got, err := PopLabel(f)
		if err != nil || got != want {
			t.Fatalf("PopLabel = %v, %v; want %v", got, err, want)
		}
	}
	if !bytes.Equal(f.Bytes(), []byte{0x45, 0xaa}) {
		t.Fatalf("after pops: % x", f.Bytes())
	}
	if _, err := PopLabel(f); !errors.Is(err, ErrTruncated) {
		t.Errorf("PopLabel on 2 bytes: %v", err)
	}
	full := NewFrame(3, 4)
	if err := PushLabel(full, inner); !errors.Is(err, ErrNoHeadroom) {
		t.Errorf("PushLabel without headroom: %v", err)
	}
}
