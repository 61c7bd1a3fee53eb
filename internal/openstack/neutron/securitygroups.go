package neutron

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// Security groups (Neutron's "security-group" extension): a project's
// groups of rules that filter its ports' traffic. Each project has a
// group named "default", made on its first use (its first list of
// groups, first group or first port), with Neutron's default rules.

const (
	kindSecurityGroup     = "security_group"
	kindSecurityGroupRule = "security_group_rule"
)

// SecurityGroup is a security group; its rules are resources of their
// own (SecurityGroupRule), shown inside it.
type SecurityGroup struct {
	Common
}

// SecurityGroupRule is one rule of a group. Protocol is as Neutron
// stores it: a lower-case name or a number in decimal; nil is any.
type SecurityGroupRule struct {
	Common
	SecurityGroupID      string  `json:"security_group_id"`
	Direction            string  `json:"direction"`
	Ethertype            string  `json:"ethertype"`
	Protocol             *string `json:"protocol"`
	PortRangeMin         *int    `json:"port_range_min"`
	PortRangeMax         *int    `json:"port_range_max"`
	RemoteIPPrefix       *string `json:"remote_ip_prefix"`
	RemoteGroupID        *string `json:"remote_group_id"`
	RemoteAddressGroupID *string `json:"remote_address_group_id"`
}

func (s *state) securityGroup(id string) *SecurityGroup { return get[*SecurityGroup](s, id) }
func (s *state) securityGroups() []*SecurityGroup {
	return all[*SecurityGroup](s, kindSecurityGroup)
}
func (s *state) securityGroupRules() []*SecurityGroupRule {
	return all[*SecurityGroupRule](s, kindSecurityGroupRule)
}

func securityGroupNotFound(id string) *apiError {
	return notFound("SecurityGroupNotFound", "Security group %s does not exist", id)
}
func securityGroupRuleNotFound(id string) *apiError {
	return notFound("SecurityGroupRuleNotFound", "Security group rule %s does not exist", id)
}

const defaultGroupName = "default"

var securityGroupAttrs = withStandard(attrs{
	"name":                 {aPost | aPut | aFilter | aSort, tStr},
	"security_group_rules": {0, tOther},
})

func (s *Service) securityGroupCollection() *collection {
	return &collection{
		name: "security-groups", member: "security_group", kind: kindSecurityGroup, attrs: securityGroupAttrs, bulk: true,
		notFound: securityGroupNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			return c.owns(r.base().ProjectID)
		},
		view: func(st *state, r resource) map[string]any {
			v := toMap(r)
			rules := []any{}
			for _, ru := range st.rulesOf(r.base().ID) {
				rules = append(rules, ruleView(st, ru))
			}
			v["security_group_rules"] = rules
			return v
		},
		beforeList: s.ensureDefaultGroup,
		create:     s.createSecurityGroup,
		update: func(st *state, c *caller, r resource, b *body) error {
			g := r.(*SecurityGroup)
			if g.Name == defaultGroupName && b.has("name") && b.m["name"] != defaultGroupName {
				return conflict("SecurityGroupCannotUpdateDefault", "Updating default security group not allowed.")
			}
			if b.m["name"] == defaultGroupName && g.Name != defaultGroupName {
				return conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
			}
			return b.common(c, &g.Common, false, 255)
		},
		delete: func(st *state, c *caller, r resource) error {
			g := r.(*SecurityGroup)
			if g.Name == defaultGroupName && !c.admin {
				return conflict("SecurityGroupCannotRemoveDefault", "Insufficient rights for removing default security group.")
			}
			for _, p := range st.ports() {
				if containsStr(p.SecurityGroups, g.ID) {
					return conflict("SecurityGroupInUse", "Security Group %s in use.", g.ID)
				}
			}
			// Its rules go, and so do other groups' rules naming it as their
			// remote group (the database's cascade).
			for _, ru := range st.securityGroupRules() {
				if ru.SecurityGroupID == g.ID || (ru.RemoteGroupID != nil && *ru.RemoteGroupID == g.ID) {
					st.remove(ru.ID)
				}
			}
			return nil
		},
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rulesOf is a group's rules in creation order.
func (s *state) rulesOf(groupID string) []*SecurityGroupRule {
	var out []*SecurityGroupRule
	for _, ru := range s.securityGroupRules() {
		if ru.SecurityGroupID == groupID {
			out = append(out, ru)
		}
	}
	return out
}

// defaultGroupOf is project's default group, nil before its first use.
func (s *state) defaultGroupOf(project string) *SecurityGroup {
	for _, g := range s.securityGroups() {
		if g.ProjectID == project && g.Name == defaultGroupName {
			return g
		}
	}
	return nil
}

// ensureDefaultGroup makes the caller's project's default group before
// its first list, writing only when it is missing.
func (s *Service) ensureDefaultGroup(ctx context.Context, c *caller) error {
	if c.project == "" {
		return nil
	}
	st, err := s.read(ctx)
	if err != nil {
		return err
	}
	if st.defaultGroupOf(c.project) != nil {
		return nil
	}
	return s.update(ctx, func(st *state) error {
		s.defaultGroup(st, c.project)
		return nil
	})
}

// defaultGroup is project's default group, made with its rules when
// missing: all egress, and ingress from the group's own members.
func (s *Service) defaultGroup(st *state, project string) *SecurityGroup {
	if g := st.defaultGroupOf(project); g != nil {
		return g
	}
	g := &SecurityGroup{}
	s.stamp(&g.Common)
	g.ProjectID, g.Name, g.Description = project, defaultGroupName, "Default security group"
	st.add(kindSecurityGroup, g)
	for _, et := range []string{"IPv4", "IPv6"} {
		id := g.ID
		s.addRule(st, &SecurityGroupRule{SecurityGroupID: g.ID, Direction: "ingress", Ethertype: et, RemoteGroupID: &id}, project)
		s.addRule(st, &SecurityGroupRule{SecurityGroupID: g.ID, Direction: "egress", Ethertype: et}, project)
	}
	return g
}

func (s *Service) addRule(st *state, ru *SecurityGroupRule, project string) {
	s.stamp(&ru.Common)
	ru.ProjectID = project
	st.add(kindSecurityGroupRule, ru)
}

func (s *Service) createSecurityGroup(st *state, c *caller, b *body) (resource, error) {
	g := &SecurityGroup{}
	if err := b.common(c, &g.Common, true, 255); err != nil {
		return nil, err
	}
	if g.Name == defaultGroupName {
		// A project's own "default" is the one Neutron makes.
		s.defaultGroup(st, g.ProjectID)
		return nil, conflict("SecurityGroupDefaultAlreadyExists", "Default security group already exists.")
	}
	s.defaultGroup(st, g.ProjectID)
	if err := s.checkQuota(st, kindSecurityGroup, g.ProjectID); err != nil {
		return nil, err
	}
	name, desc, project := g.Name, g.Description, g.ProjectID
	s.stamp(&g.Common)
	g.Name, g.Description, g.ProjectID = name, desc, project
	st.add(kindSecurityGroup, g)
	for _, et := range []string{"IPv4", "IPv6"} {
		s.addRule(st, &SecurityGroupRule{SecurityGroupID: g.ID, Direction: "egress", Ethertype: et}, project)
	}
	return g, nil
}

var securityGroupRuleAttrs = withStandard(attrs{
	"security_group_id":       {aPost | aReq | aFilter | aSort, tStr},
	"direction":               {aPost | aReq | aFilter | aSort, tStr},
	"ethertype":               {aPost | aFilter | aSort, tStr},
	"protocol":                {aPost | aFilter | aSort, tStr},
	"port_range_min":          {aPost | aFilter | aSort, tInt},
	"port_range_max":          {aPost | aFilter | aSort, tInt},
	"remote_ip_prefix":        {aPost | aFilter | aSort, tStr},
	"remote_group_id":         {aPost | aFilter | aSort, tStr},
	"remote_address_group_id": {aPost | aFilter | aSort, tStr},
	"normalized_cidr":         {0, tStr},
	"belongs_to_default_sg":   {aFilter, tBool},
})

func (s *Service) securityGroupRuleCollection() *collection {
	return &collection{
		name: "security-group-rules", member: "security_group_rule", kind: kindSecurityGroupRule,
		attrs: securityGroupRuleAttrs, bulk: true,
		notFound: securityGroupRuleNotFound,
		visible: func(st *state, c *caller, r resource) bool {
			ru := r.(*SecurityGroupRule)
			if c.owns(ru.ProjectID) {
				return true
			}
			g := st.securityGroup(ru.SecurityGroupID)
			return g != nil && c.owns(g.ProjectID)
		},
		view:   func(st *state, r resource) map[string]any { return ruleView(st, r.(*SecurityGroupRule)) },
		create: s.createRule,
		update: func(st *state, c *caller, r resource, b *body) error {
			return b.common(c, r.base(), false, 255)
		},
		delete: func(st *state, c *caller, r resource) error { return nil },
	}
}

// ruleView is a rule as Neutron shows it: no name or tags, with the
// masked prefix and whether its group is a default one.
func ruleView(st *state, ru *SecurityGroupRule) map[string]any {
	v := toMap(ru)
	delete(v, "name")
	delete(v, "tags")
	v["tenant_id"] = ru.ProjectID
	var norm any
	if ru.RemoteIPPrefix != nil {
		if p, err := netip.ParsePrefix(*ru.RemoteIPPrefix); err == nil {
			norm = p.Masked().String()
		}
	}
	v["normalized_cidr"] = norm
	g := st.securityGroup(ru.SecurityGroupID)
	v["belongs_to_default_sg"] = g != nil && g.Name == defaultGroupName
	return v
}

// protocolNames are neutron-lib's IP_PROTOCOL_MAP: the names a rule's
// protocol may be given by, with their numbers, in Neutron's order.
var protocolNames = []struct {
	name string
	num  int
}{
	{"ah", 51}, {"dccp", 33}, {"egp", 8}, {"esp", 50}, {"gre", 47}, {"hopopt", 0}, {"icmp", 1},
	{"igmp", 2}, {"ipip", 4}, {"ipv6-encap", 41}, {"ipv6-frag", 44}, {"ipv6-icmp", 58},
	{"icmpv6", 58}, {"ipv6-nonxt", 59}, {"ipv6-opts", 60}, {"ipv6-route", 43}, {"ospf", 89},
	{"pgm", 113}, {"rsvp", 46}, {"sctp", 132}, {"tcp", 6}, {"udp", 17}, {"udplite", 136}, {"vrrp", 112},
}

// ProtocolNumber is the IP protocol number of a rule's protocol (-1 for
// any, or one it cannot name).
func ProtocolNumber(p *string) int {
	if p == nil {
		return -1
	}
	for _, n := range protocolNames {
		if n.name == *p {
			return n.num
		}
	}
	if n, err := strconv.Atoi(*p); err == nil {
		return n
	}
	return -1
}

func invalidProtocol(v any) *apiError {
	names := []string{"None"}
	for _, n := range protocolNames {
		names = append(names, "'"+n.name+"'")
	}
	return newErr(http.StatusBadRequest, "SecurityGroupRuleInvalidProtocol",
		"Security group rule protocol %s not supported. Only protocol values [%s] and integer representations [0 to 255] are supported.",
		pyStr(v), strings.Join(names, ", "))
}

// ruleProtocol converts as Neutron's convert_protocol.
func ruleProtocol(v any) (*string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		l := strings.ToLower(x)
		if l == "any" {
			return nil, nil
		}
		for _, n := range protocolNames {
			if n.name == l {
				return &l, nil
			}
		}
		if n, err := strconv.Atoi(x); err == nil && n >= 0 && n <= 255 {
			s := strconv.Itoa(n)
			return &s, nil
		}
	default:
		if n, ok := toInt(v); ok && n >= 0 && n <= 255 {
			s := strconv.Itoa(n)
			return &s, nil
		}
	}
	return nil, invalidProtocol(v)
}

// rulePort converts as Neutron's convert_validate_port_value.
func rulePort(b *body, k string) (*int, error) {
	v, ok := b.m[k]
	if !ok || v == nil {
		return nil, nil
	}
	n, ok := toInt(v)
	if s, isStr := v.(string); isStr {
		var err error
		n, err = strconv.Atoi(s)
		ok = err == nil
	}
	if !ok || n < 0 || n > 65535 {
		return nil, newErr(http.StatusBadRequest, "SecurityGroupInvalidPortValue", "Invalid value for port %s.", pyStr(v))
	}
	return &n, nil
}

func (s *Service) createRule(st *state, c *caller, b *body) (resource, error) {
	ru := &SecurityGroupRule{Ethertype: "IPv4"}
	if err := b.common(c, &ru.Common, true, 0); err != nil {
		return nil, err
	}
	gid, err := b.uuid("security_group_id")
	if err != nil {
		return nil, err
	}
	ru.SecurityGroupID = gid
	dir, _ := b.m["direction"].(string)
	if dir != "ingress" && dir != "egress" {
		return nil, b.invalid("direction", "'%s' is not in ['ingress', 'egress']", pyStr(b.m["direction"]))
	}
	ru.Direction = dir
	if b.has("ethertype") {
		et, _ := b.m["ethertype"].(string)
		switch strings.ToLower(et) {
		case "ipv4":
			ru.Ethertype = "IPv4"
		case "ipv6":
			ru.Ethertype = "IPv6"
		default:
			return nil, b.invalid("ethertype", "'%s' is not in ['IPv4', 'IPv6']", pyStr(b.m["ethertype"]))
		}
	}
	if ru.Protocol, err = ruleProtocol(b.m["protocol"]); err != nil {
		return nil, err
	}
	if ru.PortRangeMin, err = rulePort(b, "port_range_min"); err != nil {
		return nil, err
	}
	if ru.PortRangeMax, err = rulePort(b, "port_range_max"); err != nil {
		return nil, err
	}
	if err := s.ruleRemotes(st, c, ru, b); err != nil {
		return nil, err
	}
	if err := validateRule(ru); err != nil {
		return nil, err
	}
	g := st.securityGroup(gid)
	if g == nil || !c.owns(g.ProjectID) {
		return nil, securityGroupNotFound(gid)
	}
	if err := s.checkQuota(st, kindSecurityGroupRule, ru.ProjectID); err != nil {
		return nil, err
	}
	for _, o := range st.rulesOf(gid) {
		if sameRule(o, ru) {
			return nil, conflict("SecurityGroupRuleExists", "Security group rule already exists. Rule id is %s.", o.ID)
		}
	}
	s.addRule(st, ru, ru.ProjectID)
	return ru, nil
}

// ruleRemotes reads remote_ip_prefix, remote_group_id and
// remote_address_group_id, of which a rule has at most one.
func (s *Service) ruleRemotes(st *state, c *caller, ru *SecurityGroupRule, b *body) error {
	given := 0
	for _, k := range []string{"remote_ip_prefix", "remote_group_id", "remote_address_group_id"} {
		if b.m[k] != nil {
			given++
		}
	}
	if given > 1 {
		return newErr(http.StatusBadRequest, "SecurityGroupMultipleRemoteEntites",
			"Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.")
	}
	if v := b.m["remote_ip_prefix"]; v != nil {
		str, _ := v.(string)
		p, err := parseCIDROrAddr(str)
		if err != nil {
			return b.invalid("remote_ip_prefix", "'%s' is not a valid IP subnet", pyStr(v))
		}
		if (p.Addr().Is4()) != (ru.Ethertype == "IPv4") {
			return newErr(http.StatusBadRequest, "SecurityGroupRuleParameterConflict",
				"Conflicting value ethertype %s for CIDR %s", ru.Ethertype, p)
		}
		ps := p.String()
		ru.RemoteIPPrefix = &ps
	}
	if b.m["remote_group_id"] != nil {
		id, err := b.uuid("remote_group_id")
		if err != nil {
			return err
		}
		if g := st.securityGroup(id); g == nil || !c.owns(g.ProjectID) {
			return securityGroupNotFound(id)
		}
		ru.RemoteGroupID = &id
	}
	if b.m["remote_address_group_id"] != nil {
		id, err := b.uuid("remote_address_group_id")
		if err != nil {
			return err
		}
		if a := st.addressGroup(id); a == nil || !c.owns(a.ProjectID) {
			return addressGroupNotFound(id)
		}
		ru.RemoteAddressGroupID = &id
	}
	return nil
}

// parseCIDROrAddr is a prefix, an address standing for its host prefix.
func parseCIDROrAddr(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.ParsePrefix(s)
}

// validateRule is Neutron's check of a rule's protocol and ports.
func validateRule(ru *SecurityGroupRule) error {
	proto := ProtocolNumber(ru.Protocol)
	if proto == 58 && ru.Ethertype == "IPv4" || ru.Protocol != nil && strings.HasPrefix(*ru.Protocol, "ipv6-") && ru.Ethertype == "IPv4" {
		return newErr(http.StatusBadRequest, "SecurityGroupEthertypeConflictWithProtocol",
			"Invalid ethertype %s for protocol %s.", ru.Ethertype, *ru.Protocol)
	}
	lo, hi := ru.PortRangeMin, ru.PortRangeMax
	if lo == nil && hi == nil {
		return nil
	}
	if ru.Protocol == nil {
		return newErr(http.StatusBadRequest, "SecurityGroupProtocolRequiredWithPorts", "Must also specify protocol if port range is given.")
	}
	switch proto {
	case 6, 17, 33, 132, 136: // ports
		if lo != nil && *lo == 0 || hi != nil && *hi == 0 {
			return newErr(http.StatusBadRequest, "SecurityGroupInvalidPortValue", "Invalid value for port 0.")
		}
		if lo == nil || hi == nil || *lo > *hi {
			return newErr(http.StatusBadRequest, "SecurityGroupInvalidPortRange", "For TCP/UDP protocols, port_range_min must be <= port_range_max")
		}
	case 1, 58: // ICMP type (min) and code (max)
		for _, f := range []struct {
			attr, field string
			v           *int
		}{{"port_range_min", "type", lo}, {"port_range_max", "code", hi}} {
			if f.v != nil && *f.v > 255 {
				return newErr(http.StatusBadRequest, "SecurityGroupInvalidIcmpValue",
					"Invalid value for ICMP %s (%s) %d. It must be 0 to 255.", f.field, f.attr, *f.v)
			}
		}
		if lo == nil && hi != nil {
			return newErr(http.StatusBadRequest, "SecurityGroupMissingIcmpType",
				"ICMP code (port-range-max) %d is provided but ICMP type (port-range-min) is missing.", *hi)
		}
	}
	return nil
}

// sameRule reports whether two rules match the same traffic, as
// Neutron's duplicate check does: a prefix of all addresses is the same
// as none.
func sameRule(a, b *SecurityGroupRule) bool {
	prefix := func(p *string) string {
		if p == nil || *p == "0.0.0.0/0" || *p == "::/0" {
			return ""
		}
		if q, err := netip.ParsePrefix(*p); err == nil {
			return q.Masked().String()
		}
		return *p
	}
	return a.Direction == b.Direction && a.Ethertype == b.Ethertype &&
		ProtocolNumber(a.Protocol) == ProtocolNumber(b.Protocol) &&
		eqPtr(a.PortRangeMin, b.PortRangeMin) && eqPtr(a.PortRangeMax, b.PortRangeMax) &&
		prefix(a.RemoteIPPrefix) == prefix(b.RemoteIPPrefix) &&
		eqPtr(a.RemoteGroupID, b.RemoteGroupID) && eqPtr(a.RemoteAddressGroupID, b.RemoteAddressGroupID)
}

func eqPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// securityOn is a port_security_enabled as stored: nil is true.
func securityOn(v *bool) bool { return v == nil || *v }

// portView is a port with its security attributes as Neutron shows them.
func portView(p *Port) map[string]any {
	v := toMap(p)
	if p.SecurityGroups == nil {
		v["security_groups"] = []any{}
	}
	v["port_security_enabled"] = securityOn(p.PortSecurity)
	return v
}

// portSecurity applies a create or update body's port_security_enabled
// and security_groups to p: a port created without groups gets its
// project's default group when it has port security and an address (a
// network:* port, Neutron's own, gets none); groups need both.
func (s *Service) portSecurity(st *state, c *caller, p *Port, n *Network, b *body, create bool) error {
	enabled := securityOn(p.PortSecurity)
	if create {
		enabled = n == nil || securityOn(n.PortSecurity)
	}
	if b.has("port_security_enabled") {
		v, err := b.boolean("port_security_enabled")
		if err != nil {
			return err
		}
		enabled = v
	}
	groups := p.SecurityGroups
	explicit := b.has("security_groups")
	if explicit {
		ids, err := groupIDs(b)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if g := st.securityGroup(id); g == nil || !c.owns(g.ProjectID) {
				return securityGroupNotFound(id)
			}
		}
		groups = ids
	}
	hasIP := len(p.FixedIPs) > 0
	if create && !explicit {
		groups = []string{}
		if enabled && hasIP && !strings.HasPrefix(p.DeviceOwner, "network:") {
			groups = []string{s.defaultGroup(st, p.ProjectID).ID}
		}
	}
	if len(groups) > 0 && (!enabled || !hasIP) {
		if explicit {
			return newErr(http.StatusBadRequest, "PortSecurityAndIPRequiredForSecurityGroups",
				"Port security must be enabled and port must have an IP address in order to use security groups.")
		}
		return conflict("PortSecurityPortHasSecurityGroup",
			"Port has security group associated. Cannot disable port security or ip address until security group is removed")
	}
	p.PortSecurity = &enabled
	p.SecurityGroups = groups
	return nil
}

// groupIDs reads a body's security_groups: a list of UUIDs (null is
// none), duplicates dropped.
func groupIDs(b *body) ([]string, error) {
	v := b.m["security_groups"]
	if v == nil {
		return []string{}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, b.invalid("security_groups", "'%s' is not a list", pyStr(v))
	}
	out := []string{}
	for _, e := range list {
		str, _ := e.(string)
		if !isUUID(str) {
			return nil, b.invalid("security_groups", "'%s' is not a valid UUID", pyStr(e))
		}
		if !containsStr(out, str) {
			out = append(out, str)
		}
	}
	return out, nil
}
