package l3vpn

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"

	"github.com/intercloud/intercloud/internal/bgp"
)

// Readvertisement (networking-bgpvpn's port association routes of type
// bgpvpn, bagpipe-bgp's "readvertise"): an attachment VRF takes another
// VPN's routes — those carrying its route targets — and advertises each
// prefix again as its own: the VRF's route targets, its label, the
// Node's next hop. Traffic of the VRF's VPN for those prefixes then comes
// to this router, into the VRF, where the port that asked for it (a
// service VM: a firewall in the path) would take it on. The Node asks RT
// constraint for the other VPN's route targets, so it learns its routes
// as they come and go, and readvertises or withdraws at each sync.
//
// The caller makes each readvertised prefix end in the VRF while it is
// readvertised (Config.OnReadvertised), as it does for what SetAttached
// exports.

// ReadvertisedCommunity (65534:4684, a private AS's) marks a readvertised
// route. A route carrying it is never readvertised again: two VRFs
// readvertising each other's VPN would otherwise keep a prefix alive
// between them, each from the other's copy, once its origin withdrew it.
// One readvertisement per route, then: service chains of one hop.
const ReadvertisedCommunity uint32 = 65534<<16 | 4684

// readvertisedMark is ReadvertisedCommunity packed as Attrs.Communities.
var readvertisedMark = string(binary.BigEndian.AppendUint32(nil, ReadvertisedCommunity))

// isReadvertised reports whether attributes a carry
// ReadvertisedCommunity.
func isReadvertised(a *bgp.Attrs) bool {
	for c := a.Communities; len(c) >= 4; c = c[4:] {
		if c[:4] == readvertisedMark {
			return true
		}
	}
	return false
}

// Readvertise is one VPN an attachment VRF readvertises.
type Readvertise struct {
	// From are the route targets that make a VPN route one of the other
	// VPN's (its export route targets).
	From []bgp.ExtCommunity
	// LocalPref is the readvertised routes' LOCAL_PREF, 0 for none.
	LocalPref uint32
	// Except are prefixes never readvertised (the port's own addresses).
	Except []netip.Prefix
}

// SetReadvertise (control lock held) sets the VPNs an attachment VRF
// readvertises, the first naming a prefix winning; false when name is
// no attachment VRF. RT constraint asks for their route targets at once.
func (n *Node) SetReadvertise(name string, rs []Readvertise) bool {
	v := n.vrf(name)
	if v == nil || !v.attachment {
		return false
	}
	rs = slices.Clone(rs)
	for i := range rs {
		rs[i].From = slices.Clone(rs[i].From)
		rs[i].Except = slices.Clone(rs[i].Except)
	}
	n.mu.Lock()
	same := slices.EqualFunc(rs, v.readv, sameReadvertise)
	if !same {
		v.readv = rs // under mu too: askImportRTs may read it from another VRF's change
	}
	started := n.started
	n.mu.Unlock()
	if !same && started {
		n.vrfsChanged()
	}
	return true
}

func sameReadvertise(a, b Readvertise) bool {
	return a.LocalPref == b.LocalPref && slices.Equal(a.From, b.From) && slices.Equal(a.Except, b.Except)
}

// readvertiseRTs are the route targets the VRFs' readvertisements need.
func readvertiseRTs(vrfs []*vrf) []bgp.ExtCommunity {
	var out []bgp.ExtCommunity
	for _, v := range vrfs {
		for _, r := range v.readv {
			out = append(out, r.From...)
		}
	}
	return out
}

// readvertised (control lock held, from syncVRFs) is what v readvertises
// from vpn, the global speaker's best paths (sorted here by key): one route per
// prefix (the lowest RD's), skipping the routes that are v's own VPN's
// (they carry one of v's route targets: what v imports, and what v
// exports, its readvertisements among them), readvertised routes
// (ReadvertisedCommunity), the prefixes v exports
// already (own: its ports' and their prefix routes) or imports, and
// each readvertisement's exceptions. It tells Config.OnReadvertised what
// came and went.
func (n *Node) readvertised(v *vrf, vpn []path, self netip.Addr, own map[netip.Prefix]bool) []bgp.Origination {
	if len(v.readv) == 0 && len(v.readvd) == 0 {
		return nil // most attachments: no pass over the VPN routes
	}
	sortPaths(vpn) // the lowest RD's route first
	imported := map[netip.Prefix]bool{}
	for i := range vpn {
		r := &vpn[i]
		if r.Family != bgp.VPNv4 || r.Local {
			continue
		}
		if ra := r.Attrs.Value(); ra.NextHop != self && importable(&ra, v.imports) {
			imported[r.Key.Prefix] = true
		}
	}
	var out []bgp.Origination
	now := map[netip.Prefix]bool{}
	for _, rd := range v.readv {
		for i := range vpn {
			r := &vpn[i]
			p := r.Key.Prefix
			if r.Family != bgp.VPNv4 || now[p] || own[p] || imported[p] || slices.Contains(rd.Except, p) {
				continue
			}
			ra := r.Attrs.Value()
			if !importable(&ra, rd.From) || importable(&ra, v.imports) || importable(&ra, v.exports) || isReadvertised(&ra) {
				continue
			}
			now[p] = true
			a := bgp.Attrs{Origin: ra.Origin, NextHop: self, Communities: readvertisedMark,
				ExtCommunities: bgp.PackExtCommunities(n.exportCommunities(v))}
			if rd.LocalPref != 0 {
				a.LocalPref, a.HasLocalPref = rd.LocalPref, true
			}
			out = append(out, bgp.Origination{Key: bgp.RouteKey{RD: v.rd, Prefix: p}, Label: v.label, Attrs: a})
		}
	}
	n.setReadvertised(v, now, own)
	return out
}

// setReadvertised records v's readvertised prefixes and tells the caller
// which came and went, in prefix order. A prefix that went because v now
// exports it as its own stays delivered: that is the caller's already.
func (n *Node) setReadvertised(v *vrf, now, own map[netip.Prefix]bool) {
	var gone, came []netip.Prefix
	for p := range v.readvd {
		if !now[p] {
			gone = append(gone, p)
		}
	}
	for p := range now {
		if !v.readvd[p] {
			came = append(came, p)
		}
	}
	slices.SortFunc(gone, comparePrefix)
	slices.SortFunc(came, comparePrefix)
	n.mu.Lock()
	v.readvd = now // under mu: Readvertised reads it from anywhere
	n.mu.Unlock()
	for _, p := range gone {
		if !own[p] && n.onReadvertised != nil {
			n.onReadvertised(v.name, p, false)
		}
		n.env.Event("bgp-readvertise", fmt.Sprintf("vrf %s no longer readvertises %v", v.name, p))
	}
	for _, p := range came {
		if n.onReadvertised != nil {
			n.onReadvertised(v.name, p, true)
		}
		n.env.Event("bgp-readvertise", fmt.Sprintf("vrf %s readvertises %v", v.name, p))
	}
}

// dropReadvertised (control lock held, v leaving) tells the caller that
// nothing v readvertised is anymore.
func (n *Node) dropReadvertised(v *vrf) {
	n.setReadvertised(v, nil, nil)
}

// Readvertised lists the prefixes an attachment VRF readvertises now,
// sorted (for show and tests).
func (n *Node) Readvertised(name string) []netip.Prefix {
	v := n.vrf(name)
	if v == nil {
		return nil
	}
	n.mu.Lock()
	out := make([]netip.Prefix, 0, len(v.readvd))
	for p := range v.readvd {
		out = append(out, p)
	}
	n.mu.Unlock()
	slices.SortFunc(out, comparePrefix)
	return out
}
