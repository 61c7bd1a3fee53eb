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
	// sets its Resolver, OnBestChange and OnRestartDone.
	Speaker bgp.Config
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
}

// AddVRF creates a VRF, its speaker and its VPN label (before Start).
func (n *Node) AddVRF(c VRFConfig) error {
	if n.vrf(c.Name) != nil {
		return &vrfError{c.Name, "twice"}
	}
	v := &vrf{name: c.Name, rd: c.RD, imports: c.Import, exports: c.Export,
		perPrefix: c.PerPrefixLabels, prefixLabels: map[netip.Prefix]prefixLabel{}, color: c.Color}
	v.res = NewResolver(n.env.RIB(), c.Name)
	sc := c.Speaker
	sc.Resolver = v.res.Resolve
	sc.OnBestChange = n.changedIn(c.Name)
	sc.OnRestartDone = n.restartDone(c.Name)
	sp, err := bgp.New(sc)
	if err != nil {
		return err
	}
	v.sp = sp
	v.label = n.env.RIB().AllocateLabel()
	i, _ := slices.BinarySearchFunc(n.vrfs, c.Name, func(x *vrf, name string) int { return cmp.Compare(x.name, name) })
	n.vrfs = slices.Insert(n.vrfs, i, v)
	return nil
}

type vrfError struct{ name, what string }

func (e *vrfError) Error() string { return "vrf " + e.name + ": " + e.what }

func (n *Node) vrf(name string) *vrf {
	for _, v := range n.vrfs {
		if v.name == name {
			return v
		}
	}
	return nil
}

// VRFs names the Node's VRFs, sorted.
func (n *Node) VRFs() []string {
	out := make([]string, len(n.vrfs))
	for i, v := range n.vrfs {
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
	self := n.env.Loopback().Addr()
	vpn := n.snapshot("")
	var export []bgp.Origination
	perPrefix := false
	for _, v := range n.vrfs {
		var fromCE []*bgp.Route
		isCE := map[netip.Prefix]bool{}
		for _, r := range n.snapshot(v.name) {
			if r.Local {
				continue // imported from VPNv4 by sync itself
			}
			fromCE = append(fromCE, r)
			isCE[r.Key.Prefix] = true
			a := r.Attrs
			a.NextHop = self
			a.ExtCommunities = bgp.PackExtCommunities(v.exportCommunities())
			a.LocalPref, a.HasLocalPref = 0, false
			export = append(export, bgp.Origination{Key: bgp.RouteKey{RD: v.rd, Prefix: r.Key.Prefix}, Label: n.exportLabel(v, r), Attrs: a})
		}
		if v.perPrefix {
			n.releasePrefixLabels(v, isCE)
			perPrefix = true
		}
		n.install(router.ProtoEBGP, v.name, learned(fromCE))
		// Import: one path per prefix, from the lowest RD (vpn is sorted).
		var routes []router.Route
		var imp []bgp.Origination
		seen := map[netip.Prefix]bool{}
		for _, r := range vpn {
			// VPNv6 routes are carried, not used: the data plane is IPv4.
			if r.Family != bgp.VPNv4 || r.Local || r.NextHop == self || isCE[r.Key.Prefix] || !Importable(r, v.imports) {
				continue
			}
			if seen[r.Key.Prefix] {
				continue
			}
			seen[r.Key.Prefix] = true
			imp = append(imp, bgp.Origination{Key: bgp.RouteKey{Prefix: r.Key.Prefix},
				Attrs: bgp.Attrs{Origin: r.Attrs.Origin, ASPath: r.Attrs.ASPath, MED: r.Attrs.MED, HasMED: r.Attrs.HasMED}})
			routes = append(routes, n.importRoute(r))
		}
		slices.SortFunc(routes, func(a, b router.Route) int { return comparePrefix(a.Prefix, b.Prefix) })
		n.install(router.ProtoIBGP, v.name, routes)
		_ = n.originate(v.sp, bgp.IPv4Unicast, imp) // counted and logged
	}
	if perPrefix {
		n.env.RIB().ReplaceLSPs(router.ProtoIBGP, n.vrfLSPs())
	}
	_ = n.originate(n.main, bgp.VPNv4, export)
}

// Importable reports whether r carries one of the route targets imports.
func Importable(r *bgp.Route, imports []bgp.ExtCommunity) bool {
	for _, rt := range r.Attrs.RouteTargets() {
		if slices.Contains(imports, rt) {
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
}

// VRF describes the VRF called name.
func (n *Node) VRF(name string) (VRFSettings, bool) {
	v := n.vrf(name)
	if v == nil {
		return VRFSettings{}, false
	}
	return VRFSettings{Name: v.name, RD: v.rd, Import: slices.Clone(v.imports), Export: slices.Clone(v.exports),
		Label: v.label, PerPrefixLabels: v.perPrefix}, true
}
