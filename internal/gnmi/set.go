package gnmi

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"time"

	gpb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/goyang/pkg/yang"
	"github.com/openconfig/ygot/ygot"
	"github.com/openconfig/ygot/ytypes"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/intercloud/intercloud/internal/dataplane"
	"github.com/intercloud/intercloud/internal/gnmi/oc"
	"github.com/intercloud/intercloud/internal/lab"
)

// settable are the leaves Set changes, as schema paths with every key
// "*": an interface's enabled and impairment, static routes, and a BGP
// neighbour's enabled. List keys given again as leaves are accepted.
var settable = compileSettable(
	`/interfaces/interface[name=*]/(name|config/name|config/enabled|config/type)`,
	`/interfaces/interface[name=*]/impairment/config/(latency|jitter|loss|rate)`,
	`/network-instances/network-instance[name=*]/(name|config/name)`,
	`/network-instances/network-instance[name=*]/protocols/protocol[identifier=*][name=*]/(identifier|name|config/identifier|config/name)`,
	`/network-instances/network-instance[name=*]/protocols/protocol[identifier=*][name=*]/static-routes/static[prefix=*]/(prefix|config/prefix)`,
	`/network-instances/network-instance[name=*]/protocols/protocol[identifier=*][name=*]/static-routes/static[prefix=*]/next-hops/next-hop[index=*]/(index|config/index|config/next-hop)`,
	`/network-instances/network-instance[name=*]/protocols/protocol[identifier=*][name=*]/bgp/neighbors/neighbor[neighbor-address=*]/(neighbor-address|config/neighbor-address|config/enabled)`,
)

func compileSettable(pats ...string) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, p := range pats {
		p = regexp.QuoteMeta(p)
		p = strings.ReplaceAll(p, `=\*`, `=[^\]]*`)
		p = strings.NewReplacer(`\(`, `(`, `\)`, `)`, `\|`, `|`).Replace(p)
		out = append(out, regexp.MustCompile("^"+p+"$"))
	}
	return out
}

// keysOnly strips a path to its names with every key "*".
func keysOnly(p *gpb.Path) string {
	var b strings.Builder
	for _, e := range p.GetElem() {
		b.WriteString("/" + e.GetName())
		for _, k := range sortedKeys(e.GetKey()) {
			b.WriteString("[" + k + "=*]")
		}
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	// gNMI keys of one element are few: insertion sort keeps it short.
	for i := 1; i < len(ks); i++ {
		for j := i; j > 0 && ks[j] < ks[j-1]; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
	return ks
}

// change is one checked step of a Set: apply does it and returns how to
// undo it.
type change struct {
	what  string
	apply func() (undo func(), err error)
	field string    // the request's operation it comes from, as "update[0]"
	path  *gpb.Path // and that operation's full path
}

// Set applies a SetRequest all or nothing: every delete, replace and
// update is checked first (path in the schema, value of the leaf's type,
// the leaf settable, the interface, instance or neighbour present), and
// only then applied, in the order gNMI gives (deletes, replaces,
// updates); if one fails, those applied are undone.
func (s *Server) Set(_ context.Context, req *gpb.SetRequest) (*gpb.SetResponse, error) {
	n, err := s.node(req.GetPrefix())
	if err != nil {
		return nil, err
	}
	s.setMu.Lock()
	defer s.setMu.Unlock()
	var changes []change
	var results []*gpb.UpdateResult
	// Each error names the operation and the path it failed on (errors.go).
	add := func(cs []change, field string, p *gpb.Path) {
		for i := range cs {
			cs[i].field, cs[i].path = field, p
		}
		changes = append(changes, cs...)
	}
	for i, p := range req.GetDelete() {
		field := fmt.Sprintf("delete[%d]", i)
		full, err := s.setPath(req.GetPrefix(), p)
		if err != nil {
			return nil, fieldError(err, field, full)
		}
		cs, err := s.deleteChanges(n, full)
		if err != nil {
			return nil, fieldError(err, field, full)
		}
		add(cs, field, full)
		results = append(results, &gpb.UpdateResult{Path: p, Op: gpb.UpdateResult_DELETE})
	}
	for i, u := range req.GetReplace() {
		field := fmt.Sprintf("replace[%d]", i)
		cs, full, err := s.writeChanges(n, req.GetPrefix(), u, true)
		if err != nil {
			return nil, fieldError(err, field, full)
		}
		add(cs, field, full)
		results = append(results, &gpb.UpdateResult{Path: u.GetPath(), Op: gpb.UpdateResult_REPLACE})
	}
	for i, u := range req.GetUpdate() {
		field := fmt.Sprintf("update[%d]", i)
		cs, full, err := s.writeChanges(n, req.GetPrefix(), u, false)
		if err != nil {
			return nil, fieldError(err, field, full)
		}
		add(cs, field, full)
		results = append(results, &gpb.UpdateResult{Path: u.GetPath(), Op: gpb.UpdateResult_UPDATE})
	}
	if len(req.GetUnionReplace()) > 0 {
		return nil, fieldError(status.Error(codes.Unimplemented, "union_replace is not served"), "union_replace[0]", nil)
	}
	var undos []func()
	for _, c := range changes {
		undo, err := c.apply()
		if err != nil {
			for i := len(undos) - 1; i >= 0; i-- {
				undos[i]()
			}
			return nil, fieldError(status.Errorf(codes.Aborted, "%s: %v; the request's earlier changes were undone", c.what, err), c.field, c.path)
		}
		undos = append(undos, undo)
	}
	return &gpb.SetResponse{Prefix: req.GetPrefix(), Response: results, Timestamp: s.lab.Clock().Now().UnixNano()}, nil
}

// setPath joins and checks a path a Set names: in the schema (NOT_FOUND
// otherwise, gNMI specification 3.4.7), not state. The joined path is
// returned with the error too, for the message, when it could be joined.
func (s *Server) setPath(prefix, p *gpb.Path) (*gpb.Path, error) {
	full, err := fullPath(&gpb.Path{Elem: prefix.GetElem(), Element: prefix.GetElement(), Origin: prefix.GetOrigin()}, p)
	if err != nil {
		return p, err
	}
	if err := checkPath(s.schema(), full, codes.NotFound); err != nil {
		return full, err
	}
	if e := schemaEntry(s.schema(), full); e != nil && e.ReadOnly() {
		return full, status.Errorf(codes.InvalidArgument, "path %s is state (config false): it cannot be set", pathString(full))
	}
	return full, nil
}

func schemaEntry(root *yang.Entry, p *gpb.Path) *yang.Entry {
	e := root
	for _, el := range p.GetElem() {
		if e = e.Dir[el.GetName()]; e == nil {
			return nil
		}
	}
	return e
}

// writeChanges checks a replace or an update: its value is decoded into
// the schema's structs at its path (so that a value of the wrong type is
// refused as the schema says), every leaf it sets must be settable, and
// what it sets becomes changes to the lab.
func (s *Server) writeChanges(n *lab.Node, prefix *gpb.Path, u *gpb.Update, replace bool) ([]change, *gpb.Path, error) {
	full, err := s.setPath(prefix, u.GetPath())
	if err != nil {
		return nil, full, err
	}
	cs, err := s.writeChangesAt(n, full, u, replace)
	return cs, full, err
}

func (s *Server) writeChangesAt(n *lab.Node, full *gpb.Path, u *gpb.Update, replace bool) ([]change, error) {
	for _, el := range full.GetElem() {
		for k, v := range el.GetKey() {
			if v == "*" || v == "" {
				return nil, status.Errorf(codes.InvalidArgument, "path %s: key %s of %s must name one entry to be set", pathString(full), k, el.GetName())
			}
		}
	}
	if u.GetVal() == nil {
		return nil, status.Errorf(codes.InvalidArgument, "path %s: no value", pathString(full))
	}
	d := &oc.Device{}
	if err := ytypes.SetNode(s.schema(), d, full, u.GetVal(), &ytypes.InitMissingElements{}); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "path %s: the value does not fit the schema: %v", pathString(full), err)
	}
	if err := d.ΛValidate(&ytypes.LeafrefOptions{IgnoreMissingData: true}); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "path %s: the value does not fit the schema: %v", pathString(full), err)
	}
	ns, err := ygot.TogNMINotifications(d, 0, ygot.GNMINotificationsConfig{UsePathElem: true})
	if err != nil {
		return nil, status.Errorf(codes.Internal, "path %s: %v", pathString(full), err)
	}
	for _, no := range ns {
		for _, lu := range no.GetUpdate() {
			lp := join(no.GetPrefix(), lu.GetPath())
			if !isSettable(lp) {
				return nil, status.Errorf(codes.Unimplemented, "path %s: setting %s is not served (settable: interfaces' config/enabled (config/type only as it is) and impairment, static routes, BGP neighbours' config/enabled)", pathString(full), pathString(lp))
			}
		}
	}
	return s.planFrom(n, d, full, replace)
}

func isSettable(p *gpb.Path) bool {
	k := keysOnly(p)
	for _, re := range settable {
		if re.MatchString(k) {
			return true
		}
	}
	return false
}

// planFrom turns the decoded tree d of a write at full into changes.
func (s *Server) planFrom(n *lab.Node, d *oc.Device, full *gpb.Path, replace bool) ([]change, error) {
	var cs []change
	for name, i := range fieldOf(d.GetInterfaces(), func(x *oc.OpenconfigInterfaces_Interfaces) map[string]*ocInterface { return x.Interface }) {
		if t := i.GetConfig().GetType(); t != oc.IETFInterfaces_InterfaceType_UNSET {
			// The type is what the interface is: given again (a config
			// sent back as Get answered it) it changes nothing.
			if err := s.checkInterfaceType(n, name, t); err != nil {
				return nil, err
			}
		}
		if cfg := i.GetConfig(); cfg != nil && cfg.Enabled != nil {
			c, err := s.enableInterface(n, name, *cfg.Enabled)
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
		if ic := i.GetImpairment().GetConfig(); ic != nil {
			c, err := s.impairInterface(n, name, ic, replace && len(full.GetElem()) <= 4)
			if err != nil {
				return nil, err
			}
			cs = append(cs, c)
		}
	}
	for name, ni := range fieldOf(d.GetNetworkInstances(), func(x *oc.OpenconfigNetworkInstance_NetworkInstances) map[string]*ocInstance {
		return x.NetworkInstance
	}) {
		vrf, err := s.instanceVRF(n, name)
		if err != nil {
			return nil, err
		}
		for key, p := range fieldOf(ni.GetProtocols(), func(x *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols) map[oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Key]*ocProtocol {
			return x.Protocol
		}) {
			if err := checkProtocolKey(key.Identifier, key.Name); err != nil {
				return nil, err
			}
			for pfx, st := range fieldOf(p.GetStaticRoutes(), func(x *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_StaticRoutes) map[string]*ocStatic {
				return x.Static
			}) {
				c, err := s.staticChanges(n, vrf, pfx, st, replace && len(full.GetElem()) <= 7)
				if err != nil {
					return nil, err
				}
				cs = append(cs, c...)
			}
			for addr, nb := range fieldOf(p.GetBgp().GetNeighbors(), func(x *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_Bgp_Neighbors) map[string]*ocNeighbor {
				return x.Neighbor
			}) {
				if cfg := nb.GetConfig(); cfg != nil && cfg.Enabled != nil {
					c, err := s.enableNeighbor(n, vrf, addr, *cfg.Enabled)
					if err != nil {
						return nil, err
					}
					cs = append(cs, c)
				}
			}
		}
	}
	if len(cs) == 0 && !replace {
		return nil, status.Errorf(codes.InvalidArgument, "path %s: the value sets nothing the server changes (only list keys)", pathString(full))
	}
	return cs, nil
}

// deleteChanges checks a delete: what it removes must be settable.
// Deleting what is not there succeeds, as gNMI says.
func (s *Server) deleteChanges(n *lab.Node, full *gpb.Path) ([]change, error) {
	k := keysOnly(full)
	el := full.GetElem()
	key := func(i int, k string) string { return el[i].GetKey()[k] }
	const iface = "/interfaces/interface[name=*]"
	switch {
	case k == iface+"/config/enabled":
		c, err := s.enableInterface(n, key(1, "name"), true)
		return []change{c}, err
	case k == iface+"/impairment" || k == iface+"/impairment/config":
		c, err := s.impairInterface(n, key(1, "name"), &oc.OpenconfigInterfaces_Interfaces_Interface_Impairment_Config{}, true)
		return []change{c}, err
	case strings.HasPrefix(k, iface+"/impairment/config/"):
		ic := &oc.OpenconfigInterfaces_Interfaces_Interface_Impairment_Config{}
		zero := uint64(0)
		switch el[len(el)-1].GetName() {
		case "latency":
			ic.Latency = &zero
		case "jitter":
			ic.Jitter = &zero
		case "rate":
			ic.Rate = &zero
		case "loss":
			ic.Loss = ptr(0.0)
		}
		c, err := s.impairInterface(n, key(1, "name"), ic, false)
		return []change{c}, err
	}
	const proto = "/network-instances/network-instance[name=*]/protocols/protocol[identifier=*][name=*]"
	var vrf string
	if strings.HasPrefix(k, proto) {
		var err error
		if vrf, err = s.instanceVRF(n, key(1, "name")); err != nil {
			return nil, err
		}
		id := enumNamed[oc.E_OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE](key(3, "identifier"))
		if err := checkProtocolKey(id, key(3, "name")); err != nil {
			return nil, err
		}
	}
	switch k {
	case proto + "/static-routes/static[prefix=*]":
		pfx, err := parsePrefix(key(5, "prefix"))
		if err != nil {
			return nil, err
		}
		var cs []change
		for _, nh := range s.staticNexthops(n, vrf, pfx) {
			cs = append(cs, s.removeStatic(n, vrf, pfx, nh))
		}
		return cs, nil
	case proto + "/static-routes/static[prefix=*]/next-hops/next-hop[index=*]":
		pfx, err := parsePrefix(key(5, "prefix"))
		if err != nil {
			return nil, err
		}
		nh, err := netip.ParseAddr(key(7, "index"))
		if err != nil || !nh.Is4() {
			return nil, status.Errorf(codes.InvalidArgument, "path %s: a static next hop's index is its IPv4 address, not %q", pathString(full), key(7, "index"))
		}
		return []change{s.removeStatic(n, vrf, pfx, nh)}, nil
	case proto + "/bgp/neighbors/neighbor[neighbor-address=*]/config/enabled":
		c, err := s.enableNeighbor(n, vrf, key(6, "neighbor-address"), true)
		return []change{c}, err
	}
	return nil, status.Errorf(codes.Unimplemented, "path %s: deleting it is not served (deletable: an interface's config/enabled and impairment, static routes and their next hops, a BGP neighbour's config/enabled)", pathString(full))
}

// instanceVRF is the router's VRF a network instance names ("" for
// DEFAULT), or NOT_FOUND.
func (s *Server) instanceVRF(n *lab.Node, name string) (string, error) {
	if name == defaultInstance {
		return "", nil
	}
	var names []string
	for _, v := range vrfs(s.lab, n) {
		if v.Name == name {
			return name, nil
		}
		names = append(names, v.Name)
	}
	return "", status.Errorf(codes.NotFound, "%s has no network-instance %q (it has: %s)", n.Model.Name, name, strings.Join(append([]string{defaultInstance}, names...), ", "))
}

func checkProtocolKey(id oc.E_OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE, name string) error {
	switch id {
	case oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_STATIC, oc.OpenconfigPolicyTypes_INSTALL_PROTOCOL_TYPE_BGP:
		if name == id.String() {
			return nil
		}
	}
	return status.Errorf(codes.NotFound, "no protocol[identifier=%s][name=%s]: the instances' protocols are protocol[identifier=STATIC][name=STATIC], [BGP][BGP] and [OSPF][OSPF]", id, name)
}

// checkInterfaceType refuses a type other than the interface's own.
func (s *Server) checkInterfaceType(n *lab.Node, iface string, t oc.E_IETFInterfaces_InterfaceType) error {
	for _, row := range n.Router.InterfaceTable() {
		if row.Name != iface {
			continue
		}
		if is := interfaceType(row); is != t {
			return status.Errorf(codes.InvalidArgument, "%s's interface %s is %s: its type cannot become %s", n.Model.Name, iface, is, t)
		}
		return nil
	}
	return status.Errorf(codes.NotFound, "%s has no interface %q", n.Model.Name, iface)
}

// linkOf finds the link on a router's interface, or says why not.
func (s *Server) linkOf(n *lab.Node, iface string) (lab.LinkInfo, error) {
	for _, row := range n.Router.InterfaceTable() {
		if row.Name != iface {
			continue
		}
		ids, err := s.lab.FindLinks(n.Model.Name+":"+iface, "")
		if err != nil || len(ids) != 1 {
			return lab.LinkInfo{}, status.Errorf(codes.InvalidArgument, "%s's interface %s has no link (it cannot be disabled or impaired)", n.Model.Name, iface)
		}
		return s.lab.Links(ids[0])[0], nil
	}
	return lab.LinkInfo{}, status.Errorf(codes.NotFound, "%s has no interface %q", n.Model.Name, iface)
}

// enableInterface disables an interface by taking its link down, as a
// shutdown stops the carrier the far end sees, or enables it again: the
// link comes up unless its other end is disabled too.
func (s *Server) enableInterface(n *lab.Node, iface string, on bool) (change, error) {
	li, err := s.linkOf(n, iface)
	if err != nil {
		return change{}, err
	}
	node := n.Model.Name
	end := node + ":" + iface
	other := li.B
	if other == end {
		other = li.A
	}
	oNode, oIface, _ := strings.Cut(other, ":")
	return change{what: fmt.Sprintf("%s enabled %v", end, on), apply: func() (func(), error) {
		wasOff, wasUp := s.admin.disabled(node, iface), s.lab.Links(li.ID)[0].Up
		if wasOff == !on {
			// No change of admin state: a link down for another reason
			// (intercloud link down) stays down.
			return func() {}, nil
		}
		s.admin.setDisabled(node, iface, !on)
		up := on && !s.admin.disabled(oNode, oIface)
		if up != wasUp {
			if _, err := s.lab.SetLinkUp(end, "", up); err != nil {
				s.admin.setDisabled(node, iface, wasOff)
				return nil, err
			}
		}
		return func() {
			s.admin.setDisabled(node, iface, wasOff)
			if up != wasUp {
				s.lab.SetLinkUp(end, "", wasUp)
			}
		}, nil
	}}, nil
}

// impairInterface sets the impairment of an interface's link: the leaves
// ic gives, the others kept (or zero when whole is set: a replace).
func (s *Server) impairInterface(n *lab.Node, iface string, ic *oc.OpenconfigInterfaces_Interfaces_Interface_Impairment_Config, whole bool) (change, error) {
	li, err := s.linkOf(n, iface)
	if err != nil {
		return change{}, err
	}
	m := li.Impairment
	if whole {
		m = dataplane.Impairment{}
	}
	if ic.Latency != nil {
		m.Latency = time.Duration(*ic.Latency) * time.Microsecond
	}
	if ic.Jitter != nil {
		m.Jitter = time.Duration(*ic.Jitter) * time.Microsecond
	}
	if ic.Loss != nil {
		m.Loss = *ic.Loss / 100
	}
	if ic.Rate != nil {
		m.Rate = *ic.Rate
	}
	if err := m.Validate(); err != nil {
		return change{}, status.Errorf(codes.InvalidArgument, "%s's interface %s impairment: %v", n.Model.Name, iface, err)
	}
	end := n.Model.Name + ":" + iface
	return change{what: "impairment of " + end, apply: func() (func(), error) {
		prev := s.lab.Links(li.ID)[0].Impairment
		if _, err := s.lab.Impair(end, "", m); err != nil {
			return nil, err
		}
		return func() { s.lab.Impair(end, "", prev) }, nil
	}}, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p != p.Masked() {
		return netip.Prefix{}, status.Errorf(codes.InvalidArgument, "static route prefix %q: want an IPv4 prefix with no host bits, as 10.1.0.0/16", s)
	}
	return p, nil
}

// staticNexthops are the next hops a static route of vrf has now.
func (s *Server) staticNexthops(n *lab.Node, vrf string, pfx netip.Prefix) []netip.Addr {
	p := &oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol{}
	staticRoutes(p, n.Router, vrf)
	var out []netip.Addr
	for idx := range fieldOf(p.GetStaticRoutes().GetStatic(pfx.String()).GetNextHops(), staticNextHops) {
		if a, err := netip.ParseAddr(idx); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// staticChanges adds a static route's next hops; with replace, those it
// had and no longer lists go.
func (s *Server) staticChanges(n *lab.Node, vrf, prefix string, st *ocStatic, replace bool) ([]change, error) {
	pfx, err := parsePrefix(prefix)
	if err != nil {
		return nil, err
	}
	want := map[netip.Addr]bool{}
	for idx, nh := range fieldOf(st.GetNextHops(), staticNextHops) {
		given, _ := nh.GetConfig().GetNextHop().(oc.UnionString)
		a, err := netip.ParseAddr(string(given))
		if err != nil || !a.Is4() {
			return nil, status.Errorf(codes.InvalidArgument, "static route %s next-hop[index=%s]: config/next-hop %v is not an IPv4 address (next hops of other kinds are not served)", prefix, idx, unionText(nh.GetConfig().GetNextHop()))
		}
		if idx != a.String() {
			return nil, status.Errorf(codes.InvalidArgument, "static route %s next-hop[index=%s]: the index of a next hop is its address here (want index %s)", prefix, idx, a)
		}
		want[a] = true
	}
	var cs []change
	if replace {
		for _, a := range s.staticNexthops(n, vrf, pfx) {
			if !want[a] {
				cs = append(cs, s.removeStatic(n, vrf, pfx, a))
			}
		}
	}
	for a := range want {
		had := false
		for _, b := range s.staticNexthops(n, vrf, pfx) {
			had = had || a == b
		}
		if had {
			continue
		}
		cs = append(cs, change{what: fmt.Sprintf("static route %s via %s", pfx, a), apply: func() (func(), error) {
			if err := n.Router.AddStatic(vrf, pfx, a); err != nil {
				return nil, err
			}
			return func() { n.Router.RemoveStatic(vrf, pfx, a) }, nil
		}})
	}
	return cs, nil
}

func (s *Server) removeStatic(n *lab.Node, vrf string, pfx netip.Prefix, a netip.Addr) change {
	return change{what: fmt.Sprintf("removing static route %s via %s", pfx, a), apply: func() (func(), error) {
		if !n.Router.RemoveStatic(vrf, pfx, a) {
			return func() {}, nil
		}
		return func() { n.Router.AddStatic(vrf, pfx, a) }, nil
	}}
}

// enableNeighbor shuts a BGP neighbour down (its peer is removed from the
// speaker, which closes the session with a Cease) or brings it back with
// the configuration it had.
func (s *Server) enableNeighbor(n *lab.Node, vrf, addr string, on bool) (change, error) {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return change{}, status.Errorf(codes.InvalidArgument, "neighbor-address %q is not an address", addr)
	}
	sp := speaker(n, vrf)
	k := peerKey{node: n.Model.Name, vrf: vrf, addr: a}
	if sp == nil {
		return change{}, status.Errorf(codes.NotFound, "%s runs no BGP in network-instance %s", n.Model.Name, instanceName(vrf))
	}
	_, shut := s.admin.shutPeer(k)
	_, configured := sp.PeerConfig(a)
	if !shut && !configured {
		return change{}, status.Errorf(codes.NotFound, "%s has no BGP neighbor %s in network-instance %s", n.Model.Name, addr, instanceName(vrf))
	}
	return change{what: fmt.Sprintf("BGP neighbor %s enabled %v", addr, on), apply: func() (func(), error) {
		cfg, isShut := s.admin.shutPeer(k)
		switch {
		case !on && !isShut:
			cfg, ok := sp.PeerConfig(a)
			if !ok {
				return nil, fmt.Errorf("no neighbor %s", a)
			}
			if err := sp.RemovePeer(a); err != nil {
				return nil, err
			}
			s.admin.setShut(k, &cfg)
			return func() { sp.AddPeer(cfg); s.admin.setShut(k, nil) }, nil
		case on && isShut:
			if err := sp.AddPeer(cfg); err != nil {
				return nil, err
			}
			s.admin.setShut(k, nil)
			return func() { sp.RemovePeer(a); s.admin.setShut(k, &cfg) }, nil
		}
		return func() {}, nil
	}}, nil
}

func instanceName(vrf string) string {
	if vrf == "" {
		return defaultInstance
	}
	return vrf
}

type ocStatic = oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_StaticRoutes_Static

// fieldOf reads a list's map out of its container, nil when the
// container is (the generated getters return nil containers).
func fieldOf[C any, M any](c *C, f func(*C) M) M {
	if c == nil {
		var zero M
		return zero
	}
	return f(c)
}

func staticNextHops(x *oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_StaticRoutes_Static_NextHops) map[string]*oc.OpenconfigNetworkInstance_NetworkInstances_NetworkInstance_Protocols_Protocol_StaticRoutes_Static_NextHops_NextHop {
	return x.NextHop
}

// unionText is a union leaf's value as a user wrote it (an enumeration's
// name, or the value).
func unionText(v any) string {
	switch x := v.(type) {
	case nil:
		return "(none)"
	case ygot.GoEnum:
		return fmt.Sprintf("%q", x.String())
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}
