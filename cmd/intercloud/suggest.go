package main

import (
	"github.com/intercloud/intercloud/internal/topology"
)

// tracePair picks two nodes worth a first trace in this lab: two sites
// of one VPN (their traffic crosses the core with labels), else two PEs,
// else any two routers. ok is false in a lab of fewer than two.
func tracePair(m *topology.Model) (a, b string, ok bool) {
	role := map[string]topology.Role{}
	for _, n := range m.Nodes {
		role[n.Name] = n.Role
	}
	for _, v := range m.VPNs {
		var sites []string
		for _, s := range v.Sites {
			if r, ok := role[s]; ok && r != topology.RoleCloud && r != topology.RoleExternal {
				sites = append(sites, s)
			}
		}
		if len(sites) >= 2 {
			return sites[0], sites[1], true
		}
	}
	var pes, all []string
	for _, n := range m.Nodes {
		if n.Role == topology.RoleExternal || n.Role == topology.RoleCloud {
			continue
		}
		all = append(all, n.Name)
		if n.Role == topology.RolePE {
			pes = append(pes, n.Name)
		}
	}
	if len(pes) >= 2 {
		return pes[0], pes[1], true
	}
	if len(all) >= 2 {
		return all[0], all[1], true
	}
	return "", "", false
}
