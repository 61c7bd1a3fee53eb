package neutron

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/bgp"
)

// FuzzBGPVPNRouteTarget checks the API's route target and distinguisher
// check against the BGP speaker's parsers: whatever the API stores, the
// data plane can read as a route target and as an RD, and an RD reads
// back as written.
func FuzzBGPVPNRouteTarget(f *testing.F) {
	for _, s := range []string{"64512:1", "65535:4294967295", "4294967295:65535", "0:0", "192.0.2.1:65535", "255.255.255.255:0",
		"65536:65536", "064512:1", "1.2.3:4", "1.2.3.4:65536", "-1:1", "64512:1\n", " 64512:1", "4200000000:100", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validRTRD(s) {
			return
		}
		if _, err := bgp.ParseRouteTarget(s); err != nil {
			t.Errorf("API accepts %q, route target parser refuses it: %v", s, err)
		}
		rd, err := bgp.ParseRD(s)
		if err != nil {
			t.Fatalf("API accepts %q, RD parser refuses it: %v", s, err)
		}
		if rd.String() != s {
			t.Errorf("RD %q reads back as %q", s, rd.String())
		}
	})
}

// FuzzBGPVPNBody feeds arbitrary bgpvpn and port association bodies to
// the attribute checks: they refuse or accept without panicking, and
// what they accept holds only valid, distinct route targets and routes
// of a known type.
func FuzzBGPVPNBody(f *testing.F) {
	for _, s := range []string{
		`{"route_targets": ["64512:1", "192.0.2.1:2"], "type": "l2", "local_pref": "12", "vni": 5}`,
		`{"route_targets": "64512:1", "import_targets": null, "export_targets": {"64512:3": 1}}`,
		`{"route_distinguishers": [["x"]], "vni": "1e3", "local_pref": true}`,
		`{"routes": [{"type": "prefix", "prefix": "10.0.0.0/8", "local_pref": 4294967295}, {"type": "bgpvpn", "bgpvpn_id": "9b1d3c52-3f8e-4c1e-9d57-1f2e3a4b5c6d"}]}`,
		`{"routes": [{"type": "prefix", "prefix": "::/0"}, {"type": "prefix", "prefix": "::/0"}]}`,
		`{"routes": {"type": "bgpvpn"}, "advertise_fixed_ips": "False"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := parseBody([]byte(s))
		if err != nil {
			return
		}
		m, ok := raw.(map[string]any)
		if !ok {
			return
		}
		b := &body{member: "bgpvpn", m: m}
		v := &BGPVPN{Type: BGPVPNTypeL3}
		if err := b.readBGPVPN(v); err == nil {
			for _, l := range [][]string{v.RouteTargets, v.ImportTargets, v.ExportTargets, v.RouteDistinguishers} {
				for i, rt := range l {
					if !validRTRD(rt) || slices.Contains(l[:i], rt) {
						t.Errorf("accepted %q in %q", rt, s)
					}
				}
			}
			if v.Type != BGPVPNTypeL3 && v.Type != BGPVPNTypeL2 {
				t.Errorf("accepted type %q", v.Type)
			}
			if v.VNI != nil && (*v.VNI < minVNI || *v.VNI > maxVNI) || v.LocalPref != nil && (*v.LocalPref < 0 || *v.LocalPref > maxLocalPref) {
				t.Errorf("accepted %s", s)
			}
		}
		a := &BGPVPNPortAssociation{}
		if err := b.readPortAssoc(a); err == nil {
			for _, r := range a.Routes {
				if (r.Type == RouteTypePrefix) == (r.Prefix == "") || (r.Type == RouteTypeBGPVPN) == (r.BGPVPNID == "") {
					t.Errorf("accepted route %+v from %s", r, s)
				}
			}
			if _, err := json.Marshal(routesView(a.Routes)); err != nil {
				t.Error(err)
			}
		}
	})
}
