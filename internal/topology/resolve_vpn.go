package topology

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// resolveVPNs builds each VPN's VRFs: one on every PE a site hangs off and
// on every PE listed under pes:, with RD and route targets allocated from
// the RT pool unless pinned.
func (r *resolver) resolveVPNs() {
	rng := r.m.Pools.RT
	a := newSlotAllocator(uint64(rng.Last-rng.First)+1, 0)
	r.siteOf = map[string]string{} // ce -> vpn
	siteOf := r.siteOf
	seen := map[string]*vpnSpec{}
	type pending struct {
		v  *VPN
		vs *vpnSpec
	}
	var todo []pending
	for _, vs := range r.s.VPNs {
		if prev, dup := seen[vs.Name]; dup {
			r.d.errorf(vs.pos, fmt.Sprintf("first defined at line %d", prev.pos.Line), "duplicate vpn name %q", vs.Name)
			continue
		}
		seen[vs.Name] = vs
		if !nameRE.MatchString(vs.Name) {
			r.d.errorf(vs.pos, "start with a letter; use letters, digits, '-', '_' and '.'", "invalid vpn name %q", vs.Name)
		}
		v := &VPN{Name: vs.Name, Import: vs.Import, Export: vs.Export, Labels: vs.Labels, Color: vs.Color}
		if v.Labels == "" {
			v.Labels = LabelsPerVRF
		}
		for _, rt := range append(append([]string(nil), vs.Import...), vs.Export...) {
			if !validCommunity(rt) {
				r.d.errorf(vs.where(firstKey(vs, "rt", "import", "export")), "write ASN:NUMBER or IP:NUMBER, e.g. 65000:100", "route target %q of vpn %s is malformed", rt, vs.Name)
			}
		}
		pes := map[string][]string{} // pe -> CE-facing interfaces
		for i, site := range vs.Sites {
			n, ok := r.nodes[site]
			if !ok || n.Role == RoleCloud {
				hint := didYouMean(site, r.nodeNames())
				if hint == "" {
					hint = "sites are ce routers"
				}
				r.d.errorf(vs.SitesPos[i], hint, "vpn %s: site %q is not a node", vs.Name, site)
				continue
			}
			if n.Role != RoleCE {
				r.d.errorf(vs.SitesPos[i], "sites are ce routers; list PEs under pes:", "vpn %s: site %s is a %s, not a ce", vs.Name, site, n.Role)
				continue
			}
			if prev, dup := siteOf[site]; dup {
				r.d.errorf(vs.SitesPos[i], "a CE's PE-facing interfaces can be in one VRF only", "vpn %s: ce %s is already a site of vpn %s", vs.Name, site, prev)
				continue
			}
			siteOf[site] = vs.Name
			v.Sites = append(v.Sites, site)
			attached := false
			for _, ifc := range n.Interfaces {
				if peer := r.nodes[ifc.Peer]; peer.Role == RolePE {
					attached = true
					for _, pifc := range peer.Interfaces {
						if pifc.LinkID == ifc.LinkID {
							pifc.VRF = vs.Name
							pes[peer.Name] = append(pes[peer.Name], pifc.Name)
						}
					}
				}
			}
			if !attached {
				r.d.errorf(vs.SitesPos[i], "link the ce to a pe", "vpn %s: site %s is linked to no pe", vs.Name, site)
			}
		}
		// An external CE in the VPN needs the VRF on the PE it peers with.
		for _, e := range r.m.Externals {
			if n := r.nodes[e.Attach]; e.Plays == RoleCE && e.VPN == vs.Name && n != nil && n.Role == RolePE {
				if _, ok := pes[e.Attach]; !ok {
					pes[e.Attach] = nil
				}
			}
		}
		for i, pe := range vs.PEs {
			n, ok := r.nodes[pe]
			if !ok {
				hint := didYouMean(pe, r.nodeNames())
				if hint == "" {
					hint = "name a pe router of the topology"
				}
				r.d.errorf(vs.PEsPos[i], hint, "vpn %s references missing pe %q", vs.Name, pe)
				continue
			}
			if n.Role != RolePE {
				r.d.errorf(vs.PEsPos[i], "VRFs live on pe routers", "vpn %s: %s is a %s, not a pe", vs.Name, pe, n.Role)
				continue
			}
			if _, ok := pes[pe]; !ok {
				pes[pe] = nil
			}
		}
		names := make([]string, 0, len(pes))
		for pe := range pes {
			names = append(names, pe)
		}
		sort.Strings(names)
		for _, pe := range names {
			v.VRFs = append(v.VRFs, VRF{PE: pe, Interfaces: pes[pe]})
		}
		r.m.VPNs = append(r.m.VPNs, v)
		todo = append(todo, pending{v, vs})
		// A pinned RT in the provider's pool keeps its number from others.
		for _, rt := range v.Export {
			if asn, num, ok := strings.Cut(rt, ":"); ok && asn == fmt.Sprint(r.m.ProviderASN) {
				if x, err := parseUint32(num); err == nil && x >= rng.First && x <= rng.Last {
					a.reserve(uint64(x - rng.First))
				}
			}
		}
	}
	short := 0
	sort.Slice(todo, func(i, j int) bool { return todo[i].v.Name < todo[j].v.Name })
	for _, p := range todo {
		v := p.v
		slot, ok := a.take(v.Name, 0, nameNumber(v.Name))
		if !ok {
			short++
			continue
		}
		num := rng.First + uint32(slot)
		if len(v.Import) == 0 && len(v.Export) == 0 {
			rt := fmt.Sprintf("%d:%d", r.m.ProviderASN, num)
			v.Import, v.Export = []string{rt}, []string{rt}
			v.Auto = append(v.Auto, "rt")
		}
		for i := range v.VRFs {
			// Type 1 RD (router id:number) keeps each PE's routes distinct,
			// which lets a reflector carry both paths of a multihomed site.
			v.VRFs[i].RD = fmt.Sprintf("%s:%d", r.nodes[v.VRFs[i].PE].RouterID, num)
		}
		v.Auto = append(v.Auto, "rd")
	}
	if short > 0 {
		r.d.errorf(r.s.Pools.where("rt"), "widen pools.rt", "pool of RT numbers %d-%d is too small: %d more needed", rng.First, rng.Last, short)
	}
	for _, c := range r.m.Clouds {
		if c.VPN == "" {
			continue
		}
		if _, ok := seen[c.VPN]; !ok {
			cs := r.cloudSpec(c.Name)
			r.d.errorf(cs.where("vpn"), "define it under vpns:", "cloud %s joins missing vpn %q", c.Name, c.VPN)
		}
	}
}

func (r *resolver) cloudSpec(name string) *cloudSpec {
	if cs, ok := r.cspec[name]; ok {
		return cs
	}
	return &cloudSpec{}
}

func firstKey(vs *vpnSpec, keys ...string) string {
	for _, k := range keys {
		if vs.has(k) {
			return k
		}
	}
	return ""
}

// validCommunity checks an RT in the ASN:NN or IP:NN notation.
func validCommunity(s string) bool {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	if _, err := parseUint32(b); err != nil {
		return false
	}
	if _, err := parseUint32(a); err == nil {
		return true
	}
	return strings.Count(a, ".") == 3
}

// vpnOfCE returns the VPN a CE is a site of, or "".
func (r *resolver) vpnOfCE(ce string) string { return r.siteOf[ce] }

// buildSessions lists the BGP sessions the lab will bring up: iBGP VPN
// sessions from each PE to the reflectors of its AS (or a full mesh where
// an AS has none), a mesh between reflectors, eBGP from PEs to CEs in the
// CE's VRF, and each cloud's speaker to where it attaches.
func (r *resolver) buildSessions() {
	if r.d.failed() {
		return
	}
	vpnFamilies := []string{"ipv4-vpn", "ipv6-vpn", "rtc"}
	byAS := map[uint32][]*Node{}
	var asns []uint32
	for _, n := range r.m.Nodes {
		if n.Role.IsCore() {
			if _, ok := byAS[n.ASN]; !ok {
				asns = append(asns, n.ASN)
			}
			byAS[n.ASN] = append(byAS[n.ASN], n)
		}
	}
	sort.Slice(asns, func(i, j int) bool { return asns[i] < asns[j] })
	rrsOf := map[uint32][]*Node{}
	for _, asn := range asns {
		var rrs, pes []*Node
		for _, n := range byAS[asn] {
			if n.RouteReflector {
				rrs = append(rrs, n)
			} else if n.Role == RolePE {
				pes = append(pes, n)
			}
		}
		rrsOf[asn] = rrs
		ibgp := func(kind SessionKind, a, b *Node, client bool) {
			r.m.Sessions = append(r.m.Sessions, Session{Kind: kind, A: a.Name, B: b.Name, AAddr: a.Loopback.Addr(), BAddr: b.Loopback.Addr(),
				AASN: asn, BASN: asn, Families: vpnFamilies, RRClient: client})
		}
		for i, a := range rrs {
			for _, b := range rrs[i+1:] {
				ibgp(SessionRRMesh, a, b, false)
			}
		}
		externalRR := false
		for _, e := range r.m.Externals {
			externalRR = externalRR || e.Plays == RoleRR && e.ASN == asn
		}
		if len(rrs) == 0 && !externalRR {
			for i, a := range pes {
				for _, b := range pes[i+1:] {
					ibgp(SessionIBGPVPN, a, b, false)
				}
			}
		}
		for _, pe := range pes {
			for _, rr := range rrs {
				ibgp(SessionIBGPVPN, pe, rr, true)
			}
		}
	}
	for _, e := range r.m.Externals {
		r.externalSessions(e, byAS[e.ASN], rrsOf[e.ASN], vpnFamilies)
	}
	for _, l := range r.m.Links {
		if l.InterAS {
			r.m.Sessions = append(r.m.Sessions, Session{Kind: SessionInterAS, A: l.A.Node, B: l.B.Node, AAddr: l.A.Addr, BAddr: l.B.Addr,
				AASN: r.nodes[l.A.Node].ASN, BASN: r.nodes[l.B.Node].ASN, Families: []string{"ipv4-vpn", "rtc"}})
		}
	}
	for _, l := range r.m.Links {
		a, b := r.nodes[l.A.Node], r.nodes[l.B.Node]
		aAddr, bAddr := l.A.Addr, l.B.Addr
		if a.Role == RoleCE && b.Role == RolePE {
			a, b, aAddr, bAddr = b, a, bAddr, aAddr
		}
		if a.Role == RolePE && b.Role == RoleCE {
			r.m.Sessions = append(r.m.Sessions, Session{Kind: SessionPECE, A: a.Name, B: b.Name, AAddr: aAddr, BAddr: bAddr,
				AASN: a.ASN, BASN: b.ASN, Families: []string{"ipv4-unicast"}, VRF: r.vpnOfCE(b.Name)})
		}
	}
	for _, c := range r.m.Clouds {
		if c.LinkID < 0 {
			continue
		}
		node, l := r.nodes[c.Node], r.m.Links[c.LinkID]
		att := r.nodes[c.Attach]
		if c.Joins(JoinDynamicRouting) {
			vrf := ""
			if att.Role == RolePE {
				vrf = c.VPN
			}
			r.m.Sessions = append(r.m.Sessions, Session{Kind: SessionCloudCE, A: att.Name, B: node.Name, AAddr: l.B.Addr, BAddr: l.A.Addr,
				AASN: att.ASN, BASN: c.ASN, Families: []string{"ipv4-unicast"}, VRF: vrf})
		}
		if c.Joins(JoinSDN) {
			// The data-centre gateway is an inter-AS option B ASBR.
			r.m.Sessions = append(r.m.Sessions, r.sdnSessions(c, node, att, l)...)
		}
		if c.Joins(JoinBGPVPN) || c.Joins(JoinInterconnection) {
			for _, pe := range r.cloudPEs(c, node) {
				for _, rr := range rrsOf[r.m.ProviderASN] {
					r.m.Sessions = append(r.m.Sessions, Session{Kind: SessionCloudCore, A: pe.name, B: rr.Name, AAddr: pe.addr, BAddr: rr.Loopback.Addr(),
						AASN: r.m.ProviderASN, BASN: rr.ASN, Families: vpnFamilies, RRClient: true})
				}
			}
		}
	}
}

// cloudPE is a node of a cloud that peers with the WAN's reflectors as a
// PE, and the address it peers from.
type cloudPE struct {
	name string
	addr netip.Addr
}

// cloudPEs are the nodes of cloud c (whose node is node) that run the PE
// function towards the reflectors, as the lab runs them: in a cloud
// joining by bgpvpn with compute nodes, each compute (bagpipe's model,
// network associations) and the cloud's node, the network node where
// Neutron's routers live (router associations), each from its address
// on the cloud's underlay, which its VPN routes carry as next hop
// (internal/lab/computepe.go, netnodepe.go) — the network node's is its
// end of the first compute's underlay link; otherwise the cloud's node
// from its loopback.
func (r *resolver) cloudPEs(c *Cloud, node *Node) []cloudPE {
	var out []cloudPE
	if c.Joins(JoinBGPVPN) {
		for _, cn := range c.Computes {
			n := r.nodes[cn.Name]
			if n == nil || n.Role != RoleCompute || len(n.Interfaces) == 0 {
				continue // its underlay link has no subnet: reported as such
			}
			out = append(out, cloudPE{name: n.Name, addr: n.Interfaces[0].Addr.Addr()})
		}
		for _, cn := range c.Computes {
			if ifc := underlayIface(node, cn.Name); ifc != nil {
				out = append(out, cloudPE{name: node.Name, addr: ifc.Addr.Addr()})
				break
			}
		}
	}
	if len(out) == 0 {
		out = append(out, cloudPE{name: node.Name, addr: node.Loopback.Addr()})
	}
	return out
}

// underlayIface is node's interface on its underlay link to compute, nil
// when there is none.
func underlayIface(node *Node, compute string) *Interface {
	for _, ifc := range node.Interfaces {
		if ifc.Peer == compute {
			return ifc
		}
	}
	return nil
}
