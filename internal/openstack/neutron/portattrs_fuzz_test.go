package neutron

import (
	"encoding/json"
	"net/netip"
	"testing"
)

// FuzzPortAttrs: any allowed_address_pairs and extra_dhcp_opts are
// taken or refused with a 4xx, never a panic; what is taken is at most
// ten pairs of valid addresses or CIDRs, and options of IP version 4 or 6.
func FuzzPortAttrs(f *testing.F) {
	for _, s := range []string{
		`{"allowed_address_pairs": [{"ip_address": "10.0.0.5"}], "extra_dhcp_opts": [{"opt_name": "a", "opt_value": "b"}]}`,
		`{"allowed_address_pairs": [{"ip_address": "10.0.0.0/24", "mac_address": "fa:16:3e:00:00:01"}]}`,
		`{"allowed_address_pairs": [{"ip_address": "10.0.0.5/24"}], "extra_dhcp_opts": [{"opt_name": "a", "opt_value": null, "ip_version": "6"}]}`,
		`{"allowed_address_pairs": "x", "extra_dhcp_opts": {}}`,
		`{"allowed_address_pairs": [1], "extra_dhcp_opts": [{"opt_name": "", "opt_value": "b", "ip_version": 5}]}`,
		`{"binding:profile": [], "binding:vnic_type": "direct", "binding:host_id": 5}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var m map[string]any
		if json.Unmarshal([]byte(raw), &m) != nil || m == nil {
			return
		}
		p := &Port{MACAddress: "fa:16:3e:00:00:02"}
		err := setPortAttrs(p, &body{member: "port", m: m})
		if err != nil {
			if ae, ok := err.(*apiError); !ok || ae.Status < 400 || ae.Status > 499 {
				t.Fatalf("%s: %v", raw, err)
			}
			return
		}
		if len(p.AddressPairs) > maxAddressPairs {
			t.Fatalf("%s: %d pairs", raw, len(p.AddressPairs))
		}
		for _, a := range p.AddressPairs {
			if _, err := netip.ParsePrefix(a.IPAddress); err != nil {
				if _, err := netip.ParseAddr(a.IPAddress); err != nil {
					t.Fatalf("%s: pair %q", raw, a.IPAddress)
				}
			}
		}
		for _, o := range p.DHCPOpts {
			if o.IPVersion != 4 && o.IPVersion != 6 || o.Name == "" {
				t.Fatalf("%s: option %+v", raw, o)
			}
		}
	})
}
