package topology

import (
	"fmt"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

var defaultsKeys = []string{"asn", "label_mode", "cost", "area", "latency", "jitter", "loss", "rate", "mtu", "computes", "frr", "prefix_suppression", "initial_networks"}

func (c *decoder) defaults(n *yaml.Node, s *defaultsSpec) {
	s.pos = posOf(c.deref(n))
	c.mapping(n, "defaults", defaultsKeys, func(key string, v *yaml.Node) {
		s.set(key, posOf(c.deref(v)))
		switch key {
		case "asn":
			s.ASN = c.asn(v, "defaults.asn")
		case "label_mode":
			s.LabelMode = c.labelMode(v, "defaults.label_mode")
		case "cost":
			if x, ok := c.integer(v, "defaults.cost", 1, 65535); ok {
				s.Cost = int(x)
			}
		case "area":
			s.Area, _ = c.area(v, "defaults.area")
		case "latency", "jitter":
			if d := c.duration(v, "defaults."+key); d != nil {
				if key == "latency" {
					s.Latency = *d
				} else {
					s.Jitter = *d
				}
			}
		case "loss":
			if x := c.loss(v, "defaults.loss"); x != nil {
				s.Loss = *x
			}
		case "rate":
			if x := c.rate(v, "defaults.rate"); x != nil {
				s.Rate = *x
			}
		case "mtu":
			if x, ok := c.integer(v, "defaults.mtu", 0, math.MaxInt32); ok {
				s.MTU = int(x)
			}
		case "computes":
			if x, ok := c.integer(v, "defaults.computes", 0, 1000); ok {
				s.Computes = int(x)
			}
		case "frr":
			if b, ok := c.boolean(v, "defaults.frr"); ok {
				s.FRR = &b
			}
		case "prefix_suppression":
			if b, ok := c.boolean(v, "defaults.prefix_suppression"); ok {
				s.PrefixSuppression = &b
			}
		case "initial_networks":
			if b, ok := c.boolean(v, "defaults.initial_networks"); ok {
				s.InitialNetworks = &b
			}
		}
	})
}

var poolsKeys = []string{"loopbacks", "links", "clouds", "cloud_prefix_len", "asns", "rt"}

func (c *decoder) pools(n *yaml.Node, s *poolsSpec) {
	s.pos = posOf(c.deref(n))
	c.mapping(n, "pools", poolsKeys, func(key string, v *yaml.Node) {
		s.set(key, posOf(c.deref(v)))
		switch key {
		case "loopbacks":
			s.Loopbacks = c.prefix(v, "pools.loopbacks")
		case "links":
			s.Links = c.prefix(v, "pools.links")
		case "clouds":
			s.Clouds = c.prefix(v, "pools.clouds")
		case "cloud_prefix_len":
			if x, ok := c.integer(v, "pools.cloud_prefix_len", 8, 30); ok {
				s.CloudPrefix = int(x)
			}
		case "asns":
			lo, hi, ok := c.numRange(v, "pools.asns", 1, math.MaxUint32-1)
			if ok {
				s.ASNs = ASNRange{First: lo, Last: hi}
			}
		case "rt":
			lo, hi, ok := c.numRange(v, "pools.rt", 1, math.MaxUint16)
			if ok {
				s.RT = NumRange{First: lo, Last: hi}
			}
		}
	})
}

// numRange reads "first-last" (or a single number).
func (c *decoder) numRange(n *yaml.Node, what string, lo, hi uint32) (uint32, uint32, bool) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, ok := c.integer(n, what, int64(lo), int64(hi))
		return uint32(v), uint32(v), ok
	}
	s, ok := c.str(n, what)
	if !ok {
		return 0, 0, false
	}
	a, b, found := strings.Cut(s, "-")
	first, err1 := parseUint32(a)
	last, err2 := parseUint32(b)
	if !found || err1 != nil || err2 != nil || first > last || first < lo || last > hi {
		c.d.errorf(posOf(n), "write first-last, e.g. 64512-65534", "%s %q is not a range within %d-%d", what, s, lo, hi)
		return 0, 0, false
	}
	return first, last, true
}

func (c *decoder) duration(n *yaml.Node, what string) *time.Duration {
	n = c.deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.d.errorf(posOf(n), "such as 30ms", "%s must be a duration, not %s", what, kindName(n))
		return nil
	}
	d, err := parseDuration(n.Value)
	if err != nil {
		c.d.errorf(posOf(n), "such as 30ms or 1.5s", "%s: %v", what, err)
		return nil
	}
	if d < 0 {
		c.d.errorf(posOf(n), "delays cannot be negative", "%s %s is negative", what, n.Value)
		return nil
	}
	if d > 10*time.Second {
		c.d.errorf(posOf(n), "at most 10s; the longest real paths are a few hundred ms", "%s %s is absurd", what, n.Value)
		return nil
	}
	return &d
}

func (c *decoder) loss(n *yaml.Node, what string) *float64 {
	n = c.deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.d.errorf(posOf(n), "such as 1%", "%s must be a percentage, not %s", what, kindName(n))
		return nil
	}
	v, err := parseLoss(n.Value)
	if err != nil {
		c.d.errorf(posOf(n), "such as 1% or 0.5%", "%s: %v", what, err)
		return nil
	}
	if v < 0 || v > 1 {
		c.d.errorf(posOf(n), "between 0% and 100%", "%s %s is out of range", what, n.Value)
		return nil
	}
	return &v
}

func (c *decoder) rate(n *yaml.Node, what string) *uint64 {
	n = c.deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.d.errorf(posOf(n), "such as 100mbit", "%s must be a rate, not %s", what, kindName(n))
		return nil
	}
	v, err := ParseRate(n.Value)
	if err != nil {
		c.d.errorf(posOf(n), "such as 100mbit or 10gbit (tc units)", "%s: %v", what, err)
		return nil
	}
	if v < 8_000 || v > 1_000_000_000_000 {
		c.d.errorf(posOf(n), "between 8kbit and 1tbit", "%s %s is absurd", what, n.Value)
		return nil
	}
	return &v
}

var nodeKeys = []string{"role", "loopback", "asn", "router_id", "area", "label_mode", "sr_index", "rr", "cluster_id", "static", "frr", "prefix_suppression",
	"address", "plays", "attach", "vpn", // external peers
	// containerlab node keys, read and ignored so existing labs load.
	"kind", "image", "startup-config", "labels", "mgmt-ipv4", "mgmt-ipv6", "binds", "env", "exec", "group", "type", "ports"}

var clabNodeKeys = map[string]bool{"kind": true, "image": true, "startup-config": true, "labels": true, "mgmt-ipv4": true,
	"mgmt-ipv6": true, "binds": true, "env": true, "exec": true, "group": true, "type": true, "ports": true}

func (c *decoder) node(name string, p Pos, attrs *yaml.Node) *nodeSpec {
	ns := &nodeSpec{Name: name, at: at{pos: p}}
	ns.set("name", p)
	if attrs == nil {
		return ns
	}
	what := "node " + name
	c.mapping(attrs, what, nodeKeys, func(key string, v *yaml.Node) {
		ns.set(key, posOf(c.deref(v)))
		switch key {
		case "role":
			if s, ok := c.str(v, what+" role"); ok {
				r := Role(strings.ToLower(s))
				if !contains(roleNames(), string(r)) {
					c.d.errorf(posOf(c.deref(v)), "one of "+strings.Join(roleNames(), ", "), "unknown role %q for node %s", s, name)
				} else {
					ns.Role = r
				}
			}
		case "loopback":
			ns.Loopback = c.hostPrefix(v, what+" loopback", 32)
		case "asn":
			ns.ASN = c.asn(v, what+" asn")
		case "router_id":
			ns.RouterID = c.addr(v, what+" router_id")
		case "area":
			if a, ok := c.area(v, what+" area"); ok {
				ns.Area = &a
			}
		case "label_mode":
			ns.LabelMode = c.labelMode(v, what+" label_mode")
		case "sr_index":
			if x, ok := c.integer(v, what+" sr_index", 0, SRGBSize-1); ok {
				i := int(x)
				ns.SRIndex = &i
			}
		case "rr":
			ns.RR, _ = c.boolean(v, what+" rr")
		case "cluster_id":
			ns.ClusterID = c.addr(v, what+" cluster_id")
		case "frr":
			if b, ok := c.boolean(v, what+" frr"); ok {
				ns.FRR = &b
			}
		case "prefix_suppression":
			if b, ok := c.boolean(v, what+" prefix_suppression"); ok {
				ns.PrefixSuppression = &b
			}
		case "static":
			c.statics(v, ns)
		case "address":
			ns.Address = c.addrPort(v, what+" address")
		case "plays":
			if s, ok := c.str(v, what+" plays"); ok {
				ns.Plays = Role(strings.ToLower(s))
				if ns.Plays != RoleRR && ns.Plays != RolePE && ns.Plays != RoleCE {
					c.d.errorf(posOf(c.deref(v)), "an external peer plays rr, pe or ce", "node %s plays %q", name, s)
					ns.Plays = ""
				}
			}
		case "attach":
			ns.Attach, _ = c.str(v, what+" attach")
		case "vpn":
			ns.VPN, _ = c.str(v, what+" vpn")
		default:
			if clabNodeKeys[key] {
				return // containerlab's, harmless here
			}
		}
	})
	return ns
}

func roleNames() []string {
	out := make([]string, len(Roles))
	for i, r := range Roles {
		out[i] = string(r)
	}
	return out
}

func (c *decoder) statics(n *yaml.Node, ns *nodeSpec) {
	n = c.deref(n)
	if n.Kind != yaml.SequenceNode {
		c.d.errorf(posOf(n), "a list of {prefix, next_hop}", "node %s static must be a list, not %s", ns.Name, kindName(n))
		return
	}
	for _, item := range n.Content {
		st := staticSpec{at: at{pos: posOf(c.deref(item))}}
		c.mapping(item, "a static route of "+ns.Name, []string{"prefix", "next_hop", "vrf"}, func(key string, v *yaml.Node) {
			st.set(key, posOf(c.deref(v)))
			switch key {
			case "prefix":
				st.Prefix = c.prefix(v, "static prefix")
			case "next_hop":
				st.NextHop = c.addr(v, "static next_hop")
			case "vrf":
				st.VRF, _ = c.str(v, "static vrf")
			}
		})
		if !st.has("prefix") || !st.has("next_hop") {
			c.d.errorf(st.pos, "write {prefix: 192.0.2.0/24, next_hop: 10.0.0.1}", "a static route of %s needs prefix and next_hop", ns.Name)
			continue
		}
		ns.Statics = append(ns.Statics, st)
	}
}

var linkKeys = []string{"a", "b", "endpoints", "subnet", "cost", "area", "latency", "jitter", "loss", "rate", "mtu", "state", "affinity"}

func (c *decoder) links(n *yaml.Node, s *spec) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		c.d.errorf(posOf(n), "write links as a list: - p1-p2", "links must be a list, not %s", kindName(n))
		return
	}
	for _, item := range n.Content {
		item = c.deref(item)
		if c.blown {
			return
		}
		l := &linkSpec{at: at{pos: posOf(item)}}
		switch item.Kind {
		case yaml.ScalarNode:
			if str, ok := c.str(item, "a link"); ok {
				if strings.TrimSpace(str) == "" {
					c.d.errorf(posOf(item), "write a link as NODE-NODE, e.g. p1-p2", "empty link")
					continue
				}
				l.short = str
				s.Links = append(s.Links, l)
			}
			continue
		case yaml.MappingNode:
		default:
			c.d.errorf(posOf(item), "write - p1-p2, or a mapping with a: and b:", "a link must be text or a mapping, not %s", kindName(item))
			continue
		}
		c.mapping(item, "a link", linkKeys, func(key string, v *yaml.Node) {
			l.set(key, posOf(c.deref(v)))
			switch key {
			case "a":
				l.A = c.endpoint(v)
			case "b":
				l.B = c.endpoint(v)
			case "endpoints":
				v = c.deref(v)
				if v.Kind != yaml.SequenceNode || len(v.Content) != 2 {
					c.d.errorf(posOf(v), `write endpoints: ["p1:eth1", "p2:eth1"]`, "endpoints must list exactly two node:interface entries")
					return
				}
				l.A, l.B = c.endpoint(v.Content[0]), c.endpoint(v.Content[1])
			case "subnet":
				l.Subnet = c.prefix(v, "link subnet")
			case "cost":
				if x, ok := c.integer(v, "link cost", 1, 65535); ok {
					l.Cost = int(x)
				}
			case "area":
				if a, ok := c.area(v, "link area"); ok {
					l.Area = &a
				}
			case "latency":
				l.Latency = c.duration(v, "link latency")
			case "jitter":
				l.Jitter = c.duration(v, "link jitter")
			case "loss":
				l.Loss = c.loss(v, "link loss")
			case "rate":
				l.Rate = c.rate(v, "link rate")
			case "mtu":
				if x, ok := c.integer(v, "link mtu", 68, 65535); ok {
					l.MTU = int(x)
				}
			case "affinity":
				l.Affinity, l.AffinityPos = c.strList(v, "link affinity")
				for i, a := range l.Affinity {
					if !nameRE.MatchString(a) {
						c.d.errorf(l.AffinityPos[i], "start with a letter; use letters, digits, '-', '_' and '.'", "invalid affinity name %q", a)
					}
				}
			case "state":
				if st, ok := c.str(v, "link state"); ok {
					switch strings.ToLower(st) {
					case "up":
					case "down":
						l.Down = true
					default:
						c.d.errorf(posOf(c.deref(v)), "up or down", "unknown link state %q", st)
					}
				}
			}
		})
		if l.has("endpoints") && (l.has("a") || l.has("b")) {
			c.d.errorf(l.where("endpoints"), "use either endpoints: or a: and b:", "a link cannot have both endpoints and a/b")
		}
		if l.A.Node == "" || l.B.Node == "" {
			if !l.has("endpoints") && (!l.has("a") || !l.has("b")) {
				c.d.errorf(l.pos, "write a: NODE and b: NODE, or endpoints: [NODE, NODE]", "a link needs two ends")
			}
			continue
		}
		s.Links = append(s.Links, l)
	}
}

// endpoint reads "node", "node:interface" or {node, interface, addr}.
func (c *decoder) endpoint(n *yaml.Node) endpointSpec {
	n = c.deref(n)
	ep := endpointSpec{pos: posOf(n)}
	if n.Kind == yaml.MappingNode {
		c.mapping(n, "a link end", []string{"node", "interface", "addr"}, func(key string, v *yaml.Node) {
			switch key {
			case "node":
				ep.Node, _ = c.str(v, "link end node")
			case "interface":
				ep.Interface, _ = c.str(v, "link end interface")
			case "addr":
				ep.Addr = c.hostPrefix(v, "link end addr", 31)
			}
		})
		if ep.Node == "" {
			c.d.errorf(ep.pos, "add node: NAME", "a link end has no node")
		}
		return ep
	}
	s, ok := c.str(n, "a link end")
	if !ok {
		return ep
	}
	ep.Node, ep.Interface, _ = strings.Cut(s, ":")
	if ep.Node == "" {
		c.d.errorf(ep.pos, "write NODE or NODE:INTERFACE", "link end %q has no node name", s)
	}
	return ep
}

var cloudKeys = []string{"attach", "join", "computes", "prefix", "asn", "vpn", "initial_networks", "loopbacks"}

func (c *decoder) cloud(name string, p Pos, attrs *yaml.Node) *cloudSpec {
	cs := &cloudSpec{Name: name, ComputeN: -1, at: at{pos: p}}
	if attrs == nil {
		return cs
	}
	what := "cloud " + name
	c.mapping(attrs, what, cloudKeys, func(key string, v *yaml.Node) {
		cs.set(key, posOf(c.deref(v)))
		switch key {
		case "attach":
			cs.Attach, _ = c.str(v, what+" attach")
		case "join":
			modes, ps := c.strList(v, what+" join")
			for i, s := range modes {
				j, ok := parseJoin(s)
				switch {
				case !ok:
					c.d.errorf(ps[i], "one of floating-ip, dynamic-routing, bgpvpn, interconnection, sdn", "unknown join mode %q for cloud %s", s, name)
				case contains(joinNames(cs.Join), string(j)):
					c.d.errorf(ps[i], "list each mode once", "cloud %s joins by %s twice", name, j)
				default:
					cs.Join = append(cs.Join, j)
				}
			}
		case "computes":
			v = c.deref(v)
			if v.Kind == yaml.ScalarNode && v.Tag == "!!int" {
				if x, ok := c.integer(v, what+" computes", 0, 1000); ok {
					cs.ComputeN = int(x)
				}
			} else {
				cs.ComputeList, _ = c.strList(v, what+" computes")
			}
		case "prefix":
			cs.Prefix = c.prefix(v, what+" prefix")
		case "asn":
			cs.ASN = c.asn(v, what+" asn")
		case "vpn":
			cs.VPN, _ = c.str(v, what+" vpn")
		case "initial_networks":
			if b, ok := c.boolean(v, what+" initial_networks"); ok {
				cs.InitialNetworks = &b
			}
		case "loopbacks":
			if p := c.prefix(v, what+" loopbacks"); p.IsValid() {
				if p != p.Masked() {
					c.d.errorf(posOf(c.deref(v)), fmt.Sprintf("did you mean %s?", p.Masked()), "%s loopbacks %s has host bits set", what, p)
				} else {
					cs.Loopbacks = p
				}
			}
		}
	})
	return cs
}

func joinNames(js []JoinMode) []string {
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = string(j)
	}
	return out
}

// parseJoin accepts the join modes of DESIGN.md section 4 by name, number or
// common alias.
func parseJoin(s string) (JoinMode, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "floating-ip", "floating-ips", "fip", "static", "provider", "1":
		return JoinFloatingIP, true
	case "dynamic-routing", "bgp", "neutron-dynamic-routing", "2":
		return JoinDynamicRouting, true
	case "bgpvpn", "bagpipe", "3":
		return JoinBGPVPN, true
	case "interconnection", "neutron-interconnection", "n2n", "4":
		return JoinInterconnection, true
	case "sdn", "tungsten", "tungsten-fabric", "5":
		return JoinSDN, true
	}
	return "", false
}

var vpnKeys = []string{"sites", "pes", "rt", "import", "export", "labels", "color"}

func (c *decoder) vpn(name string, p Pos, attrs *yaml.Node) *vpnSpec {
	vs := &vpnSpec{Name: name, at: at{pos: p}}
	if attrs == nil {
		return vs
	}
	what := "vpn " + name
	c.mapping(attrs, what, vpnKeys, func(key string, v *yaml.Node) {
		vs.set(key, posOf(c.deref(v)))
		switch key {
		case "sites":
			vs.Sites, vs.SitesPos = c.strList(v, what+" sites")
		case "pes":
			vs.PEs, vs.PEsPos = c.strList(v, what+" pes")
		case "rt":
			if s, ok := c.str(v, what+" rt"); ok {
				vs.Import, vs.Export = []string{s}, []string{s}
			}
		case "color":
			if x, ok := c.integer(v, what+" color", 1, 1<<32-1); ok {
				vs.Color = uint32(x)
			}
		case "import":
			vs.Import, _ = c.strList(v, what+" import")
		case "export":
			vs.Export, _ = c.strList(v, what+" export")
		case "labels":
			if s, ok := c.str(v, what+" labels"); ok {
				switch la := LabelAllocation(s); la {
				case LabelsPerVRF, LabelsPerPrefix:
					vs.Labels = la
				default:
					c.d.errorf(posOf(c.deref(v)), "per-vrf, the default: one label for the VRF; or per-prefix", "%s labels %q is not a label allocation", what, s)
				}
			}
		}
	})
	return vs
}
