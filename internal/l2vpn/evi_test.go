package l2vpn

import (
	"strings"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
)

// An EVI's configuration is checked before anything is advertised: a
// name, an RD, a route target, a VNI in range for VXLAN, a known
// encapsulation; each refusal says which.
func TestEVIConfigRefusesWhatCannotBeAdvertised(t *testing.T) {
	rd, _ := bgp.ParseRD("10.0.0.1:1")
	rt, _ := bgp.ParseRouteTarget("65000:1")
	good := EVIConfig{Name: "blue", RD: rd, Import: []bgp.ExtCommunity{rt}, Encap: EncapVXLAN, VNI: 5001}
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		change func(*EVIConfig)
		want   string
	}{
		{func(c *EVIConfig) { c.Name = "" }, "needs a name"},
		{func(c *EVIConfig) { c.RD = bgp.RD{} }, "needs a route distinguisher"},
		{func(c *EVIConfig) { c.Import = nil }, "no route target"},
		{func(c *EVIConfig) { c.VNI = 0 }, "VNI 0 is not in 1-16777215"},
		{func(c *EVIConfig) { c.VNI = 1 << 24 }, "VNI 16777216 is not in"},
		{func(c *EVIConfig) { c.Encap = 9 }, "unknown encapsulation encap(9)"},
	} {
		cfg := good
		cfg.Import = []bgp.ExtCommunity{rt}
		c.change(&cfg)
		if err := cfg.check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", cfg, err, c.want)
		}
	}
}

// Label fields as EVPN routes carry them: an MPLS label in the top 20
// bits with the bottom-of-stack bit (as FRR and GoBGP write it), a VNI
// as it is; reading takes the label back whatever the low bits.
func TestLabelFieldsCarryAnMPLSLabelOrAVNI(t *testing.T) {
	if f := wireLabel(EncapMPLS, 24000); f != 24000<<4|1 || fieldLabel(EncapMPLS, f) != 24000 || fieldLabel(EncapMPLS, 24000<<4) != 24000 {
		t.Errorf("mpls: field %#x", f)
	}
	if f := wireLabel(EncapVXLAN, 5001); f != 5001 || fieldLabel(EncapVXLAN, f) != 5001 {
		t.Errorf("vxlan: field %d", f)
	}
}

// The encapsulation a PE asks for is its route's Encapsulation
// community (RFC 8365 5.1.3): VXLAN or MPLS-in-UDP (or plain MPLS);
// none at all is MPLS (RFC 7432); only tunnels this PE cannot send
// (GRE here) make the route unusable.
func TestARoutesEncapsulationCommunityChoosesTheTunnel(t *testing.T) {
	rt, _ := bgp.ParseRouteTarget("65000:1")
	route := func(cs ...bgp.ExtCommunity) *bgp.Route {
		return &bgp.Route{Attrs: bgp.Attrs{ExtCommunities: bgp.PackExtCommunities(append([]bgp.ExtCommunity{rt}, cs...))}}
	}
	for _, c := range []struct {
		r    *bgp.Route
		want Encap
		ok   bool
	}{
		{route(bgp.EncapsulationCommunity(bgp.TunnelVXLAN)), EncapVXLAN, true},
		{route(bgp.EncapsulationCommunity(bgp.TunnelMPLSInUDP)), EncapMPLS, true},
		{route(bgp.EncapsulationCommunity(bgp.TunnelMPLS)), EncapMPLS, true},
		{route(), EncapMPLS, true},
		{route(bgp.EncapsulationCommunity(bgp.TunnelMPLSInGRE)), 0, false},
	} {
		got, ok := encapOf(c.r)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%v: %v %v, want %v %v", c.r.Attrs.ExtCommunityList(), got, ok, c.want, c.ok)
		}
	}
}
