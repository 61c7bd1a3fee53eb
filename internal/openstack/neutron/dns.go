package neutron

import (
	"fmt"
	"regexp"
	"strings"
)

func init() {
	portAttrs["dns_name"] = attrSpec{aPost | aPut | aFilter, tStr}
	portAttrs["dns_assignment"] = attrSpec{0, tOther}
	networkAttrs["dns_domain"] = attrSpec{aPost | aPut | aFilter, tStr}
	floatingIPAttrs["dns_name"] = attrSpec{aPost | aFilter, tStr}
	floatingIPAttrs["dns_domain"] = attrSpec{aPost | aFilter, tStr}
	registerExtensions(extension{"dns-integration", "DNS Integration", "Provides integration with DNS.", "2015-08-15T18:00:00-00:00"})
}

// defaultDNSDomain is neutron.conf's dns_domain unless set: with it,
// Neutron names a port's addresses host-A-B-C-D whatever its dns_name.
const defaultDNSDomain = "openstacklocal."

// fqdnMax is neutron-lib's FQDN_FIELD_SIZE.
const fqdnMax = 255

var (
	dnsLabel   = regexp.MustCompile(`^[a-z0-9-]{1,63}$`)
	allDigits  = regexp.MustCompile(`^[0-9]+$`)
	errNotText = "Input value %s must be string type"
)

// dnsDomain is the configured dns_domain, ending in a dot when set.
func (s *Service) dnsDomain() string {
	d := s.cfg.DNSDomain
	if d != "" && !strings.HasSuffix(d, ".") {
		d += "."
	}
	return d
}

// lowerText is neutron-lib's convert_string_to_case_insensitive: the
// DNS attributes are stored lower case, and must be strings.
func lowerText(b *body, k string) (string, error) {
	s, ok := b.m[k].(string)
	if !ok {
		return "", invalidInput(errNotText, pyStr(b.m[k]))
	}
	return strings.ToLower(s), nil
}

// dnsFormat is neutron-lib's _validate_dns_format: "" when name is a
// valid PQDN or FQDN (a trailing dot), else why not.
func dnsFormat(name string, maxLen int) string {
	if name == "" {
		return ""
	}
	reason := func() string {
		trimmed := strings.TrimSuffix(name, ".")
		if len(trimmed) > maxLen {
			return fmt.Sprintf("'%s' exceeds the %d character FQDN limit", trimmed, maxLen)
		}
		labels := strings.Split(trimmed, ".")
		for _, l := range labels {
			switch {
			case l == "":
				return "Encountered an empty component"
			case strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-"):
				return fmt.Sprintf("Name '%s' must not start or end with a hyphen", l)
			case !dnsLabel.MatchString(l):
				return fmt.Sprintf("Name '%s' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen", l)
			}
		}
		// RFC 1123: a top-level domain is not all digits.
		if len(labels) > 1 && allDigits.MatchString(labels[len(labels)-1]) {
			return fmt.Sprintf("TLD '%s' must not be all numeric", labels[len(labels)-1])
		}
		return ""
	}()
	if reason == "" {
		return ""
	}
	return fmt.Sprintf("'%s' not a valid PQDN or FQDN. Reason: %s", name, reason)
}

// checkDNSName validates a port's dns_name as neutron-lib's
// validate_dns_name: its format, and with a dns_domain other than the
// default, a PQDN that fits with the domain or an FQDN inside it.
func (s *Service) checkDNSName(b *body, name string) error {
	if msg := dnsFormat(name, fqdnMax); msg != "" {
		return b.invalid("dns_name", "%s", msg)
	}
	domain := s.dnsDomain()
	if name == "" || domain == "" || domain == defaultDNSDomain {
		return nil
	}
	higher := "." + domain
	if !strings.HasSuffix(name, ".") {
		if len(name)+len(higher) > fqdnMax {
			return b.invalid("dns_name", "The dns_name passed is a PQDN and its size is '%d'. The dns_domain option in neutron.conf is set to %s, with a length of '%d'. When the two are concatenated to form a FQDN (with a '.' at the end), the resulting length exceeds the maximum size of '%d'",
				len(name), s.cfg.DNSDomain, len(higher), fqdnMax)
		}
		return nil
	}
	if len(name) <= len(higher) || !strings.HasSuffix(name, higher) {
		return b.invalid("dns_name", "The dns_name passed is a FQDN. Its higher level labels must be equal to the dns_domain option in neutron.conf, that has been set to '%s'. It must also include one or more valid DNS labels to the left of '%s'",
			s.cfg.DNSDomain, s.cfg.DNSDomain)
	}
	return nil
}

// checkDNSDomain validates a dns_domain as neutron-lib's
// validate_dns_domain: an FQDN with room for a label before it.
func checkDNSDomain(b *body, k, d string) error {
	if d == "" {
		return nil
	}
	if !strings.HasSuffix(d, ".") {
		return b.invalid(k, "'%s' is not a FQDN", d)
	}
	if msg := dnsFormat(d, fqdnMax); msg != "" {
		return b.invalid(k, "%s", msg)
	}
	if len(d) > fqdnMax-2 {
		return b.invalid(k, "'%s' contains %d characters. Adding a sub-domain will cause it to exceed the maximum length of a FQDN of '%d'", d, len(d), fqdnMax)
	}
	return nil
}

// setPortDNS applies a body's dns_name to p.
func (s *Service) setPortDNS(p *Port, b *body) error {
	if !b.has("dns_name") {
		return nil
	}
	name, err := lowerText(b, "dns_name")
	if err != nil {
		return err
	}
	if err := s.checkDNSName(b, name); err != nil {
		return err
	}
	p.DNSName = name
	return nil
}

// setNetworkDNS applies a body's dns_domain to n.
func setNetworkDNS(n *Network, b *body) error {
	if !b.has("dns_domain") {
		return nil
	}
	d, err := lowerText(b, "dns_domain")
	if err != nil {
		return err
	}
	if err := checkDNSDomain(b, "dns_domain", d); err != nil {
		return err
	}
	n.DNSDomain = d
	return nil
}

// setFloatingIPDNS applies a create body's dns_name (a relative name,
// neutron-lib's validate_fip_dns_name) and dns_domain to f.
func setFloatingIPDNS(f *FloatingIP, b *body) error {
	if b.has("dns_name") {
		name, err := lowerText(b, "dns_name")
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(name, "."):
			return b.invalid("dns_name", "'%s' is a FQDN. It should be a relative domain name", name)
		case dnsFormat(name, fqdnMax) != "":
			return b.invalid("dns_name", "%s", dnsFormat(name, fqdnMax))
		case len(name) > fqdnMax-3:
			return b.invalid("dns_name", "'%s' contains %d characters. Adding a domain name will cause it to exceed the maximum length of a FQDN of '%d'", name, len(name), fqdnMax)
		}
		f.DNSName = name
	}
	if b.has("dns_domain") {
		d, err := lowerText(b, "dns_domain")
		if err != nil {
			return err
		}
		if err := checkDNSDomain(b, "dns_domain", d); err != nil {
			return err
		}
		f.DNSDomain = d
	}
	return nil
}

// portDNSView adds dns_assignment to a port's view: per fixed IP, its
// hostname and FQDN as Neutron's DHCP agent serves them. The port's
// dns_name names them only when dns_domain is configured to other than
// the default; otherwise, or without a dns_name, the hostname is
// host-A-B-C-D.
func (s *Service) portDNSView(p *Port, v map[string]any) map[string]any {
	domain := s.dnsDomain()
	name := ""
	if domain != "" && domain != defaultDNSDomain {
		name = p.DNSName
	}
	out := []any{}
	for _, f := range p.FixedIPs {
		host, fqdn := name, name
		switch {
		case name == "":
			host = "host-" + strings.NewReplacer(".", "-", ":", "-").Replace(f.IPAddress)
			fqdn = host
			if domain != "" {
				fqdn = host + "." + domain
			}
		case !strings.HasSuffix(name, "."):
			fqdn = name + "." + domain
		}
		out = append(out, map[string]any{"ip_address": f.IPAddress, "hostname": host, "fqdn": fqdn})
	}
	v["dns_name"] = p.DNSName
	v["dns_assignment"] = out
	return v
}
