package packet

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
)

func TestARPRoundTripsAndRefusesOtherKinds(t *testing.T) {
	a := ARP{Op: ARPRequest, SenderMAC: MAC{0xfa, 0x16, 0x3e, 1, 2, 3}, SenderIP: netip.MustParseAddr("10.1.0.5"),
		TargetIP: netip.MustParseAddr("10.1.0.6")}
	b := a.Append(nil)
	if len(b) != ARPLen {
		t.Fatalf("len %d", len(b))
	}
	// RFC 826's fixed fields: Ethernet (1), IPv4, lengths 6 and 4, op 1.
	if !bytes.Equal(b[:8], []byte{0, 1, 8, 0, 6, 4, 0, 1}) {
		t.Errorf("header % x", b[:8])
	}
	got, err := ParseARP(append(b, 0, 0)) // padding ignored
	if err != nil || got != a {
		t.Fatalf("ParseARP = %+v, %v; want %+v", got, err, a)
	}
	if _, err := ParseARP(b[:27]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short: %v", err)
	}
	bad := bytes.Clone(b)
	bad[1] = 6 // IEEE 802 hardware
	if _, err := ParseARP(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("hardware 6: %v", err)
	}
	bad = bytes.Clone(b)
	bad[7] = 9
	if _, err := ParseARP(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("op 9: %v", err)
	}
}

func TestEthernetFramePadsToTheMinimum(t *testing.T) {
	h := Ethernet{Dst: BroadcastMAC, Src: MAC{2, 0, 0, 0, 0, 1}, Type: EtherTypeARP}
	f := EthernetFrame(h, ARP{Op: ARPRequest}.Append(nil))
	if len(f) != 60 {
		t.Fatalf("len %d, want 60", len(f))
	}
	got, rest, err := ParseEthernet(f)
	if err != nil || got != h || len(rest) != 46 {
		t.Fatalf("%+v %d %v", got, len(rest), err)
	}
	if !h.Dst.IsMulticast() || h.Src.IsMulticast() {
		t.Error("I/G bit")
	}
}

func TestVXLANCarriesTheVNIAndTheFrame(t *testing.T) {
	frame := EthernetFrame(Ethernet{Dst: BroadcastMAC, Type: EtherTypeARP}, nil)
	b := AppendVXLAN(nil, 0xabcdef, frame)
	// RFC 7348 5: flags 0x08, 24 reserved bits, VNI, 8 reserved bits.
	if !bytes.Equal(b[:8], []byte{0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0}) {
		t.Errorf("header % x", b[:8])
	}
	vni, inner, err := ParseVXLAN(b)
	if err != nil || vni != 0xabcdef || !bytes.Equal(inner, frame) {
		t.Fatalf("ParseVXLAN = %x, %d octets, %v", vni, len(inner), err)
	}
	b[0] = 0
	if _, _, err := ParseVXLAN(b); !errors.Is(err, ErrMalformed) {
		t.Errorf("no I flag: %v", err)
	}
	b[0] = 0x08
	if _, _, err := ParseVXLAN(b[:10]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short: %v", err)
	}
}

func FuzzARP(f *testing.F) {
	f.Add(ARP{Op: ARPReply, SenderIP: netip.MustParseAddr("1.2.3.4"), TargetIP: netip.MustParseAddr("5.6.7.8")}.Append(nil))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseARP(b)
		if err != nil {
			return
		}
		again, err := ParseARP(a.Append(nil))
		if err != nil || again != a {
			t.Fatalf("%+v re-read as %+v, %v", a, again, err)
		}
	})
}

func FuzzVXLAN(f *testing.F) {
	f.Add(AppendVXLAN(nil, 42, EthernetFrame(Ethernet{Dst: BroadcastMAC}, nil)))
	f.Add([]byte{8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		vni, inner, err := ParseVXLAN(b)
		if err != nil {
			return
		}
		if vni > MaxVNI || len(inner) != len(b)-VXLANHeaderLen {
			t.Fatalf("vni %d, inner %d of %d", vni, len(inner), len(b))
		}
		again, inner2, err := ParseVXLAN(AppendVXLAN(nil, vni, inner))
		if err != nil || again != vni || !bytes.Equal(inner, inner2) {
			t.Fatalf("re-encoded: %d %v", again, err)
		}
	})
}
