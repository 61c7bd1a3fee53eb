package frrlab

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/intercloud/intercloud/internal/topology"
)

// A check polls the routers and says whether the lab has reached a state
// and, when not, why. Checks ask the routers in parallel (vtysh answers
// in tens of milliseconds; a large lab has hundreds of routers).

// onAll asks f of every node in nodes, 8 at a time, and returns the first
// "why not" in nodes' order, or "" when every node answered yes.
func onAll(nodes []string, f func(node string) string) string {
	whys := make([]string, len(nodes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, n := range nodes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			whys[i] = f(n)
		}()
	}
	wg.Wait()
	for _, w := range whys {
		if w != "" {
			return w
		}
	}
	return ""
}

func result(why string) (bool, string) { return why == "", why }

// coreLinks counts each core router's IGP links that are up.
func (l *Lab) coreLinks(down map[int]bool) map[string]int {
	out := map[string]int{}
	for _, lk := range l.m.Links {
		if lk.Core && !lk.InterAS && lk.Up && !down[lk.ID] {
			out[lk.A.Node]++
			out[lk.B.Node]++
		}
	}
	return out
}

// OSPFFull: every core link has a Full adjacency at both ends.
func (l *Lab) OSPFFull() (bool, string) {
	want := l.coreLinks(nil)
	return result(onAll(slices.Sorted(maps.Keys(want)), func(node string) string {
		v := l.Vtysh(node, "show ip ospf neighbor json")
		full := 0
		nbrs, _ := v["neighbors"].(map[string]any)
		for _, list := range nbrs {
			for _, e := range asList(list) {
				if s, _ := e["nbrState"].(string); strings.HasPrefix(s, "Full") {
					full++
				}
			}
		}
		if full != want[node] {
			return fmt.Sprintf("%s has %d Full neighbours, want %d", node, full, want[node])
		}
		return ""
	}))
}

// LDPUp: one operational LDP session per pair of LDP neighbours.
func (l *Lab) LDPUp() (bool, string) {
	peers := map[string]map[string]bool{}
	for _, lk := range l.m.Links {
		if !lk.Core || lk.InterAS || l.m.Node(lk.A.Node).LabelMode != topology.LabelLDP || l.m.Node(lk.B.Node).LabelMode != topology.LabelLDP {
			continue
		}
		for _, p := range [][2]string{{lk.A.Node, lk.B.Node}, {lk.B.Node, lk.A.Node}} {
			if peers[p[0]] == nil {
				peers[p[0]] = map[string]bool{}
			}
			peers[p[0]][p[1]] = true
		}
	}
	return result(onAll(slices.Sorted(maps.Keys(peers)), func(node string) string {
		v := l.Vtysh(node, "show mpls ldp neighbor json")
		up := 0
		for _, e := range asList(v["neighbors"]) {
			if s, _ := e["state"].(string); s == "OPERATIONAL" {
				up++
			}
		}
		if up != len(peers[node]) {
			return fmt.Sprintf("%s has %d operational LDP neighbours, want %d", node, up, len(peers[node]))
		}
		return ""
	}))
}

// SRNodes: each core router's OSPF SR database holds every core router
// (itself included) with the node SID index the model gives it.
func (l *Lab) SRNodes() (bool, string) {
	want := map[string]int{}
	var core []string
	for _, n := range l.m.Nodes {
		if n.Role.IsCore() {
			core = append(core, n.Name)
			if n.SRIndex >= 0 {
				want[n.Loopback.String()] = n.SRIndex
			}
		}
	}
	return result(onAll(core, func(node string) string {
		v := l.Vtysh(node, "show ip ospf database segment-routing json")
		have := map[string]int{}
		for _, sn := range asList(v["srNodes"]) {
			for _, p := range asList(sn["extendedPrefix"]) {
				pre, _ := p["prefix"].(string)
				sid, _ := p["sid"].(float64)
				have[pre] = int(sid)
			}
		}
		if !maps.Equal(have, want) {
			b, _ := json.Marshal(v)
			return fmt.Sprintf("%s's SR database has node SIDs %v, want %v (%s)", node, have, want, b)
		}
		return ""
	}))
}

// BGPEstablished: every BGP session the lab starts (not the on-demand
// ones a cloud's speaker opens) is Established at each end that runs FRR.
func (l *Lab) BGPEstablished() (bool, string) {
	type want struct {
		vrf, peer, kind string
	}
	wants := map[string][]want{}
	for _, s := range l.m.Sessions {
		if s.OnDemand() {
			continue
		}
		for _, end := range []struct {
			node, vrf string
			peer      netip.Addr
		}{{s.A, s.VRF, s.BAddr}, {s.B, "", s.AAddr}} {
			if l.routers[end.node] {
				vrf := end.vrf
				if vrf == "" {
					vrf = "default"
				}
				wants[end.node] = append(wants[end.node], want{vrf, end.peer.String(), string(s.Kind)})
			}
		}
	}
	return result(onAll(slices.Sorted(maps.Keys(wants)), func(node string) string {
		// One question per router: every VRF's peers and their states.
		v := l.Vtysh(node, "show bgp vrf all summary json")
		for _, w := range wants[node] {
			state := ""
			afs, _ := v[w.vrf].(map[string]any)
			for _, af := range afs {
				afm, _ := af.(map[string]any)
				peers, _ := afm["peers"].(map[string]any)
				p, _ := peers[w.peer].(map[string]any)
				if s, _ := p["state"].(string); s != "" {
					state = s
				}
			}
			if state != "Established" {
				return fmt.Sprintf("%s's session with %s (%s) is %q", node, w.peer, w.kind, state)
			}
		}
		return ""
	}))
}

// PEs lists the model's PE routers that run FRR.
func (l *Lab) PEs() []string {
	var out []string
	for _, n := range l.m.Nodes {
		if n.Role == topology.RolePE && l.routers[n.Name] {
			out = append(out, n.Name)
		}
	}
	return out
}

// VPNRoutes reads each PE's VPNv4 table as "RD prefix", sorted.
func (l *Lab) VPNRoutes() map[string][]string {
	var mu sync.Mutex
	out := map[string][]string{}
	onAll(l.PEs(), func(pe string) string {
		rs := l.VPNRoutes1(pe)
		mu.Lock()
		out[pe] = rs
		mu.Unlock()
		return ""
	})
	return out
}

// HasVPNRoutes: each PE's VPNv4 table is want's (PE -> sorted "RD prefix").
func (l *Lab) HasVPNRoutes(want map[string][]string) (bool, string) {
	return l.hasVPNRoutes(want, slices.Equal)
}

// HoldsVPNRoutes: each PE's VPNv4 table holds want's routes, and maybe
// more: FRR keeps every VPN route its reflectors send, where intercloud's
// PEs keep those their VRFs import (RT constraint).
func (l *Lab) HoldsVPNRoutes(want map[string][]string) (bool, string) {
	return l.hasVPNRoutes(want, func(got, want []string) bool {
		for _, r := range want {
			if _, ok := slices.BinarySearch(got, r); !ok {
				return false
			}
		}
		return true
	})
}

func (l *Lab) hasVPNRoutes(want map[string][]string, ok func(got, want []string) bool) (bool, string) {
	return result(onAll(slices.Sorted(maps.Keys(want)), func(pe string) string {
		got := l.VPNRoutes1(pe)
		if !ok(got, want[pe]) {
			return fmt.Sprintf("%s has %d VPNv4 routes %v, want %d %v", pe, len(got), clip(got), len(want[pe]), clip(want[pe]))
		}
		return ""
	}))
}

// VPNRoutes1 is one PE's VPNv4 table as "RD prefix", sorted.
func (l *Lab) VPNRoutes1(pe string) []string {
	v := l.Vtysh(pe, "show bgp ipv4 vpn json")
	routes, _ := v["routes"].(map[string]any)
	rds, _ := routes["routeDistinguishers"].(map[string]any)
	var rs []string
	for rd, prefixes := range rds {
		ps, _ := prefixes.(map[string]any)
		for p := range ps {
			rs = append(rs, rd+" "+p)
		}
	}
	slices.Sort(rs)
	return rs
}

// HasVRFRoutes: each VRF (keyed "PE VRF") holds the prefixes want lists.
// import vpn brings the remote sites' routes into the VRFs (FRR holds
// them without a valid next hop: no MPLS labels in this kernel).
func (l *Lab) HasVRFRoutes(want map[string][]string) (bool, string) {
	return result(onAll(slices.Sorted(maps.Keys(want)), func(key string) string {
		pe, vrf, _ := strings.Cut(key, " ")
		v := l.Vtysh(pe, "show bgp vrf "+vrf+" ipv4 unicast json")
		routes, _ := v["routes"].(map[string]any)
		have := slices.Sorted(maps.Keys(routes))
		if !slices.Equal(have, want[key]) {
			return fmt.Sprintf("%s vrf %s has %v, want %v", pe, vrf, clip(have), clip(want[key]))
		}
		return ""
	}))
}

// clip shortens a long list for a message.
func clip(xs []string) []string {
	if len(xs) > 8 {
		return append(slices.Clip(xs[:8]), fmt.Sprintf("... (%d more)", len(xs)-8))
	}
	return xs
}

// HasLoopbackRoutes: every core router's zebra has, installed in the
// kernel, a route to every other core loopback with exactly the next hops
// want gives (router -> loopback -> next-hop addresses, sorted).
func (l *Lab) HasLoopbackRoutes(want map[string]map[netip.Prefix][]netip.Addr) (bool, string) {
	return result(onAll(slices.Sorted(maps.Keys(want)), func(node string) string {
		v := l.Vtysh(node, "show ip route ospf json")
		for dst, nhs := range want[node] {
			got := installedNexthops(v[dst.String()])
			if !slices.Equal(got, nhs) {
				return fmt.Sprintf("%s routes %s via %v, want %v", node, dst, got, nhs)
			}
		}
		return ""
	}))
}

// installedNexthops reads the next hops zebra installed in the kernel
// for one prefix of `show ip route json`, sorted.
func installedNexthops(entries any) []netip.Addr {
	var out []netip.Addr
	for _, r := range asList(entries) {
		if inst, _ := r["installed"].(bool); !inst {
			continue
		}
		for _, nh := range asList(r["nexthops"]) {
			fib, _ := nh["fib"].(bool)
			s, _ := nh["ip"].(string)
			if a, err := netip.ParseAddr(s); err == nil && fib {
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

func asList(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case map[string]any:
		out = append(out, x)
	}
	return out
}
