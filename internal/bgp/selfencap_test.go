package bgp

import (
	"slices"
	"testing"
	"time"
)

// A DC gateway (AS 65100) between a vRouter of its fabric and a WAN ASBR
// (AS 65000): the vRouter's route offers MPLS-in-UDP and MPLS-in-GRE to
// reach the vRouter; the gateway sends it to the WAN with itself as next
// hop and no tunnel (the WAN reaches it by MPLS on the link), and sends
// the WAN's route, which offered GRE to reach its old egress, into the
// fabric with itself as next hop and exactly MPLS-in-UDP.
func TestAGatewaysSelfEncapsulationsReplaceTheTunnelsOfRoutesItPutsItselfInFrontOf(t *testing.T) {
	l := newLab(t)
	vr := l.speaker("vrouter", "10.1.0.1", 65100, nil)
	l.speaker("gw", "10.1.0.2", 65100, nil)
	wan := l.speaker("wan", "10.1.0.3", 65000, nil)
	l.peer("vrouter", "gw", func(ab, ba *PeerConfig) {
		ba.NextHopSelf = true
		ba.SelfEncapsulations = &SelfEncapsulations{Types: []TunnelType{TunnelMPLSInUDP}}
	})
	l.peer("gw", "wan", func(ab, ba *PeerConfig) {
		ab.SelfEncapsulations = &SelfEncapsulations{}
	})
	rtc := rt(t, "65000:7")
	fromVR := vpnKey(t, "10.1.0.1:1", "100.64.0.5/32")
	err := vr.Originate(VPNv4, fromVR, 300, Attrs{Origin: OriginIGP, NextHop: addr("10.1.0.1"),
		ExtCommunities: PackExtCommunities([]ExtCommunity{rtc, EncapsulationCommunity(TunnelMPLSInUDP), EncapsulationCommunity(TunnelMPLSInGRE)})})
	if err != nil {
		t.Fatal(err)
	}
	fromWAN := vpnKey(t, "10.255.0.1:1", "10.255.96.1/32")
	a, err := Attrs{Origin: OriginIGP, NextHop: addr("10.1.0.3"),
		ExtCommunities: PackExtCommunities([]ExtCommunity{rtc, EncapsulationCommunity(TunnelMPLSInGRE)})}.
		WithTunnels([]Tunnel{NewTunnel(TunnelMPLSInGRE, addr("10.1.0.3"))})
	if err != nil {
		t.Fatal(err)
	}
	if err := wan.Originate(VPNv4, fromWAN, 400, a); err != nil {
		t.Fatal(err)
	}
	var atWAN, atVR *Route
	for i := 0; i < 100 && (atWAN == nil || atVR == nil); i++ {
		l.run(100 * time.Millisecond)
		atWAN, atVR = bestOf(l.routes("wan", VPNv4), fromVR), bestOf(l.routes("vrouter", VPNv4), fromWAN)
	}
	if atWAN == nil || atVR == nil {
		t.Fatalf("routes did not cross the gateway: at the WAN %v, at the vRouter %v", atWAN, atVR)
	}
	encaps := func(r *Route) []string {
		var out []string
		for _, tn := range r.Attrs.Tunnels() {
			out = append(out, tn.String())
		}
		return out
	}
	if atWAN.NextHop != addr("10.1.0.2") || len(encaps(atWAN)) != 0 {
		t.Errorf("the WAN got the vRouter's route with next hop %v and tunnels %q, want the gateway and none", atWAN.NextHop, encaps(atWAN))
	}
	if !slices.Contains(atWAN.Attrs.RouteTargets(), rtc) {
		t.Errorf("the WAN's copy lost its route target: %v", atWAN.Attrs.ExtCommunityList())
	}
	if got := encaps(atVR); atVR.NextHop != addr("10.1.0.2") || !slices.Equal(got, []string{"mpls-in-udp"}) {
		t.Errorf("the vRouter got the WAN's route with next hop %v and tunnels %q, want the gateway and mpls-in-udp alone", atVR.NextHop, got)
	}
	// The gateway's own table keeps what its peers sent.
	if r := bestOf(l.routes("gw", VPNv4), fromWAN); r == nil || !slices.Equal(encaps(r), []string{"mpls-in-gre endpoint 10.1.0.3", "mpls-in-gre"}) {
		t.Errorf("the gateway's Loc-RIB copy changed: %v", r)
	}
}
