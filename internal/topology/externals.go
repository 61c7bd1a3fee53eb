package topology

import (
	"fmt"
	"sort"
)

// addExternal records a role-external node: a real BGP daemon at an
// address, not a router of the lab.
func (r *resolver) addExternal(ns *nodeSpec) {
	if !nameRE.MatchString(ns.Name) {
		r.d.errorf(ns.where("name"), "start with a letter; use letters, digits, '-', '_' and '.'", "invalid node name %q", ns.Name)
	}
	if prev, dup := r.externals[ns.Name]; dup {
		r.d.errorf(ns.where("name"), fmt.Sprintf("first defined at line %d", prev.pos.Line), "duplicate node name %q", ns.Name)
		return
	}
	for _, key := range []string{"loopback", "router_id", "area", "label_mode", "sr_index", "rr", "cluster_id", "static"} {
		if ns.has(key) {
			r.d.errorf(ns.where(key), "an external peer is configured in its own daemon; give address, plays, asn (and attach, vpn for a ce)", "external peer %s: %s does not apply", ns.Name, key)
		}
	}
	r.externals[ns.Name] = ns
	e := &External{Name: ns.Name, Plays: ns.Plays, ASN: ns.ASN, Addr: ns.Address, Attach: ns.Attach, VPN: ns.VPN}
	if !ns.has("address") {
		r.d.errorf(ns.pos, "add address: 127.0.0.1:1790 (where the daemon listens)", "external peer %s has no address", ns.Name)
	}
	if !ns.has("plays") {
		r.d.errorf(ns.pos, "add plays: rr, pe or ce", "external peer %s plays no role", ns.Name)
	}
	r.m.Externals = append(r.m.Externals, e)
}

// checkExternals gives external peers their defaults and checks what
// they refer to: a PE and a VPN for a ce, an AS that has PEs for the rest.
func (r *resolver) checkExternals() {
	for _, e := range r.m.Externals {
		ns := r.externals[e.Name]
		switch e.Plays {
		case RoleCE:
			if e.ASN == 0 {
				r.d.errorf(ns.pos, "add asn: the CE's own AS", "external ce %s has no asn", e.Name)
			} else if e.ASN == r.m.ProviderASN {
				r.d.errorf(ns.where("asn"), "a CE is in the customer's AS", "external ce %s has the provider's asn %d", e.Name, e.ASN)
			}
			pe := r.nodes[e.Attach]
			switch {
			case !ns.has("attach"):
				r.d.errorf(ns.pos, "add attach: the PE it peers with", "external ce %s attaches to no pe", e.Name)
			case pe == nil || pe.Role != RolePE:
				r.d.errorf(ns.where("attach"), didYouMeanOr(e.Attach, r.peNames(), "name a pe router"), "external ce %s attaches to %q, which is not a pe", e.Name, e.Attach)
			}
			if !ns.has("vpn") {
				r.d.errorf(ns.pos, "add vpn: the VPN whose VRF it peers in", "external ce %s is in no vpn", e.Name)
			} else if r.m.VPN(e.VPN) == nil {
				r.d.errorf(ns.where("vpn"), "name a vpn of the topology", "external ce %s: no vpn %q", e.Name, e.VPN)
			}
		case RoleRR, RolePE:
			if e.ASN == 0 {
				e.ASN = r.m.ProviderASN
				e.Auto = append(e.Auto, "asn")
			}
			for _, key := range []string{"attach", "vpn"} {
				if ns.has(key) {
					r.d.errorf(ns.where(key), "only an external ce attaches to a pe in a vpn", "external %s %s: %s does not apply", e.Plays, e.Name, key)
				}
			}
			has := false
			for _, n := range r.m.Nodes {
				has = has || n.Role.IsCore() && n.ASN == e.ASN
			}
			if !has {
				r.d.errorf(ns.where("asn"), "peer it with an AS the topology has", "external %s %s is in AS %d, where no core router is", e.Plays, e.Name, e.ASN)
			}
		}
	}
	sort.SliceStable(r.m.Externals, func(i, j int) bool { return r.m.Externals[i].Name < r.m.Externals[j].Name })
}

func didYouMeanOr(s string, names []string, otherwise string) string {
	if h := didYouMean(s, names); h != "" {
		return h
	}
	return otherwise
}

// externalSessions adds the sessions of an external peer: as a reflector
// of its AS, with every PE (clients) and every reflector (mesh) of it; as
// a PE, with the AS's reflectors, or with every PE where there are none;
// as a CE, with its PE's VRF. The lab's end of each is the router's
// loopback (its TCP address is the lab's to choose).
func (r *resolver) externalSessions(e *External, as, rrs []*Node, vpnFamilies []string) {
	add := func(kind SessionKind, a *Node, client bool) {
		r.m.Sessions = append(r.m.Sessions, Session{Kind: kind, A: a.Name, B: e.Name, AAddr: a.Loopback.Addr(), BAddr: e.Addr.Addr(),
			AASN: a.ASN, BASN: e.ASN, Families: vpnFamilies, RRClient: client})
	}
	switch e.Plays {
	case RoleRR:
		for _, n := range as {
			switch {
			case n.RouteReflector:
				add(SessionRRMesh, n, false)
			case n.Role == RolePE:
				add(SessionIBGPVPN, n, true)
			}
		}
	case RolePE:
		peers := rrs
		if len(peers) == 0 {
			for _, n := range as {
				if n.Role == RolePE {
					peers = append(peers, n)
				}
			}
		}
		for _, n := range peers {
			// The model's sessions say A is a client of reflector B; here
			// the external is the client, so it is written as B with
			// RRClient on A's side: see Session.BClient.
			r.m.Sessions = append(r.m.Sessions, Session{Kind: SessionIBGPVPN, A: n.Name, B: e.Name, AAddr: n.Loopback.Addr(), BAddr: e.Addr.Addr(),
				AASN: n.ASN, BASN: e.ASN, Families: vpnFamilies, BClient: n.RouteReflector})
		}
	case RoleCE:
		if pe := r.nodes[e.Attach]; pe != nil && pe.Role == RolePE {
			r.m.Sessions = append(r.m.Sessions, Session{Kind: SessionPECE, A: pe.Name, B: e.Name, AAddr: pe.Loopback.Addr(), BAddr: e.Addr.Addr(),
				AASN: pe.ASN, BASN: e.ASN, Families: []string{"ipv4-unicast"}, VRF: e.VPN})
		}
	}
}

func (r *resolver) peNames() []string {
	var out []string
	for _, n := range r.m.Nodes {
		if n.Role == RolePE {
			out = append(out, n.Name)
		}
	}
	return out
}
