package cloudapi

import (
	"context"
	"slices"

	"github.com/intercloud/intercloud/internal/api"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// Table answers the clouds' own tables for show (api.CloudTables):
// "interconnections" of a cloud, each half with its state, route targets
// and the BGPVPNs built for it, read from the cloud's Neutron.
func (c *Clouds) Table(ctx context.Context, cloud, table string) (any, string, bool, error) {
	n := c.Neutron(cloud)
	if n == nil || (table != "interconnections" && table != "interconnection") {
		return nil, "", false, nil
	}
	ics, err := Interconnections(ctx, n)
	if err != nil {
		return nil, "", true, err
	}
	return ics, api.InterconnectionsText(cloud, ics), true, nil
}

// Interconnections are n's interconnections with their BGPVPNs.
func Interconnections(ctx context.Context, n *neutron.Service) ([]api.Interconnection, error) {
	ics, err := n.Interconnections(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := n.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := []api.Interconnection{}
	for _, ic := range ics {
		row := api.Interconnection{ID: ic.ID, Name: ic.Name, Project: ic.ProjectID, Type: ic.Type, State: ic.State,
			Reason: ic.StateReason, LocalResource: ic.LocalResourceID, RemoteRegion: ic.RemoteRegion,
			RemoteResource: ic.RemoteResourceID, LocalRT: ic.LocalRT, RemoteRT: ic.RemoteRT, BGPVPNs: []api.InterconnectionBGPVPN{}}
		if ic.RemoteInterconnectionID != nil {
			row.RemoteInterconnectionID = *ic.RemoteInterconnectionID
		}
		for _, v := range snap.BGPVPNs {
			if !slices.Contains(ic.BGPVPNIDs, v.ID) {
				continue
			}
			b := api.InterconnectionBGPVPN{ID: v.ID, ImportTargets: v.ImportTargets, ExportTargets: v.ExportTargets,
				Routers: []string{}, Networks: []string{}}
			for _, a := range snap.BGPVPNRouterAssociations {
				if a.BGPVPNID == v.ID {
					b.Routers = append(b.Routers, a.RouterID)
				}
			}
			for _, a := range snap.BGPVPNNetworkAssociations {
				if a.BGPVPNID == v.ID {
					b.Networks = append(b.Networks, a.NetworkID)
				}
			}
			row.BGPVPNs = append(row.BGPVPNs, b)
		}
		out = append(out, row)
	}
	return out, nil
}
