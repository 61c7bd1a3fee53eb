package cloud

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/intercloud/intercloud/internal/lab"
	"github.com/intercloud/intercloud/internal/openstack/neutron"
)

// Config routes on the cloud node only what a router connects to its
// gateway without NAT: the external subnet, tenant subnets in its address
// scope and their VMs (with their bindings, which place them on compute
// nodes); a private subnet behind SNAT and its VM stay out.
// Only a speaker a dragent hosts runs.
func TestConfigTakesRoutedSubnetsAndHostedSpeakers(t *testing.T) {
	scope := "scope"
	pool := neutron.SubnetPool{Common: neutron.Common{ID: "pool"}, AddressScopeID: &scope}
	plain := neutron.SubnetPool{Common: neutron.Common{ID: "plain"}}
	sub := func(id, net, cidr, pool string) neutron.Subnet {
		return neutron.Subnet{Common: neutron.Common{ID: id}, NetworkID: net, IPVersion: 4, CIDR: cidr, SubnetPoolID: &pool}
	}
	port := func(dev, owner, subnet, ip string) neutron.Port {
		return neutron.Port{Common: neutron.Common{ID: "port-" + dev + "-" + ip}, DeviceID: dev, DeviceOwner: owner, FixedIPs: []neutron.FixedIP{{SubnetID: subnet, IPAddress: ip}}}
	}
	bound := func(p neutron.Port, host string) neutron.Port {
		p.HostID = host
		return p
	}
	st := neutron.State{
		SubnetPools: []neutron.SubnetPool{pool, plain},
		Subnets: []neutron.Subnet{
			sub("ext", "public", "100.65.0.0/24", "pool"),
			sub("scoped", "private", "100.65.128.0/24", "pool"),
			sub("private", "other", "10.1.0.0/24", "plain"),
		},
		Routers: []neutron.Router{{Common: neutron.Common{ID: "r1"}, AdminStateUp: true, GatewayInfo: &neutron.GatewayInfo{NetworkID: "public"}}},
		Ports: []neutron.Port{
			port("r1", "network:router_gateway", "ext", "100.65.0.10"),
			port("r1", "network:router_interface", "scoped", "100.65.128.1"),
			port("r1", "network:router_interface", "private", "10.1.0.1"),
			bound(port("vm-1", "compute:nova", "scoped", "100.65.128.5"), "cloud1-cn2"),
			port("vm-3", "compute:nova", "scoped", "100.65.128.6"),
			port("vm-2", "compute:az1", "private", "10.1.0.5"),
		},
		BGPSpeakers: []neutron.BGPSpeakerState{
			{BGPSpeaker: neutron.BGPSpeaker{Common: neutron.Common{ID: "s0", Name: "unscheduled"}, LocalAS: 65001, IPVersion: 4}},
			{
				BGPSpeaker:       neutron.BGPSpeaker{Common: neutron.Common{ID: "s1", Name: "s1"}, LocalAS: 65024, IPVersion: 4},
				BGPPeers:         []neutron.BGPPeer{{PeerIP: "10.0.81.247", RemoteAS: 64513}},
				AdvertisedRoutes: []neutron.AdvertisedRoute{{Destination: "100.65.128.0/24", NextHop: "100.65.0.10"}},
				AgentIDs:         []string{"a2", "a1"},
			},
		},
		Agents: []neutron.Agent{
			{Common: neutron.Common{ID: "a1"}, Host: "edge-network", AdminStateUp: true},
			{Common: neutron.Common{ID: "a2"}, Host: "edge-network-2"},
		},
	}
	got := Config(st)
	addrs := func(ss ...string) []netip.Addr {
		var out []netip.Addr
		for _, s := range ss {
			out = append(out, netip.MustParseAddr(s))
		}
		return out
	}
	if want := addrs("100.65.0.10", "100.65.128.1"); !slices.Equal(got.Addresses, want) {
		t.Errorf("addresses %v, want %v", got.Addresses, want)
	}
	// VMs go with their binding, bound or not (the lab places them).
	wantVMs := []lab.CloudVM{
		{Addr: netip.MustParseAddr("100.65.128.5"), Port: "port-vm-1-100.65.128.5", Host: "cloud1-cn2"},
		{Addr: netip.MustParseAddr("100.65.128.6"), Port: "port-vm-3-100.65.128.6"},
	}
	if !slices.Equal(got.VMs, wantVMs) {
		t.Errorf("vms %+v, want %+v", got.VMs, wantVMs)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("100.65.0.0/24"), netip.MustParsePrefix("100.65.128.0/24")}; !slices.Equal(got.Subnets, want) {
		t.Errorf("subnets %v, want %v", got.Subnets, want)
	}
	if want := []netip.Prefix{netip.MustParsePrefix("100.65.0.0/24")}; !slices.Equal(got.Uplink, want) {
		t.Errorf("uplink %v, want %v", got.Uplink, want)
	}
	want := &lab.CloudSpeaker{Name: "s1", LocalAS: 65024, Agent: "edge-network",
		Peers:  []lab.CloudPeer{{Addr: netip.MustParseAddr("10.0.81.247"), ASN: 64513}},
		Routes: []lab.CloudRoute{{Prefix: netip.MustParsePrefix("100.65.128.0/24"), NextHop: netip.MustParseAddr("100.65.0.10")}}}
	if s := got.Speaker; s == nil || s.Name != want.Name || s.LocalAS != want.LocalAS || s.Agent != want.Agent || s.Unhosted || !slices.Equal(s.Peers, want.Peers) || !slices.Equal(s.Routes, want.Routes) {
		t.Errorf("speaker %+v, want %+v", got.Speaker, want)
	}
	// Its only enabled agent disabled, it runs nowhere: the lab takes
	// it down without a NOTIFICATION (Unhosted).
	st.Agents[0].AdminStateUp = false
	if got := Config(st); got.Speaker == nil || got.Speaker.Name != "unscheduled" || !got.Speaker.Unhosted {
		t.Errorf("with every agent disabled: %+v, want the first speaker, on no agent", got.Speaker)
	}
	st.BGPSpeakers = st.BGPSpeakers[:1]
	if got := Config(st); got.Speaker == nil || !got.Speaker.Unhosted {
		t.Errorf("an unscheduled speaker runs: %+v", got.Speaker)
	}
	st.BGPSpeakers = nil
	if got := Config(st); got.Speaker != nil {
		t.Errorf("no speaker: %+v", got.Speaker)
	}
}
