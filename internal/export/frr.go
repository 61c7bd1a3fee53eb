package export

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/topology"
)

// FRRVersion is the FRR release the configurations are written for (and
// proven against: Debian's frr 8.4) and the container image containerlab
// runs.
const FRRVersion = "8.4.4"

// Exported reports whether node gets a router configuration: the
// provider's routers and the customers' edges. Clouds and their compute
// nodes are OpenStack (Neutron configures them), hosts are end systems.
func Exported(n *topology.Node) bool {
	switch n.Role {
	case topology.RoleP, topology.RolePE, topology.RoleCE, topology.RoleRR:
		return true
	}
	return false
}

// neighbor is one BGP session seen from one of its ends.
type neighbor struct {
	s          topology.Session
	name       string // the node at the other end
	local      netip.Addr
	addr       netip.Addr
	localASN   uint32
	asn        uint32
	vrf        string
	client     bool   // the other end is this router's route-reflector client
	cloud      string // the other end is this cloud's node
	computeOf  string // the other end is a compute node (a PE) of this cloud
	netNodeOf  string // the other end is this bgpvpn cloud's network node, PE of its router associations
	onDemand   bool
	loopbacked bool // iBGP between loopbacks: update-source lo
}

func (n neighbor) has(family string) bool { return slices.Contains(n.s.Families, family) }

// neighbors lists node's BGP sessions in the model's order.
func neighbors(m *topology.Model, node string) []neighbor {
	var out []neighbor
	for _, s := range m.Sessions {
		var nb neighbor
		switch node {
		case s.A:
			nb = neighbor{s: s, name: s.B, local: s.AAddr, addr: s.BAddr, localASN: s.AASN, asn: s.BASN, vrf: s.VRF, client: s.BClient}
		case s.B:
			nb = neighbor{s: s, name: s.A, local: s.BAddr, addr: s.AAddr, localASN: s.BASN, asn: s.AASN, client: s.RRClient}
		default:
			continue
		}
		if peer := m.Node(nb.name); peer != nil && peer.Role == topology.RoleCloud && s.Kind == topology.SessionCloudCore && joinsBGPVPN(m, peer.Cloud) {
			// Tenants' subnets, not the cloud's prefix, as a compute's.
			nb.netNodeOf = peer.Cloud
		} else if peer != nil && peer.Role == topology.RoleCloud {
			nb.cloud = peer.Cloud
		} else if peer != nil && peer.Role == topology.RoleCompute {
			nb.computeOf = peer.Cloud
		}
		nb.onDemand = s.OnDemand()
		nb.loopbacked = nb.asn == nb.localASN && (s.Kind == topology.SessionIBGPVPN || s.Kind == topology.SessionRRMesh || s.Kind == topology.SessionCloudCore)
		out = append(out, nb)
	}
	return out
}

// frrWriter accumulates a configuration and the parts left out of it.
type frrWriter struct {
	b    strings.Builder
	omit []string
	opts FRROptions
}

// FRROptions are choices the model does not make: a reference lab's
// timers. Zero values keep FRR's defaults (OSPF hello 10 s, dead 40 s;
// BGP keepalive 60 s, hold 180 s).
type FRROptions struct {
	OSPFHello, OSPFDead   int // seconds, on every OSPF interface; both or neither
	BGPKeepalive, BGPHold int // seconds, on every BGP neighbor; both or neither
}

// FastTimers are the fast timers reference labs measure with: hello 1 s,
// dead 3 s, keepalive 1 s, hold 3 s.
var FastTimers = FRROptions{OSPFHello: 1, OSPFDead: 3, BGPKeepalive: 1, BGPHold: 3}

func (w *frrWriter) line(format string, args ...any) { fmt.Fprintf(&w.b, format+"\n", args...) }

// FRR renders node's frr.conf: interfaces and addresses, OSPF with the
// model's areas and costs (and an ABR's area ranges), LDP or segment
// routing, BGP with the VPNs' VRFs, RDs and RTs, route reflection, eBGP to
// CEs and clouds with prefix lists of the clouds' allowed prefixes, and
// the edge's static routes.
// Parts FRR cannot express, or that are not a router's, are listed in a
// comment at the top.
func FRR(m *topology.Model, node string) ([]byte, error) {
	return FRRWith(m, node, FRROptions{})
}

// FRRWith is FRR with opts' timers written into the file.
func FRRWith(m *topology.Model, node string, opts FRROptions) ([]byte, error) {
	if (opts.OSPFHello == 0) != (opts.OSPFDead == 0) || (opts.BGPKeepalive == 0) != (opts.BGPHold == 0) {
		return nil, fmt.Errorf("FRR timers: give hello with dead and keepalive with hold, not one alone")
	}
	n := m.Node(node)
	if n == nil {
		return nil, fmt.Errorf("no node %q", node)
	}
	if !Exported(n) {
		return nil, fmt.Errorf("%s is a %s, not a router intercloud exports", node, n.Role)
	}
	edge := planEdge(m)
	nbs := neighbors(m, node)
	w := frrWriter{opts: opts}
	body := renderFRR(&w, m, n, edge, nbs)

	var out strings.Builder
	fmt.Fprintf(&out, "! frr.conf of %s (%s) in lab %s, exported by `intercloud export` for FRR %s.\n", n.Name, n.Role, m.Name, FRRVersion)
	out.WriteString("! Addresses, ASNs, RDs and RTs are the resolved model's (`intercloud inspect`).\n")
	for _, vrf := range vrfsOf(m, node) {
		fmt.Fprintf(&out, "! VRF %s is a Linux VRF device made outside FRR, its interfaces enslaved to it:\n", vrf.name)
		fmt.Fprintf(&out, "!   ip link add %s type vrf table %d && ip link set %s up", vrf.name, vrf.table, vrf.name)
		for _, i := range vrf.ifaces {
			fmt.Fprintf(&out, " && ip link set %s master %s", i, vrf.name)
		}
		out.WriteString("\n")
	}
	if len(w.omit) > 0 {
		out.WriteString("! Not in this file:\n")
		for _, o := range w.omit {
			fmt.Fprintf(&out, "!  - %s\n", o)
		}
	}
	out.WriteString("!\n")
	out.WriteString(body)
	return []byte(out.String()), nil
}

type vrfInfo struct {
	name   string
	table  int
	ifaces []string
	vpn    *topology.VPN
	rd     string
}

// vrfsOf lists node's VRFs (a PE's), with a kernel table each, in the
// order of the model's VPNs.
func vrfsOf(m *topology.Model, node string) []vrfInfo {
	var out []vrfInfo
	for i, v := range m.VPNs {
		for _, vr := range v.VRFs {
			if vr.PE == node {
				out = append(out, vrfInfo{name: v.Name, table: 1001 + i, ifaces: vr.Interfaces, vpn: v, rd: vr.RD})
			}
		}
	}
	return out
}

func renderFRR(w *frrWriter, m *topology.Model, n *topology.Node, edge *edgePlan, nbs []neighbor) string {
	w.line("frr version %s", strings.Join(strings.Split(FRRVersion, ".")[:2], "."))
	w.line("frr defaults traditional")
	w.line("hostname %s", n.Name)
	w.line("log syslog informational")
	w.line("service integrated-vtysh-config")
	w.line("!")
	core := n.Role.IsCore()
	vrfs := vrfsOf(m, n.Name)
	for _, v := range vrfs {
		w.line("vrf %s", v.name)
		w.line("exit-vrf")
		w.line("!")
	}

	// Interfaces: the loopback, then one per link end.
	w.line("interface lo")
	w.line(" ip address %s", n.Loopback)
	if core {
		w.line(" ip ospf area %s", n.Area)
	}
	w.line("exit")
	w.line("!")
	for _, ifc := range n.Interfaces {
		l := m.Links[ifc.LinkID]
		w.line("interface %s", ifc.Name)
		w.line(" description to %s (link %d)", ifc.Peer, l.ID)
		w.line(" ip address %s", ifc.Addr)
		if l.Core && !l.InterAS && core {
			w.line(" ip ospf area %s", l.Area)
			w.line(" ip ospf cost %d", l.Cost)
			w.line(" ip ospf network point-to-point")
			if w.opts.OSPFHello > 0 {
				w.line(" ip ospf hello-interval %d", w.opts.OSPFHello)
				w.line(" ip ospf dead-interval %d", w.opts.OSPFDead)
			}
		}
		if !l.Up {
			w.line(" shutdown")
		}
		w.line("exit")
		w.line("!")
	}
	if slices.ContainsFunc(n.Interfaces, func(i *topology.Interface) bool {
		return m.Links[i.LinkID].Latency > 0 || m.Links[i.LinkID].Loss > 0 || m.Links[i.LinkID].Rate > 0
	}) {
		w.omit = append(w.omit, "links' latency, jitter, loss and rate: properties of the wires (tc netem on a lab's veths), not of the router")
	}

	// Static routes: the edge below this router, the file's own, and a
	// default toward the parent for an edge router outside a VPN site.
	statics := edge.below[n.Name]
	var filed []topology.Static
	for _, s := range n.Statics {
		if s.VRF == "" {
			statics = append(statics, route{prefix: s.Prefix, via: s.NextHop})
		} else {
			filed = append(filed, s)
		}
	}
	if h, ok := edge.up[n.Name]; ok && !edge.vpnSite(m, n.Name) {
		statics = append(statics, route{prefix: netip.MustParsePrefix("0.0.0.0/0"), via: farEnd(h.link, n.Name), to: h.parent})
	}
	for _, c := range m.Clouds {
		if c.Attach == n.Name && c.Joins(topology.JoinFloatingIP) && c.LinkID >= 0 && attachVRF(m, c) == "" {
			statics = append(statics, route{prefix: c.Prefix, via: farEnd(m.Links[c.LinkID], n.Name), to: c.Node})
		}
	}
	for _, r := range statics {
		w.line("ip route %s %s", r.prefix, r.via)
	}
	for _, v := range vrfs {
		var vs []string
		for _, s := range filed {
			if s.VRF == v.name {
				vs = append(vs, fmt.Sprintf(" ip route %s %s", s.Prefix, s.NextHop))
			}
		}
		for _, c := range m.Clouds {
			if c.Attach == n.Name && c.Joins(topology.JoinFloatingIP) && c.LinkID >= 0 && attachVRF(m, c) == v.name {
				vs = append(vs, fmt.Sprintf(" ip route %s %s", c.Prefix, farEnd(m.Links[c.LinkID], n.Name)))
			}
		}
		if len(vs) > 0 {
			w.line("vrf %s", v.name)
			for _, s := range vs {
				w.line("%s", s)
			}
			w.line("exit-vrf")
		}
	}
	if len(statics) > 0 || len(filed) > 0 {
		w.line("!")
	}

	if core {
		renderOSPF(w, m, n, len(statics) > 0)
		if n.LabelMode == topology.LabelLDP {
			renderLDP(w, m, n)
		}
		if n.PrefixSuppression {
			w.omit = append(w.omit, "prefix suppression (RFC 6860): FRR's ospfd has none, so this router advertises its core links' subnets, which the lab leaves out; the routes to the loopbacks, the LSPs and the VPNs are the same")
		}
		if !n.NoFRR {
			w.omit = append(w.omit, "fast reroute (TI-LFA / LFA): the lab protects every destination; FRR 8.4's ospfd has TI-LFA only with segment routing, add `fast-reroute ti-lfa` under `router ospf` by hand")
		}
	}
	for _, c := range m.Clouds {
		if c.Attach == n.Name {
			w.omit = append(w.omit, fmt.Sprintf("cloud %s (%s): its OpenStack side (Neutron's routers, speaker or bagpipe PEs) is the cloud's configuration, not a router's; this file holds only the attachment", c.Name, c.JoinText()))
		}
	}
	renderPrefixLists(w, m, nbs)
	renderBGP(w, m, n, nbs, vrfs)
	for _, p := range m.SRPolicies {
		if p.Headend == n.Name {
			w.omit = append(w.omit, fmt.Sprintf("SR-TE policy color %d to %s: write it for pathd (`segment-routing / traffic-eng`) by hand", p.Color, p.Endpoint))
		}
	}
	w.line("end")
	return w.b.String()
}

// attachVRF is the VRF of the attach node's interface on the cloud's
// uplink, "" for the global table.
func attachVRF(m *topology.Model, c *topology.Cloud) string {
	att := m.Node(c.Attach)
	if att == nil {
		return ""
	}
	for _, i := range att.Interfaces {
		if i.LinkID == c.LinkID {
			return i.VRF
		}
	}
	return ""
}

func renderOSPF(w *frrWriter, m *topology.Model, n *topology.Node, redistribute bool) {
	w.line("router ospf")
	w.line(" ospf router-id %s", n.RouterID)
	w.line(" passive-interface lo")
	if redistribute {
		w.line(" redistribute static")
	}
	areas := ospfAreas(m, n)
	for _, a := range areas {
		if x, ok := m.NSSAs[a]; ok {
			// no-summary only where it acts: on the area's border routers.
			if x.NoSummary && len(areas) > 1 {
				w.line(" area %s nssa no-summary", a)
			} else {
				w.line(" area %s nssa", a)
			}
		}
	}
	for _, r := range abrRanges(m, n) {
		w.line(" area %s range %s", r.area, r.prefix)
	}
	if n.LabelMode == topology.LabelSR {
		w.line(" capability opaque")
		w.line(" router-info area")
		w.line(" segment-routing on")
		w.line(" segment-routing global-block %d %d", topology.SRGBBase, topology.SRGBBase+topology.SRGBSize-1)
		if n.SRIndex >= 0 {
			w.line(" segment-routing prefix %s index %d", n.Loopback, n.SRIndex)
		}
	}
	w.line("exit")
	w.line("!")
}

// areaRange is one address range of an area, as `area A range P`.
type areaRange struct {
	area   topology.Area
	prefix netip.Prefix
}

// abrRanges lists the address ranges n summarises as an area border
// router: when its OSPF interfaces (the loopback, core links) are in more
// than one area, the model's ranges of each of those areas, by area and
// in the model's order within one. Nil for a router inside one area.
func abrRanges(m *topology.Model, n *topology.Node) []areaRange {
	if len(m.AreaRanges) == 0 {
		return nil
	}
	areas := ospfAreas(m, n)
	if len(areas) < 2 {
		return nil
	}
	var out []areaRange
	for _, a := range areas {
		for _, p := range m.AreaRanges[a] {
			out = append(out, areaRange{a, p})
		}
	}
	return out
}

// ospfAreas are the areas n's loopback and core links are in, sorted:
// more than one makes it an ABR.
func ospfAreas(m *topology.Model, n *topology.Node) []topology.Area {
	areas := []topology.Area{n.Area}
	for _, ifc := range n.Interfaces {
		if l := m.Links[ifc.LinkID]; l.Core && !l.InterAS && !slices.Contains(areas, l.Area) {
			areas = append(areas, l.Area)
		}
	}
	slices.Sort(areas)
	return areas
}

// ldpAcrossRanges is what an LDP router of a lab with area ranges says
// FRR's ldpd leaves out.
const ldpAcrossRanges = "LDP across area ranges: the lab's LDP finds a label by longest match (RFC 5283) and asks access PEs for labels on demand; FRR's ldpd does neither, so where an ABR summarises an area's loopbacks into a range, LSPs (and the VPN routes over them) to the PEs behind that range do not form on FRR"

func renderLDP(w *frrWriter, m *topology.Model, n *topology.Node) {
	if len(m.AreaRanges) > 0 {
		w.omit = append(w.omit, ldpAcrossRanges)
		w.line("! FRR's ldpd has no RFC 5283 longest match nor downstream on demand: no LSPs to")
		w.line("! loopbacks that an ABR's area range summarises (see the top of this file).")
	}
	w.line("mpls ldp")
	w.line(" router-id %s", n.RouterID)
	w.line(" !")
	w.line(" address-family ipv4")
	w.line("  discovery transport-address %s", n.Loopback.Addr())
	for _, ifc := range n.Interfaces {
		l := m.Links[ifc.LinkID]
		if l.Core && !l.InterAS {
			w.line("  !")
			w.line("  interface %s", ifc.Name)
			w.line("  exit")
		}
	}
	w.line(" exit-address-family")
	w.line(" !")
	w.line("exit")
	w.line("!")
}

// joinsBGPVPN reports whether cloud joins by bgpvpn: its node's
// ibgp-cloud sessions carry router associations' routes (tenants'
// subnets), not its prefix.
func joinsBGPVPN(m *topology.Model, cloud string) bool {
	c := cloudByName(m, cloud)
	return c != nil && c.Joins(topology.JoinBGPVPN)
}

// cloudList names the prefix list of a cloud's allowed prefixes.
func cloudList(cloud string) string { return cloud + "-allowed" }

func renderPrefixLists(w *frrWriter, m *topology.Model, nbs []neighbor) {
	done := map[string]bool{}
	for _, nb := range nbs {
		if nb.cloud == "" || done[nb.cloud] {
			continue
		}
		done[nb.cloud] = true
		c := cloudByName(m, nb.cloud)
		w.line("ip prefix-list %s seq 5 permit %s le 32", cloudList(c.Name), c.Prefix)
		w.line("!")
	}
}

func cloudByName(m *topology.Model, name string) *topology.Cloud {
	for _, c := range m.Clouds {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// afiOf maps the model's family names to FRR's address-family lines.
var afiOf = map[string]string{"ipv4-unicast": "ipv4 unicast", "ipv4-vpn": "ipv4 vpn", "ipv6-vpn": "ipv6 vpn"}

func renderBGP(w *frrWriter, m *topology.Model, n *topology.Node, nbs []neighbor, vrfs []vrfInfo) {
	var global []neighbor
	inVRF := map[string][]neighbor{}
	for _, nb := range nbs {
		if nb.vrf != "" {
			inVRF[nb.vrf] = append(inVRF[nb.vrf], nb)
		} else {
			global = append(global, nb)
		}
		if nb.has("rtc") {
			w.omit = appendOnce(w.omit, "route target constraint (RFC 4684) on the VPN sessions: FRR does not implement it; the route reflectors send every VPN route")
		}
		if nb.s.Kind == topology.SessionInterAS {
			w.omit = appendOnce(w.omit, "inter-AS option B: exported as eBGP VPNv4 sessions between the ASBRs; only the seed lab (one AS) is run on FRR by the export's tests, so check next-hop and label handling on your ASBRs")
		}
	}
	ce := n.Role == topology.RoleCE
	originated := ceNetworks(m, n)
	if len(global) == 0 && len(vrfs) == 0 && !ce {
		return
	}
	asn := n.ASN
	w.line("router bgp %d", asn)
	w.line(" bgp router-id %s", n.RouterID)
	if n.RouteReflector && n.ClusterID.IsValid() {
		w.line(" bgp cluster-id %s", n.ClusterID)
	}
	w.line(" no bgp ebgp-requires-policy")
	if !ce {
		w.line(" no bgp default ipv4-unicast")
	}
	writeNeighbors(w, global)
	families := []string{"ipv4-unicast", "ipv4-vpn", "ipv6-vpn"}
	for _, f := range families {
		var act []neighbor
		for _, nb := range global {
			if nb.has(f) {
				act = append(act, nb)
			}
		}
		nets := originated
		if f != "ipv4-unicast" {
			nets = nil
		}
		if len(act) == 0 && len(nets) == 0 {
			continue
		}
		w.line(" !")
		w.line(" address-family %s", afiOf[f])
		for _, p := range nets {
			w.line("  network %s", p)
		}
		for _, nb := range act {
			if !ce || f != "ipv4-unicast" {
				w.line("  neighbor %s activate", nb.addr)
			}
			if nb.client {
				w.line("  neighbor %s route-reflector-client", nb.addr)
			}
			if nb.cloud != "" && f != "ipv6-vpn" {
				w.line("  neighbor %s prefix-list %s in", nb.addr, cloudList(nb.cloud))
			}
		}
		w.line(" exit-address-family")
	}
	w.line("exit")
	w.line("!")
	for _, v := range vrfs {
		w.line("router bgp %d vrf %s", asn, v.name)
		w.line(" bgp router-id %s", n.RouterID)
		w.line(" no bgp ebgp-requires-policy")
		writeNeighbors(w, inVRF[v.name])
		w.line(" !")
		w.line(" address-family ipv4 unicast")
		for _, c := range m.Clouds {
			if c.Attach == n.Name && c.Joins(topology.JoinFloatingIP) && attachVRF(m, c) == v.name {
				w.line("  network %s", c.Prefix)
			}
		}
		for _, nb := range inVRF[v.name] {
			if nb.cloud != "" {
				w.line("  neighbor %s prefix-list %s in", nb.addr, cloudList(nb.cloud))
			}
		}
		w.line("  label vpn export auto")
		w.line("  rd vpn export %s", v.rd)
		w.line("  rt vpn import %s", strings.Join(v.vpn.Import, " "))
		w.line("  rt vpn export %s", strings.Join(v.vpn.Export, " "))
		w.line("  export vpn")
		w.line("  import vpn")
		w.line(" exit-address-family")
		w.line("exit")
		w.line("!")
		if v.vpn.Labels == topology.LabelsPerPrefix {
			w.omit = append(w.omit, fmt.Sprintf("per-prefix VPN labels of vpn %s: FRR 8.4 allocates one label per VRF", v.name))
		}
		if v.vpn.Color != 0 {
			w.omit = append(w.omit, fmt.Sprintf("the Color extended community %d on vpn %s's exported routes: add a route-map `set extcommunity color` for `route-map vpn export`", v.vpn.Color, v.name))
		}
	}
}

// writeNeighbors writes the neighbor lines of a BGP instance.
func writeNeighbors(w *frrWriter, nbs []neighbor) {
	for _, nb := range nbs {
		w.line(" neighbor %s remote-as %d", nb.addr, nb.asn)
		desc := nb.name
		switch {
		case nb.cloud != "" && nb.onDemand:
			desc += " (cloud, up once its OpenStack runs the BGP speaker)"
		case nb.computeOf != "" && nb.onDemand && nb.client:
			desc += " (route-reflector client, a compute of " + nb.computeOf + ": up once a BGPVPN attaches one of its ports)"
		case nb.netNodeOf != "" && nb.onDemand && nb.client:
			desc += " (route-reflector client, the network node of " + nb.netNodeOf + ": up once a BGPVPN has a router association)"
		case nb.client:
			desc += " (route-reflector client)"
		}
		w.line(" neighbor %s description %s", nb.addr, desc)
		if nb.loopbacked {
			w.line(" neighbor %s update-source lo", nb.addr)
		}
		if w.opts.BGPKeepalive > 0 {
			w.line(" neighbor %s timers %d %d", nb.addr, w.opts.BGPKeepalive, w.opts.BGPHold)
			// Reconnect as fast as the session would fail (default 120 s).
			w.line(" neighbor %s timers connect %d", nb.addr, w.opts.BGPKeepalive)
		}
	}
}

// ceNetworks is what a CE originates to its PE, as the lab's CE does:
// its loopback, its links' subnets, the static edge below it and the
// floating ranges of the clouds joining through it by floating IPs.
func ceNetworks(m *topology.Model, n *topology.Node) []netip.Prefix {
	if n.Role != topology.RoleCE {
		return nil
	}
	out := []netip.Prefix{n.Loopback.Masked()}
	for _, i := range n.Interfaces {
		out = append(out, i.Addr.Masked())
	}
	for _, r := range planEdge(m).below[n.Name] {
		out = append(out, r.prefix.Masked())
	}
	for _, c := range m.Clouds {
		if c.Attach == n.Name && c.Joins(topology.JoinFloatingIP) {
			out = append(out, c.Prefix)
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	return slices.Compact(out)
}

func appendOnce(xs []string, s string) []string {
	if slices.Contains(xs, s) {
		return xs
	}
	return append(xs, s)
}
