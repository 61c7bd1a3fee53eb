package bgp

import (
	"strings"
	"testing"
	"time"
)

// FRR's bgpd as the route reflector of `address-family l2vpn evpn` for
// two intercloud PEs (Debian's frr, on loopback): pe1's MAC/IP route
// (ESI 0, an MPLS label, RT, MAC Mobility, the MPLS-in-UDP
// encapsulation community) and inclusive multicast route (PMSI ingress
// replication) reach pe2 through FRR as pe1 sent them, FRR's own table
// shows them in its notation (RT, ET:13, MM:3), and a withdrawal goes
// through too. It is how the lab's compute PEs advertise their EVIs.
func TestInteropFRREVPNReflector(t *testing.T) {
	f, pe1, pe2 := frrReflectorPEs(t, []string{"l2vpn evpn"}, []Family{EVPN})
	mac := macIP(t, "10.255.0.1:100", "10.1.0.5", 24000<<4|1)
	kMAC, lMAC, _ := mac.Key()
	mc := imet(t, "10.255.0.1:100", "127.0.0.1")
	mc.EthTag = 0
	kMC, _, _ := mc.Key()
	comms := []ExtCommunity{rt(t, "65000:100"), EncapsulationCommunity(TunnelMPLSInUDP)}
	if err := pe1.Originate(EVPN, kMAC, lMAC, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities(append(comms, MACMobility(3, false)))}); err != nil {
		t.Fatal(err)
	}
	pmsi := PackPMSITunnel(PMSITunnel{TunnelType: PMSIIngressReplication, Label: 24000<<4 | 1, TunnelID: addr("127.0.0.1").AsSlice()})
	if err := pe1.Originate(EVPN, kMC, 0, Attrs{NextHop: addr("127.0.0.1"), ExtCommunities: PackExtCommunities(comms), PMSITunnel: pmsi}); err != nil {
		t.Fatal(err)
	}
	var gotMAC, gotMC *Route
	waitFor(t, 15*time.Second, "pe2 to get both routes through FRR", func() bool {
		rs := pe2.Routes(EVPN)
		gotMAC, gotMC = bestOf(rs, kMAC), bestOf(rs, kMC)
		return gotMAC != nil && gotMC != nil
	})
	if gotMAC.Label != lMAC || gotMAC.NextHop != addr("127.0.0.1") || gotMAC.Peer != addr("127.0.0.3") {
		t.Errorf("MAC/IP route at pe2: label %d next hop %v from %v, want %d 127.0.0.1 from FRR", gotMAC.Label, gotMAC.NextHop, gotMAC.Peer, lMAC)
	}
	var mm, encap, rt100 bool
	for _, c := range gotMAC.Attrs.ExtCommunityList() {
		mm = mm || c == MACMobility(3, false)
		tt, ok := c.Encapsulation()
		encap = encap || ok && tt == TunnelMPLSInUDP
		rt100 = rt100 || c == rt(t, "65000:100")
	}
	if !mm || !encap || !rt100 {
		t.Errorf("MAC/IP route's communities %v: want RT 65000:100, MAC Mobility 3 and MPLS-in-UDP", gotMAC.Attrs.ExtCommunityList())
	}
	if p, ok := gotMC.Attrs.PMSI(); !ok || p.TunnelType != PMSIIngressReplication || p.Label != 24000<<4|1 || string(p.TunnelID) != string(addr("127.0.0.1").AsSlice()) {
		t.Errorf("inclusive multicast route's PMSI tunnel = %+v, %v", p, ok)
	}
	out, err := f.vtysh("show bgp l2vpn evpn")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("FRR: show bgp l2vpn evpn\n%s", out)
	for _, want := range []string{"10.255.0.1:100", "[2]:[0]:[48]:[fa:16:3e:00:00:01]:[32]:[10.1.0.5]", "[3]:[0]:[32]:[127.0.0.1]"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("FRR's table lacks %s", want)
		}
	}
	if err := pe1.Withdraw(EVPN, kMAC); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the withdrawal to reach pe2", func() bool { return bestOf(pe2.Routes(EVPN), kMAC) == nil })
}
