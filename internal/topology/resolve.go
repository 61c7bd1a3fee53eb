package topology

import (
	"cmp"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
)

// Defaults used where neither the file's defaults: nor a pin says otherwise.
const (
	DefaultProviderASN = 65000
	DefaultCost        = 10
	DefaultMTU         = 1500
	DefaultComputes    = 2
)

// Default pools.
var (
	DefaultLoopbacks   = netip.MustParsePrefix("10.255.0.0/16")
	DefaultLinks       = netip.MustParsePrefix("10.0.0.0/16")
	DefaultClouds      = netip.MustParsePrefix("100.64.0.0/10")
	DefaultCloudPrefix = 16
	DefaultASNs        = ASNRange{First: 64512, Last: 65534}
	DefaultRT          = NumRange{First: 1, Last: 65535}
)

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,62}$`)

// resolver turns a spec into a model, allocating what is not pinned.
type resolver struct {
	d     *diags
	s     *spec
	m     *Model
	nodes map[string]*Node
	nspec map[string]*nodeSpec
	// declared is true when the file lists its nodes; links may then name
	// only declared nodes, which catches typos.
	declared bool
	links    []*linkSpec // resolved link specs, parallel to m.Links
	cspec    map[string]*cloudSpec
	siteOf   map[string]string // CE -> the VPN it is a site of
	// externals are the role-external nodes (Model.Externals) by name.
	externals map[string]*nodeSpec
}

func resolve(s *spec, d *diags) *Model {
	r := &resolver{d: d, s: s, m: &Model{Name: s.Name}, nodes: map[string]*Node{}, nspec: map[string]*nodeSpec{}, cspec: map[string]*cloudSpec{}}
	r.defaults()
	r.declareNodes()
	r.resolveLinks()
	r.resolveClouds()
	if len(r.m.Nodes) == 0 {
		if d.failed() {
			return r.m // the reason is already reported
		}
		d.errorf(Pos{Line: 1, Col: 1}, "a minimal file is a list of links, e.g. links: [p1-p2, pe1-p1, pe2-p2]", "the file defines no nodes or links")
		return r.m
	}
	r.inferRolesAndAreas()
	r.allocateLoopbacks()
	r.allocateASNs()
	r.checkSDNClouds()
	r.allocateSR()
	r.allocateLinks()
	r.addComputeNodes()
	r.allocateCloudPrefixes()
	r.resolveVPNs()
	r.resolveSRPolicies()
	r.checkExternals()
	r.assignSpaces()
	r.checkAddresses()
	r.checkGraph()
	r.resolveAreas()
	r.buildSessions()
	r.resolveChecks()
	r.m.byName = r.nodes
	return r.m
}

func (r *resolver) defaults() {
	ds, ps := &r.s.Defaults, &r.s.Pools
	if ds.ASN == 0 {
		ds.ASN = DefaultProviderASN
	}
	if ds.LabelMode == "" {
		ds.LabelMode = LabelLDP
	}
	if ds.Cost == 0 {
		ds.Cost = DefaultCost
	}
	if ds.MTU == 0 {
		ds.MTU = DefaultMTU
	} else if ds.MTU < 68 || ds.MTU > 65535 {
		r.d.errorf(ds.where("mtu"), "between 68 and 65535", "defaults.mtu %d is absurd", ds.MTU)
		ds.MTU = DefaultMTU
	}
	if !ds.has("computes") {
		ds.Computes = DefaultComputes
	}
	if !ps.Loopbacks.IsValid() {
		ps.Loopbacks = DefaultLoopbacks
	}
	if !ps.Links.IsValid() {
		ps.Links = DefaultLinks
	}
	if !ps.Clouds.IsValid() {
		ps.Clouds = DefaultClouds
	}
	if ps.CloudPrefix == 0 {
		ps.CloudPrefix = DefaultCloudPrefix
	}
	if ps.ASNs.First == 0 {
		ps.ASNs = DefaultASNs
	}
	if ps.RT.First == 0 {
		ps.RT = DefaultRT
	}
	ps.Loopbacks, ps.Links, ps.Clouds = ps.Loopbacks.Masked(), ps.Links.Masked(), ps.Clouds.Masked()
	if ps.Links.Bits() > 31 {
		r.d.errorf(ps.where("links"), "a /31 is needed per link; use a /24 or larger", "pools.links %s holds no /31", ps.Links)
		ps.Links = DefaultLinks
	}
	if ps.CloudPrefix < ps.Clouds.Bits() {
		r.d.errorf(ps.where("cloud_prefix_len"), fmt.Sprintf("at least %d, the pool's own length", ps.Clouds.Bits()), "pools.cloud_prefix_len /%d is larger than pools.clouds %s", ps.CloudPrefix, ps.Clouds)
		ps.CloudPrefix = ps.Clouds.Bits()
	}
	// Pools must not overlap: an address would then have two owners.
	named := []struct {
		key string
		p   netip.Prefix
	}{{"loopbacks", ps.Loopbacks}, {"links", ps.Links}, {"clouds", ps.Clouds}}
	for i := range named {
		for j := i + 1; j < len(named); j++ {
			if named[i].p.Overlaps(named[j].p) {
				key := named[j].key
				if !ps.has(key) {
					key = named[i].key
				}
				r.d.errorf(ps.where(key), "give each pool its own range", "pools.%s %s overlaps pools.%s %s", named[j].key, named[j].p, named[i].key, named[i].p)
			}
		}
	}
	r.m.ProviderASN = ds.ASN
	r.m.LabelMode = ds.LabelMode
	r.m.Pools = Pools{Loopbacks: ps.Loopbacks, Links: ps.Links, Clouds: ps.Clouds, CloudPrefix: ps.CloudPrefix, ASNs: ps.ASNs, RT: ps.RT}
}

// addNode creates the model node for a spec, checking its name.
func (r *resolver) addNode(ns *nodeSpec) *Node {
	if !nameRE.MatchString(ns.Name) {
		r.d.errorf(ns.where("name"), "start with a letter; use letters, digits, '-', '_' and '.'", "invalid node name %q", ns.Name)
	}
	if _, dup := r.externals[ns.Name]; dup {
		r.d.errorf(ns.where("name"), fmt.Sprintf("first defined at line %d", r.externals[ns.Name].pos.Line), "duplicate node name %q", ns.Name)
		return nil
	}
	if _, dup := r.nodes[ns.Name]; dup {
		first := r.nspec[ns.Name]
		r.d.errorf(ns.where("name"), fmt.Sprintf("first defined at line %d", first.pos.Line), "duplicate node name %q", ns.Name)
		return nil
	}
	n := &Node{Name: ns.Name, Role: ns.Role, ASN: ns.ASN, RouterID: ns.RouterID, Loopback: ns.Loopback,
		LabelMode: ns.LabelMode, SRIndex: -1, RouteReflector: ns.RR || ns.Role == RoleRR, ClusterID: ns.ClusterID}
	if ns.Area != nil {
		n.Area = *ns.Area
	} else {
		n.Area = r.s.Defaults.Area
	}
	if f := cmp.Or(ns.FRR, r.s.Defaults.FRR); f != nil {
		n.NoFRR = !*f
	}
	if s := cmp.Or(ns.PrefixSuppression, r.s.Defaults.PrefixSuppression); s != nil {
		n.PrefixSuppression = *s
	}
	for _, st := range ns.Statics {
		n.Statics = append(n.Statics, Static{Prefix: st.Prefix.Masked(), NextHop: st.NextHop, VRF: st.VRF})
	}
	r.nodes[ns.Name] = n
	r.nspec[ns.Name] = ns
	r.m.Nodes = append(r.m.Nodes, n)
	return n
}

func (r *resolver) declareNodes() {
	r.declared = r.s.has("nodes") || r.s.has("topology") && len(r.s.Nodes) > 0
	r.externals = map[string]*nodeSpec{}
	for _, ns := range r.s.Nodes {
		if ns.Role == RoleExternal {
			r.addExternal(ns)
			continue
		}
		for _, key := range []string{"address", "plays", "attach", "vpn"} {
			if ns.has(key) {
				r.d.errorf(ns.where(key), "address, plays, attach and vpn describe a real BGP daemon: add role: external", "node %s: %s applies only to external peers", ns.Name, key)
			}
		}
		r.addNode(ns)
	}
}

// nodeFor returns the node called name, creating it when nodes are implied
// by links, or reporting it missing when the file declares its nodes.
func (r *resolver) nodeFor(name string, p Pos) *Node {
	if n, ok := r.nodes[name]; ok {
		return n
	}
	if _, ok := r.externals[name]; ok {
		r.d.errorf(p, "intercloud reaches an external peer over TCP at its address; it has no links", "link to external peer %s", name)
		return nil
	}
	if r.declared || !nameRE.MatchString(name) {
		hint := didYouMean(name, r.nodeNames())
		if hint == "" {
			hint = "declare it under nodes:"
		}
		r.d.errorf(p, hint, "link to missing node %q", name)
		return nil
	}
	return r.addNode(&nodeSpec{Name: name, implicit: true, at: at{pos: p}})
}

func (r *resolver) nodeNames() []string {
	out := make([]string, 0, len(r.nodes))
	for _, n := range r.m.Nodes {
		out = append(out, n.Name)
	}
	return out
}

// splitShort splits a short-form link "a-b" (ends may be "node:iface").
// Node names may hold '-', so every split is tried and the one whose two
// sides are known nodes wins; with implied nodes a single '-' decides.
func (r *resolver) splitShort(l *linkSpec) bool {
	text := strings.ReplaceAll(l.short, " ", "")
	var cands [][2]string
	for i := 0; i < len(text); i++ {
		if text[i] != '-' {
			continue
		}
		a, b := text[:i], text[i+1:]
		if a == "" || b == "" {
			continue
		}
		cands = append(cands, [2]string{a, b})
	}
	nodeOf := func(s string) string { n, _, _ := strings.Cut(s, ":"); return n }
	var known [][2]string
	for _, c := range cands {
		_, okA := r.nodes[nodeOf(c[0])]
		_, okB := r.nodes[nodeOf(c[1])]
		if okA && okB {
			known = append(known, c)
		}
	}
	var pick [2]string
	switch {
	case len(known) == 1:
		pick = known[0]
	case len(known) == 0 && len(cands) == 1:
		pick = cands[0]
	case len(cands) == 0:
		r.d.errorf(l.pos, "write a link as NODE-NODE, e.g. p1-p2", "link %q does not name two nodes", l.short)
		return false
	case len(known) == 0 && r.declared:
		// Report the most plausible split as a missing node.
		c := cands[0]
		for _, side := range c {
			if _, ok := r.nodes[nodeOf(side)]; !ok {
				r.nodeFor(nodeOf(side), l.pos)
			}
		}
		return false
	default:
		r.d.errorf(l.pos, "use the long form: {a: NODE, b: NODE}", "link %q is ambiguous: node names contain '-'", l.short)
		return false
	}
	for i, side := range pick {
		node, iface, _ := strings.Cut(side, ":")
		ep := endpointSpec{Node: node, Interface: iface, pos: l.pos}
		if i == 0 {
			l.A = ep
		} else {
			l.B = ep
		}
	}
	return true
}

func (r *resolver) resolveLinks() {
	for _, ls := range r.s.Links {
		if ls.short != "" && !r.splitShort(ls) {
			continue
		}
		a, b := r.nodeFor(ls.A.Node, ls.A.pos), r.nodeFor(ls.B.Node, ls.B.pos)
		if a == nil || b == nil {
			continue
		}
		if a == b {
			r.d.errorf(ls.pos, "a link joins two different nodes", "self-link on node %s", a.Name)
			continue
		}
		r.addLink(ls)
	}
}

// addLink appends a link to the model with the file's settings or defaults.
func (r *resolver) addLink(ls *linkSpec) *Link {
	ds := &r.s.Defaults
	l := &Link{ID: len(r.m.Links), A: Endpoint{Node: ls.A.Node, Interface: ls.A.Interface},
		B: Endpoint{Node: ls.B.Node, Interface: ls.B.Interface}, Cost: ls.Cost, MTU: ls.MTU, Up: !ls.Down,
		Latency: ds.Latency, Jitter: ds.Jitter, Loss: ds.Loss, Rate: ds.Rate, Affinity: ls.Affinity}
	if l.Cost == 0 {
		l.Cost = ds.Cost
	}
	if l.MTU == 0 {
		l.MTU = ds.MTU
	}
	if ls.Latency != nil {
		l.Latency = *ls.Latency
	}
	if ls.Jitter != nil {
		l.Jitter = *ls.Jitter
	}
	if ls.Loss != nil {
		l.Loss = *ls.Loss
	}
	if ls.Rate != nil {
		l.Rate = *ls.Rate
	}
	if l.Jitter > 0 && l.Jitter > l.Latency {
		r.d.warnf(ls.where("jitter"), "netem reorders packets when jitter exceeds delay", "jitter %v is larger than latency %v", l.Jitter, l.Latency)
	}
	r.m.Links = append(r.m.Links, l)
	r.links = append(r.links, ls)
	return l
}

// resolveClouds adds each cloud's node and its uplink to the attach point.
func (r *resolver) resolveClouds() {
	seen := map[string]*cloudSpec{}
	for _, cs := range r.s.Clouds {
		if prev, dup := seen[cs.Name]; dup {
			r.d.errorf(cs.pos, fmt.Sprintf("first defined at line %d", prev.pos.Line), "duplicate cloud name %q", cs.Name)
			continue
		}
		seen[cs.Name] = cs
		r.cspec[cs.Name] = cs
		if prev, clash := r.nspec[cs.Name]; clash {
			r.d.errorf(cs.pos, fmt.Sprintf("node %s is defined at line %d", cs.Name, prev.pos.Line), "cloud name %q is also a node name", cs.Name)
			continue
		}
		c := &Cloud{Name: cs.Name, Join: cs.Join, Attach: cs.Attach, ASN: cs.ASN, Prefix: cs.Prefix.Masked(), VPN: cs.VPN, Node: cs.Name, LinkID: -1}
		c.InitialNetworks = *cmp.Or(cs.InitialNetworks, r.s.Defaults.InitialNetworks, new(true))
		if len(c.Join) == 0 {
			c.Join = []JoinMode{JoinFloatingIP}
			c.Auto = append(c.Auto, "join")
		}
		node := r.addNode(&nodeSpec{Name: cs.Name, Role: RoleCloud, at: at{pos: cs.pos}})
		if node == nil {
			continue
		}
		node.Cloud = cs.Name
		r.m.Clouds = append(r.m.Clouds, c)
		names := cs.ComputeList
		if names == nil {
			count := cs.ComputeN
			if count < 0 {
				count = r.s.Defaults.Computes
			}
			for i := 1; i <= count; i++ {
				names = append(names, fmt.Sprintf("%s-cn%d", cs.Name, i))
			}
		}
		for _, n := range names {
			if !nameRE.MatchString(n) {
				r.d.errorf(cs.where("computes"), "start with a letter; use letters, digits, '-', '_' and '.'", "invalid compute node name %q", n)
				continue
			}
			c.Computes = append(c.Computes, &Compute{Name: n})
		}
		r.planSDNControl(c) // resolve_sdn.go
		if cs.Attach == "" {
			r.d.errorf(cs.pos, "add attach: with the ce or pe (or p, for PE-acting clouds) it connects to", "cloud %s does not say where it attaches", cs.Name)
			continue
		}
		att, ok := r.nodes[cs.Attach]
		if !ok || att.Role == RoleCloud {
			hint := didYouMean(cs.Attach, r.nodeNames())
			if hint == "" {
				hint = "name a node of the topology"
			}
			r.d.errorf(cs.where("attach"), hint, "cloud %s attaches to missing node %q", cs.Name, cs.Attach)
			continue
		}
		r.checkAttach(cs, c, att)
		ls := &linkSpec{A: endpointSpec{Node: cs.Name, pos: cs.pos}, B: endpointSpec{Node: att.Name, pos: cs.where("attach")}, at: at{pos: cs.pos}}
		c.LinkID = r.addLink(ls).ID
	}
}

// checkAttach enforces DESIGN.md section 4: clouds whose own nodes act as
// PEs join the core; the others sit behind a CE (or straight on a PE).
func (r *resolver) checkAttach(cs *cloudSpec, c *Cloud, att *Node) {
	role := att.Role
	if role == "" {
		role = inferRole(att.Name)
	}
	for _, j := range c.Join {
		switch {
		case j.ActsAsPE() && role != RoleP && role != RolePE:
			r.d.errorf(cs.where("attach"), "its nodes act as PEs: attach it to a p or pe router", "cloud %s joins by %s but attaches to %s, a %s", cs.Name, j, att.Name, roleOrUnknown(role))
		case !j.ActsAsPE() && role != RoleCE && role != RolePE:
			r.d.errorf(cs.where("attach"), "attach it to a ce, or straight to a pe", "cloud %s joins by %s but attaches to %s, a %s", cs.Name, j, att.Name, roleOrUnknown(role))
		}
	}
}

func roleOrUnknown(r Role) string {
	if r == "" {
		return "node of unknown role"
	}
	return string(r) + " router"
}

var roleFromName = regexp.MustCompile(`^(p|pe|ce|rr|host|h|vm)[0-9]+$`)

// inferRole reads a role from a name such as pe2 or ce10, or "".
func inferRole(name string) Role {
	m := roleFromName.FindStringSubmatch(strings.ToLower(name))
	if m == nil {
		return ""
	}
	switch m[1] {
	case "h", "vm", "host":
		return RoleHost
	}
	return Role(m[1])
}

// inferRolesAndAreas fills in roles from names and areas of links.
func (r *resolver) inferRolesAndAreas() {
	for _, n := range r.m.Nodes {
		ns := r.nspec[n.Name]
		if n.Role == "" {
			n.Role = inferRole(n.Name)
			if n.Role == "" {
				r.d.errorf(ns.where("name"), "add role: p, pe, ce, rr or host, or name it like pe1", "node %s has no role", n.Name)
				continue
			}
			n.Auto = append(n.Auto, "role")
			n.RouteReflector = n.RouteReflector || n.Role == RoleRR
		}
		if ns.RR && !n.Role.IsCore() {
			r.d.errorf(ns.where("rr"), "only p, pe and rr routers reflect VPN routes", "node %s is a %s and cannot be a route reflector", n.Name, n.Role)
			n.RouteReflector = false
		}
		if n.Role.IsCore() {
			if n.LabelMode == "" {
				n.LabelMode = r.m.LabelMode
			}
			if n.ASN == 0 {
				n.ASN = r.m.ProviderASN
				n.Auto = append(n.Auto, "asn")
			}
		} else {
			if ns.LabelMode != "" {
				r.d.warnf(ns.where("label_mode"), "only core routers distribute labels", "label_mode on %s (a %s) is ignored", n.Name, n.Role)
			}
			if ns.Area != nil {
				r.d.warnf(ns.where("area"), "only p, pe and rr routers run the IGP", "area on %s (a %s) is ignored", n.Name, n.Role)
			}
		}
	}
	for i, l := range r.m.Links {
		ls := r.links[i]
		a, b := r.nodes[l.A.Node], r.nodes[l.B.Node]
		l.Core = a.Role.IsCore() && b.Role.IsCore() && a.ASN == b.ASN
		l.InterAS = a.Role.IsCore() && b.Role.IsCore() && a.ASN != b.ASN
		if l.InterAS && (a.Role != RolePE || b.Role != RolePE) {
			r.d.errorf(ls.pos, "link PEs (ASBRs) between ASes; P and RR routers stay inside theirs", "link %s-%s joins AS %d and AS %d but %s is a %s", a.Name, b.Name, a.ASN, b.ASN, pick(a.Role != RolePE, a.Name, b.Name), pick(a.Role != RolePE, a.Role, b.Role))
		}
		switch {
		case ls.Area != nil:
			l.Area = *ls.Area
			if !l.Core {
				r.d.warnf(ls.where("area"), "only links between p, pe and rr routers run the IGP", "area on link %s-%s is ignored", a.Name, b.Name)
			}
		case !l.Core:
			l.Area = 0
		case a.Area == b.Area:
			l.Area = a.Area
			l.Auto = append(l.Auto, "area")
		case a.Area == 0 || b.Area == 0:
			// The backbone router is the ABR; the link is in the other area.
			l.Area = max(a.Area, b.Area)
			l.Auto = append(l.Auto, "area")
		default:
			r.d.errorf(ls.pos, "set area: on the link", "link %s-%s joins areas %s and %s; which one is it in?", a.Name, b.Name, a.Area, b.Area)
		}
	}
}

// sortedNodes returns nodes by name, so an allocation does not depend on
// file order.
func sortedNodes(nodes []*Node) []*Node {
	out := append([]*Node(nil), nodes...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
