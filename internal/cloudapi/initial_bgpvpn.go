package cloudapi

import (
	"context"
	"fmt"
	"net/url"
	"slices"

	"github.com/intercloud/intercloud/internal/openstack/keystone"
	"github.com/intercloud/intercloud/internal/topology"
)

// initialBGPVPN gives a cloud joining by bgpvpn (option 3) what its admin
// would make so that the demo project's VMs join the cloud's VPN: a
// BGPVPN named after the VPN, for the demo project, with the VPN's route
// targets (route_targets when it imports what it exports, else
// import_targets and export_targets), and the private network associated
// with it. A VM booted on private then makes its compute a PE of the VPN,
// reaching the VPN's sites. Clouds joining otherwise, or in no VPN, get
// nothing. Like the rest of the initial networks it goes through the
// cloud's Neutron API as the admin, and first looks for what an earlier
// run made. admin and demo are the admin scoped to its project and to the
// cloud's demo project, clients of the cloud's Neutron.
func (c *Clouds) initialBGPVPN(ctx context.Context, m *topology.Model, cl *topology.Cloud, admin, demo *neutronClient) error {
	if !cl.Joins(topology.JoinBGPVPN) || cl.VPN == "" {
		return nil
	}
	i := slices.IndexFunc(m.VPNs, func(v *topology.VPN) bool { return v.Name == cl.VPN })
	if i < 0 {
		return nil
	}
	vpn := m.VPNs[i]

	nets, err := demo.list(ctx, "networks", "name="+PrivateNetwork+"&project_id="+demo.project)
	if err != nil {
		return err
	}
	if len(nets) == 0 {
		return fmt.Errorf("no network %s in project %s to associate", PrivateNetwork, keystone.DemoName(cl.Name))
	}
	private, _ := nets[0]["id"].(string)

	q := url.Values{"name": {vpn.Name}, "project_id": {demo.project}}
	out, err := admin.call(ctx, "GET", "/v2.0/bgpvpn/bgpvpns?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	var id string
	if have, _ := out["bgpvpns"].([]any); len(have) > 0 {
		first, _ := have[0].(map[string]any)
		id, _ = first["id"].(string)
	} else {
		attrs := map[string]any{"name": vpn.Name, "type": "l3", "tenant_id": demo.project}
		if slices.Equal(vpn.Import, vpn.Export) {
			attrs["route_targets"] = vpn.Import
		} else {
			attrs["import_targets"], attrs["export_targets"] = vpn.Import, vpn.Export
		}
		made, err := admin.call(ctx, "POST", "/v2.0/bgpvpn/bgpvpns", map[string]any{"bgpvpn": attrs})
		if err != nil {
			return err
		}
		b, _ := made["bgpvpn"].(map[string]any)
		id, _ = b["id"].(string)
	}
	if id == "" {
		return fmt.Errorf("bgpvpn %s: no id in Neutron's answer", vpn.Name)
	}
	assocs, err := demo.call(ctx, "GET", "/v2.0/bgpvpn/bgpvpns/"+id+"/network_associations?network_id="+private, nil)
	if err != nil {
		return err
	}
	if have, _ := assocs["network_associations"].([]any); len(have) > 0 {
		return nil
	}
	_, err = demo.call(ctx, "POST", "/v2.0/bgpvpn/bgpvpns/"+id+"/network_associations",
		map[string]any{"network_association": map[string]any{"network_id": private}})
	return err
}
