package cloudapi

import (
	"context"
	"fmt"
	"slices"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// orID is a resource's name, or its id when it has none.
func orID(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// Summaries reads every cloud's resources from its Neutron and Nova, in
// the topology's order: what GET /api/v1/clouds answers (the web UI's
// cloud panel). Projects are those owning something, named when they are
// seeded ones.
func (c *Clouds) Summaries(ctx context.Context) ([]api.CloudSummary, error) {
	names := map[string]string{}
	for name, id := range c.projectIDs {
		names[id] = name
	}
	out := make([]api.CloudSummary, 0, len(c.neutron))
	for _, n := range c.neutron {
		region := n.Region()
		st, err := n.Snapshot(ctx)
		if err != nil {
			return nil, fmt.Errorf("cloud %s: %w", region, err)
		}
		sum := api.CloudSummary{Name: region, Projects: []api.CloudProject{}, Networks: []api.CloudNetwork{},
			Routers: []api.CloudRouter{}, Servers: []api.CloudServer{}, Speakers: []api.CloudSpeaker{}, BGPVPNs: []api.CloudBGPVPN{}}
		var owners []string
		own := func(id string) {
			if id != "" && !slices.Contains(owners, id) {
				owners = append(owners, id)
			}
		}
		cidr := map[string]string{}
		for _, sn := range st.Subnets {
			cidr[sn.ID] = sn.CIDR
		}
		for _, nw := range st.Networks {
			own(nw.ProjectID)
			cn := api.CloudNetwork{ID: nw.ID, Name: nw.Name, Project: nw.ProjectID, External: nw.External, Subnets: []string{}}
			for _, sn := range st.Subnets {
				if sn.NetworkID == nw.ID {
					cn.Subnets = append(cn.Subnets, sn.CIDR)
				}
			}
			sum.Networks = append(sum.Networks, cn)
		}
		ports := map[string]neutron.Port{}
		for _, p := range st.Ports {
			ports[p.ID] = p
		}
		for _, rt := range st.Routers {
			own(rt.ProjectID)
			cr := api.CloudRouter{ID: rt.ID, Name: rt.Name, Project: rt.ProjectID}
			if rt.GatewayInfo != nil {
				for _, ip := range rt.GatewayInfo.ExternalFixedIPs {
					cr.Gateway = append(cr.Gateway, ip.IPAddress)
				}
			}
			for _, p := range st.Ports {
				if p.DeviceID == rt.ID && p.DeviceOwner == "network:router_interface" {
					for _, ip := range p.FixedIPs {
						cr.Interfaces = append(cr.Interfaces, ip.IPAddress+" on "+cidr[ip.SubnetID])
					}
				}
			}
			sum.Routers = append(sum.Routers, cr)
		}
		if nv := c.Nova(region); nv != nil {
			svs, err := nv.Servers(ctx)
			if err != nil {
				return nil, fmt.Errorf("cloud %s: %w", region, err)
			}
			for _, sv := range svs {
				own(sv.ProjectID)
				cs := api.CloudServer{ID: sv.ID, Name: sv.Name, Project: sv.ProjectID, Host: sv.Host}
				for _, id := range sv.Ports {
					for _, ip := range ports[id].FixedIPs {
						cs.Addresses = append(cs.Addresses, ip.IPAddress)
					}
				}
				sum.Servers = append(sum.Servers, cs)
			}
		}
		for _, sp := range st.BGPSpeakers {
			own(sp.ProjectID)
			cs := api.CloudSpeaker{ID: sp.ID, Name: sp.Name, LocalAS: sp.LocalAS, Agents: sp.AgentHosts}
			for _, p := range sp.BGPPeers {
				cs.Peers = append(cs.Peers, fmt.Sprintf("%s AS %d", p.PeerIP, p.RemoteAS))
			}
			for _, r := range sp.AdvertisedRoutes {
				cs.Advertised = append(cs.Advertised, r.Destination+" via "+r.NextHop)
			}
			sum.Speakers = append(sum.Speakers, cs)
		}
		netName, routerName := map[string]string{}, map[string]string{}
		for _, n := range st.Networks {
			netName[n.ID] = orID(n.Name, n.ID)
		}
		for _, r := range st.Routers {
			routerName[r.ID] = orID(r.Name, r.ID)
		}
		for _, v := range st.BGPVPNs {
			own(v.ProjectID)
			cv := api.CloudBGPVPN{ID: v.ID, Name: v.Name, Project: v.ProjectID, Type: v.Type,
				RouteTargets: v.RouteTargets, ImportTargets: v.ImportTargets, ExportTargets: v.ExportTargets,
				RouteDistinguishers: v.RouteDistinguishers}
			for _, a := range st.BGPVPNNetworkAssociations {
				if a.BGPVPNID == v.ID {
					cv.Networks = append(cv.Networks, netName[a.NetworkID])
				}
			}
			for _, a := range st.BGPVPNRouterAssociations {
				if a.BGPVPNID == v.ID {
					cv.Routers = append(cv.Routers, routerName[a.RouterID])
				}
			}
			for _, a := range st.BGPVPNPortAssociations {
				if a.BGPVPNID != v.ID {
					continue
				}
				port := a.PortID
				if ips := ports[a.PortID].FixedIPs; len(ips) > 0 {
					port = ips[0].IPAddress
				}
				cv.Ports = append(cv.Ports, port)
			}
			sum.BGPVPNs = append(sum.BGPVPNs, cv)
		}
		for _, id := range owners {
			sum.Projects = append(sum.Projects, api.CloudProject{ID: id, Name: names[id]})
		}
		out = append(out, sum)
	}
	return out, nil
}
