package lab

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/l3vpn"
	"github.com/intercloud/intercloud/internal/router"
	"github.com/intercloud/intercloud/internal/topology"
)

// Option 3 (DESIGN.md section 4, bagpipe's model): in a cloud joining by
// bgpvpn, each compute node hosting a port of a network that a tenant
// associated with a BGPVPN (networking-bgpvpn's API) is a PE. It runs the
// same l3vpn.Node as a WAN PE, with one attachment VRF per BGPVPN: the
// BGPVPN's route targets and route distinguisher (or one it allocates),
// a VPN label of its own that pops into the VRF, where its ports'
// addresses are its own (the VMs, one routed hop behind it), exported as
// VPNv4 /32s. It speaks iBGP VPNv4 with RT constraint to the route
// reflectors the model gives the cloud (its ibgp-cloud sessions), from
// its address on the cloud's underlay: that address is its routes' next
// hop, and the WAN reaches it by IP (edge.go routes bgpvpn clouds'
// underlay into the IGP, not into LDP), so the VPN's packets cross to it
// in the tunnel its routes' encapsulation asks for.
//
// Everything is by difference from what Neutron holds (ApplyCloud): a
// compute gets its speaker when the lab is built, but its sessions only
// with its first attachment and loses them with its last; a VRF comes
// with the first port of its BGPVPN on the compute and goes, withdrawing
// its routes and giving its label back, with the last.

// CloudBGPVPN is an l3 BGPVPN of the cloud and the VM ports that its
// network associations bring into it.
type CloudBGPVPN struct {
	ID   string
	Name string
	// RD is the first of its route_distinguishers, "" to allocate one
	// per compute node (underlay address:number).
	RD string
	// Import and Export are route targets in RFC 4364's forms:
	// route_targets in both, import_targets and export_targets added.
	Import, Export []string
	// LocalPref is the BGPVPN's local_pref, 0 when unset.
	LocalPref uint32
	// Ports are the VM ports of its associated networks, placed on
	// computes as VMs are (cloudvm.go).
	Ports []CloudVM
	// Routes are its port associations' prefix routes and its router
	// associations' extra routes (bgpvpnroutes.go).
	Routes []CloudVPNRoute
	// Leaks are its port associations' routes of type bgpvpn
	// (bgpvpnleak.go).
	Leaks []CloudVPNLeak
	// Routers are its router associations, which the network node
	// serves as PE (netnodepe.go), not the computes.
	Routers []CloudRouterVPN
}

// computePE is a compute node's PE state: its attachment VRFs and, while
// it has one, its sessions with the reflectors.
type computePE struct {
	node     *Node
	under    netip.Addr // its address on the cloud's underlay
	vrfs     map[string]*attachment
	evis     map[string]string // its EVIs' BGPVPNs, by EVI name (l2vpn.go)
	sessions []*bgpSession     // nil while it has no attachment nor EVI
}

// attachment is one BGPVPN's VRF on a compute node.
type attachment struct {
	bgpvpn         string // its id
	rd             bgp.RD
	imports, exput []bgp.ExtCommunity
	addrs          map[netip.Addr]bool   // the ports' addresses, own in the VRF
	nets           map[netip.Prefix]bool // prefix routes via its ports, ending here
	routes         []l3vpn.Attached
	readv          []l3vpn.Readvertise // other BGPVPNs readvertised via its ports (bgpvpnleak.go)
	// routed: some of its addresses or nets are a router association's,
	// reached from the network node's VRF and not exported from here;
	// gwLabel is the network node's VRF label its default route takes
	// back there, 0 while it has none (netnodepe.go).
	routed  bool
	gwLabel uint32
}

// inVPN reports whether the attachment speaks to the WAN: it has route
// targets. One for a router association's VMs alone has none: the
// network node does the VPN for them.
func (at *attachment) inVPN() bool { return len(at.imports)+len(at.exput) > 0 }

// bgpvpnCloud reports whether c's computes can act as PEs.
func bgpvpnCloud(c *topology.Cloud) bool { return c.Joins(topology.JoinBGPVPN) && len(c.Computes) > 0 }

// reflectorsOf are the model's ibgp-cloud sessions of node (a compute
// node of a bgpvpn cloud): one per route reflector it peers with.
func (l *Lab) reflectorsOf(node string) []topology.Session {
	var out []topology.Session
	for _, s := range l.sessionsOf(node) {
		if s.Kind == topology.SessionCloudCore && s.A == node {
			out = append(out, s)
		}
	}
	return out
}

// hasReflectors reports whether the model gives any compute of cloud c
// a reflector to peer with.
func (l *Lab) hasReflectors(c *topology.Cloud) bool {
	for _, cn := range c.Computes {
		if len(l.reflectorsOf(cn.Name)) > 0 {
			return true
		}
	}
	return false
}

// planComputePEs (from buildBGP) gives every compute node of a bgpvpn
// cloud its speaker, with no VRF and no session yet.
func (l *Lab) planComputePEs() error {
	for _, c := range l.Model.Clouds {
		if !bgpvpnCloud(c) && !sdnCloud(c) { // sdn: vRouters (sdn.go)
			continue
		}
		for _, cn := range l.computeNodes(c) {
			rrs := l.reflectorsOf(cn.Model.Name)
			if len(rrs) == 0 {
				continue
			}
			asn := rrs[0].AASN
			under := underlayAddr(cn)
			lt := &listeners{net: l.bgpNets[""], port: l.bgpPort()}
			lt.add(l.bgpNets[""], under)
			tr, listen, err := l.speakerTransport(cn.Model.Name, "", lt)
			if err != nil {
				return err
			}
			st := &bgpState{l: l, n: cn}
			st.evpn = l.newEVPN(cn, st) // l2vpn.go
			vpn, err := l3vpn.New(l3vpn.Config{
				Env: cn.Router, Mode: l3vpn.Provider, NextHop: under, OnDemandVRFs: true, Encapsulations: ipTunnels, Beside: st.evpn,
				OnReadvertised: readvertiseLocally(cn.Router),
				Speaker: bgp.Config{
					ASN: asn, RouterID: cn.Model.RouterID, Families: []bgp.Family{bgp.VPNv4, bgp.EVPN},
					Transport: tr, ListenAddr: listen, Clock: l.clk, OnFiltered: st.filtered,
				},
			})
			if err != nil {
				return fmt.Errorf("%s: %w", cn.Model.Name, err)
			}
			st.vpn = vpn
			cn.bgp = st
		}
		if bgpvpnCloud(c) {
			if err := l.planNetworkNodePE(c); err != nil { // netnodepe.go
				return err
			}
		}
	}
	return nil
}

// syncComputePEs (cr.mu held) brings the computes' attachment VRFs and
// sessions in line with the cloud's BGPVPNs.
func (l *Lab) syncComputePEs(cr *cloudRun, vpns []CloudBGPVPN) error {
	if !l.computeIsPE(cr.c.Name) && !l.isSDNCloud(cr.c.Name) {
		if len(vpns) > 0 && !cr.bgpvpnIdle {
			why := fmt.Sprintf("it joins by %s, not bgpvpn with compute nodes", cr.c.JoinText())
			if bgpvpnCloud(cr.c) {
				why = "its AS has no route reflector for its computes to peer with"
			}
			cr.node.Router.Event("bgpvpn", fmt.Sprintf("cloud %s's BGPVPNs stay in Neutron: %s", cr.c.Name, why))
		}
		cr.bgpvpnIdle = len(vpns) > 0
		return nil
	}
	if cr.pes == nil {
		cr.pes = map[string]*computePE{}
		for _, cn := range l.computeNodes(cr.c) {
			if cn.bgp != nil {
				cr.pes[cn.Model.Name] = &computePE{node: cn, under: underlayAddr(cn), vrfs: map[string]*attachment{}, evis: map[string]string{}}
			}
		}
		cr.nn = l.networkNodePE(cr) // netnodepe.go
	}
	want, err := l.attachmentsWanted(cr, vpns)
	if err != nil {
		return err
	}
	for _, name := range sortedNames(cr.pes) {
		if err := l.syncComputePE(cr, cr.pes[name], want[name]); err != nil {
			return err
		}
	}
	// The network node's VRFs route to the computes' labels, and the
	// computes' default routes to the network node's: computes first.
	if err := l.syncNetworkNode(cr, vpns); err != nil {
		return err
	}
	l.syncGateways(cr)
	l.setGuests(cr)
	return nil
}

// attachmentsWanted is, per compute node, the attachments its ports ask
// for, keyed by VRF name.
func (l *Lab) attachmentsWanted(cr *cloudRun, vpns []CloudBGPVPN) (map[string]map[string]*attachment, error) {
	names := vrfNames(vpns)
	want := map[string]map[string]*attachment{}
	for _, v := range vpns {
		rd, imports, exports, err := vpnTargets(v) // netnodepe.go
		if err != nil {
			return nil, err
		}
		// attachAs is the BGPVPN's attachment on the compute hosting p,
		// nil when p lives nowhere. One for a router association's VMs
		// has no route target (inVPN) and is a VRF of its own, even
		// beside the BGPVPN's VRF for its network associations on the
		// same compute (routedVRFName): sharing that VRF, their replies
		// would take its imported routes straight to the WAN instead of
		// going back through the network node they came from. The
		// associations' VMs come first (the loops below), so the plain
		// name goes to the VRF in the VPN.
		attachAs := func(p CloudVM, routed bool) *attachment {
			host, err := placeVM(cr.c, p)
			if err != nil || host == "" || cr.pes[host] == nil {
				return nil // a failed binding (syncVMs logs it) lives nowhere
			}
			byName := want[host]
			if byName == nil {
				byName = map[string]*attachment{}
				want[host] = byName
			}
			name, atRD := names[v.ID], rd
			if at := byName[name]; routed && at != nil && !at.routed {
				// An RD of its own (allocated), not the BGPVPN's.
				name, atRD = routedVRFName(names, v.ID), bgp.RD{}
			}
			at := byName[name]
			if at == nil {
				at = &attachment{bgpvpn: v.ID, rd: atRD, imports: imports, exput: exports, addrs: map[netip.Addr]bool{}, nets: map[netip.Prefix]bool{}, routed: routed}
				if routed {
					at.imports, at.exput = nil, nil
				}
				byName[name] = at
			}
			return at
		}
		attach := func(p CloudVM) *attachment { return attachAs(p, false) }
		for _, p := range v.Ports {
			if at := attach(p); at != nil && !at.addrs[p.Addr] {
				at.addrs[p.Addr] = true
				at.routes = append(at.routes, l3vpn.Attached{Prefix: netip.PrefixFrom(p.Addr, 32), LocalPref: v.LocalPref})
			}
		}
		for _, rt := range v.Routes {
			if at := attach(rt.Port); at != nil {
				at.addRoute(rt, v.LocalPref)
			}
		}
		for _, lk := range v.Leaks {
			if at := attach(lk.Port); at != nil {
				if err := at.addLeak(lk, v.LocalPref); err != nil {
					return nil, fmt.Errorf("bgpvpn %s: route of type bgpvpn %s: %w", v.ID, lk.BGPVPN, err)
				}
			}
		}
		// A router association's VMs and extra routes end in a VRF of
		// their compute, reached from the network node, exported by it
		// alone: none while the network node is no PE.
		for _, rv := range v.Routers {
			if cr.nn == nil {
				break
			}
			for _, p := range rv.Ports {
				if at := attachAs(p, true); at != nil {
					at.addrs[p.Addr] = true
				}
			}
			for _, rt := range rv.Routes {
				if at := attachAs(rt.Port, true); at != nil && rt.Prefix.Addr().Is4() {
					at.nets[rt.Prefix.Masked()] = true
				}
			}
		}
	}
	return want, nil
}

// syncComputePE (cr.mu held) gives one compute exactly the attachments
// of want, then starts or stops its sessions.
func (l *Lab) syncComputePE(cr *cloudRun, pe *computePE, want map[string]*attachment) error {
	r := pe.node.Router
	vpn := pe.node.bgp.vpn
	for _, name := range sortedNames(pe.vrfs) {
		have := pe.vrfs[name]
		w := want[name]
		if w != nil && sameVRF(have, w) {
			continue
		}
		// Gone, or its RTs or RD changed: a new VRF replaces it.
		r.Do(func() {
			vpn.RemoveVRF(name)
			if have.gwLabel != 0 {
				r.RIB().ReplaceRoutes(router.ProtoStatic, name, nil) // its default route (netnodepe.go)
			}
		})
		for a := range have.addrs {
			r.RemoveLocal(name, netip.PrefixFrom(a, 32))
		}
		for p := range have.nets {
			r.RemoveLocal(name, p)
		}
		delete(pe.vrfs, name)
		r.Event("bgpvpn", fmt.Sprintf("vrf %s (bgpvpn %s) removed", name, have.bgpvpn))
	}
	for _, name := range sortedNames(want) {
		w := want[name]
		have := pe.vrfs[name]
		if have == nil {
			var err error
			if have, err = pe.addVRF(name, w, ""); err != nil {
				return err
			}
			have.addrs = map[netip.Addr]bool{}
		}
		// Addresses first: a label must not pop into a VRF that cannot
		// deliver yet, nor a route outlive its address.
		for a := range have.addrs {
			if !w.addrs[a] {
				r.RemoveLocal(name, netip.PrefixFrom(a, 32))
			}
		}
		for _, a := range sortedKeys(w.addrs, netip.Addr.Compare) {
			if !have.addrs[a] {
				if err := r.AddLocal(name, netip.PrefixFrom(a, 32)); err != nil {
					return err
				}
			}
		}
		if err := syncNets(r, name, have.nets, w.nets); err != nil {
			return err
		}
		have.addrs, have.nets, have.routes, have.routed = w.addrs, w.nets, w.routes, w.routed
		routes, readv := w.routes, w.readv
		r.Do(func() { vpn.SetAttached(name, routes); vpn.SetReadvertise(name, readv) })
	}
	switch {
	case pe.attached() && pe.sessions == nil:
		return l.startComputeSessions(cr, pe)
	case !pe.attached() && pe.sessions != nil:
		l.stopComputeSessions(pe)
	}
	return nil
}

func sameVRF(a, b *attachment) bool {
	return a.bgpvpn == b.bgpvpn && (b.rd == (bgp.RD{}) || a.rd == b.rd) &&
		slices.Equal(a.imports, b.imports) && slices.Equal(a.exput, b.exput)
}

// routedVRFName names the VRF of a BGPVPN's router-association VMs on a
// compute that also holds the BGPVPN's VRF for its network or port
// associations: that VRF's name and "-router", or, should another
// BGPVPN's VRF have that name, the generated one's (no plain name starts
// with "bgpvpn-").
func routedVRFName(names map[string]string, id string) string {
	name := names[id] + "-router"
	for other, n := range names {
		if other != id && n == name {
			return "bgpvpn-" + id[:min(8, len(id))] + "-router"
		}
	}
	return name
}

// routedVRF is the compute's VRF holding BGPVPN id's router-association
// VMs, "" when it has none.
func (pe *computePE) routedVRF(id string) string {
	for name, at := range pe.vrfs {
		if at.routed && at.bgpvpn == id {
			return name
		}
	}
	return ""
}

// allocRD is a type 1 RD (underlay address:n) for a BGPVPN on a compute,
// n hashed from the BGPVPN's id (the same after a restart) and probed
// past the compute's other VRFs' numbers.
// addVRF creates attachment VRF name for w on pe, its RD allocated when
// the BGPVPN gives none, and records it; role tells the event what the
// VRF is for (", router association"), if not a network association.
func (pe *computePE) addVRF(name string, w *attachment, role string) (*attachment, error) {
	r, vpn := pe.node.Router, pe.node.bgp.vpn
	if w.rd == (bgp.RD{}) {
		w.rd = allocRD(pe, w.bgpvpn)
	}
	var err error
	r.Do(func() {
		err = vpn.AddVRF(l3vpn.VRFConfig{Name: name, RD: w.rd, Import: w.imports, Export: w.exput, Attachment: true})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pe.node.Model.Name, err)
	}
	have := &attachment{bgpvpn: w.bgpvpn, rd: w.rd, imports: w.imports, exput: w.exput}
	pe.vrfs[name] = have
	r.Event("bgpvpn", fmt.Sprintf("vrf %s (bgpvpn %s%s) added: rd %v, label %d", name, w.bgpvpn, role, w.rd, vpn.VPNLabel(name)))
	return have, nil
}

func allocRD(pe *computePE, id string) bgp.RD {
	h := fnv.New32a()
	h.Write([]byte(id))
	n := h.Sum32()%65535 + 1
	for {
		rd, err := bgp.ParseRD(fmt.Sprintf("%v:%d", pe.under, n))
		taken := false
		for _, at := range pe.vrfs {
			taken = taken || at.rd == rd
		}
		if err == nil && !taken {
			return rd
		}
		n = n%65535 + 1
	}
}

// vrfNames names each BGPVPN's VRF on the computes: its name when that
// is a plain word no other BGPVPN of the cloud has, else "bgpvpn-" and
// the start of its id.
func vrfNames(vpns []CloudBGPVPN) map[string]string {
	ids, names := make([]string, len(vpns)), make([]string, len(vpns))
	for i, v := range vpns {
		ids[i], names[i] = v.ID, v.Name
	}
	return instanceNames(ids, names, "bgpvpn-")
}

// instanceNames names a cloud's BGPVPN instances (VRFs, EVIs) by id: the
// BGPVPN's name when it is a plain word that no other has and that does
// not start with a generated prefix (bgpvpn-, evpn-), else prefix and
// the start of the id, so that names are unique and stable.
func instanceNames(ids, names []string, prefix string) map[string]string {
	count := map[string]int{}
	for _, n := range names {
		count[n]++
	}
	plain := func(r rune) bool {
		return r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	out := make(map[string]string, len(ids))
	for i, id := range ids {
		name := names[i]
		if name == "" || count[name] > 1 || strings.IndexFunc(name, func(r rune) bool { return !plain(r) }) >= 0 ||
			strings.HasPrefix(name, "bgpvpn-") || strings.HasPrefix(name, "evpn-") {
			name = prefix + id[:min(8, len(id))]
		}
		out[id] = name
	}
	return out
}

func sortedNames[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// startComputeSessions peers the compute with the cloud's reflectors
// (each configures it as a client) and lets their messages flow while
// the ends route to each other.
func (l *Lab) startComputeSessions(cr *cloudRun, pe *computePE) error {
	cn := pe.node
	var started []*bgpSession
	for _, s := range l.reflectorsOf(cn.Model.Name) {
		rr := l.nodes[s.B]
		if rr == nil || rr.bgp == nil {
			continue
		}
		bs := &bgpSession{net: l.bgpNets[""], a: cn, b: rr, aAddr: pe.under, bAddr: s.BAddr, aKey: pe.under, bKey: s.BAddr}
		if l.tcp != nil {
			bs.net = l.tcp
			bs.aKey, _ = l.SpeakerAddr(cn.Model.Name, "")
			bs.bKey, _ = l.SpeakerAddr(rr.Model.Name, "")
		}
		l.bgpMu.Lock()
		bs.aSp, bs.bSp = cn.bgp.vpn.Speaker(), rr.bgp.vpn.Speaker()
		aSp, bSp := bs.aSp, bs.bSp
		l.bgpSessions = append(l.bgpSessions, bs)
		l.bgpPeers = append(l.bgpPeers, topology.Session{Kind: topology.SessionCloudCore, A: cn.Model.Name, B: rr.Model.Name,
			AAddr: pe.under, BAddr: s.BAddr, AASN: s.AASN, BASN: s.BASN, Families: []string{"ipv4-vpn", "rtc"}, RRClient: true})
		l.bgpMu.Unlock()
		cn.Router.Do(func() { cn.bgp.sessions = append(cn.bgp.sessions, bs) })
		rr.Router.Do(func() { rr.bgp.sessions = append(rr.bgp.sessions, bs) })
		started = append(started, bs)
		err := aSp.AddPeer(bgp.PeerConfig{Addr: bs.bKey, Port: l.bgpPort(), ASN: s.BASN, LocalAddr: bs.aKey, NextHop: pe.under,
			Description: rr.Model.Name, Transport: bs.net})
		if err == nil {
			err = bSp.AddPeer(bgp.PeerConfig{Addr: bs.aKey, Port: l.bgpPort(), ASN: s.AASN, LocalAddr: bs.bKey, NextHop: s.BAddr,
				RRClient: true, Description: cn.Model.Name + " (" + peRole(cn) + ")", Transport: bs.net, DialAfter: firstDialWait})
		}
		if err != nil {
			pe.sessions = started
			l.stopComputeSessions(pe)
			return fmt.Errorf("bgp %s -> %s: %w", cn.Model.Name, rr.Model.Name, err)
		}
		cn.Router.Event("bgpvpn", fmt.Sprintf("peers with reflector %s (%v) from %v", rr.Model.Name, s.BAddr, pe.under))
	}
	pe.sessions = started
	if pe.sessions == nil {
		pe.sessions = []*bgpSession{} // no reflector to peer with: started all the same
	}
	l.checkLiveness(started, true)
	return nil
}

// peRole is what a reflector calls a cloud's PE in its peer description.
func peRole(n *Node) string {
	if n.Model.Role == topology.RoleCompute {
		return "compute"
	}
	return "network node"
}

// stopComputeSessions ends the compute's sessions: the reflectors drop
// whatever it still advertised.
func (l *Lab) stopComputeSessions(pe *computePE) {
	for _, bs := range pe.sessions {
		l.bgpMu.Lock()
		if i := slices.Index(l.bgpSessions, bs); i >= 0 {
			l.bgpSessions = slices.Delete(l.bgpSessions, i, i+1)
			l.bgpPeers = slices.Delete(l.bgpPeers, i, i+1)
		}
		aSp, bSp := bs.aSp, bs.bSp
		bs.net.SetReachable(bs.aKey, bs.bKey, false)
		l.bgpMu.Unlock()
		_ = aSp.RemovePeer(bs.bKey) // absent after a failed AddPeer: nothing to remove
		_ = bSp.RemovePeer(bs.aKey)
		for _, n := range []*Node{bs.a, bs.b} {
			st := n.bgp
			n.Router.Do(func() {
				st.sessions = slices.DeleteFunc(slices.Clone(st.sessions), func(x *bgpSession) bool { return x == bs })
			})
		}
		pe.node.Router.Event("bgpvpn", fmt.Sprintf("no attachment left: session with reflector %s closed", bs.b.Model.Name))
	}
	pe.sessions = nil
}

// setGuests (cr.mu held) makes every address living on each compute of
// the cloud — its VMs in the global table and its attachments' ports —
// a guest, one routed hop behind it.
func (l *Lab) setGuests(cr *cloudRun) {
	guests := map[string][]netip.Addr{}
	for a, host := range cr.vms {
		guests[host] = append(guests[host], a)
	}
	for host, pe := range cr.pes {
		for _, at := range pe.vrfs {
			for a := range at.addrs {
				guests[host] = append(guests[host], a)
			}
		}
	}
	for _, cn := range l.computeNodes(cr.c) {
		g := guests[cn.Model.Name]
		slices.SortFunc(g, netip.Addr.Compare)
		cn.Router.SetGuests(slices.Compact(g))
	}
}

// Attachment is a compute node's attachment VRF, for show.
type Attachment struct {
	VRF    string `json:"vrf"`
	BGPVPN string `json:"bgpvpn"`
	// RouterAssociation: on a network node, the VRF of the BGPVPN's
	// router associations; on a compute, one holding their VMs.
	RouterAssociation bool `json:"router_association,omitempty"`
}

// Attachments lists the BGPVPN attachments of a compute node, or the
// router-association VRFs of a cloud's network node, by VRF.
func (l *Lab) Attachments(node string) []Attachment {
	n := l.nodes[node]
	if n == nil {
		return nil
	}
	cloud := n.Model.Cloud
	if n.Model.Role != topology.RoleCompute {
		cloud = l.cloudOfNode(node) // a network node's router-association VRFs (netnodepe.go)
	}
	l.bgpMu.Lock()
	cr := l.clouds[cloud]
	l.bgpMu.Unlock()
	if cr == nil {
		return nil
	}
	cr.mu.Lock()
	defer cr.mu.Unlock()
	pe := cr.pes[node]
	if cr.nn != nil && cr.nn.node == n {
		pe = cr.nn
	}
	if pe == nil {
		return nil
	}
	var out []Attachment
	for name, at := range pe.vrfs {
		out = append(out, Attachment{VRF: name, BGPVPN: at.bgpvpn, RouterAssociation: at.routed})
	}
	slices.SortFunc(out, func(a, b Attachment) int { return cmp.Compare(a.VRF, b.VRF) })
	return out
}

// ipTunnels are the encapsulations compute PEs, and the WAN PEs that
// serve them, advertise and accept (RFC 9012), as bagpipe-bgp does:
// MPLS-in-UDP (RFC 7510) first, MPLS-in-GRE (RFC 4023).
var ipTunnels = []bgp.TunnelType{bgp.TunnelMPLSInUDP, bgp.TunnelMPLSInGRE}

// peTunnels are the encapsulations a WAN PE advertises: those compute
// PEs can reach it by when the model has a bgpvpn cloud (computes run
// no LDP, so they send their VPN traffic to a PE in an IP tunnel, which
// the PE asks for as a real one configured for dynamic tunnels does);
// none otherwise. The PEs' own traffic keeps to their LSPs.
func (l *Lab) peTunnels(n *Node) []bgp.TunnelType {
	if n.Model.Role != topology.RolePE {
		return nil
	}
	for _, c := range l.Model.Clouds {
		if bgpvpnCloud(c) && l.hasReflectors(c) {
			return ipTunnels
		}
	}
	return nil
}

// computeIsPE reports whether the computes of cloud may act as PEs: it
// joins by bgpvpn and has reflectors to peer with.
func (l *Lab) computeIsPE(cloud string) bool {
	for _, c := range l.Model.Clouds {
		if c.Name == cloud {
			return bgpvpnCloud(c) && l.hasReflectors(c)
		}
	}
	return false
}
