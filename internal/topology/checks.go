package topology

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Check is one assertion of a topology file's validate: block, which
// `intercloud validate --live` runs against the running lab (as netlab's
// validate does):
//
//	validate:
//	  - ping: ce1 ce2            # succeeds
//	  - ping: red1 blue2         # isolation: must fail
//	    fails: true
//	  - trace: ce1 ce2           # the path passes p1
//	    via: p1
//	  - session: pe1 rr1         # pe1's BGP session with rr1 is Established
//	  - route: pe2 10.1.0.0/24   # in VRF red, with a stack of 2 labels
//	    vrf: red
//	    labels: 2
//	  - advertises: cloud2       # announces nothing outside its prefix
//	  - advertises: cloud2       # and announces exactly these
//	    exactly: [100.66.0.0/24]
//
// An advertises check reads what the cloud hands the WAN, before the
// WAN's filter on the cloud's prefix (show CLOUD advertised): it passes
// when every prefix announced lies within the cloud's prefix (its pool)
// and, with exactly:, when the announced set is the one listed. A cloud
// announcing nothing passes without exactly: it leaks nothing.
type Check struct {
	Pos    Pos          `json:"pos"`
	Kind   string       `json:"kind"`            // ping, trace, session, route, advertises
	A      string       `json:"a"`               // source, the node whose table or session is read, or the cloud
	B      string       `json:"b,omitempty"`     // destination, peer, or the cloud's node
	Prefix netip.Prefix `json:"prefix,omitzero"` // the route, or the cloud's prefix
	// Exactly are the prefixes an advertises check wants announced; nil:
	// any within the cloud's prefix.
	Exactly []netip.Prefix `json:"exactly,omitempty"`
	Fails   bool           `json:"fails,omitempty"`
	Via     string         `json:"via,omitempty"`
	VRF     string         `json:"vrf,omitempty"`
	Labels  int            `json:"labels,omitempty"` // -1: any stack
}

// String says what the check asserts, as pass/fail lines print it.
func (c Check) String() string {
	switch c.Kind {
	case "ping":
		if c.Fails {
			return fmt.Sprintf("ping %s %s fails", c.A, c.B)
		}
		return fmt.Sprintf("ping %s %s succeeds", c.A, c.B)
	case "trace":
		return fmt.Sprintf("trace %s %s passes %s", c.A, c.B, c.Via)
	case "session":
		return fmt.Sprintf("session %s-%s is Established", c.A, c.B)
	case "route":
		s := fmt.Sprintf("%s has route %s", c.A, c.Prefix)
		if c.VRF != "" {
			s = fmt.Sprintf("VRF %s on %s has route %s", c.VRF, c.A, c.Prefix)
		}
		if c.Labels >= 0 {
			s += fmt.Sprintf(" with %d labels", c.Labels)
		}
		return s
	case "advertises":
		if c.Exactly != nil {
			ps := make([]string, len(c.Exactly))
			for i, p := range c.Exactly {
				ps[i] = p.String()
			}
			return fmt.Sprintf("cloud %s advertises exactly %s", c.A, strings.Join(ps, " "))
		}
		if !c.Prefix.IsValid() {
			return fmt.Sprintf("cloud %s advertises only its prefix", c.A)
		}
		return fmt.Sprintf("cloud %s advertises only its prefix %v", c.A, c.Prefix)
	}
	return c.Kind
}

var checkKinds = []string{"ping", "trace", "session", "route", "advertises"}

// modifiers lists the keys each kind of check takes besides its own.
var modifiers = map[string][]string{"ping": {"fails"}, "trace": {"via"}, "session": nil, "route": {"vrf", "labels"}, "advertises": {"exactly"}}

func (c *decoder) checks(n *yaml.Node, s *spec) {
	n = c.deref(n)
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		c.d.errorf(posOf(n), "write it as a list: - ping: ce1 ce2", "validate must be a list of checks, not %s", kindName(n))
		return
	}
	for _, item := range n.Content {
		if ch, ok := c.check(c.deref(item)); ok {
			s.Checks = append(s.Checks, ch)
		}
	}
}

func (c *decoder) check(n *yaml.Node) (*Check, bool) {
	ch := &Check{Pos: posOf(n), Labels: -1}
	if n.Kind != yaml.MappingNode {
		c.d.errorf(posOf(n), "one of "+strings.Join(checkKinds, ", "), "a check must be a mapping such as {ping: ce1 ce2}, not %s", kindName(n))
		return nil, false
	}
	// The kind is found first, so that its modifiers are known.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := c.deref(n.Content[i]); k.Kind == yaml.ScalarNode && slices.Contains(checkKinds, k.Value) {
			if ch.Kind != "" {
				c.d.errorf(posOf(k), "one check per list entry", "a check has both %s and %s", ch.Kind, k.Value)
				return nil, false
			}
			ch.Kind = k.Value
		}
	}
	if ch.Kind == "" {
		c.d.errorf(posOf(n), "one of "+strings.Join(checkKinds, ", "), "a check names no kind")
		return nil, false
	}
	ok := true
	c.mapping(n, "a "+ch.Kind+" check", append([]string{ch.Kind}, modifiers[ch.Kind]...), func(key string, v *yaml.Node) {
		switch key {
		case ch.Kind:
			text, good := c.str(v, ch.Kind)
			f := strings.Fields(text)
			if ch.Kind == "advertises" {
				if good && len(f) != 1 {
					c.d.errorf(posOf(v), "one cloud: advertises: CLOUD", "advertises %q needs one cloud", text)
				}
				if !good || len(f) != 1 {
					ok = false
					return
				}
				ch.A = f[0]
				return
			}
			if !good || len(f) != 2 {
				if good {
					c.d.errorf(posOf(v), "two names: "+ch.Kind+" A B", "%s %q needs two operands", ch.Kind, text)
				}
				ok = false
				return
			}
			ch.A, ch.B = f[0], f[1]
			if ch.Kind == "route" {
				p, err := netip.ParsePrefix(f[1])
				if err != nil {
					c.d.errorf(posOf(v), "route NODE PREFIX, e.g. route: pe2 10.1.0.0/24", "bad prefix %q", f[1])
					ok = false
				}
				ch.Prefix, ch.B = p.Masked(), ""
			}
		case "fails":
			ch.Fails, _ = c.boolean(v, "fails")
		case "via":
			ch.Via, _ = c.str(v, "via")
		case "vrf":
			ch.VRF, _ = c.str(v, "vrf")
		case "exactly":
			v = c.deref(v)
			if v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
				ch.Exactly = []netip.Prefix{} // announces nothing
				return
			}
			items := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				items = v.Content
			}
			ch.Exactly = []netip.Prefix{}
			for _, item := range items {
				if p := c.prefix(item, "exactly"); p.IsValid() {
					ch.Exactly = append(ch.Exactly, p.Masked())
				} else {
					ok = false
				}
			}
		case "labels":
			l, good := c.integer(v, "labels", 0, 16)
			if good {
				ch.Labels = int(l)
			}
		}
	})
	if ok && ch.Kind == "trace" && ch.Via == "" {
		c.d.errorf(ch.Pos, "add via: NODE", "a trace check names no node the path must pass")
		ok = false
	}
	return ch, ok
}

// resolveChecks refuses checks naming nodes the file does not have.
func (r *resolver) resolveChecks() {
	for _, ch := range r.s.Checks {
		if ch.Kind == "advertises" {
			r.resolveAdvertises(ch)
			continue
		}
		for _, name := range []string{ch.A, ch.B, ch.Via} {
			if _, err := netip.ParseAddr(name); err == nil {
				continue // an address: the lab resolves it
			}
			if name != "" && r.nodes[name] == nil && !slices.ContainsFunc(r.m.Externals, func(e *External) bool { return e.Name == name }) {
				r.d.errorf(ch.Pos, "", "check %q names no node %q", ch.String(), name)
			}
		}
		r.m.Checks = append(r.m.Checks, ch)
	}
}

// resolveAdvertises ties an advertises check to its cloud: the cloud's
// node, whose advertised table it reads, and its prefix.
func (r *resolver) resolveAdvertises(ch *Check) {
	i := slices.IndexFunc(r.m.Clouds, func(c *Cloud) bool { return c.Name == ch.A })
	if i < 0 {
		var names []string
		for _, c := range r.m.Clouds {
			names = append(names, c.Name)
		}
		r.d.errorf(ch.Pos, didYouMean(ch.A, names), "check %q names no cloud %q", ch.String(), ch.A)
		return
	}
	c := r.m.Clouds[i]
	ch.B, ch.Prefix = c.Node, c.Prefix
	for _, p := range ch.Exactly {
		if p.Bits() < c.Prefix.Bits() || !c.Prefix.Contains(p.Addr()) {
			r.d.errorf(ch.Pos, "a cloud announces only within its prefix: the WAN refuses the rest", "check %q: %v is outside cloud %s's prefix %v", ch.String(), p, c.Name, c.Prefix)
			return
		}
	}
	r.m.Checks = append(r.m.Checks, ch)
}
