package l3vpn

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
	"github.com/intercloud/intercloud/internal/router"
)

// VRFConfig is one VRF on a PE.
type VRFConfig struct {
	Name           string
	RD             bgp.RD
	Import, Export []bgp.ExtCommunity
	// PerPrefixLabels: a label per CE route ("pop and send to the CE")
	// instead of one for the VRF ("pop, then route in the VRF").
	PerPrefixLabels bool
	// Color, when not 0, is attached to the VRF's exported routes as a
	// Color extended community (RFC 9012): ingress PEs steer them onto
	// their SR policy of that color to this PE.
	Color uint32
	// Speaker configures the VRF's PE–CE speaker (IPv4 unicast). AddVRF
	// sets its Resolver, OnLocRIBChange and OnRestartDone.
	Speaker bgp.Config
	// Attachment: the VRF's sites are the router's own — the VMs of a
	// compute node's ports (option 3, bagpipe's model) — not CEs behind
	// PE–CE sessions. It runs no speaker (Speaker is ignored) and exports
	// what SetAttached gives it, with the VRF's label; the caller makes
	// those addresses the router's own in the VRF (Router.AddLocal), so
	// the label's "pop, then route in the VRF" delivers to them.
	Attachment bool
}

// vrf is one VRF on a PE.
type vrf struct {
	name    string
	rd      bgp.RD
	imports []bgp.ExtCommunity
	exports []bgp.ExtCommunity
	label   uint32
	sp      *bgp.Speaker // replaced (Restart) under Node.mu and the control lock
	res     *Resolver
	// perPrefix: a label per CE route (labels.go), in prefixLabels.
	perPrefix    bool
	prefixLabels map[netip.Prefix]prefixLabel
	color        uint32
	// attachment: no speaker; attached is what it exports (sorted),
	// each route with localPref when hasLocalPref (SetAttached).
	attachment bool
	attached   []Attached
	// readv is what it readvertises (SetReadvertise), readvd the
	// prefixes it does now (readvertise.go).
	readv  []Readvertise
	readvd map[netip.Prefix]bool
}

// Attached is a prefix an attachment VRF exports: a VM's address, or a
// route via one (a port association's prefix route), with the
// LOCAL_PREF the tenant asked for (0: none, the receivers' default).
type Attached struct {
	Prefix    netip.Prefix
	LocalPref uint32
}

// AddVRF creates a VRF, its speaker and its VPN label. Before Start it
// may be called from anywhere; after Start (VRFs that come and go: a
// compute node's BGPVPN attachments) only with the control lock held,
// and the Node then asks for the VRF's import RTs and syncs at once.
func (n *Node) AddVRF(c VRFConfig) error {
	if n.vrf(c.Name) != nil {
		return &vrfError{c.Name, "twice"}
	}
	v := &vrf{name: c.Name, rd: c.RD, imports: slices.Clone(c.Import), exports: slices.Clone(c.Export),
		perPrefix: c.PerPrefixLabels, prefixLabels: map[netip.Prefix]prefixLabel{}, color: c.Color,
		attachment: c.Attachment}
	v.res = NewResolver(n.env.RIB(), c.Name)
	if !c.Attachment {
		sc := c.Speaker
		sc.Resolver = v.res.Resolve
		sc.OnLocRIBChange = n.changed(c.Name)
		sc.TrackChanges = true
		sc.LearnedChangesOnly = true // sync reads the CE routes (ceRoute) and originates the rest
		sc.OnRestartDone = n.restartDone(c.Name)
		sp, err := bgp.New(sc)
		if err != nil {
			return err
		}
		v.sp = sp
	}
	v.label = n.env.RIB().AllocateLabel()
	n.mu.Lock()
	vrfs := slices.Clone(n.vrfs) // copy on write: readers outside the control lock hold an older slice
	i, _ := slices.BinarySearchFunc(vrfs, c.Name, func(x *vrf, name string) int { return cmp.Compare(x.name, name) })
	n.vrfs = slices.Insert(vrfs, i, v)
	started := n.started
	n.mu.Unlock()
	if started {
		n.vrfsChanged()
	}
	return nil
}

// RemoveVRF (control lock held, after Start) deletes a VRF: its routes
// leave the RIB, its label the LFIB, its exports the VPN and its import
// RTs the RT constraint; sync runs at once. false when there is none.
func (n *Node) RemoveVRF(name string) bool {
	v := n.vrf(name)
	if v == nil {
		return false
	}
	n.mu.Lock()
	n.vrfs = slices.DeleteFunc(slices.Clone(n.vrfs), func(x *vrf) bool { return x == v })
	delete(n.kept, name)
	delete(n.restarting, name)
	sp := v.sp
	n.mu.Unlock()
	if sp != nil {
		sp.Close()
	}
	for _, p := range []router.Protocol{router.ProtoEBGP, router.ProtoIBGP} {
		n.env.RIB().ReplaceRoutes(p, name, nil)
	}
	n.dropReadvertised(v)
	n.releasePrefixLabels(v, nil)
	n.env.RIB().ReleaseLabel(v.label)
	n.vrfsChanged()
	return true
}

// SetAttached (control lock held) sets what an attachment VRF exports;
// false when name is no attachment VRF.
func (n *Node) SetAttached(name string, routes []Attached) bool {
	v := n.vrf(name)
	if v == nil || !v.attachment {
		return false
	}
	rs := slices.Clone(routes)
	for i := range rs {
		rs[i].Prefix = rs[i].Prefix.Masked()
	}
	slices.SortFunc(rs, func(a, b Attached) int { return comparePrefix(a.Prefix, b.Prefix) })
	rs = slices.CompactFunc(rs, func(a, b Attached) bool { return a.Prefix == b.Prefix })
	n.mu.Lock()
	if slices.Equal(rs, v.attached) {
		n.mu.Unlock()
		return true
	}
	v.attached = rs // under mu too: VRF reads it from show
	n.full = true
	n.scheduleLocked()
	n.mu.Unlock()
	return true
}

// vrfsChanged (control lock held) follows a VRF added or removed after
// Start: the RT constraint asks for exactly the VRFs' import RTs, the
// LFIB holds exactly their labels, and sync re-exports and re-imports.
func (n *Node) vrfsChanged() {
	n.askImportRTs()
	n.followNexthops()
	n.env.RIB().ReplaceLSPs(router.ProtoIBGP, n.vrfLSPs())
	n.mu.Lock()
	n.full = true
	n.scheduleLocked()
	n.mu.Unlock()
}

type vrfError struct{ name, what string }

func (e *vrfError) Error() string { return "vrf " + e.name + ": " + e.what }

// vrf finds a VRF by name, from any goroutine.
func (n *Node) vrf(name string) *vrf {
	for _, v := range n.vrfList() {
		if v.name == name {
			return v
		}
	}
	return nil
}

// VRFs names the Node's VRFs, sorted.
func (n *Node) VRFs() []string {
	vrfs := n.vrfList()
	out := make([]string, len(vrfs))
	for i, v := range vrfs {
		out[i] = v.name
	}
	return out
}

// VRFSpeaker is the speaker of a VRF (nil when there is none).
func (n *Node) VRFSpeaker(name string) *bgp.Speaker {
	v := n.vrf(name)
	if v == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return v.sp
}

// VPNLabel is the label of a VRF (0 when none).
func (n *Node) VPNLabel(name string) uint32 {
	if v := n.vrf(name); v != nil {
		return v.label
	}
	return 0
}

// syncVRFs (control lock held): export what each VRF learned from its
// CEs, import the VPN routes it wants.
func (n *Node) syncVRFs() {
	self := n.nextHopSelf()
	vpn := n.snapshot("")
	var export []bgp.Origination
	perPrefix := false
	for _, v := range n.vrfs {
		// One packing for all the VRF's routes: they share it.
		exportECs := bgp.PackExtCommunities(n.exportCommunities(v))
		var fromCE []path
		isCE := map[netip.Prefix]bool{}
		for _, r := range n.snapshot(v.name) {
			if r.Local {
				// Imported by sync itself. A CE's route beneath it wins
				// all the same (the import is withdrawn below), so that
				// which came first does not matter.
				lp, ok := n.ceRoute(v, r.Family, r.Key)
				if !ok {
					continue
				}
				r = lp
			}
			fromCE = append(fromCE, r)
			isCE[r.Key.Prefix] = true
			export = append(export, n.exportOf(v, &r, self, exportECs))
		}
		for _, at := range v.attached {
			isCE[at.Prefix] = true
			a := bgp.Attrs{Origin: bgp.OriginIGP, NextHop: self, ExtCommunities: exportECs}
			if at.LocalPref != 0 {
				a.LocalPref, a.HasLocalPref = at.LocalPref, true
			}
			export = append(export, bgp.Origination{Key: bgp.RouteKey{RD: v.rd, Prefix: at.Prefix}, Label: v.label, Attrs: a})
		}
		if v.attachment {
			export = append(export, n.readvertised(v, vpn, self, isCE)...)
		}
		if v.perPrefix {
			n.releasePrefixLabels(v, isCE)
			perPrefix = true
		}
		n.install(router.ProtoEBGP, v.name, learned(fromCE))
		// Import: one path per prefix, from the lowest RD.
		chosen := map[netip.Prefix]int{} // index in vpn
		for i := range vpn {
			r := &vpn[i]
			if !learnedVPNv4(r) || isCE[r.Key.Prefix] {
				continue
			}
			if j, ok := chosen[r.Key.Prefix]; ok && slices.Compare(vpn[j].Key.RD[:], r.Key.RD[:]) < 0 {
				continue
			}
			if !v.mayImport(r, self) {
				continue
			}
			chosen[r.Key.Prefix] = i
		}
		routes := make([]router.Route, 0, len(chosen))
		imp := make([]bgp.Origination, 0, len(chosen))
		for _, i := range chosen {
			o, rt := n.importOf(&vpn[i])
			imp = append(imp, o)
			routes = append(routes, rt)
		}
		slices.SortFunc(routes, func(a, b router.Route) int { return comparePrefix(a.Prefix, b.Prefix) })
		n.install(router.ProtoIBGP, v.name, routes)
		if v.sp != nil {
			_ = n.originate(v.sp, bgp.IPv4Unicast, imp) // counted and logged
		}
	}
	if perPrefix {
		n.env.RIB().ReplaceLSPs(router.ProtoIBGP, n.vrfLSPs())
	}
	_ = n.originate(n.main, bgp.VPNv4, export)
	n.indexVPN(vpn)
}

// exportOf is a route a VRF learned from a CE as the Node exports it:
// the VRF's RD, label and export communities (packed, ecs), the Node's
// next hop, no LOCAL_PREF.
func (n *Node) exportOf(v *vrf, r *path, self netip.Addr, ecs string) bgp.Origination {
	a := r.Attrs.Value()
	label := n.exportLabel(v, r.Key.Prefix, a.NextHop)
	a.NextHop = self
	a.ExtCommunities = ecs
	a.LocalPref, a.HasLocalPref = 0, false
	return bgp.Origination{Key: bgp.RouteKey{RD: v.rd, Prefix: r.Key.Prefix}, Label: label, Attrs: a}
}

// learnedVPNv4 reports whether r is a VPNv4 route the Node learned (not
// its own). VPNv6 routes are carried, not used: the data plane is IPv4.
func learnedVPNv4(r *path) bool {
	return r.Family == bgp.VPNv4 && !r.Local
}

// mayImport reports whether v imports VPN route r: it carries one of
// v's import route targets and does not lead back to this router.
func (v *vrf) mayImport(r *path, self netip.Addr) bool {
	a := r.Attrs.Value()
	return a.NextHop != self && importable(&a, v.imports)
}

// importOf is VPN route r as a VRF imports it: what the VRF's speaker
// originates to its CEs and the route the RIB gets.
func (n *Node) importOf(r *path) (bgp.Origination, router.Route) {
	a := r.Attrs.Value()
	return bgp.Origination{Key: bgp.RouteKey{Prefix: r.Key.Prefix},
		Attrs: bgp.Attrs{Origin: a.Origin, ASPath: a.ASPath, MED: a.MED, HasMED: a.HasMED}}, n.importRoute(r.Key, r.Label, &a)
}

// Importable reports whether r carries one of the route targets imports.
func Importable(r *bgp.Route, imports []bgp.ExtCommunity) bool {
	return importable(&r.Attrs, imports)
}

// importable reports whether attributes a carry one of imports. It
// reads the packed communities in place: sync asks it of every VPN
// route for every VRF.
func importable(a *bgp.Attrs, imports []bgp.ExtCommunity) bool {
	for p := a.ExtCommunities; len(p) >= 8; p = p[8:] {
		var ec bgp.ExtCommunity
		copy(ec[:], p[:8])
		if ec.IsRouteTarget() && slices.Contains(imports, ec) {
			return true
		}
	}
	return false
}

// VRFSettings is a VRF as configured, with its VPN label.
type VRFSettings struct {
	Name            string
	RD              bgp.RD
	Import, Export  []bgp.ExtCommunity
	Label           uint32
	PerPrefixLabels bool
	// Attachment: the VRF's sites are the router's own (a compute
	// node's VMs), and Attached is what it exports.
	Attachment bool
	Attached   []Attached
	// Readvertised are the other VPNs' prefixes it readvertises now
	// (SetReadvertise), sorted.
	Readvertised []netip.Prefix
}

// VRF describes the VRF called name.
func (n *Node) VRF(name string) (VRFSettings, bool) {
	v := n.vrf(name)
	if v == nil {
		return VRFSettings{}, false
	}
	readvd := n.Readvertised(name)
	n.mu.Lock()
	defer n.mu.Unlock()
	return VRFSettings{Name: v.name, RD: v.rd, Import: slices.Clone(v.imports), Export: slices.Clone(v.exports),
		Label: v.label, PerPrefixLabels: v.perPrefix, Attachment: v.attachment, Attached: slices.Clone(v.attached),
		Readvertised: readvd}, true
}
