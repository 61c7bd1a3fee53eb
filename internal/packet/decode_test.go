package packet

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

var (
	macA = MAC{0x02, 0, 0, 0, 0, 1}
	macB = MAC{0x02, 0, 0, 0, 0, 2}
)

// labelledEcho builds what a PE sends into the core for a tenant ping: an
// Ethernet frame with a two-entry label stack over an ICMP echo request.
func labelledEcho(t testing.TB) []byte {
	t.Helper()
	echo, err := ICMP{Type: ICMPEchoRequest, ID: 7, Seq: 1, Data: []byte("intercloud")}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	f := FrameFrom(echo)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(PushIPv4(f, IPv4{TTL: 64, Protocol: ProtocolICMP, Src: netip.MustParseAddr("172.16.1.10"), Dst: netip.MustParseAddr("172.16.2.20")}))
	must(PushLabel(f, NewLabelEntry(24001, 0, true, 64)))
	must(PushLabel(f, NewLabelEntry(16005, 0, false, 63)))
	must(PushEthernet(f, Ethernet{Dst: macB, Src: macA, Type: EtherTypeMPLS}))
	return f.Bytes()
}

func TestDecodeLabelledEcho(t *testing.T) {
	d, err := Decode(labelledEcho(t))
	if err != nil {
		t.Fatal(err)
	}
	want := "MPLS [16005 ttl 63] [24001 S ttl 64] IPv4 172.16.1.10 > 172.16.2.20 ttl 64 ICMP echo request id 7 seq 1"
	if got := d.String(); got != want {
		t.Errorf("String:\n got %s\nwant %s", got, want)
	}
	if d.Ethernet.Src != macA || d.Ethernet.Dst != macB {
		t.Errorf("ethernet %+v", d.Ethernet)
	}
}

func TestGopacketDecodesOurFrame(t *testing.T) {
	p := gopacket.NewPacket(labelledEcho(t), layers.LayerTypeEthernet, gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("gopacket: %v", el.Error())
	}
	var labels []uint32
	for _, l := range p.Layers() {
		if m, ok := l.(*layers.MPLS); ok {
			labels = append(labels, m.Label)
		}
	}
	if len(labels) != 2 || labels[0] != 16005 || labels[1] != 24001 {
		t.Errorf("gopacket labels %v", labels)
	}
	icmp, ok := p.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
	if !ok || icmp.TypeCode.Type() != layers.ICMPv4TypeEchoRequest || icmp.Id != 7 {
		t.Errorf("gopacket icmp %+v", icmp)
	}
}

func TestDecodeGopacketFrame(t *testing.T) {
	// A frame gopacket builds — UDP under one label — decodes here.
	eth := &layers.Ethernet{SrcMAC: macA[:], DstMAC: macB[:], EthernetType: layers.EthernetTypeMPLSUnicast}
	mpls := &layers.MPLS{Label: 99, StackBottom: true, TTL: 5}
	ip := &layers.IPv4{Version: 4, TTL: 5, Protocol: layers.IPProtocolUDP, SrcIP: addrA.AsSlice(), DstIP: addrB.AsSlice()}
	udp := &layers.UDP{SrcPort: 1000, DstPort: 2000}
	_ = udp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		eth, mpls, ip, udp, gopacket.Payload("data"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.String(), "MPLS [99 S ttl 5] IPv4 10.0.0.1 > 192.0.2.77 ttl 5 UDP 1000 > 2000 len 4"; got != want {
		t.Errorf("String:\n got %s\nwant %s", got, want)
	}
}
