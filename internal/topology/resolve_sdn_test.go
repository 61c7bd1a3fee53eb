package topology

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

const sdnCore = "nodes:\n  p1: {rr: true}\n  pe1: {}\n  asbr1: {role: pe}\n  ce1: {}\nlinks: [pe1-p1, asbr1-p1, ce1-pe1]\n"

// An sdn cloud is an AS of its own with a control node named after it
// on its underlay (a reflector of that AS), its node as the gateway with
// an ebgp-asbr session to the PE it attaches to and an ibgp-vpn session
// to the control node, and one ibgp-cloud session per vRouter to the
// control node, from its underlay address, started by the cloud.
func TestAnSDNCloudGetsAControlNodeAGatewayAndItsOwnAS(t *testing.T) {
	res, err := Load("t.yaml", []byte(sdnCore+"clouds:\n  dc1: {attach: asbr1, join: sdn, computes: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := res.Model
	c := m.Clouds[0]
	if c.ASN == 0 || c.ASN == m.ProviderASN || !contains(c.Auto, "asn") {
		t.Fatalf("cloud asn %d (auto %v), want one of its own from the pool", c.ASN, c.Auto)
	}
	ctl := m.Node("dc1-ctl")
	if c.Control == nil || ctl == nil || ctl.Role != RoleControl || ctl.ASN != c.ASN || !ctl.RouteReflector || ctl.Cloud != "dc1" ||
		ctl.Loopback != c.Control.Loopback || !m.Pools.Loopbacks.Contains(ctl.Loopback.Addr()) {
		t.Fatalf("control node %+v (cloud's %+v)", ctl, c.Control)
	}
	if len(ctl.Interfaces) != 1 || ctl.Interfaces[0].Peer != "dc1" {
		t.Fatalf("control node's interfaces %+v, want one to the cloud's node", ctl.Interfaces)
	}
	var got []string
	for _, s := range m.Sessions {
		if s.A == "dc1" || s.B == "dc1" || s.B == "dc1-ctl" {
			got = append(got, strings.Join([]string{string(s.Kind), s.A, s.B, s.AAddr.String(), s.BAddr.String(), itoa(s.AASN), itoa(s.BASN)}, " "))
			if s.Kind == SessionCloudCore != s.OnDemand() {
				t.Errorf("session %v: on demand %v", s, s.OnDemand())
			}
		}
	}
	gwLo, ctlLo := m.Node("dc1").Loopback.Addr().String(), ctl.Loopback.Addr().String()
	link := m.Links[c.LinkID]
	asn, prov := itoa(c.ASN), itoa(m.ProviderASN)
	want := []string{
		"ebgp-asbr asbr1 dc1 " + link.B.Addr.String() + " " + link.A.Addr.String() + " " + prov + " " + asn,
		"ibgp-vpn dc1 dc1-ctl " + gwLo + " " + ctlLo + " " + asn + " " + asn,
		"ibgp-cloud dc1-cn1 dc1-ctl " + m.Node("dc1-cn1").Interfaces[0].Addr.Addr().String() + " " + ctlLo + " " + asn + " " + asn,
		"ibgp-cloud dc1-cn2 dc1-ctl " + m.Node("dc1-cn2").Interfaces[0].Addr.Addr().String() + " " + ctlLo + " " + asn + " " + asn,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sessions:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sum := m.Summarize(); sum.Roles[RoleControl] != 1 {
		t.Errorf("summary roles %v, want one control node", sum.Roles)
	}
}

// What option 5 cannot be: the provider's AS, a cloud whose computes are
// also the provider's PEs, a gateway on a P router, a control node whose
// name is taken. Each error says where.
func TestSDNCloudMistakesAreReportedWhereTheyAre(t *testing.T) {
	for _, c := range []struct{ name, clouds, want string }{
		{"provider asn", "  dc1: {attach: asbr1, join: sdn, asn: 65000}\n",
			`t.yaml:8:40: cloud dc1 joins by sdn but has the provider's ASN 65000: its gateway is an inter-AS option B ASBR (give it an asn of its own, or leave asn out to have one allocated)`},
		{"sdn and bgpvpn", "  dc1: {attach: asbr1, join: [sdn, bgpvpn]}\n",
			`t.yaml:8:30: cloud dc1 joins by sdn and bgpvpn: its computes are either vRouters of its own AS or PEs of the provider's (join by sdn or by bgpvpn, not both)`},
		{"gateway on a p", "  dc1: {attach: p1, join: sdn}\n",
			`t.yaml:8:17: cloud dc1 joins by sdn but attaches to p1, a p router: its gateway exchanges VPN routes with a PE (attach it to a pe, which then acts as its option B ASBR)`},
		{"control node's name taken", "  dc1: {attach: asbr1, join: sdn, computes: [dc1-cn1, dc1-ctl]}\n",
			`t.yaml:8:30: cloud dc1 joins by sdn, and its control node dc1-ctl would clash with its compute node dc1-ctl (rename dc1-ctl: an sdn cloud's control node is named after the cloud)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load("t.yaml", []byte(sdnCore+"clouds:\n"+c.clouds))
			var ds Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("error %v, want diagnostics", err)
			}
			var got []string
			for _, d := range ds.Errors() {
				got = append(got, d.String())
			}
			if len(got) != 1 || got[0] != c.want {
				t.Errorf("diagnostics:\n got: %q\nwant: %q", got, c.want)
			}
		})
	}
}

func itoa(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
