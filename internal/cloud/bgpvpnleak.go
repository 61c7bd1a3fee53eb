package cloud

import (
	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// portLeaks are a port association's routes of type bgpvpn: each names
// another l3 BGPVPN whose routes — those carrying its route_targets or
// export_targets, the route targets its members export with — are
// readvertised into the associated BGPVPN through port p (its first IPv4
// fixed IP), with the route's local_pref when it has one. A route naming
// the associated BGPVPN itself, a BGPVPN that is gone or not l3, or one
// exporting with no route target, readvertises nothing; nor does a port
// with no IPv4 address.
func portLeaks(st neutron.State, as neutron.BGPVPNPortAssociation, p neutron.Port) []lab.CloudVPNLeak {
	via, ok := portVia(p)
	if !ok {
		return nil
	}
	byID := map[string]neutron.BGPVPN{}
	for _, v := range st.BGPVPNs {
		byID[v.ID] = v
	}
	var out []lab.CloudVPNLeak
	for _, r := range as.Routes {
		y, ok := byID[r.BGPVPNID]
		if r.Type != neutron.RouteTypeBGPVPN || !ok || y.ID == as.BGPVPNID || y.Type != neutron.BGPVPNTypeL3 {
			continue
		}
		lk := lab.CloudVPNLeak{BGPVPN: y.ID, RTs: union(y.RouteTargets, y.ExportTargets), Port: via}
		if len(lk.RTs) == 0 {
			continue
		}
		if r.LocalPref != nil && *r.LocalPref > 0 && *r.LocalPref <= 1<<32-1 {
			lk.LocalPref = uint32(*r.LocalPref)
		}
		out = append(out, lk)
	}
	return out
}
