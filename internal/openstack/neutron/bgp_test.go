package neutron

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/agents"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/peers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/bgp/speakers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/addressscopes"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/routers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/provider"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/subnetpools"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/subnets"
	"github.com/gophercloud/gophercloud/v2/pagination"
)

// bgpFixture is a cloud as neutron-dynamic-routing's guide sets it up:
// an address scope holding the public network's pool and a tenant pool,
// a router to the public network with interfaces on a subnet of each
// pool (and one outside the scope), a VM port with a floating IP.
type bgpFixture struct {
	scope                   *addressscopes.AddressScope
	public                  networkWithProvider
	publicSubnet            *subnets.Subnet
	scoped, unscoped, plain *subnets.Subnet
	router                  *routers.Router
	gatewayIP               string
	fip                     *floatingips.FloatingIP
}

func setupBGPFixture(t *testing.T, adm, demo *gophercloud.ServiceClient) *bgpFixture {
	t.Helper()
	ctx := testCtx(t)
	f := &bgpFixture{}
	var err error
	f.scope, err = addressscopes.Create(ctx, adm, addressscopes.CreateOpts{Name: "wan", IPVersion: 4, Shared: true}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	pubPool, err := subnetpools.Create(ctx, adm, subnetpools.CreateOpts{Name: "public-pool", Prefixes: []string{"203.0.113.0/24"},
		AddressScopeID: f.scope.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	tenantPool, err := subnetpools.Create(ctx, adm, subnetpools.CreateOpts{Name: "tenant-pool", Prefixes: []string{"10.100.0.0/16"},
		DefaultPrefixLen: 24, AddressScopeID: f.scope.ID, Shared: true}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	otherPool, err := subnetpools.Create(ctx, adm, subnetpools.CreateOpts{Name: "other-pool", Prefixes: []string{"10.200.0.0/16"},
		DefaultPrefixLen: 24, Shared: true}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	opts := external.CreateOptsExt{
		CreateOptsBuilder: provider.CreateOptsExt{
			CreateOptsBuilder: networks.CreateOpts{Name: "public"},
			Segments:          []provider.Segment{{NetworkType: "flat", PhysicalNetwork: "physnet1"}},
		},
		External: ptr(true),
	}
	if err := networks.Create(ctx, adm, opts).ExtractInto(&f.public); err != nil {
		t.Fatal(err)
	}
	f.publicSubnet, err = subnets.Create(ctx, adm, subnets.CreateOpts{NetworkID: f.public.ID, IPVersion: 4, CIDR: "203.0.113.0/24",
		SubnetPoolID: pubPool.ID, EnableDHCP: ptr(false)}).Extract()
	if err != nil {
		t.Fatalf("public subnet from the scoped pool: %v", err)
	}
	mk := func(name string, o subnets.CreateOpts) (*networks.Network, *subnets.Subnet) {
		n, err := networks.Create(ctx, demo, networks.CreateOpts{Name: name}).Extract()
		if err != nil {
			t.Fatal(err)
		}
		o.NetworkID, o.IPVersion = n.ID, 4
		sn, err := subnets.Create(ctx, demo, o).Extract()
		if err != nil {
			t.Fatalf("subnet %s: %v", name, err)
		}
		return n, sn
	}
	scopedNet, scoped := mk("scoped", subnets.CreateOpts{SubnetPoolID: tenantPool.ID})
	_, f.unscoped = mk("unscoped", subnets.CreateOpts{SubnetPoolID: otherPool.ID})
	_, f.plain = mk("plain", subnets.CreateOpts{CIDR: "10.50.0.0/24"})
	f.scoped = scoped
	if scoped.CIDR != "10.100.0.0/24" || f.unscoped.CIDR != "10.200.0.0/24" {
		t.Fatalf("pool allocations %s %s", scoped.CIDR, f.unscoped.CIDR)
	}
	f.router, err = routers.Create(ctx, demo, routers.CreateOpts{Name: "r1", GatewayInfo: &routers.GatewayInfo{NetworkID: f.public.ID}}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	f.gatewayIP = f.router.GatewayInfo.ExternalFixedIPs[0].IPAddress
	for _, sn := range []*subnets.Subnet{scoped, f.unscoped, f.plain} {
		if _, err := routers.AddInterface(ctx, demo, f.router.ID, routers.AddInterfaceOpts{SubnetID: sn.ID}).Extract(); err != nil {
			t.Fatal(err)
		}
	}
	vm, err := ports.Create(ctx, demo, ports.CreateOpts{NetworkID: scopedNet.ID, DeviceID: "vm-1", DeviceOwner: "compute:nova"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	f.fip, err = floatingips.Create(ctx, demo, floatingips.CreateOpts{FloatingNetworkID: f.public.ID, PortID: vm.ID}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func advertised(t *testing.T, c *gophercloud.ServiceClient, speakerID string) []speakers.AdvertisedRoute {
	t.Helper()
	pages, err := speakers.GetAdvertisedRoutes(c, speakerID).AllPages(testCtx(t))
	if err != nil {
		t.Fatalf("get_advertised_routes: %v", err)
	}
	routes, err := speakers.ExtractAdvertisedRoutes(pages)
	if err != nil {
		t.Fatal(err)
	}
	return routes
}

func dragents(t *testing.T, c *gophercloud.ServiceClient) []agents.Agent {
	t.Helper()
	pages, err := agents.List(c, agents.ListOpts{AgentType: "BGP dynamic routing agent"}).AllPages(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	list, err := agents.ExtractAgents(pages)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func speakersOn(t *testing.T, c *gophercloud.ServiceClient, agentID string) []string {
	t.Helper()
	var ids []string
	err := agents.ListBGPSpeakers(c, agentID).EachPage(testCtx(t), func(_ context.Context, p pagination.Page) (bool, error) {
		list, err := agents.ExtractBGPSpeakers(p)
		for _, s := range list {
			ids = append(ids, s.ID)
		}
		return true, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestBGPDynamicRouting drives neutron-dynamic-routing's API as
// gophercloud users do: a speaker with a peer and the public network as
// its gateway network advertises the floating IP and the address-scoped
// tenant subnet behind the router, and is hosted by the region's dragent.
func TestBGPDynamicRouting(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	f := setupBGPFixture(t, adm, demo)

	// The region's BGP dynamic routing agent.
	dras := dragents(t, adm)
	if len(dras) != 1 {
		t.Fatalf("dragents: %+v", dras)
	}
	agent := dras[0]
	if agent.Host != "cloud1-network" || agent.Binary != "neutron-bgp-dragent" || agent.Topic != "bgp_dragent" ||
		!agent.Alive || !agent.AdminStateUp || agent.AgentType != "BGP dynamic routing agent" || agent.Configurations["bgp_speakers"] != float64(0) {
		t.Errorf("dragent %+v", agent)
	}
	if other := lb.client(t, "admin", "admin", "cloud2"); len(dragents(t, other)) != 1 || dragents(t, other)[0].Host != "cloud2-network" {
		t.Errorf("cloud2's dragent: %+v", dragents(t, other))
	}

	s1, err := speakers.Create(ctx, adm, speakers.CreateOpts{Name: "s1", IPVersion: 4, LocalAS: "65010",
		AdvertiseFloatingIPHostRoutes: true, AdvertiseTenantNetworks: true}).Extract()
	if err != nil {
		t.Fatalf("create speaker: %v", err)
	}
	if s1.LocalAS != 65010 || s1.IPVersion != 4 || s1.Name != "s1" || len(s1.Peers) != 0 || len(s1.Networks) != 0 ||
		s1.TenantID == "" || s1.TenantID != s1.ProjectID || !s1.AdvertiseTenantNetworks || !s1.AdvertiseFloatingIPHostRoutes {
		t.Errorf("speaker %+v", s1)
	}
	code, body := raw(t, lb, adm, "GET", "/v2.0/bgp-speakers/"+s1.ID, nil)
	if v, _ := body["bgp_speaker"].(map[string]any); code != 200 || len(v) != 10 || v["local_as"] != float64(65010) {
		t.Errorf("speaker as Neutron shows it (no standard attributes): %d %v", code, body)
	}
	p1, err := peers.Create(ctx, adm, peers.CreateOpts{Name: "p1", AuthType: "none", RemoteAS: 65000, PeerIP: "192.0.2.1"}).Extract()
	if err != nil {
		t.Fatalf("create peer: %v", err)
	}
	if p1.PeerIP != "192.0.2.1" || p1.RemoteAS != 65000 || p1.AuthType != "none" || p1.Name != "p1" {
		t.Errorf("peer %+v", p1)
	}
	p2, err := peers.Create(ctx, adm, peers.CreateOpts{Name: "p2", AuthType: "md5", Password: "secret", RemoteAS: 4200000000, PeerIP: "192.0.2.2"}).Extract()
	if err != nil {
		t.Fatalf("create md5 peer: %v", err)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/bgp-peers/"+p2.ID, nil)
	if v, _ := body["bgp_peer"].(map[string]any); code != 200 || v["remote_as"] != float64(4200000000) || v["auth_type"] != "md5" {
		t.Errorf("md5 peer: %d %v", code, body)
	} else if _, shown := v["password"]; shown {
		t.Errorf("password shown: %v", v)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/bgp-peers?fields=password&fields=id", nil)
	for _, p := range body["bgp_peers"].([]any) {
		if _, shown := p.(map[string]any)["password"]; shown || code != 200 {
			t.Errorf("password listed: %v", body)
		}
	}

	if r, err := speakers.AddBGPPeer(ctx, adm, s1.ID, speakers.AddBGPPeerOpts{BGPPeerID: p1.ID}).Extract(); err != nil || r.BGPPeerID != p1.ID {
		t.Fatalf("add_bgp_peer: %+v %v", r, err)
	}
	if err := speakers.AddBGPPeer(ctx, adm, s1.ID, speakers.AddBGPPeerOpts{BGPPeerID: p2.ID}).Err; err != nil {
		t.Fatal(err)
	}
	if r, err := speakers.AddGatewayNetwork(ctx, adm, s1.ID, speakers.AddGatewayNetworkOpts{NetworkID: f.public.ID}).Extract(); err != nil || r.NetworkID != f.public.ID {
		t.Fatalf("add_gateway_network: %+v %v", r, err)
	}
	got, err := speakers.Get(ctx, adm, s1.ID).Extract()
	if err != nil || !slices.Equal(got.Peers, []string{p1.ID, p2.ID}) || !slices.Equal(got.Networks, []string{f.public.ID}) {
		t.Errorf("speaker after adding: %+v %v", got, err)
	}

	// Floating IP host routes first, then the tenant subnet of the
	// gateway's address scope; not the subnets outside it.
	want := []speakers.AdvertisedRoute{
		{Destination: f.fip.FloatingIP + "/32", NextHop: f.gatewayIP},
		{Destination: f.scoped.CIDR, NextHop: f.gatewayIP},
	}
	if routes := advertised(t, adm, s1.ID); !slices.Equal(routes, want) {
		t.Errorf("advertised routes %+v, want %+v", routes, want)
	}
	if u, err := speakers.Update(ctx, adm, s1.ID, speakers.UpdateOpts{AdvertiseTenantNetworks: true}).Extract(); err != nil || u.AdvertiseFloatingIPHostRoutes {
		t.Errorf("update speaker: %+v %v", u, err)
	}
	if routes := advertised(t, adm, s1.ID); !slices.Equal(routes, want[1:]) {
		t.Errorf("advertised routes without floating IPs: %+v", routes)
	}
	if err := speakers.Update(ctx, adm, s1.ID, speakers.UpdateOpts{AdvertiseTenantNetworks: true, AdvertiseFloatingIPHostRoutes: true}).Err; err != nil {
		t.Fatal(err)
	}
	// A disassociated floating IP is no longer advertised.
	if err := floatingips.Update(ctx, demo, f.fip.ID, floatingips.UpdateOpts{PortID: new(string)}).Err; err != nil {
		t.Fatal(err)
	}
	if routes := advertised(t, adm, s1.ID); !slices.Equal(routes, want[1:]) {
		t.Errorf("advertised routes after disassociation: %+v", routes)
	}

	// The new speaker was scheduled on the region's agent.
	hosting, err := agents.ListDRAgentHostingBGPSpeakers(adm, s1.ID).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := agents.ExtractAgents(hosting); len(list) != 1 || list[0].ID != agent.ID || list[0].Configurations["bgp_speakers"] != float64(1) ||
		list[0].Configurations["bgp_peers"] != float64(2) || list[0].Configurations["advertise_routes"] != float64(1) {
		t.Errorf("dragents hosting s1: %+v", list)
	}
	if ids := speakersOn(t, adm, agent.ID); !slices.Equal(ids, []string{s1.ID}) {
		t.Errorf("speakers on the dragent: %v", ids)
	}
	// An agent hosts one speaker: the second waits.
	s2, err := speakers.Create(ctx, adm, speakers.CreateOpts{Name: "s2", IPVersion: 4, LocalAS: "65011",
		AdvertiseFloatingIPHostRoutes: true, AdvertiseTenantNetworks: true}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/bgp-speakers/"+s2.ID+"/bgp-dragents", nil)
	if list, _ := body["agents"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("s2 scheduled on a busy agent: %d %v", code, body)
	}
	gcError(t, "second speaker on the agent", agents.ScheduleBGPSpeaker(ctx, adm, agent.ID, agents.ScheduleBGPSpeakerOpts{SpeakerID: s2.ID}).Err,
		409, "DrAgentAssociationError", "BgpDrAgent "+agent.ID+" is already associated to a BGP speaker.")
	// Move: s1 off the agent, s2 on.
	if err := agents.RemoveBGPSpeaker(ctx, adm, agent.ID, s1.ID).ExtractErr(); err != nil {
		t.Fatalf("remove speaker from agent: %v", err)
	}
	if err := agents.ScheduleBGPSpeaker(ctx, adm, agent.ID, agents.ScheduleBGPSpeakerOpts{SpeakerID: s2.ID}).Err; err != nil {
		t.Fatalf("schedule speaker: %v", err)
	}
	if ids := speakersOn(t, adm, agent.ID); !slices.Equal(ids, []string{s2.ID}) {
		t.Errorf("speakers on the dragent after the move: %v", ids)
	}
	gcError(t, "remove a speaker the agent does not host", agents.RemoveBGPSpeaker(ctx, adm, agent.ID, s1.ID).ExtractErr(),
		404, "DrAgentNotHostingBgpSpeaker", "BGP speaker "+s1.ID+" is not hosted by the BgpDrAgent "+agent.ID+".")
	// Deleting s2 frees the agent, which takes the waiting s1.
	if err := speakers.Delete(ctx, adm, s2.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if ids := speakersOn(t, adm, agent.ID); !slices.Equal(ids, []string{s1.ID}) {
		t.Errorf("speakers on the dragent after deleting s2: %v", ids)
	}

	// The lab's view.
	snap, err := lb.neutron["cloud1"].Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.BGPSpeakers) != 1 || len(snap.BGPPeers) != 2 || len(snap.Agents) != 1 {
		t.Fatalf("snapshot: %+v %+v %+v", snap.BGPSpeakers, snap.BGPPeers, snap.Agents)
	}
	ss := snap.BGPSpeakers[0]
	if ss.LocalAS != 65010 || len(ss.BGPPeers) != 2 || ss.BGPPeers[1].Password == nil || *ss.BGPPeers[1].Password != "secret" ||
		ss.BGPPeers[0].PeerIP != "192.0.2.1" || ss.BGPPeers[0].RemoteAS != 65000 ||
		len(ss.AdvertisedRoutes) != 1 || ss.AdvertisedRoutes[0] != (AdvertisedRoute{Destination: "10.100.0.0/24", NextHop: f.gatewayIP}) ||
		!slices.Equal(ss.AgentHosts, []string{"cloud1-network"}) || !slices.Equal(ss.AgentIDs, []string{agent.ID}) {
		t.Errorf("speaker in the snapshot: %+v", ss)
	}

	// Removing the peer and the network, and deleting a peer in use.
	changes := lb.changeCount("cloud1")
	if err := speakers.RemoveBGPPeer(ctx, adm, s1.ID, speakers.RemoveBGPPeerOpts{BGPPeerID: p1.ID}).ExtractErr(); err != nil {
		t.Fatalf("remove_bgp_peer: %v", err)
	}
	if err := peers.Delete(ctx, adm, p2.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if err := speakers.RemoveGatewayNetwork(ctx, adm, s1.ID, speakers.RemoveGatewayNetworkOpts{NetworkID: f.public.ID}).ExtractErr(); err != nil {
		t.Fatalf("remove_gateway_network: %v", err)
	}
	if got, _ := speakers.Get(ctx, adm, s1.ID).Extract(); len(got.Peers) != 0 || len(got.Networks) != 0 || len(advertised(t, adm, s1.ID)) != 0 {
		t.Errorf("speaker emptied: %+v", got)
	}
	if n := lb.changeCount("cloud1"); n != changes+3 {
		t.Errorf("OnChange called %d times for 3 changes", n-changes)
	}
	// neutron-dynamic-routing binds any network that exists, external or
	// not (its plugin checks nothing else); an internal network has no
	// router gateways, so it brings no routes.
	internal, _ := networks.Create(ctx, adm, networks.CreateOpts{Name: "internal"}).Extract()
	if err := speakers.AddGatewayNetwork(ctx, adm, s1.ID, speakers.AddGatewayNetworkOpts{NetworkID: internal.ID}).Err; err != nil {
		t.Errorf("internal gateway network: %v", err)
	}
	if routes := advertised(t, adm, s1.ID); len(routes) != 0 {
		t.Errorf("routes through an internal network: %v", routes)
	}
	// Deleting a bound network unbinds it.
	if err := networks.Delete(ctx, adm, internal.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if got, _ := speakers.Get(ctx, adm, s1.ID).Extract(); len(got.Networks) != 0 {
		t.Errorf("deleted network still bound: %+v", got)
	}
	if err := speakers.Delete(ctx, adm, s1.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	if a, err := agents.Get(ctx, adm, agent.ID).Extract(); err != nil || a.Configurations["bgp_speakers"] != float64(0) {
		t.Errorf("agent after deleting its speaker: %+v %v", a, err)
	}
}

// TestBGPErrors checks neutron-dynamic-routing's refusals: status,
// NeutronError and no state change.
func TestBGPErrors(t *testing.T) {
	lb := startLab(t)
	ctx := testCtx(t)
	adm, demo := lb.admin(t), lb.demo(t, "cloud1")
	pub, _ := createPublic(t, adm)
	s1, err := speakers.Create(ctx, adm, speakers.CreateOpts{Name: "s1", IPVersion: 4, LocalAS: "65010",
		AdvertiseFloatingIPHostRoutes: true, AdvertiseTenantNetworks: true}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	p1, err := peers.Create(ctx, adm, peers.CreateOpts{Name: "p1", AuthType: "none", RemoteAS: 65000, PeerIP: "192.0.2.1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	same, err := peers.Create(ctx, adm, peers.CreateOpts{Name: "same-ip", AuthType: "none", RemoteAS: 65001, PeerIP: "192.0.2.1"}).Extract()
	if err != nil {
		t.Fatal(err)
	}
	if err := speakers.AddBGPPeer(ctx, adm, s1.ID, speakers.AddBGPPeerOpts{BGPPeerID: p1.ID}).Err; err != nil {
		t.Fatal(err)
	}
	if err := speakers.AddGatewayNetwork(ctx, adm, s1.ID, speakers.AddGatewayNetworkOpts{NetworkID: pub.ID}).Err; err != nil {
		t.Fatal(err)
	}
	agentID := dragents(t, adm)[0].ID
	fake := "6b1a6c1e-0000-4000-8000-000000000000"
	sp := func(m map[string]any) map[string]any { return map[string]any{"bgp_speaker": m} }
	pr := func(m map[string]any) map[string]any { return map[string]any{"bgp_peer": m} }
	speakerPath := "/v2.0/bgp-speakers/" + s1.ID

	cases := []struct {
		name         string
		member       bool
		method, path string
		body         any
		code         int
		typ, message string
	}{
		{"member creates a speaker", true, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"name": "x", "local_as": "65010"}), 403, "PolicyNotAuthorized",
			"rule:create_bgp_speaker is disallowed by policy"},
		{"member creates a speaker not advertising tenant networks", true, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"local_as": 1, "advertise_tenant_networks": false}), 403, "PolicyNotAuthorized",
			"(rule:create_bgp_speaker and rule:create_bgp_speaker:advertise_tenant_networks) is disallowed by policy"},
		{"member creates a peer", true, "POST", "/v2.0/bgp-peers", pr(map[string]any{"peer_ip": "192.0.2.9", "remote_as": 1, "auth_type": "none"}), 403, "PolicyNotAuthorized",
			"rule:create_bgp_peer is disallowed by policy"},
		{"member shows another project's speaker", true, "GET", speakerPath, nil, 404, "BgpSpeakerNotFound", "BGP speaker " + s1.ID + " could not be found."},
		{"member adds a peer", true, "PUT", speakerPath + "/add_bgp_peer", map[string]any{"bgp_peer_id": same.ID}, 404, "BgpSpeakerNotFound", "BGP speaker " + s1.ID + " could not be found."},
		{"member reads routes", true, "GET", speakerPath + "/get_advertised_routes", nil, 404, "BgpSpeakerNotFound", "BGP speaker " + s1.ID + " could not be found."},
		{"member shows an agent", true, "GET", "/v2.0/agents/" + agentID, nil, 404, "HTTPNotFound", "The resource could not be found."},
		{"member disables an agent", true, "PUT", "/v2.0/agents/" + agentID, map[string]any{"agent": map[string]any{"admin_state_up": false}}, 404, "HTTPNotFound", "The resource could not be found."},
		{"member lists an agent's speakers", true, "GET", "/v2.0/agents/" + agentID + "/bgp-drinstances", nil, 403, "PolicyNotAuthorized", "rule:list_bgp_speaker_on_dragent is disallowed by policy"},
		{"member schedules a speaker", true, "POST", "/v2.0/agents/" + agentID + "/bgp-drinstances", map[string]any{"bgp_speaker_id": s1.ID}, 403, "PolicyNotAuthorized", "rule:add_bgp_speaker_to_dragent is disallowed by policy"},
		{"unknown speaker", false, "GET", "/v2.0/bgp-speakers/" + fake, nil, 404, "BgpSpeakerNotFound", "BGP speaker " + fake + " could not be found."},
		{"unknown peer added", false, "PUT", speakerPath + "/add_bgp_peer", map[string]any{"bgp_peer_id": fake}, 404, "BgpPeerNotFound", "BGP peer " + fake + " could not be found."},
		{"peer added twice", false, "PUT", speakerPath + "/add_bgp_peer", map[string]any{"bgp_peer_id": p1.ID}, 409, "DuplicateBgpPeerIpException",
			"BGP Speaker " + s1.ID + " is already configured to peer with a BGP Peer at 192.0.2.1, it cannot peer with BGP Peer " + p1.ID + "."},
		{"second peer at the same address", false, "PUT", speakerPath + "/add_bgp_peer", map[string]any{"bgp_peer_id": same.ID}, 409, "DuplicateBgpPeerIpException",
			"BGP Speaker " + s1.ID + " is already configured to peer with a BGP Peer at 192.0.2.1, it cannot peer with BGP Peer " + same.ID + "."},
		{"no bgp_peer_id", false, "PUT", speakerPath + "/add_bgp_peer", map[string]any{}, 400, "BadRequest", "Bad bgp-speaker request: bgp_peer_id must be specified."},
		{"bgp_peer_id not a UUID", false, "PUT", speakerPath + "/add_bgp_peer", map[string]any{"bgp_peer_id": "p1"}, 400, "BadRequest", "Bad bgp-speaker request: 'p1' is not a valid UUID."},
		{"remove a peer not on the speaker", false, "PUT", speakerPath + "/remove_bgp_peer", map[string]any{"bgp_peer_id": same.ID}, 404, "BgpSpeakerPeerNotAssociated",
			"BGP peer " + same.ID + " is not associated with BGP speaker " + s1.ID + "."},
		{"unknown gateway network", false, "PUT", speakerPath + "/add_gateway_network", map[string]any{"network_id": fake}, 404, "NetworkNotFound", "Network " + fake + " could not be found."},
		{"gateway network bound twice", false, "PUT", speakerPath + "/add_gateway_network", map[string]any{"network_id": pub.ID}, 409, "BgpSpeakerNetworkBindingError",
			"Network " + pub.ID + " is already bound to BgpSpeaker " + s1.ID + "."},
		{"remove an unbound network", false, "PUT", speakerPath + "/remove_gateway_network", map[string]any{"network_id": fake}, 404, "BgpSpeakerNetworkNotAssociated",
			"Network " + fake + " is not associated with BGP speaker " + s1.ID + "."},
		{"md5 without password", false, "POST", "/v2.0/bgp-peers", pr(map[string]any{"peer_ip": "192.0.2.9", "remote_as": "65000", "auth_type": "md5"}), 400, "InvalidBgpPeerMd5Authentication",
			"A password must be supplied when using auth_type md5."},
		{"unknown auth_type", false, "POST", "/v2.0/bgp-peers", pr(map[string]any{"peer_ip": "192.0.2.9", "remote_as": "65000", "auth_type": "sha1"}), 400, "HTTPBadRequest",
			"Invalid input for auth_type. Reason: sha1 is not in valid_values."},
		{"peer without peer_ip", false, "POST", "/v2.0/bgp-peers", pr(map[string]any{"remote_as": "65000", "auth_type": "none"}), 400, "HTTPBadRequest",
			"Failed to parse request. Required attribute 'peer_ip' not specified"},
		{"bad peer_ip", false, "POST", "/v2.0/bgp-peers", pr(map[string]any{"peer_ip": "192.0.2", "remote_as": "65000", "auth_type": "none"}), 400, "HTTPBadRequest",
			"Invalid input for peer_ip. Reason: '192.0.2' is not a valid IP address."},
		{"password on an unauthenticated peer", false, "PUT", "/v2.0/bgp-peers/" + p1.ID, pr(map[string]any{"password": "x"}), 404, "BgpPeerNotAuthenticated",
			"BGP peer " + p1.ID + " not authenticated."},
		{"peer_ip is read-only", false, "PUT", "/v2.0/bgp-peers/" + p1.ID, pr(map[string]any{"peer_ip": "192.0.2.7"}), 400, "HTTPBadRequest", "Cannot update read-only attribute peer_ip"},
		{"local_as zero", false, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"local_as": "0"}), 400, "HTTPBadRequest",
			"Invalid input for local_as. Reason: '0' is too small - must be at least '1'."},
		{"local_as too large", false, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"local_as": 4294967296}), 400, "HTTPBadRequest",
			"Invalid input for local_as. Reason: '4294967296' is too large - must be no larger than '4294967295'."},
		{"local_as not a number", false, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"local_as": "AS65010"}), 400, "HTTPBadRequest",
			"Invalid input for local_as. Reason: 'AS65010' is not an integer."},
		{"no local_as", false, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"name": "x"}), 400, "HTTPBadRequest",
			"Failed to parse request. Required attribute 'local_as' not specified"},
		{"ip_version 5", false, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"local_as": 1, "ip_version": 5}), 400, "HTTPBadRequest",
			"Invalid input for ip_version. Reason: 5 is not in valid_values."},
		{"IPv6 speaker", false, "POST", "/v2.0/bgp-speakers", sp(map[string]any{"local_as": 1, "ip_version": 6}), 400, "InvalidInput",
			"Invalid input for operation: only IPv4 BGP speakers are supported by this Neutron, not ip_version 6."},
		{"local_as is read-only", false, "PUT", speakerPath, sp(map[string]any{"local_as": 2}), 400, "HTTPBadRequest", "Cannot update read-only attribute local_as"},
		{"unknown agent", false, "GET", "/v2.0/agents/" + fake + "/bgp-drinstances", nil, 404, "AgentNotFound", "Agent " + fake + " could not be found."},
		{"schedule on an unknown agent", false, "POST", "/v2.0/agents/" + fake + "/bgp-drinstances", map[string]any{"bgp_speaker_id": s1.ID}, 404, "AgentNotFound", "Agent " + fake + " could not be found."},
		{"schedule an unknown speaker", false, "POST", "/v2.0/agents/" + agentID + "/bgp-drinstances", map[string]any{"bgp_speaker_id": fake}, 404, "BgpSpeakerNotFound", "BGP speaker " + fake + " could not be found."},
		{"agents are not created", false, "POST", "/v2.0/agents", map[string]any{"agent": map[string]any{}}, 405, "", ""},
		{"invalid agent filter", false, "GET", "/v2.0/agents?foo=bar", nil, 400, "HTTPBadRequest", "['foo'] is invalid attribute for filtering"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, changes := snapshotJSON(t, lb), lb.changeCount("cloud1")
			c := adm
			if tc.member {
				c = demo
			}
			if tc.code == http.StatusMethodNotAllowed {
				req, _ := http.NewRequest(tc.method, lb.URL+"/cloud1/network"+tc.path, nil)
				req.Header.Set("X-Auth-Token", c.Token())
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.code {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
				}
			} else {
				code, body := raw(t, lb, c, tc.method, tc.path, tc.body)
				wantNeutronError(t, tc.name, code, body, tc.code, tc.typ, tc.message)
			}
			if after := snapshotJSON(t, lb); after != before || lb.changeCount("cloud1") != changes {
				t.Errorf("state changed by a refused request")
			}
		})
	}

	// A member sees no speakers, peers or agents; filters on BGP
	// resources that are not attributes are ignored, as Neutron does for
	// plugins without filter validation.
	for _, path := range []string{"/v2.0/bgp-speakers", "/v2.0/bgp-peers", "/v2.0/agents"} {
		code, body := raw(t, lb, demo, "GET", path, nil)
		for k, v := range body {
			if list, _ := v.([]any); code != 200 || len(list) != 0 {
				t.Errorf("member lists %s: %d %s=%v", path, code, k, v)
			}
		}
	}
	code, body := raw(t, lb, adm, "GET", "/v2.0/bgp-speakers?local_as=65010&unknown=1&fields=name", nil)
	if list, _ := body["bgp_speakers"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["name"] != "s1" || len(list[0].(map[string]any)) != 1 {
		t.Errorf("filtered speakers: %d %v", code, body)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/bgp-peers?remote_as=65001", nil)
	if list, _ := body["bgp_peers"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != same.ID {
		t.Errorf("peers by remote_as: %d %v", code, body)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/agents?agent_type=BGP+dynamic+routing+agent&alive=true&host=cloud1-network", nil)
	if list, _ := body["agents"].([]any); code != 200 || len(list) != 1 {
		t.Errorf("agents by type: %d %v", code, body)
	}
	code, body = raw(t, lb, adm, "GET", "/v2.0/agents?agent_type=L3+agent", nil)
	if list, _ := body["agents"].([]any); code != 200 || len(list) != 0 {
		t.Errorf("L3 agents: %d %v", code, body)
	}
	// A disabled agent takes no speaker.
	if err := agents.Update(ctx, adm, agentID, agents.UpdateOpts{AdminStateUp: ptr(false)}).Err; err != nil {
		t.Fatal(err)
	}
	if err := agents.RemoveBGPSpeaker(ctx, adm, agentID, s1.ID).ExtractErr(); err != nil {
		t.Fatal(err)
	}
	gcError(t, "schedule on a disabled agent", agents.ScheduleBGPSpeaker(ctx, adm, agentID, agents.ScheduleBGPSpeakerOpts{SpeakerID: s1.ID}).Err,
		404, "DrAgentInvalid", "BgpDrAgent "+agentID+" is invalid or has been disabled.")
	gcError(t, "member creates a speaker through gophercloud", speakers.Create(ctx, demo, speakers.CreateOpts{Name: "x", IPVersion: 4, LocalAS: "1"}).Err,
		403, "PolicyNotAuthorized", "((rule:create_bgp_speaker and rule:create_bgp_speaker:advertise_floating_ip_host_routes) and rule:create_bgp_speaker:advertise_tenant_networks) is disallowed by policy")
}
