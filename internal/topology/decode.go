package topology

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxVisits bounds how many YAML nodes the decoder walks, so that a file of
// nested aliases (a "billion laughs") is refused instead of eating memory.
const maxVisits = 2_000_000

// decoder turns a YAML node tree into a spec, reporting every problem with
// its position instead of stopping at the first.
type decoder struct {
	d      *diags
	visits int
	blown  bool
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// parseSpec reads a topology file's bytes into a spec. Problems go to d;
// ok is false when the file could not be read as YAML at all.
func parseSpec(data []byte, d *diags) (s *spec, ok bool) {
	s = &spec{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		pos, msg, hint := syntaxError(data, err)
		d.errorf(pos, hint, "%s", msg)
		return s, false
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return s, true
	}
	c := &decoder{d: d}
	c.top(doc.Content[0], s)
	return s, !c.blown
}

// deref follows aliases and counts visits against the budget.
func (c *decoder) deref(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && n.Kind == yaml.AliasNode && depth < 100; depth++ {
		n = n.Alias
	}
	c.visits++
	if c.visits > maxVisits && !c.blown {
		c.blown = true
		c.d.errorf(posOf(n), "aliases may not expand this much", "document too large after expanding aliases")
	}
	return n
}

var topKeys = []string{"name", "defaults", "pools", "nodes", "links", "clouds", "vpns", "topology", "mgmt", "prefix", "validate", "sr-policies", "areas"}

func (c *decoder) top(n *yaml.Node, s *spec) {
	s.pos = posOf(n)
	c.mapping(n, "the topology file", topKeys, func(key string, v *yaml.Node) {
		s.set(key, posOf(v))
		switch key {
		case "name":
			s.Name, _ = c.str(v, "name")
		case "defaults":
			c.defaults(v, &s.Defaults)
		case "pools":
			c.pools(v, &s.Pools)
		case "nodes":
			c.collection(v, "nodes", func(name string, np Pos, attrs *yaml.Node) {
				s.Nodes = append(s.Nodes, c.node(name, np, attrs))
			})
		case "links":
			c.links(v, s)
		case "clouds":
			c.collection(v, "clouds", func(name string, np Pos, attrs *yaml.Node) {
				s.Clouds = append(s.Clouds, c.cloud(name, np, attrs))
			})
		case "vpns":
			c.collection(v, "vpns", func(name string, np Pos, attrs *yaml.Node) {
				s.VPNs = append(s.VPNs, c.vpn(name, np, attrs))
			})
		case "topology":
			// containerlab keeps nodes and links under topology:.
			c.mapping(v, "topology", []string{"nodes", "links", "kinds", "defaults"}, func(k string, vv *yaml.Node) {
				switch k {
				case "nodes":
					c.collection(vv, "nodes", func(name string, np Pos, attrs *yaml.Node) {
						s.Nodes = append(s.Nodes, c.node(name, np, attrs))
					})
				case "links":
					c.links(vv, s)
				default:
					c.d.warnf(posOf(vv), "containerlab setting, not used by intercloud", "topology.%s ignored", k)
				}
			})
		case "validate":
			c.checks(v, s)
		case "sr-policies":
			c.srPolicies(v, s)
		case "areas":
			c.areas(v, s)
		case "mgmt", "prefix":
			c.d.warnf(posOf(v), "containerlab setting, not used by intercloud", "%s ignored", key)
		}
	})
}

// mapping walks a mapping node, checking for unknown and duplicate keys.
func (c *decoder) mapping(n *yaml.Node, what string, known []string, fn func(key string, v *yaml.Node)) {
	n = c.deref(n)
	if c.blown {
		return
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		c.d.errorf(posOf(n), "", "%s must be a mapping of key: value, not %s", what, kindName(n))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := c.deref(n.Content[i]), c.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			c.d.errorf(posOf(k), "", "a key in %s must be a plain word, not %s", what, kindName(k))
			continue
		}
		key := k.Value
		if line, dup := seen[key]; dup {
			c.d.errorf(posOf(k), fmt.Sprintf("first given at line %d", line), "duplicate key %q in %s", key, what)
			continue
		}
		seen[key] = k.Line
		if !contains(known, key) {
			hint := didYouMean(key, known)
			if hint == "" {
				hint = "known keys: " + strings.Join(known, ", ")
			}
			c.d.errorf(posOf(k), hint, "unknown key %q in %s", key, what)
			continue
		}
		fn(key, v)
	}
}

// collection reads nodes, clouds and vpns, which may be written as a
// mapping of name to attributes, or as a list of names or of mappings with
// a name key.
func (c *decoder) collection(n *yaml.Node, what string, fn func(name string, p Pos, attrs *yaml.Node)) {
	n = c.deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := c.deref(n.Content[i]), n.Content[i+1]
			name, ok := c.str(k, what+" name")
			if !ok {
				continue
			}
			if line, dup := seen[name]; dup {
				c.d.errorf(posOf(k), fmt.Sprintf("first defined at line %d", line), "duplicate name %q in %s", name, what)
				continue
			}
			seen[name] = k.Line
			fn(name, posOf(k), v)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			item = c.deref(item)
			switch item.Kind {
			case yaml.ScalarNode:
				if name, ok := c.str(item, what+" name"); ok {
					fn(name, posOf(item), nil)
				}
			case yaml.MappingNode:
				var nameNode *yaml.Node
				rest := &yaml.Node{Kind: yaml.MappingNode, Line: item.Line, Column: item.Column}
				for i := 0; i+1 < len(item.Content); i += 2 {
					if k := c.deref(item.Content[i]); k.Kind == yaml.ScalarNode && k.Value == "name" && nameNode == nil {
						nameNode = c.deref(item.Content[i+1])
						continue
					}
					rest.Content = append(rest.Content, item.Content[i], item.Content[i+1])
				}
				if nameNode == nil {
					c.d.errorf(posOf(item), "add name: to the entry", "an entry in %s has no name", what)
					continue
				}
				if name, ok := c.str(nameNode, what+" name"); ok {
					fn(name, posOf(nameNode), rest)
				}
			default:
				c.d.errorf(posOf(item), "", "an entry in %s must be a name or a mapping, not %s", what, kindName(item))
			}
		}
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return
		}
		fallthrough
	default:
		c.d.errorf(posOf(n), "", "%s must be a mapping or a list, not %s", what, kindName(n))
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "empty"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("the text %q", n.Value)
	}
	return "something else"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --- scalars ---

func (c *decoder) str(n *yaml.Node, what string) (string, bool) {
	n = c.deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.d.errorf(posOf(n), "", "%s must be text, not %s", what, kindName(n))
		return "", false
	}
	return n.Value, true
}

func (c *decoder) strList(n *yaml.Node, what string) ([]string, []Pos) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		return []string{n.Value}, []Pos{posOf(n)}
	}
	if n.Kind != yaml.SequenceNode {
		c.d.errorf(posOf(n), "write it as [a, b]", "%s must be a list, not %s", what, kindName(n))
		return nil, nil
	}
	var out []string
	var ps []Pos
	for _, item := range n.Content {
		if s, ok := c.str(item, what+" entry"); ok {
			out = append(out, s)
			ps = append(ps, posOf(c.deref(item)))
		}
	}
	return out, ps
}

func (c *decoder) integer(n *yaml.Node, what string, lo, hi int64) (int64, bool) {
	n = c.deref(n)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		c.d.errorf(posOf(n), "", "%s must be a whole number, not %s", what, kindName(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil || v < lo || v > hi {
		c.d.errorf(posOf(n), fmt.Sprintf("between %d and %d", lo, hi), "%s %s is out of range", what, n.Value)
		return 0, false
	}
	return v, true
}

func (c *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		v, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err == nil {
			return v, true
		}
	}
	c.d.errorf(posOf(n), "true or false", "%s must be a boolean, not %s", what, kindName(n))
	return false, false
}

func (c *decoder) asn(n *yaml.Node, what string) uint32 {
	v, ok := c.integer(n, what, 0, math.MaxUint32)
	if !ok {
		return 0
	}
	if err := checkASN(uint32(v)); err != "" {
		c.d.errorf(posOf(c.deref(n)), "use a private ASN such as 64512-65534 or 4200000000-4294967294", "%s %d %s", what, v, err)
		return 0
	}
	return uint32(v)
}

// checkASN says why an AS number cannot be a router's, or "".
func checkASN(v uint32) string {
	switch {
	case v == 0:
		return "is reserved (RFC 7607)"
	case v == 23456:
		return "is AS_TRANS (RFC 6793)"
	case v == 65535 || v == math.MaxUint32:
		return "is reserved (RFC 7300)"
	}
	return ""
}

func (c *decoder) area(n *yaml.Node, what string) (Area, bool) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		v, ok := c.integer(n, what, 0, math.MaxUint32)
		return Area(v), ok
	}
	if n.Kind == yaml.ScalarNode {
		if a, err := netip.ParseAddr(n.Value); err == nil && a.Is4() {
			b := a.As4()
			return Area(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])), true
		}
	}
	c.d.errorf(posOf(n), "a number such as 0 or a dotted id such as 0.0.0.1", "%s must be an OSPF area id, not %s", what, kindName(n))
	return 0, false
}

func (c *decoder) prefix(n *yaml.Node, what string) netip.Prefix {
	s, ok := c.str(n, what)
	if !ok {
		return netip.Prefix{}
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		c.d.errorf(posOf(c.deref(n)), "an IPv4 prefix such as 10.0.0.0/16", "%s %q is not an IPv4 prefix", what, s)
		return netip.Prefix{}
	}
	return p
}

// hostPrefix reads an address with optional length: a loopback pin may be
// written 10.255.0.1 or 10.255.0.1/32.
func (c *decoder) hostPrefix(n *yaml.Node, what string, defBits int) netip.Prefix {
	s, ok := c.str(n, what)
	if !ok {
		return netip.Prefix{}
	}
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			c.d.errorf(posOf(c.deref(n)), "an IPv4 address such as 10.255.0.1", "%s %q is not an IPv4 address", what, s)
			return netip.Prefix{}
		}
		return netip.PrefixFrom(a, defBits)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		c.d.errorf(posOf(c.deref(n)), "an IPv4 address such as 10.0.0.1/31", "%s %q is not an IPv4 address", what, s)
		return netip.Prefix{}
	}
	return p
}

func (c *decoder) addr(n *yaml.Node, what string) netip.Addr {
	s, ok := c.str(n, what)
	if !ok {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		c.d.errorf(posOf(c.deref(n)), "an IPv4 address such as 10.255.0.1", "%s %q is not an IPv4 address", what, s)
		return netip.Addr{}
	}
	return a
}

// addrPort reads "ADDRESS" or "ADDRESS:PORT" (port 179 when left out).
func (c *decoder) addrPort(n *yaml.Node, what string) netip.AddrPort {
	s, ok := c.str(n, what)
	if !ok {
		return netip.AddrPort{}
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.AddrPortFrom(a, 179)
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || !ap.Addr().Is4() || ap.Port() == 0 {
		c.d.errorf(posOf(c.deref(n)), "an IPv4 address, with :PORT when not 179, such as 127.0.0.1:1790", "%s %q is not an address and port", what, s)
		return netip.AddrPort{}
	}
	return ap
}

func (c *decoder) labelMode(n *yaml.Node, what string) LabelMode {
	s, ok := c.str(n, what)
	if !ok {
		return ""
	}
	switch strings.ToLower(s) {
	case "ldp":
		return LabelLDP
	case "sr", "sr-mpls", "segment-routing":
		return LabelSR
	}
	c.d.errorf(posOf(c.deref(n)), "ldp or sr", "unknown %s %q", what, s)
	return ""
}
