package topology

import "sort"

// assignSpaces puts each VPN site, everything hanging behind it and the
// links among them into the VPN's address space. A PE's VRF interface is
// where a space starts; the walk never enters the core. A node reachable
// from two VPNs stays in the global space (its addresses must then be
// unique everywhere), which is what a dual-homed host between two
// customers would need.
func (r *resolver) assignSpaces() {
	spaceOf := map[string]string{}
	conflict := map[string]bool{}
	for _, v := range r.m.VPNs {
		var queue []string
		for _, vrf := range v.VRFs {
			pe := r.nodes[vrf.PE]
			for _, ifc := range pe.Interfaces {
				if ifc.VRF == v.Name {
					queue = append(queue, ifc.Peer)
				}
			}
		}
		seen := map[string]bool{}
		for len(queue) > 0 {
			name := queue[0]
			queue = queue[1:]
			n := r.nodes[name]
			if seen[name] || n == nil || n.Role.IsCore() {
				continue
			}
			seen[name] = true
			if prev, ok := spaceOf[name]; ok && prev != v.Name {
				conflict[name] = true
			}
			spaceOf[name] = v.Name
			for _, ifc := range n.Interfaces {
				queue = append(queue, ifc.Peer)
			}
		}
	}
	names := make([]string, 0, len(spaceOf))
	for name := range spaceOf {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !conflict[name] {
			r.nodes[name].Space = spaceOf[name]
		}
	}
	for _, l := range r.m.Links {
		a, b := r.nodes[l.A.Node], r.nodes[l.B.Node]
		if a == nil || b == nil {
			continue
		}
		switch {
		case a.Space != "" && (b.Space == a.Space || b.Role.IsCore()):
			l.Space = a.Space
		case b.Space != "" && a.Role.IsCore():
			l.Space = b.Space
		}
	}
}
