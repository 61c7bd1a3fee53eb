package neutron

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

func init() {
	for k, a := range portExtAttrs {
		portAttrs[k] = a
	}
	registerExtensions(
		extension{"allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs", "2013-07-23T10:00:00-00:00"},
		extension{"binding", "Port Binding", "Expose port bindings of a virtual port to external application", "2014-02-03T10:00:00-00:00"},
		extension{"extra_dhcp_opt", "Neutron Extra DHCP options", "Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)", "2013-03-17T12:00:00-00:00"},
	)
}

// PortAttrs are a port's attributes of the allowed-address-pairs,
// extra_dhcp_opt and binding extensions. Profile is binding:profile as
// JSON text (the view decodes it), so that a port stays a plain struct.
type PortAttrs struct {
	AddressPairs []AddressPair `json:"allowed_address_pairs"`
	DHCPOpts     []DHCPOpt     `json:"extra_dhcp_opts"`
	HostID       string        `json:"binding:host_id"`
	VNICType     string        `json:"binding:vnic_type"`
	Profile      string        `json:"binding_profile"`
	DNSName      string        `json:"dns_name"` // dns-integration (dns.go)
	Trusted      *bool         `json:"trusted"`  // port-trusted-vif (trusted.go)
}

// AddressPair is an address (or CIDR) and MAC the port may send from
// besides its own.
type AddressPair struct {
	IPAddress  string `json:"ip_address"`
	MACAddress string `json:"mac_address"`
}

// DHCPOpt is an extra DHCP option a port's DHCP server gives it.
type DHCPOpt struct {
	Name      string `json:"opt_name"`
	Value     string `json:"opt_value"`
	IPVersion int    `json:"ip_version"`
}

func (a PortAttrs) clone() PortAttrs {
	if a.Trusted != nil {
		t := *a.Trusted
		a.Trusted = &t
	}
	a.AddressPairs = slices.Clone(a.AddressPairs)
	a.DHCPOpts = slices.Clone(a.DHCPOpts)
	return a
}

var portExtAttrs = attrs{
	"allowed_address_pairs": {aPost | aPut, tOther},
	"extra_dhcp_opts":       {aPost | aPut, tOther},
	// Neutron's policy shows a port's binding but its vnic_type to
	// administrators only.
	"binding:host_id":     {aPost | aPut | aFilter | aAdmin, tStr},
	"binding:vnic_type":   {aPost | aPut | aFilter, tStr},
	"binding:profile":     {aPost | aPut | aAdmin, tOther},
	"binding:vif_type":    {aFilter | aAdmin, tStr},
	"binding:vif_details": {aAdmin, tOther},
}

// vnicTypes are neutron-lib's VNIC_TYPES, in its order.
var vnicTypes = []string{"normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder",
	"smart-nic", "vdpa", "remote-managed", "accelerator-direct", "accelerator-direct-physical"}

// boundVIFDetails are what ML2's Open vSwitch driver reports of a port
// bound on a host.
func boundVIFDetails() map[string]any {
	return map[string]any{"connectivity": "l2", "port_filter": true, "ovs_hybrid_plug": false,
		"datapath_type": "system", "bridge_name": "br-int"}
}

// portAttrsView completes a port's view with its extensions' attributes
// and their defaults (a port stored before them has none).
func portAttrsView(p *Port, v map[string]any) map[string]any {
	pairs := []any{}
	for _, a := range p.AddressPairs {
		pairs = append(pairs, map[string]any{"ip_address": a.IPAddress, "mac_address": a.MACAddress})
	}
	opts := []any{}
	for _, o := range p.DHCPOpts {
		opts = append(opts, map[string]any{"opt_name": o.Name, "opt_value": o.Value, "ip_version": float64(o.IPVersion)})
	}
	v["allowed_address_pairs"], v["extra_dhcp_opts"] = pairs, opts
	if p.VNICType == "" {
		v["binding:vnic_type"] = "normal"
	}
	profile := map[string]any{}
	if p.Profile != "" {
		json.Unmarshal([]byte(p.Profile), &profile)
	}
	delete(v, "binding_profile")
	trustedView(p, v, profile)
	v["binding:profile"] = profile
	v["binding:vif_type"], v["binding:vif_details"] = "unbound", map[string]any{}
	if p.HostID != "" {
		v["binding:vif_type"], v["binding:vif_details"] = "ovs", boundVIFDetails()
	}
	return v
}

// setPortAttrs applies a create or update body's extension attributes
// to p, after its port security is settled.
func setPortAttrs(p *Port, b *body) error {
	if b.has("allowed_address_pairs") {
		pairs, err := parseAddressPairs(p, b)
		if err != nil {
			return err
		}
		p.AddressPairs = pairs
	}
	if len(p.AddressPairs) > 0 && !securityOn(p.PortSecurity) {
		return conflict("AddressPairAndPortSecurityRequired", "Port Security must be enabled in order to have allowed address pairs on a port.")
	}
	if err := setTrusted(p, b); err != nil {
		return err
	}
	if b.has("extra_dhcp_opts") {
		opts, err := mergeDHCPOpts(p.DHCPOpts, b)
		if err != nil {
			return err
		}
		p.DHCPOpts = opts
	}
	if b.has("binding:host_id") {
		h, err := b.str("binding:host_id", 255)
		if err != nil {
			return err
		}
		p.HostID = h
	}
	if b.has("binding:vnic_type") {
		v, _ := b.m["binding:vnic_type"].(string)
		if !slices.Contains(vnicTypes, v) {
			return b.invalid("binding:vnic_type", "'%s' is not in %s", pyStr(b.m["binding:vnic_type"]), pyRepr(anyList(vnicTypes)))
		}
		p.VNICType = v
	}
	if b.has("binding:profile") {
		switch m := b.m["binding:profile"].(type) {
		case nil:
			p.Profile = ""
		case map[string]any:
			raw, _ := json.Marshal(m)
			p.Profile = string(raw)
			if len(m) == 0 {
				p.Profile = ""
			}
		default:
			return b.invalid("binding:profile", "'%s' is not a dictionary", pyStr(m))
		}
	}
	return nil
}

func anyList(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}

// parseAddressPairs validates allowed_address_pairs as neutron-lib's
// validator does: at most maxAddressPairs, each an ip_address (an
// address or a CIDR) and an optional MAC (the port's when absent), no
// pair twice.
func parseAddressPairs(p *Port, b *body) ([]AddressPair, error) {
	v := b.m["allowed_address_pairs"]
	if v == nil {
		return []AddressPair{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, httpBadRequest("Allowed address pairs must be a list.")
	}
	if len(list) > maxAddressPairs {
		return nil, newErr(http.StatusBadRequest, "AllowedAddressPairExhausted", "The number of allowed address pair exceeds the maximum %d.", maxAddressPairs)
	}
	out := []AddressPair{}
	seen := map[[2]string]bool{}
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, b.invalid("allowed_address_pairs", "'%s' is not a dictionary", pyStr(e))
		}
		mac := p.MACAddress
		if raw, given := m["mac_address"]; given {
			s, _ := raw.(string)
			hw, err := net.ParseMAC(s)
			if err != nil || len(hw) != 6 {
				return nil, httpBadRequest("'%s' is not a valid MAC address", pyStr(raw))
			}
			mac = hw.String()
		}
		raw, given := m["ip_address"]
		if !given {
			return nil, newErr(http.StatusBadRequest, "AllowedAddressPairsMissingIP", "AllowedAddressPair must contain ip_address")
		}
		key := [2]string{pyStr(m["mac_address"]), pyStr(raw)}
		if seen[key] {
			return nil, newErr(http.StatusBadRequest, "DuplicateAddressPairInRequest", "Request contains duplicate address pair: mac_address %s ip_address %s.", key[0], key[1])
		}
		seen[key] = true
		var extra []string
		for k := range m {
			if k != "ip_address" && k != "mac_address" {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			slices.Sort(extra)
			return nil, httpBadRequest("Unrecognized attribute(s) '%s'", strings.Join(extra, ", "))
		}
		ip, err := pairAddress(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, AddressPair{IPAddress: ip, MACAddress: mac})
	}
	return out, nil
}

// pairAddress is a pair's ip_address: an address, or a CIDR naming its
// network (neutron-lib's validate_subnet recommends the masked form).
func pairAddress(raw any) (string, error) {
	s, _ := raw.(string)
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			return "", httpBadRequest("'%s' is not a valid IP subnet", pyStr(raw))
		}
		if pfx.Masked() != pfx {
			return "", httpBadRequest("'%s' isn't a recognized IP subnet cidr, '%s' is recommended", s, pfx.Masked())
		}
		return pfx.String(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "", httpBadRequest("'%s' is not a valid IP address", pyStr(raw))
	}
	return a.String(), nil
}

// mergeDHCPOpts applies a body's extra_dhcp_opts to opts as Neutron
// does: an option (by name and IP version) is replaced, or added, or
// removed by a null opt_value.
func mergeDHCPOpts(opts []DHCPOpt, b *body) ([]DHCPOpt, error) {
	v := b.m["extra_dhcp_opts"]
	if v == nil {
		return []DHCPOpt{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, b.invalid("extra_dhcp_opts", "'%s' is not a list", pyStr(v))
	}
	out := slices.Clone(opts)
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, b.invalid("extra_dhcp_opts", "'%s' is not a dictionary", pyStr(e))
		}
		for k := range m {
			if k != "opt_name" && k != "opt_value" && k != "ip_version" {
				return nil, b.invalid("extra_dhcp_opts", "Unexpected keys supplied: %s", k)
			}
		}
		name, _ := m["opt_name"].(string)
		if strings.TrimSpace(name) == "" || len(name) > 64 {
			return nil, b.invalid("extra_dhcp_opts", "'%s' is not a valid opt_name", pyStr(m["opt_name"]))
		}
		val, given := m["opt_value"]
		if !given {
			return nil, b.invalid("extra_dhcp_opts", "Validation of dictionary's keys failed. Expected keys: {'opt_name', 'opt_value'} Provided keys: %s", pyRepr(dictKeys(m)))
		}
		vs, isStr := val.(string)
		if val != nil && (!isStr || strings.TrimSpace(vs) == "" || len(vs) > 255) {
			return nil, b.invalid("extra_dhcp_opts", "'%s' is not a valid opt_value", pyStr(val))
		}
		ver := 4
		if raw, ok := m["ip_version"]; ok {
			switch fmt.Sprint(raw) {
			case "4":
			case "6":
				ver = 6
			default:
				return nil, b.invalid("extra_dhcp_opts", "%s is not in [4, 6]", pyStr(raw))
			}
		}
		i := slices.IndexFunc(out, func(o DHCPOpt) bool { return o.Name == name && o.IPVersion == ver })
		switch {
		case val == nil && i >= 0:
			out = slices.Delete(out, i, i+1)
		case val == nil:
		case i >= 0:
			out[i].Value = vs
		default:
			out = append(out, DHCPOpt{Name: name, Value: vs, IPVersion: ver})
		}
	}
	return out, nil
}

func dictKeys(m map[string]any) []any {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return anyList(ks)
}
