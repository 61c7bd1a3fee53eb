package export

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/intercloud/intercloud/internal/topology"
)

// OpenConfig renders node's configuration as OpenConfig data encoded as
// RFC 7951 JSON: openconfig-interfaces (with openconfig-if-ip addresses),
// openconfig-network-instance (the default instance with OSPFv2, BGP,
// static routes and LDP; an L3VRF per VPN with its RD, interfaces and
// PE-CE BGP) and openconfig-routing-policy (the clouds' allowed prefixes,
// the VPNs' route targets). Leaf names and paths follow the models
// published at github.com/openconfig/public. JSON has no comments, so
// what the document cannot carry is returned beside it (Write puts it in
// NODE/openconfig-not-exported.txt).
func OpenConfig(m *topology.Model, node string) (doc []byte, omitted []string, err error) {
	n := m.Node(node)
	if n == nil {
		return nil, nil, fmt.Errorf("no node %q", node)
	}
	if !Exported(n) {
		return nil, nil, fmt.Errorf("%s is a %s, not a router intercloud exports", node, n.Role)
	}
	o := &ocBuilder{m: m, n: n}
	root := obj{
		"openconfig-interfaces:interfaces":              o.interfaces(),
		"openconfig-network-instance:network-instances": obj{"network-instance": o.instances()},
		"openconfig-routing-policy:routing-policy":      o.policy(),
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	return append(b, '\n'), o.omit, nil
}

type obj = map[string]any

var mustDefault = netip.MustParsePrefix("0.0.0.0/0")

type ocBuilder struct {
	m     *topology.Model
	n     *topology.Node
	omit  []string
	rtSet map[string][]string // ext-community-set name -> members
}

// withConfig makes a list entry whose keys repeat in its config container,
// as every OpenConfig list does.
func withConfig(keys obj, config obj, rest obj) obj {
	c := obj{}
	for k, v := range keys {
		c[k] = v
	}
	for k, v := range config {
		c[k] = v
	}
	e := obj{"config": c}
	for k, v := range keys {
		e[k] = v
	}
	for k, v := range rest {
		e[k] = v
	}
	return e
}

func ipv4(addr string, bits int) obj {
	return obj{"addresses": obj{"address": []any{withConfig(obj{"ip": addr}, obj{"prefix-length": bits}, nil)}}}
}

func subif(addr string, bits int) obj {
	return obj{"subinterface": []any{withConfig(obj{"index": 0}, nil, obj{"openconfig-if-ip:ipv4": ipv4(addr, bits)})}}
}

func (o *ocBuilder) interfaces() obj {
	var list []any
	list = append(list, withConfig(obj{"name": "lo"}, obj{"type": "iana-if-type:softwareLoopback", "enabled": true},
		obj{"subinterfaces": subif(o.n.Loopback.Addr().String(), o.n.Loopback.Bits())}))
	for _, ifc := range o.n.Interfaces {
		l := o.m.Links[ifc.LinkID]
		list = append(list, withConfig(obj{"name": ifc.Name}, obj{
			"type":        "iana-if-type:ethernetCsmacd",
			"enabled":     l.Up,
			"mtu":         l.MTU,
			"description": fmt.Sprintf("to %s (link %d)", ifc.Peer, l.ID),
		}, obj{"subinterfaces": subif(ifc.Addr.Addr().String(), ifc.Addr.Bits())}))
	}
	return obj{"interface": list}
}

func protocol(ident, name string, body obj) obj {
	return withConfig(obj{"identifier": "openconfig-policy-types:" + ident, "name": name}, nil, body)
}

func (o *ocBuilder) instances() []any {
	n, m := o.n, o.m
	edge := planEdge(m)
	var protos []any
	core := n.Role.IsCore()
	if core {
		protos = append(protos, protocol("OSPF", "ospf", obj{"ospfv2": o.ospf()}))
	}
	nbs := neighbors(m, n.Name)
	var global []neighbor
	inVRF := map[string][]neighbor{}
	for _, nb := range nbs {
		if nb.vrf != "" {
			inVRF[nb.vrf] = append(inVRF[nb.vrf], nb)
		} else {
			global = append(global, nb)
		}
		if nb.has("rtc") {
			o.omit = appendOnce(o.omit, "route target constraint (RFC 4684): OpenConfig's BGP has no afi-safi for it")
		}
	}
	if len(global) > 0 || n.Role == topology.RoleCE {
		protos = append(protos, protocol("BGP", "bgp", obj{"bgp": o.bgp(global, n.Role == topology.RoleCE)}))
	}
	statics := edge.below[n.Name]
	if h, ok := edge.up[n.Name]; ok && !edge.vpnSite(m, n.Name) {
		statics = append(statics, route{prefix: mustDefault, via: farEnd(h.link, n.Name)})
	}
	for _, s := range n.Statics {
		if s.VRF == "" {
			statics = append(statics, route{prefix: s.Prefix, via: s.NextHop})
		}
	}
	for _, c := range m.Clouds {
		if c.Attach == n.Name && c.Joins(topology.JoinFloatingIP) && c.LinkID >= 0 && attachVRF(m, c) == "" {
			statics = append(statics, route{prefix: c.Prefix, via: farEnd(m.Links[c.LinkID], n.Name)})
		}
	}
	if len(statics) > 0 {
		var list []any
		for _, r := range statics {
			list = append(list, withConfig(obj{"prefix": r.prefix.String()}, nil, obj{"next-hops": obj{"next-hop": []any{
				withConfig(obj{"index": "0"}, obj{"next-hop": r.via.String()}, nil)}}}))
		}
		protos = append(protos, protocol("STATIC", "static", obj{"static-routes": obj{"static": list}}))
	}
	def := withConfig(obj{"name": "default"}, obj{"type": "openconfig-network-instance-types:DEFAULT_INSTANCE", "router-id": n.RouterID.String()}, nil)
	if len(protos) > 0 {
		def["protocols"] = obj{"protocol": protos}
	}
	if core && n.LabelMode == topology.LabelLDP {
		var ifs []any
		for _, ifc := range n.Interfaces {
			if l := m.Links[ifc.LinkID]; l.Core && !l.InterAS {
				ifs = append(ifs, withConfig(obj{"interface-id": ifc.Name}, nil, nil))
			}
		}
		def["mpls"] = obj{"signaling-protocols": obj{"ldp": obj{
			"global":               obj{"config": obj{"lsr-id": n.RouterID.String()}},
			"interface-attributes": obj{"interfaces": obj{"interface": ifs}},
		}}}
	}
	for _, r := range abrRanges(m, n) { // nil unless a core ABR
		o.omit = append(o.omit, fmt.Sprintf("OSPF area %s range %s: openconfig-ospfv2 has no area ranges; configure the summary on the device (FRR: `area %s range %s` under router ospf)", r.area, r.prefix, r.area, r.prefix))
	}
	if core && n.PrefixSuppression {
		o.omit = append(o.omit, "prefix suppression (RFC 6860): openconfig-ospfv2 has no leaf for it; set it on the device (IOS: prefix-suppression under router ospf)")
	}
	if core && n.LabelMode == topology.LabelSR {
		o.omit = append(o.omit, fmt.Sprintf("segment routing (SRGB %d-%d, node SID index %d): write it with openconfig-segment-routing by hand", topology.SRGBBase, topology.SRGBBase+topology.SRGBSize-1, n.SRIndex))
	}
	out := []any{def}
	for _, s := range n.Statics {
		if s.VRF != "" {
			o.omit = append(o.omit, fmt.Sprintf("static route %s via %s in vrf %s", s.Prefix, s.NextHop, s.VRF))
		}
	}
	for _, c := range m.Clouds {
		if c.Attach == n.Name && c.Joins(topology.JoinFloatingIP) && c.LinkID >= 0 && attachVRF(m, c) != "" {
			o.omit = append(o.omit, fmt.Sprintf("cloud %s's floating range %s, routed in vrf %s (frr.conf has it)", c.Name, c.Prefix, attachVRF(m, c)))
		}
	}
	for _, v := range vrfsOf(m, n.Name) {
		var ifs []any
		for _, i := range v.ifaces {
			ifs = append(ifs, withConfig(obj{"id": i}, obj{"interface": i, "subinterface": 0}, nil))
		}
		imp, exp := v.name+"-import", v.name+"-export"
		inst := withConfig(obj{"name": v.name}, obj{"type": "openconfig-network-instance-types:L3VRF", "route-distinguisher": v.rd, "router-id": n.RouterID.String()}, obj{
			"interfaces":              obj{"interface": ifs},
			"inter-instance-policies": obj{"apply-policy": obj{"config": obj{"import-policy": []any{imp}, "export-policy": []any{exp}}}},
		})
		if nbs := inVRF[v.name]; len(nbs) > 0 {
			inst["protocols"] = obj{"protocol": []any{protocol("BGP", "bgp", obj{"bgp": o.bgp(nbs, false)})}}
		}
		out = append(out, inst)
	}
	return out
}

func (o *ocBuilder) ospf() obj {
	n, m := o.n, o.m
	areas := map[topology.Area][]any{}
	var order []topology.Area
	add := func(a topology.Area, e obj) {
		if _, ok := areas[a]; !ok {
			order = append(order, a)
		}
		areas[a] = append(areas[a], e)
	}
	add(n.Area, withConfig(obj{"id": "lo"}, obj{"passive": true}, obj{"interface-ref": obj{"config": obj{"interface": "lo", "subinterface": 0}}}))
	for _, ifc := range n.Interfaces {
		l := m.Links[ifc.LinkID]
		if !l.Core || l.InterAS {
			continue
		}
		add(l.Area, withConfig(obj{"id": ifc.Name}, obj{"metric": l.Cost, "network-type": "openconfig-ospf-types:POINT_TO_POINT_NETWORK"},
			obj{"interface-ref": obj{"config": obj{"interface": ifc.Name, "subinterface": 0}}}))
	}
	var list []any
	for _, a := range order {
		list = append(list, withConfig(obj{"identifier": a.String()}, nil, obj{"interfaces": obj{"interface": areas[a]}}))
	}
	return obj{"global": obj{"config": obj{"router-id": n.RouterID.String()}}, "areas": obj{"area": list}}
}

var afiSafiName = map[string]string{
	"ipv4-unicast": "openconfig-bgp-types:IPV4_UNICAST",
	"ipv4-vpn":     "openconfig-bgp-types:L3VPN_IPV4_UNICAST",
	"ipv6-vpn":     "openconfig-bgp-types:L3VPN_IPV6_UNICAST",
}

func afiSafi(f string, rest obj) obj {
	return withConfig(obj{"afi-safi-name": afiSafiName[f]}, obj{"enabled": true}, rest)
}

func (o *ocBuilder) bgp(nbs []neighbor, ce bool) obj {
	n := o.n
	families := map[string]bool{}
	var list []any
	for _, nb := range nbs {
		cfg := obj{"peer-as": nb.asn}
		desc := nb.name
		if nb.cloud != "" && nb.onDemand {
			desc += " (cloud, up once its OpenStack runs the BGP speaker)"
		}
		cfg["description"] = desc
		e := withConfig(obj{"neighbor-address": nb.addr.String()}, cfg, nil)
		if nb.loopbacked {
			e["transport"] = obj{"config": obj{"local-address": "lo"}}
		}
		if nb.client {
			rr := obj{"route-reflector-client": true}
			if n.ClusterID.IsValid() {
				rr["route-reflector-cluster-id"] = n.ClusterID.String()
			}
			e["route-reflector"] = obj{"config": rr}
		}
		var afs []any
		for _, f := range nb.s.Families {
			if _, ok := afiSafiName[f]; !ok {
				continue
			}
			families[f] = true
			var rest obj
			if nb.cloud != "" && f != "ipv6-vpn" {
				rest = obj{"apply-policy": obj{"config": obj{"import-policy": []any{cloudList(nb.cloud)}}}}
			}
			afs = append(afs, afiSafi(f, rest))
		}
		e["afi-safis"] = obj{"afi-safi": afs}
		list = append(list, e)
	}
	var gafs []any
	for _, f := range []string{"ipv4-unicast", "ipv4-vpn", "ipv6-vpn"} {
		if families[f] || (ce && f == "ipv4-unicast") {
			gafs = append(gafs, afiSafi(f, nil))
		}
	}
	if ce {
		o.omit = appendOnce(o.omit, "the CE's originated prefixes (FRR's `network` statements): OpenConfig has no BGP network leaf; they are the connected and static routes a table-connection into BGP would carry, filtered to "+strings.Join(prefixStrings(ceNetworks(o.m, n)), ", "))
	}
	g := obj{"config": obj{"as": localAS(n, nbs), "router-id": n.RouterID.String()}, "afi-safis": obj{"afi-safi": gafs}}
	out := obj{"global": g}
	if len(list) > 0 {
		out["neighbors"] = obj{"neighbor": list}
	}
	return out
}

// localAS is the router's own AS for its BGP sessions.
func localAS(n *topology.Node, nbs []neighbor) uint32 {
	if len(nbs) > 0 && nbs[0].localASN != 0 {
		return nbs[0].localASN
	}
	return n.ASN
}

func (o *ocBuilder) policy() obj {
	n, m := o.n, o.m
	var prefixSets, extSets, defs []any
	done := map[string]bool{}
	for _, nb := range neighbors(m, n.Name) {
		if nb.cloud == "" || done[nb.cloud] {
			continue
		}
		done[nb.cloud] = true
		c := cloudByName(m, nb.cloud)
		name := cloudList(c.Name)
		prefixSets = append(prefixSets, withConfig(obj{"name": name}, obj{"mode": "IPV4"}, obj{"prefixes": obj{"prefix": []any{
			withConfig(obj{"ip-prefix": c.Prefix.String(), "masklength-range": strconv.Itoa(c.Prefix.Bits()) + "..32"}, nil, nil)}}}))
		defs = append(defs, withConfig(obj{"name": name}, nil, obj{"statements": obj{"statement": []any{
			withConfig(obj{"name": "allowed"}, nil, obj{
				"conditions": obj{"match-prefix-set": obj{"config": obj{"prefix-set": name, "match-set-options": "ANY"}}},
				"actions":    obj{"config": obj{"policy-result": "ACCEPT_ROUTE"}},
			}),
			withConfig(obj{"name": "others"}, nil, obj{"actions": obj{"config": obj{"policy-result": "REJECT_ROUTE"}}}),
		}}}))
	}
	for _, v := range vrfsOf(m, n.Name) {
		rts := func(list []string) []any {
			var out []any
			for _, rt := range list {
				out = append(out, "route-target:"+rt)
			}
			return out
		}
		for _, dir := range []struct {
			name   string
			rts    []string
			action obj
		}{
			{v.name + "-import", v.vpn.Import, nil},
			{v.name + "-export", v.vpn.Export, nil},
		} {
			set := dir.name + "-rt"
			extSets = append(extSets, withConfig(obj{"ext-community-set-name": set}, obj{"ext-community-member": rts(dir.rts)}, nil))
			var st obj
			if strings.HasSuffix(dir.name, "-import") {
				st = withConfig(obj{"name": "rt"}, nil, obj{
					"conditions": obj{"openconfig-bgp-policy:bgp-conditions": obj{"match-ext-community-set": obj{"config": obj{"ext-community-set": set, "match-set-options": "ANY"}}}},
					"actions":    obj{"config": obj{"policy-result": "ACCEPT_ROUTE"}},
				})
			} else {
				st = withConfig(obj{"name": "rt"}, nil, obj{
					"actions": obj{"config": obj{"policy-result": "ACCEPT_ROUTE"},
						"openconfig-bgp-policy:bgp-actions": obj{"set-ext-community": obj{
							"config":    obj{"method": "REFERENCE", "options": "ADD"},
							"reference": obj{"config": obj{"ext-community-set-refs": []any{set}}}}}},
				})
			}
			defs = append(defs, withConfig(obj{"name": dir.name}, nil, obj{"statements": obj{"statement": []any{st}}}))
		}
	}
	ds := obj{}
	if len(prefixSets) > 0 {
		ds["prefix-sets"] = obj{"prefix-set": prefixSets}
	}
	if len(extSets) > 0 {
		ds["openconfig-bgp-policy:bgp-defined-sets"] = obj{"ext-community-sets": obj{"ext-community-set": extSets}}
	}
	out := obj{}
	if len(ds) > 0 {
		out["defined-sets"] = ds
	}
	if len(defs) > 0 {
		out["policy-definitions"] = obj{"policy-definition": defs}
	}
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
