package lab

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/intercloud/intercloud/internal/router"
)

// cloud1Config is what Neutron's state for cloud1 of the seed lab comes
// to: a VM 100.65.1.5 on tenant subnet 100.65.1.0/24 behind a router
// whose gateway 100.65.0.10 is on external subnet 100.65.0.0/24, and a
// speaker in the cloud's AS peering with ce1.
func cloud1Config(l *Lab, localAS uint32, routes ...CloudRoute) CloudConfig {
	ce1 := l.Model.Node("ce1")
	var peer netip.Addr
	for _, ifc := range ce1.Interfaces {
		if ifc.Peer == "cloud1" {
			peer = ifc.Addr.Addr()
		}
	}
	return CloudConfig{
		Addresses: []netip.Addr{mustAddr("100.65.1.5"), mustAddr("100.65.1.1"), mustAddr("100.65.0.10")},
		Subnets:   []netip.Prefix{mustPrefix("100.65.1.0/24"), mustPrefix("100.65.0.0/24")},
		Uplink:    []netip.Prefix{mustPrefix("100.65.0.0/24")},
		Speaker: &CloudSpeaker{Name: "s1", LocalAS: localAS, Peers: []CloudPeer{{Addr: peer, ASN: 64513}},
			Routes: routes},
	}
}

func mustAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }
func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// TestCloudDragentCarriesTenantSubnet: a dynamic-routing cloud's speaker
// gets its tenant subnet to ce1, pe1's VRF and ce2; the VM answers a
// ping from ce2 across the core; a prefix outside the cloud's block is
// refused at ce1, visibly; withdrawing the routes clears them.
func TestCloudDragentCarriesTenantSubnet(t *testing.T) {
	l, clk := seedLab(t)
	tenant := mustPrefix("100.65.1.0/24")
	gw := mustAddr("100.65.0.10")
	cfg := cloud1Config(l, l.Model.Clouds[0].ASN, CloudRoute{tenant, gw}, CloudRoute{mustPrefix("192.0.2.0/24"), gw})
	if err := l.ApplyCloud("cloud1", cfg); err != nil {
		t.Fatal(err)
	}
	if err := l.ApplyCloud("cloud1", cfg); err != nil { // idempotent
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	ce1, _ := l.Node("ce1")
	pe1, _ := l.Node("pe1")
	ce2, _ := l.Node("ce2")
	if r, ok := ce1.Router.RIB().Best("", tenant); !ok || r.Proto != router.ProtoEBGP {
		t.Fatalf("ce1 lacks %v from the cloud: %+v", tenant, r)
	}
	if _, ok := pe1.Router.RIB().Best("tenant", tenant); !ok {
		t.Error("pe1's vrf lacks the tenant subnet")
	}
	if _, ok := ce2.Router.RIB().Best("", tenant); !ok {
		t.Error("ce2 lacks the tenant subnet")
	}
	if _, ok := ce1.Router.RIB().Best("", mustPrefix("192.0.2.0/24")); ok {
		t.Error("ce1 installed a prefix outside cloud1's block")
	}
	_, text, err := l.Show("ce1", "bgp neighbor cloud1", "")
	if err != nil || !strings.Contains(text, "Filtered: 192.0.2.0/24") {
		t.Errorf("show ce1 bgp neighbor cloud1: %v\n%s", err, text)
	}
	t.Logf("show ce1 bgp neighbor cloud1:\n%s", text)
	res := ping(t, l, clk, "ce2", "100.65.1.5", router.PingOptions{Count: 2, Interval: 100 * time.Millisecond})
	if res.Received != 2 {
		t.Fatalf("ping ce2 -> VM: %+v", res)
	}
	if err := l.ApplyCloud("cloud1", cloud1Config(l, l.Model.Clouds[0].ASN)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if _, ok := ce2.Router.RIB().Best("", tenant); ok {
		t.Error("ce2 still has the tenant subnet after the withdrawal")
	}
}

// A speaker whose local_as is not the cloud's ASN gets no session: ce1
// refuses its OPEN and says why.
func TestCloudDragentWrongASN(t *testing.T) {
	l, clk := seedLab(t)
	if err := l.ApplyCloud("cloud1", cloud1Config(l, 65099, CloudRoute{mustPrefix("100.65.1.0/24"), mustAddr("100.65.0.10")})); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	_, text, err := l.Show("ce1", "bgp neighbor cloud1", "")
	if err != nil || strings.Contains(text, "Established") || !strings.Contains(text, "peer AS 65099, expected") {
		t.Errorf("show ce1 bgp neighbor cloud1: %v\n%s", err, text)
	}
	t.Logf("show ce1 bgp neighbor cloud1:\n%s", text)
}
