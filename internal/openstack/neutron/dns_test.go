package neutron

import (
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/dns"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

type portWithDNS struct {
	ports.Port
	dns.PortDNSExt
}

type networkWithDNS struct {
	networks.Network
	dns.NetworkDNSExt
}

// With Neutron's default dns_domain, a port's dns_name is kept (lower
// case) but its addresses are named host-A-B-C-D.openstacklocal., as
// DevStack's Neutron shows them; a network keeps its dns_domain.
func TestAPortsDNSNameAndAssignmentWithTheDefaultDomain(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	var p portWithDNS
	err := ports.Create(testCtx(t), demo, dns.PortCreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: netID}, DNSName: "Web-1"}).ExtractInto(&p)
	if err != nil {
		t.Fatal(err)
	}
	ip := p.FixedIPs[0].IPAddress
	host := "host-" + strings.ReplaceAll(ip, ".", "-")
	if p.DNSName != "web-1" || len(p.DNSAssignment) != 1 {
		t.Fatalf("dns_name %q, dns_assignment %v", p.DNSName, p.DNSAssignment)
	}
	if a := p.DNSAssignment[0]; a["hostname"] != host || a["ip_address"] != ip || a["fqdn"] != host+".openstacklocal." {
		t.Errorf("dns_assignment %v, want %s at %s in openstacklocal.", a, host, ip)
	}
	// Cleared by an update, as Nova does when it unbinds a port.
	if err := ports.Update(testCtx(t), demo, p.ID, dns.PortUpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{}, DNSName: new(string)}).ExtractInto(&p); err != nil || p.DNSName != "" {
		t.Errorf("dns_name after clearing: %q, %v", p.DNSName, err)
	}

	var n networkWithDNS
	err = networks.Create(testCtx(t), demo, dns.NetworkCreateOptsExt{CreateOptsBuilder: networks.CreateOpts{Name: "named"}, DNSDomain: "Example.ORG."}).ExtractInto(&n)
	if err != nil || n.DNSDomain != "example.org." {
		t.Errorf("network dns_domain %q, %v", n.DNSDomain, err)
	}
	// A network created without one shows "".
	code, body := raw(t, lb, demo, "GET", "/v2.0/networks/"+netID, nil)
	if d, ok := body["network"].(map[string]any)["dns_domain"]; code != 200 || !ok || d != "" {
		t.Errorf("default dns_domain: %d %v", code, body)
	}
}

// With dns_domain set in neutron.conf, the port's dns_name is its
// hostname and its FQDN ends in the domain; an FQDN dns_name must be in
// the domain.
func TestAPortsDNSNameNamesItsAddressesInAConfiguredDomain(t *testing.T) {
	lb := startLab(t, func(c *Config) { c.DNSDomain = "lab.example" })
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	var p portWithDNS
	err := ports.Create(testCtx(t), demo, dns.PortCreateOptsExt{CreateOptsBuilder: ports.CreateOpts{NetworkID: netID}, DNSName: "vm1"}).ExtractInto(&p)
	if err != nil {
		t.Fatal(err)
	}
	if a := p.DNSAssignment[0]; a["hostname"] != "vm1" || a["fqdn"] != "vm1.lab.example." {
		t.Errorf("dns_assignment %v, want vm1 and vm1.lab.example.", a)
	}
	if err := ports.Update(testCtx(t), demo, p.ID, dns.PortUpdateOptsExt{UpdateOptsBuilder: ports.UpdateOpts{}, DNSName: ptrTo("vm2.lab.example.")}).ExtractInto(&p); err != nil {
		t.Fatal(err)
	}
	if a := p.DNSAssignment[0]; a["hostname"] != "vm2.lab.example." || a["fqdn"] != "vm2.lab.example." {
		t.Errorf("dns_assignment of an FQDN dns_name: %v", a)
	}
	code, body := raw(t, lb, demo, "PUT", "/v2.0/ports/"+p.ID, map[string]any{"port": map[string]any{"dns_name": "vm3.other.example."}})
	wantNeutronError(t, "an FQDN outside the domain", code, body, 400, "HTTPBadRequest",
		"Invalid input for dns_name. Reason: The dns_name passed is a FQDN. Its higher level labels must be equal to the dns_domain option in neutron.conf, that has been set to 'lab.example'. It must also include one or more valid DNS labels to the left of 'lab.example'.")
	// Without a dns_name, the hostname is still host-A-B-C-D.
	code, body = raw(t, lb, demo, "POST", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID}})
	a := body["port"].(map[string]any)["dns_assignment"].([]any)[0].(map[string]any)
	if code != 201 || !strings.HasPrefix(a["hostname"].(string), "host-") || a["fqdn"] != a["hostname"].(string)+".lab.example." {
		t.Errorf("unnamed port: %d %v", code, a)
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestBadDNSNamesAndDomainsGetNeutronsRefusals(t *testing.T) {
	lb := startLab(t)
	demo := lb.demo(t, "cloud1")
	netID := privateNet(t, lb)
	long := strings.Repeat("a", 64)
	for _, c := range []struct {
		what, path string
		body       map[string]any
		typ, msg   string
	}{
		{"an underscore", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_name": "web_1"}}, "HTTPBadRequest",
			"Invalid input for dns_name. Reason: 'web_1' not a valid PQDN or FQDN. Reason: Name 'web_1' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen."},
		{"a leading hyphen", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_name": "-web"}}, "HTTPBadRequest",
			"Invalid input for dns_name. Reason: '-web' not a valid PQDN or FQDN. Reason: Name '-web' must not start or end with a hyphen."},
		{"an empty label", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_name": "a..b"}}, "HTTPBadRequest",
			"Invalid input for dns_name. Reason: 'a..b' not a valid PQDN or FQDN. Reason: Encountered an empty component."},
		{"a 64-character label", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_name": long}}, "HTTPBadRequest",
			"Invalid input for dns_name. Reason: '" + long + "' not a valid PQDN or FQDN. Reason: Name '" + long + "' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen."},
		{"a numeric TLD", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_name": "web.123"}}, "HTTPBadRequest",
			"Invalid input for dns_name. Reason: 'web.123' not a valid PQDN or FQDN. Reason: TLD '123' must not be all numeric."},
		{"a number", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_name": 5}}, "InvalidInput",
			"Invalid input for operation: Input value 5 must be string type."},
		{"dns_assignment given", "/v2.0/ports", map[string]any{"port": map[string]any{"network_id": netID, "dns_assignment": []any{}}}, "HTTPBadRequest",
			"Attribute 'dns_assignment' not allowed in POST"},
		{"a relative domain", "/v2.0/networks", map[string]any{"network": map[string]any{"dns_domain": "example.org"}}, "HTTPBadRequest",
			"Invalid input for dns_domain. Reason: 'example.org' is not a FQDN."},
	} {
		code, body := raw(t, lb, demo, "POST", c.path, c.body)
		wantNeutronError(t, c.what, code, body, 400, c.typ, c.msg)
	}
}

func TestDNSIntegrationIsListed(t *testing.T) {
	lb := startLab(t)
	code, body := raw(t, lb, lb.demo(t, "cloud1"), "GET", "/v2.0/extensions/dns-integration", nil)
	if e, _ := body["extension"].(map[string]any); code != 200 || e["name"] != "DNS Integration" {
		t.Errorf("GET /v2.0/extensions/dns-integration: %d %v", code, body)
	}
}

type floatingIPWithDNS struct {
	floatingips.FloatingIP
	dns.FloatingIPDNSExt
}

// A floating IP takes a relative dns_name and a dns_domain on create,
// as Designate's integration publishes them; an FQDN name is refused.
func TestAFloatingIPKeepsItsDNSNameAndDomain(t *testing.T) {
	lb := startLab(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	pub, _ := createPublic(t, adm)
	var f floatingIPWithDNS
	err := floatingips.Create(testCtx(t), demo, dns.FloatingIPCreateOptsExt{CreateOptsBuilder: floatingips.CreateOpts{FloatingNetworkID: pub.ID},
		DNSName: "Www", DNSDomain: "example.org."}).ExtractInto(&f)
	if err != nil || f.DNSName != "www" || f.DNSDomain != "example.org." {
		t.Errorf("floating IP dns_name %q dns_domain %q, %v", f.DNSName, f.DNSDomain, err)
	}
	code, body := raw(t, lb, demo, "POST", "/v2.0/floatingips", map[string]any{"floatingip": map[string]any{"floating_network_id": pub.ID, "dns_name": "www.example.org."}})
	wantNeutronError(t, "an FQDN floating IP name", code, body, 400, "HTTPBadRequest",
		"Invalid input for dns_name. Reason: 'www.example.org.' is a FQDN. It should be a relative domain name.")
	code, body = raw(t, lb, demo, "PUT", "/v2.0/floatingips/"+f.ID, map[string]any{"floatingip": map[string]any{"dns_name": "other"}})
	wantNeutronError(t, "dns_name on update", code, body, 400, "HTTPBadRequest", "Cannot update read-only attribute dns_name")
}

// FuzzDNSName: whatever a client sends as dns_name or dns_domain, the
// validators answer without panicking, and what they accept is made of
// 1-63 character labels of letters, digits and inner hyphens.
func FuzzDNSName(f *testing.F) {
	for _, s := range []string{"web-1", "vm1.lab.example.", "a..b", "-x", "web.123", "", ".", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	svc := &Service{cfg: Config{DNSDomain: "lab.example."}}
	f.Fuzz(func(t *testing.T, s string) {
		b := &body{member: "port", m: map[string]any{"dns_name": s, "dns_domain": s}}
		p, n, fip := &Port{}, &Network{}, &FloatingIP{}
		errName := svc.setPortDNS(p, b)
		setNetworkDNS(n, b)
		setFloatingIPDNS(fip, b)
		if errName != nil || p.DNSName == "" {
			return
		}
		if len(strings.TrimSuffix(p.DNSName, ".")) > fqdnMax {
			t.Fatalf("accepted %d characters", len(p.DNSName))
		}
		for _, l := range strings.Split(strings.TrimSuffix(p.DNSName, "."), ".") {
			if !dnsLabel.MatchString(l) || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
				t.Fatalf("accepted label %q of %q", l, p.DNSName)
			}
		}
	})
}
